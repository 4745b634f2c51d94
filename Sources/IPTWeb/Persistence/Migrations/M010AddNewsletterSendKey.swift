import Fluent
import SQLKit

/// A key per compose form, unique, so pressing Send twice (or a retried POST) sends the issue once.
struct M010AddNewsletterSendKey: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("newsletter_issues")
            .field("send_key", .string)
            .update()
        try await (database as! any SQLDatabase)
            .create(index: "newsletter_issues_send_key").unique().on("newsletter_issues").column("send_key").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "newsletter_issues_send_key").run()
        try await database.schema("newsletter_issues").deleteField("send_key").update()
    }
}
