import Fluent

/// When the clinic's cadence sent an appointment its questionnaires. Claimed by a conditional update
/// in the same transaction as the sending, so two instances running the job send them once.
struct M027AddCadenceClaim: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("appointments").field("cadence_sent_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("appointments").deleteField("cadence_sent_at").update()
    }
}
