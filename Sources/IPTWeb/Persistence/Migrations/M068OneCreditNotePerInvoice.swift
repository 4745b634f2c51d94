import Fluent
import SQLKit

/// An invoice is cancelled by one credit note. The check before issuing one runs inside the
/// transaction, but on PostgreSQL two desks pressing the button at once each found none; this
/// index lets only one of them commit (NULL, an invoice correcting nothing, may repeat).
struct M068OneCreditNotePerInvoice: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).create(index: "invoices_one_credit_note").unique().on("invoices").column("corrects_id").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "invoices_one_credit_note").run()
    }
}
