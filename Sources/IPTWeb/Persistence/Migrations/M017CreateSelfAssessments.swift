import Fluent
import SQLKit

/// The pre-therapy self-assessment a client fills in by an emailed link; the answers are sealed.
struct M017CreateSelfAssessments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("self_assessments")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("clinician_id", .uuid, .required, .references("staff_users", "id"))
            .field("token_hash", .string, .required)
            .field("status", .string, .required)
            .field("answers_sealed", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("completed_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await (database as! any SQLDatabase).create(index: "self_assessments_client").on("self_assessments").column("client_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("self_assessments").delete()
    }
}
