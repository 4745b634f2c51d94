import Fluent

/// One attachment per email (a calendar invitation), kept with the message until it is sent.
struct M015AddOutboxAttachment: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbox_messages").field("attachment_name", .string).update()
        try await database.schema("outbox_messages").field("attachment_type", .string).update()
        try await database.schema("outbox_messages").field("attachment_body", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox_messages").deleteField("attachment_body").update()
        try await database.schema("outbox_messages").deleteField("attachment_type").update()
        try await database.schema("outbox_messages").deleteField("attachment_name").update()
    }
}
