import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

extension TestClinic {
    /// A confirmed appointment written straight to the database for this client.
    @discardableResult
    func addAppointment(client: UUID, clinician: StaffUser, start: Date, type: String = "assessment",
                        status: Appointment.Status = .confirmed) async throws -> Appointment {
        let setup = try await SchedulingQueries.setup(on: db, clinic: try await app.services.clinic.current(on: db))
        let kind = try #require(setup.kind(type))
        let appointment = BookingService.newAppointment(staffID: try clinician.requireID(), clientID: client, kind: kind, start: start,
                                                        locationID: nil, source: "staff", now: clock.now)
        appointment.status = status
        try await appointment.create(on: db)
        return appointment
    }

    /// The first free time a move page offers, as the seconds its button sends.
    static func firstStart(in html: String) throws -> String {
        let range = try #require(html.range(of: #"name="start" value="[0-9]+""#, options: .regularExpression), "no time to choose")
        return String(html[range].dropFirst(#"name="start" value=""#.count).dropLast())
    }
}

@Suite struct PortalActionsTests {
    @Test func cards_offer_move_and_cancel_outside_the_notice_window_and_only_a_late_cancel_inside_it() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: start, type: "assessment")
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let id = try appointment.requireID().uuidString
            let portal = try await clinic.portal(as: "robin@example.org")

            let early = try await portal.get("/portal").body.string
            #expect(early.contains("/portal/appointments/\(id)/move"))
            #expect(early.contains("/portal/appointments/\(id)/cancel"))
            #expect(early.contains("without a fee until"))
            #expect(early.contains("/portal/appointments/\(id)/calendar.ics"))
            #expect(early.contains("calendar.google.com") && early.contains("outlook.live.com"))

            clinic.clock.advance(by: start.timeIntervalSince(clinic.clock.now) - 10 * 3600)
            let lateVisit = try await clinic.portal(as: "robin@example.org")  // the earlier session has idled out
            let late = try await lateVisit.get("/portal").body.string
            #expect(!late.contains("/portal/appointments/\(id)/move"), "no online move inside the notice window")
            #expect(late.contains("/portal/appointments/\(id)/cancel"))
            #expect(late.contains("counts as a late cancellation with a fee of"))
            #expect(try await lateVisit.get("/portal/appointments/\(id)/move").status == .conflict)

            clinic.clock.advance(by: 11 * 3600)
            let pastVisit = try await clinic.portal(as: "robin@example.org")
            let past = try await pastVisit.get("/portal").body.string
            #expect(past.contains("Recent appointments"))
            #expect(!past.contains("/portal/appointments/\(id)/cancel"), "nothing to do once it has begun")
        }
    }

    @Test func a_client_cancels_from_the_portal_free_outside_the_window_and_late_inside_it() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 5), type: "assessment")
            let client = try #require(try await ClientRecord.query(on: clinic.db).first())
            let lateOne = try await clinic.addAppointment(client: try client.requireID(), clinician: student, start: clinic.tenOClock(inDays: 0, minute: 20 * 60))
            let early = try #require(try await Appointment.query(on: clinic.db).filter(\.$source == "web").first())
            let portal = try await clinic.portal(as: "robin@example.org")

            let ask = try await portal.get("/portal/appointments/\(try early.requireID())/cancel")
            #expect(ask.status == .ok && ask.body.string.contains("There is no fee"))
            let done = try await portal.post("/portal/appointments/\(try early.requireID())/cancel", form: [:])
            #expect(done.location == "/portal?done=cancelled")
            #expect(try await Appointment.find(early.id, on: clinic.db)?.status == .cancelled)
            #expect(try await portal.get(try #require(done.location)).body.string.contains("Your appointment is cancelled"))

            #expect(try await portal.get("/portal/appointments/\(try lateOne.requireID())/cancel").body.string.contains("late cancellation"))
            #expect(try await portal.post("/portal/appointments/\(try lateOne.requireID())/cancel", form: [:]).location == "/portal?done=late-cancelled")
            let cancelledLate = try #require(try await Appointment.find(lateOne.id, on: clinic.db))
            #expect(cancelledLate.status == .lateCancelled)
            #expect(cancelledLate.lateFeeCents == 5_000)
            #expect(try await portal.post("/portal/appointments/\(try lateOne.requireID())/cancel", form: [:]).status == .gone, "once only")
            let audited = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "appointment").all()
            #expect(audited.contains { ($0.detail ?? "").contains("cancelled by client (portal)") })
        }
    }

    @Test func a_client_moves_an_appointment_to_another_free_time_of_the_same_clinician() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 4), type: "assessment")
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let id = try appointment.requireID().uuidString
            let portal = try await clinic.portal(as: "robin@example.org")

            let page = try await portal.get("/portal/appointments/\(id)/move")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Choose a day"))
            let start = try TestClinic.firstStart(in: page.body.string)
            let moved = try await portal.post("/portal/appointments/\(id)/move", form: ["start": start])
            #expect(moved.location == "/portal?done=moved", "booked online, so the new time is emailed")
            let after = try #require(try await Appointment.find(appointment.id, on: clinic.db))
            #expect(after.startsAt == Date(timeIntervalSince1970: TimeInterval(Int(start)!)))
            #expect(after.$staff.id == appointment.$staff.id, "the same clinician")
            #expect(after.status == .confirmed)

            // A time that is not free answers 409 with other times, and nothing moves.
            let taken = try await portal.post("/portal/appointments/\(id)/move", form: ["start": String(Int(clinic.tenOClock(inDays: 4, minute: 3 * 60).timeIntervalSince1970))])
            #expect(taken.status == .conflict)
            #expect(try await Appointment.find(appointment.id, on: clinic.db)?.startsAt == after.startsAt)
        }
    }

    @Test func another_clients_appointment_answers_404_to_every_portal_action() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 5), type: "assessment")
            let other = try await clinic.addClient(name: "Sam Other", email: "sam@example.org")
            let theirs = try await clinic.addAppointment(client: try other.requireID(), clinician: student, start: clinic.tenOClock(inDays: 6))
            let id = try theirs.requireID().uuidString
            let portal = try await clinic.portal(as: "robin@example.org")

            #expect(!(try await portal.get("/portal").body.string.contains(id)))
            #expect(try await portal.get("/portal/appointments/\(id)/cancel").status == .notFound)
            #expect(try await portal.post("/portal/appointments/\(id)/cancel", form: [:]).status == .notFound)
            #expect(try await portal.get("/portal/appointments/\(id)/move").status == .notFound)
            #expect(try await portal.post("/portal/appointments/\(id)/move", form: ["start": "1"]).status == .notFound)
            #expect(try await portal.get("/portal/appointments/\(id)/calendar.ics").status == .notFound)
            #expect(try await Appointment.find(theirs.id, on: clinic.db)?.status == .confirmed)
            #expect(try await Browser(app: clinic.app).get("/portal/appointments/\(id)/move").location == "/portal/sign-in", "signed out")
        }
    }

    @Test func the_calendar_file_is_the_clients_own_appointment() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 5), type: "consultation")
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let portal = try await clinic.portal(as: "robin@example.org")
            let file = try await portal.get("/portal/appointments/\(try appointment.requireID())/calendar.ics")
            #expect(file.status == .ok)
            #expect(file.headers.contentType?.subType == "calendar")
            #expect(file.body.string.contains("BEGIN:VEVENT") && file.body.string.contains("LOCATION:By phone"))
            #expect(file.body.string.contains("METHOD:PUBLISH"))
        }
    }

    @Test func forms_waiting_are_listed_as_to_dos_and_open_from_the_portal() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let client = try await clinic.addClient(name: "Robin Example", email: "robin@example.org")
            let clientID = try client.requireID()
            let questionnaire = MeasureResponse()
            questionnaire.$client.id = clientID
            questionnaire.$clinician.id = try student.requireID()
            questionnaire.instrumentCode = Instrument.phq9.code
            questionnaire.tokenHash = HexDigest.sha256(SecureToken.make())
            questionnaire.status = .sent
            questionnaire.sharedWithGuardian = false
            questionnaire.createdAt = clinic.clock.now
            questionnaire.expiresAt = clinic.clock.now.addingTimeInterval(7 * 86_400)
            try await questionnaire.create(on: clinic.db)
            let intake = IntakeRecord()
            intake.$client.id = clientID
            intake.$clinician.id = try student.requireID()
            intake.tokenHash = HexDigest.sha256(SecureToken.make())
            intake.status = .sent
            intake.createdAt = clinic.clock.now
            intake.expiresAt = clinic.clock.now.addingTimeInterval(7 * 86_400)
            try await intake.create(on: clinic.db)

            let portal = try await clinic.portal(as: "robin@example.org")
            let home = try await portal.get("/portal").body.string
            #expect(home.contains("To do"))
            #expect(home.contains("/portal/questionnaires/\(try questionnaire.requireID())") && home.contains("Answer now"))
            #expect(home.contains("Fill in the intake forms"))
            let opened = try await portal.post("/portal/forms/intake/\(try intake.requireID())", form: [:])
            let location = try #require(opened.location)
            #expect(location.hasPrefix("/intake/"))
            #expect(try await portal.get(location).status == .ok, "the fresh link opens the form")

            let stranger = try await clinic.addClient(name: "Sam Other", email: "sam@example.org")
            let theirs = IntakeRecord()
            theirs.$client.id = try stranger.requireID()
            theirs.$clinician.id = try student.requireID()
            theirs.tokenHash = "unchanged"
            theirs.status = .sent
            theirs.createdAt = clinic.clock.now
            theirs.expiresAt = clinic.clock.now.addingTimeInterval(7 * 86_400)
            try await theirs.create(on: clinic.db)
            #expect(try await portal.post("/portal/forms/intake/\(try theirs.requireID())", form: [:]).status == .notFound)
            #expect(try await IntakeRecord.find(theirs.id, on: clinic.db)?.tokenHash == "unchanged")
        }
    }

    @Test func the_score_chart_shows_only_after_the_care_team_shares_it_and_the_choice_is_audited() async throws {
        try await withClinic { clinic in
            let (therapist, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, name: "Robin Example", email: "robin@example.org", attended: 2)
            let clientID = try client.requireID()
            try await clinic.addScore(18, client: clientID, clinician: user)
            try await clinic.addScore(11, client: clientID, clinician: user, weeksLater: 2)
            let portal = try await clinic.portal(as: "robin@example.org")
            #expect(!(try await portal.get("/portal").body.string.contains("progress-chart")), "off by default")

            let (outsider, _) = try await clinic.signedIn(as: .therapist)
            try await outsider.get("/staff")
            #expect(try await outsider.post("/staff/clients/\(clientID)/progress/portal-sharing", form: ["share": "yes"]).status == .notFound,
                    "only the care team chooses")
            #expect(try await ClientRecord.find(clientID, on: clinic.db)?.scoresInPortal == false)

            let progress = try await therapist.get("/staff/clients/\(clientID)/progress")
            #expect(progress.body.string.contains("Show these scores in the client&#39;s portal") || progress.body.string.contains("Show these scores in the client's portal"))
            #expect(try await therapist.post("/staff/clients/\(clientID)/progress/portal-sharing", form: ["share": "yes"]).status == .seeOther)
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "portal-score-sharing").count() == 1)
            let shown = try await portal.get("/portal").body.string
            #expect(shown.contains("Your scores") && shown.contains("progress-chart"))
            let views = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "portal").all()
            #expect(views.contains { $0.detail == "with score chart" }, "the view of the chart is audited")

            try await therapist.post("/staff/clients/\(clientID)/progress/portal-sharing", form: ["share": "no"])
            #expect(!(try await portal.get("/portal").body.string.contains("progress-chart")))
        }
    }

    @Test func the_header_names_the_client_or_for_a_guardian_the_adolescent_and_signs_out_by_post() async throws {
        try await withClinic { clinic in
            try await clinic.addClient(name: "Jordan Teen", email: "jordan@example.org", dateOfBirth: "2011-03-03", programme: "adolescent",
                                       guardian: (name: "Alex Parent", email: "alex@example.org"))
            let teen = try await clinic.portal(as: "jordan@example.org")
            let own = try await teen.get("/portal").body.string
            #expect(own.contains("Signed in ") && own.contains("<strong>Jordan Teen</strong>"))
            let guardian = try await clinic.portal(as: "alex@example.org")
            let theirs = try await guardian.get("/portal").body.string
            #expect(theirs.contains("as a parent or guardian, for <strong>Jordan</strong>"))
            #expect(theirs.contains(#"action="/portal/sign-out""#))
            #expect(try await guardian.post("/portal/sign-out", form: [:]).location == "/portal/sign-in")
            #expect(try await guardian.get("/portal").location == "/portal/sign-in")
            #expect(try await teen.get("/portal").status == .ok, "the other session is untouched")
        }
    }

    @Test func a_link_opened_elsewhere_is_not_used_up_by_a_get_and_in_the_asking_browser_signs_in_at_once() async throws {
        try await withClinic { clinic in
            try await clinic.addClient(name: "Robin Example", email: "robin@example.org")
            let asking = Browser(app: clinic.app)
            try await asking.get("/portal/sign-in")
            try await asking.post("/portal/sign-in", form: ["email": "robin@example.org"])
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/")

            // A mail scanner fetches the link first, without the asking browser's cookie.
            let scanner = try await Browser(app: clinic.app).get(link)
            #expect(scanner.status == .ok && scanner.body.string.contains("Sign in to my appointments and forms"))
            #expect(try await PortalSession.query(on: clinic.db).count() == 0, "a GET elsewhere signs nobody in")

            #expect(try await asking.get(link).location == "/portal", "one click from the email in the asking browser")
            #expect(try await asking.get("/portal").status == .ok)
            #expect(try await Browser(app: clinic.app).get(link).status == .gone, "used once")
        }
    }

    @Test func sixteen_simultaneous_opens_in_the_asking_browser_open_one_session() async throws {
        try await withClinic { clinic in
            try await clinic.addClient(name: "Robin Example", email: "robin@example.org")
            let asking = Browser(app: clinic.app)
            try await asking.get("/portal/sign-in")
            try await asking.post("/portal/sign-in", form: ["email": "robin@example.org"])
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/")
            let wins = try await simultaneously { _ in try await asking.get(link).location == "/portal" }
            #expect(wins == 1)
            #expect(try await PortalSession.query(on: clinic.db).count() == 1)
        }
    }
}
