import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Who may open a client's chart, as the clinic decides it: the director (or a role the clinic
/// allows) names the treating clinician when the client is accepted, and adds others with a reason
/// and an optional end date. Every change is audited; ended memberships stay in the history.
struct CareTeamController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.careTeam, use: show)
        site.post(.careTeamTreating, use: assignTreating)
        site.post(.careTeamMembers, use: addMember)
        site.post(.careTeamMemberEnd, use: endMember)
    }

    private struct Context {
        let staff: CurrentStaff
        let client: ClientRecord
        let clientID: UUID
        let mayAssign: Bool
    }

    /// The page shows no clinical content, only who is on the team: it opens to those who assign
    /// teams and to the team's own members.
    private func context(_ request: Request) async throws -> Context {
        let staff = try await request.authorize(.viewClinicalRecords)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let client = try await ClientRecord.find(id, on: request.db) else { throw Abort(.notFound) }
        let mayAssign = try await ClinicalSettingsRow.current(on: request.db).mayAssignCareTeam(staff.role)
        let isMember = try await CareTeamQueries.isMember(staff.id, of: id, at: request.now, on: request.db)
        guard mayAssign || isMember else { throw Abort(.notFound) }
        return Context(staff: staff, client: client, clientID: id, mayAssign: mayAssign)
    }

    private func requireAssigner(_ context: Context) throws {
        guard context.mayAssign else { throw Abort(.forbidden, reason: "Only the clinic director, or a role the clinic allows, changes a care team.") }
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try await request.audit(.view, recordType: "care-team", subject: context.clientID.uuidString)
        return try await render(request, context, fields: [:], errors: FieldErrors())
    }

    /// Clinicians who can hold a caseload.
    /// A practicum student's supervisor, when they still have access (`choices` holds only those
    /// who do): someone who has left joins no care team.
    static func supervisor(of chosen: StaffUser, among choices: [StaffUser]) -> UUID? {
        guard chosen.role == StaffRole.student, let id = chosen.$supervisor.id else { return nil }
        return choices.contains { $0.id == id } ? id : nil
    }

    private func clinicians(on db: any Database) async throws -> [StaffUser] {
        try await StaffUser.query(on: db).filter(\.$isActive == true)
            .filter(\.$role ~~ [StaffRole.admin, .supervisor, .therapist, .student]).sort(\.$name).all()
    }

    func assignTreating(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try requireAssigner(context)
        let fields = try FormInput.decode([String: String].self, from: request)
        let choices = try await clinicians(on: request.db)
        guard let chosen = fields["clinician"].flatMap(UUID.init(uuidString:)).flatMap({ id in choices.first { $0.id == id } }) else {
            var errors = FieldErrors()
            errors.add("clinician", "Choose the clinician who will treat this client.")
            return try await render(request, context, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        let now = request.now
        let chosenID = try chosen.requireID()
        let supervisorID = Self.supervisor(of: chosen, among: choices)
        try await request.db.writeTransaction { db in
            let current = try await CareTeamQueries.active(of: context.clientID, at: now, on: db)
            // One treating clinician at a time; the supervisor row follows the student it came with.
            for member in current where (member.role == .treating && member.$staff.id != chosenID)
                || (member.role == .supervisor && member.$staff.id != supervisorID) {
                member.endsAt = now
                member.$endedBy.id = context.staff.id
                try await member.update(on: db)
            }
            func add(_ staffID: UUID, _ role: CareTeamMember.Role, reason: String) async throws {
                guard !current.contains(where: { $0.$staff.id == staffID && $0.role == role }) else { return }
                let member = CareTeamMember()
                member.$client.id = context.clientID
                member.$staff.id = staffID
                member.role = role
                member.reason = reason
                member.startsAt = now
                member.$addedBy.id = context.staff.id
                member.createdAt = now
                try await member.create(on: db)
            }
            try await add(chosenID, .treating, reason: "Accepted as the treating clinician")
            if let supervisorID { try await add(supervisorID, .supervisor, reason: "Supervises the treating practicum student") }
        }
        try await request.audit(.update, recordType: "care-team", subject: context.clientID.uuidString,
                                detail: "treating clinician \(chosenID.uuidString)\(supervisorID.map { ", supervisor \($0.uuidString)" } ?? "")")
        return request.redirect(to: SitePath.careTeam.link(context.clientID, query: ["done": "saved"]))
    }

    func addMember(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try requireAssigner(context)
        let fields = try FormInput.decode([String: String].self, from: request)
        var errors = FieldErrors()
        let choices = try await clinicians(on: request.db)
        let chosen = fields["member"].flatMap(UUID.init(uuidString:)).flatMap { id in choices.first { $0.id == id } }
        if chosen == nil { errors.add("member", "Choose who to add.") }
        let reason = TextRules.clean(fields["reason"])
        if reason == nil || TextRules.length(fields["reason"]) > 500 { errors.add("reason", "Say why they join the care team (up to 500 characters).") }
        let zone = try await request.services.clinic.current(on: request.db).zone
        var endsAt: Date?
        if let typed = fields["until"]?.trimmingCharacters(in: .whitespaces), !typed.isEmpty {
            if let day = LocalDate(iso: typed), day > zone.localDate(of: request.now) {
                endsAt = zone.startOfDay(day.adding(days: 1))
            } else {
                errors.add("until", "Enter a date after today as YYYY-MM-DD, or leave it empty.")
            }
        }
        guard errors.isEmpty, let chosen, let reason else {
            return try await render(request, context, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        let member = CareTeamMember()
        member.$client.id = context.clientID
        member.$staff.id = try chosen.requireID()
        member.role = .member
        member.reason = reason
        member.startsAt = request.now
        member.endsAt = endsAt
        member.$addedBy.id = context.staff.id
        member.createdAt = request.now
        let now = request.now, adderID = context.staff.id, clientID = context.clientID, until = endsAt
        let supervisorID = Self.supervisor(of: chosen, among: choices)
        try await request.db.writeTransaction { db in
            try await member.create(on: db)
            // A practicum student works under supervision: their supervisor joins for the same time,
            // or they could not co-sign the student's notes about this client.
            if let supervisorID, try await !CareTeamQueries.isMember(supervisorID, of: clientID, at: now, on: db) {
                let supervisor = CareTeamMember()
                supervisor.$client.id = clientID
                supervisor.$staff.id = supervisorID
                supervisor.role = .supervisor
                supervisor.reason = "Supervises the practicum student added with a reason"
                supervisor.startsAt = now
                supervisor.endsAt = until
                supervisor.$addedBy.id = adderID
                supervisor.createdAt = now
                try await supervisor.create(on: db)
            }
        }
        try await request.audit(.update, recordType: "care-team", recordID: member.id?.uuidString, subject: context.clientID.uuidString,
                                detail: "added \(try chosen.requireID().uuidString)\(endsAt == nil ? "" : " until \(fields["until"] ?? "")")")
        return request.redirect(to: SitePath.careTeam.link(context.clientID, query: ["done": "saved"]))
    }

    func endMember(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try requireAssigner(context)
        guard let id = request.parameters.get("member").flatMap(UUID.init(uuidString:)),
              let member = try await CareTeamMember.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == context.clientID).first()
        else { throw Abort(.notFound) }
        guard member.isActive(at: request.now) else { throw Abort(.conflict, reason: "This membership has already ended.") }
        member.endsAt = request.now
        member.$endedBy.id = context.staff.id
        try await member.update(on: request.db)
        try await request.audit(.update, recordType: "care-team", recordID: id.uuidString, subject: context.clientID.uuidString,
                                detail: "ended \(member.$staff.id.uuidString)")
        return request.redirect(to: SitePath.careTeam.link(context.clientID, query: ["done": "saved"]))
    }

    private func render(_ request: Request, _ context: Context, fields: [String: String], errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = try await pageModel(request, context, fields: fields, errors: errors)
        return .html(PageLayout.render(title: model.title, chrome: try await request.chrome(), content: CareTeamPage.view(model)), status: status)
    }

    private func pageModel(_ request: Request, _ context: Context, fields: [String: String], errors: FieldErrors) async throws -> CareTeamPage.Model {
        let zone = try await request.services.clinic.current(on: request.db).zone
        let all = try await CareTeamQueries.history(of: [context.clientID], on: request.db)[context.clientID] ?? []
        let people = try await StaffUser.query(on: request.db).filter(\.$id ~~ all.map { $0.$staff.id }).all()
        func member(_ row: CareTeamMember) -> CareTeamPage.Member {
            CareTeamPage.Member(id: row.id?.uuidString ?? "", staffID: row.$staff.id.uuidString, name: people.first { $0.id == row.$staff.id }?.name ?? "A former staff member",
                                role: row.role, reason: row.reason ?? "", since: DateDisplay.day(zone.localDate(of: row.startsAt)),
                                until: row.endsAt.map { DateDisplay.day(zone.localDate(of: $0.addingTimeInterval(-1))) })
        }
        let newestFirst = all.sorted { $0.startsAt > $1.startsAt }
        let choices = context.mayAssign ? try await clinicians(on: request.db) : []
        return CareTeamPage.Model(
            clientName: context.client.name, clientID: context.clientID.uuidString,
            saved: request.query[String.self, at: "done"] == "saved",
            current: newestFirst.filter { $0.isActive(at: request.now) }.map(member),
            past: newestFirst.filter { !$0.isActive(at: request.now) }.map(member),
            mayAssign: context.mayAssign,
            clinicians: choices.map { .init(id: $0.id?.uuidString ?? "", label: "\($0.name), \($0.role.displayName)") },
            people: choices.map { .init(id: $0.id?.uuidString ?? "", label: $0.name) },
            fields: fields, errors: errors, csrfToken: request.csrfToken)
    }
}
