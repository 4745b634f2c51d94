import Fluent

/// Who co-signed a practicum student's discharge summary, and when.
struct M024AddDischargeCosignature: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("discharge_summaries").field("cosigned_by_id", .uuid, .references("staff_users", "id")).update()
        try await database.schema("discharge_summaries").field("cosigned_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("discharge_summaries").deleteField("cosigned_at").update()
        try await database.schema("discharge_summaries").deleteField("cosigned_by_id").update()
    }
}
