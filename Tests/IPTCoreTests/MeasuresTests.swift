import Foundation
import IPTCore
import Testing

/// Answers that add up to `total` on the instrument's scored items (filled from the first item on).
func answers(_ instrument: Instrument, total: Int, extra: [String: Int] = [:]) -> [String: Int] {
    var remaining = total
    var result: [String: Int] = [:]
    for item in instrument.items where item.scored {
        let value = min(remaining, item.options.map(\.value).max() ?? 0)
        result[item.id] = value
        remaining -= value
    }
    for item in instrument.items where !item.scored && !item.optional { result[item.id] = 0 }
    return result.merging(extra) { _, new in new }
}

@Suite struct InstrumentScoringTests {
    @Test(arguments: [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"), (14, "Moderate"),
                      (15, "Moderately severe"), (19, "Moderately severe"), (20, "Severe"), (27, "Severe")])
    func phq9_bands_at_every_boundary(total: Int, band: String) throws {
        let score = try Instrument.phq9.score(answers(.phq9, total: total)).get()
        #expect(score.total == total)
        #expect(score.band.label == band)
    }

    @Test(arguments: [(0, "Minimal"), (4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"), (14, "Moderate"), (15, "Severe"), (21, "Severe")])
    func gad7_bands_at_every_boundary(total: Int, band: String) throws {
        let score = try Instrument.gad7.score(answers(.gad7, total: total)).get()
        #expect(score.total == total)
        #expect(score.band.label == band)
    }

    /// The scoring rule as published: the nine items' values added (0 to 3 each), the difficulty
    /// question left out of the total; item 9 above 0 flags risk.
    @Test func a_published_style_phq9_example_scores_as_the_manual_says() throws {
        let example = ["1": 1, "2": 2, "3": 3, "4": 2, "5": 1, "6": 1, "7": 2, "8": 0, "9": 1, "difficulty": 2]
        let score = try Instrument.phq9.score(example).get()
        #expect(score.total == 13)
        #expect(score.band.label == "Moderate")
        #expect(score.riskItems == ["9"])
        let noDifficulty = try Instrument.phq9.score(example.filter { $0.key != "difficulty" }).get()
        #expect(noDifficulty.total == 13, "the difficulty question is never scored")
        #expect(noDifficulty.unansweredOptional == ["difficulty"])
    }

    @Test func a_missing_item_is_reported_not_scored_as_zero() {
        var partial = answers(.phq9, total: 12)
        partial["5"] = nil
        partial["7"] = nil
        #expect(Instrument.phq9.score(partial) == .failure(.missing(["5", "7"])))
    }

    @Test func answers_outside_the_options_or_to_unknown_items_are_refused() {
        #expect(Instrument.phq9.score(answers(.phq9, total: 3, extra: ["2": 4])) == .failure(.notAnOption(item: "2", value: 4)))
        #expect(Instrument.gad7.score(answers(.gad7, total: 3, extra: ["12": 1])) == .failure(.unknownItem("12")))
    }

    @Test func phq_a_counts_nine_items_and_flags_its_suicide_questions() throws {
        #expect(Instrument.phqA.maximumScore == 27)
        let quiet = try Instrument.phqA.score(answers(.phqA, total: 11, extra: ["past-year": 1])).get()
        #expect(quiet.total == 11, "the yes/no items are not in the total")
        #expect(quiet.band.label == "Moderate")
        #expect(quiet.riskItems.isEmpty)
        let risk = try Instrument.phqA.score(answers(.phqA, total: 3, extra: ["suicidal-thoughts-month": 1])).get()
        #expect(risk.riskItems == ["suicidal-thoughts-month"])
        // The unscored questions are not compulsory: leaving them out still gives a total.
        let scoredOnly = answers(.phqA, total: 3).filter { !["suicide-attempt-ever", "suicidal-thoughts-month"].contains($0.key) }
        #expect((try? Instrument.phqA.score(scoredOnly).get())?.total == 3)
    }

    @Test func risk_is_read_from_any_subset_of_answers_and_sorted_into_current_and_history() {
        #expect(Instrument.phq9.riskSignals(in: ["9": 1]) == RiskSignals(current: ["9"], history: []), "one answer is enough")
        #expect(Instrument.phq9.riskSignals(in: ["9": 0, "1": 3]).isEmpty)
        #expect(Instrument.phq9.riskSignals(in: ["9": 7]).isEmpty, "a value that is not an option is not read")
        let teen = Instrument.phqA.riskSignals(in: ["suicide-attempt-ever": 1, "suicidal-thoughts-month": 1])
        #expect(teen.current == ["suicidal-thoughts-month"] && teen.history == ["suicide-attempt-ever"])
        #expect(Instrument.phq9.missingItems(in: ["1": 0, "9": 1]) == ["2", "3", "4", "5", "6", "7", "8"])
    }

    @Test func response_needs_a_baseline_in_the_clinical_range() {
        #expect(ChangeMetrics(instrument: .phq9, baseline: 8, latest: 2).response == nil, "8 is below the PHQ-9's clinical range")
        #expect(ChangeMetrics(instrument: .phq9, baseline: 12, latest: 6).response == true)
    }

    @Test func the_built_in_definitions_are_complete_and_carry_their_codes() {
        for instrument in Instrument.builtIn {
            #expect(instrument.definitionProblems.isEmpty, "\(instrument.code)")
        }
        #expect(Instrument.phq9.maximumScore == 27 && Instrument.gad7.maximumScore == 21)
        #expect(Instrument.phq9.loinc == "44249-1")
        #expect(Instrument.gad7.items.first?.options.first?.label == "Not at all", "not the misprint 'not at all sure'")
    }

    @Test func a_clinic_loads_its_own_instrument_and_a_broken_definition_is_refused() throws {
        let definition = """
        {"code":"wsas","name":"Work and social adjustment","version":"1","instructions":"Rate each from 0 to 2.",
         "items":[{"id":"a","text":"Work","options":[{"value":0,"label":"Not at all"},{"value":1,"label":"Some"},{"value":2,"label":"Very"}],"scored":true,"optional":false},
                  {"id":"b","text":"Home","options":[{"value":0,"label":"Not at all"},{"value":1,"label":"Some"},{"value":2,"label":"Very"}],"scored":true,"optional":false}],
         "bands":[{"lower":0,"upper":1,"label":"Low"},{"lower":2,"upper":4,"label":"High"}],
         "licence":"Used under the clinic's licence."}
        """
        let instrument = try Instrument.load(json: Data(definition.utf8))
        #expect(try instrument.score(["a": 2, "b": 1]).get().band.label == "High")
        let gap = definition.replacingOccurrences(of: #"{"lower":2,"upper":4,"label":"High"}"#, with: #"{"lower":3,"upper":4,"label":"High"}"#)
        #expect(throws: (any Error).self) { try Instrument.load(json: Data(gap.utf8)) }
        #expect(throws: (any Error).self) { try Instrument.load(json: Data("{}".utf8)) }
    }
}

@Suite struct ChangeMetricsTests {
    @Test func phq9_from_20_to_9_is_a_response_a_reliable_improvement_and_a_recovery_but_not_remission() throws {
        let change = ChangeMetrics(instrument: .phq9, baseline: 20, latest: 9, standardDeviation: 5, reliability: 0.84)
        #expect(change.response == true)
        #expect(change.remission == false)
        #expect(change.reliableImprovement == true)
        #expect(change.recovery == true)
        let rci = try #require(change.rci)
        // (9 - 20) / (sqrt 2 * 5 * sqrt 0.16) = -11 / 2.8284 = -3.889
        #expect(abs(rci.value - (-3.889)) < 0.001)
        #expect(rci.isReliable)
        #expect(rci.standardDeviation == 5 && rci.reliability == 0.84, "the parameters used are kept")
    }

    @Test func thresholds_are_exact() throws {
        #expect(ChangeMetrics(instrument: .phq9, baseline: 10, latest: 5).response == true, "a drop of exactly half is a response")
        #expect(ChangeMetrics(instrument: .phq9, baseline: 11, latest: 6).response == false)
        #expect(ChangeMetrics(instrument: .phq9, baseline: 12, latest: 4).remission == true)
        #expect(ChangeMetrics(instrument: .phq9, baseline: 12, latest: 5).remission == false)
        #expect(ChangeMetrics(instrument: .phq9, baseline: 12, latest: 6).reliableImprovement == true)
        #expect(ChangeMetrics(instrument: .phq9, baseline: 12, latest: 7).reliableImprovement == false)
        #expect(ChangeMetrics(instrument: .gad7, baseline: 12, latest: 8).reliableImprovement == true)
        #expect(ChangeMetrics(instrument: .gad7, baseline: 12, latest: 9).reliableImprovement == false)
        #expect(ChangeMetrics(instrument: .gad7, baseline: 8, latest: 7).recovery == true, "GAD-7 caseness is above 7")
        #expect(ChangeMetrics(instrument: .gad7, baseline: 7, latest: 2).recovery == false, "7 was never a case")
        #expect(ChangeMetrics(instrument: .phq9, baseline: 8, latest: 14).reliableDeterioration == true)
        #expect(ChangeMetrics.reliableChangeIndex(from: 10, to: 8, standardDeviation: 5, reliability: 0.84)?.isReliable == false)
        #expect(ChangeMetrics.reliableChangeIndex(from: 10, to: 8, standardDeviation: 0, reliability: 0.84) == nil)
        // The SD comes from first scores, one per client, and only once there are ten of them.
        #expect(ChangeMetrics.baselineStandardDeviation([10, 12, 14, 16, 18, 20, 22, 24, 26]) == nil)
        let sd = try #require(ChangeMetrics.baselineStandardDeviation([2, 4, 4, 4, 5, 5, 7, 9, 4, 6]))
        #expect(abs(sd - 1.9436) < 0.001, "sample SD (n - 1) of the ten first scores")
        #expect(ChangeMetrics.baselineStandardDeviation(Array(repeating: 12, count: 12)) == nil, "no spread, no index")
        #expect(Instrument.phq9.change?.reliability == 0.89 && Instrument.gad7.change?.reliability == 0.92)
    }
}

@Suite struct FocusSuggestionTests {
    let onset = LocalDate(iso: "2026-09-15")!

    @Test func a_death_two_months_before_onset_suggests_grief_with_the_reason() throws {
        let suggestions = FocusSuggester.suggest(
            events: [ReportedLifeEvent(kind: .deathInFamily, month: LocalDate(iso: "2026-07-15")!, impact: 3)], onset: onset, longStanding: false)
        let first = try #require(suggestions.first)
        #expect(first.area == .grief)
        #expect(first.reasons == ["A death in the family or of someone close about 2 months before low mood began -> grief"])
    }

    @Test func the_event_closest_to_onset_and_hardest_felt_comes_first() {
        let suggestions = FocusSuggester.suggest(events: [
            ReportedLifeEvent(kind: .movingHome, month: LocalDate(iso: "2026-01-15")!, impact: 1),
            ReportedLifeEvent(kind: .ongoingConflict, month: LocalDate(iso: "2026-08-15")!, impact: 3),
        ], onset: onset, longStanding: false)
        #expect(suggestions.map(\.area) == [.roleDispute, .roleTransition])
        #expect(suggestions[1].reasons.first?.contains("about 8 months before low mood began") == true)
    }

    @Test func events_far_from_onset_are_left_out_and_no_event_with_a_long_history_suggests_sensitivity() {
        let suggestions = FocusSuggester.suggest(events: [ReportedLifeEvent(kind: .jobLoss, month: LocalDate(iso: "2023-03-15")!, impact: 3)],
                                                 onset: onset, longStanding: true)
        #expect(suggestions.map(\.area) == [.interpersonalSensitivity])
        #expect(suggestions.first?.reasons.first?.hasPrefix("No life event close to the onset") == true)
        #expect(FocusSuggester.suggest(events: [], onset: onset, longStanding: false).isEmpty, "no basis, no suggestion")
    }

    @Test func without_an_onset_the_reason_says_so_instead_of_claiming_the_timing() throws {
        let suggestions = FocusSuggester.suggest(events: [ReportedLifeEvent(kind: .jobLoss, month: LocalDate(iso: "2026-03-15")!, impact: 2)],
                                                 onset: nil, longStanding: false)
        let reason = try #require(suggestions.first?.reasons.first)
        #expect(!reason.contains("around the time low mood began"))
        #expect(reason.contains("no onset was given"))
    }

    @Test func infertility_is_suggested_as_grief() {
        let suggestions = FocusSuggester.suggest(events: [ReportedLifeEvent(kind: .infertility, month: LocalDate(iso: "2026-08-15")!, impact: 3)],
                                                 onset: onset, longStanding: false)
        #expect(suggestions.first?.area == .grief)
    }
}

@Suite struct SelfAssessmentValidationTests {
    let today = LocalDate(iso: "2026-11-27")!

    @Test func a_complete_form_gives_events_and_a_suggestion() throws {
        let fields = ["distress-family": "4", "distress-work": "1", "course": "comes-and-goes", "onset": "2026-09",
                      "event-death-in-family": "yes", "event-death-in-family-month": "2026-07", "event-death-in-family-impact": "3",
                      "moodSituations": "Sunday calls with my sister."]
        let assessment = try SelfAssessment.validate(fields: fields, today: today).get()
        #expect(assessment.distress[.family] == 4)
        #expect(assessment.onset == LocalDate(iso: "2026-09-01"))
        #expect(assessment.events.map(\.kind) == [.deathInFamily])
        #expect(assessment.suggestions.first?.area == .grief)
        #expect(assessment.suggestions.first?.reasons.first?.contains("about 2 months before low mood began") == true)
    }

    @Test func a_ticked_event_needs_when_and_how_much_and_nothing_can_be_in_the_future() {
        let fields = ["event-job-loss": "yes", "event-job-loss-month": "2027-03", "onset": "2030-01", "distress-home": "9"]
        guard case .failure(let rejection) = SelfAssessment.validate(fields: fields, today: today) else {
            Issue.record("accepted a future month")
            return
        }
        #expect(Set(rejection.errors.entries.map(\.field)) == ["event-job-loss-month", "event-job-loss-impact", "onset", "distress-home"])
    }
}
