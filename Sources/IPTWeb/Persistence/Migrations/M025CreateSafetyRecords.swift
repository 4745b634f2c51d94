import Fluent
import SQLKit

/// Risk alerts raised by session notes as well as questionnaires (the response becomes optional and a
/// note can be the source), at most one alert per response and per note (the unique index is what
/// makes two simultaneous risk answers open one alert), standing history flags on a client's chart,
/// and the last run of each scheduled job.
///
/// SQLite cannot drop a NOT NULL, so the alerts move to a new table of the new shape and take the
/// old name; the same steps run on PostgreSQL so both engines end with one schema.
struct M025CreateSafetyRecords: AsyncMigration {
    private static let carried = ["id", "client_id", "response_id", "clinician_id", "supervisor_id", "status", "created_at",
                                  "escalated_at", "follow_up_sealed", "closed_by", "closed_at"]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("risk_alerts_next")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("source", .string, .required)
            .field("response_id", .uuid, .references("measure_responses", "id"))
            .field("note_id", .uuid, .references("session_notes", "id"))
            .field("clinician_id", .uuid, .required, .references("staff_users", "id"))
            .field("supervisor_id", .uuid, .references("staff_users", "id"))
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("escalated_at", .datetime)
            .field("follow_up_sealed", .string)
            .field("closed_by", .uuid, .references("staff_users", "id"))
            .field("closed_at", .datetime)
            .create()
        let columns = Self.carried.map { SQLIdentifier($0) as any SQLExpression }
        try await sql.raw("""
            INSERT INTO risk_alerts_next (\(SQLList(columns)), source) SELECT \(SQLList(columns)), 'questionnaire' FROM risk_alerts
            """).run()
        try await database.schema("risk_alerts").delete()
        try await sql.raw("ALTER TABLE risk_alerts_next RENAME TO risk_alerts").run()
        // Before the claim became one statement, two simultaneous submissions could raise two alerts
        // for one questionnaire. The later ones keep their follow-up but let go of the questionnaire,
        // so the index below can hold.
        try await sql.raw("""
            UPDATE risk_alerts SET response_id = NULL WHERE response_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM risk_alerts AS earlier WHERE earlier.response_id = risk_alerts.response_id
              AND (earlier.created_at < risk_alerts.created_at
                   OR (earlier.created_at = risk_alerts.created_at AND CAST(earlier.id AS TEXT) < CAST(risk_alerts.id AS TEXT))))
            """).run()
        try await sql.create(index: "risk_alerts_status").on("risk_alerts").column("status").column("created_at").run()
        try await sql.create(index: "risk_alerts_one_per_response").unique().on("risk_alerts").column("response_id").run()
        try await sql.create(index: "risk_alerts_one_per_note").unique().on("risk_alerts").column("note_id").run()

        try await database.schema("client_flags")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("kind", .string, .required)
            .field("response_id", .uuid, .references("measure_responses", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .unique(on: "client_id", "kind")
            .create()

        try await database.schema("job_runs")
            .field("name", .string, .identifier(auto: false))
            .field("last_started_at", .datetime)
            .field("last_succeeded_at", .datetime)
            .field("last_failed_at", .datetime)
            .field("last_error", .string)
            .field("failures_in_a_row", .int, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("job_runs").delete()
        try await database.schema("client_flags").delete()
        try await database.schema("risk_alerts_previous")
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
        // Alerts raised by notes have no place in the earlier shape and are dropped with it.
        let columns = Self.carried.map { SQLIdentifier($0) as any SQLExpression }
        try await sql.raw("""
            INSERT INTO risk_alerts_previous (\(SQLList(columns))) SELECT \(SQLList(columns)) FROM risk_alerts WHERE response_id IS NOT NULL
            """).run()
        try await database.schema("risk_alerts").delete()
        try await sql.raw("ALTER TABLE risk_alerts_previous RENAME TO risk_alerts").run()
        try await sql.create(index: "risk_alerts_status").on("risk_alerts").column("status").column("created_at").run()
    }
}
