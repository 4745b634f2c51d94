import Foundation
import IPTCore
import Testing

/// The clinic's outcome figures on hand-made cohorts whose answers are worked out by hand.
struct OutcomesTests {
    private func course(_ baseline: Int?, _ end: Int?, programme: Programme = .adult, focus: [FocusArea] = [.grief], tier: ClinicianTier = .registered,
                        clinician: String = "A", attended: Int = 12, measured: Int = 12, agreed: Int = 16, ending: CourseEnding = .completed,
                        anxiety: (Int?, Int?) = (nil, nil)) -> EndedCourse {
        EndedCourse(programme: programme, focusAreas: focus, tier: tier, clinician: clinician, sessionsAttended: attended, sessionsWithMeasure: measured,
                    agreedSessions: agreed, instrument: programme == .adolescent ? .phqA : .phq9, baseline: baseline, end: end, ending: ending,
                    anxietyBaseline: anxiety.0, anxietyEnd: anxiety.1)
    }

    /// Six PHQ-9 courses: 20->8 (response, reliable improvement and recovery), 18->4 (all of those and
    /// remission), 12->10 (none), 8->3 (baseline not clinical: remission only), 10->17 (deterioration),
    /// and one with a baseline only.
    private var cohort: [EndedCourse] {
        [course(20, 8), course(18, 4), course(12, 10), course(8, 3), course(10, 17), course(15, nil, attended: 4, measured: 1, ending: .endedEarly)]
    }

    @Test func each_share_counts_its_own_denominator_as_the_chart_defines_it() {
        let figures = OutcomeFigures(label: "All", courses: cohort)
        #expect(figures.courses == 6)
        #expect(figures.withBaseline == Share(6, of: 6))
        #expect(figures.clinicalBaseline == Share(5, of: 6))
        #expect(figures.withEndScore == Share(5, of: 6))
        // Clinical baseline and an end score: 20, 18, 12, 10. Half or more drop: 20->8 and 18->4.
        #expect(figures.response == Share(2, of: 4))
        #expect(figures.remission == Share(2, of: 5))
        #expect(figures.reliableImprovement == Share(2, of: 5))
        #expect(figures.reliableDeterioration == Share(1, of: 5))
        // Recovery needs the clinical start; 12->10 and 10->17 did not recover.
        #expect(figures.reliableRecovery == Share(2, of: 4))
        #expect(figures.completed == Share(5, of: 6))
        #expect(figures.endedEarly == Share(1, of: 6))
    }

    // MARK: The depression and anxiety measures together (NHS Talking Therapies)

    private func paired(_ phq: (Int, Int), _ gad: (Int, Int)?) -> PairedChange {
        PairedChange(depression: ChangeMetrics(instrument: .phq9, baseline: phq.0, latest: phq.1),
                     anxiety: gad.map { ChangeMetrics(instrument: .gad7, baseline: $0.0, latest: $0.1) })
    }

    @Test func a_case_on_either_measure_recovers_only_below_both_thresholds() {
        // PHQ-9 14->6 and GAD-7 12->5: a case on both, out of range on both, reliable drops of 8 and 7.
        let both = paired((14, 6), (12, 5))
        #expect(both.basis == .bothMeasures && both.caseAtStart && both.recovery && both.reliableImprovement && both.reliableRecovery)
        // PHQ-9 8->4 is no case and no reliable drop; GAD-7 10->5 is a case with a reliable drop of 5.
        // The anxiety measure alone makes it a case, a recovery and a reliable recovery.
        let anxiousOnly = paired((8, 4), (10, 5))
        #expect(anxiousOnly.caseAtStart && anxiousOnly.reliableRecovery)
        #expect(!ChangeMetrics(instrument: .phq9, baseline: 8, latest: 4).reliableRecovery)
        // PHQ-9 16->8 recovers on its own, but the GAD-7 ends at 12, still a case: no recovery on the pair.
        let stillAnxious = paired((16, 8), (9, 12))
        #expect(ChangeMetrics(instrument: .phq9, baseline: 16, latest: 8).reliableRecovery)
        #expect(!stillAnxious.recovery && stillAnxious.reliableImprovement && !stillAnxious.reliableRecovery)
        // PHQ-9 7->3 and GAD-7 7->2: neither is above its threshold (9, 7) at the start, so no recovery to count.
        let neverACase = paired((7, 3), (7, 2))
        #expect(!neverACase.caseAtStart && !neverACase.recovery && neverACase.reliableImprovement)
    }

    @Test func improvement_on_one_measure_and_deterioration_on_the_other_is_neither() {
        // PHQ-9 12->18 rises by 6 (reliable); GAD-7 10->5 falls by 5 (reliable).
        let mixed = paired((12, 18), (10, 5))
        #expect(!mixed.reliableImprovement && !mixed.reliableDeterioration)
        // PHQ-9 11->17 rises by 6 and GAD-7 stays at 6: a reliable deterioration.
        let worse = paired((11, 17), (6, 6))
        #expect(worse.reliableDeterioration && !worse.reliableImprovement && worse.caseAtStart && !worse.recovery)
        // A GAD-7 rise of 3 is under its reliable change of 4: not a deterioration.
        #expect(!paired((10, 10), (8, 11)).reliableDeterioration)
        #expect(paired((10, 10), (8, 12)).reliableDeterioration)
    }

    @Test func without_two_anxiety_scores_the_depression_measure_decides_alone() {
        let alone = paired((15, 5), nil)
        let phq = ChangeMetrics(instrument: .phq9, baseline: 15, latest: 5)
        #expect(alone.basis == .depressionOnly)
        #expect(alone.recovery == (phq.recovery == true) && alone.reliableImprovement == (phq.reliableImprovement == true))
        #expect(alone.reliableRecovery == phq.reliableRecovery && alone.reliableRecovery)
        // A single GAD-7 score is no pair: the course falls back as well.
        let oneAnxietyScore = course(15, 5, anxiety: (12, nil))
        #expect(oneAnxietyScore.pairedChange?.basis == .depressionOnly)
        #expect(course(15, 5, anxiety: (12, 4)).pairedChange?.basis == .bothMeasures)
    }

    /// Seven courses with both depression scores, six with the GAD-7 as well, and one with a first
    /// score only (the cases above, in order).
    private var pairedCohort: [EndedCourse] {
        [course(14, 6, anxiety: (12, 5)), course(8, 4, anxiety: (10, 5)), course(16, 8, anxiety: (9, 12)), course(12, 18, anxiety: (10, 5)),
         course(11, 17, anxiety: (6, 6)), course(15, 5), course(7, 3, anxiety: (7, 2)), course(20, nil)]
    }

    @Test func the_clinics_paired_figures_count_each_course_as_worked_out_by_hand() {
        let figures = OutcomeFigures(label: "All", courses: pairedCohort)
        #expect(figures.courses == 8)
        #expect(figures.withEndScore == Share(7, of: 8))
        #expect(figures.bothMeasures == Share(6, of: 7))
        // Improved: 14->6, 8->4 (on the GAD-7), 16->8, 15->5, 7->3 (on the GAD-7); not 12->18 (mixed) nor 11->17.
        #expect(figures.reliableImprovement == Share(5, of: 7))
        #expect(figures.reliableDeterioration == Share(1, of: 7))
        // Cases at the start: all but 7->3 with 7->2 (six); reliably recovered: 14->6, 8->4 and 15->5.
        #expect(figures.reliableRecovery == Share(3, of: 6))
        // Response and remission stay on the depression measure: response among the PHQ-9 cases
        // 14, 16, 12, 11, 15 (halved: 14->6, 16->8, 15->5); remission ends below 5: 8->4, 7->3.
        #expect(figures.response == Share(3, of: 5))
        #expect(figures.remission == Share(2, of: 7))
    }

    @Test func the_same_courses_without_the_gad7_are_judged_on_the_phq9_alone() {
        let figures = OutcomeFigures(label: "All", courses: pairedCohort.map { var one = $0; one.anxietyBaseline = nil; one.anxietyEnd = nil; return one })
        #expect(figures.bothMeasures == Share(0, of: 7))
        // PHQ-9 cases 14, 16, 12, 11, 15; reliably recovered 14->6, 16->8, 15->5. The 8->4 course is no
        // case any more, and 16->8 recovers because its anxiety is no longer seen.
        #expect(figures.reliableRecovery == Share(3, of: 5))
        // Drops of 6 or more: 14->6, 16->8, 15->5; 12->18 now counts as a deterioration, as does 11->17.
        #expect(figures.reliableImprovement == Share(3, of: 7))
        #expect(figures.reliableDeterioration == Share(2, of: 7))
    }

    @Test func mean_drop_and_its_spread_come_from_the_courses_with_both_scores() throws {
        let figures = OutcomeFigures(label: "All", courses: cohort)
        // Drops 12, 14, 2, 5, -7: mean 26/5 = 5.2; squared deviations sum to 282.8, so the sample variance is 70.7.
        #expect(abs(try #require(figures.meanDrop) - 5.2) < 1e-9)
        #expect(abs(try #require(figures.dropSpread) - 70.7.squareRoot()) < 1e-9)
    }

    @Test func completeness_counts_sessions_with_a_measure_baselines_and_end_scores() {
        let figures = OutcomeFigures(label: "All", courses: [course(20, 8, attended: 10, measured: 5), course(18, nil, attended: 10, measured: 1),
                                                             course(nil, nil, attended: 0, measured: 0), course(12, 6, attended: 10, measured: 10),
                                                             course(14, 7, attended: 10, measured: 14)])
        // Measures beyond the sessions held do not count past the sessions: 5 + 1 + 0 + 10 + 10 of 40.
        #expect(figures.sessionsMeasured == Share(26, of: 40))
        #expect(figures.sessionsMeasured.text == "65%")
        #expect(figures.withBaseline.text == "80%")
        #expect(figures.withEndScore.text == "60%")
    }

    @Test func a_group_of_fewer_than_five_courses_is_too_few_to_report() {
        let four = OutcomeFigures(label: "Small", courses: Array(cohort.prefix(4)))
        #expect(!four.isReportable)
        #expect(four.response.percent == nil)
        #expect(four.response.text == "too few to report")
        #expect(four.withBaseline.text == "too few to report")
        #expect(four.meanDrop == nil)
        let five = OutcomeFigures(label: "Enough", courses: Array(cohort.prefix(5)))
        #expect(five.isReportable)
        #expect(five.withBaseline.text == "100%")
        // Five courses, but only four started in the clinical range: response is still too few.
        #expect(five.response.text == "too few to report")
        #expect(five.remission.text == "40%")
    }

    @Test func the_report_agrees_with_the_change_metrics_of_each_course() {
        for one in cohort {
            guard let baseline = one.baseline, let end = one.end else { continue }
            #expect(one.change == ChangeMetrics(instrument: .phq9, baseline: baseline, latest: end))
        }
        let metrics = ChangeMetrics(instrument: .phq9, baseline: 20, latest: 8)
        #expect(metrics.reliableRecovery)
        #expect(metrics.caseAtStart == true && metrics.caseAtEnd == false)
        #expect(!ChangeMetrics(instrument: .phq9, baseline: 12, latest: 8).reliableRecovery)
    }

    @Test func breakdowns_split_by_programme_focus_tier_clinician_and_sessions() throws {
        let courses = cohort + [course(20, 5, programme: .adolescent, focus: [.roleDispute, .grief], tier: .practicum, clinician: "B", attended: 17)]
        let report = OutcomesReport.programmes(courses, namingClinicians: true)
        let adult = try #require(report.first { $0.programme == .adult })
        let teen = try #require(report.first { $0.programme == .adolescent })
        #expect(adult.overall.courses == 6)
        #expect(teen.overall.courses == 1)
        #expect(teen.byFocus.map(\.label) == ["Grief and role dispute"])
        #expect(teen.byTier.map(\.courses) == [0, 1])
        #expect(teen.byClinician.map(\.label) == ["B"])
        #expect(teen.bySessions.last?.courses == 1)
        #expect(adult.bySessions.map(\.courses) == [1, 0, 5, 0, 0])
        #expect(OutcomesReport.programmes(courses, namingClinicians: false).allSatisfy { $0.byClinician.isEmpty })
    }

    @Test func dropout_follows_the_clinics_rule() {
        let recorded = DropoutRule.recordedByClinician
        #expect(recorded.classify(recordedReason: "ended-early", sessionsAttended: 9, agreedSessions: 16) == .endedEarly)
        #expect(recorded.classify(recordedReason: "referred", sessionsAttended: 2, agreedSessions: 16) == .endedOtherwise)
        #expect(recorded.classify(recordedReason: "ended-early", sessionsAttended: 16, agreedSessions: 16) == .completed)
        #expect(recorded.classify(recordedReason: "completed", sessionsAttended: 10, agreedSessions: 16) == .completed)
        let bySessions = DropoutRule.fewerSessionsThan(4)
        #expect(bySessions.classify(recordedReason: "referred", sessionsAttended: 2, agreedSessions: 16) == .endedEarly)
        #expect(bySessions.classify(recordedReason: "ended-early", sessionsAttended: 9, agreedSessions: 16) == .endedOtherwise)
        #expect(DropoutRule(storedKind: "sessions", sessions: 4) == bySessions)
        #expect(DropoutRule(storedKind: "sessions", sessions: nil) == .recordedByClinician)
    }

    @Test func medians_need_five_values_and_waits_need_both_steps_in_order() {
        #expect(OutcomesReport.median([1, 2, 3, 4]) == nil)
        #expect(OutcomesReport.median([5, 1, 3, 2, 4]) == 3)
        #expect(OutcomesReport.median([6, 1, 3, 2, 4, 5]) == 3.5)
        let day = 86_400.0
        let start = Date(timeIntervalSince1970: 0)
        let journeys = (1...5).map { n in
            CareJourney(enquiry: start, consultation: start.addingTimeInterval(Double(n) * day), assessment: nil,
                        firstSession: start.addingTimeInterval(Double(n * 10) * day))
        } + [CareJourney(enquiry: start.addingTimeInterval(9 * day), consultation: start)]
        let waits = CarePath.waits(journeys)
        #expect(waits[0].clients == 5)
        #expect(waits[0].medianDays == 3)
        #expect(waits[1].text == "too few to report")
        #expect(waits[3].medianDays == 30)
    }

    @Test func a_period_is_whole_months_and_bad_input_says_what_is_wrong() throws {
        let today = try #require(LocalDate(iso: "2026-03-14"))
        let fallback = try OutcomesPeriod.parse(from: nil, to: nil, today: today).get()
        #expect(fallback.months.count == 12)
        #expect(fallback.months.first == "2025-04")
        #expect(fallback.endExclusive == LocalDate(iso: "2026-04-01"))
        let december = try OutcomesPeriod.parse(from: "2025-11", to: "2025-12", today: today).get()
        #expect(december.endExclusive == LocalDate(iso: "2026-01-01"))
        #expect(OutcomesPeriod.parse(from: "2025-13", to: "2026-01", today: today) == .failure(.notAMonth))
        #expect(OutcomesPeriod.parse(from: "2026-02", to: "2026-01", today: today) == .failure(.startAfterEnd))
        #expect(OutcomesPeriod.parse(from: "2020-01", to: "2026-01", today: today) == .failure(.tooLong))
    }

    @Test func supervision_ratio_and_cosign_median_follow_the_goals() {
        let student = StudentSupervision(student: "S", caseload: 3, periodDirectMinutes: 540, periodSupervisionMinutes: 60,
                                         sinceStart: SupervisionTotals(directMinutes: 6_000, supervisionMinutes: 1_200), cosignWaitHours: [1, 2, 30, 4, 5], waitingNow: 1)
        #expect(student.periodRatio == 9)
        #expect(student.withinRatio == false)
        #expect(student.medianCosignHours == 4)
    }
}
