import Fluent

struct M006CreateNewsletterSubscribers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("newsletter_subscribers")
            .id()
            .field("email", .string, .required)
            .field("status", .string, .required)
            .field("consent_wording", .string, .required)
            .field("consent_version", .string, .required)
            .field("consent_source", .string, .required)
            .field("consent_at", .datetime, .required)
            .field("confirm_token_hash", .string)
            .field("confirm_expires_at", .datetime)
            .field("confirmed_at", .datetime)
            .field("unsubscribe_token", .string, .required)
            .field("unsubscribed_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "email")
            .unique(on: "unsubscribe_token")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("newsletter_subscribers").delete()
    }
}
