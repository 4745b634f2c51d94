import Fluent
import Foundation
import IPTCore
import IPTPages
@testable import IPTWeb
import SQLKit
import Testing
import VaporTesting

/// The outcomes page: who may open it, what each reader sees, its audit row, its CSV, and that its
/// figures are the ones each client's chart shows.
@Suite struct OutcomesPageTests {
    /// One ended adult course: a contract, a focus, attended sessions, PHQ-9 scores and a signed
    /// discharge summary with its reason, all a few days before the clinic's clock.
    @discardableResult
    private func endedCourse(_ clinic: TestClinic, name: String, clinician: StaffUser, scores: [Int], anxiety: [Int] = [], sessions: Int = 12,
                             reason: String = "completed", focus: FocusArea = .grief, slot: Int = 0) async throws -> ClientRecord {
        let keyRing = clinic.app.services.keyRing
        let client = try await clinic.addClient(name: name, email: "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.org")
        let clientID = try client.requireID(), clinicianID = try clinician.requireID()
        let end = clinic.clock.now.addingTimeInterval(-5 * 86_400)
        // Each course of one clinician in its own hour, as the calendar refuses overlapping appointments.
        let start = end.addingTimeInterval(-Double(sessions * 7) * 86_400 + Double(slot) * 3_600)
        let contract = ContractRow()
        contract.$client.id = clientID
        contract.$clinician.id = clinicianID
        contract.version = 1
        contract.programme = "adult"
        contract.agreedSessions = 16
        contract.sessionMinutes = 50
        contract.startDate = ClinicTimeZone(identifier: "America/Toronto")!.localDate(of: start).description
        contract.clientAgreed = true
        contract.$createdBy.id = clinicianID
        contract.createdAt = start
        try await contract.create(on: clinic.db)
        let formulation = FormulationRow()
        formulation.id = UUID()
        formulation.$client.id = clientID
        formulation.version = 1
        formulation.framework = FocusFramework.fourAreas.rawValue
        formulation.primaryFocus = focus.rawValue
        formulation.textSealed = try keyRing.seal("Invented.", FormulationRow.textContext(formulation.id!, client: clientID))
        formulation.clientAgreed = true
        formulation.$createdBy.id = clinicianID
        formulation.createdAt = start
        try await formulation.create(on: clinic.db)
        for session in 0..<sessions {
            let appointment = BookingService.newAppointment(staffID: clinicianID, clientID: clientID, kind: AppointmentKind(code: "ipt-session", name: "IPT", durationMinutes: 50),
                                                            start: start.addingTimeInterval(Double(session * 7) * 86_400), locationID: nil, source: "staff", now: start)
            appointment.status = .attended
            try await appointment.create(on: clinic.db)
        }
        for (code, totals) in [("phq-9", scores), ("gad-7", anxiety)] {
        for (index, total) in totals.enumerated() {
            let response = MeasureResponse()
            response.id = UUID()
            response.sharedWithGuardian = false
            response.$client.id = clientID
            response.$clinician.id = clinicianID
            response.instrumentCode = code
            response.tokenHash = UUID().uuidString
            response.status = .completed
            try response.setScore(.init(total: total, band: ""), keyRing)
            response.createdAt = start
            response.expiresAt = end
            response.completedAt = start.addingTimeInterval(Double(index * 7) * 86_400 + 60)
            try await response.create(on: clinic.db)
        }
        }
        var content = DischargeContent()
        content.endingReason = reason
        let summary = DischargeSummaryRow()
        summary.id = UUID()
        summary.$client.id = clientID
        summary.$author.id = clinicianID
        summary.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), DischargeSummaryRow.contentContext(summary.id!, client: clientID))
        summary.status = .final
        summary.signedAt = end
        summary.createdAt = end
        summary.updatedAt = end
        try await summary.create(on: clinic.db)
        return client
    }

    private func report(_ clinic: TestClinic, scope: OutcomesQueries.Scope = .clinic, rule: DropoutRule = .recordedByClinician) async throws -> [EndedCourse] {
        let zone = ClinicTimeZone(identifier: "America/Toronto")!
        let period = OutcomesPeriod.lastTwelveMonths(today: zone.localDate(of: clinic.clock.now))
        return try await OutcomesQueries.endedCourses(on: clinic.db, from: zone.startOfDay(period.first), until: zone.startOfDay(period.endExclusive), zone: zone,
                                                      scope: scope, rule: rule, keyRing: clinic.app.services.keyRing, instruments: clinic.app.services.instruments)
            .map(\.course)
    }

    @Test func the_report_counts_a_course_exactly_as_the_clients_chart_does() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let client = try await endedCourse(clinic, name: "Ada Quill", clinician: therapist, scores: [21, 17, 12, 8])
            let course = try #require(try await report(clinic).first)
            // The chart: every completed score of the client, first against latest.
            let totals = try await MeasuresQueries.completedResponses(of: client.requireID(), on: clinic.db).compactMap { try $0.total(clinic.app.services.keyRing) }
            let chart = ChangeMetrics(instrument: .phq9, baseline: totals.first!, latest: totals.last!)
            #expect(course.change == chart)
            #expect(course.baseline == 21 && course.end == 8)
            #expect(course.sessionsAttended == 12 && course.sessionsWithMeasure == 4)
            #expect(course.ending == .completed && course.focusAreas == [.grief] && course.tier == .registered)
        }
    }

    @Test func the_paired_measures_on_the_report_are_the_ones_the_clients_chart_shows() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            // PHQ-9 from 16 to 8 recovers on its own; the GAD-7 from 9 to 12 is still a case at the end.
            let client = try await endedCourse(clinic, name: "Bo Lark", clinician: therapist, scores: [16, 12, 8], anxiety: [9, 10, 12])
            let course = try #require(try await report(clinic).first)
            #expect(course.anxietyBaseline == 9 && course.anxietyEnd == 12)
            let keyRing = clinic.app.services.keyRing
            let responses = try await MeasuresQueries.completedResponses(of: client.requireID(), on: clinic.db)
            let sections = try [Instrument.phq9, .gad7].map { instrument in
                ProgressPage.Section(instrument: instrument, points: try responses.filter { $0.instrumentCode == instrument.code }.compactMap { row in
                    try row.total(keyRing).map { ProgressPage.Point(date: row.completedAt!, score: $0, phase: "") }
                }, change: [])
            }
            let chart = try #require(ProgressController.pairedChange(sections))
            #expect(course.pairedChange == chart)
            #expect(chart.basis == .bothMeasures && chart.reliableImprovement && !chart.recovery && !chart.reliableRecovery)
            #expect(course.change?.reliableRecovery == true, "the PHQ-9 alone would call it a reliable recovery")
        }
    }

    @Test func the_director_sees_every_section_and_the_opening_is_audited() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist, name: "Rowan Field")
            for index in 0..<5 { try await endedCourse(clinic, name: "Client \(index)", clinician: therapist, scores: [20, 9], slot: index) }
            let (browser, director) = try await clinic.signedIn(as: .admin)
            let response = try await browser.get(SitePath.outcomes.link)
            #expect(response.status == .ok)
            let html = response.body.string
            for heading in ["Adult IPT", "IPT-A (adolescents)", "Path into care", "Supervision", "How this is counted", "By clinician", "Rowan Field"] {
                #expect(html.contains(heading), "missing \(heading)")
            }
            // Five courses from 20 to 9: every one responded and reliably improved.
            #expect(html.contains("<td>5 of 5</td>") && html.contains("of courses starting in the clinical range"))
            #expect(!html.contains("of of"), "the count and what it is counted among read as one phrase")
            #expect(!html.contains("Client 0"), "no client is named on the page")
            let audit = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "outcomes").filter(\.$actorID == director.id!.uuidString).all()
            #expect(audit.count == 1 && audit.first?.action == "view")
        }
    }

    @Test func fewer_than_five_courses_show_no_percentage() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            for index in 0..<4 { try await endedCourse(clinic, name: "Client \(index)", clinician: therapist, scores: [20, 9], slot: index) }
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let html = try await browser.get(SitePath.outcomes.link).body.string
            #expect(html.contains("too few to report"))
            #expect(!html.contains("100%"))
            let csv = try await browser.get(SitePath.outcomesCSV.link).body.string
            #expect(csv.contains("too few to report"))
            #expect(!csv.contains("100"))
        }
    }

    @Test func a_supervisor_sees_only_their_students_courses_and_no_clinician_names() async throws {
        try await withClinic { clinic in
            let (browser, supervisor) = try await clinic.signedIn(as: .supervisor)
            let student = try await clinic.makeStaff(.student, name: "Sam Student")
            student.$supervisor.id = supervisor.id
            try await student.update(on: clinic.db)
            let therapist = try await clinic.makeStaff(.therapist, name: "Terry Therapist")
            try await endedCourse(clinic, name: "Student Client", clinician: student, scores: [18, 6])
            try await endedCourse(clinic, name: "Other Client", clinician: therapist, scores: [18, 6])
            #expect(try await report(clinic, scope: .studentsOf(supervisor.id!)).count == 1)
            #expect(try await report(clinic).count == 2)
            let html = try await browser.get(SitePath.outcomes.link).body.string
            #expect(html.contains("1 course ended"))
            #expect(!html.contains("Terry Therapist") && !html.contains("By clinician</th>"))
            #expect(!html.contains("id=\"out-path\""), "the path into care is the whole clinic's, for the director")
            #expect(html.contains("Sam Student"), "the supervision table lists their student")
        }
    }

    @Test func clinicians_students_and_the_front_desk_are_refused() async throws {
        try await withClinic { clinic in
            for role in [StaffRole.therapist, .student, .receptionist] {
                let (browser, _) = try await clinic.signedIn(as: role)
                #expect(try await browser.get(SitePath.outcomes.link).status == .forbidden, "\(role)")
                #expect(try await browser.get(SitePath.outcomesCSV.link).status == .forbidden, "\(role)")
            }
        }
    }

    @Test func a_wrong_period_is_a_clear_400_not_a_500() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let bad = try await browser.get(SitePath.outcomes.link(query: ["from": "2026-13", "to": "x"]))
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("Give the period as two months"))
            #expect(try await browser.get(SitePath.outcomes.link(query: ["from": "2026-05", "to": "2026-01"])).status == .badRequest)
            #expect(try await browser.get(SitePath.outcomes.link(query: ["from": "2026-01", "to": "2026-03"])).status == .ok)
        }
    }

    @Test func the_csv_holds_aggregates_only_and_is_audited() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            for index in 0..<6 { try await endedCourse(clinic, name: "Person \(index)", clinician: therapist, scores: [20, 4], slot: index) }
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let response = try await browser.get(SitePath.outcomesCSV.link)
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.description.hasPrefix("text/csv") == true)
            let csv = response.body.string
            #expect(csv.hasPrefix("section,programme,breakdown,group,figure,count,of,percent"))
            #expect(csv.contains("outcomes,Adult IPT,overall,Adult IPT,remission,6,6,100"))
            #expect(!csv.contains("Person") && !csv.contains("@example.org"))
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "outcomes").filter(\.$action == "export").count() == 1)
        }
    }

    @Test func the_directors_dropout_rule_changes_how_courses_are_counted() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            try await endedCourse(clinic, name: "Short Course", clinician: therapist, scores: [20, 18], sessions: 3, reason: "referred")
            #expect(try await report(clinic, rule: try await OutcomeSettingsRow.rule(on: clinic.db)).first?.ending == .endedOtherwise)
            let (browser, _) = try await clinic.signedIn(as: .admin)
            _ = try await browser.get(SitePath.outcomes.link)
            #expect(try await browser.post(SitePath.outcomesDropout.link, form: ["rule": "sessions", "sessions": "0"]).status == .unprocessableEntity)
            #expect(try await browser.post(SitePath.outcomesDropout.link, form: ["rule": "sessions", "sessions": "4"]).status == .seeOther)
            #expect(try await OutcomeSettingsRow.rule(on: clinic.db) == .fewerSessionsThan(4))
            #expect(try await report(clinic, rule: try await OutcomeSettingsRow.rule(on: clinic.db)).first?.ending == .endedEarly)
            let (supervisorBrowser, _) = try await clinic.signedIn(as: .supervisor)
            _ = try await supervisorBrowser.get(SitePath.outcomes.link)
            #expect(try await supervisorBrowser.post(SitePath.outcomesDropout.link, form: ["rule": "recorded"]).status == .forbidden)
        }
    }

    @Test func a_supervisor_is_not_told_how_the_path_into_care_is_counted() async throws {
        try await withClinic { clinic in
            let (supervisorBrowser, _) = try await clinic.signedIn(as: .supervisor)
            let supervisor = try await supervisorBrowser.get(SitePath.outcomes.link).body.string
            #expect(!supervisor.contains("<dt>Path into care</dt>") && supervisor.contains("<dt>Supervision</dt>"))
            let (directorBrowser, _) = try await clinic.signedIn(as: .admin)
            #expect(try await directorBrowser.get(SitePath.outcomes.link).body.string.contains("<dt>Path into care</dt>"))
        }
    }

    @Test func the_path_into_care_counts_each_month_of_the_period_on_its_own() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            // Two courses ending five days before the clock, one started 12 weeks before, one 3 weeks before.
            try await endedCourse(clinic, name: "Long Course", clinician: therapist, scores: [20, 9], sessions: 12)
            try await endedCourse(clinic, name: "Short Course", clinician: therapist, scores: [20, 9], sessions: 3, slot: 1)
            let zone = ClinicTimeZone(identifier: "America/Toronto")!
            let today = zone.localDate(of: clinic.clock.now)
            for daysAgo in [1, 2, 40] {
                let enquiry = Enquiry()
                enquiry.id = UUID()
                enquiry.name = "Someone"
                enquiry.email = "someone\(daysAgo)@example.org"
                enquiry.preferredContact = "email"
                enquiry.message = try clinic.app.services.keyRing.seal("Invented.", Enquiry.messageContext(enquiry.id!))
                enquiry.source = "web"
                enquiry.status = Enquiry.Status.handled
                enquiry.createdAt = zone.startOfDay(today.adding(days: -daysAgo)).addingTimeInterval(12 * 3_600)
                try await enquiry.create(on: clinic.db)
            }
            let period = OutcomesPeriod.lastTwelveMonths(today: today)
            let months = try await OutcomesQueries.pathMonths(on: clinic.db, period: period, zone: zone, endings: [])
            #expect(months.count == 12)
            func month(_ date: LocalDate) -> PathMonth? { months.first { $0.month == OutcomesPeriod.monthKey(date) } }
            let started = [today.adding(days: -5 - 12 * 7), today.adding(days: -5 - 3 * 7)]
            #expect(months.reduce(0) { $0 + $1.started } == 2)
            for day in Set(started.map(OutcomesPeriod.monthKey)) {
                #expect(months.first { $0.month == day }?.started == started.filter { OutcomesPeriod.monthKey($0) == day }.count)
            }
            #expect(months.reduce(0) { $0 + $1.enquiries } == 3)
            let enquiryDays = [1, 2, 40].map { today.adding(days: -$0) }
            #expect(month(enquiryDays[0])?.enquiries == enquiryDays.filter { OutcomesPeriod.monthKey($0) == OutcomesPeriod.monthKey(enquiryDays[0]) }.count)
        }
    }

    @Test func the_demo_clinics_recent_endings_leave_no_note_owed_or_waiting() async throws {
        try await withClinic(seedDemo: true) { clinic in
            let discharged = Set(try await DischargeSummaryRow.query(on: clinic.db).all().map { $0.$client.id })
            let zone = ClinicTimeZone(identifier: "America/Toronto")!
            let recent = try await OutcomesQueries.endedCourses(on: clinic.db, from: clinic.clock.now.addingTimeInterval(-90 * 86_400), until: clinic.clock.now,
                                                                zone: zone, scope: .clinic, rule: .recordedByClinician, keyRing: clinic.app.services.keyRing,
                                                                instruments: clinic.app.services.instruments)
            #expect(recent.count >= 5, "the last three months show endings")
            #expect(recent.contains { $0.course.tier == .practicum } && recent.contains { $0.course.anxietyEnd != nil })
            for clinician in try await StaffUser.query(on: clinic.db).all() {
                let owed = try await TodayQueries.sessionsWithoutNote(of: clinician.requireID(), since: clinic.clock.now.addingTimeInterval(-90 * 86_400), on: clinic.db)
                #expect(!owed.contains { discharged.contains($0.clientID) }, "\(clinician.name) owes a note for an ended course")
            }
            let waiting = try await SessionNoteRow.query(on: clinic.db).filter(\.$status ~~ [.awaitingCosignature, .returned, .draft]).all()
            #expect(!waiting.contains { discharged.contains($0.$client.id) })
        }
    }

    @Test func the_supervision_table_counts_each_student_as_the_supervision_page_does() async throws {
        try await withClinic(seedDemo: true) { clinic in
            let zone = ClinicTimeZone(identifier: "America/Toronto")!
            let period = OutcomesPeriod.lastTwelveMonths(today: zone.localDate(of: clinic.clock.now))
            let from = zone.startOfDay(period.first), until = zone.startOfDay(period.endExclusive)
            let rows = try await OutcomesQueries.supervision(on: clinic.db, from: from, until: until, period: period, scope: .clinic)
            let students = try await StaffUser.query(on: clinic.db).filter(\.$role == .student).sort(\.$name).all()
            #expect(rows.map(\.student) == students.map(\.name) && !rows.isEmpty)
            for (row, student) in zip(rows, students) {
                let id = try student.requireID()
                #expect(row.sinceStart == (try await SupervisionController.totals(for: id, on: clinic.db)), "\(student.name)")
                let waiting = try await SessionNoteRow.query(on: clinic.db).filter(\.$author.$id == id).filter(\.$status == .awaitingCosignature).count()
                    + (try await DischargeSummaryRow.query(on: clinic.db).filter(\.$author.$id == id).filter(\.$status == .awaitingCosignature).count())
                #expect(row.waitingNow == waiting)
                let direct = try await Appointment.query(on: clinic.db).filter(\.$staff.$id == id).filter(\.$status == .attended).filter(\.$client.$id != nil)
                    .filter(\.$startsAt >= from).filter(\.$startsAt < until).all().reduce(0) { $0 + Int($1.endsAt.timeIntervalSince($1.startsAt) / 60) }
                #expect(row.periodDirectMinutes == direct && direct > 0)
                let cosigned = try await SessionNoteRow.query(on: clinic.db).filter(\.$author.$id == id).filter(\.$cosignedAt >= from).filter(\.$cosignedAt < until).count()
                #expect(row.cosignWaitHours.count == cosigned)
            }
            // Supervisors see only their own students.
            let priya = try #require(students.first { $0.slug == "priya-natarajan" })
            let theirs = try await OutcomesQueries.supervision(on: clinic.db, from: from, until: until, period: period, scope: .studentsOf(priya.$supervisor.id!))
            #expect(theirs.contains { $0.student == priya.name })
            #expect(theirs.allSatisfy { row in students.first { $0.name == row.student }?.$supervisor.id == priya.$supervisor.id })
        }
    }

    /// `RowReader` reads on a connection of its own what the pool reads, row for row, on both engines.
    @Test func the_row_reader_returns_the_rows_the_pool_returns() async throws {
        try await withClinic { clinic in
            for name in ["Ada Lane", "Bo Reyes", "Cy Moreau"] { try await clinic.addClient(name: name, email: "\(name.prefix(2).lowercased())@example.org") }
            let query: SQLQueryString = "SELECT id, name FROM clients ORDER BY name"
            let pooled = try await (clinic.db as! any SQLDatabase).raw(query).all()
            let read = try await RowReader.all(query, on: clinic.db)
            #expect(read.count == pooled.count && read.count >= 3)
            #expect(try read.map { try $0.decode(column: "name", as: String.self) } == pooled.map { try $0.decode(column: "name", as: String.self) })
        }
    }

    /// The page reads the courses' responses on a second connection while its own reads the rest;
    /// what it reports is what one connection reads, on both engines. With more than one event
    /// loop the second handle is another loop's, which on SQLite is another connection.
    @Test func the_report_read_on_two_connections_is_the_report_read_on_one() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            for (index, name) in ["Ada Quill", "Bo Reyes", "Cy Moreau", "Di Park", "Ed Lowe", "Fay Ng"].enumerated() {
                _ = try await endedCourse(clinic, name: name, clinician: therapist, scores: [20 - index, 14, 9 - index], anxiety: [15, 8 + index],
                                          sessions: 8 + index, reason: index == 2 ? "dropped out" : "completed", slot: index)
            }
            let loop = clinic.app.eventLoopGroup.next()
            let side = RowReader.alongside(loop, in: clinic.app, logger: clinic.app.logger)
            if Array(clinic.app.eventLoopGroup.makeIterator()).count > 1 { #expect(side.eventLoop !== loop) }
            let zone = ClinicTimeZone(identifier: "America/Toronto")!
            let period = OutcomesPeriod.lastTwelveMonths(today: zone.localDate(of: clinic.clock.now))
            func read(alongside: (any Database)?) async throws -> OutcomesQueries.Report {
                try await OutcomesQueries.report(on: clinic.db, alongside: alongside, period: period, zone: zone, scope: .clinic, rule: .recordedByClinician,
                                                 keyRing: clinic.app.services.keyRing, instruments: clinic.app.services.instruments)
            }
            let one = try await read(alongside: nil), two = try await read(alongside: side)
            #expect(one.courses == 6 && two.courses == 6)
            #expect(one.programmes == two.programmes)
            #expect(one.path == two.path && one.waits == two.waits && one.supervision == two.supervision)
            #expect(two.programmes.first?.overall.withEndScore.count == 6)
        }
    }

    /// What the report keeps of a course (M064) is used while nothing it is made of changed, and
    /// computed again after any change, on every path the data takes: a booking and a status
    /// change through the models, a response added and one deleted, a summary's content edited,
    /// and a statement written by hand, which no controller sees. After each change the report
    /// reads what a report with nothing kept reads, on both engines.
    @Test func a_kept_course_outcome_is_used_until_what_it_is_made_of_changes() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeStaff(.therapist)
            let client = try await endedCourse(clinic, name: "Ada Quill", clinician: therapist, scores: [21, 17, 12], anxiety: [14, 9], sessions: 8,
                                               reason: "ended-early")
            let clientID = try client.requireID()
            let sql = clinic.db as! any SQLDatabase
            let keyRing = clinic.app.services.keyRing
            // The course as a report with nothing kept reads it; what it computes is kept, as it
            // was before the change, so each change below must make the next read compute again.
            func fresh() async throws -> EndedCourse {
                try await sql.raw("DELETE FROM course_outcomes").run()
                return try #require(try await report(clinic).first)
            }
            let first = try #require(try await report(clinic).first)
            #expect(first.sessionsAttended == 8 && first.baseline == 21 && first.end == 12 && first.anxietyEnd == 9 && first.ending == .endedEarly)
            let summary = try #require(try await DischargeSummaryRow.query(on: clinic.db).filter(\.$client.$id == clientID).first())
            let discharge = try summary.requireID()
            let kept = try await sql.raw("SELECT version FROM course_outcomes WHERE discharge_id = \(bind: discharge)").first()
            let current = try await sql.raw("SELECT version FROM client_outcome_versions WHERE client_id = \(bind: clientID)").first()
            #expect(try kept?.decode(column: "version", as: Int64.self) == current?.decode(column: "version", as: Int64.self))

            // The kept value is what is read while it is current: one put in its place shows.
            let planted = CourseOutcomeCache.Outcome(sessionsHeld: 99, endingReason: "completed", scores: [:])
            try await sql.raw("UPDATE course_outcomes SET outcome_sealed = \(bind: try keyRing.seal(json: planted, CourseOutcomeCache.context(discharge, client: clientID))) WHERE discharge_id = \(bind: discharge)").run()
            let plantedRead = try await report(clinic).first
            #expect(plantedRead?.sessionsAttended == 99)
            // A value that cannot be opened is computed again.
            try await sql.raw("UPDATE course_outcomes SET outcome_sealed = 'not a seal' WHERE discharge_id = \(bind: discharge)").run()
            let recomputed = try await report(clinic).first
            #expect(recomputed == first)
            try await sql.raw("UPDATE course_outcomes SET outcome_sealed = \(bind: try keyRing.seal(json: planted, CourseOutcomeCache.context(discharge, client: clientID))) WHERE discharge_id = \(bind: discharge)").run()

            let end = try #require(summary.signedAt)
            // 1. A session booked before the end, through the model.
            let extra = BookingService.newAppointment(staffID: try therapist.requireID(), clientID: clientID,
                                                      kind: AppointmentKind(code: "ipt-session", name: "IPT", durationMinutes: 50),
                                                      start: end.addingTimeInterval(-2 * 86_400 + 7_200), locationID: nil, source: "staff", now: end)
            extra.status = .attended
            try await extra.create(on: clinic.db)
            var now = try #require(try await report(clinic).first)
            var expected: EndedCourse
            expected = try await fresh()
            #expect(now.sessionsAttended == 9 && now == expected)
            // 2. Its status changed through the model.
            extra.status = .noShow
            try await extra.save(on: clinic.db)
            now = try #require(try await report(clinic).first)
            expected = try await fresh()
            #expect(now.sessionsAttended == 8 && now == expected)
            // 3. A status changed by a hand-written statement.
            try await sql.raw("UPDATE appointments SET status = 'attended' WHERE id = \(bind: try extra.requireID())").run()
            now = try #require(try await report(clinic).first)
            expected = try await fresh()
            #expect(now.sessionsAttended == 9 && now == expected)
            // 4. A later score before the end, then deleted.
            let late = MeasureResponse()
            late.id = UUID()
            late.sharedWithGuardian = false
            late.$client.id = clientID
            late.$clinician.id = try therapist.requireID()
            late.instrumentCode = "phq-9"
            late.tokenHash = UUID().uuidString
            late.status = .completed
            try late.setScore(.init(total: 5, band: ""), keyRing)
            late.createdAt = end
            late.expiresAt = end
            late.completedAt = end.addingTimeInterval(-3_600)
            try await late.create(on: clinic.db)
            now = try #require(try await report(clinic).first)
            expected = try await fresh()
            #expect(now.end == 5 && now.sessionsWithMeasure == 4 && now == expected)
            try await late.delete(on: clinic.db)
            now = try #require(try await report(clinic).first)
            expected = try await fresh()
            #expect(now.end == 12 && now.sessionsWithMeasure == 3 && now == expected)
            // 5. The summary's recorded ending edited.
            var content = DischargeContent()
            content.endingReason = "completed"
            summary.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self),
                                                     DischargeSummaryRow.contentContext(discharge, client: clientID))
            try await summary.save(on: clinic.db)
            now = try #require(try await report(clinic).first)
            expected = try await fresh()
            #expect(now.ending == .completed && now == expected)
            // Nothing changed since: the kept value is read, and is the same course.
            let unchanged = try await report(clinic).first
            #expect(unchanged == now)
        }
    }

    /// `FirstAndLast` picks what `ROW_NUMBER() OVER (ORDER BY completed_at, id)` picked: the earliest
    /// and the latest by time, a tie by id, whatever order the rows come in.
    @Test func first_and_last_keep_the_earliest_and_latest_response_by_time_then_id() {
        let client = UUID().uuidString, at = Date(timeIntervalSince1970: 1_800_000_000)
        let a = "00000000-0000-4000-8000-00000000000A", b = "00000000-0000-4000-8000-00000000000B"
        let responses: [FirstAndLast.Response] = [
            .init(id: UUID().uuidString, client: client, completedAt: at.addingTimeInterval(7 * 86_400), sealedScore: "middle"),
            .init(id: b, client: client, completedAt: at.addingTimeInterval(14 * 86_400), sealedScore: "last, later id"),
            .init(id: b, client: client, completedAt: at, sealedScore: "first, later id"),
            .init(id: a, client: client, completedAt: at.addingTimeInterval(14 * 86_400), sealedScore: "last, earlier id"),
            .init(id: a, client: client, completedAt: at, sealedScore: "first, earlier id"),
        ]
        for order in [responses, responses.reversed()] {
            var measure = FirstAndLast()
            for response in order { measure.add(response) }
            #expect(measure.count == 5)
            #expect(measure.first?.sealedScore == "first, earlier id")
            #expect(measure.last?.sealedScore == "last, later id")
        }
        var single = FirstAndLast()
        single.add(responses[0])
        #expect(single.count == 1 && single.first?.sealedScore == "middle" && single.last?.sealedScore == "middle")
    }

    /// The report's cost must follow the period, not the clinic's history. SQLite keeps no
    /// statistics here, so its plan follows the schema and the query's text alone: without M063 and
    /// the fixed join order it read every signed summary, every attended appointment (through the
    /// status index) and, for the path into care, all of them once per contract: a minute at
    /// 10,000 clients. Each query must reach its rows through the index named here and scan none
    /// of the clinic's tables whole.
    @Test func the_reports_queries_read_the_periods_rows_through_their_indexes_on_sqlite() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let sql = clinic.db as! any SQLDatabase
            let now = clinic.clock.now
            let filter = OutcomesQueries.endedIn(from: now.addingTimeInterval(-365 * 86_400), until: now, scope: .clinic)
            let batch: SQLQueryString = "d.id IN (\(binds: (0..<CourseOutcomeCache.batchSize).map { _ in UUID() }))"
            let queries: [(name: String, text: SQLQueryString, tables: [String], indexes: [String])] = [
                ("courses", OutcomesQueries.courses(endedIn: filter), ["d", "c", "u", "f", "o", "v"], ["discharge_summaries_status_signed"]),
                // What `CourseOutcomeCache` computes, for a batch of summaries named by id.
                ("sessions", OutcomesQueries.sessionsHeld(endedIn: batch), ["d", "a"], ["appointments_client_status_time"]),
                ("scores", OutcomesQueries.completedScores(endedIn: batch), ["d", "r"], ["measure_responses_client"]),
                ("endings", OutcomesQueries.courseEndings(endedIn: batch), ["d"], []),
                ("steps", OutcomesQueries.steps(startedFrom: "2026-01-01", until: "2027-01-01"), ["c", "a"], ["treatment_contracts_start", "appointments_client_status_time"]),
            ]
            for query in queries {
                let plan = try await sql.raw("EXPLAIN QUERY PLAN " + query.text).all().map { try $0.decode(column: "detail", as: String.self) }
                for index in query.indexes {
                    #expect(plan.contains { $0.contains("USING INDEX \(index) ") || $0.contains("USING COVERING INDEX \(index) ") },
                            "\(query.name) reads through \(index): \(plan)")
                }
                #expect(!plan.contains { $0.contains("appointments_status_hold") }, "\(query.name): \(plan)")
                for table in query.tables {
                    #expect(!plan.contains { $0.hasPrefix("SCAN \(table) ") || $0 == "SCAN \(table)" }, "\(query.name) scans \(table): \(plan)")
                }
            }
        }
    }

    /// Not a check (it asserts no time): what opening the report's sealed values costs, for
    /// docs/PERFORMANCE.md. Run it with `OUTCOMES_SEAL_BENCH=1 swift test --filter OutcomesPageTests`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["OUTCOMES_SEAL_BENCH"] != nil))
    func opening_ten_thousand_sealed_scores() async throws {
        try await withClinic { clinic in
            let keyRing = clinic.app.services.keyRing
            let client = UUID()
            let sealed = try (0..<10_000).map { index -> (UUID, String) in
                let id = UUID()
                return (id, try keyRing.seal(json: MeasureResponse.Score(total: index % 28, band: "Moderate"), MeasureResponse.scoreContext(id, client: client)))
            }
            let clock = ContinuousClock()
            var sum = 0
            let elapsed = try clock.measure {
                for (id, value) in sealed { sum += try keyRing.open(value, as: MeasureResponse.Score.self, MeasureResponse.scoreContext(id, client: client)).total }
            }
            #expect(sum > 0)
            print("opened 10,000 sealed scores in \(elapsed)")
        }
    }
}
