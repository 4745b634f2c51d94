import Fluent

/// Why the front desk moved someone on the waitlist or took them off. The reason used to be the
/// audit row's detail, but the trail is kept for good and outlives every record it names, and a
/// reason written in a hurry can say something about a person's health ("urgent: GP letter").
/// It is now a row of its own, sealed, which the audit row names by id.
struct M067CreateWaitlistChanges: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WaitlistChange.schema)
            .id()
            .field("entry_id", .uuid, .required, .references("waitlist_entries", "id", onDelete: .cascade))
            .field("direction", .string, .required)
            .field("reason_sealed", .string, .required)
            .field("staff_id", .uuid, .references("staff_users", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WaitlistChange.schema).delete()
    }
}
