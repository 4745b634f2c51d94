import Fluent
import SQLKit

/// Intake by emailed link, and each consent as signed: kind, version, the hash of the exact words,
/// the name typed as a signature and when.
struct M018CreateIntake: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("intakes")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("clinician_id", .uuid, .required, .references("staff_users", "id"))
            .field("token_hash", .string, .required)
            .field("status", .string, .required)
            .field("details_sealed", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("completed_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema("consents")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("intake_id", .uuid, .references("intakes", "id"))
            .field("kind", .string, .required)
            .field("version", .string, .required)
            .field("text_sha256", .string, .required)
            .field("typed_name", .string, .required)
            .field("signed_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "consents_client").on("consents").column("client_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("consents").delete()
        try await database.schema("intakes").delete()
    }
}
