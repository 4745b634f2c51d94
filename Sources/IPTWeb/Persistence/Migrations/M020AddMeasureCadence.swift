import Fluent

/// How often the clinic sends the questionnaire before sessions (0: only when a clinician sends it).
struct M020AddMeasureCadence: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("booking_settings").field("measure_every", .int, .required, .sql(.default(0))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("booking_settings").deleteField("measure_every").update()
    }
}
