import FluentKit
import FluentSQL
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import SQLiteKit

/// The clinic's SQLite database as Fluent hands it to pages (`request.db`), with its reads outside
/// a transaction answered by the `InlineSQLiteReader` (on the calling event loop, statements kept
/// compiled) and everything else by sqlite-nio as before. A chart made about twenty reads, each
/// compiled again and handed to a pool thread and back; the hand-offs and recompiling were most of
/// what the page cost on two cores with eight people at once (docs/PERFORMANCE.md, "Runs of
/// 2026-12-07, third session").
///
/// What stays on sqlite-nio: every write, every schema change, a transaction and whatever runs
/// inside it (its own connection, which must see its own uncommitted writes), `withConnection`,
/// and any read the reader hands back (busy, over its time budget, not a plain SELECT).
/// Without a reader (an in-memory database, or before it is opened at start) this is sqlite-nio.
struct InlineReadingConfiguration: DatabaseConfiguration {
    var inner: any DatabaseConfiguration
    let slot: InlineReaderSlot

    var middleware: [any AnyModelMiddleware] {
        get { inner.middleware }
        set { inner.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        InlineReadingDriver(inner: inner.makeDriver(for: databases), slot: slot)
    }
}

/// Where the reader is put once the database file is ready (it is opened after the migrations,
/// which put the file in WAL mode; the driver exists before that).
final class InlineReaderSlot: Sendable {
    private let box = NIOLockedValueBox<InlineSQLiteReader?>(nil)
    var reader: InlineSQLiteReader? {
        get { box.withLockedValue { $0 } }
        set { box.withLockedValue { $0 = newValue } }
    }
}

struct InlineReadingDriver: DatabaseDriver {
    let inner: any DatabaseDriver
    let slot: InlineReaderSlot

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let pooled = inner.makeDatabase(with: context)
        guard let reader = slot.reader else { return pooled }
        return InlineReadingDatabase(pooled: pooled, reader: reader)
    }

    func shutdown() { inner.shutdown() }
    func shutdownAsync() async { await inner.shutdownAsync() }
}

struct InlineReadingDatabase: Database, SQLDatabase {
    /// sqlite-nio's database for this request (`FluentSQLiteDatabase`, which is also an `SQLDatabase`).
    let pooled: any Database
    let reader: InlineSQLiteReader

    private var pooledSQL: any SQLDatabase { pooled as! any SQLDatabase }
    private var inline: InlineSQLiteDatabase {
        InlineSQLiteDatabase(reader: reader, eventLoop: pooled.eventLoop, logger: pooled.logger) { [pooled] in pooled as! any SQLDatabase }
    }

    // MARK: Database

    var context: DatabaseContext { pooled.context }
    var inTransaction: Bool { pooled.inTransaction }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        switch query.action {
        case .read, .aggregate:
            inline.execute(sql: SQLQueryConverter(delegate: ReadConverterDelegate()).convert(query)) { onOutput(RowOutput(row: $0, schema: nil)) }
        default:
            pooled.execute(query: query, onOutput: onOutput)
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { pooled.execute(schema: schema) }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { pooled.execute(enum: `enum`) }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        pooled.transaction(closure)
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        pooled.withConnection(closure)
    }

    // MARK: SQLDatabase (raw SQL: SELECT and WITH inline, the rest on sqlite-nio)

    var logger: Logger { pooled.logger }
    var eventLoop: any EventLoop { pooled.eventLoop }
    var dialect: any SQLDialect { pooledSQL.dialect }
    var version: (any SQLDatabaseReportedVersion)? { pooledSQL.version }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        inline.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await inline.execute(sql: query, onRow)
    }
}

/// The SQLite driver's own converter settings, for queries: it only changes column types, which
/// queries do not name.
private struct ReadConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? { nil }
}

/// A row as Fluent's models read it, as the SQLite driver presents its own rows (its adaptor is
/// private to it): a model's fields, with the table's prefix when Fluent joins.
private struct RowOutput: DatabaseOutput {
    let row: any SQLRow
    let schema: String?

    var description: String { String(describing: row) }

    private func column(_ key: FieldKey) -> String {
        (schema.map { .prefix(.prefix(.string($0), "_"), key) } ?? key).description
    }

    func schema(_ schema: String) -> any DatabaseOutput { RowOutput(row: row, schema: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}
