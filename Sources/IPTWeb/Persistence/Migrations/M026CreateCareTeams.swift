import Fluent
import Foundation
import SQLKit

/// Care teams as a decision the clinic records (who treats a client, who else may open the chart, why
/// and until when), the "possible duplicate" tasks a public booking leaves for the front desk, and
/// which roles besides the director may assign care teams.
///
/// Existing clinics keep working: each treatment contract already named its treating clinician, so
/// those clinicians (and a student's supervisor) become the team. Appointments alone carry nothing over.
struct M026CreateCareTeams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("care_team_members")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("staff_id", .uuid, .required, .references("staff_users", "id"))
            .field("role", .string, .required)
            .field("reason", .string)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime)
            .field("added_by_id", .uuid, .references("staff_users", "id"))
            .field("ended_by_id", .uuid, .references("staff_users", "id"))
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "care_team_client").on("care_team_members").column("client_id").column("staff_id").run()
        try await sql.create(index: "care_team_staff").on("care_team_members").column("staff_id").run()

        try await database.schema("possible_duplicates")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("existing_client_id", .uuid, .required, .references("clients", "id"))
            .field("reasons", .string, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("resolved_by_id", .uuid, .references("staff_users", "id"))
            .field("resolved_at", .datetime)
            .unique(on: "client_id", "existing_client_id")
            .create()
        try await sql.create(index: "possible_duplicates_status").on("possible_duplicates").column("status").run()

        try await database.schema("clinical_settings").field("care_team_assigners", .string, .required, .sql(.default("admin"))).update()

        let now = Date()
        struct ContractClinician: Decodable { let client_id: UUID; let clinician_id: UUID; let created_at: Date; let supervisor_id: UUID?; let role: String }
        let rows = try await sql.select().column(SQLColumn("client_id", table: "treatment_contracts")).column(SQLColumn("clinician_id", table: "treatment_contracts"))
            .column(SQLColumn("created_at", table: "treatment_contracts")).column(SQLColumn("supervisor_id", table: "staff_users"))
            .column(SQLColumn("role", table: "staff_users"))
            .from("treatment_contracts").join("staff_users", on: SQLColumn("clinician_id", table: "treatment_contracts"), .equal, SQLColumn("id", table: "staff_users"))
            .orderBy(SQLColumn("created_at", table: "treatment_contracts")).all(decoding: ContractClinician.self)
        var seen: Set<String> = []
        for row in rows {
            var members = [(row.clinician_id, "treating")]
            if row.role == "student", let supervisor = row.supervisor_id { members.append((supervisor, "supervisor")) }
            for (staff, role) in members where seen.insert("\(row.client_id)|\(staff)").inserted {
                try await sql.insert(into: "care_team_members")
                    .columns("id", "client_id", "staff_id", "role", "reason", "starts_at", "created_at")
                    .values(SQLBind(UUID()), SQLBind(row.client_id), SQLBind(staff), SQLBind(role),
                            SQLBind("Carried over from the treatment contract"), SQLBind(row.created_at), SQLBind(now))
                    .run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("clinical_settings").deleteField("care_team_assigners").update()
        try await database.schema("possible_duplicates").delete()
        try await database.schema("care_team_members").delete()
    }
}
