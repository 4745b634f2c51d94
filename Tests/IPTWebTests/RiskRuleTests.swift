import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

/// "A risk answer opens an alert" on every path answers take: a draft, a form refused as incomplete,
/// a complete one; by emailed link, in the portal, in session; a built-in or a clinic's own
/// instrument; a session note. Each path has its own test here.
@Suite struct RiskRuleTests {
    /// A questionnaire link sent by the student for the set-up client, opened by the client.
    func openLink(_ clinic: TestClinic, instrument: String = "phq-9") async throws -> (client: Browser, link: String, student: Browser, appointment: Appointment) {
        let (student, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
        try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
        #expect(try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": instrument]).status == .seeOther)
        try await clinic.deliverMail()
        let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/questionnaire/")
        let client = Browser(app: clinic.app)
        try await client.get(link)
        return (client, link, student, appointment)
    }

    func alertEmails(_ clinic: TestClinic) async throws -> [OutgoingEmail] {
        try await clinic.deliverMail()
        return clinic.mail.sent.filter { $0.subject.hasPrefix("Action needed") }
    }

    @Test func saving_a_draft_with_item_9_positive_shows_the_crisis_box_and_alerts_clinician_and_supervisor() async throws {
        try await withClinic { clinic in
            let (client, link, _, _) = try await openLink(clinic)
            let saved = try await client.post(link, form: ["item-1": "1", "item-9": "1", "action": "draft"])
            #expect(saved.status == .ok)
            #expect(saved.body.string.contains("9-8-8") && saved.body.string.contains("Answers saved"))
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())
            #expect(alert.status == .open && alert.source == .questionnaire)
            #expect(try await MeasureResponse.find(alert.$response.id, on: clinic.db)?.status == .draft)
            #expect(Set(try await alertEmails(clinic).map(\.to)).count == 2, "the student and the supervisor")
            // Saving again, still with the risk answer, opens nothing new.
            #expect(try await client.post(link, form: ["item-1": "1", "item-2": "1", "item-9": "1", "action": "draft"]).status == .ok)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)
        }
    }

    @Test func an_incomplete_form_with_a_risk_answer_alerts_keeps_every_answer_and_names_the_missing_ones() async throws {
        try await withClinic { clinic in
            let (client, link, _, _) = try await openLink(clinic)
            let refused = try await client.post(link, form: ["item-1": "2", "item-9": "2", "action": "submit"])
            #expect(refused.status == .unprocessableEntity)
            let page = refused.body.string
            #expect(page.contains("9-8-8"), "crisis contacts on the very response")
            #expect(page.contains("Please answer this question") && page.contains("7 questions are still to answer"))
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1, "the alert opened although the form was refused")
            // Nothing typed is lost: the answers come back from the server, not the browser.
            let reopened = try await Browser(app: clinic.app).get(link)
            #expect(reopened.body.string.contains(#"id="field-item-1-2" name="item-1" value="2" checked"#))
            #expect(reopened.body.string.contains(#"id="field-item-9-2" name="item-9" value="2" checked"#))
        }
    }

    @Test func a_complete_form_without_risk_shows_no_crisis_box_and_opens_nothing() async throws {
        try await withClinic { clinic in
            let (client, link, _, _) = try await openLink(clinic)
            var calm = SafetyAlertTests.phq9WithItem9
            calm["item-9"] = "0"
            let done = try await client.post(link, form: calm)
            #expect(done.status == .ok && !done.body.string.contains("crisis-now"))
            #expect(try await RiskAlert.query(on: clinic.db).count() == 0)
        }
    }

    @Test func a_risk_answer_in_the_portal_and_in_session_alerts_from_a_draft() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "phq-9"])
            let sent = try #require(try await MeasureResponse.query(on: clinic.db).first())
            let portal = try await clinic.portal(as: "casey@example.org")
            let path = "/portal/questionnaires/\(sent.id!.uuidString)"
            try await portal.get(path)
            let saved = try await portal.post(path, form: ["item-9": "3", "action": "draft"])
            #expect(saved.status == .ok && saved.body.string.contains("9-8-8"))
            #expect(try await RiskAlert.query(on: clinic.db).filter(\.$response.$id == sent.id!).count() == 1)

            let started = try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire/in-session", form: ["instrument": "phq-9"])
            let form = try #require(started.location)
            try await student.get(form)
            let inSession = try await student.post(form, form: ["item-9": "1", "action": "draft"])
            #expect(inSession.status == .ok && inSession.body.string.contains("9-8-8"))
            #expect(try await RiskAlert.query(on: clinic.db).count() == 2, "one per questionnaire")
        }
    }

    @Test func sixteen_simultaneous_risk_answers_to_one_questionnaire_open_exactly_one_alert() async throws {
        try await withClinic { clinic in
            let (_, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            let client = try #require(appointment.$client.id)
            let student = try #require(try await StaffUser.find(appointment.$staff.id, on: clinic.db))
            try await clinic.addScore(12, client: client, clinician: student)
            let responseID = try #require(try await MeasureResponse.query(on: clinic.db).first()?.id)
            let app = clinic.app, now = clinic.clock.now
            let opened = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await app.db.writeTransaction { db in
                            try await RiskAlerts.open(.response(responseID), clientID: client, clinicianID: appointment.$staff.id,
                                                      services: app.services, now: now, on: db)
                        }
                    }
                }
                return try await group.reduce(into: [UUID]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(opened.count == 1)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.subject.hasPrefix("Action needed") }.count == 2, "one email each to the student and the supervisor")
        }
    }

    @Test func a_clinic_instrument_draft_with_its_risk_item_alerts() async throws {
        try await withClinic(instrumentFiles: ["wellbeing.json": ClinicInstrumentTests.definition]) { clinic in
            let (client, link, _, _) = try await openLink(clinic, instrument: "wellbeing-check")
            let saved = try await client.post(link, form: ["item-2": "1", "action": "draft"])
            #expect(saved.status == .ok && saved.body.string.contains("9-8-8"))
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)
        }
    }

    @Test func phq_a_lifetime_attempt_is_a_standing_flag_recorded_once_while_the_past_month_alerts_every_time() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            let clientID = try #require(appointment.$client.id)
            var answers = ["item-down": "1", "item-interest": "1", "item-sleep": "1", "item-appetite": "0", "item-energy": "1",
                           "item-self-worth": "0", "item-concentration": "1", "item-movement": "0", "item-self-harm": "0",
                           "item-suicide-attempt-ever": "1", "action": "submit"]
            func administer(_ answers: [String: String]) async throws -> TestingHTTPResponse {
                try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
                let started = try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire/in-session", form: ["instrument": "phq-a"])
                let form = try #require(started.location)
                try await student.get(form)
                return try await student.post(form, form: answers)
            }
            // The unscored questions may be left out, and a lifetime "yes" is history, not an alert.
            let first = try await administer(answers)
            #expect(first.status == .ok, "unscored questions are not compulsory")
            #expect(try await RiskAlert.query(on: clinic.db).count() == 0)
            #expect(try await ClientFlag.query(on: clinic.db).filter(\.$client.$id == clientID).all().map(\.kind) == [.suicideAttemptHistory])
            #expect(try await administer(answers).status == .ok)
            #expect(try await ClientFlag.query(on: clinic.db).count() == 1, "recorded once, not at every administration")
            #expect(try await RiskAlert.query(on: clinic.db).count() == 0)
            // A past-month "yes" alerts, each time it is given.
            answers["item-suicidal-thoughts-month"] = "1"
            #expect(try await administer(answers).body.string.contains("9-8-8"))
            #expect(try await administer(answers).status == .ok)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 2)
            // The chart shows the open alerts and the standing flag at the top.
            let chart = try await student.get("/staff/clients/\(clientID.uuidString)/chart").body.string
            let safety = try #require(chart.range(of: "safety-banner"))
            #expect(chart.range(of: "Past suicide attempt reported").map { $0.lowerBound > safety.lowerBound } == true)
            #expect(chart.components(separatedBy: "safety-alert").count - 1 == 2)
            #expect(safety.lowerBound < (chart.range(of: "chart-summary")?.lowerBound ?? chart.startIndex))
        }
    }

    @Test func a_session_note_recording_thoughts_with_plan_or_intent_opens_one_alert() async throws {
        try await withClinic { clinic in
            let (_, supervisorUser, student, studentUser) = try await clinic.supervisedStudent()
            let client = try await clinic.clientSeen(by: studentUser, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await student.get("\(base)/chart")
            #expect(try await student.post("\(base)/contract", form: clinic.contractForm()).status == .seeOther)
            var note = TestClinic.signableNote
            note["riskCheck"] = "present-safety-plan"
            note["riskDetail"] = "Plan described; safety plan made together."
            note["action"] = "save"
            let created = try await student.post("\(base)/notes", form: note)
            #expect(created.status == .seeOther)
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())
            #expect(alert.source == .sessionNote && alert.status == .open && alert.$supervisor.id == supervisorUser.id)
            // Saving the same note again (now signing it) opens nothing new.
            note["action"] = "sign"
            let notePath = try #require(created.location?.components(separatedBy: "?").first)
            try await student.get(notePath)
            #expect(try await student.post(notePath, form: note).status == .seeOther)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)
            let page = try await student.get("/staff/alerts/\(alert.id!.uuidString)")
            #expect(page.status == .ok && page.body.string.contains("the session 4 note"))
        }
    }

    @Test func a_client_nobody_has_accepted_yet_alerts_the_sending_clinician_who_can_open_it_and_the_directors_at_once() async throws {
        try await withClinic { clinic in
            try await clinic.makeStaff(.admin, email: "director@example.org")
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: therapistUser, onCareTeam: false)
            let appointment = try #require(try await Appointment.query(on: clinic.db).filter(\.$client.$id == client.id!).first())
            // The clinic's cadence sends questionnaires whether or not the client was accepted yet.
            _ = try await Questionnaires.send([.phq9], for: appointment, client: client, database: clinic.db, services: clinic.app.services,
                                              now: clinic.clock.now)
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/questionnaire/")
            let answering = Browser(app: clinic.app)
            try await answering.get(link)
            #expect(try await answering.post(link, form: ["item-9": "2", "action": "draft"]).body.string.contains("9-8-8"))
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())
            #expect(try await therapist.get("/staff/alerts").body.string.contains(client.name), "listed for the clinician it was addressed to")
            #expect(try await therapist.get("/staff/alerts/\(alert.id!.uuidString)").status == .ok, "and it opens, though the client has no care team yet")
            #expect(try await therapist.get("/staff/clients/\(client.id!.uuidString)/chart").status == .notFound, "the chart stays closed")
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.contains { $0.to == "director@example.org" && $0.subject.hasPrefix("Action needed") }, "the director is told at once")
        }
    }

    @Test func escalation_is_its_own_job_and_a_failing_job_is_logged_and_shown_to_the_director() async throws {
        try await withClinic { clinic in
            let (client, link, _, _) = try await openLink(clinic)
            try await clinic.makeStaff(.admin, email: "director@example.org")
            try await client.post(link, form: SafetyAlertTests.phq9WithItem9)
            clinic.clock.advance(by: 25 * 3600)
            struct SweepBroke: Error {}
            let brokenSweep = ScheduledJob(name: ScheduledJob.bookingSweep.name, interval: .seconds(60)) { _ in throw SweepBroke() }
            #expect(await brokenSweep.runOnce(app: clinic.app) == false)
            #expect(await ScheduledJob.alertEscalation.runOnce(app: clinic.app), "escalation runs whatever the sweep does")
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.to == "director@example.org" && $0.subject.hasPrefix("Escalated") }.count == 1)
            let run = try #require(try await JobRun.find("booking-sweep", on: clinic.db))
            #expect(run.failuresInARow == 1 && run.lastError == "SweepBroke")
            let director = Browser(app: clinic.app)
            try await director.signIn(email: "director@example.org", password: "correct horse battery")
            let dashboard = try await director.get("/staff").body.string
            #expect(dashboard.contains("Scheduled work is failing") && dashboard.contains("Releasing lapsed holds"))
            // Once it works again the warning goes.
            #expect(await ScheduledJob.bookingSweep.runOnce(app: clinic.app))
            #expect(!(try await director.get("/staff").body.string.contains("Scheduled work is failing")))
        }
    }
}

@Suite struct MeasureCadenceDefaultTests {
    @Test func two_instances_running_the_cadence_at_once_send_each_appointment_its_questionnaires_once() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let client = try await clinic.addClient(name: "Casey Client", email: "casey@example.org")
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            let appointment = BookingService.newAppointment(staffID: try student.requireID(), clientID: client.id!, kind: kind,
                                                            start: clinic.tenOClock(inDays: 1), locationID: nil, source: "staff", now: clinic.clock.now)
            try await appointment.create(on: clinic.db)
            let app = clinic.app, now = clinic.clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { try await Questionnaires.sendByCadence(app: app, now: now) } }
                try await group.waitForAll()
            }
            #expect(try await MeasureResponse.query(on: clinic.db).filter(\.$appointment.$id == appointment.id!).count() == 2, "PHQ-9 and GAD-7, once")
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.subject.hasPrefix("A few questions") }.count == 1)
        }
    }

    /// The cadence job asks, for each upcoming appointment, whether its questionnaires went out.
    /// Asked by appointment alone, SQLite read the whole responses table each time (no index on
    /// it): at 100,000 clients the job kept a core busy without pause. Asked through the client's
    /// index, it reads that client's few responses.
    @Test func the_cadence_job_asks_about_an_appointment_through_the_clients_index() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let query = Questionnaires.responsesSent(for: UUID(), client: UUID())
            let plan = try await (clinic.db as! any SQLDatabase).raw("EXPLAIN QUERY PLAN " + query).all()
                .map { try $0.decode(column: "detail", as: String.self) }
            #expect(plan.contains { $0.contains("USING INDEX measure_responses_client ") || $0.contains("USING COVERING INDEX measure_responses_client ") }, "\(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN measure_responses") }, "\(plan)")
            // And a session's number among the client's sessions, through the client's index
            // rather than ten years of the clinician's appointments.
            let earlier = try await (clinic.db as! any SQLDatabase).raw("EXPLAIN QUERY PLAN " + Questionnaires.sessionsBefore(Date(), client: UUID())).all()
                .map { try $0.decode(column: "detail", as: String.self) }
            #expect(earlier.contains { $0.contains("INDEX appointments_client") } && !earlier.contains { $0.contains("appointments_staff") }, "\(earlier)")
        }
    }

    @Test func a_new_clinic_sends_questionnaires_every_fourth_session_as_the_public_pages_promise() async throws {
        try await withClinic { clinic in
            #expect(try await BookingSettingsRow.query(on: clinic.db).first()?.measureEvery == 4)
            let promise = try String(contentsOfFile: projectRoot + "/Resources/Content/what-to-expect.md", encoding: .utf8)
            #expect(promise.contains("at least every fourth session"))
        }
    }
}
