import Fluent
import SQLKit
import Vapor

/// Reads every row of a query on one connection taken from the pool for that query alone.
///
/// Through the pool, SQLiteNIO hands each row to the event loop as a task of its own (a future
/// and a wake-up per row): about a seventh of the outcomes report's profile at 100,000 clients.
/// On the connection itself the rows are collected where they are read; the 12-month report went
/// from 1,355 to 1,269 ms (docs/PERFORMANCE.md, "Outcomes page"). The connection is held for the query only, as the pool would; on
/// PostgreSQL this is the same as reading through the pool. On an SQLite file, a page's reads
/// outside a transaction go through the inline reader instead (`InlineReadingDatabase`).
enum RowReader {
    static func all(_ query: SQLQueryString, on db: any Database) async throws -> [any SQLRow] {
        if let inline = db as? InlineReadingDatabase { return try await inline.raw(query).all() }
        return try await db.withConnection { connection in
            try await (connection as! any SQLDatabase).raw(query).all()
        }
    }

    /// A read known to run longer than the inline reader's budget (a report over months of
    /// courses): on a pooled connection from the start, so that it neither holds an event loop
    /// until the watchdog stops it nor runs twice.
    static func long(_ query: SQLQueryString, on db: any Database) async throws -> [any SQLRow] {
        try await db.withConnection { connection in
            let sql = connection as! any SQLDatabase
            if let rows = try await PooledSQLiteRows.all(query, on: sql) { return rows }
            return try await sql.raw(query).all()
        }
    }

    /// A second handle on the clinic's database, through the pool of an event loop other than
    /// `eventLoop`, so that a long read can run beside the request's own. Fluent keeps one SQLite
    /// connection per event loop, so two reads on `request.db` take turns however many cores
    /// there are; the outcomes report read its responses there while its own connection read
    /// everything else (docs/PERFORMANCE.md, "Outcomes page"). With a single event loop it is
    /// that loop's handle, and the reads take turns as before.
    static func alongside(_ eventLoop: any EventLoop, in app: Application, logger: Logger) -> any Database {
        let loops = Array(app.eventLoopGroup.makeIterator())
        let other = loops.first { $0 !== eventLoop } ?? eventLoop
        return app.databases.database(logger: logger, on: other)!
    }

    static func alongside(_ request: Request) -> any Database {
        alongside(request.eventLoop, in: request.application, logger: request.logger)
    }
}
