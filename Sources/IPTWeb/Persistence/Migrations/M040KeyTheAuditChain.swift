import Fluent
import SQLKit

/// From this release the audit chain is hashed with a key that is not in the database (see
/// `AuditChainKey`). The rows already written keep their plain SHA-256 links, untouched, and the
/// head records the first row to be keyed; rewriting the existing trail with the new hash would
/// itself be the kind of change the trail exists to catch. A fresh database is keyed from row 1.
struct M040KeyTheAuditChain: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_chain_head").field("keyed_from", .int64, .required, .sql(.default(1))).update()
        try await Self.keyFromNextRow(database as! any SQLDatabase)
    }

    /// Points the boundary just past the last row written.
    static func keyFromNextRow(_ sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE audit_chain_head SET keyed_from = last_sequence + 1 WHERE id = 1").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_chain_head").deleteField("keyed_from").update()
    }
}
