import Foundation
import IPTCore
import IPTPages
import Plot
import Testing

/// The clinical pages rendered from fixed, fictional models. Riley Tan and the staff are invented.
enum ClinicalFixtures {
    static let clientID = "0A1B2C3D-0000-4000-8000-000000000001"

    static func header(_ section: ChartSection, _ title: String) -> ChartHeader {
        ChartHeader(clientName: "Riley Tan", clientID: clientID, current: section, title: title)
    }
}

@Suite struct ChartPageTests {
    static func model(alerts: Bool, errors: FieldErrors = FieldErrors()) -> ChartPage.Model {
        ChartPage.Model(
            header: ClinicalFixtures.header(.chart, "Chart: Riley Tan"), done: "saved",
            alerts: alerts ? [.init(id: "a1", raised: ", raised Fri Dec 4, 9:10 AM by a questionnaire. ")] : [],
            flags: alerts ? [.init(label: "Past suicide attempt", firstRecorded: "Monday, November 2, 2026")] : [],
            summary: .init(programme: "Adult IPT", phase: "Middle phase", session: "Session 6 of 16", focus: "Role dispute",
                           scores: "PHQ-9 12 (Moderate), down from 17", openAlerts: alerts ? 1 : 0,
                           nextAppointment: "Fri Dec 11, 10:00 AM with Daniel Reyes", clinician: "Daniel Reyes"),
            hasContract: true, phaseLabel: "Middle phase",
            tasks: [.init(code: "middle-mood-events", label: "Sessions link mood to the week's interpersonal events", done: true),
                    .init(code: "middle-focus", label: "Focus strategies used", done: false)],
            phaseForm: .init(computedPhase: "middle phase", selected: ""), phaseFields: [:], phaseErrors: errors,
            mayViewAuditTrail: true, mayHandleRecordRequests: true, csrfToken: "token")
    }

    @Test func the_chart_puts_safety_first_and_offers_the_tasks_of_the_phase() throws {
        let page = Self.model(alerts: true)
        let html = ChartPage.view(page).render()
        #expect(html.contains("safety-banner") && html.contains("summary-item alert-cell"))
        #expect(html.contains(#"href="/staff/alerts/a1""#) && html.contains(#"href="/staff/audit?subject=\#(ClinicalFixtures.clientID)""#))
        try Snapshot.check(ChartPage.view(page), named: "chart")
    }

    @Test func a_phase_error_opens_the_phase_form_and_names_the_page() {
        var errors = FieldErrors()
        errors.add("reason", "Give a reason.")
        let page = Self.model(alerts: false, errors: errors)
        let html = ChartPage.view(page).render()
        #expect(page.title == "Please check: Chart")
        #expect(html.contains(#"<details open="open">"#) && !html.contains("safety-banner"))
    }
}

@Suite struct CaseloadPageTests {
    @Test func the_caseload_lists_clients_and_those_waiting_to_be_accepted() throws {
        let page = CaseloadPage.Model(
            mine: [.init(id: ClinicalFixtures.clientID, name: "Riley Tan", programme: "Adult IPT", course: "Session 6 of 16, middle phase")],
            mineCaption: "Your caseload",
            waiting: [.init(id: "0A1B2C3D-0000-4000-8000-000000000002", name: "Wes Waiting", opened: "Friday, December 4, 2026")],
            everyone: [])
        try Snapshot.check(CaseloadPage.view(page), named: "caseload")
    }
}

@Suite struct NotePageTests {
    static let original = SessionNoteContent(mood: "Low, 4 out of 10", interpersonalEvents: "Argument with her sister", focusWork: "Communication analysis",
                                             techniques: [.communicationAnalysis], scoresOfTheDay: "PHQ-9 12 (Moderate)", riskCheck: .noneReported,
                                             plan: "Try the conversation again")

    @Test func an_amended_note_shows_the_original_with_what_was_struck_beside_the_amendment() throws {
        var corrected = Self.original
        corrected.mood = "Low, 3 out of 10"
        let page = NotePage.Model(
            header: ClinicalFixtures.header(.notes, "Session 6 note: Riley Tan"), done: nil, noteID: "n1", phase: .middle, author: "Priya Natarajan",
            signed: "Fri Dec 4, 11:00 AM", unfinishedStatus: nil, cosigned: "Henrik Larsen Fri Dec 4, 4:00 PM", awaitingCosignature: false,
            content: Self.original,
            amendments: [.init(heading: "Amendment by Priya Natarajan, Sat Dec 5, 9:00 AM (final)", reason: "The rating was misheard", content: corrected)],
            comment: nil, mayAmend: false, mayReview: false, csrfToken: "token")
        let html = NotePage.view(page).render()
        #expect(html.contains("Struck out by an amendment: ") && html.contains("original-and-amendments"))
        try Snapshot.check(NotePage.view(page), named: "note-amended")
    }

    @Test func a_supervisor_sees_the_co_sign_and_return_forms() {
        let page = NotePage.Model(
            header: ClinicalFixtures.header(.notes, "Session 6 note: Riley Tan"), done: nil, noteID: "n1", phase: .middle, author: "Priya Natarajan",
            signed: "Fri Dec 4, 11:00 AM", unfinishedStatus: "awaiting co-signature", cosigned: nil, awaitingCosignature: true,
            content: Self.original, amendments: [], comment: nil, mayAmend: false, mayReview: true, csrfToken: "token")
        let html = NotePage.view(page).render()
        #expect(html.contains("/notes/n1/cosign") && html.contains("/notes/n1/return") && html.contains("Not final"))
    }

    @Test func the_note_form_asks_the_middle_phase_headings_and_keeps_what_was_typed() throws {
        var errors = FieldErrors()
        errors.add("plan", "Write the plan before signing.")
        let page = NoteFormPage.Model(
            header: ClinicalFixtures.header(.notes, "New session note: Riley Tan"), phase: .middle, focus: "Role dispute", comment: nil,
            action: SitePath.notes.link(ClinicalFixtures.clientID), amendment: false, sessionsHeld: 5,
            fields: ["sessionNumber": "6", "mood": "Low, 4 out of 10"], techniques: ["clarification"], errors: errors, csrfToken: "token",
            name: "New session note")
        #expect(page.title == "Please check: New session note")
        try Snapshot.check(NoteFormPage.view(page), named: "note-form")
    }
}

@Suite struct DischargePageTests {
    static let facts = DischargeFacts(client: "Riley Tan, born 1990-05-06", clinician: "Priya Natarajan, supervised by Henrik Larsen", started: "2026-08-03",
                                      sessions: "16 of 16 agreed", focus: "Role dispute", formulation: "The dispute with her sister began with the move.",
                                      scores: "PHQ-9 17 at the start, 6 at the end.")

    @Test func a_draft_summary_is_a_form_under_the_facts() throws {
        let page = DischargePage.Model(header: ClinicalFixtures.header(.discharge, "Discharge summary: Riley Tan"), done: nil, facts: Self.facts,
                                       content: DischargeContent(), signed: false, awaitingCosignature: false, mayCosign: false, signedBy: "",
                                       cosigner: nil, errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(DischargePage.view(page), named: "discharge-draft")
    }

    @Test func a_summary_waiting_for_the_supervisor_offers_the_co_signature_and_no_letter() {
        var content = DischargeContent()
        content.summary = "Less conflict at home."
        content.letterConsent = true
        let page = DischargePage.Model(header: ClinicalFixtures.header(.discharge, "Discharge summary: Riley Tan"), done: nil, facts: Self.facts,
                                       content: content, signed: true, awaitingCosignature: true, mayCosign: true,
                                       signedBy: "Signed by Priya Natarajan Fri Dec 4, 11:00 AM", cosigner: nil, errors: FieldErrors(), csrfToken: "token")
        let html = DischargePage.view(page).render()
        #expect(html.contains("Co-sign the summary") && !html.contains("Letter to the referrer") && !html.contains("<textarea"))
    }
}

@Suite struct SupervisionPageTests {
    @Test func a_supervisor_sees_the_queue_the_hours_and_the_log_form() throws {
        let page = SupervisionPage.Model(
            done: "cosigned", isSupervisor: true, isStudent: false,
            waitingSummaries: [.init(clientID: ClinicalFixtures.clientID, clientName: "Riley Tan", author: "Priya Natarajan", waited: "3 hours")],
            waitingNotes: [.init(clientID: ClinicalFixtures.clientID, noteID: "n1", label: "Riley Tan, session 6", student: "Priya Natarajan",
                                 signed: "Fri Dec 4, 11:00 AM", waited: "2 days")],
            returned: [],
            hours: [.init(student: "Priya Natarajan", direct: "45.0", supervision: "10.0", ratio: "1 to 4.5 (within 1 to 4.5)", progress: "10% and 10%")],
            students: [(id: "s1", name: "Priya Natarajan")], today: "2026-12-04",
            log: [.init(heldOn: "2026-12-01", student: "Priya Natarajan", supervisor: "Henrik Larsen", minutes: 60, format: "Individual")],
            fields: [:], errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(SupervisionPage.view(page), named: "supervision-supervisor")
    }
}

@Suite struct InventoryPageTests {
    @Test func a_person_moved_since_intake_shows_both_circles() throws {
        let page = InventoryPage.Model(
            header: ClinicalFixtures.header(.inventory, "Interpersonal inventory: Riley Tan"), done: nil,
            people: [.init(id: "e1", name: "Sam", relationship: "Sister", first: 1, now: 2),
                     .init(id: "e2", name: "Jo <the neighbour>", relationship: "Neighbour", first: 3, now: 3)],
            fields: ["closeness": "2"], errors: FieldErrors(), csrfToken: "token")
        let html = InventoryPage.view(page).render()
        #expect(html.contains("Closeness circle as first drawn") && !html.contains("<the neighbour>"))
        try Snapshot.check(InventoryPage.view(page), named: "inventory")
    }
}

@Suite struct WorksheetPageTests {
    @Test func an_earlier_version_of_a_dispute_is_read_only_with_its_stage_history() throws {
        let template = WorksheetTemplate.template(for: .roleDispute)
        let page = WorksheetPage.Model(
            header: ClinicalFixtures.header(.worksheets, "\(template.title): Riley Tan"), done: nil, template: template, key: "d1",
            stages: ["Friday, November 6, 2026, after session 3: Impasse (talk has stopped)"], versionCount: 2, shownVersion: 1,
            earlier: [.init(version: 1, label: "1 (Fri Nov 6, Priya Natarajan)")], isOld: true,
            content: WorksheetContent(text: ["stage": "impasse"], checked: [:]), errors: FieldErrors(), csrfToken: "token")
        let html = WorksheetPage.view(page).render()
        #expect(!html.contains("<form") && html.contains("?version=1"))
        try Snapshot.check(WorksheetPage.view(page), named: "worksheet-earlier-version")
    }
}

@Suite struct ClinicalFormsPageTests {
    @Test func a_note_from_an_appointment_shows_the_last_plan_and_keeps_drafts_as_you_type() throws {
        let page = NoteFormPage.Model(
            header: ClinicalFixtures.header(.notes, "New session note: Riley Tan"), phase: .middle, focus: "Role transition", comment: nil,
            action: SitePath.notes.link(ClinicalFixtures.clientID), amendment: false, sessionsHeld: 4,
            fields: ["sessionNumber": "5", "appointment": "a1"], techniques: [], errors: FieldErrors(), csrfToken: "token",
            name: "New session note", appointment: (id: "a1", when: "Tuesday, December 1, 2026 at 5 p.m."),
            previousPlan: (session: 4, plan: "Join the running club <Tuesdays>"), draftAction: SitePath.noteDrafts.link(ClinicalFixtures.clientID))
        let html = NoteFormPage.view(page).render()
        #expect(html.contains("Plan from session 4") && html.contains("&lt;Tuesdays&gt;"))
        #expect(html.contains(#"name="appointment" value="a1""#) && html.contains("data-draft-action=") && html.contains("/js/note-autosave.js"))
        // The phase's sections and the risk check start open; techniques and measures are folded.
        #expect(html.components(separatedBy: #"<details class="note-section" open="open">"#).count - 1 == 2)
        // Without a draft address (an amendment) there is no script and no status line.
        var amendment = page
        amendment.draftAction = nil
        amendment.amendment = true
        #expect(!NoteFormPage.view(amendment).render().contains("note-autosave.js"))
        try Snapshot.check(NoteFormPage.view(page), named: "note-form-from-appointment")
    }

    @Test func the_inventory_form_folds_all_eleven_questions_and_the_circle_names_its_rings() throws {
        let folded = InventoryPage.questionGroups.flatMap(\.keys)
        #expect(folded.sorted() == InventoryEntry.questions.map(\.key).sorted())
        let svg = ClosenessCircle.svg(id: "now", title: "t", people: [("e1", "Sam", 1)], draggable: false)
        #expect(["Inner", "Middle", "Outer"].allSatisfy { svg.contains(">\($0)</text>") })
        let page = InventoryPage.Model(header: ClinicalFixtures.header(.inventory, "Inventory: Riley Tan"), done: nil,
                                       people: [.init(id: "e1", name: "Sam", relationship: "Sister", first: 1, now: 1)],
                                       fields: ["conflicts": "Often"], errors: FieldErrors(), csrfToken: "token")
        let html = InventoryPage.view(page).render()
        #expect(html.contains(#"data-label="Relationship""#))
        // The fold with an answer opens; the others stay closed.
        #expect(html.components(separatedBy: #"<details class="inv-section" open="open">"#).count - 1 == 1)
    }

    @Test func the_phone_chart_is_drawn_at_phone_width_so_its_text_stays_legible() throws {
        let zone = try #require(ClinicTimeZone(identifier: "America/Toronto"))
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let points = (0..<12).map { (start.addingTimeInterval(Double($0) * 7 * 86_400), 20 - $0) }
        let compact = ProgressChart.svg(instrument: .phq9, points: points, zone: zone, compact: true)
        // A 340-unit drawing on a 390 px phone: 12-unit text is drawn at about 12 px.
        #expect(compact.contains(#"viewBox="0 0 340 240""#) && compact.contains("progress-chart-compact"))
        #expect(!compact.contains(#"font-size="6""#) && !compact.contains(#"font-size="8""#))
        // Only a handful of dates, so they do not overlap.
        #expect(compact.components(separatedBy: #"text-anchor="middle""#).count - 1 <= 6)
        // The timeline's axis starts at the first event; the first tick is the next first of a month.
        let timeline = MoodTimeline.svg(events: [(LocalDate(year: 2026, month: 3, day: 14)!, "Moved")], onset: nil, scores: [])
        #expect(timeline.contains(#"<circle cx="40.0""#) && timeline.contains(">Apr 2026<") && !timeline.contains(">Mar"))
    }
}
