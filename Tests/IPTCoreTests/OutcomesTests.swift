import Foundation
import IPTCore
import Testing

/// The clinic's outcome figures on hand-made cohorts whose answers are worked out by hand.
struct OutcomesTests {
    private func course(_ baseline: Int?, _ end: Int?, programme: Programme = .adult, focus: [FocusArea] = [.grief], tier: ClinicianTier = .registered,
                        clinician: String = "A", attended: Int = 12, measured: Int = 12, agreed: Int = 16, ending: CourseEnding = .completed) -> EndedCourse {
        EndedCourse(programme: programme, focusAreas: focus, tier: tier, clinician: clinician, sessionsAttended: attended, sessionsWithMeasure: measured,
                    agreedSessions: agreed, instrument: programme == .adolescent ? .phqA : .phq9, baseline: baseline, end: end, ending: ending)
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
