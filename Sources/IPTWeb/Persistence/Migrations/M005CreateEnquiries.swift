import Fluent
import SQLKit

struct M005CreateEnquiries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("enquiries")
            .id()
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("phone", .string)
            .field("preferred_contact", .string, .required)
            .field("message", .string, .required)
            .field("source", .string, .required)
            .field("status", .string, .required)
            .field("handled_by", .uuid, .references("staff_users", "id", onDelete: .setNull))
            .field("handled_at", .datetime)
            .field("handling_note", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase)
            .create(index: "enquiries_status_created").on("enquiries").column("status").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enquiries").delete()
    }
}
