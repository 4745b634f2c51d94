import Fluent
import SQLKit

/// The calendars, Today and slot finding ask for a clinician's appointments overlapping a window.
/// An index cannot answer "starts before the end and ends after the start" by itself: it read
/// every earlier appointment of the clinician (scripts/bench-scale: ten years are 10,000 rows a
/// clinician, and everyone's day read all of them for every clinician). The queries now also say
/// "starts after the window's start less `Appointment.longestSpan`", which this index on
/// (clinician, start) and the existing one on (clinician, blocked from) answer with a short range.
/// The bound is only right if no row lasts longer, so the database now refuses one that does.
struct M062IndexAppointmentsByClinicianStart: AsyncMigration {
    /// Two days, in seconds: `Appointment.longestSpan`.
    static let longestSpanSeconds = Int(Appointment.longestSpan)

    static func guardStatements(engine: DatabaseEngine) -> [String] {
        let limit = longestSpanSeconds
        switch engine {
        case .postgres:
            return ["""
                ALTER TABLE appointments ADD CONSTRAINT appointments_longest_span CHECK (
                blocked_until - blocked_from <= interval '\(limit) seconds' AND ends_at - starts_at <= interval '\(limit) seconds')
                """]
        case .sqlite:
            // SQLite cannot add a CHECK to a table; triggers refuse the same rows (times are seconds).
            return ["INSERT", "UPDATE"].map { event in """
                CREATE TRIGGER appointments_longest_span_\(event.lowercased()) BEFORE \(event) ON appointments
                WHEN NEW.blocked_until - NEW.blocked_from > \(limit) OR NEW.ends_at - NEW.starts_at > \(limit)
                BEGIN SELECT RAISE(ABORT, 'appointments_longest_span'); END
                """ }
        }
    }

    static func dropStatements(engine: DatabaseEngine) -> [String] {
        switch engine {
        case .postgres: ["ALTER TABLE appointments DROP CONSTRAINT appointments_longest_span"]
        case .sqlite: ["DROP TRIGGER appointments_longest_span_insert", "DROP TRIGGER appointments_longest_span_update"]
        }
    }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "appointments_staff_start").on("appointments").column("staff_id").column("starts_at").run()
        for statement in Self.guardStatements(engine: DatabaseEngine(of: database)) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for statement in Self.dropStatements(engine: DatabaseEngine(of: database)) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
        try await sql.drop(index: "appointments_staff_start").run()
    }
}
