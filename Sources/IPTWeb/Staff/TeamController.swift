import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The director's team pages: who has a staff account, adding someone (they choose their own
/// password from an emailed link), changing a role, a student's supervisor or a public listing, and
/// removing the access of someone who leaves. Every change is audited.
struct TeamController: SiteRouteCollection {
    /// How long a welcome link stays valid: a new colleague may not read work email the same day.
    static let welcomeLinkLifetime: TimeInterval = 7 * 24 * 60 * 60

    func boot(site: SiteRoutes) throws {
        site.get(.staffTeam, use: list)
        site.get(.staffTeamNew, use: newForm)
        site.post(.staffTeamNew, use: add)
        site.get(.staffTeamMember, use: editForm)
        site.post(.staffTeamMember, use: save)
        site.post(.staffTeamMemberAccess, use: changeAccess)
        site.post(.staffTeamMemberInvite, use: sendPasswordLink)
        site.post(.staffTeamMemberTwoFactor, use: resetTwoFactor)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageTeam)
        let staff = try await StaffUser.query(on: request.db).sort(\.$name).all()
        let names = Dictionary(staff.compactMap { user in user.id.map { ($0, user.name) } }, uniquingKeysWith: { first, _ in first })
        let rows = staff.map { user in
            StaffTeamPage.Row(id: user.id?.uuidString ?? "", name: user.name, email: user.email, role: user.role,
                         supervisor: user.role == .student ? user.$supervisor.id.flatMap { names[$0] } : nil,
                         level: user.feeTier.flatMap(FeeTierCode.init(rawValue:)), acceptingNewClients: user.acceptingNewClients,
                         isPublic: user.isPublic, isActive: user.isActive)
        }
        let notice: String? = switch request.query[String.self, at: "done"] {
        case "added": "Added. The welcome email with their password link is on its way."
        default: nil
        }
        return try await request.page(StaffTeamPage.title, StaffTeamPage.view(StaffTeamPage.Model(rows: rows, notice: notice)))
    }

    func newForm(_ request: Request) async throws -> Response {
        let director = try await request.authorize(.manageTeam)
        return try await render(request, member: nil, director: director, fields: ["role": StaffRole.therapist.rawValue], errors: FieldErrors())
    }

    func editForm(_ request: Request) async throws -> Response {
        let director = try await request.authorize(.manageTeam)
        let member = try await member(request)
        let notice: String? = switch request.query[String.self, at: "done"] {
        case "saved": "Saved."
        case "removed": "Their access is removed: they are signed out and left every care team they were on."
        case "restored": "Their access is back. They got an email with a link to choose a new password."
        case "link": "A new password link is on its way to them (valid for seven days)."
        case "two-factor": "Their two-factor sign-in is reset: they are signed out, and set it up again with their new phone the next time they sign in."
        default: nil
        }
        return try await render(request, member: member, director: director, fields: Self.fields(of: member), errors: FieldErrors(), notice: notice)
    }

    func add(_ request: Request) async throws -> Response {
        let director = try await request.authorize(.manageTeam)
        let fields = try FormInput.decode([String: String].self, from: request)
        let input = try await validate(fields, member: StaffUser?.none, director: director, on: request.db)
        guard case .valid(let change) = input else {
            return try await render(request, member: nil, director: director, fields: fields, errors: input.errors, status: .unprocessableEntity)
        }
        let now = request.now
        // Nobody knows this password: the person chooses their own from the welcome link.
        let unusable = try await request.password.async.hash(SecureToken.make())
        let slug = try await StaffQueries.freeSlug(for: change.name, on: request.db)
        let user = StaffUser(email: change.email, name: change.name, role: change.role, passwordHash: unusable, slug: slug,
                             credentials: change.credentials, bio: change.bio, feeTier: change.feeTier?.rawValue, isPublic: change.isPublic,
                             acceptingNewClients: change.acceptingNewClients, supervisorID: change.supervisorID, createdAt: now)
        user.designation = change.designation
        user.registrationNumber = change.registrationNumber
        let clinic = try await request.services.clinic.current(on: request.db)
        let created: Void? = try await Self.passwordLink(for: user, kind: .welcome, clinic: clinic.name, request: request) { database in
            try await user.create(on: database)
        }
        // nil: the account was not created (its email is taken), and no link was sent.
        guard created != nil else {
            var errors = FieldErrors()
            errors.add("email", "Someone else on the team already signs in with this email.")
            return try await render(request, member: nil, director: director, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        request.services.pageCache.removeAll()
        try await request.audit(.create, recordType: "staff-account", recordID: user.id?.uuidString, detail: "role=\(change.role.rawValue); welcome link sent")
        return request.redirect(to: SitePath.staffTeam.link(query: ["done": "added"]))
    }

    func save(_ request: Request) async throws -> Response {
        let director = try await request.authorize(.manageTeam)
        let member = try await member(request)
        let fields = try FormInput.decode([String: String].self, from: request)
        let input = try await validate(fields, member: member, director: director, on: request.db)
        guard case .valid(let change) = input else {
            return try await render(request, member: member, director: director, fields: fields, errors: input.errors, status: .unprocessableEntity)
        }
        let memberID = try member.requireID()
        // The role and supervisor the director saw when the form opened: if someone else changed
        // either since, saving would silently undo their change (and move care teams from the
        // wrong supervisor), so the director is shown the account as it is now, with their input.
        let shownRole = fields["shownRole"].flatMap(StaffRole.init(rawValue:)) ?? member.role
        let shownSupervisor: UUID? = if let shown = fields["shownSupervisor"] { UUID(uuidString: shown) } else { member.$supervisor.id }
        guard shownRole == member.role, shownSupervisor == member.$supervisor.id else {
            return try await changedMeanwhile(request, director: director, fields: fields)
        }
        let supervisedBefore: UUID? = member.role == .student ? member.$supervisor.id : nil
        let supervisedNow: UUID? = change.role == .student ? change.supervisorID : nil
        let changed = TeamChanges.describe(member, change)
        let formerRole = member.role, formerSupervisor = member.$supervisor.id
        let formerEmail = member.email
        let emailChanged = formerEmail != change.email
        // The front desk sees no health information, so a clinician made receptionist leaves
        // every care team, as someone leaving does.
        let leavesCareTeams = change.role == .receptionist && member.role != .receptionist
        member.name = change.name
        member.email = change.email
        member.role = change.role
        member.$supervisor.id = change.supervisorID
        member.feeTier = change.feeTier?.rawValue
        member.acceptingNewClients = member.isActive && change.acceptingNewClients
        member.isPublic = change.isPublic
        member.credentials = change.credentials
        member.designation = change.designation
        member.registrationNumber = change.registrationNumber
        member.bio = change.bio
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let write: @Sendable (any Database) async throws -> TeamChanges.CareTeamsChanged = { database in
            // The role and supervisor the care teams are moved from must be the ones stored now:
            // of two directors changing a student's supervisor at once, the second finds the row
            // changed and is shown the account as it is, rather than adding a second supervisor.
            guard try await TeamChanges.claim(memberID, role: formerRole, supervisor: formerSupervisor, on: database) else {
                throw TeamChanges.ChangedMeanwhile()
            }
            try await member.update(on: database)
            var teams = TeamChanges.CareTeamsChanged()
            if supervisedBefore != supervisedNow {
                teams.merge(try await TeamChanges.moveSupervision(of: memberID, from: supervisedBefore, to: supervisedNow, by: director.id,
                                                                  at: now, on: database))
            }
            if leavesCareTeams { teams.merge(try await TeamChanges.endMemberships(of: memberID, by: director.id, at: now, on: database)) }
            if emailChanged {
                // Links and sessions belong to the old address: a welcome link sent to a mistyped
                // address must not keep working once the address is put right.
                try await TeamChanges.endLinksAndSessions(of: memberID, at: now, on: database)
                try await Outbox.enqueue(to: formerEmail, subject: "Your sign-in address has changed - \(clinic.name)", body: """
                    Hello,

                    The clinic director at \(clinic.name) changed the email address your staff account signs in with. Sign in with the new address from now on; a link to choose a password went to it.

                    If you did not expect this, contact the clinic.
                    """, at: now, on: database)
            }
            return teams
        }
        let teams: TeamChanges.CareTeamsChanged
        do {
            if emailChanged {
                guard let written = try await Self.passwordLink(for: member, kind: .addressChanged, clinic: clinic.name, request: request, write: write) else {
                    throw TeamChanges.AddressTaken()
                }
                teams = written
            } else {
                teams = try await request.db.writeTransaction(write)
            }
        } catch is TeamChanges.ChangedMeanwhile {
            return try await changedMeanwhile(request, director: director, fields: fields)
        } catch let error where error is TeamChanges.AddressTaken || (error as? any DatabaseError)?.isConstraintFailure == true {
            var errors = FieldErrors()
            errors.add("email", "Someone else on the team already signs in with this email.")
            return try await render(request, member: member, director: director, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        request.services.pageCache.removeAll()
        try await request.audit(.update, recordType: "staff-account", recordID: memberID.uuidString,
                                detail: changed.isEmpty ? "no change" : "changed: \(changed.joined(separator: ", "))")
        try await Self.audit(teams, of: memberID, request: request)
        return request.redirect(to: SitePath.staffTeamMember.link(memberID, query: ["done": "saved"]))
    }

    func changeAccess(_ request: Request) async throws -> Response {
        let director = try await request.authorize(.manageTeam)
        let member = try await member(request)
        let memberID = try member.requireID()
        guard memberID != director.id else {
            throw Abort(.forbidden, reason: "You cannot remove your own access. Another director can.")
        }
        let fields = try FormInput.decode([String: String].self, from: request)
        let now = request.now
        switch fields["access"] {
        case "remove" where member.isActive:
            let supervisor: UUID? = member.role == .student ? member.$supervisor.id : nil
            let teams = try await request.db.writeTransaction { database in
                try await TeamChanges.removeAccess(of: memberID, supervisedBy: supervisor, by: director.id, at: now, on: database)
            }
            request.services.pageCache.removeAll()
            try await request.audit(.update, recordType: "staff-account", recordID: memberID.uuidString,
                                    detail: "access removed; \(teams.ended.count) care-team memberships ended")
            try await Self.audit(teams, of: memberID, request: request)
            return request.redirect(to: SitePath.staffTeamMember.link(memberID, query: ["done": "removed"]))
        case "restore" where !member.isActive:
            let clinic = try await request.services.clinic.current(on: request.db)
            // Back with a new password of their own choosing: the old one was theirs before they left.
            let unusable = try await request.password.async.hash(SecureToken.make())
            _ = try await Self.passwordLink(for: member, kind: .welcome, clinic: clinic.name, request: request) { database in
                // Anything that raced the removal (a link asked for, a sign-in) stays dead.
                try await TeamChanges.endLinksAndSessions(of: memberID, at: now, on: database)
                try await StaffUser.query(on: database).set(\.$isActive, to: true).set(\.$passwordHash, to: unusable)
                    .filter(\.$id == memberID).update()
            }
            request.services.pageCache.removeAll()
            try await request.audit(.update, recordType: "staff-account", recordID: memberID.uuidString, detail: "access restored; password link sent")
            return request.redirect(to: SitePath.staffTeamMember.link(memberID, query: ["done": "restored"]))
        default:
            // A second click, or a form from before someone else's change: show the account as it is now.
            return request.redirect(to: SitePath.staffTeamMember.link(memberID))
        }
    }

    func sendPasswordLink(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageTeam)
        let member = try await member(request)
        let memberID = try member.requireID()
        guard member.isActive else { return request.redirect(to: SitePath.staffTeamMember.link(memberID)) }
        let clinic = try await request.services.clinic.current(on: request.db)
        _ = try await Self.passwordLink(for: member, kind: .reset, clinic: clinic.name, request: request) { _ in }
        try await request.audit(.update, recordType: "staff-account", recordID: memberID.uuidString, detail: "password link sent by the director")
        return request.redirect(to: SitePath.staffTeamMember.link(memberID, query: ["done": "link"]))
    }

    /// A lost phone: without this only SQL could let them back in. The secret, any half-finished
    /// set-up and every recovery code go, their sessions end, and the next sign-in asks for a new
    /// set-up. Not for oneself: another director does it, as with removing access.
    func resetTwoFactor(_ request: Request) async throws -> Response {
        let director = try await request.authorize(.manageTeam)
        let member = try await member(request)
        let memberID = try member.requireID()
        guard memberID != director.id else { throw Abort(.forbidden, reason: "Another director resets your two-factor sign-in.") }
        guard member.isActive else { return request.redirect(to: SitePath.staffTeamMember.link(memberID)) }
        try await request.db.writeTransaction { database in
            try await StaffUser.query(on: database).filter(\.$id == memberID)
                .set(\.$totpSecret, to: nil).set(\.$totpPendingSecret, to: nil).set(\.$totpEnabledAt, to: nil).set(\.$totpLastCounter, to: nil)
                .set(\.$secondFactorFailures, to: 0).set(\.$secondFactorRefusedUntil, to: nil).update()
            try await RecoveryCode.query(on: database).filter(\.$staff.$id == memberID).delete()
            try await AccountSessions.endAll(of: memberID, on: database)
        }
        try await request.audit(.update, recordType: "staff-account", recordID: memberID.uuidString, detail: "two-factor sign-in reset by the director")
        return request.redirect(to: SitePath.staffTeamMember.link(memberID, query: ["done": "two-factor"]))
    }

    // MARK: helpers

    /// 409: the account's role or supervisor changed since the form was opened. The director's input
    /// is kept, and the form now carries the values as they are, so saving again is a decision made
    /// on what is there.
    private func changedMeanwhile(_ request: Request, director: CurrentStaff, fields: [String: String]) async throws -> Response {
        let current = try await member(request)
        var kept = fields
        kept["shownRole"] = current.role.rawValue
        kept["shownSupervisor"] = current.$supervisor.id?.uuidString ?? ""
        let supervisor = try await current.$supervisor.id.asyncMap { try await StaffUser.find($0, on: request.db)?.name } ?? nil
        let now = "\(current.role.displayName.lowercased())\(supervisor.map { ", supervised by \($0)" } ?? "")"
        return try await render(request, member: current, director: director, fields: kept, errors: FieldErrors(),
                                warning: "Someone else changed this account since you opened it: it is now \(now). Nothing was saved. Your changes are below; check them and save again.",
                                status: .conflict)
    }

    /// One audit row per client whose care team a team change altered, as `CareTeamController`
    /// writes when a director changes a team by hand.
    private static func audit(_ teams: TeamChanges.CareTeamsChanged, of memberID: UUID, request: Request) async throws {
        for clientID in Set(teams.ended + teams.added) {
            let ended = teams.ended.filter { $0 == clientID }.count, added = teams.added.filter { $0 == clientID }.count
            try await request.audit(.update, recordType: "care-team", subject: clientID.uuidString,
                                    detail: "team change of staff \(memberID.uuidString): \(ended) ended, \(added) added")
        }
    }

    /// The account named in the path, or 404 for anything else.
    private func member(_ request: Request) async throws -> StaffUser {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let member = try await StaffUser.find(id, on: request.db) else { throw Abort(.notFound) }
        return member
    }

    /// Runs `write` and queues an email with a one-time password link in the same transaction, so
    /// an account is never made without its link, nor a link sent for an account that failed.
    /// False when the write broke a unique constraint (the email is someone else's).
    enum LinkKind {
        case welcome, reset, addressChanged
    }

    private static func passwordLink<T: Sendable>(for user: StaffUser, kind: LinkKind, clinic: String, request: Request,
                                                  write: @escaping @Sendable (any Database) async throws -> T) async throws -> T? {
        let token = SecureToken.make()
        let now = request.now
        let link = request.services.settings.publicBaseURL + SitePath.passwordResetLink.link(token)
        let email = user.email
        let welcome = kind == .welcome
        let body = kind == .addressChanged ? """
            Hello,

            Your staff account at \(clinic) now signs in with this email address. If you have not chosen a password yet, or want a new one, open this link within seven days:
            \(link)

            A password you already have keeps working. If you were not expecting this, ignore this email.
            """ : welcome ? """
            Hello,

            \(clinic) has made you a staff account. To choose your password and sign in, open this link within seven days:
            \(link)

            You sign in with this email address. If you were not expecting this, ignore this email.
            """ : """
            Hello,

            The clinic director at \(clinic) sent you a link to choose a new password for your staff account. Open it within seven days:
            \(link)

            Your current password keeps working until you choose a new one. If you were not expecting this, ignore this email.
            """
        let written: T
        do {
            written = try await request.db.writeTransaction { database in
                let written = try await write(database)
                let reset = PasswordReset()
                reset.$staff.id = try user.requireID()
                reset.tokenHash = HexDigest.sha256(token)
                reset.expiresAt = now.addingTimeInterval(welcomeLinkLifetime)
                reset.createdAt = now
                try await reset.create(on: database)
                let subject = switch kind {
                case .welcome: "Your staff account at \(clinic)"
                case .reset: "Choose a new password - \(clinic)"
                case .addressChanged: "Your staff account's email address - \(clinic)"
                }
                try await Outbox.enqueue(to: email, subject: subject,
                                         body: body, at: now, on: database)
                return written
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return nil
        }
        request.nudgeOutbox()
        return written
    }

    /// The checked form: everything valid, or each field's problem.
    private func validate(_ fields: [String: String], member: StaffUser?, director: CurrentStaff,
                          on database: any Database) async throws -> TeamChanges.Checked {
        var errors = FieldErrors()
        let name = TextRules.clean(fields["name"])
        if name == nil || TextRules.length(name) > 120 || TextRules.hasControlCharacters(name ?? "", allowLineBreaks: false) {
            errors.add("name", "Enter their full name on one line (up to 120 characters).")
        }
        let email = TextRules.clean(fields["email"])?.lowercased()
        if !(email.map(TextRules.isPlausibleEmail) ?? false) {
            errors.add("email", "Enter their work email, like name@example.org.")
        } else if let email, let other = try await StaffUser.query(on: database).filter(\.$email == email).first(), other.id != member?.id {
            errors.add("email", "Someone else on the team already signs in with this email.")
        }
        // Nobody changes their own role here, so the clinic always keeps a director who can.
        let isSelf = member?.id == director.id
        let role = isSelf ? member?.role : fields["role"].flatMap(StaffRole.init(rawValue:))
        if role == nil { errors.add("role", "Choose what they do at the clinic.") }
        if let member, let memberID = member.id, let role, ![StaffRole.supervisor, .admin].contains(role) {
            let students = try await StaffUser.query(on: database).filter(\.$supervisor.$id == memberID).filter(\.$role == .student)
                .filter(\.$isActive == true).count()
            if students > 0 {
                errors.add("role", "They supervise \(students) practicum student\(students == 1 ? "" : "s"): choose another supervisor on each student's page first.")
            }
        }
        var supervisorID: UUID?
        if role == .student {
            let chosen = fields["supervisor"].flatMap(UUID.init(uuidString:))
            let supervisor = try await chosen.asyncMap { try await StaffUser.find($0, on: database) } ?? nil
            if let supervisor, supervisor.isActive, [.supervisor, .admin].contains(supervisor.role), supervisor.id != member?.id {
                supervisorID = supervisor.id
            } else {
                errors.add("supervisor", "Choose the supervisor this practicum student works under.")
            }
        }
        let tier = fields["feeTier"].flatMap { $0.isEmpty ? nil : FeeTierCode(rawValue: $0) }
        if let raw = fields["feeTier"], !raw.isEmpty, tier == nil { errors.add("feeTier", "Choose one of the levels listed.") }
        if role == .receptionist, tier != nil { errors.add("feeTier", "A receptionist does not see clients: leave the level empty.") }
        let accepting = fields["acceptingNewClients"] == "yes"
        if accepting, tier == nil, role != .receptionist {
            errors.add("acceptingNewClients", "Choose their level first: it decides the fee new clients are quoted.")
        } else if accepting, role == .receptionist {
            errors.add("acceptingNewClients", "A receptionist does not see clients.")
        }
        func line(_ key: String, _ limit: Int, _ message: String) -> String {
            let value = TextRules.clean(fields[key]) ?? ""
            if TextRules.length(value) > limit || TextRules.hasControlCharacters(value, allowLineBreaks: false) { errors.add(key, message) }
            return value
        }
        let credentials = line("credentials", 200, "Keep the credentials on one line, up to 200 characters.")
        let designation = line("designation", 60, "Keep the designation on one line, up to 60 characters.")
        let registration = line("registrationNumber", 40, "Keep the registration number on one line, up to 40 characters.")
        let bio = TextRules.clean(fields["bio"]) ?? ""
        if TextRules.length(bio) > 2_000 || TextRules.hasControlCharacters(bio, allowLineBreaks: true) {
            errors.add("bio", "Keep this under 2,000 characters, as plain text.")
        }
        guard errors.isEmpty, let name, let email, let role else { return .invalid(errors) }
        return .valid(TeamChanges.Input(name: name, email: email, role: role, supervisorID: supervisorID, feeTier: tier,
                                          acceptingNewClients: accepting, isPublic: fields["isPublic"] == "yes", credentials: credentials,
                                          designation: designation, registrationNumber: registration, bio: bio))
    }

    private static func fields(of member: StaffUser) -> [String: String] {
        [
            "name": member.name, "email": member.email, "role": member.role.rawValue,
            "supervisor": member.$supervisor.id?.uuidString ?? "", "feeTier": member.feeTier ?? "",
            "acceptingNewClients": member.acceptingNewClients ? "yes" : "", "isPublic": member.isPublic ? "yes" : "",
            "credentials": member.credentials, "designation": member.designation, "registrationNumber": member.registrationNumber,
            "bio": member.bio, "shownRole": member.role.rawValue, "shownSupervisor": member.$supervisor.id?.uuidString ?? "",
        ]
    }

    private func render(_ request: Request, member: StaffUser?, director: CurrentStaff, fields: [String: String], errors: FieldErrors,
                        notice: String? = nil, warning: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let supervisors = try await StaffUser.query(on: request.db).filter(\.$isActive == true)
            .filter(\.$role ~~ [StaffRole.supervisor, .admin]).sort(\.$name).all()
            .filter { $0.id != member?.id }
            .map { ($0.id?.uuidString ?? "", "\($0.name), \($0.role.displayName.lowercased())") }
        var future = 0, treating = 0, students = 0
        if let member, let memberID = member.id {
            (future, treating, students) = try await TeamChanges.stillTheirs(memberID, at: request.now, on: request.db)
        }
        var model = StaffAccountPage.Model(id: member?.id?.uuidString, name: member?.name, isActive: member?.isActive ?? true,
                                         isSelf: member?.id != nil && member?.id == director.id, fields: fields, supervisors: supervisors,
                                         futureAppointments: future, treatingClients: treating, supervisedStudents: students, notice: notice, warning: warning, errors: errors,
                                         csrfToken: request.csrfToken)
        model.hasTwoFactor = member?.totpEnabledAt != nil
        return try await request.page(model.title, StaffAccountPage.view(model), status: status)
    }
}

/// What changing the team does beyond the account's own row: the care teams a student's
/// supervisor sits on, and everything that ends when someone's access is removed.
enum TeamChanges {
    /// One valid submission of the team member form.
    struct Input: Sendable {
        let name: String
        let email: String
        let role: StaffRole
        let supervisorID: UUID?
        let feeTier: FeeTierCode?
        let acceptingNewClients: Bool
        let isPublic: Bool
        let credentials: String
        let designation: String
        let registrationNumber: String
        let bio: String
    }

    /// Another account took the address between the check and the write.
    struct AddressTaken: Error {}

    /// The account's role or supervisor changed between the form and the write.
    struct ChangedMeanwhile: Error {}

    /// Takes the account's row for this change if its role and supervisor are still what the change
    /// was planned from: one conditional UPDATE, whose returned row decides (on PostgreSQL the
    /// second of two waits for the first's lock and then finds the row changed).
    static func claim(_ staffID: UUID, role: StaffRole, supervisor: UUID?, on database: any Database) async throws -> Bool {
        guard let sql = database as? any SQLDatabase else { return false }
        var update = sql.update(StaffUser.schema).set("role", to: role.rawValue).where("id", .equal, staffID).where("role", .equal, role.rawValue)
        update = if let supervisor { update.where("supervisor_id", .equal, supervisor) } else { update.where("supervisor_id", .is, SQLLiteral.null) }
        return try await !update.returning("id").all().isEmpty
    }

    /// The clients whose care teams a change ended a membership in, or added one to.
    struct CareTeamsChanged: Sendable {
        var ended: [UUID] = []
        var added: [UUID] = []

        mutating func merge(_ other: CareTeamsChanged) {
            ended += other.ended
            added += other.added
        }
    }

    enum Checked {
        case valid(Input)
        case invalid(FieldErrors)

        var errors: FieldErrors {
            if case .invalid(let errors) = self { return errors }
            return FieldErrors()
        }
    }

    /// The names of the fields a change touches, for the audit trail (the values stay out of it).
    static func describe(_ member: StaffUser, _ input: Input) -> [String] {
        var changed: [String] = []
        if member.name != input.name { changed.append("name") }
        if member.email != input.email { changed.append("email") }
        if member.role != input.role { changed.append("role \(member.role.rawValue) to \(input.role.rawValue)") }
        if member.$supervisor.id != input.supervisorID { changed.append("supervisor \(input.supervisorID?.uuidString ?? "none")") }
        if member.feeTier != input.feeTier?.rawValue { changed.append("level") }
        if member.acceptingNewClients != input.acceptingNewClients { changed.append("accepting new clients") }
        if member.isPublic != input.isPublic { changed.append("website listing") }
        if member.credentials != input.credentials || member.designation != input.designation
            || member.registrationNumber != input.registrationNumber || member.bio != input.bio { changed.append("profile") }
        return changed
    }

    /// A practicum student's supervisor joins each care team the student is on (CareTeamController).
    /// When the student's supervisor changes, or they stop being a student, the care teams follow:
    /// the former supervisor leaves the teams they were on for this student, unless another student
    /// of theirs is on the same team, and the new one joins for as long as the student's membership.
    @discardableResult
    static func moveSupervision(of studentID: UUID, from former: UUID?, to next: UUID?, by actor: UUID, at now: Date,
                                on database: any Database) async throws -> CareTeamsChanged {
        var changed = CareTeamsChanged()
        let studentRows = try await CareTeamQueries.memberships(of: studentID, at: now, on: database)
        for studentRow in studentRows {
            let clientID = studentRow.$client.id
            let team = try await CareTeamQueries.active(of: clientID, at: now, on: database)
            if let former {
                let otherStudents = team.filter { $0.role != .supervisor && $0.$staff.id != studentID }.map(\.$staff.id)
                var stillSupervising = false
                if !otherStudents.isEmpty {
                    stillSupervising = try await StaffUser.query(on: database).filter(\.$id ~~ otherStudents).filter(\.$role == .student)
                        .filter(\.$supervisor.$id == former).count() > 0
                }
                if !stillSupervising {
                    for row in team where row.role == .supervisor && row.$staff.id == former {
                        row.endsAt = now
                        row.$endedBy.id = actor
                        try await row.update(on: database)
                        changed.ended.append(clientID)
                    }
                }
            }
            if let next, !team.contains(where: { $0.$staff.id == next }) {
                let row = CareTeamMember()
                row.$client.id = clientID
                row.$staff.id = next
                row.role = .supervisor
                row.reason = "Supervises the practicum student on this team"
                row.startsAt = now
                row.endsAt = studentRow.endsAt
                row.$addedBy.id = actor
                row.createdAt = now
                try await row.create(on: database)
                changed.added.append(clientID)
            }
        }
        return changed
    }

    /// Someone leaves: they cannot sign in (their sessions end now), reset a password with a link
    /// sent earlier, or subscribe a calendar; they are no longer offered to new clients; and each
    /// care team they are on ends for them today, with a student's supervisor leaving those teams
    /// as when a student's supervisor changes.
    static func removeAccess(of staffID: UUID, supervisedBy supervisor: UUID?, by actor: UUID, at now: Date,
                             on database: any Database) async throws -> CareTeamsChanged {
        try await StaffUser.query(on: database).set(\.$isActive, to: false).set(\.$acceptingNewClients, to: false)
            .filter(\.$id == staffID).update()
        try await endLinksAndSessions(of: staffID, at: now, on: database)
        try await CalendarFeed.query(on: database).set(\.$revokedAt, to: now).filter(\.$staff.$id == staffID).filter(\.$revokedAt == nil).update()
        var changed = CareTeamsChanged()
        if let supervisor {
            changed.merge(try await moveSupervision(of: staffID, from: supervisor, to: nil, by: actor, at: now, on: database))
        }
        changed.merge(try await endMemberships(of: staffID, by: actor, at: now, on: database))
        return changed
    }

    /// Ends every care-team membership this person holds now.
    static func endMemberships(of staffID: UUID, by actor: UUID, at now: Date, on database: any Database) async throws -> CareTeamsChanged {
        var changed = CareTeamsChanged()
        for row in try await CareTeamQueries.memberships(of: staffID, at: now, on: database) {
            row.endsAt = now
            row.$endedBy.id = actor
            try await row.update(on: database)
            changed.ended.append(row.$client.id)
        }
        return changed
    }

    /// Uses up every password link not yet used and ends every session of this account.
    static func endLinksAndSessions(of staffID: UUID, at now: Date, on database: any Database) async throws {
        try await PasswordReset.query(on: database).set(\.$usedAt, to: now).filter(\.$staff.$id == staffID).filter(\.$usedAt == nil).update()
        try await AccountSessions.endAll(of: staffID, on: database)
    }

    /// What someone who leaves still holds: appointments to come with clients, and clients they treat.
    static func stillTheirs(_ staffID: UUID, at now: Date, on database: any Database) async throws -> (appointments: Int, clients: Int, students: Int) {
        let appointments = try await Appointment.query(on: database).filter(\.$staff.$id == staffID).filter(\.$startsAt > now)
            .filter(\.$status ~~ ScheduleAccess.stillBooked.compactMap(Appointment.Status.init(rawValue:))).count()
        let treating = try await CareTeamQueries.memberships(of: staffID, at: now, on: database).filter { $0.role == .treating }.count
        let students = try await StaffUser.query(on: database).filter(\.$supervisor.$id == staffID).filter(\.$role == .student)
            .filter(\.$isActive == true).count()
        return (appointments, treating, students)
    }
}
