import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

/// The director's team pages: adding a colleague, changing a role or a student's supervisor, and
/// removing the access of someone who leaves, with what each change must carry with it.
@Suite struct TeamTests {
    /// The one-time link in the newest email to this address.
    func link(sentTo email: String, _ clinic: TestClinic) async throws -> String {
        let message = try #require(try await OutboxMessage.query(on: clinic.db).filter(\.$recipient == email).sort(\.$createdAt, .descending).first())
        let range = try #require(message.bodyText.range(of: #"/staff/password-reset/[A-Za-z0-9_-]+"#, options: .regularExpression))
        return String(message.bodyText[range])
    }

    func form(_ user: StaffUser, _ changes: [String: String] = [:]) -> [String: String] {
        var fields = ["name": user.name, "email": user.email, "role": user.role.rawValue, "supervisor": user.$supervisor.id?.uuidString ?? "",
                      "feeTier": user.feeTier ?? "", "acceptingNewClients": user.acceptingNewClients ? "yes" : "",
                      "isPublic": user.isPublic ? "yes" : ""]
        fields.merge(changes) { _, new in new }
        return fields
    }

    @Test func the_director_adds_a_colleague_who_chooses_their_own_password_from_the_welcome_email() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            #expect(try await director.get("/staff/team/new").status == .ok)
            let added = try await director.post("/staff/team/new", form: [
                "name": "Jordan Lee", "email": "Jordan.Lee@Example.org", "role": "therapist", "feeTier": "full",
                "acceptingNewClients": "yes", "isPublic": "yes", "credentials": "MSW, RSW", "bio": "Works with grief and life changes.",
            ])
            #expect(added.status == .seeOther && added.location == "/staff/team?done=added")
            let jordan = try #require(try await StaffUser.query(on: clinic.db).filter(\.$email == "jordan.lee@example.org").first())
            #expect(jordan.role == .therapist && jordan.isActive && jordan.acceptingNewClients && jordan.slug == "jordan-lee")
            let list = try await director.get(try #require(added.location)).body.string
            #expect(list.contains("Jordan Lee") && list.contains("The welcome email"))
            #expect(try await Browser(app: clinic.app).get("/team/jordan-lee").status == .ok, "listed on the website")

            // Nobody knows a password yet: signing in fails until Jordan chooses one from the link.
            let jordanBrowser = Browser(app: clinic.app)
            try await jordanBrowser.get("/staff/sign-in")
            #expect(try await jordanBrowser.post("/staff/sign-in", form: ["email": "jordan.lee@example.org", "password": "correct horse battery"]).status != .seeOther)
            let welcome = try await link(sentTo: "jordan.lee@example.org", clinic)
            clinic.clock.advance(by: 3 * 24 * 60 * 60)  // read on the third day: still valid
            #expect(try await jordanBrowser.get(welcome).status == .ok)
            #expect(try await jordanBrowser.post(welcome, form: ["newPassword": "a long new passphrase", "confirmPassword": "a long new passphrase"]).status == .seeOther)
            try await jordanBrowser.signIn(email: "jordan.lee@example.org", password: "a long new passphrase")
            #expect(try await jordanBrowser.get("/staff").status == .ok)
            let audited = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "staff-account").filter(\.$recordID == jordan.id!.uuidString).all()
            #expect(audited.contains { $0.action == AuditAction.create.rawValue })
        }
    }

    @Test func the_team_form_keeps_what_was_typed_and_names_each_problem() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let taken = try await clinic.makeStaff(.therapist, email: "taken@example.org")
            try await director.get("/staff/team/new")
            let before = try await StaffUser.query(on: clinic.db).count()
            let duplicate = try await director.post("/staff/team/new", form: ["name": "Sam Typed", "email": "TAKEN@example.org", "role": "therapist"])
            #expect(duplicate.status == .unprocessableEntity)
            #expect(duplicate.body.string.contains("already signs in with this email") && duplicate.body.string.contains("Sam Typed"))
            let student = try await director.post("/staff/team/new", form: ["name": "Sam Student", "email": "sam@example.org", "role": "student", "supervisor": ""])
            #expect(student.status == .unprocessableEntity && student.body.string.contains("Choose the supervisor"))
            // A receptionist cannot be offered to clients, and nobody is offered without a level.
            let desk = try await director.post("/staff/team/new", form: ["name": "Ana Desk", "email": "ana@example.org", "role": "receptionist",
                                                                         "feeTier": "full", "acceptingNewClients": "yes"])
            #expect(desk.status == .unprocessableEntity && desk.body.string.contains("does not see clients"))
            let noLevel = try await director.post("/staff/team/new", form: ["name": "No Level", "email": "nl@example.org", "role": "therapist",
                                                                            "acceptingNewClients": "yes"])
            #expect(noLevel.status == .unprocessableEntity && noLevel.body.string.contains("Choose their level first"))
            let garbage = try await director.post("/staff/team/new", form: ["name": "", "email": "nope", "role": "wizard", "feeTier": "gold"])
            #expect(garbage.status == .unprocessableEntity)
            #expect(try await StaffUser.query(on: clinic.db).count() == before, "nothing saved")
            // Editing someone else to an address that is taken is refused the same way.
            let other = try await clinic.makeStaff(.therapist, email: "other@example.org")
            try await director.get("/staff/team/\(other.id!.uuidString)")
            let clash = try await director.post("/staff/team/\(other.id!.uuidString)", form: form(other, ["email": taken.email]))
            #expect(clash.status == .unprocessableEntity)
            #expect(try await StaffUser.find(other.id, on: clinic.db)?.email == "other@example.org")
        }
    }

    @Test func the_director_resets_the_two_factor_sign_in_of_someone_who_lost_their_phone() async throws {
        try await withClinic { clinic in
            let (director, directorUser) = try await clinic.signedIn(as: .admin)
            let (therapist, user) = try await clinic.signedIn(as: .therapist)
            user.totpSecret = "enc:v1:secret"
            user.totpEnabledAt = clinic.clock.now
            try await user.update(on: clinic.db)
            let code = RecoveryCode()
            code.$staff.id = user.id!
            code.codeHash = "hash"
            code.createdAt = clinic.clock.now
            try await code.create(on: clinic.db)
            let page = "/staff/team/\(user.id!.uuidString)"
            #expect(try await director.get(page).body.string.contains("Reset two-factor sign-in"))
            #expect(try await director.post(page + "/two-factor", form: [:]).location == page + "?done=two-factor")
            let after = try #require(try await StaffUser.find(user.id, on: clinic.db))
            #expect(after.totpSecret == nil && after.totpEnabledAt == nil, "without this, a lost phone locked them out for good")
            #expect(try await RecoveryCode.query(on: clinic.db).filter(\.$staff.$id == user.id!).count() == 0)
            #expect(try await therapist.get("/staff").status == .seeOther, "signed out")
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$detail == "two-factor sign-in reset by the director").count() == 1)
            // Not one's own, and not for anyone but the director.
            #expect(try await director.post("/staff/team/\(directorUser.id!.uuidString)/two-factor", form: [:]).status == .forbidden)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff")
            #expect(try await desk.post(page + "/two-factor", form: [:]).status == .forbidden)
        }
    }

    @Test func only_the_director_opens_or_changes_the_team() async throws {
        try await withClinic { clinic in
            let (director, directorUser) = try await clinic.signedIn(as: .admin)
            let colleague = try await clinic.makeStaff(.therapist)
            for role in [StaffRole.receptionist, .therapist, .supervisor, .student] {
                let (browser, _) = try await clinic.signedIn(as: role)
                #expect(try await browser.get("/staff/team").status == .forbidden, "\(role)")
                #expect(try await browser.get("/staff/team/\(colleague.id!.uuidString)").status == .forbidden, "\(role)")
                #expect(try await browser.post("/staff/team/\(colleague.id!.uuidString)/access", form: ["access": "remove"]).status == .forbidden, "\(role)")
                #expect(try await browser.post("/staff/team/new", form: ["name": "X", "email": "x@example.org", "role": "admin"]).status == .forbidden)
            }
            #expect(try await StaffUser.find(colleague.id, on: clinic.db)?.isActive == true)
            #expect(try await director.get("/staff/team/\(UUID().uuidString)").status == .notFound)
            #expect(try await director.get("/staff/team/not-an-id").status == .notFound)
            // The director's own role and access are not changed from here: the clinic keeps a director.
            try await director.get("/staff/team/\(directorUser.id!.uuidString)")
            #expect(try await director.post("/staff/team/\(directorUser.id!.uuidString)", form: form(directorUser, ["role": "receptionist"])).status == .seeOther)
            #expect(try await StaffUser.find(directorUser.id, on: clinic.db)?.role == .admin)
            #expect(try await director.post("/staff/team/\(directorUser.id!.uuidString)/access", form: ["access": "remove"]).status == .forbidden)
            #expect(try await director.get("/staff").status == .ok)
        }
    }

    @Test func removing_access_signs_them_out_ends_their_care_teams_and_stops_bookings_and_links() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let leaverUser = try await clinic.makeClinician(tier: .full, name: "Lee Leaving", role: .therapist)
            let leaver = Browser(app: clinic.app)
            try await leaver.signIn(email: leaverUser.email, password: "correct horse battery")
            let client = try await clinic.clientSeen(by: leaverUser)
            let chart = "/staff/clients/\(client.id!.uuidString)/chart"
            #expect(try await leaver.get(chart).status == .ok)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            let next = BookingService.newAppointment(staffID: leaverUser.id!, clientID: client.id!, kind: kind, start: clinic.tenOClock(inDays: 5),
                                                     locationID: nil, source: "staff", now: clinic.clock.now)
            next.status = .confirmed
            try await next.create(on: clinic.db)
            // A password link sent before they left must not let them back in.
            try await director.get("/staff/team/\(leaverUser.id!.uuidString)")
            #expect(try await director.post("/staff/team/\(leaverUser.id!.uuidString)/invite", form: [:]).status == .seeOther)
            let earlierLink = try await link(sentTo: leaverUser.email, clinic)

            let page = try await director.get("/staff/team/\(leaverUser.id!.uuidString)").body.string
            #expect(page.contains("1 future appointment and 1 client they treat"))
            let removed = try await director.post("/staff/team/\(leaverUser.id!.uuidString)/access", form: ["access": "remove"])
            #expect(removed.status == .seeOther)

            let signedOut = try await leaver.get("/staff")
            #expect(signedOut.status != .ok && (signedOut.location ?? "").contains("sign-in"), "their open session ended")
            #expect(try await leaver.get(chart).status != .ok)
            let again = Browser(app: clinic.app)
            try await again.get("/staff/sign-in")
            #expect(try await again.post("/staff/sign-in", form: ["email": leaverUser.email, "password": "correct horse battery"]).status != .seeOther)
            #expect(try await again.get(earlierLink).status == .notFound)
            let memberships = try await CareTeamMember.query(on: clinic.db).filter(\.$staff.$id == leaverUser.id!).all()
            #expect(!memberships.isEmpty && memberships.allSatisfy { $0.endsAt != nil })
            let offered = try await SchedulingQueries.clinicians(for: .reducedRate, kind: AppointmentKind(code: "consultation", name: "Consultation", durationMinutes: 30),
                                                                 on: clinic.db)
            #expect(!offered.contains { $0.id == leaverUser.id })
            #expect(try await Browser(app: clinic.app).get("/team/\(leaverUser.slug)").status == .notFound, "off the website")
            #expect(try await Appointment.find(next.id, on: clinic.db)?.status == .confirmed, "appointments stay for the front desk to move")
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let week = clinic.toronto.localDate(of: clinic.tenOClock(inDays: 5)).description
            let calendar = try await desk.get("/staff/calendar?clinician=\(leaverUser.id!.uuidString)&view=week&date=\(week)")
            #expect(calendar.status == .ok && calendar.body.string.contains("Lee Leaving"), "the front desk still opens the leaver's calendar to move what is left")
            #expect(calendar.body.string.contains("Lee Leaving (no longer has access)"), "and the calendar says they have left")
            #expect(try await director.get("/staff/team").body.string.contains("No longer with access (1)"))
            #expect(try await director.get("/staff/team/\(leaverUser.id!.uuidString)").body.string.contains("1 future appointment still in their calendar"),
                    "after the removal the director still sees what is left to move")
            let audit = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "staff-account").filter(\.$recordID == leaverUser.id!.uuidString).all()
            #expect(audit.contains { ($0.detail ?? "").contains("access removed; 1 care-team memberships ended") })
            let teamAudit = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "care-team").filter(\.$subject == client.id!.uuidString).all()
            #expect(teamAudit.contains { ($0.detail ?? "").contains("1 ended") }, "the client's care-team change is in the audit trail under the client")
            // Nothing new goes into the leaver's calendar, and nobody confirms a time with them.
            #expect(!(try await desk.get("/staff/appointments/new").body.string.contains("Lee Leaving")), "not offered for new bookings")
            #expect(!(try await desk.get("/staff/calendar/block").body.string.contains("Lee Leaving")))
            let hoursBefore = try await AvailabilityRow.query(on: clinic.db).filter(\.$staff.$id == leaverUser.id!).count()
            try await desk.get("/staff/availability")
            #expect(try await desk.post("/staff/availability/weekly", form: ["clinician": leaverUser.id!.uuidString, "weekday": "1", "from": "09:00",
                                                                         "until": "12:00"]).status == .notFound, "no new working hours for a leaver")
            #expect(try await AvailabilityRow.query(on: clinic.db).filter(\.$staff.$id == leaverUser.id!).count() == hoursBefore)
            let booked = try await desk.post("/staff/appointments", form: ["clinician": leaverUser.id!.uuidString, "client": client.id!.uuidString,
                                                                            "type": "ipt-session", "date": week, "time": "14:00", "weeks": "1"])
            #expect(booked.status == .unprocessableEntity && booked.body.string.contains("Choose a clinician whose calendar you manage"))
            let nobody = try await desk.post("/staff/calendar/block", form: ["clinician": UUID().uuidString, "date": week, "from": "09:00", "until": "10:00",
                                                                            "note": "x"])
            #expect(nobody.status == .unprocessableEntity, "an id that is nobody's is refused, not a database error")

            // Back after a leave: a new password of their own, and no care team until one is assigned.
            clinic.clock.advance(by: 60)
            #expect(try await director.post("/staff/team/\(leaverUser.id!.uuidString)/access", form: ["access": "restore"]).status == .seeOther)
            try await again.get("/staff/sign-in")
            #expect(try await again.post("/staff/sign-in", form: ["email": leaverUser.email, "password": "correct horse battery"]).status != .seeOther,
                    "the old password does not come back")
            let welcomeBack = try await link(sentTo: leaverUser.email, clinic)
            #expect(welcomeBack != earlierLink)
            #expect(try await again.get(earlierLink).status == .notFound, "a link from before the removal stays dead after the return")
            #expect(try await again.post(welcomeBack, form: ["newPassword": "back again at work", "confirmPassword": "back again at work"]).status == .seeOther)
            try await again.signIn(email: leaverUser.email, password: "back again at work")
            #expect(try await again.get(chart).status == .notFound)
        }
    }

    @Test func changing_a_students_supervisor_moves_the_supervisors_place_on_each_of_their_care_teams() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (formerSupervisor, formerUser, _, studentUser) = try await clinic.supervisedStudent()
            let (nextSupervisor, nextUser) = try await clinic.signedIn(as: .supervisor)
            let client = try await clinic.clientSeen(by: studentUser)
            // A second student of the same supervisor on another client's team with this student as a
            // covering member: the former supervisor stays on that team for the other student.
            let otherStudent = try await clinic.makeClinician(name: "Kim Student")
            otherStudent.$supervisor.id = formerUser.id
            try await otherStudent.update(on: clinic.db)
            let shared = try await clinic.clientSeen(by: otherStudent, name: "Shared Client")
            let covering = CareTeamMember()
            covering.$client.id = shared.id!
            covering.$staff.id = studentUser.id!
            covering.role = .member
            covering.reason = "Covering"
            covering.startsAt = clinic.clock.now
            covering.createdAt = clinic.clock.now
            try await covering.create(on: clinic.db)
            let formerPage = try await director.get("/staff/team/\(formerUser.id!.uuidString)").body.string
            #expect(formerPage.contains("They supervise 2 practicum students"), "removing a supervisor warns about their students first")
            let chart = "/staff/clients/\(client.id!.uuidString)/chart"
            let sharedChart = "/staff/clients/\(shared.id!.uuidString)/chart"
            #expect(try await formerSupervisor.get(chart).status == .ok)
            #expect(try await nextSupervisor.get(chart).status == .notFound)

            clinic.clock.advance(by: 60)
            try await director.get("/staff/team/\(studentUser.id!.uuidString)")
            let saved = try await director.post("/staff/team/\(studentUser.id!.uuidString)", form: form(studentUser, ["supervisor": nextUser.id!.uuidString]))
            #expect(saved.status == .seeOther)
            #expect(try await StaffUser.find(studentUser.id, on: clinic.db)?.$supervisor.id == nextUser.id)
            #expect(try await formerSupervisor.get(chart).status == .notFound, "the former supervisor left this student's team")
            #expect(try await nextSupervisor.get(chart).status == .ok, "the new supervisor joined it")
            #expect(try await formerSupervisor.get(sharedChart).status == .ok, "still supervising the other student there")
            #expect(try await nextSupervisor.get(sharedChart).status == .ok)

            // The student qualifies: a therapist now, without a supervisor on their teams.
            clinic.clock.advance(by: 60)
            let fresh = try #require(try await StaffUser.find(studentUser.id, on: clinic.db))
            #expect(try await director.post("/staff/team/\(studentUser.id!.uuidString)",
                                             form: form(fresh, ["role": "therapist", "feeTier": "qualifying"])).status == .seeOther)
            #expect(try await nextSupervisor.get(chart).status == .notFound)
            #expect(try await nextSupervisor.get(sharedChart).status == .notFound)
            let audit = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "staff-account").filter(\.$recordID == studentUser.id!.uuidString).all()
            #expect(audit.contains { ($0.detail ?? "").contains("role student to therapist") })
        }
    }

    @Test func a_corrected_email_address_kills_the_links_sent_to_the_wrong_one() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/team/new")
            #expect(try await director.post("/staff/team/new", form: ["name": "Robin Typo", "email": "robin@exmaple.org", "role": "therapist"]).status == .seeOther)
            let robin = try #require(try await StaffUser.query(on: clinic.db).filter(\.$email == "robin@exmaple.org").first())
            let mistyped = try await link(sentTo: "robin@exmaple.org", clinic)
            try await director.get("/staff/team/\(robin.id!.uuidString)")
            #expect(try await director.post("/staff/team/\(robin.id!.uuidString)", form: form(robin, ["email": "robin@example.org"])).status == .seeOther)
            let stranger = Browser(app: clinic.app)
            #expect(try await stranger.get(mistyped).status == .notFound, "the link sent to the wrong address no longer works")
            #expect(try await stranger.post(mistyped, form: ["newPassword": "taken over account", "confirmPassword": "taken over account"]).status == .notFound)
            let corrected = try await link(sentTo: "robin@example.org", clinic)
            let robinBrowser = Browser(app: clinic.app)
            #expect(try await robinBrowser.get(corrected).status == .ok)
            #expect(try await robinBrowser.post(corrected, form: ["newPassword": "a fresh long passphrase", "confirmPassword": "a fresh long passphrase"]).status == .seeOther)
            try await robinBrowser.signIn(email: "robin@example.org", password: "a fresh long passphrase")
            let notice = try #require(try await OutboxMessage.query(on: clinic.db).filter(\.$recipient == "robin@exmaple.org")
                .filter(\.$subject ~~ "sign-in address").first())
            #expect(!notice.bodyText.contains("/staff/password-reset/"), "the old address is told, and given no link")
        }
    }

    @Test func a_role_change_keeps_supervision_and_care_teams_consistent_and_bad_text_is_refused() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (_, supervisorUser, _, studentUser) = try await clinic.supervisedStudent()
            try await director.get("/staff/team/\(supervisorUser.id!.uuidString)")
            let demoted = try await director.post("/staff/team/\(supervisorUser.id!.uuidString)", form: form(supervisorUser, ["role": "therapist", "feeTier": "full"]))
            #expect(demoted.status == .unprocessableEntity && demoted.body.string.contains("They supervise 1 practicum student"))
            #expect(try await StaffUser.find(supervisorUser.id, on: clinic.db)?.role == .supervisor)

            // A clinician moved to the front desk leaves every care team.
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: therapistUser)
            try await director.get("/staff/team/\(therapistUser.id!.uuidString)")
            #expect(try await director.post("/staff/team/\(therapistUser.id!.uuidString)", form: form(therapistUser, ["role": "receptionist"])).status == .seeOther)
            #expect(try await CareTeamQueries.active(of: client.id!, at: clinic.clock.now, on: clinic.db).isEmpty)
            #expect(try await therapist.get("/staff/clients/\(client.id!.uuidString)/chart").status != .ok)

            // Removing a student takes their supervisor off the teams they sat on for the student.
            let studentClient = try await clinic.clientSeen(by: studentUser, name: "Student Client")
            #expect(try await CareTeamQueries.isMember(supervisorUser.id!, of: studentClient.id!, at: clinic.clock.now, on: clinic.db))
            clinic.clock.advance(by: 60)
            #expect(try await director.post("/staff/team/\(studentUser.id!.uuidString)/access", form: ["access": "remove"]).status == .seeOther)
            #expect(try await CareTeamQueries.active(of: studentClient.id!, at: clinic.clock.now, on: clinic.db).isEmpty)

            // Text with a control character is refused beside its field, not a database error.
            let other = try await clinic.makeStaff(.therapist)
            try await director.get("/staff/team/\(other.id!.uuidString)")
            let bad = try await director.post("/staff/team/\(other.id!.uuidString)", form: form(other, ["bio": "Hello\u{7}there"]))
            #expect(bad.status == .unprocessableEntity && bad.body.string.contains("as plain text"))
        }
    }

    @Test func an_alert_addressed_to_someone_follows_the_care_team_once_there_is_one() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (formerSupervisor, formerUser, _, studentUser) = try await clinic.supervisedStudent()
            let (_, nextUser) = try await clinic.signedIn(as: .supervisor)
            let client = try await clinic.addClient(name: "Alex Alert", email: "alex@example.org")
            let alert = RiskAlert()
            alert.$client.id = client.id!
            alert.source = .questionnaire
            alert.$clinician.id = studentUser.id!
            alert.$supervisor.id = formerUser.id!
            alert.status = .open
            alert.createdAt = clinic.clock.now
            try await alert.create(on: clinic.db)
            let path = "/staff/alerts/\(alert.id!.uuidString)"
            #expect(try await formerSupervisor.get(path).status == .ok, "nobody has accepted the client: the alert's addressees act on it")
            try await clinic.assignCareTeam(client: client.id!, treating: studentUser)
            #expect(try await formerSupervisor.get(path).status == .ok, "on the team now, through the student")
            clinic.clock.advance(by: 60)
            try await director.get("/staff/team/\(studentUser.id!.uuidString)")
            #expect(try await director.post("/staff/team/\(studentUser.id!.uuidString)", form: form(studentUser, ["supervisor": nextUser.id!.uuidString])).status == .seeOther)
            #expect(try await formerSupervisor.get(path).status == .notFound, "a replaced supervisor keeps nothing by having been addressed")
            #expect(!(try await formerSupervisor.get("/staff/alerts").body.string.contains("Alex Alert")))
        }
    }

    @Test func a_hold_with_someone_who_has_left_cannot_be_confirmed() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/book/details?type=consultation&with=reduced&clinician=\(student.slug)&start=\(Int(start.timeIntervalSince1970))")
            #expect(try await visitor.post("/book/details", form: BookingForm.fields(student, start: start)).status == .seeOther)
            try await clinic.deliverMail()
            let confirmPath = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/book/confirm/")
            try await director.get("/staff/team/\(student.id!.uuidString)")
            #expect(try await director.post("/staff/team/\(student.id!.uuidString)/access", form: ["access": "remove"]).status == .seeOther)
            let confirmed = try await visitor.post(confirmPath, form: [:])
            #expect(confirmed.status != .ok || !confirmed.body.string.contains("Your appointment is confirmed"))
            #expect(try await Appointment.query(on: clinic.db).filter(\.$staff.$id == student.id!).first()?.status == .held)
        }
    }

    @Test func two_directors_changing_a_students_supervisor_at_once_leave_one_supervisor_on_the_team() async throws {
        try await withClinic { clinic in
            let (first, _) = try await clinic.signedIn(as: .admin)
            let (second, _) = try await clinic.signedIn(as: .admin)
            let (_, formerUser, _, studentUser) = try await clinic.supervisedStudent()
            let a = try await clinic.makeStaff(.supervisor, name: "Ada Supervisor")
            let b = try await clinic.makeStaff(.supervisor, name: "Ben Supervisor")
            let client = try await clinic.clientSeen(by: studentUser)
            let path = "/staff/team/\(studentUser.id!.uuidString)"
            try await first.get(path)
            try await second.get(path)
            clinic.clock.advance(by: 60)
            async let one = first.post(path, form: form(studentUser, ["supervisor": a.id!.uuidString]))
            async let two = second.post(path, form: form(studentUser, ["supervisor": b.id!.uuidString]))
            // Overlapping, one is saved and the other told the account changed meanwhile (409); if the
            // two happen not to overlap, both are saved one after the other. Either way the team must
            // end up with the saved supervisor alone.
            let statuses = try await [one.status, two.status].map(\.code).sorted()
            #expect(statuses == [303, 409] || statuses == [303, 303], "\(statuses)")
            let supervisors = try await CareTeamQueries.active(of: client.id!, at: clinic.clock.now, on: clinic.db).filter { $0.role == .supervisor }
            let saved = try #require(try await StaffUser.find(studentUser.id, on: clinic.db)?.$supervisor.id)
            #expect(supervisors.map(\.$staff.id) == [saved], "the team holds the saved supervisor alone")
            #expect(saved != formerUser.id)
        }
    }

    @Test func the_claim_on_an_account_holds_only_while_its_role_and_supervisor_are_unchanged() async throws {
        try await withClinic { clinic in
            let (_, formerUser, _, studentUser) = try await clinic.supervisedStudent()
            let next = try await clinic.makeStaff(.supervisor)
            #expect(try await TeamChanges.claim(studentUser.id!, role: .student, supervisor: formerUser.id, on: clinic.db))
            try await StaffUser.query(on: clinic.db).set(\.$supervisor.$id, to: next.id).filter(\.$id == studentUser.id!).update()
            #expect(try await !TeamChanges.claim(studentUser.id!, role: .student, supervisor: formerUser.id, on: clinic.db), "planned from the old supervisor")
            #expect(try await !TeamChanges.claim(studentUser.id!, role: .therapist, supervisor: next.id, on: clinic.db), "planned from another role")
            #expect(try await TeamChanges.claim(studentUser.id!, role: .student, supervisor: next.id, on: clinic.db))
            let therapist = try await clinic.makeStaff(.therapist)
            #expect(try await TeamChanges.claim(therapist.id!, role: .therapist, supervisor: nil, on: clinic.db), "no supervisor is matched as none")
        }
    }

    @Test func saving_a_form_opened_before_someone_else_changed_the_supervisor_is_refused_with_the_input_kept() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (_, formerUser, _, studentUser) = try await clinic.supervisedStudent()
            let a = try await clinic.makeStaff(.supervisor, name: "Ada Supervisor")
            let b = try await clinic.makeStaff(.supervisor, name: "Ben Supervisor")
            let path = "/staff/team/\(studentUser.id!.uuidString)"
            let opened = try await director.get(path).body.string
            #expect(opened.contains(#"name="shownSupervisor" value="\#(formerUser.id!.uuidString)""#))
            // Another director saves Ada meanwhile.
            let (other, _) = try await clinic.signedIn(as: .admin)
            try await other.get(path)
            #expect(try await other.post(path, form: form(studentUser, ["supervisor": a.id!.uuidString])).status == .seeOther)
            // The first director's form, opened before, chooses Ben.
            let stale = try await director.post(path, form: form(studentUser, ["supervisor": b.id!.uuidString, "credentials": "Typed before the clash",
                                                                              "shownRole": "student", "shownSupervisor": formerUser.id!.uuidString]))
            #expect(stale.status == .conflict)
            let page = stale.body.string
            #expect(page.contains("Someone else changed this account") && page.contains("Ada Supervisor"))
            #expect(page.contains("Typed before the clash"), "the director's input is kept")
            #expect(try await StaffUser.find(studentUser.id, on: clinic.db)?.$supervisor.id == a.id, "nothing was saved")
            // Saved again from that page, knowing what is there now, it goes through.
            #expect(page.contains(#"name="shownSupervisor" value="\#(a.id!.uuidString)""#))
            #expect(try await director.post(path, form: form(studentUser, ["supervisor": b.id!.uuidString, "shownRole": "student",
                                                                           "shownSupervisor": a.id!.uuidString])).status == .seeOther)
            #expect(try await StaffUser.find(studentUser.id, on: clinic.db)?.$supervisor.id == b.id)
        }
    }
}
