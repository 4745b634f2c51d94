import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The queries behind the outcomes page. A course is the client's contract closed by a signed
/// discharge summary; it ended in the period when the summary was signed in it. Each query asks the
/// database for a few columns per course and lets it count. What a course held (its sessions, the
/// first and last score of each measure, the ending recorded) is read through `CourseOutcomeCache`:
/// one sealed value per course while nothing it is made of has changed, and otherwise computed
/// from the responses, appointments and summary, opening only the first and last score of each
/// measure and the summary.
enum OutcomesQueries {
    /// Whose courses a reader sees: the whole clinic (the director) or a supervisor's students.
    enum Scope: Sendable, Equatable {
        case clinic
        case studentsOf(UUID)
    }

    /// Everything the page shows, ready for the view. The bench calls this with a period.
    struct Report: Sendable {
        var programmes: [ProgrammeOutcomes]
        /// nil for a supervisor: the path into care is the whole clinic's.
        var path: [PathMonth]?
        var waits: [StepWait]?
        var supervision: [StudentSupervision]
        var courses: Int
    }

    /// `side` is a second handle on the same database (`RowReader.alongside`): the path into
    /// care's first steps are read there while `db` reads the ended courses.
    static func report(on db: any Database, alongside side: (any Database)? = nil, period: OutcomesPeriod, zone: ClinicTimeZone, scope: Scope,
                       rule: DropoutRule, keyRing: KeyRing, instruments: InstrumentCatalogue) async throws -> Report {
        let from = zone.startOfDay(period.first), until = zone.startOfDay(period.endExclusive)
        async let journeys: [CareJourney]? = scope == .clinic ? Self.journeys(on: side ?? db, period: period) : nil
        let ended = try await endedCourses(on: db, from: from, until: until, zone: zone, scope: scope, rule: rule, keyRing: keyRing, instruments: instruments)
        let supervision = try await supervision(on: db, from: from, until: until, period: period, scope: scope)
        var path: [PathMonth]?
        if scope == .clinic { path = try await pathMonths(on: db, period: period, zone: zone, endings: ended.map { ($0.month, $0.course.ending) }) }
        let waits = try await journeys.map(CarePath.waits)
        return Report(programmes: OutcomesReport.programmes(ended.map(\.course), namingClinicians: scope == .clinic), path: path, waits: waits,
                      supervision: supervision, courses: ended.count)
    }

    // MARK: Ended courses

    private static let signedStatuses = [NoteStatus.final.rawValue, NoteStatus.awaitingCosignature.rawValue]

    /// The discharge summaries signed in the period, as a filter on `d` that every query shares.
    static func endedIn(from: Date, until: Date, scope: Scope) -> SQLQueryString {
        var filter: SQLQueryString = "d.status IN (\(bind: signedStatuses[0]), \(bind: signedStatuses[1])) AND d.signed_at >= \(bind: from) AND d.signed_at < \(bind: until)"
        if case let .studentsOf(supervisor) = scope {
            filter = filter + " AND d.client_id IN (SELECT c.client_id FROM treatment_contracts c JOIN staff_users u ON u.id = c.clinician_id WHERE u.supervisor_id = \(bind: supervisor) AND c.version = (SELECT MAX(c3.version) FROM treatment_contracts c3 WHERE c3.client_id = c.client_id))"
        }
        return filter
    }

    /// The courses whose summary was signed in the period, each with its month. What each course
    /// held (sessions, scores, the recorded ending) comes from `CourseOutcomeCache`.
    static func endedCourses(on db: any Database, from: Date, until: Date, zone: ClinicTimeZone, scope: Scope,
                             rule: DropoutRule, keyRing: KeyRing, instruments: InstrumentCatalogue) async throws -> [(month: String, course: EndedCourse)] {
        let rows = try await RowReader.long(Self.courses(endedIn: endedIn(from: from, until: until, scope: scope)), on: db)
        let courses = try rows.map { row in
            CourseOutcomeCache.Course(discharge: try row.decode(column: "discharge_id", as: UUID.self), client: try row.decode(column: "client_id", as: UUID.self),
                                      keptVersion: try row.decode(column: "kept_version", as: Int64?.self),
                                      keptSealed: try row.decode(column: "outcome_sealed", as: String?.self),
                                      currentVersion: try row.decode(column: "current_version", as: Int64.self))
        }
        let outcomes = try await CourseOutcomeCache.outcomes(of: courses, on: db, keyRing: keyRing)
        return try zip(rows, courses).map { row, keys in
            try (OutcomesPeriod.monthKey(zone.localDate(of: try row.decode(column: "signed_at", as: Date.self))),
                 course(row, outcome: outcomes[keys.discharge], rule: rule, instruments: instruments))
        }
    }

    /// One course from its row of `courses` and what it held.
    static func course(_ row: any SQLRow, outcome: CourseOutcomeCache.Outcome?, rule: DropoutRule, instruments: InstrumentCatalogue) throws -> EndedCourse {
        let programme = Programme(rawValue: try row.decode(column: "programme", as: String.self)) ?? .adult
        let instrument: Instrument = programme == .adolescent ? .phqA : .phq9
        let measured = outcome?.scores[instrument.code] ?? CourseOutcomeCache.Scores()
        let anxiety = outcome?.scores[Instrument.gad7.code] ?? CourseOutcomeCache.Scores()
        let held = outcome?.sessionsHeld ?? 0, agreed = try row.decode(column: "agreed_sessions", as: Int.self)
        let focus = [try row.decode(column: "primary_focus", as: String?.self), try row.decode(column: "secondary_focus", as: String?.self)]
            .compactMap { $0.flatMap(FocusArea.init(rawValue:)) }
        return EndedCourse(
            programme: programme, focusAreas: focus,
            tier: try row.decode(column: "clinician_role", as: String.self) == StaffRole.student.rawValue ? .practicum : .registered,
            clinician: try row.decode(column: "clinician", as: String.self), sessionsAttended: held, sessionsWithMeasure: measured.count,
            agreedSessions: agreed, instrument: instruments.named(instrument.code) ?? instrument, baseline: measured.first, end: measured.last,
            ending: rule.classify(recordedReason: outcome?.endingReason, sessionsAttended: held, agreedSessions: agreed),
            anxietyInstrument: instruments.named(Instrument.gad7.code) ?? .gad7, anxietyBaseline: anxiety.first, anxietyEnd: anxiety.last)
    }

    // MARK: The path into care

    /// Each month's enquiries, consultations, assessments, starts and endings, counted by the database:
    /// one query per step over the whole period, each month a sum of its own, so a 36-month period
    /// costs four queries, not four per month. Each reads only the period's rows through its index.
    static func pathMonths(on db: any Database, period: OutcomesPeriod, zone: ClinicTimeZone,
                           endings: [(month: String, ending: CourseEnding)]) async throws -> [PathMonth] {
        let sql = db as! any SQLDatabase
        var firstDays: [LocalDate] = [period.first]
        for _ in period.months { firstDays.append(OutcomesPeriod(first: firstDays.last!, last: firstDays.last!).endExclusive) }
        let instants = firstDays.map { zone.startOfDay($0) }
        let months = period.months.count

        /// `SUM(CASE ...)` per month over `column`, for rows of `table` matching `condition` in the period.
        func perMonth(_ column: String, of table: String, where condition: SQLQueryString, byDay: Bool = false) async throws -> [Int] {
            func bound(_ index: Int) -> any Encodable & Sendable { byDay ? firstDays[index].description : instants[index] }
            var query: SQLQueryString = "SELECT "
            for month in 0..<months {
                query = query + (month == 0 ? "" : ", ")
                    + "SUM(CASE WHEN \(unsafeRaw: column) >= \(bind: bound(month)) AND \(unsafeRaw: column) < \(bind: bound(month + 1)) THEN 1 ELSE 0 END) AS m\(unsafeRaw: String(month))"
            }
            query = query + " FROM \(unsafeRaw: table) WHERE " + condition
                + " AND \(unsafeRaw: column) >= \(bind: bound(0)) AND \(unsafeRaw: column) < \(bind: bound(months))"
            let row = try await sql.raw(query).first()
            return try (0..<months).map { try row?.decode(column: "m\($0)", as: Int?.self) ?? 0 }
        }
        let enquiries = try await perMonth("created_at", of: "enquiries", where: "1 = 1")
        let consultations = try await perMonth("starts_at", of: "appointments", where: """
            type_code = 'consultation' AND status IN (\(bind: Appointment.Status.attended.rawValue), \(bind: Appointment.Status.confirmed.rawValue))
            """)
        let assessments = try await perMonth("starts_at", of: "appointments",
                                             where: "type_code = 'assessment' AND status = \(bind: Appointment.Status.attended.rawValue)")
        let started = try await perMonth("start_date", of: "treatment_contracts", where: "version = 1", byDay: true)
        return period.months.enumerated().map { index, key in
            var month = PathMonth(month: key, enquiries: enquiries[index], consultations: consultations[index], assessments: assessments[index],
                                  started: started[index])
            for ending in endings where ending.month == key {
                switch ending.ending {
                case .completed: month.completed += 1
                case .endedEarly: month.endedEarly += 1
                case .endedOtherwise: month.endedOtherwise += 1
                }
            }
            return month
        }
    }

    /// When each client who started a course in the period reached each step: the database keeps
    /// the first of each kind and status per client, and an enquiry is matched to the client by
    /// email address.
    static func journeys(on db: any Database, period: OutcomesPeriod) async throws -> [CareJourney] {
        let sql = db as! any SQLDatabase
        let first = period.first.description, end = period.endExclusive.description
        let steps = try await RowReader.long(Self.steps(startedFrom: first, until: end), on: db)
        let enquiries = try await sql.raw("""
            SELECT cl.id AS client_id, MIN(e.created_at) AS first_at FROM treatment_contracts c
            JOIN clients cl ON cl.id = c.client_id JOIN enquiries e ON e.email = cl.email
            WHERE c.version = 1 AND c.start_date >= \(bind: first) AND c.start_date < \(bind: end)
            GROUP BY cl.id
            """).all()
        var journeys: [UUID: CareJourney] = [:]
        for row in steps {
            let client = try row.decode(column: "client_id", as: UUID.self), at = try row.decode(column: "first_at", as: Date.self)
            var journey = journeys[client] ?? CareJourney()
            switch try row.decode(column: "type_code", as: String.self) {
            case "consultation": journey.consultation = at
            case "assessment": journey.assessment = at
            default: journey.firstSession = min(journey.firstSession ?? at, at)
            }
            journeys[client] = journey
        }
        for row in enquiries {
            let client = try row.decode(column: "client_id", as: UUID.self)
            journeys[client, default: CareJourney()].enquiry = try row.decode(column: "first_at", as: Date.self)
        }
        return Array(journeys.values)
    }

    // MARK: The queries' text, apart so a test can ask SQLite for each one's plan

    /// Each ended course: its summary, its latest contract, clinician and formulation, and what
    /// `CourseOutcomeCache` kept of it with its client's count of changes (M064).
    static func courses(endedIn filter: SQLQueryString) -> SQLQueryString {
        """
        SELECT d.id AS discharge_id, d.client_id, d.signed_at, c.programme, c.agreed_sessions, u.name AS clinician, u.role AS clinician_role,
               f.primary_focus, f.secondary_focus, o.version AS kept_version, o.outcome_sealed, COALESCE(v.version, 0) AS current_version
        FROM discharge_summaries d
        JOIN treatment_contracts c ON c.client_id = d.client_id AND c.version = (SELECT MAX(c2.version) FROM treatment_contracts c2 WHERE c2.client_id = d.client_id)
        JOIN staff_users u ON u.id = c.clinician_id
        LEFT JOIN formulations f ON f.client_id = d.client_id AND f.version = (SELECT MAX(f2.version) FROM formulations f2 WHERE f2.client_id = d.client_id)
        LEFT JOIN course_outcomes o ON o.discharge_id = d.id
        LEFT JOIN client_outcome_versions v ON v.client_id = d.client_id
        WHERE \(filter)
        """
    }

    /// The summaries of the courses `CourseOutcomeCache` computes, for the ending each recorded.
    static func courseEndings(endedIn filter: SQLQueryString) -> SQLQueryString {
        "SELECT d.id AS discharge_id, d.client_id, d.content_sealed FROM discharge_summaries d WHERE \(filter)"
    }

    /// Sessions attended up to each course's end. `d CROSS JOIN a` keeps the chosen summaries
    /// outside and reads each client's appointments through (client, start): SQLite does not
    /// reorder a CROSS JOIN, and to PostgreSQL it is an inner join like any other. Left to itself,
    /// SQLite (which keeps no statistics here) read every attended appointment of the clinic
    /// through (status, hold) and matched them to the summaries.
    static func sessionsHeld(endedIn filter: SQLQueryString) -> SQLQueryString {
        """
        SELECT d.id AS discharge_id, COUNT(*) AS attended FROM discharge_summaries d CROSS JOIN appointments a
        WHERE d.client_id = a.client_id AND \(filter) AND a.status = \(bind: Appointment.Status.attended.rawValue) AND a.starts_at <= d.signed_at
          AND (a.type_code IS NULL OR a.type_code NOT IN ('consultation', 'assessment'))
        GROUP BY d.id
        """
    }

    /// Each course's completed depression and anxiety responses up to its end, a few columns each;
    /// the summaries outside for the same reason as in `sessionsHeld`. Ranking them in the database
    /// (`ROW_NUMBER` over each course and measure) cost three sorts and was three times slower on
    /// SQLite than reading the rows and keeping the first and last in `FirstAndLast`.
    static func completedScores(endedIn filter: SQLQueryString) -> SQLQueryString {
        """
        SELECT d.id AS discharge_id, r.id, r.client_id, r.instrument_code, r.completed_at, r.score_sealed FROM discharge_summaries d CROSS JOIN measure_responses r
        WHERE d.client_id = r.client_id AND \(filter) AND r.status = \(bind: FormLinkStatus.completed.rawValue) AND r.instrument_code IN ('phq-9', 'phq-a', 'gad-7')
          AND r.completed_at <= d.signed_at AND r.score_sealed IS NOT NULL
        """
    }

    /// The first attended appointment of each kind of each client whose course started in the
    /// period: the contracts outside, each client's attended appointments through (client, status,
    /// start), which covers every column read. Before M063 gave that index, SQLite answered
    /// `status = 'attended'` through (status, hold) and read every attended appointment of the
    /// clinic once per contract, a minute at 10,000 clients (docs/PERFORMANCE.md, "Outcomes page").
    static func steps(startedFrom first: String, until end: String) -> SQLQueryString {
        """
        SELECT a.client_id, a.type_code, MIN(a.starts_at) AS first_at FROM treatment_contracts c CROSS JOIN appointments a
        WHERE c.client_id = a.client_id AND c.version = 1 AND c.start_date >= \(bind: first) AND c.start_date < \(bind: end)
          AND a.status = \(bind: Appointment.Status.attended.rawValue) AND a.type_code IS NOT NULL
        GROUP BY a.client_id, a.type_code
        """
    }

    // MARK: Supervision

    /// Every student's figures from six queries in all, each grouped or filtered by the students'
    /// ids (it was seven per student): each reads only the students' own rows through an index on
    /// the student (contracts_clinician, appointments_staff_time, supervision_student, notes_author,
    /// session_notes_author_cosigned, discharge_summaries_status_author).
    static func supervision(on db: any Database, from: Date, until: Date, period: OutcomesPeriod, scope: Scope) async throws -> [StudentSupervision] {
        var query = StaffUser.query(on: db).filter(\.$role == StaffRole.student)
        if case let .studentsOf(supervisor) = scope { query = query.filter(\.$supervisor.$id == supervisor) }
        let students = try await query.sort(\.$name).all()
        let ids = try students.map { try $0.requireID() }
        guard !ids.isEmpty else { return [] }
        let sql = db as! any SQLDatabase
        let awaiting = NoteStatus.awaitingCosignature.rawValue
        func counts(_ query: SQLQueryString, key: String) async throws -> [UUID: Int] {
            var result: [UUID: Int] = [:]
            for row in try await sql.raw(query).all() { result[try row.decode(column: key, as: UUID.self)] = try row.decode(column: "n", as: Int.self) }
            return result
        }
        let caseload = try await counts("""
            SELECT c.clinician_id, COUNT(*) AS n FROM treatment_contracts c
            WHERE c.clinician_id IN (\(binds: ids)) AND c.version = (SELECT MAX(c2.version) FROM treatment_contracts c2 WHERE c2.client_id = c.client_id)
              AND NOT EXISTS (SELECT 1 FROM discharge_summaries d WHERE d.client_id = c.client_id AND d.status IN (\(bind: signedStatuses[0]), \(bind: signedStatuses[1])))
            GROUP BY c.clinician_id
            """, key: "clinician_id")
        let waitingNotes = try await counts("SELECT author_id, COUNT(*) AS n FROM session_notes WHERE author_id IN (\(binds: ids)) AND status = \(bind: awaiting) GROUP BY author_id",
                                            key: "author_id")
        let waitingSummaries = try await counts("""
            SELECT author_id, COUNT(*) AS n FROM discharge_summaries WHERE status = \(bind: awaiting) AND author_id IN (\(binds: ids)) GROUP BY author_id
            """, key: "author_id")
        // Direct minutes since starting and in the period, as `SupervisionController.totals` counts
        // them: attended appointments with a client.
        var direct: [UUID: (total: Int, period: Int)] = [:]
        for row in try await sql.raw("""
            SELECT staff_id, starts_at, ends_at FROM appointments
            WHERE staff_id IN (\(binds: ids)) AND status = \(bind: Appointment.Status.attended.rawValue) AND client_id IS NOT NULL
            """).all() {
            let staff = try row.decode(column: "staff_id", as: UUID.self), starts = try row.decode(column: "starts_at", as: Date.self)
            let minutes = Int(try row.decode(column: "ends_at", as: Date.self).timeIntervalSince(starts) / 60)
            let inPeriod = starts >= from && starts < until
            direct[staff, default: (0, 0)] = (direct[staff, default: (0, 0)].total + minutes, direct[staff, default: (0, 0)].period + (inPeriod ? minutes : 0))
        }
        var supervised: [UUID: (total: Int, period: Int)] = [:]
        let first = period.first.description, end = period.endExclusive.description
        for row in try await sql.raw("SELECT student_id, held_on, minutes FROM supervision_sessions WHERE student_id IN (\(binds: ids))").all() {
            let student = try row.decode(column: "student_id", as: UUID.self), minutes = try row.decode(column: "minutes", as: Int.self)
            let heldOn = try row.decode(column: "held_on", as: String.self)
            let inPeriod = heldOn >= first && heldOn < end
            supervised[student, default: (0, 0)] = (supervised[student, default: (0, 0)].total + minutes,
                                                    supervised[student, default: (0, 0)].period + (inPeriod ? minutes : 0))
        }
        var waits: [UUID: [Double]] = [:]
        for row in try await sql.raw("""
            SELECT author_id, signed_at, cosigned_at FROM session_notes
            WHERE author_id IN (\(binds: ids)) AND cosigned_at >= \(bind: from) AND cosigned_at < \(bind: until)
            """).all() {
            guard let signed = try row.decode(column: "signed_at", as: Date?.self), let cosigned = try row.decode(column: "cosigned_at", as: Date?.self) else { continue }
            waits[try row.decode(column: "author_id", as: UUID.self), default: []].append(cosigned.timeIntervalSince(signed) / 3_600)
        }
        return zip(students, ids).map { student, id in
            StudentSupervision(student: student.name, caseload: caseload[id] ?? 0, periodDirectMinutes: direct[id]?.period ?? 0,
                               periodSupervisionMinutes: supervised[id]?.period ?? 0,
                               sinceStart: SupervisionTotals(directMinutes: direct[id]?.total ?? 0, supervisionMinutes: supervised[id]?.total ?? 0),
                               cosignWaitHours: waits[id] ?? [], waitingNow: (waitingNotes[id] ?? 0) + (waitingSummaries[id] ?? 0))
        }
    }
}

/// One course's responses to one measure: the summary's id as the database returns it, and the
/// instrument's code.
struct CourseMeasure: Hashable, Sendable {
    var discharge: String
    var code: String
}

/// The first and last of one course's responses to one measure, and how many there were, in the
/// order each client's chart uses: by completion time, then by id. Only these two are opened.
struct FirstAndLast: Sendable {
    /// Ids as the database returns them (upper-case UUID strings on both engines), which compare
    /// as the engines order the column.
    struct Response: Sendable {
        var id: String
        var client: String
        var completedAt: Date
        var sealedScore: String
    }

    private(set) var first: Response?
    private(set) var last: Response?
    private(set) var count = 0

    mutating func add(_ response: Response) {
        count += 1
        let key = (response.completedAt, response.id)
        if first.map({ key < ($0.completedAt, $0.id) }) ?? true { first = response }
        if last.map({ key > ($0.completedAt, $0.id) }) ?? true { last = response }
    }
}
