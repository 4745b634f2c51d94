import Fluent

struct M004CreateStaffSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("staff_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("staff_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_sessions").delete()
    }
}
