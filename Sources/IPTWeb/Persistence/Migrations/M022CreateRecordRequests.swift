import Fluent
import SQLKit

/// The client's rights over the record: requests for access and for correction with their 30-day
/// due date and outcome; holds that stop destruction (an open request, a complaint); tombstones left
/// by a destroyed record; and the clinic's retention rule.
struct M022CreateRecordRequests: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("record_requests")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("kind", .string, .required)
            .field("source", .string, .required)
            .field("details_sealed", .string, .required)
            .field("status", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("due_on", .string, .required)
            .field("resolved_at", .datetime)
            .field("resolved_by_id", .uuid, .references("staff_users", "id"))
            .field("response_sealed", .string)
            .field("include_notes", .bool, .required, .sql(.default(true)))
            .create()
        try await database.schema("record_holds")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("reason_sealed", .string, .required)
            .field("created_by_id", .uuid, .required, .references("staff_users", "id"))
            .field("created_at", .datetime, .required)
            .field("lifted_at", .datetime)
            .create()
        try await database.schema("record_tombstones")
            .id()
            .field("former_client_id", .string, .required)
            .field("initials", .string, .required)
            .field("last_contact", .string, .required)
            .field("kept_until", .string, .required)
            .field("destroyed_at", .datetime, .required)
            .field("destroyed_by_id", .uuid, .required, .references("staff_users", "id"))
            .field("rows_destroyed", .int, .required)
            .create()
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        try await database.schema("clinical_settings").field("retention_years", .int, .required, .sql(.default(10))).update()
        try await database.schema("clinical_settings").field("retention_minors_from_18", .bool, .required, .sql(.default(true))).update()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "record_requests_client").on("record_requests").column("client_id").run()
        try await sql.create(index: "record_holds_client").on("record_holds").column("client_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("clinical_settings").deleteField("retention_minors_from_18").update()
        try await database.schema("clinical_settings").deleteField("retention_years").update()
        for table in ["record_tombstones", "record_holds", "record_requests"] { try await database.schema(table).delete() }
    }
}
