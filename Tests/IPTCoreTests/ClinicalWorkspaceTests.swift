import Foundation
import IPTCore
import Testing

@Suite struct CoursePhaseTests {
    let standard = CourseSettings()

    @Test func sixteen_session_course_has_three_initial_and_three_termination_sessions() throws {
        let phases = (1...16).map { CourseProgress.phase(ofSession: $0, agreedSessions: 16, settings: standard) }
        #expect(phases.prefix(3).allSatisfy { $0 == .initial })
        #expect(phases[3..<13].allSatisfy { $0 == .middle })
        #expect(phases.suffix(3).allSatisfy { $0 == .termination })
    }

    @Test func progress_counts_the_next_session_and_its_phase() throws {
        #expect(CourseProgress(sessionsHeld: 0, agreedSessions: 16, settings: standard).currentSession == 1)
        let third = CourseProgress(sessionsHeld: 2, agreedSessions: 16, settings: standard)
        #expect(third.currentSession == 3 && third.phase == .initial)
        let fourth = CourseProgress(sessionsHeld: 3, agreedSessions: 16, settings: standard)
        #expect(fourth.currentSession == 4 && fourth.phase == .middle)
        let fourteenth = CourseProgress(sessionsHeld: 13, agreedSessions: 16, settings: standard)
        #expect(fourteenth.currentSession == 14 && fourteenth.phase == .termination)
        let done = CourseProgress(sessionsHeld: 16, agreedSessions: 16, settings: standard)
        #expect(done.isComplete && done.currentSession == 16 && done.phase == .termination && done.sessionsLeft == 0)
    }

    @Test func boundaries_follow_the_clinic_settings() throws {
        // IPT-UK counts four initial sessions; a clinic may end with two.
        let uk = CourseSettings(initialSessions: 4, terminationSessions: 2)
        #expect(CourseProgress.phase(ofSession: 4, agreedSessions: 16, settings: uk) == .initial)
        #expect(CourseProgress.phase(ofSession: 14, agreedSessions: 16, settings: uk) == .middle)
        #expect(CourseProgress.phase(ofSession: 15, agreedSessions: 16, settings: uk) == .termination)
        // IPT-A's twelve sessions: 1-3, 4-9, 10-12.
        #expect(CourseProgress.phase(ofSession: 9, agreedSessions: 12, settings: standard) == .middle)
        #expect(CourseProgress.phase(ofSession: 10, agreedSessions: 12, settings: standard) == .termination)
    }

    @Test func an_override_is_kept_apart_from_the_computed_phase() throws {
        let progress = CourseProgress(sessionsHeld: 5, agreedSessions: 16, settings: standard, override: .termination)
        #expect(progress.phase == .termination && progress.computedPhase == .middle && progress.overridden)
        let same = CourseProgress(sessionsHeld: 5, agreedSessions: 16, settings: standard, override: .middle)
        #expect(!same.overridden)
    }

    @Test func a_phase_length_near_the_largest_integer_is_refused_without_trapping() throws {
        // The middle-phase check added the two phase lengths as typed: Int.max + 3 trapped and
        // stopped the whole server.
        let settings = CourseSettings(initialSessions: Int.max, terminationSessions: 3, minimumSessions: 8)
        #expect(settings.validate()["initialSessions"] != nil)
        #expect(CourseSettings(initialSessions: 3, terminationSessions: Int.max).validate()["terminationSessions"] != nil)
    }

    @Test func settings_that_leave_no_middle_phase_are_refused() throws {
        var settings = CourseSettings(initialSessions: 4, terminationSessions: 4, minimumSessions: 8)
        #expect(settings.validate()["minimumSessions"] != nil)
        settings.minimumSessions = 9
        #expect(settings.validate().isEmpty)
        settings.adultSessions = 30
        #expect(settings.validate()["adultSessions"] != nil)
    }

    /// Regression: a shortest course above 40, or a longest below the shortest, trapped on a
    /// range whose ends were reversed instead of being refused.
    @Test func reversed_limits_are_refused_not_a_crash() throws {
        let high = CourseSettings(minimumSessions: 45, maximumSessions: 20)
        #expect(high.validate()["maximumSessions"] != nil && high.validate()["minimumSessions"] != nil)
        let reversed = CourseSettings(minimumSessions: 12, maximumSessions: 10)
        #expect(reversed.validate()["maximumSessions"] != nil && reversed.validate()["adultSessions"] != nil)
    }

    @Test func every_phase_has_its_checklist() throws {
        #expect(Phase.initial.checklist.map(\.code).contains("initial-formulation"))
        #expect(Phase.termination.checklist.map(\.code).contains("termination-relapse"))
        let codes = Phase.allCases.flatMap(\.checklist).map(\.code)
        #expect(Set(codes).count == codes.count)
    }
}

@Suite struct TreatmentContractTests {
    let settings = CourseSettings()
    let fields = ["programme": "adult", "agreedSessions": "16", "sessionMinutes": "50", "startDate": "2026-12-01", "clientAgreed": "yes"]

    @Test func a_first_contract_needs_no_reason() throws {
        let contract = try TreatmentContract.validate(fields: fields, settings: settings, isRenegotiation: false, sessionsHeld: 0).get()
        #expect(contract.agreedSessions == 16 && contract.clientAgreed && contract.programme == .adult)
    }

    @Test func a_renegotiation_needs_a_reason_and_cannot_undercut_sessions_held() throws {
        guard case .failure(let rejection) = TreatmentContract.validate(fields: fields, settings: settings, isRenegotiation: true, sessionsHeld: 0) else {
            Issue.record("accepted without a reason"); return
        }
        #expect(rejection.errors["reason"] != nil)
        var shorter = fields
        shorter["agreedSessions"] = "10"
        shorter["reason"] = "Client moving away"
        guard case .failure(let short) = TreatmentContract.validate(fields: shorter, settings: settings, isRenegotiation: true, sessionsHeld: 12) else {
            Issue.record("accepted a course shorter than the sessions held"); return
        }
        #expect(short.errors["agreedSessions"]?.contains("12 sessions") == true)
    }

    @Test func sessions_outside_the_clinic_range_are_refused() throws {
        for value in ["7", "21", "sixteen", ""] {
            var bad = fields
            bad["agreedSessions"] = value
            guard case .failure(let rejection) = TreatmentContract.validate(fields: bad, settings: settings, isRenegotiation: false, sessionsHeld: 0) else {
                Issue.record("accepted \(value)"); continue
            }
            #expect(rejection.errors["agreedSessions"] != nil)
        }
    }
}

@Suite struct DisputeStageTests {
    @Test func history_lists_only_changes_of_stage() throws {
        let d = { (day: Int) in LocalDate(year: 2026, month: 10, day: day)! }
        let versions = [StageRecord(date: d(1), session: 4, stage: .impasse), StageRecord(date: d(8), session: 5, stage: .impasse),
                        StageRecord(date: d(15), session: 6, stage: .renegotiation), StageRecord(date: d(22), session: 7, stage: .renegotiation),
                        StageRecord(date: d(29), session: 8, stage: .dissolution)]
        let changes = DisputeHistory.changes(versions)
        #expect(changes.map(\.stage) == [.impasse, .renegotiation, .dissolution])
        #expect(changes.map(\.session) == [4, 6, 8])
        #expect(DisputeHistory.changes([]).isEmpty)
    }

    @Test func the_dispute_worksheet_needs_the_other_person_and_a_known_stage() throws {
        let template = WorksheetTemplate.template(for: .roleDispute)
        guard case .failure(let missing) = template.read(fields: ["stage": "stalemate"], lists: [:]) else { Issue.record("accepted"); return }
        #expect(missing.errors["otherPerson"] != nil && missing.errors["stage"] == "Choose one of the listed answers.")
        let content = try? template.read(fields: ["otherPerson": "Partner", "stage": "impasse", "issues": "  chores  "], lists: [:]).get()
        #expect(content?.text["stage"] == "impasse" && content?.text["issues"] == "chores")
    }

    @Test func checklists_keep_only_known_items_in_their_order() throws {
        let template = WorksheetTemplate.template(for: .interpersonalSensitivity)
        let content = try template.read(fields: ["goals": "Ask a colleague to lunch"], lists: ["examples": ["withdrawal", "bogus", "starting"]]).get()
        #expect(content.checked["examples"] == ["starting", "withdrawal"])
        #expect(template.display(template.fields[0], in: content) == "Starting relationships; Little support, or withdrawing from people")
    }
}

@Suite struct NoteWorkflowTests {
    let student = NoteWorkflow.Actor(id: UUID(), role: .student)
    let supervisor = NoteWorkflow.Actor(id: UUID(), role: .supervisor)
    let otherSupervisor = NoteWorkflow.Actor(id: UUID(), role: .supervisor)
    let otherStudent = NoteWorkflow.Actor(id: UUID(), role: .student)

    @Test func a_students_signed_note_waits_for_the_supervisor() throws {
        #expect(try NoteWorkflow.sign(status: .draft, author: student.id, by: student, needsCosignature: true).get() == .awaitingCosignature)
        #expect(try NoteWorkflow.sign(status: .draft, author: supervisor.id, by: supervisor, needsCosignature: false).get() == .final)
    }

    @Test func only_the_authors_supervisor_reviews_and_never_the_author_or_a_student() throws {
        let review = { (actor: NoteWorkflow.Actor) in
            NoteWorkflow.review(status: .awaitingCosignature, author: student.id, authorsSupervisor: supervisor.id, by: actor)
        }
        #expect((try? review(supervisor).get()) != nil)
        #expect(review(student).failure == .ownNote)
        #expect(review(otherStudent).failure == .studentCannotCosign)
        #expect(review(otherSupervisor).failure == .notTheSupervisor)
        #expect(NoteWorkflow.review(status: .final, author: student.id, authorsSupervisor: supervisor.id, by: supervisor).failure == .notAwaiting)
        // A supervisor's own note cannot be co-signed by themselves either.
        #expect(NoteWorkflow.review(status: .awaitingCosignature, author: supervisor.id, authorsSupervisor: supervisor.id, by: supervisor).failure == .ownNote)
    }

    @Test func returning_needs_a_comment_and_reopens_the_note() throws {
        #expect(NoteWorkflow.returnNote(status: .awaitingCosignature, author: student.id, authorsSupervisor: supervisor.id, by: supervisor, comment: "  ").failure == .commentRequired)
        #expect(try NoteWorkflow.returnNote(status: .awaitingCosignature, author: student.id, authorsSupervisor: supervisor.id, by: supervisor,
                                            comment: "Add the risk check detail").get() == .returned)
        #expect((try? NoteWorkflow.edit(status: .returned, author: student.id, by: student).get()) != nil)
    }

    @Test func a_signed_note_is_locked_and_takes_amendments() throws {
        #expect(NoteWorkflow.edit(status: .final, author: student.id, by: student).failure == .locked)
        #expect(NoteWorkflow.edit(status: .awaitingCosignature, author: student.id, by: student).failure == .locked)
        #expect(NoteWorkflow.edit(status: .draft, author: student.id, by: otherStudent).failure == .notAuthor)
        #expect((try? NoteWorkflow.amend(status: .final, author: student.id, authorsSupervisor: supervisor.id, by: supervisor).get()) != nil)
        #expect(NoteWorkflow.amend(status: .draft, author: student.id, authorsSupervisor: supervisor.id, by: student).failure == .notSigned)
        #expect(NoteWorkflow.amend(status: .final, author: student.id, authorsSupervisor: supervisor.id, by: otherStudent).failure == .notAuthor)
    }

    @Test func signing_needs_mood_risk_check_and_plan_but_a_draft_does_not() throws {
        #expect((try? SessionNoteContent.read(fields: [:], techniques: [], forSigning: false).get()) != nil)
        guard case .failure(let rejection) = SessionNoteContent.read(fields: ["riskCheck": "present-no-plan"], techniques: [], forSigning: true) else {
            Issue.record("signed an empty note"); return
        }
        #expect(rejection.errors.entries.map(\.field) == ["mood", "riskDetail", "plan"])
        let note = try? SessionNoteContent.read(fields: ["mood": "Lower", "riskCheck": "none-reported", "plan": "Role play next week"],
                                                techniques: ["role-play", "made-up"], forSigning: true).get()
        #expect(note?.techniques == [.rolePlay])
    }
}

@Suite struct InventoryAndSupervisionTests {
    @Test func an_entry_needs_a_name_a_relationship_and_a_closeness_level() throws {
        guard case .failure(let rejection) = InventoryEntry.validate(fields: ["closeness": "4"]) else { Issue.record("accepted"); return }
        #expect(rejection.errors.entries.map(\.field) == ["name", "relationship", "closeness"])
        let entry = try? InventoryEntry.validate(fields: ["name": "Sam", "relationship": "Brother", "closeness": "2", "conflicts": "About money"]).get()
        #expect(entry?.closeness == 2 && entry?.answer("conflicts") == "About money")
    }

    @Test func people_are_placed_on_their_ring_and_a_drop_point_maps_back_to_the_ring() throws {
        let levels = [1, 3, 2, 1, 3, 3]
        let placements = ClosenessCircleLayout.place(levels: levels, centre: 200, outer: 180)
        #expect(placements.map(\.index) == Array(0..<6))
        for placement in placements {
            #expect(ClosenessCircleLayout.level(atX: placement.x, y: placement.y, centre: 200, outer: 180) == levels[placement.index])
        }
        // Two people on the same ring are not on the same spot.
        #expect(placements[1] != placements[4])
        #expect(ClosenessCircleLayout.level(atX: 5, y: 5, centre: 200, outer: 180) == nil)
    }

    @Test func supervision_ratio_against_one_to_four_and_a_half() throws {
        let ok = SupervisionTotals(directMinutes: 9 * 60, supervisionMinutes: 2 * 60)
        #expect(ok.meetsRatio && ok.directPerSupervisionHour == 4.5 && ok.supervisionMinutesOwed == 0)
        let behind = SupervisionTotals(directMinutes: 18 * 60, supervisionMinutes: 2 * 60)
        #expect(!behind.meetsRatio && behind.supervisionMinutesOwed == 120)
        let none = SupervisionTotals(directMinutes: 50, supervisionMinutes: 0)
        #expect(none.directPerSupervisionHour == nil && !none.meetsRatio)
        let done = SupervisionTotals(directMinutes: 500 * 60, supervisionMinutes: 120 * 60)
        #expect(done.directProgress == 1 && done.supervisionProgress == 1)
        #expect(SupervisionTotals(directMinutes: 225 * 60, supervisionMinutes: 50 * 60).directProgress == 0.5)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

@Suite struct RetentionTests {
    let rule = RetentionRule()
    func d(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    @Test func an_adult_record_is_kept_ten_years_after_the_last_contact() throws {
        #expect(rule.keepUntil(lastContact: d("2026-03-15"), born: d("1980-01-01")) == d("2036-03-15"))
        #expect(RetentionRule(yearsAfterLastContact: 7).keepUntil(lastContact: d("2026-03-15"), born: nil) == d("2033-03-15"))
    }

    @Test func a_minors_record_is_kept_ten_years_after_the_eighteenth_birthday_when_that_is_later() throws {
        // Seen at 14: 18th birthday in 2030, so kept to 2040, not 2036.
        #expect(rule.keepUntil(lastContact: d("2026-03-15"), born: d("2012-06-01")) == d("2040-06-01"))
        // Seen at 17: ten years after the 18th birthday (June) is a little later than ten after the contact (March).
        #expect(rule.keepUntil(lastContact: d("2026-03-15"), born: d("2008-06-01")) == d("2036-06-01"))
        // The clinic may turn the minors' rule off.
        #expect(RetentionRule(minorsFromEighteenthBirthday: false).keepUntil(lastContact: d("2026-03-15"), born: d("2012-06-01")) == d("2036-03-15"))
        // An adult at the contact: the birthday does not matter.
        #expect(rule.keepUntil(lastContact: d("2026-03-15"), born: d("2008-03-15")) == d("2036-03-15"))
    }

    @Test func leap_days_and_the_thirty_day_deadline() throws {
        #expect(rule.keepUntil(lastContact: d("2028-02-29"), born: nil) == d("2038-02-28"))
        #expect(RecordRequestDeadline.due(requestedOn: d("2026-11-27")) == d("2026-12-27"))
    }
}
