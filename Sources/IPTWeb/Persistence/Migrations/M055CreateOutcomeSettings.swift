import Fluent

/// How the clinic defines dropout for its outcomes report. Services count it differently (a
/// clinician's judgement, or too few sessions), so it is a setting with one row, not a constant.
struct M055CreateOutcomeSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outcome_settings")
            .id()
            .field("dropout_rule", .string, .required)
            .field("dropout_sessions", .int)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outcome_settings").delete()
    }
}
