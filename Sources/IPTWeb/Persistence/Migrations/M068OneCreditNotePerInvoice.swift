import Fluent
import SQLKit

/// An invoice is cancelled by one credit note. The check before issuing one runs inside the
/// transaction, but on PostgreSQL two desks pressing the button at once each found none; this
/// index lets only one of them commit (NULL, an invoice correcting nothing, may repeat).
///
/// A clinic that already has such a pair (issued documents, which are never deleted) gets the
/// index over the documents numbered after the migration instead, and a warning in the log naming
/// the invoices so that the bookkeeper can look at them.
struct M068OneCreditNotePerInvoice: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        struct Twice: Decodable { let corrects_id: String; let notes: Int }
        let twice = try await sql.raw("""
            SELECT CAST(corrects_id AS TEXT) AS corrects_id, COUNT(*) AS notes FROM invoices
            WHERE corrects_id IS NOT NULL GROUP BY corrects_id HAVING COUNT(*) > 1
            """).all(decoding: Twice.self)
        guard !twice.isEmpty else {
            try await sql.create(index: "invoices_one_credit_note").unique().on("invoices").column("corrects_id").run()
            return
        }
        struct Highest: Decodable { let number: Int? }
        let highest = try await sql.raw("SELECT MAX(number) AS number FROM invoices").first(decoding: Highest.self)?.number ?? 0
        database.logger.warning("""
            Invoices credited more than once before this version (two credit notes issued at the same moment): \
            \(twice.map(\.corrects_id).joined(separator: ", ")). They are left as issued; one credit note per invoice \
            is enforced from document number \(highest + 1) on.
            """)
        try await sql.raw("""
            CREATE UNIQUE INDEX invoices_one_credit_note ON invoices (corrects_id) WHERE number > \(literal: highest)
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "invoices_one_credit_note").run()
    }
}
