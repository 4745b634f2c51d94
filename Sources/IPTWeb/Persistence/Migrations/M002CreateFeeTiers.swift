import Fluent

struct M002CreateFeeTiers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("fee_tiers")
            .id()
            .field("code", .string, .required)
            .field("label", .string, .required)
            .field("session_fee_cents", .int, .required)
            .field("currency", .string, .required)
            .field("description", .string, .required)
            .field("sort_order", .int, .required)
            .unique(on: "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("fee_tiers").delete()
    }
}
