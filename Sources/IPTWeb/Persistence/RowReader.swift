import Fluent
import SQLKit

/// Reads every row of a query on one connection taken from the pool for that query alone.
///
/// Through the pool, SQLiteNIO hands each row to the event loop as a task of its own (a future
/// and a wake-up per row): about a seventh of the outcomes report's profile at 100,000 clients.
/// On the connection itself the rows are collected where they are read; the 12-month report went
/// from 1,355 to 1,269 ms (docs/PERFORMANCE.md, "Outcomes page"). The connection is held for the query only, as the pool would; on
/// PostgreSQL this is the same as reading through the pool.
enum RowReader {
    static func all(_ query: SQLQueryString, on db: any Database) async throws -> [any SQLRow] {
        try await db.withConnection { connection in
            try await (connection as! any SQLDatabase).raw(query).all()
        }
    }
}
