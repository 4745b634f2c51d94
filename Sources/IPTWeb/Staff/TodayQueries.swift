import Fluent
import Foundation
import IPTCore
import SQLKit

/// The reads behind the "Today" page: each section's rows, kept to what this person may see (their
/// own calendar, the calendars they manage, their care teams, their supervisees).
enum TodayQueries {
    /// Appointments that count as the day's work (not lapsed holds, cancellations or blocked time).
    static let dayStatuses: [Appointment.Status] = [.held, .requested, .confirmed, .attended, .noShow]

    static func appointments(of clinicianIDs: [UUID], in window: Interval, statuses: [Appointment.Status],
                             on database: any Database) async throws -> [Appointment] {
        guard !clinicianIDs.isEmpty else { return [] }
        return try await Appointment.query(on: database).filter(\.$staff.$id ~~ clinicianIDs)
            .filter(\.$startsAt >= window.start).filter(\.$startsAt < window.end).filter(\.$status ~~ statuses)
            .with(\.$client).with(\.$staff).sort(\.$startsAt).all()
    }

    /// This clinician's attended sessions since `since` that still need a note (see `NotesOwed`),
    /// oldest first. Notes written from the chart name no appointment, so the client's
    /// whole history with this clinician is read to count them fairly: as plain rows of the columns
    /// that decide, since a clinician of ten years has thousands of attended sessions and a Fluent
    /// model of each was a third of Today's time (docs/PERFORMANCE.md). The sessions listed are
    /// read in full with `owedAppointments`.
    static func sessionsWithoutNote(of clinicianID: UUID, since: Date, on database: any Database) async throws -> [NotesOwed.Session] {
        let attended = Appointment.Status.attended.rawValue
        let recent = try await RowReader.all("""
            SELECT DISTINCT client_id FROM appointments
            WHERE staff_id = \(bind: clinicianID) AND status = \(bind: attended) AND starts_at >= \(bind: since) AND client_id IS NOT NULL
            """, on: database)
        let clientIDs = try recent.map { try $0.decode(column: "client_id", as: UUID.self) }
        guard !clientIDs.isEmpty else { return [] }
        // Each client's attended sessions through the (client, status, start) index; the clinician
        // is checked below, not in SQL. Given it there, SQLite (3.54, as the app links it) read the
        // clinician's ten years through (clinician, start), and PostgreSQL combined that index with
        // the clients' GiST overlap index: 45 to 88 ms at 100,000 clients; this way under 2 ms on
        // either (docs/PERFORMANCE.md).
        let history = try await RowReader.all("""
            SELECT id, client_id, staff_id, starts_at FROM appointments
            WHERE status = \(bind: attended) AND client_id IN (\(binds: clientIDs))
            """, on: database).filter { try $0.decode(column: "staff_id", as: UUID.self) == clinicianID }
        let notes = try await RowReader.all("""
            SELECT client_id, appointment_id FROM session_notes
            WHERE author_id = \(bind: clinicianID) AND client_id IN (\(binds: clientIDs)) AND amends_id IS NULL
            """, on: database)
        var noted = Set<UUID>(), unlinked: [UUID: Int] = [:]
        for note in notes {
            if let appointment = try note.decode(column: "appointment_id", as: UUID?.self) {
                noted.insert(appointment)
            } else {
                unlinked[try note.decode(column: "client_id", as: UUID.self), default: 0] += 1
            }
        }
        let sessions = try history.map { row in
            NotesOwed.Session(appointmentID: try row.decode(column: "id", as: UUID.self), clientID: try row.decode(column: "client_id", as: UUID.self),
                              startsAt: try row.decode(column: "starts_at", as: Date.self))
        }
        return NotesOwed.sessionsWithoutNote(sessions, notedAppointments: noted, unlinkedNotes: unlinked).filter { $0.startsAt >= since }
    }

    /// The appointments of these owed sessions, with their clients, in the sessions' order.
    static func owedAppointments(_ sessions: some Collection<NotesOwed.Session>, on database: any Database) async throws -> [Appointment] {
        guard !sessions.isEmpty else { return [] }
        return try await Appointment.query(on: database).filter(\.$id ~~ sessions.map(\.appointmentID)).with(\.$client)
            .sort(\.$startsAt).sort(\.$id).all()
    }

    /// Notes in a supervision state, by authors, with their clients and authors.
    static func notes(by authors: [UUID], in statuses: [NoteStatus], on database: any Database) async throws -> [SessionNoteRow] {
        guard !authors.isEmpty else { return [] }
        return try await SessionNoteRow.query(on: database).filter(\.$author.$id ~~ authors).filter(\.$status ~~ statuses)
            .with(\.$client).with(\.$author).sort(\.$signedAt).limit(50).all()
    }

    /// A form sent to a client by link and not yet finished.
    struct OutstandingForm {
        /// The form's own row, which orders forms that expire at the same moment.
        var id: UUID
        var client: ClientRecord
        /// "Intake", "PHQ-9", "Pre-therapy self-assessment".
        var name: String
        var started: Bool
        var sentAt: Date
        var expiresAt: Date
    }

    /// Intake forms, questionnaires and self-assessments this clinician sent that are still open,
    /// the first to expire first: the first `limit` of them (all when nil), and how many there are.
    static func outstandingForms(sentBy clinicianID: UUID, now: Date, instruments: InstrumentCatalogue, limit: Int? = nil,
                                 on database: any Database) async throws -> (forms: [OutstandingForm], total: Int) {
        let open: [FormLinkStatus] = [.sent, .draft]
        let questionnaires = MeasureResponse.query(on: database).filter(\.$clinician.$id == clinicianID)
            .filter(\.$status ~~ open).filter(\.$expiresAt > now)
        let intakes = IntakeRecord.query(on: database).filter(\.$clinician.$id == clinicianID)
            .filter(\.$status ~~ open).filter(\.$expiresAt > now)
        let assessments = SelfAssessmentRecord.query(on: database).filter(\.$clinician.$id == clinicianID)
            .filter(\.$status ~~ open).filter(\.$expiresAt > now)
        // Each kind's first `limit` to expire are enough to find the first `limit` of all three.
        let total = try await questionnaires.copy().count() + intakes.copy().count() + assessments.copy().count()
        if let limit {
            questionnaires.limit(limit)
            intakes.limit(limit)
            assessments.limit(limit)
        }
        // Ordered by expiry, then id, on each kind and again after merging, so that Today's first
        // ten are the whole list's first ten even where two forms expire together.
        let forms = try await questionnaires.with(\.$client).sort(\.$expiresAt).sort(\.$id).all().map {
            OutstandingForm(id: try $0.requireID(), client: $0.client, name: instruments.named($0.instrumentCode)?.name ?? $0.instrumentCode,
                            started: $0.status == .draft, sentAt: $0.createdAt, expiresAt: $0.expiresAt)
        } + intakes.with(\.$client).sort(\.$expiresAt).sort(\.$id).all().map {
            OutstandingForm(id: try $0.requireID(), client: $0.client, name: "Intake form", started: $0.status == .draft, sentAt: $0.createdAt,
                            expiresAt: $0.expiresAt)
        } + assessments.with(\.$client).sort(\.$expiresAt).sort(\.$id).all().map {
            OutstandingForm(id: try $0.requireID(), client: $0.client, name: "Pre-therapy self-assessment", started: $0.status == .draft,
                            sentAt: $0.createdAt, expiresAt: $0.expiresAt)
        }
        let sorted = forms.sorted { ($0.expiresAt, $0.id.uuidString) < ($1.expiresAt, $1.id.uuidString) }
        return (limit.map { Array(sorted.prefix($0)) } ?? sorted, total)
    }

    /// Held times and requests not yet confirmed, and waitlist offers out, from now on.
    static func unconfirmed(of clinicianIDs: [UUID], statuses: [Appointment.Status], now: Date, on database: any Database) async throws -> [Appointment] {
        guard !clinicianIDs.isEmpty else { return [] }
        return try await Appointment.query(on: database).filter(\.$staff.$id ~~ clinicianIDs).filter(\.$status ~~ statuses)
            .filter(\.$startsAt >= now).with(\.$client).with(\.$staff).sort(\.$startsAt).limit(50).all()
    }

    /// Marks a confirmed appointment's client as arrived. The condition keeps the first mark's
    /// time when two people press it at once.
    static func markArrived(_ id: UUID, at now: Date, on database: any Database) async throws {
        try await Appointment.query(on: database).set(\.$arrivedAt, to: now).filter(\.$id == id).filter(\.$status == .confirmed)
            .filter(\.$arrivedAt == nil).update()
    }
}
