import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// The reads behind the clinical pages, one small function each, so a handler reads input, checks
/// access, calls one of these and renders.
enum ClinicalQueries {
    // MARK: Caseload

    /// The caseload's lists as plain rows: a clinician's few hundred clients and their contracts
    /// as Fluent models were most of the page (docs/PERFORMANCE.md, "Runs of 2026-12-07, third
    /// session").
    struct Caseload {
        struct Client { let id: UUID; let name: String; let programme: String; let createdAt: Date }
        struct Contract { let programme: String; let agreedSessions: Int; let startDate: String }

        var mine: [Client]
        var everyone: [Client]
        /// Clients nobody has accepted yet, for those who assign care teams.
        var waiting: [Client]
        var latestContract: [UUID: Contract]
        /// The course of each client on one's own caseload, for those with a contract.
        var progress: [UUID: CourseProgress]
    }

    private static func caseloadClients(_ query: SQLQueryString, on db: any Database) async throws -> [Caseload.Client] {
        try await RowReader.all(query, on: db).map { row in
            Caseload.Client(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                            programme: try row.decode(column: "programme", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self))
        }
    }

    /// The first 500 clients by name (through the index of M071).
    static let everyoneByName: SQLQueryString = """
        SELECT id, name, programme, created_at FROM \(ident: ClientRecord.schema) ORDER BY name, id LIMIT 500
        """

    /// The 500 newest clients (through the index of M071), less those with a treating clinician
    /// now (the rule of `CareTeamQueries.active`).
    static func newestWithoutTreatingClinician(at now: Date) -> SQLQueryString {
        """
        SELECT newest.id, newest.name, newest.programme, newest.created_at
        FROM (SELECT id, name, programme, created_at FROM \(ident: ClientRecord.schema) ORDER BY created_at DESC LIMIT 500) AS newest
        WHERE NOT EXISTS (SELECT 1 FROM \(ident: CareTeamMember.schema) AS members
            WHERE members.client_id = newest.id AND members.role = \(bind: CareTeamMember.Role.treating.rawValue)
                AND members.starts_at <= \(bind: now) AND (members.ends_at IS NULL OR members.ends_at > \(bind: now)))
        ORDER BY newest.created_at DESC
        """
    }

    static func caseload(of staff: CurrentStaff, mayAssign: Bool, settings: ClinicalSettingsRow, zone: ClinicTimeZone, now: Date,
                         on db: any Database) async throws -> Caseload {
        let clientIDs = try await CareTeamQueries.clients(of: staff.id, at: now, on: db)
        let mine = clientIDs.isEmpty ? [] : try await caseloadClients("""
            SELECT id, name, programme, created_at FROM \(ident: ClientRecord.schema) WHERE id IN (\(binds: Array(clientIDs))) ORDER BY name, id
            """, on: db)
        let everyone = staff.role == .admin ? try await caseloadClients(everyoneByName, on: db) : []
        let listed = clientIDs.union(everyone.map(\.id))
        // The highest version of each client's contract is the one in force.
        var latestContract: [UUID: Caseload.Contract] = [:]
        if !listed.isEmpty {
            for row in try await RowReader.all("""
                SELECT client_id, programme, agreed_sessions, start_date FROM \(ident: ContractRow.schema)
                WHERE client_id IN (\(binds: Array(listed))) ORDER BY version DESC
                """, on: db) {
                let client = try row.decode(column: "client_id", as: UUID.self)
                guard latestContract[client] == nil else { continue }
                latestContract[client] = Caseload.Contract(programme: try row.decode(column: "programme", as: String.self),
                                                           agreedSessions: try row.decode(column: "agreed_sessions", as: Int.self),
                                                           startDate: try row.decode(column: "start_date", as: String.self))
            }
        }
        let ownContracts = latestContract.filter { clientIDs.contains($0.key) }
        let held = try await CourseState.sessionsHeld(startingOn: ownContracts.mapValues(\.startDate), zone: zone, on: db)
        let progress = Dictionary(uniqueKeysWithValues: ownContracts.map { client, contract in
            (client, CourseProgress(sessionsHeld: held[client] ?? 0, agreedSessions: contract.agreedSessions, settings: settings.course))
        })
        let waiting = mayAssign ? try await caseloadClients(newestWithoutTreatingClinician(at: now), on: db) : []
        return Caseload(mine: mine, everyone: everyone, waiting: waiting, latestContract: latestContract, progress: progress)
    }

    // MARK: The chart

    /// What the chart's summary shows beside the course, read as plain columns: the chart made a
    /// Fluent query for each, and building, serializing and decoding them by reflection was most of
    /// the page's time (docs/PERFORMANCE.md, "Runs of 2026-12-07, third session").
    struct ChartFacts {
        struct Score { let id: UUID; let instrumentCode: String; let sealed: String? }
        struct Alert { let id: UUID; let source: RiskAlert.Source?; let createdAt: Date; let escalatedAt: Date? }
        struct Flag { let kind: ClientFlag.Kind?; let createdAt: Date }
        struct TeamMember { let role: CareTeamMember.Role?; let name: String }
        struct Next { let startsAt: Date; let clinicianName: String }

        /// Completed questionnaires, latest first, their scores still sealed.
        var responses: [Score]
        var openAlerts: [Alert]
        var flags: [Flag]
        var team: [TeamMember]
        var next: Next?

        /// A completed questionnaire's total, opened.
        static func total(of score: Score, client: UUID, _ keyRing: KeyRing) throws -> Int? {
            guard let sealed = score.sealed else { return nil }
            return try keyRing.open(sealed, as: MeasureResponse.Score.self, MeasureResponse.scoreContext(score.id, client: client)).total
        }
    }

    static func chartFacts(_ clientID: UUID, now: Date, on db: any Database) async throws -> ChartFacts {
        let responses = try await RowReader.all("""
            SELECT id, instrument_code, score_sealed FROM \(ident: MeasureResponse.schema)
            WHERE client_id = \(bind: clientID) AND status = \(bind: FormLinkStatus.completed.rawValue) ORDER BY completed_at DESC
            """, on: db).map { row in
                ChartFacts.Score(id: try row.decode(column: "id", as: UUID.self), instrumentCode: try row.decode(column: "instrument_code", as: String.self),
                                 sealed: try row.decode(column: "score_sealed", as: String?.self))
            }
        let openAlerts = try await RowReader.all("""
            SELECT id, source, created_at, escalated_at FROM \(ident: RiskAlert.schema)
            WHERE client_id = \(bind: clientID) AND status = \(bind: RiskAlert.Status.open.rawValue) ORDER BY created_at
            """, on: db).map { row in
                ChartFacts.Alert(id: try row.decode(column: "id", as: UUID.self), source: RiskAlert.Source(rawValue: try row.decode(column: "source", as: String.self)),
                                 createdAt: try row.decode(column: "created_at", as: Date.self), escalatedAt: try row.decode(column: "escalated_at", as: Date?.self))
            }
        let flags = try await RowReader.all("""
            SELECT kind, created_at FROM \(ident: ClientFlag.schema) WHERE client_id = \(bind: clientID) ORDER BY created_at
            """, on: db).map { row in
                ChartFacts.Flag(kind: ClientFlag.Kind(rawValue: try row.decode(column: "kind", as: String.self)), createdAt: try row.decode(column: "created_at", as: Date.self))
            }
        // The same membership rule as `CareTeamQueries.active`.
        let team = try await RowReader.all("""
            SELECT members.role AS role, staff.name AS name FROM \(ident: CareTeamMember.schema) AS members
            JOIN \(ident: StaffUser.schema) AS staff ON staff.id = members.staff_id
            WHERE members.client_id = \(bind: clientID) AND members.starts_at <= \(bind: now)
                AND (members.ends_at IS NULL OR members.ends_at > \(bind: now))
            ORDER BY members.starts_at, members.id
            """, on: db).map { row in
                ChartFacts.TeamMember(role: CareTeamMember.Role(rawValue: try row.decode(column: "role", as: String.self)), name: try row.decode(column: "name", as: String.self))
            }
        let next = try await RowReader.all("""
            SELECT appointments.starts_at AS starts_at, staff.name AS name FROM \(ident: Appointment.schema) AS appointments
            JOIN \(ident: StaffUser.schema) AS staff ON staff.id = appointments.staff_id
            WHERE appointments.client_id = \(bind: clientID) AND appointments.starts_at > \(bind: now)
                AND appointments.status IN (\(bind: Appointment.Status.confirmed.rawValue), \(bind: Appointment.Status.requested.rawValue))
            ORDER BY appointments.starts_at LIMIT 1
            """, on: db).first.map { row in
                ChartFacts.Next(startsAt: try row.decode(column: "starts_at", as: Date.self), clinicianName: try row.decode(column: "name", as: String.self))
            }
        return ChartFacts(responses: responses, openAlerts: openAlerts, flags: flags, team: team, next: next)
    }

    /// The first appointment the client attended: the course starts there, not on the day the
    /// contract is written, because the assessment sessions are its first sessions.
    static func firstAttended(_ clientID: UUID, on db: any Database) async throws -> Appointment? {
        try await Appointment.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status == Appointment.Status.attended).sort(\.$startsAt).first()
    }

    /// Who treats the client when the first contract is written: the writer if they see the client
    /// themselves, else the clinician of the client's appointments that the writer supervises.
    static func treatingClinician(_ context: ChartContext, on database: any Database) async throws -> UUID {
        let clinicians = try await Appointment.query(on: database).filter(\.$client.$id == context.clientID).sort(\.$startsAt).all().map { $0.$staff.id }
        if clinicians.contains(context.staff.id) || context.staff.role != .supervisor && context.staff.role != .admin { return context.staff.id }
        return clinicians.first { context.access.supervisees.contains($0) } ?? clinicians.first ?? context.staff.id
    }

    static func checklistMark(_ clientID: UUID, code: String, on db: any Database) async throws -> ChecklistMark? {
        try await ChecklistMark.query(on: db).filter(\.$client.$id == clientID).filter(\.$code == code).first()
    }

    // MARK: Notes

    /// The note, only if it belongs to this client.
    static func note(_ id: UUID, of clientID: UUID, on db: any Database) async throws -> SessionNoteRow? {
        try await SessionNoteRow.query(on: db).filter(\.$id == id).filter(\.$client.$id == clientID).with(\.$author).first()
    }

    /// A client's original notes, latest session first, and which of them have an amendment.
    static func notes(of clientID: UUID, on db: any Database) async throws -> ([SessionNoteRow], Set<UUID>) {
        let notes = try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$amends.$id == nil)
            .sort(\.$sessionNumber, .descending).sort(\.$createdAt, .descending).with(\.$author).all()
        let amended = Set(try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$amends.$id != nil).all()
            .compactMap { $0.$amends.id })
        return (notes, amended)
    }

    /// The note written from this appointment (the original, not an amendment), if one was begun.
    static func note(forAppointment appointmentID: UUID, of clientID: UUID, on db: any Database) async throws -> SessionNoteRow? {
        try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$appointment.$id == appointmentID)
            .filter(\.$amends.$id == nil).sort(\.$createdAt).first()
    }

    /// Sessions under the contract, held or due by `until`, that have no note yet, with the session
    /// number each has in the course (counted as the chart counts). A session whose number already
    /// has a note (one written before notes were linked to appointments) is not listed.
    static func sessionsWithoutNote(of clientID: UUID, since start: Date, until: Date, on db: any Database) async throws -> [(Appointment, Int)] {
        let appointments = try await Appointment.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status ~~ [Appointment.Status.attended, Appointment.Status.confirmed])
            .filter(\.$startsAt >= start).filter(\.$startsAt <= until).sort(\.$startsAt).all()
        let notes = try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$amends.$id == nil).all()
        let linked = Set(notes.compactMap { $0.$appointment.id }), numbered = Set(notes.map(\.sessionNumber))
        var attendedBefore = 0, result: [(Appointment, Int)] = []
        for appointment in appointments {
            let number = attendedBefore + 1
            if let id = appointment.id, !linked.contains(id), !numbered.contains(number) { result.append((appointment, number)) }
            if appointment.status == .attended { attendedBefore += 1 }
        }
        return result
    }

    /// The latest signed note of an earlier session, whose plan the next session picks up.
    static func previousNote(of clientID: UUID, before session: Int, excluding noteID: UUID?, on db: any Database) async throws -> SessionNoteRow? {
        var query = SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$amends.$id == nil)
            .filter(\.$sessionNumber < session).filter(\.$status != NoteStatus.draft)
        if let noteID { query = query.filter(\.$id != noteID) }
        return try await query.sort(\.$sessionNumber, .descending).sort(\.$createdAt, .descending).first()
    }

    static func amendments(of noteID: UUID, on db: any Database) async throws -> [SessionNoteRow] {
        try await SessionNoteRow.query(on: db).filter(\.$amends.$id == noteID).sort(\.$createdAt).with(\.$author).all()
    }

    static func completedResponses(of clientID: UUID, since start: Date, on db: any Database) async throws -> [MeasureResponse] {
        try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == .completed)
            .filter(\.$completedAt >= start).all()
    }

    // MARK: Discharge

    /// A client's one discharge summary, with its author.
    static func dischargeSummary(of clientID: UUID, on db: any Database) async throws -> DischargeSummaryRow? {
        try await DischargeSummaryRow.query(on: db).filter(\.$client.$id == clientID).with(\.$author).first()
    }

    /// The client's completed totals of one questionnaire, oldest first.
    static func totals(of clientID: UUID, instrument: Instrument, keyRing: KeyRing, on db: any Database) async throws -> [Int] {
        try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == .completed)
            .filter(\.$instrumentCode == instrument.code).sort(\.$completedAt).all().compactMap { try $0.total(keyRing) }
    }

    // MARK: Formulation and timeline

    static func latestSelfAssessment(of clientID: UUID, on db: any Database) async throws -> SelfAssessmentRecord? {
        try await SelfAssessmentRecord.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).first()
    }

    /// Every version of the formulation, newest first, with who saved it.
    static func formulations(of clientID: UUID, on db: any Database) async throws -> [FormulationRow] {
        try await FormulationRow.query(on: db).filter(\.$client.$id == clientID).sort(\.$version, .descending).with(\.$createdBy).all()
    }

    static func lifeEvents(of clientID: UUID, on db: any Database) async throws -> [LifeEventRow] {
        try await LifeEventRow.query(on: db).filter(\.$client.$id == clientID).all()
    }

    /// The completed depression questionnaires (PHQ-9 or PHQ-A), oldest first.
    static func depressionScores(of clientID: UUID, on db: any Database) async throws -> [MeasureResponse] {
        try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == .completed)
            .filter(\.$instrumentCode ~~ [Instrument.phq9.code, Instrument.phqA.code]).sort(\.$completedAt).all()
    }

    // MARK: Inventory

    /// The client's inventory, in the order the people were added.
    static func inventory(of clientID: UUID, on db: any Database) async throws -> [InventoryEntryRow] {
        try await InventoryEntryRow.query(on: db).filter(\.$client.$id == clientID).sort(\.$createdAt).all()
    }

    /// The entry, only if it belongs to this client.
    static func inventoryEntry(_ id: UUID, of clientID: UUID, on db: any Database) async throws -> InventoryEntryRow? {
        try await InventoryEntryRow.query(on: db).filter(\.$id == id).filter(\.$client.$id == clientID).first()
    }

    // MARK: Worksheets

    /// Every version of every worksheet of the client, newest version first.
    static func worksheets(of clientID: UUID, on db: any Database) async throws -> [WorksheetRow] {
        try await WorksheetRow.query(on: db).filter(\.$client.$id == clientID).sort(\.$version, .descending).all()
    }

    /// The versions of one worksheet, oldest first, with who saved each.
    static func worksheetVersions(of clientID: UUID, focus: FocusArea, thread: String, on db: any Database) async throws -> [WorksheetRow] {
        try await WorksheetRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$focus == focus.rawValue)
            .filter(\.$subjectKey == thread).sort(\.$version).with(\.$createdBy).all()
    }

    // MARK: Supervision

    struct SupervisionQueue {
        /// Students' notes waiting for this supervisor's co-signature, oldest first.
        var notes: [SessionNoteRow]
        var summaries: [DischargeSummaryRow]
        /// A student's own notes returned with comments.
        var returned: [SessionNoteRow]
        /// The latest 50 sessions with these students.
        var log: [SupervisionSessionRow]
        /// A student's own signed notes still waiting for the supervisor.
        var awaitingMine: [SessionNoteRow] = []
    }

    static func supervisionQueue(for staff: CurrentStaff, students studentIDs: [UUID], on db: any Database) async throws -> SupervisionQueue {
        let supervising = staff.role == .supervisor && !studentIDs.isEmpty
        let notes = supervising
            ? try await SessionNoteRow.query(on: db).filter(\.$author.$id ~~ studentIDs).filter(\.$status == NoteStatus.awaitingCosignature)
                .sort(\.$signedAt).with(\.$author).with(\.$client).all()
            : []
        let summaries = supervising
            ? try await DischargeSummaryRow.query(on: db).filter(\.$author.$id ~~ studentIDs).filter(\.$status == NoteStatus.awaitingCosignature)
                .with(\.$author).with(\.$client).all()
            : []
        let returned = staff.role == .student
            ? try await SessionNoteRow.query(on: db).filter(\.$author.$id == staff.id).filter(\.$status == NoteStatus.returned).with(\.$client).all()
            : []
        let log = studentIDs.isEmpty ? [] : try await SupervisionSessionRow.query(on: db).filter(\.$student.$id ~~ studentIDs)
            .sort(\.$heldOn, .descending).limit(50).with(\.$student).with(\.$supervisor).all()
        let awaitingMine = staff.role == .student
            ? try await SessionNoteRow.query(on: db).filter(\.$author.$id == staff.id).filter(\.$status == NoteStatus.awaitingCosignature)
                .sort(\.$signedAt).with(\.$client).all()
            : []
        return SupervisionQueue(notes: notes, summaries: summaries, returned: returned, log: log, awaitingMine: awaitingMine)
    }
}

/// Possible duplicates: records made by a booking that look like an existing client's.
enum DuplicateQueries {
    /// Records a task for each existing client who shares the email, or the name and date of birth.
    static func recordMatches(for client: ClientRecord, now: Date, on db: any Database) async throws {
        let id = try client.requireID()
        let candidates = try await ClientRecord.query(on: db).filter(\.$id != id).group(.or) { group in
            group.filter(\.$email == client.email).filter(\.$dateOfBirth == client.dateOfBirth)
        }.all()
        for existing in candidates {
            var reasons: [String] = []
            if existing.email.lowercased() == client.email.lowercased() { reasons.append("the same email") }
            if existing.dateOfBirth == client.dateOfBirth && existing.name.lowercased() == client.name.lowercased() {
                reasons.append("the same name and date of birth")
            }
            guard !reasons.isEmpty, let existingID = existing.id else { continue }
            // Already flagged, either way round (the check after commit, below, meets pairs the
            // check inside the transaction found).
            let flagged = try await PossibleDuplicate.query(on: db).group(.or) { either in
                either.group(.and) { $0.filter(\.$client.$id == id).filter(\.$existing.$id == existingID) }
                    .group(.and) { $0.filter(\.$client.$id == existingID).filter(\.$existing.$id == id) }
            }.count() > 0
            guard !flagged else { continue }
            let task = PossibleDuplicate()
            task.$client.id = id
            task.$existing.id = existingID
            task.reasons = reasons.joined(separator: ", ")
            task.status = .open
            task.createdAt = now
            try await task.create(on: db)
        }
    }

    /// The same check once the booking's transaction has committed. On PostgreSQL two bookings by
    /// the same person at the same moment each check inside their own transaction and cannot see
    /// the other's new record; after both commit, whichever checks second sees the first, so the
    /// pair is always flagged. (On SQLite write transactions take turns, and the first check finds it.)
    static func recordMatchesAfterCommit(for clientID: UUID, now: Date, on db: any Database) async throws {
        guard let client = try await ClientRecord.find(clientID, on: db) else { return }
        do {
            try await db.writeTransaction { tx in
                try await recordMatches(for: client, now: now, on: tx)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The other booking's check flagged the same pair this way round a moment before.
        }
    }

    /// The open tasks, oldest first, with the number of appointments each record holds.
    static func openTasks(on db: any Database) async throws -> ([PossibleDuplicate], [UUID: Int]) {
        let open = try await PossibleDuplicate.query(on: db).filter(\.$status == .open).with(\.$client).with(\.$existing)
            .sort(\.$createdAt).limit(200).all()
        let clientIDs = open.flatMap { [$0.$client.id, $0.$existing.id] }
        let appointments = clientIDs.isEmpty ? [] : try await Appointment.query(on: db).filter(\.$client.$id ~~ clientIDs).all()
        return (open, Dictionary(grouping: appointments.compactMap { $0.$client.id }, by: { $0 }).mapValues(\.count))
    }

    /// Marks an open task as kept apart; false when someone dealt with it first.
    static func keepApart(_ id: UUID, by staffID: UUID, at now: Date, on db: any Database) async throws -> Bool {
        let changed = try await (db as! any SQLDatabase).update(PossibleDuplicate.schema)
            .set("status", to: PossibleDuplicate.Status.keptApart.rawValue).set("resolved_by_id", to: staffID).set("resolved_at", to: now)
            .where("id", .equal, id).where("status", .equal, PossibleDuplicate.Status.open.rawValue).returning("id").all()
        return !changed.isEmpty
    }

    /// Tables whose rows follow a client when two records are merged. The duplicate's care-team rows
    /// do not: a front-desk merge must not give anyone the existing client's history.
    static var movedTables: [String] {
        ["session_notes", "charges"] + RetentionController.billingTables
            + RetentionController.clientTables.filter { !["client_flags", "care_team_members"].contains($0) }
    }

    /// A record a booking made holds appointments, consents and forms at most. One with a course
    /// (contract, formulation, notes, worksheets, a discharge) was worked on as a client in its own
    /// right, and its rows would clash with the existing record's: that is for a person to sort out.
    static let clinicalTables = ["treatment_contracts", "formulations", "course_checklist", "worksheets", "discharge_summaries", "session_notes",
                                 "inventory_entries", "phase_overrides"]

    enum MergeProblem: Error {
        /// The two records have appointments at overlapping times.
        case overlappingAppointments
        /// The new record already has clinical work of its own.
        case clinicalRecords
    }

    /// Moves everything of `duplicate` to `existing` and removes the duplicate record, in one
    /// transaction. Sealed values are bound to their client, so each moved one is sealed again.
    static func merge(_ duplicateID: UUID, into existingID: UUID, keyRing: KeyRing, at now: Date, on db: any Database) async throws {
        do {
            try await db.writeTransaction { db in
                let sql = db as! any SQLDatabase
                // Both accounts first, in a fixed order, as billing takes them: a payment for either
                // client waits for the merge instead of deadlocking with it.
                for id in [duplicateID, existingID].sorted() { try await BillingQueries.lockAccount(id, on: db) }
                for table in clinicalTables {
                    let rows = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                        .where("client_id", .equal, duplicateID).first()?.decode(column: "n", as: Int.self) ?? 0
                    guard rows == 0 else { throw MergeProblem.clinicalRecords }
                }
                for column in SealedColumn.clientBound {
                    try await column.reseal(from: duplicateID, to: existingID, keyRing: keyRing, on: db)
                }
                // A standing flag the existing record already has stays single.
                let kept = try await ClientFlag.query(on: db).filter(\.$client.$id == existingID).all().map(\.kind)
                try await ClientFlag.query(on: db).filter(\.$client.$id == duplicateID).filter(\.$kind ~~ kept).delete()
                try await sql.update("client_flags").set("client_id", to: existingID).where("client_id", .equal, duplicateID).run()
                try await CareTeamMember.query(on: db).filter(\.$client.$id == duplicateID).delete()
                // Whoever holds the duplicate's portal session or links, or its open forms' links,
                // proved only that they read the duplicate's mailbox; after the merge those would
                // open the existing client's record (someone booking under a client's name and
                // birth date with their own address). The portal asks them to sign in again by the
                // existing record's address; forms are sent again by the clinician.
                try await sql.delete(from: "portal_sessions").where("client_id", .equal, duplicateID).run()
                try await sql.delete(from: "portal_links").where("client_id", .equal, duplicateID).run()
                for table in ["measure_responses", "intakes", "self_assessments"] {
                    try await sql.update(table).set("expires_at", to: now).where("client_id", .equal, duplicateID)
                        .where("status", .in, [FormLinkStatus.sent.rawValue, FormLinkStatus.draft.rawValue]).where("expires_at", .greaterThan, now).run()
                }
                try await PossibleDuplicate.query(on: db).group(.or) { group in
                    group.filter(\.$client.$id == duplicateID).filter(\.$existing.$id == duplicateID)
                }.delete()
                for table in movedTables {
                    try await sql.update(table).set("client_id", to: existingID).where("client_id", .equal, duplicateID).run()
                }
                try await ClientRecord.query(on: db).filter(\.$id == duplicateID).delete()
            }
        } catch where OverlapGuard.violated(by: error) != nil {
            throw MergeProblem.overlappingAppointments
        }
    }
}
