import Fluent
import SQLKit

/// The director's client list shows every client by name (the first 500) and the newest 500 still
/// waiting for a treating clinician. With no index on either column, each read and sorted the
/// whole clients table: 18 ms apiece at 100,000 clients, a 64 ms page (docs/PERFORMANCE.md, "Runs
/// of 2026-12-07, third session"). These indexes give both lists in order.
struct M071IndexClientsByNameAndAge: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "clients_name_id").on("clients").column("name").column("id").run()
        try await sql.create(index: "clients_created_at").on("clients").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "clients_created_at").run()
        try await sql.drop(index: "clients_name_id").run()
    }
}
