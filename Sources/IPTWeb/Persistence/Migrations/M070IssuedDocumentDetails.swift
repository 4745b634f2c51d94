import Fluent
import Foundation
import IPTCore
import SQLKit

/// An issued invoice or receipt says what was true when it was issued. The client's name and each
/// session's provider (name, designation, registration number, and a student's supervisor) were
/// read from the live records, so a receipt printed again after a change of registration number
/// or of name said something it never said when issued. They are now written onto the invoice and
/// its lines when it is issued. Invoices issued before this take the details as they are today,
/// the nearest there is to what they said.
struct M070IssuedDocumentDetails: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One connection for every step: a pooled SQLite connection that last read the schema
        // before the change can refuse the next statement about the new column.
        try await database.withConnection { database in
            try await database.schema(Invoice.schema).field("client_name", .string).update()
            try await database.schema(InvoiceLine.schema).field("provider_json", .string).update()
            try await Self.backfill(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        // One connection for every step: a pooled SQLite connection that last read the schema
        // before the change can refuse the next statement about the new column.
        try await database.withConnection { database in
            // Plain ALTER TABLE: Fluent leaves a column in place on SQLite, which has dropped columns since 3.35.
            let sql = database as! any SQLDatabase
            try await sql.raw("ALTER TABLE invoice_lines DROP COLUMN provider_json").run()
            try await sql.raw("ALTER TABLE invoices DROP COLUMN client_name").run()
        }
    }

    /// Writes today's details onto documents that have none (those issued before this migration).
    static func backfill(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("UPDATE invoices SET client_name = (SELECT name FROM clients WHERE clients.id = invoices.client_id) WHERE client_name IS NULL").run()
        struct Row: Decodable {
            let id: UUID
            let name: String, designation: String, registration_number: String, role: String, fee_tier: String?
            let supervisor_name: String?, supervisor_designation: String?, supervisor_registration_number: String?
        }
        let rows = try await sql.raw("""
            SELECT l.id, s.name, s.designation, s.registration_number, s.role, s.fee_tier,
                   v.name AS supervisor_name, v.designation AS supervisor_designation, v.registration_number AS supervisor_registration_number
            FROM invoice_lines l JOIN staff_users s ON s.id = l.staff_id LEFT JOIN staff_users v ON v.id = s.supervisor_id
            WHERE l.provider_json IS NULL
            """).all(decoding: Row.self)
        for row in rows {
            let provider = ReceiptProvider(name: row.name, designation: row.designation, registrationNumber: row.registration_number,
                                           isStudent: row.role == StaffRole.student.rawValue || row.fee_tier == FeeTierCode.reduced.rawValue,
                                           supervisorName: row.supervisor_name, supervisorDesignation: row.supervisor_designation,
                                           supervisorRegistrationNumber: row.supervisor_registration_number)
            try await sql.update(InvoiceLine.schema).set("provider_json", to: try InvoiceLine.encode(provider)).where("id", .equal, row.id).run()
        }
    }
}
