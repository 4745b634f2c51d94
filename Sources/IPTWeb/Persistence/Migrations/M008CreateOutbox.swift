import Fluent
import SQLKit

struct M008CreateOutbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbox_messages")
            .id()
            .field("recipient", .string, .required)
            .field("subject", .string, .required)
            .field("body_text", .string, .required)
            .field("body_html", .string)
            .field("extra_headers", .dictionary(of: .string), .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claim_token", .string)
            .field("locked_until", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await (database as! any SQLDatabase)
            .create(index: "outbox_due").on("outbox_messages").column("status").column("next_attempt_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox_messages").delete()
    }
}
