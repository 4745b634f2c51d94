import Fluent
import SQLKit

/// The audit trail and its chain head. Both engines get triggers that refuse UPDATE and DELETE on
/// audit rows: the table is append-only by the database's own rule, and the hash chain catches an
/// edit made by someone who first removes the trigger.
struct M009CreateAuditTrail: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("sequence", .int64, .required)
            .field("occurred_at_ms", .int64, .required)
            .field("actor_id", .string)
            .field("actor_label", .string, .required)
            .field("action", .string, .required)
            .field("record_type", .string, .required)
            .field("record_id", .string)
            .field("subject", .string)
            .field("request_id", .string)
            .field("detail", .string)
            .field("previous_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "sequence")
            .create()
        try await database.schema("audit_chain_head")
            .field("id", .int, .identifier(auto: false))
            .field("last_sequence", .int64, .required)
            .field("last_hash", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_subject").on("audit_events").column("subject").run()
        try await sql.create(index: "audit_events_actor").on("audit_events").column("actor_id").run()
        try await sql.raw("INSERT INTO audit_chain_head (id, last_sequence, last_hash) VALUES (1, 0, \(bind: String(repeating: "0", count: 64)))").run()
        for statement in AppendOnlyGuard.createStatements(engine: DatabaseEngine(of: database)) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for statement in AppendOnlyGuard.dropStatements(engine: DatabaseEngine(of: database)) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
        try await database.schema("audit_chain_head").delete()
        try await database.schema("audit_events").delete()
    }
}

/// The engine-specific statements that make audit_events append-only.
enum AppendOnlyGuard {
    static func createStatements(engine: DatabaseEngine) -> [String] {
        switch engine {
        case .sqlite:
            return [
                "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
            ]
        case .postgres:
            return [
                """
                CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql
                """,
                "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
            ]
        }
    }

    static func dropStatements(engine: DatabaseEngine) -> [String] {
        switch engine {
        case .sqlite:
            return ["DROP TRIGGER IF EXISTS audit_events_no_update", "DROP TRIGGER IF EXISTS audit_events_no_delete"]
        case .postgres:
            return ["DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events", "DROP FUNCTION IF EXISTS audit_events_refuse_change()"]
        }
    }
}
