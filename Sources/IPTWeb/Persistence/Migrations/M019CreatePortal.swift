import Fluent
import SQLKit

/// The client portal: one-time sign-in links and the sessions they open, kept apart from staff's.
struct M019CreatePortal: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("portal_links")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("as_guardian", .bool, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("portal_sessions")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("as_guardian", .bool, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("portal_sessions").delete()
        try await database.schema("portal_links").delete()
    }
}
