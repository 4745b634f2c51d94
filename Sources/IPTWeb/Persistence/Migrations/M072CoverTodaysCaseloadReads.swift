import Fluent
import SQLKit

/// Today and the caseload read a clinician's care teams, their clients' attended sessions, their
/// notes and their recent sessions. Each of those indexes found the rows, and then every row was
/// looked up in its table for one or two more columns: 519 memberships, 600 sessions, a thousand
/// notes, a table page each. Every page view writes an audit row, and in WAL mode another
/// connection's commit empties a reader's page cache, so those pages came from the OS again on
/// every request: 7 of Today's 14 ms at 100,000 clients (docs/PERFORMANCE.md, "Runs of 2026-12-07,
/// fourth session"). The same indexes, widened to hold every column those reads ask for, answer
/// them from the index alone. Names are kept, so the plans and tests that name them still hold.
struct M072CoverTodaysCaseloadReads: AsyncMigration {
    static let indexes: [WidenedIndex] = [
        // CareTeamQueries.clients(of:at:): the memberships active now.
        WidenedIndex(table: "care_team_members", name: "care_team_staff",
                     before: ["staff_id"], after: ["staff_id", "starts_at", "ends_at", "client_id"]),
        // TodayQueries.sessionsWithoutNote: the clinician's notes about these clients.
        WidenedIndex(table: "session_notes", name: "notes_author",
                     before: ["author_id"], after: ["author_id", "client_id", "amends_id", "appointment_id"]),
        // TodayQueries.sessionsWithoutNote: these clients' attended sessions, with whom and which.
        WidenedIndex(table: "appointments", name: "appointments_client_status_time",
                     before: ["client_id", "status", "starts_at", "type_code"], after: ["client_id", "status", "starts_at", "type_code", "staff_id", "id"]),
        // TodayQueries.sessionsWithoutNote: the clients the clinician saw in the last 90 days.
        WidenedIndex(table: "appointments", name: "appointments_staff_start",
                     before: ["staff_id", "starts_at"], after: ["staff_id", "starts_at", "status", "client_id"]),
    ]

    func prepare(on database: any Database) async throws {
        try await WidenedIndex.widen(Self.indexes, on: database)
    }

    func revert(on database: any Database) async throws {
        try await WidenedIndex.narrow(Self.indexes, on: database)
    }
}
