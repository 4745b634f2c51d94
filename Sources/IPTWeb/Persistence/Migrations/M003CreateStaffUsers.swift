import Fluent

struct M003CreateStaffUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("staff_users")
            .id()
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("role", .string, .required)
            .field("password_hash", .string, .required)
            .field("is_active", .bool, .required)
            .field("slug", .string, .required)
            .field("credentials", .string, .required)
            .field("bio", .string, .required)
            .field("fee_tier", .string)
            .field("is_public", .bool, .required)
            .field("accepting_new_clients", .bool, .required)
            .field("supervisor_id", .uuid, .references("staff_users", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .unique(on: "email")
            .unique(on: "slug")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_users").delete()
    }
}
