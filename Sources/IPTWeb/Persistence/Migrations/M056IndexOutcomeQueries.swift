import Fluent
import SQLKit

/// The indexes the outcomes report relies on at 100,000 clients: the summaries signed in a period,
/// contracts started in a month, appointments of a kind in a month, enquiries by month and by the
/// address a client is matched with, and a student's co-signed notes.
struct M056IndexOutcomeQueries: AsyncMigration {
    static let indexes: [(name: String, table: String, columns: [String])] = [
        ("discharge_summaries_signed", "discharge_summaries", ["signed_at"]),
        ("treatment_contracts_start", "treatment_contracts", ["start_date"]),
        ("appointments_type_time", "appointments", ["type_code", "starts_at"]),
        ("enquiries_created", "enquiries", ["created_at"]),
        ("enquiries_email", "enquiries", ["email"]),
        ("session_notes_author_cosigned", "session_notes", ["author_id", "cosigned_at"]),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in Self.indexes {
            var create = sql.create(index: index.name).on(index.table)
            for column in index.columns { create = create.column(column) }
            try await create.run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in Self.indexes.reversed() { try await sql.drop(index: index.name).run() }
    }
}
