import Fluent
import SQLKit

/// What the outcomes report reads per ended course, measured on a generated clinic of 10,000
/// clients (docs/PERFORMANCE.md, "Outcomes page"):
/// - summaries "signed or awaiting co-signature, signed in the period": with M056's index on the
///   signing time alone, SQLite (which keeps no statistics here) preferred the equality on the
///   status and read every signed summary the clinic ever wrote through (status, author). An
///   index on (status, signed time) answers both conditions with one short range per status; it
///   replaces M056's, which no other query needs.
/// - each course's attended sessions and each starting client's first appointment of each kind:
///   through (client, start) every appointment row was fetched for three of its columns. An index
///   on (client, status, start, kind) holds them all, so the rows are not read.
struct M063IndexOutcomeCourses: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "discharge_summaries_status_signed").on("discharge_summaries").column("status").column("signed_at").run()
        try await sql.drop(index: "discharge_summaries_signed").run()
        try await sql.create(index: "appointments_client_status_time").on("appointments")
            .column("client_id").column("status").column("starts_at").column("type_code").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "appointments_client_status_time").run()
        try await sql.create(index: "discharge_summaries_signed").on("discharge_summaries").column("signed_at").run()
        try await sql.drop(index: "discharge_summaries_status_signed").run()
    }
}
