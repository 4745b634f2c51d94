import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// The reads behind the "Today" page: each section's rows, kept to what this person may see (their
/// own calendar, the calendars they manage, their care teams, their supervisees).
enum TodayQueries {
    /// Appointments that count as the day's work (not lapsed holds, cancellations or blocked time).
    static let dayStatuses: [Appointment.Status] = [.held, .requested, .confirmed, .attended, .noShow]

    /// An appointment as the day's lists show it: the columns they use and the names of its client
    /// and clinician, read as plain rows. Fluent models of each, with their client and clinician
    /// loaded as models too, were most of Today's time (docs/PERFORMANCE.md, "Runs of 2026-12-07,
    /// third session").
    struct DayAppointment {
        let id: UUID
        let clientID: UUID?
        let clientName: String?
        let clinicianName: String
        let typeCode: String?
        let status: Appointment.Status
        let startsAt: Date
        let endsAt: Date
        let arrivedAt: Date?
        let holdExpiresAt: Date?
    }

    /// The day's appointments matching `condition` (on the `appointments` table, named `a`), in
    /// time order.
    private static func dayAppointments(where condition: SQLQueryString, limit: Int? = nil,
                                        on database: any Database) async throws -> [DayAppointment] {
        let limited: SQLQueryString = limit.map { "LIMIT \(literal: $0)" } ?? ""
        return try await RowReader.all("""
            SELECT a.id, a.client_id, clients.name AS client_name, staff.name AS clinician_name, a.type_code, a.status,
                a.starts_at, a.ends_at, a.arrived_at, a.hold_expires_at
            FROM \(ident: Appointment.schema) AS a
            JOIN \(ident: StaffUser.schema) AS staff ON staff.id = a.staff_id
            LEFT JOIN \(ident: ClientRecord.schema) AS clients ON clients.id = a.client_id
            WHERE \(condition) ORDER BY a.starts_at, a.id \(limited)
            """, on: database).map { row in
                let known = try Appointment.Status.read(from: row)
                return DayAppointment(id: try row.decode(column: "id", as: UUID.self), clientID: try row.decode(column: "client_id", as: UUID?.self),
                                      clientName: try row.decode(column: "client_name", as: String?.self),
                                      clinicianName: try row.decode(column: "clinician_name", as: String.self),
                                      typeCode: try row.decode(column: "type_code", as: String?.self), status: known,
                                      startsAt: try row.decode(column: "starts_at", as: Date.self), endsAt: try row.decode(column: "ends_at", as: Date.self),
                                      arrivedAt: try row.decode(column: "arrived_at", as: Date?.self),
                                      holdExpiresAt: try row.decode(column: "hold_expires_at", as: Date?.self))
            }
    }

    static func appointments(of clinicianIDs: [UUID], in window: Interval, statuses: [Appointment.Status],
                             on database: any Database) async throws -> [DayAppointment] {
        guard !clinicianIDs.isEmpty, !statuses.isEmpty else { return [] }
        return try await dayAppointments(where: """
            a.staff_id IN (\(binds: clinicianIDs)) AND a.starts_at >= \(bind: window.start) AND a.starts_at < \(bind: window.end)
                AND a.status IN (\(binds: statuses.map(\.rawValue)))
            """, on: database)
    }

    /// This clinician's attended sessions since `since` that still need a note (see `NotesOwed`),
    /// oldest first. Notes written from the chart name no appointment, so the client's
    /// whole history with this clinician is read to count them fairly: as plain rows of the columns
    /// that decide, since a clinician of ten years has thousands of attended sessions and a Fluent
    /// model of each was a third of Today's time (docs/PERFORMANCE.md). The sessions listed are
    /// read in full with `owedAppointments`.
    static func sessionsWithoutNote(of clinicianID: UUID, since: Date, on database: any Database) async throws -> [NotesOwed.Session] {
        let recent = try await RowReader.all(OwedNoteReads.recentClients(of: clinicianID, since: since), on: database)
        let clientIDs = try recent.map { try $0.decode(column: "client_id", as: UUID.self) }
        guard !clientIDs.isEmpty else { return [] }
        // Each client's attended sessions through the (client, status, start) index; the clinician
        // is checked below, not in SQL. Given it there, SQLite (3.54, as the app links it) read the
        // clinician's ten years through (clinician, start), and PostgreSQL combined that index with
        // the clients' GiST overlap index: 45 to 88 ms at 100,000 clients; this way under 2 ms on
        // either (docs/PERFORMANCE.md).
        let history = try await RowReader.all(OwedNoteReads.attendedSessions(of: clientIDs), on: database)
            .filter { try $0.decode(column: "staff_id", as: UUID.self) == clinicianID }
        let notes = try await RowReader.all(OwedNoteReads.notes(by: clinicianID, about: clientIDs), on: database)
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
    static func owedAppointments(_ sessions: some Collection<NotesOwed.Session>, on database: any Database) async throws -> [DayAppointment] {
        guard !sessions.isEmpty else { return [] }
        return try await dayAppointments(where: "a.id IN (\(binds: sessions.map(\.appointmentID)))", on: database)
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
        var clientID: UUID
        var clientName: String
        /// "Intake", "PHQ-9", "Pre-therapy self-assessment".
        var name: String
        var started: Bool
        var sentAt: Date
        var expiresAt: Date
    }

    /// Intake forms, questionnaires and self-assessments this clinician sent that are still open,
    /// the first to expire first: the first `limit` of them (all when nil), and how many there are.
    /// One statement over the three tables, as plain rows: a clinician's open forms are the few
    /// not yet expired, so all are read and counted here (it was nine Fluent queries).
    static func outstandingForms(sentBy clinicianID: UUID, now: Date, instruments: InstrumentCatalogue, limit: Int? = nil,
                                 on database: any Database) async throws -> (forms: [OutstandingForm], total: Int) {
        let open = [FormLinkStatus.sent.rawValue, FormLinkStatus.draft.rawValue]
        func kind(_ table: String, _ label: String, instrument: SQLQueryString) -> SQLQueryString {
            """
            SELECT \(literal: label) AS kind, forms.id AS id, forms.client_id AS client_id, clients.name AS client_name, \(instrument) AS instrument_code,
                forms.status AS status, forms.created_at AS created_at, forms.expires_at AS expires_at
            FROM \(ident: table) AS forms JOIN \(ident: ClientRecord.schema) AS clients ON clients.id = forms.client_id
            WHERE forms.clinician_id = \(bind: clinicianID) AND forms.status IN (\(binds: open)) AND forms.expires_at > \(bind: now)
            """
        }
        let rows = try await RowReader.all(kind(MeasureResponse.schema, "questionnaire", instrument: "forms.instrument_code")
            + " UNION ALL " + kind(IntakeRecord.schema, "intake", instrument: "NULL")
            + " UNION ALL " + kind(SelfAssessmentRecord.schema, "self-assessment", instrument: "NULL"), on: database)
        let forms = try rows.map { row in
            let name: String
            switch try row.decode(column: "kind", as: String.self) {
            case "intake": name = "Intake form"
            case "self-assessment": name = "Pre-therapy self-assessment"
            default:
                let code = try row.decode(column: "instrument_code", as: String?.self) ?? ""
                name = instruments.named(code)?.name ?? code
            }
            return OutstandingForm(id: try row.decode(column: "id", as: UUID.self), clientID: try row.decode(column: "client_id", as: UUID.self),
                                   clientName: try row.decode(column: "client_name", as: String.self), name: name,
                                   started: try row.decode(column: "status", as: String.self) == FormLinkStatus.draft.rawValue,
                                   sentAt: try row.decode(column: "created_at", as: Date.self), expiresAt: try row.decode(column: "expires_at", as: Date.self))
        }
        // Ordered by expiry, then id, so that Today's first ten are the whole list's first ten even
        // where two forms expire together.
        let sorted = forms.sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
        return (limit.map { Array(sorted.prefix($0)) } ?? sorted, forms.count)
    }

    /// Held times and requests not yet confirmed, and waitlist offers out, from now on.
    static func unconfirmed(of clinicianIDs: [UUID], statuses: [Appointment.Status], now: Date, on database: any Database) async throws -> [DayAppointment] {
        guard !clinicianIDs.isEmpty, !statuses.isEmpty else { return [] }
        return try await dayAppointments(where: """
            a.staff_id IN (\(binds: clinicianIDs)) AND a.status IN (\(binds: statuses.map(\.rawValue))) AND a.starts_at >= \(bind: now)
            """, limit: 50, on: database)
    }

    /// Marks a confirmed appointment's client as arrived. The condition keeps the first mark's
    /// time when two people press it at once.
    static func markArrived(_ id: UUID, at now: Date, on database: any Database) async throws {
        try await Appointment.query(on: database).set(\.$arrivedAt, to: now).filter(\.$id == id).filter(\.$status == .confirmed)
            .filter(\.$arrivedAt == nil).update()
    }
}

/// The three reads behind the notes a clinician owes, each answered from an index alone (M072):
/// a long-standing clinician's hundreds of rows were otherwise a table lookup each.
enum OwedNoteReads {
    static let attended = Appointment.Status.attended.rawValue

    /// The clients with an attended session with this clinician since `since` (`appointments_staff_start`).
    static func recentClients(of clinicianID: UUID, since: Date) -> SQLQueryString {
        """
        SELECT DISTINCT client_id FROM appointments
        WHERE staff_id = \(bind: clinicianID) AND status = \(bind: attended) AND starts_at >= \(bind: since) AND client_id IS NOT NULL
        """
    }

    /// These clients' attended sessions with anyone (`appointments_client_status_time`).
    static func attendedSessions(of clientIDs: [UUID]) -> SQLQueryString {
        """
        SELECT id, client_id, staff_id, starts_at FROM appointments
        WHERE status = \(bind: attended) AND client_id IN (\(binds: clientIDs))
        """
    }

    /// The clinician's notes about these clients, amendments left out (`notes_author`).
    static func notes(by clinicianID: UUID, about clientIDs: [UUID]) -> SQLQueryString {
        """
        SELECT client_id, appointment_id FROM session_notes
        WHERE author_id = \(bind: clinicianID) AND client_id IN (\(binds: clientIDs)) AND amends_id IS NULL
        """
    }
}
