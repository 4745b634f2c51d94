import Fluent

struct M013CreateDataKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("data_keys")
            .field("key_id", .string, .identifier(auto: false))
            .field("wrapped_key", .string, .required)
            .field("is_active", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("data_keys").delete()
    }
}
