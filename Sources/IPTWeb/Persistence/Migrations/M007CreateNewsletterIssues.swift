import Fluent

struct M007CreateNewsletterIssues: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("newsletter_issues")
            .id()
            .field("subject", .string, .required)
            .field("body_markdown", .string, .required)
            .field("created_by", .uuid, .required, .references("staff_users", "id"))
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("recipient_count", .int, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("newsletter_issues").delete()
    }
}
