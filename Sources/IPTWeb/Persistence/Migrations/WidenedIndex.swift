import Fluent
import SQLKit

/// An index given more columns under the same name, so that a read finds every column it asks for
/// in the index and looks nothing up in the table. The name stays, so the plans and tests that
/// name it still hold. `before` is what `revert` puts back.
struct WidenedIndex {
    let table: String
    let name: String
    let before: [String]
    let after: [String]

    static func widen(_ indexes: [WidenedIndex], on database: any Database) async throws {
        for index in indexes { try await index.replace(columns: index.after, on: database) }
    }

    static func narrow(_ indexes: [WidenedIndex], on database: any Database) async throws {
        for index in indexes.reversed() { try await index.replace(columns: index.before, on: database) }
    }

    private func replace(columns: [String], on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: name).run()
        var create = sql.create(index: name).on(table)
        for column in columns { create = create.column(column) }
        try await create.run()
    }
}
