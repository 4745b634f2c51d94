import Foundation
import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct QuestionnairePageTests {
    static func model(crisis: CrisisBox.Model?, errors: FieldErrors = FieldErrors()) -> QuestionnairePage.Model {
        let options = [QuestionnairePage.Option(value: "0", label: "Not at all"), .init(value: "1", label: "Several days")]
        return .init(instrumentName: "PHQ-9", instructions: "Over the last 2 weeks, how often have you been bothered by the following?",
                     licence: "No permission required.",
                     items: [.init(id: "1", text: "Little interest or pleasure in doing things", options: options, selected: "1"),
                             .init(id: "9", text: "Thoughts that you would be better off dead", options: options, selected: nil)],
                     crisis: crisis, notice: nil, action: SitePath.questionnaire.link("tok-en_1"), errors: errors, csrfToken: "token")
    }

    @Test func a_risk_answer_puts_the_crisis_box_above_the_form_with_the_missing_answer_named() throws {
        var errors = FieldErrors()
        errors.add("item-9", "Please answer this question; every one counts.")
        let page = Self.model(crisis: .init(young: true, clinicianTold: true), errors: errors)
        try Snapshot.check(QuestionnairePage.view(page), named: "questionnaire-crisis")
        #expect(page.title == "Please check: your questionnaire", "the window title does not name the questionnaire")
        #expect(QuestionnairePage.view(page).render().contains(#"action="/questionnaire/tok-en_1""#))
    }

    @Test func without_a_risk_answer_there_is_no_crisis_box() {
        #expect(!QuestionnairePage.view(Self.model(crisis: nil)).render().contains("crisis-now"))
    }

    @Test func a_draft_kept_in_the_portal_says_how_to_finish_and_links_back() throws {
        let page = QuestionnaireOutcomePage.Model(outcome: .saved(howToFinish: "Open it again from your portal page to finish."),
                                                  crisis: .init(young: false, clinicianTold: false),
                                                  back: .init(href: SitePath.portal.link, label: "Back to your appointments and forms"))
        try Snapshot.check(QuestionnaireOutcomePage.view(page), named: "questionnaire-saved")
        #expect(page.title == "Answers saved")
    }
}

@Suite struct AlertPageTests {
    @Test func an_open_alert_shows_the_answers_that_raised_it_and_the_follow_up_form() throws {
        var errors = FieldErrors()
        errors.add("plan", "Record the safety plan agreed with the client; the alert cannot close without it.")
        let page = AlertPage.Model(alertID: "a1", clientName: "Casey Quinn", raised: "December 4, 2026 at 10:00 AM", clinician: "Priya Natarajan",
                                   origin: .questionnaire(summary: "PHQ-9: 21 (Severe)",
                                                          answers: [.init(question: "Thoughts that you would be better off dead", answer: "Several days")]),
                                   isOpen: true, closedBy: "", followUp: nil, assessment: "Spoke with Casey by phone.", plan: nil,
                                   errors: errors, csrfToken: "token")
        try Snapshot.check(AlertPage.view(page), named: "alert-open")
        #expect(page.title == "Check the follow-up: Safety alert")
    }

    @Test func a_closed_alert_from_a_note_links_the_note_and_shows_the_follow_up() throws {
        let page = AlertPage.Model(alertID: "a2", clientName: "Casey Quinn", raised: "December 4, 2026 at 10:00 AM", clinician: "Priya Natarajan",
                                   origin: .note(clientID: "c1", noteID: "n1", sessionNumber: 3), isOpen: false, closedBy: "Henrik Larsen",
                                   followUp: "Assessment:\nLow risk.\n\nSafety plan:\nCall 9-8-8.", assessment: nil, plan: nil,
                                   errors: FieldErrors(), csrfToken: "token")
        let html = AlertPage.view(page).render()
        #expect(html.contains(#"href="/staff/clients/c1/notes/n1""#) && html.contains("Closed by Henrik Larsen") && !html.contains("<form"))
    }
}

@Suite struct IntakeAndSelfAssessmentPageTests {
    @Test func intake_lists_each_consent_to_sign() throws {
        let page = IntakePage.Model(token: "tok", documents: [.treatment, .supervision(supervisor: "Henrik Larsen")],
                                    fields: ["emergencyName": "Sam Quinn"], errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(IntakePage.view(page), named: "intake")
    }

    @Test func the_summary_lines_events_up_against_the_onset() throws {
        let fields = ["distress-home": "3", "course": "comes-and-goes", "onset": "2026-05", "event-death-in-family": "yes", "event-death-in-family-month": "2026-03",
                      "event-death-in-family-impact": "3", "moodSituations": "Arguments at home"]
        let assessment = try SelfAssessment.validate(fields: fields, today: LocalDate(year: 2026, month: 12, day: 4)!).get()
        let page = SelfAssessmentSummaryPage.Model(clientName: "Casey Quinn", clinicianName: "Priya Natarajan",
                                                   answered: "December 4, 2026 at 10:00 AM", assessment: assessment)
        try Snapshot.check(SelfAssessmentSummaryPage.view(page), named: "self-assessment-summary")
    }
}

@Suite struct ProgressPageTests {
    @Test func scores_are_charted_tabled_and_shared_with_the_guardian_by_choice() throws {
        let zone = try #require(ClinicTimeZone(identifier: "America/Toronto"))
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let points = [ProgressPage.Point(date: start, score: 18, phase: "Initial phase"),
                      .init(date: start.addingTimeInterval(28 * 86_400), score: 9, phase: "Middle phase")]
        let page = ProgressPage.Model(clientID: "c1", clientName: "Jordan Quinn", zone: zone, phaseStarts: [(start, .initial)],
                                      sections: [.init(instrument: .phq9, points: points,
                                                       change: [.init(term: "Since the first score", description: "18 to 9")])],
                                      guardianSharing: [.init(responseID: "r1", label: "PHQ-9, Monday, September 21, 2026", shared: false)],
                                      csrfToken: "token")
        try Snapshot.check(ProgressPage.view(page), named: "progress")
    }
}
