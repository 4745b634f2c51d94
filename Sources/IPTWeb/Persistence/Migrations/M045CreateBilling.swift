import Fluent
import Foundation
import SQLKit

/// The ledger (charges), invoices and credit notes with their lines, payments and refunds with
/// how they were applied, per-client sliding-scale rates, the clinic's billing settings (which hold
/// the invoice counter), and the receipt details of each staff member.
///
/// Integrity lives in the database: one charge per appointment (a unique appointment_id, so every
/// path that marks a session can try to insert and only the first does), one invoice per number,
/// one payment per form idempotency key.
struct M045CreateBilling: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("billing_settings")
            .id()
            .field("invoice_prefix", .string, .required)
            .field("next_invoice_number", .int, .required)
            .field("tax_name", .string, .required)
            .field("tax_rate_bp", .int, .required)
            .field("exempt_tiers", .string, .required)
            .field("exempt_services", .string, .required)
            .field("exemption_note", .string, .required)
            .field("no_show_fee_cents", .int)
            .field("sliding_min_cents", .int, .required)
            .field("sliding_max_cents", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("sliding_scale_rates")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("amount_cents", .int, .required)
            .field("review_on", .string, .required)
            .field("reason", .string, .required)
            .field("approved_by_id", .uuid, .required, .references("staff_users", "id"))
            .field("approved_at", .datetime, .required)
            .field("ended_at", .datetime)
            .create()

        try await database.schema("invoices")
            .id()
            .field("number", .int, .required)
            .field("display_number", .string, .required)
            .field("kind", .string, .required)
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("corrects_id", .uuid, .references("invoices", "id"))
            .field("issued_at", .datetime, .required)
            .field("issued_on", .string, .required)
            .field("subtotal_cents", .int, .required)
            .field("tax_cents", .int, .required)
            .field("total_cents", .int, .required)
            .field("tax_name", .string, .required)
            .field("exemption_note", .string)
            .field("reason", .string)
            .field("issued_by", .string, .required)
            .unique(on: "number")
            .create()

        try await database.schema("charges")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("appointment_id", .uuid, .references("appointments", "id"))
            .field("staff_id", .uuid, .required, .references("staff_users", "id"))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("service_code", .string, .required)
            .field("tier_code", .string)
            .field("service_at", .datetime, .required)
            .field("minutes", .int, .required)
            .field("amount_cents", .int, .required)
            .field("original_cents", .int, .required)
            .field("adjustment_reason", .string)
            .field("invoice_id", .uuid, .references("invoices", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "appointment_id")
            .create()

        try await database.schema("invoice_lines")
            .id()
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("charge_id", .uuid, .references("charges", "id"))
            .field("position", .int, .required)
            .field("description", .string, .required)
            .field("service_at", .datetime, .required)
            .field("staff_id", .uuid, .required, .references("staff_users", "id"))
            .field("tier_code", .string)
            .field("amount_cents", .int, .required)
            .field("tax_cents", .int, .required)
            .field("exempt", .bool, .required)
            .create()

        try await database.schema("payments")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("kind", .string, .required)
            .field("method", .string, .required)
            .field("amount_cents", .int, .required)
            .field("received_on", .string, .required)
            .field("reference", .string, .required)
            .field("recorded_by_id", .uuid, .required, .references("staff_users", "id"))
            .field("recorded_by", .string, .required)
            .field("idempotency_key", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "idempotency_key")
            .create()

        try await database.schema("payment_allocations")
            .id()
            .field("payment_id", .uuid, .required, .references("payments", "id"))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("amount_cents", .int, .required)
            .create()

        try await database.schema("staff_users")
            .field("designation", .string, .required, .sql(.default("")))
            .update()
        try await database.schema("staff_users")
            .field("registration_number", .string, .required, .sql(.default("")))
            .update()

        let sql = database as! any SQLDatabase
        // The one settings row exists from the start: it holds the invoice counter, which every
        // issue claims with a conditional update, so there must be no moment without it.
        try await sql.insert(into: "billing_settings")
            .columns("id", "invoice_prefix", "next_invoice_number", "tax_name", "tax_rate_bp", "exempt_tiers", "exempt_services",
                     "exemption_note", "sliding_min_cents", "sliding_max_cents", "updated_at")
            .values(SQLBind(UUID()), SQLBind("INV"), SQLBind(1), SQLBind("HST"), SQLBind(1300), SQLBind("full,qualifying,reduced"),
                    SQLBind("assessment,ipt-session,ipt-a-session,guardian-session,maintenance"),
                    SQLBind("Exempt from HST: psychotherapy services provided by a regulated health professional."),
                    SQLBind(3000), SQLBind(12000), SQLBind(Date()))
            .run()
        try await sql.create(index: "charges_client").on("charges").column("client_id").run()
        try await sql.create(index: "invoices_client").on("invoices").column("client_id").run()
        try await sql.create(index: "invoice_lines_invoice").on("invoice_lines").column("invoice_id").run()
        try await sql.create(index: "payments_client").on("payments").column("client_id").run()
        try await sql.create(index: "payment_allocations_invoice").on("payment_allocations").column("invoice_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_users").deleteField("registration_number").update()
        try await database.schema("staff_users").deleteField("designation").update()
        for table in ["payment_allocations", "payments", "invoice_lines", "charges", "invoices", "sliding_scale_rates", "billing_settings"] {
            try await database.schema(table).delete()
        }
    }
}
