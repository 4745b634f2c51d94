import Fluent

/// Delivered emails keep only their recipient, subject, times and status: their bodies held
/// working links (password reset, portal, questionnaires) for as long as the row lived. Messages
/// still waiting or given up on keep theirs. Nothing to put back on revert.
struct M035DropDeliveredEmailBodies: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await OutboxMessage.query(on: database).filter(\.$status == OutboxMessage.Status.sent).droppingContent().update()
    }

    func revert(on database: any Database) async throws {}
}
