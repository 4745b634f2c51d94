import Fluent
import SQLKit

/// Questionnaires sent to clients, their answers (sealed) and scores, and the risk alerts that an
/// answer can raise.
struct M016CreateMeasures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("measure_responses")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("clinician_id", .uuid, .required, .references("staff_users", "id"))
            .field("appointment_id", .uuid, .references("appointments", "id", onDelete: .setNull))
            .field("instrument_code", .string, .required)
            .field("token_hash", .string, .required)
            .field("status", .string, .required)
            .field("answers_sealed", .string)
            .field("total", .int)
            .field("band", .string)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("completed_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema("risk_alerts")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("response_id", .uuid, .required, .references("measure_responses", "id"))
            .field("clinician_id", .uuid, .required, .references("staff_users", "id"))
            .field("supervisor_id", .uuid, .references("staff_users", "id"))
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("escalated_at", .datetime)
            .field("follow_up_sealed", .string)
            .field("closed_by", .uuid, .references("staff_users", "id"))
            .field("closed_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "measure_responses_client").on("measure_responses").column("client_id").column("completed_at").run()
        try await sql.create(index: "risk_alerts_status").on("risk_alerts").column("status").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("risk_alerts").delete()
        try await database.schema("measure_responses").delete()
    }
}
