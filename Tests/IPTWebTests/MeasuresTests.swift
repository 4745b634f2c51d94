import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

extension TestClinic {
    /// A completed questionnaire score, `weeksLater` weeks from now, as if the client had answered it.
    func addScore(_ total: Int, instrument: Instrument = .phq9, client: UUID, clinician: StaffUser, weeksLater: Int = 0) async throws {
        let response = MeasureResponse()
        response.sharedWithGuardian = false
        response.$client.id = client
        response.$clinician.id = try clinician.requireID()
        response.instrumentCode = instrument.code
        response.tokenHash = UUID().uuidString
        response.status = .completed
        response.id = UUID()
        try response.setScore(MeasureResponse.Score(total: total, band: instrument.band(for: total)?.label ?? ""), app.services.keyRing)
        response.createdAt = clock.now
        response.expiresAt = clock.now
        response.completedAt = clock.now.addingTimeInterval(Double(weeksLater) * 7 * 86_400)
        try await response.create(on: db)
    }
}

@Suite struct SafetyAlertTests {
    /// A practicum student (supervised) with a confirmed appointment for a client, and the student
    /// signed in.
    func setUp(_ clinic: TestClinic) async throws -> (student: Browser, supervisor: Browser, appointment: Appointment, supervisorUser: StaffUser) {
        let (supervisorBrowser, supervisor) = try await clinic.signedIn(as: .supervisor)
        let studentUser = try await clinic.makeClinician()
        studentUser.$supervisor.id = supervisor.id
        try await studentUser.update(on: clinic.db)
        let studentBrowser = Browser(app: clinic.app)
        try await studentBrowser.signIn(email: studentUser.email, password: "correct horse battery")
        let details = try BookingDetails.validate(
            BookingDetailsDraft(name: "Casey Client", email: "casey@example.org", phone: "416-555-0111", dateOfBirth: "1988-08-08", consent: true),
            today: clinic.toronto.localDate(of: clinic.clock.now)).get()
        let client = try await BookingService.newClient(details, now: clinic.clock.now, on: clinic.db)
        try await clinic.assignCareTeam(client: try client.requireID(), treating: studentUser)
        let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
        let appointment = BookingService.newAppointment(staffID: try studentUser.requireID(), clientID: try client.requireID(), kind: kind,
                                                        start: clinic.tenOClock(inDays: 1), locationID: nil, source: "staff", now: clinic.clock.now)
        try await appointment.create(on: clinic.db)
        return (studentBrowser, supervisorBrowser, appointment, supervisor)
    }

    static let phq9WithItem9 = ["item-1": "1", "item-2": "2", "item-3": "1", "item-4": "1", "item-5": "0", "item-6": "1", "item-7": "1",
                                "item-8": "0", "item-9": "1", "action": "submit"]

    @Test func item_9_several_days_alerts_clinician_and_supervisor_without_details_and_needs_a_follow_up_to_close() async throws {
        try await withClinic { clinic in
            let (student, supervisor, appointment, supervisorUser) = try await setUp(clinic)
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            let sent = try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "phq-9"])
            #expect(sent.status == .seeOther)
            try await clinic.deliverMail()
            let invitation = try #require(clinic.mail.sent.last)
            #expect(invitation.to == "casey@example.org")
            #expect(!invitation.textBody.contains("PHQ"), "the email does not name the questionnaire")
            let link = try clinic.link(in: invitation, containing: "/questionnaire/")

            let client = Browser(app: clinic.app)
            let form = try await client.get(link)
            #expect(form.status == .ok)
            #expect(form.body.string.contains("Thoughts that you would be better off dead or of hurting yourself in some way"))
            let done = try await client.post(link, form: Self.phq9WithItem9)
            #expect(done.status == .ok)
            #expect(done.body.string.contains("9-8-8"), "crisis resources shown at once")
            let stored = try #require(try await MeasureResponse.query(on: clinic.db).first())
            #expect(try stored.score(clinic.app.services.keyRing) == MeasureResponse.Score(total: 8, band: "Mild"))
            #expect(stored.scoreSealed?.hasPrefix("enc:v1:") == true, "the score is sealed at rest")
            #expect(stored.answersSealed?.hasPrefix("enc:v1:") == true, "answers are sealed at rest")

            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())
            #expect(alert.status == .open)
            #expect(alert.$supervisor.id == supervisorUser.id)
            try await clinic.deliverMail()
            let alertEmails = clinic.mail.sent.filter { $0.subject.hasPrefix("Action needed") }
            #expect(Set(alertEmails.map(\.to)).count == 2, "the student and the supervisor")
            for email in alertEmails {
                for detail in ["Casey", "PHQ", "item", "8", "Several days", "better off dead"] {
                    #expect(!email.textBody.contains(detail), "no \(detail) in the alert email")
                }
            }
            // The export carries the instrument and the answers, coded, and is audited as an export.
            let exported = try await supervisor.get("/staff/clients/\(alert.$client.id.uuidString)/fhir")
            #expect(exported.status == .ok)
            let bundle = try #require(try JSONSerialization.jsonObject(with: Data(exported.body.readableBytesView)) as? [String: Any])
            let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
            let questionnaire = try #require(resources.first { $0["resourceType"] as? String == "Questionnaire" })
            #expect((questionnaire["code"] as? [[String: Any]])?.first?["code"] as? String == "44249-1")
            let answered = try #require(resources.first { $0["resourceType"] as? String == "QuestionnaireResponse" })
            let items = answered["item"] as? [[String: Any]] ?? []
            #expect(items.contains { $0["linkId"] as? String == "9" })
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "fhir-bundle").filter(\.$action == "export").count() == 1)
            // A second submission of the same link changes nothing.
            #expect(try await client.post(link, form: Self.phq9WithItem9).status == .gone)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)

            // The supervisor sees it; it cannot be closed without the follow-up.
            let page = try await supervisor.get("/staff/alerts/\(alert.id!.uuidString)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Several days"))
            let empty = try await supervisor.post("/staff/alerts/\(alert.id!.uuidString)/close", form: ["assessment": "", "plan": ""])
            #expect(empty.status == .unprocessableEntity)
            #expect(try await RiskAlert.find(alert.id, on: clinic.db)?.status == .open)
            let closed = try await student.post("/staff/alerts/\(alert.id!.uuidString)/close",
                                                form: ["assessment": "Called the client the same day; passive thoughts, no plan or intent.",
                                                       "plan": "Safety plan reviewed; 9-8-8 and supports agreed; session moved earlier."])
            #expect(closed.status == .seeOther)
            let after = try #require(try await RiskAlert.find(alert.id, on: clinic.db))
            #expect(after.status == .closed)
            #expect(after.followUpSealed?.hasPrefix("enc:v1:") == true)
            let audited = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "risk-alert").count()
            #expect(audited >= 2, "viewing and closing are audited")
        }
    }

    @Test func the_front_desk_and_other_clinicians_see_no_alert_and_cannot_send_questionnaires() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await setUp(clinic)
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "phq-9"])
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/questionnaire/")
            let client = Browser(app: clinic.app)
            try await client.get(link)
            try await client.post(link, form: Self.phq9WithItem9)
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/alerts").status == .forbidden)
            #expect(try await desk.get("/staff/alerts/\(alert.id!.uuidString)").status == .forbidden)
            let deskPage = try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(!deskPage.body.string.contains("Send a questionnaire"))
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await other.get("/staff/alerts/\(alert.id!.uuidString)").status == .notFound)
            #expect(try await other.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "phq-9"]).status == .notFound)
        }
    }

    @Test func a_missing_answer_is_named_a_draft_is_kept_and_bad_values_are_refused() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await setUp(clinic)
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "gad-7"])
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/questionnaire/")
            let client = Browser(app: clinic.app)
            try await client.get(link)
            let draft = try await client.post(link, form: ["item-1": "2", "item-2": "1", "action": "draft"])
            #expect(draft.status == .ok)
            let resumed = try await client.get(link)
            #expect(resumed.body.string.contains(#"id="field-item-1-2" name="item-1" value="2" checked"#), "the draft is filled back in")
            let missing = try await client.post(link, form: ["item-1": "2", "item-2": "1", "action": "submit"])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.string.contains("Please answer this question"))
            #expect(try await client.post(link, form: ["item-1": "7", "action": "submit"]).status == .unprocessableEntity)
            #expect(try await client.post(link, form: ["item-99": "1", "action": "submit"]).status == .badRequest)
            #expect(try await MeasureResponse.query(on: clinic.db).first()?.status == .draft)
            #expect(try await client.get("/questionnaire/not-a-token").status == .notFound)
        }
    }

    @Test func an_alert_left_open_a_day_is_escalated_to_the_director_once() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await setUp(clinic)
            let director = try await clinic.makeStaff(.admin, email: "director@example.org")
            _ = director
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "phq-9"])
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/questionnaire/")
            let client = Browser(app: clinic.app)
            try await client.get(link)
            try await client.post(link, form: Self.phq9WithItem9)
            try await RiskAlerts.escalate(app: clinic.app, now: clinic.clock.now)
            try await clinic.deliverMail()
            #expect(!clinic.mail.sent.contains { $0.to == "director@example.org" })
            clinic.clock.advance(by: 25 * 3600)
            try await RiskAlerts.escalate(app: clinic.app, now: clinic.clock.now)
            try await RiskAlerts.escalate(app: clinic.app, now: clinic.clock.now)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.to == "director@example.org" && $0.subject.hasPrefix("Escalated") }.count == 1)
        }
    }
}

@Suite struct SelfAssessmentFlowTests {
    @Test func the_client_answers_and_the_clinician_sees_the_timeline_and_a_suggestion_marked_as_such() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            _ = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 3))
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            try await clinic.assignCareTeam(client: try #require(appointment.$client.id), treating: student)
            let studentBrowser = Browser(app: clinic.app)
            try await studentBrowser.signIn(email: student.email, password: "correct horse battery")
            try await studentBrowser.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(try await studentBrowser.post("/staff/appointments/\(appointment.id!.uuidString)/self-assessment", form: [:]).status == .seeOther)
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/self-assessment/")

            let client = Browser(app: clinic.app)
            #expect(try await client.get(link).status == .ok)
            let bad = try await client.post(link, form: ["event-death-in-family": "yes", "moodSituations": "When my brother calls."])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("When my brother calls."), "typed text is kept")
            let onset = clinic.toronto.localDate(of: clinic.clock.now).adding(days: -60)
            let eventMonth = onset.adding(days: -62)
            let sent = try await client.post(link, form: [
                "distress-family": "4", "onset": String(onset.description.prefix(7)),
                "event-death-in-family": "yes", "event-death-in-family-month": String(eventMonth.description.prefix(7)), "event-death-in-family-impact": "3",
                "moodSituations": "When my brother calls."])
            #expect(sent.status == .ok)
            #expect(try await client.post(link, form: ["distress-family": "1"]).status == .gone, "answers are sent once")
            let record = try #require(try await SelfAssessmentRecord.query(on: clinic.db).first())
            #expect(record.answersSealed?.hasPrefix("enc:v1:") == true)

            let summary = try await studentBrowser.get("/staff/self-assessments/\(record.id!.uuidString)")
            #expect(summary.status == .ok)
            let html = summary.body.string
            #expect(html.contains("Suggested focus, for discussion"))
            #expect(html.contains("it is not applied"))
            #expect(html.contains("-&gt; grief"))
            #expect(html.contains("months before the onset"))
            #expect(html.contains("When my brother calls."))
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/self-assessments/\(record.id!.uuidString)").status == .forbidden)
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await other.get("/staff/self-assessments/\(record.id!.uuidString)").status == .notFound)
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "self-assessment").filter(\.$action == "view").count() == 1)
        }
    }
}

@Suite struct ProgressTests {
    @Test func four_phq9_scores_are_charted_with_bands_a_table_and_the_change() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            _ = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 3))
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let clientID = try #require(appointment.$client.id)
            try await clinic.assignCareTeam(client: clientID, treating: student)
            for (week, score) in [18, 15, 11, 7].enumerated() {
                try await clinic.addScore(score, client: clientID, clinician: student, weeksLater: week)
            }
            let studentBrowser = Browser(app: clinic.app)
            try await studentBrowser.signIn(email: student.email, password: "correct horse battery")
            let page = try await studentBrowser.get("/staff/clients/\(clientID.uuidString)/progress")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains(#"role="img""#))
            // Drawn twice, wide for a desktop and compact for a phone; four points in each.
            #expect(html.components(separatedBy: "<circle").count - 1 == 8, "four points, in each drawing")
            #expect(html.components(separatedBy: "progress-chart-compact").count - 1 == 1)
            #expect(html.contains("Moderately severe (15-19)"), "bands drawn and labelled")
            #expect(html.contains("<td>18 of 27</td>") && html.contains("<td>7 of 27</td>"), "the same numbers in a table")
            #expect(html.contains("18 to 7"))
            #expect(html.contains("Reliable improvement (a drop of 6 or more, the NHS Talking Therapies convention)</dt><dd>Yes"))
            #expect(html.contains("Not computed yet: the SD comes from the first scores of at least 10 clients; the clinic has 1."))
            // With first scores from ten clients, the index is given with the SD and reliability it used.
            for (index, first) in [8, 12, 14, 16, 10, 20, 22, 9, 15].enumerated() {
                let other = try await clinic.addClient(name: "Baseline \(index)", email: "b\(index)@example.org")
                try await clinic.addScore(first, client: other.id!, clinician: student, weeksLater: -1)
            }
            // First scores 18, 8, 12, 14, 16, 10, 20, 22, 9, 15: sample SD 4.72; RCI = (7 - 18) / (sqrt 2 x 4.72 x sqrt 0.11) = -4.97.
            let withIndex = try await studentBrowser.get("/staff/clients/\(clientID.uuidString)/progress").body.string
            #expect(withIndex.contains("-4.97 (reliable change: beyond 1.96 either way). Used: SD 4.72"), "\(withIndex.components(separatedBy: "Reliable Change Index").last?.prefix(300) ?? "")")
            #expect(withIndex.contains("(10 clients), and reliability 0.89 (Cronbach"))
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await other.get("/staff/clients/\(clientID.uuidString)/progress").status == .notFound)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/clients/\(clientID.uuidString)/progress").status == .forbidden)
        }
    }
}

@Suite struct IntakeTests {
    @Test func a_client_of_a_student_signs_three_consents_by_typed_name_and_the_exact_wording_is_hashed() async throws {
        try await withClinic { clinic in
            let supervisor = try await clinic.makeStaff(.supervisor, name: "Dr. Sam Supervisor")
            let student = try await clinic.makeClinician()
            student.$supervisor.id = supervisor.id
            try await student.update(on: clinic.db)
            let browser = Browser(app: clinic.app)
            _ = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 3))
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(try await desk.post("/staff/appointments/\(appointment.id!.uuidString)/intake", form: [:]).status == .seeOther)
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/intake/")
            let client = Browser(app: clinic.app)
            let form = try await client.get(link)
            #expect(form.body.string.contains("supervised by Dr. Sam Supervisor"), "the supervision disclosure names the supervisor")
            let wrong = try await client.post(link, form: ["emergencyName": "Lee Example", "emergencyPhone": "416-555-0188",
                                                           "consent-treatment": "yes", "consent-privacy": "yes", "typedName": "Someone Else"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains("Type your full name exactly"))
            #expect(wrong.body.string.contains("Tick the box to agree to the supervision"))
            #expect(wrong.body.string.contains(#"value="Lee Example""#), "typed input is kept")
            let signed = try await client.post(link, form: ["emergencyName": "Lee Example", "emergencyPhone": "416-555-0188", "pronouns": "they/them",
                                                            "consent-treatment": "yes", "consent-privacy": "yes", "consent-supervision": "yes",
                                                            "typedName": "  robin   example "])
            #expect(signed.status == .ok)
            let consents = try await ConsentRecord.query(on: clinic.db).all()
            #expect(Set(consents.map(\.kind)) == [.treatment, .privacy, .supervision])
            let treatment = try #require(consents.first { $0.kind == .treatment })
            #expect(treatment.textSHA256 == HexDigest.sha256(ConsentDocument.treatment.text))
            #expect(treatment.version == ConsentDocument.treatment.version)
            #expect(treatment.signedAt == clinic.clock.now)
            #expect(try await IntakeRecord.query(on: clinic.db).first()?.detailsSealed?.hasPrefix("enc:v1:") == true)
            #expect(!(try await clinic.holdsInTheClear("consents", "obin")), "the typed name is sealed at rest")
            #expect(try await client.post(link, form: ["typedName": "Robin Example"]).status == .gone, "signed once")
            let page = try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(page.body.string.contains("Supervision of a practicum student, version 2026-11"))
        }
    }
}

@Suite struct DeteriorationTests {
    @Test func the_dashboard_lists_a_client_whose_phq9_rose_by_six_or_more() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            _ = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 3))
            let clientID = try #require(try await Appointment.query(on: clinic.db).first()?.$client.id)
            try await clinic.assignCareTeam(client: clientID, treating: student)
            for (week, score) in [6, 9, 13].enumerated() {
                try await clinic.addScore(score, client: clientID, clinician: student, weeksLater: week)
            }
            let studentBrowser = Browser(app: clinic.app)
            try await studentBrowser.signIn(email: student.email, password: "correct horse battery")
            let dashboard = try await studentBrowser.get("/staff").body.string
            #expect(dashboard.contains("Scores that worsened reliably"))
            #expect(dashboard.contains("PHQ-9 from 6 to 13"))
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(!(try await other.get("/staff").body.string.contains("Scores that worsened reliably")), "only the client's own clinicians see it")
            // The scores opened for that view are kept (`OpenedScoreTotals`); a newer score is read afresh.
            #expect(clinic.app.services.openedScores.count == 2)
            try await clinic.addScore(7, client: clientID, clinician: student, weeksLater: 3)
            let later = try await studentBrowser.get("/staff").body.string
            #expect(!later.contains("Scores that worsened reliably"), "6 then 7 is no reliable change")
        }
    }

    @Test func an_opened_score_is_kept_for_its_own_response_and_client_only() throws {
        let totals = OpenedScoreTotals()
        let response = UUID(), client = UUID()
        var openings = 0
        func open() -> Int { openings += 1; return 13 }
        #expect(totals.total(sealed: "enc:v1:abc", response: response, client: client, open: open) == 13)
        #expect(totals.total(sealed: "enc:v1:abc", response: response, client: client, open: open) == 13)
        #expect(openings == 1, "opened once")
        // The same text in another row is opened for that row, where its binding would refuse it.
        struct Refused: Error {}
        #expect(throws: Refused.self) { try totals.total(sealed: "enc:v1:abc", response: UUID(), client: client) { throw Refused() } }
        #expect(throws: Refused.self) { try totals.total(sealed: "enc:v1:abc", response: response, client: UUID()) { throw Refused() } }
        for index in 0..<OpenedScoreTotals.capacity { _ = totals.total(sealed: "s\(index)", response: response, client: client) { index } }
        #expect(totals.count <= OpenedScoreTotals.capacity, "bounded: past its capacity it starts over")
    }
}

@Suite struct PortalTests {
    @Test func a_client_signs_in_by_a_one_time_link_and_a_guardian_sees_appointments_but_not_answers() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            let today = clinic.toronto.localDate(of: clinic.clock.now)
            var fields = BookingForm.fields(student, start: clinic.tenOClock(inDays: 3), email: "teen@example.org",
                                            dateOfBirth: today.adding(days: -15 * 366).description)
            fields["guardianName"] = "Pat Parent"
            fields["guardianEmail"] = "parent@example.org"
            #expect(try await browser.post("/book/details", form: fields).status == .seeOther)
            try await clinic.deliverMail()
            let confirm = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/book/confirm/")
            try await browser.get(confirm)
            try await browser.post(confirm, form: [:])
            let clientID = try #require(try await ClientRecord.query(on: clinic.db).first()?.id)
            try await clinic.addScore(9, instrument: .phqA, client: clientID, clinician: student)

            // Unknown and known addresses get the same page; only the known one gets mail.
            let anonymous = Browser(app: clinic.app)
            try await anonymous.get("/portal/sign-in")
            try await clinic.deliverMail()
            let sentCount = clinic.mail.sent.count
            let unknown = try await anonymous.post("/portal/sign-in", form: ["email": "nobody@example.org"])
            let known = try await anonymous.post("/portal/sign-in", form: ["email": "teen@example.org"])
            #expect(unknown.status == .ok && known.status == .ok)
            #expect(unknown.body.string == known.body.string, "no way to tell a known address from an unknown one")
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.count == sentCount + 1)
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/")
            #expect(try await anonymous.get("/portal").location == "/portal/sign-in", "no session yet")
            #expect(try await anonymous.get(link).location == "/portal", "the asking browser is signed in by the link itself")
            let home = try await anonymous.get("/portal")
            #expect(home.status == .ok)
            #expect(home.headers.first(name: .cacheControl) == "no-store")
            #expect(home.body.string.contains("PHQ-A"), "the client sees their questionnaires")
            #expect(home.body.string.contains("/cancel"))
            let reuse = Browser(app: clinic.app)
            try await reuse.get("/portal/sign-in")
            #expect(try await reuse.post(link, form: [:]).status == .gone, "a link works once")

            // The guardian signs in with their own address.
            let guardian = Browser(app: clinic.app)
            try await guardian.get("/portal/sign-in")
            try await guardian.post("/portal/sign-in", form: ["email": "parent@example.org"])
            try await clinic.deliverMail()
            let guardianLink = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/")
            try await guardian.get(guardianLink)
            let guardianHome = try await guardian.get("/portal")
            #expect(guardianHome.body.string.contains("Appointments for"))
            #expect(!guardianHome.body.string.contains("PHQ-A"), "not the adolescent's answers")

            // Links expire.
            try await anonymous.post("/portal/sign-in", form: ["email": "teen@example.org"])
            try await clinic.deliverMail()
            let late = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/")
            clinic.clock.advance(by: 21 * 60)
            #expect(try await anonymous.get(late).status == .gone)
        }
    }
}


@Suite struct CadenceTests {
    @Test func with_a_cadence_of_two_every_other_session_gets_the_questionnaire_once_48_hours_ahead() async throws {
        try await withClinic { clinic in
            try await BookingSettingsRow.query(on: clinic.db).set(\.$measureEvery, to: 2).update()
            let student = try await clinic.makeClinician()
            let details = try BookingDetails.validate(
                BookingDetailsDraft(name: "Casey Client", email: "casey@example.org", phone: "416-555-0111", dateOfBirth: "1988-08-08", consent: true),
                today: clinic.toronto.localDate(of: clinic.clock.now)).get()
            let client = try await BookingService.newClient(details, now: clinic.clock.now, on: clinic.db)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            var sessions: [Appointment] = []
            for week in 0..<3 {
                let appointment = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                                start: clinic.tenOClock(inDays: 3 + 7 * week), locationID: nil, source: "staff", now: clinic.clock.now)
                try await appointment.create(on: clinic.db)
                sessions.append(appointment)
            }
            // A session with another clinician does not count towards this clinician's cadence.
            let other = try await clinic.makeClinician(name: "Oli Other", slug: "oli-other")
            let elsewhere = BookingService.newAppointment(staffID: try other.requireID(), clientID: try client.requireID(), kind: kind,
                                                          start: clinic.tenOClock(inDays: 1), locationID: nil, source: "staff", now: clinic.clock.now)
            elsewhere.status = .confirmed
            try await elsewhere.create(on: clinic.db)
            // 30 hours before session 1: it is sent, once.
            clinic.clock.advance(by: sessions[0].startsAt.timeIntervalSince(clinic.clock.now) - 30 * 3600)
            try await Questionnaires.sendByCadence(app: clinic.app, now: clinic.clock.now)
            try await Questionnaires.sendByCadence(app: clinic.app, now: clinic.clock.now)
            let first = try await MeasureResponse.query(on: clinic.db).filter(\.$appointment.$id == sessions[0].id!).all()
            #expect(Set(first.map(\.instrumentCode)) == ["phq-9", "gad-7"], "depression and anxiety together, once each")
            try await clinic.deliverMail()
            let invitations = clinic.mail.sent.filter { $0.subject.hasPrefix("A few questions") }
            #expect(invitations.count == 1, "one email with both links")
            #expect(invitations.first?.textBody.components(separatedBy: "/questionnaire/").count == 3)
            // Session 2 is skipped, session 3 gets it.
            clinic.clock.advance(by: sessions[1].startsAt.timeIntervalSince(clinic.clock.now) - 30 * 3600)
            try await Questionnaires.sendByCadence(app: clinic.app, now: clinic.clock.now)
            #expect(try await MeasureResponse.query(on: clinic.db).filter(\.$appointment.$id == sessions[1].id!).count() == 0)
            clinic.clock.advance(by: sessions[2].startsAt.timeIntervalSince(clinic.clock.now) - 30 * 3600)
            try await Questionnaires.sendByCadence(app: clinic.app, now: clinic.clock.now)
            let third = try await MeasureResponse.query(on: clinic.db).filter(\.$appointment.$id == sessions[2].id!).all()
            #expect(Set(third.map(\.instrumentCode)) == ["phq-9", "gad-7"])
        }
    }
}

@Suite struct ClinicInstrumentTests {
    static let definition = #"""
    {"code": "wellbeing-check", "name": "Wellbeing check", "version": "1", "instructions": "Over the last week:",
     "items": [
       {"id": "1", "text": "I have felt calm", "options": [{"value": 0, "label": "Often"}, {"value": 1, "label": "Rarely"}], "scored": true, "optional": false},
       {"id": "2", "text": "I have felt unsafe", "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}], "scored": true, "riskAtOrAbove": 1, "optional": false}],
     "bands": [{"lower": 0, "upper": 0, "label": "Well"}, {"lower": 1, "upper": 2, "label": "Check in"}],
     "licence": "Used under the clinic's licence"}
    """#

    @Test func a_clinic_defined_risk_item_opens_an_alert_like_the_built_in_ones() async throws {
        try await withClinic(instrumentFiles: ["wellbeing.json": Self.definition]) { clinic in
            #expect(clinic.app.services.instruments.named("wellbeing-check")?.items.count == 2)
            let (student, _, appointment, supervisorUser) = try await SafetyAlertTests().setUp(clinic)
            let page = try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(page.body.string.contains("Wellbeing check"), "offered beside the built-in questionnaires")
            #expect(try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "wellbeing-check"]).status == .seeOther)
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/questionnaire/")
            let client = Browser(app: clinic.app)
            #expect(try await client.get(link).body.string.contains("I have felt unsafe"))
            let done = try await client.post(link, form: ["item-1": "1", "item-2": "1", "action": "submit"])
            #expect(done.status == .ok && done.body.string.contains("9-8-8"), "crisis resources shown at once")
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())
            #expect(alert.status == .open && alert.$supervisor.id == supervisorUser.id)
        }
    }

    @Test func an_unusable_definition_stops_the_start_with_its_reason() async throws {
        let broken = Self.definition.replacingOccurrences(of: #""upper": 2"#, with: #""upper": 1"#)
        await #expect(throws: InstrumentCatalogue.DefinitionError.self) {
            try await withClinic(instrumentFiles: ["broken.json": broken]) { _ in }
        }
        let clash = Self.definition.replacingOccurrences(of: "wellbeing-check", with: "phq-9")
        do {
            try await withClinic(instrumentFiles: ["clash.json": clash]) { _ in }
            Issue.record("a definition reusing a built-in code was accepted")
        } catch let error as InstrumentCatalogue.DefinitionError {
            #expect(error.description.contains("phq-9"))
        }
    }
}

@Suite struct GuardianSharingTests {
    @Test func a_guardian_sees_an_adolescents_questionnaire_only_once_the_clinician_shares_it() async throws {
        try await withClinic { clinic in
            let (therapist, user) = try await clinic.signedIn(as: .therapist)
            let teen = try await clinic.addClient(name: "Teen Tester", email: "teen@example.org", dateOfBirth: "2012-05-05",
                                                  programme: "adolescent", guardian: ("Pat Parent", "parent@example.org"))
            try await clinic.assignCareTeam(client: teen.id!, treating: user)
            let kind = AppointmentKind(code: "ipt-a-session", name: "IPT-A session", durationMinutes: 50)
            let appointment = BookingService.newAppointment(staffID: user.id!, clientID: teen.id!, kind: kind, start: clinic.tenOClock(inDays: -7),
                                                            locationID: nil, source: "staff", now: clinic.clock.now)
            appointment.status = Appointment.Status.attended
            try await appointment.create(on: clinic.db)
            try await clinic.addScore(12, instrument: .phqA, client: teen.id!, clinician: user)
            let response = try #require(try await MeasureResponse.query(on: clinic.db).first())

            let guardian = try await clinic.portal(as: "parent@example.org")
            #expect(!(try await guardian.get("/portal").body.string.contains("PHQ-A")), "not shared yet")
            let progress = try await therapist.get("/staff/clients/\(teen.id!.uuidString)/progress")
            #expect(progress.body.string.contains("Share with the guardian"))
            let share = "/staff/clients/\(teen.id!.uuidString)/responses/\(response.id!.uuidString)/share"
            let (other, _) = try await clinic.signedIn(as: .therapist)
            try await other.get("/staff")
            #expect(try await other.post(share, form: ["share": "yes"]).status == .notFound)
            #expect(try await therapist.post(share, form: ["share": "yes"]).status == .seeOther)
            let home = try await guardian.get("/portal").body.string
            #expect(home.contains("Questionnaires the clinician shared with you") && home.contains("score 12"))
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "questionnaire-sharing").count() == 1)
            #expect(try await therapist.post(share, form: ["share": "no"]).status == .seeOther)
            #expect(!(try await guardian.get("/portal").body.string.contains("score 12")))
        }
    }
}

@Suite struct QuestionnaireChannelTests {
    static let gad7Calm = ["item-1": "0", "item-2": "1", "item-3": "0", "item-4": "0", "item-5": "1", "item-6": "0", "item-7": "0", "action": "submit"]

    @Test func the_client_answers_a_waiting_questionnaire_in_the_portal() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire", form: ["instrument": "gad-7"]).status == .seeOther)
            let response = try #require(try await MeasureResponse.query(on: clinic.db).first())
            let portal = try await clinic.portal(as: "casey@example.org")
            let home = try await portal.get("/portal").body.string
            #expect(home.contains("To do") && home.contains("/portal/questionnaires/\(response.id!.uuidString)"))
            let path = "/portal/questionnaires/\(response.id!.uuidString)"
            #expect(try await portal.get(path).body.string.contains("Feeling nervous, anxious, or on edge"))
            #expect(try await portal.post(path, form: Self.gad7Calm).status == .ok)
            let done = try #require(try await MeasureResponse.find(response.id, on: clinic.db))
            #expect(try done.status == .completed && done.total(clinic.app.services.keyRing) == 2)
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "measure-response").filter(\.$actorLabel == "client (portal)").count() == 1)
            #expect(try await portal.post(path, form: Self.gad7Calm).status == .gone, "answered once")
            // Without the client's own portal session there is nothing to open.
            let stranger = Browser(app: clinic.app)
            #expect(try await stranger.get(path).location == "/portal/sign-in")
        }
    }

    @Test func the_clinician_enters_the_answers_in_session_and_the_trail_names_them() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            let page = try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(page.body.string.contains("Fill it in now, with the client"))
            let started = try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire/in-session", form: ["instrument": "gad-7"])
            let form = try #require(started.location)
            #expect(form.hasPrefix("/staff/appointments/\(appointment.id!.uuidString)/questionnaires/"))
            #expect(clinic.mail.sent.isEmpty, "no link is emailed")
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await other.get(form).status == .notFound)
            #expect(try await student.get(form).body.string.contains("Feeling nervous, anxious, or on edge"))
            var missing = Self.gad7Calm
            missing["item-3"] = nil
            let refused = try await student.post(form, form: missing)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("Please answer this question"))
            #expect(try await student.post(form, form: Self.gad7Calm).status == .ok)
            let done = try #require(try await MeasureResponse.query(on: clinic.db).first())
            #expect(try done.status == .completed && done.total(clinic.app.services.keyRing) == 2 && done.answersSealed?.hasPrefix("enc:v1:") == true)
            let audit = try #require(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "measure-response").filter(\.$action == "create")
                .sort(\.$sequence, .descending).first())
            #expect(audit.actorLabel.hasSuffix("entered in session") && audit.actorID != nil)
        }
    }

    @Test func the_director_gives_a_reason_before_entering_answers_for_a_client_outside_her_caseload() async throws {
        try await withClinic { clinic in
            let (_, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/appointments/\(appointment.id!.uuidString)")
            let start = "/staff/appointments/\(appointment.id!.uuidString)/questionnaire/in-session"
            #expect(try await director.post(start, form: ["instrument": "gad-7"]).status == .forbidden)
            #expect(try await MeasureResponse.query(on: clinic.db).count() == 0)
            let clientID = try #require(appointment.$client.id)
            try await director.post("/staff/clients/\(clientID.uuidString)/reason", form: ["reason": "Covering for the student"])
            #expect(try await director.post(start, form: ["instrument": "gad-7"]).status == .seeOther)
        }
    }
}
