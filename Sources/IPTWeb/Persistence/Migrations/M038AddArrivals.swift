import Fluent

/// When the front desk saw the client arrive for an appointment: the clinician's "Today" shows
/// who is in the waiting room. A time, not a status, because a client who arrived is still in a
/// confirmed appointment until it is marked attended or not.
struct M038AddArrivals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("appointments").field("arrived_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("appointments").deleteField("arrived_at").update()
    }
}
