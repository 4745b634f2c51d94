import IPTCore
import IPTPages
import Plot
import Testing

/// The outcomes page drawn from fixed figures: the summary's cards, the caution when the data is
/// thin, and the explanation of which courses were judged on both measures.
@Suite struct OutcomesPageViewTests {
    private func course(_ baseline: Int?, _ end: Int?, anxiety: (Int?, Int?) = (nil, nil), focus: FocusArea = .grief,
                        tier: ClinicianTier = .registered) -> EndedCourse {
        EndedCourse(programme: .adult, focusAreas: [focus], tier: tier, clinician: "Rowan Field", sessionsAttended: 16, sessionsWithMeasure: 16,
                    agreedSessions: 16, instrument: .phq9, baseline: baseline, end: end, ending: .completed, anxietyBaseline: anxiety.0, anxietyEnd: anxiety.1)
    }

    private func model(_ courses: [EndedCourse], director: Bool = true) -> OutcomesPage.Model {
        OutcomesPage.Model(from: "2026-01", to: "2026-12", periodLabel: "January 2026 to December 2026", isDirector: director, courses: courses.count,
                           programmes: OutcomesReport.programmes(courses, namingClinicians: director),
                           path: director ? [PathMonth(month: "2026-12", enquiries: 7, consultations: 6, assessments: 5, started: 5, completed: 5)] : nil,
                           waits: director ? [] : nil, supervision: [], dropout: .recordedByClinician, notice: nil, csrfToken: "token")
    }

    /// Six courses, four scored on the GAD-7 as well: 20->6 with 12->4, 18->5 with 10->3, 16->8 with
    /// 9->12, 14->4 with 8->2, 12->3 and 15->9 on the PHQ-9 alone.
    private var six: [EndedCourse] {
        [course(20, 6, anxiety: (12, 4)), course(18, 5, anxiety: (10, 3)), course(16, 8, anxiety: (9, 12), focus: .roleDispute),
         course(14, 4, anxiety: (8, 2), tier: .practicum), course(12, 3, focus: .roleDispute), course(15, 9, tier: .practicum)]
    }

    @Test func the_summary_gives_each_figure_with_its_completeness() throws {
        let html = OutcomesPage.view(model(six)).render()
        // Reliable recovery: all six start as a case. 20->6 with 12->4, 18->5 with 10->3, 14->4 with 8->2,
        // 12->3 and 15->9 (a drop of 6 to 9, no longer above 9) recover reliably; 16->8 does not, as its
        // GAD-7 ends at 12, still a case. Five of six.
        #expect(html.contains(#"<span class="out-big">83%</span> Adult IPT, 5 of 6"#))
        #expect(html.contains("Data: 100% of courses have a first and an end score; 67% of those were scored on the GAD-7 too."))
        #expect(!html.contains("Caution, data incomplete"))
        // The fallback is said in numbers under "How this is counted".
        #expect(html.contains("4 of the 6 courses with both depression scores had both GAD-7 scores too; the other 2 are judged on the depression measure alone."))
        try Snapshot.check(OutcomesPage.view(model(six)), named: "outcomes-director")
    }

    @Test func thin_data_is_flagged_as_a_caution_in_the_summary() {
        // Ten courses, only six with an end score: 60%, under the 70% the page trusts.
        let thin = six + [course(20, nil), course(18, nil), course(16, nil), course(14, nil)]
        let html = OutcomesPage.view(model(thin)).render()
        #expect(html.contains("Caution, data incomplete: 60% of courses have a first and an end score"))
    }

    @Test func fewer_than_five_courses_make_no_claim_about_completeness() {
        let html = OutcomesPage.view(model(Array(six.prefix(3)))).render()
        #expect(html.contains("Data: too few courses to judge how complete it is.") && !html.contains("Caution"))
        #expect(!html.contains("%</span>"), "no percentage in the summary")
    }

    @Test func a_supervisors_page_explains_no_path_into_care_and_names_no_clinician() {
        let html = OutcomesPage.view(model(six, director: false)).render()
        #expect(!html.contains("<dt>Path into care</dt>") && !html.contains("Rowan Field"))
        #expect(html.contains("Your students' outcomes"))
    }
}
