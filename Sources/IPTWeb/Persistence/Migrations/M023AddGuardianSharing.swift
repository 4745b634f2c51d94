import Fluent

/// Whether the clinician has shared an adolescent's questionnaire with their parent or guardian.
struct M023AddGuardianSharing: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("measure_responses").field("shared_with_guardian", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("measure_responses").deleteField("shared_with_guardian").update()
    }
}
