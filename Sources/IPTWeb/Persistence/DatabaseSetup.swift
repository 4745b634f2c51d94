import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

/// Which engine the app runs on; the few engine-specific statements branch on it here and nowhere else.
public enum DatabaseEngine: Sendable {
    case sqlite
    case postgres

    /// The engine behind a database handle. Migrations and transactions get a bare `Database`,
    /// not the application, so they ask the handle itself.
    init(of database: any Database) {
        let dialect = (database as? any SQLDatabase)?.dialect.name
        self = dialect == "postgresql" ? .postgres : .sqlite
    }
}

enum DatabaseSetup {
    /// The pragmas every SQLite connection must carry. WAL lets readers run beside the writer;
    /// FULL makes a commit survive power loss; the busy timeout replaces sqlite-nio's retry-forever
    /// handler so a stuck writer turns into an error instead of a hung request.
    static let sqlitePragmas: [(name: String, value: String, expected: String)] = [
        ("journal_mode", "WAL", "wal"),
        ("synchronous", "FULL", "2"),
        ("busy_timeout", "5000", "5000"),
        ("foreign_keys", "ON", "1"),
        // 32 MiB of pages per connection instead of SQLite's 2 MiB: a report over thousands of
        // courses read the same index pages again from the OS on every request (a sixth of its
        // query time at 10,000 clients; docs/PERFORMANCE.md). Memory is taken only as pages are read.
        ("cache_size", "-32768", "-32768"),
    ]

    /// The connections the audit trail is written through, apart from the pool pages use (see
    /// `register`).
    static let auditDatabase = DatabaseID(string: "sqlite-audit")
    static let postgresAuditDatabase = DatabaseID(string: "psql-audit")

    /// Connections per event loop of the pool pages use. SQLite keeps one (its driver's only size).
    static func requestPoolSize(_ settings: Settings) -> Int {
        guard case .postgres = settings.database else { return 1 }
        return settings.isTesting ? 3 : 8
    }

    static func auditDatabaseID(for settings: Settings) -> DatabaseID? {
        switch settings.database {
        case .sqliteFile: auditDatabase
        case .postgres: postgresAuditDatabase
        case .sqliteMemory: nil
        }
    }

    /// Read-only connections for `Request.inlineReads` on an SQLite file, closed when the app
    /// shuts down. Opened after `prepare`, which put the file in WAL mode.
    static func inlineReader(_ app: Application, settings: Settings) throws -> InlineSQLiteReader? {
        guard case .sqliteFile(let path) = settings.database else { return nil }
        let reader = try InlineSQLiteReader(path: path, group: app.eventLoopGroup,
                                            timeBudget: settings.isTesting ? .milliseconds(100) : .milliseconds(2))
        app.lifecycle.use(ClosesInlineReader(reader: reader))
        app.inlineReaderSlot.reader = reader
        return reader
    }

    /// The audit writer's own connection on an SQLite file, closed when the app shuts down.
    /// Opened after `prepare`, like the inline reader.
    static func auditAppender(_ app: Application, settings: Settings) throws -> SQLiteAuditAppender? {
        guard case .sqliteFile(let path) = settings.database else { return nil }
        let appender = try SQLiteAuditAppender(path: path)
        app.lifecycle.use(ClosesAuditAppender(appender: appender))
        return appender
    }

    private struct ClosesAuditAppender: LifecycleHandler {
        let appender: SQLiteAuditAppender
        func shutdown(_ application: Application) { appender.close() }
    }

    private struct ClosesInlineReader: LifecycleHandler {
        let reader: InlineSQLiteReader
        func shutdown(_ application: Application) {
            application.inlineReaderSlot.reader = nil
            reader.close()
        }
    }

    /// Threads for SQLite's blocking calls (and password hashing and file I/O). SQLite waits for a
    /// lock inside the call (`busy_timeout`), holding its thread. On the process-wide default pool,
    /// one thread per core and shared with everything else that blocks, connections waiting for
    /// the write lock took every thread, and the connection that held the lock (an audit batch in
    /// its transaction) had none left to commit on: all waited the whole five seconds, and the
    /// waiters failed with "database is locked" (a 500; two posts of one note form at once did it
    /// three times in four). The app has a pool of its own, with a thread for every connection
    /// its pools can open (one per event loop, for the app and for the audit writer) and room to
    /// spare, so the holder of the lock always has one.
    static var blockingThreads: Int { max(16, 4 * System.coreCount + 2) }

    static func register(_ app: Application, settings: Settings) throws -> DatabaseEngine {
        switch settings.database {
        case .sqliteFile(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Pages' reads outside a transaction go through the inline reader once it is open
            // (`inlineReader`); see `InlineReadingConfiguration`.
            app.databases.use(InlineReadingConfiguration(inner: DatabaseConfigurationFactory.sqlite(.file(path), sqlLogLevel: nil).make(),
                                                         slot: app.inlineReaderSlot), as: .sqlite)
            // The audit writer's own connections to the same file. Fluent keeps one SQLite
            // connection per event loop; while a batch of audit rows was being committed there,
            // every page on that loop waited to read. Readers never wait for the writer in WAL mode,
            // so with its own connection the audit commit no longer holds up page views.
            app.databases.use(.sqlite(.file(path), sqlLogLevel: nil), as: auditDatabase, isDefault: false)
            return .sqlite
        case .sqliteMemory:
            guard settings.isTesting else {
                throw ConfigurationError("An in-memory database loses every record when the process stops; it is only allowed in tests. Unset DATABASE_URL to use a file in the data directory.")
            }
            app.databases.use(.sqlite(.memory, sqlLogLevel: nil), as: .sqlite)
            return .sqlite
        case .postgres(let url, let schema):
            var configuration = try SQLPostgresConfiguration(url: url)
            if let schema {
                configuration.searchPath = [schema]
            }
            app.databases.use(
                // Tests run dozens of apps at once against one server; each keeps a small pool so
                // they stay under its connection limit.
                .postgres(configuration: configuration, maxConnectionsPerEventLoop: requestPoolSize(settings),
                          encodingContext: .default, decodingContext: .default,
                          // Statements only at trace (the driver cannot turn them off): PostgresKit
                          // logs their bound values, which hold what people wrote to the clinic.
                          sqlLogLevel: .trace),
                as: .psql
            )
            // The audit writer's own connection. It commits one batch at a time, and on PostgreSQL
            // it may wait for another instance's lock on the chain head. From the shared pool, that
            // wait held a connection pages needed, and in a busy minute the commit queued behind
            // page queries while every audited page waited for the commit (docs/OPERATIONS.md).
            app.databases.use(
                .postgres(configuration: configuration, maxConnectionsPerEventLoop: 1,
                          encodingContext: .default, decodingContext: .default, sqlLogLevel: .trace),
                as: postgresAuditDatabase, isDefault: false
            )
            return .postgres
        }
    }

    /// Sets the pragmas on each event loop's connection and reads them back; refuses to boot when
    /// one does not hold (a wrong journal mode or sync level silently weakens durability).
    static func prepare(_ app: Application, engine: DatabaseEngine, settings: Settings) async throws {
        switch engine {
        case .sqlite:
            let isMemory = settings.database == .sqliteMemory
            // Every connection: the request pool's (nil, the default) and the audit writer's.
            var databaseIDs: [DatabaseID?] = [nil]
            if let audit = auditDatabaseID(for: settings) { databaseIDs.append(audit) }
            for id in databaseIDs {
                for eventLoop in app.eventLoopGroup.makeIterator() {
                    let database = app.databases.database(id, logger: app.logger, on: eventLoop)!
                    try await setAndCheckPragmas(on: database as! any SQLDatabase, isMemory: isMemory)
                }
            }
        case .postgres:
            if case .postgres(_, let schema?) = settings.database {
                let sql = app.db as! any SQLDatabase
                try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
            }
        }
    }
}

extension DatabaseSetup {
    private static func setAndCheckPragmas(on sql: any SQLDatabase, isMemory: Bool) async throws {
        for pragma in sqlitePragmas {
            if isMemory, pragma.name == "journal_mode" { continue }
            try await sql.raw(SQLQueryString("PRAGMA \(unsafeRaw: pragma.name) = \(unsafeRaw: pragma.value)")).run()
        }
        for pragma in sqlitePragmas {
            if isMemory, pragma.name == "journal_mode" { continue }
            let row = try await sql.raw(SQLQueryString("PRAGMA \(unsafeRaw: pragma.name)")).first()
            let actual = row.flatMap { row in
                (try? row.decode(column: row.allColumns.first ?? pragma.name, as: String.self))
                    ?? (try? row.decode(column: row.allColumns.first ?? pragma.name, as: Int.self)).map(String.init)
            }
            guard actual?.lowercased() == pragma.expected else {
                throw ConfigurationError("SQLite pragma \(pragma.name) is \(actual ?? "unknown"), expected \(pragma.expected); refusing to start.")
            }
        }
    }
}

extension Application {
    private struct EngineKey: StorageKey { typealias Value = DatabaseEngine }

    var databaseEngine: DatabaseEngine {
        get { storage[EngineKey.self] ?? .sqlite }
        set { storage[EngineKey.self] = newValue }
    }
}

extension Application {
    private struct InlineReaderSlotKey: StorageKey {
        typealias Value = InlineReaderSlot
    }

    /// Where `request.db` finds the inline reader (see `InlineReadingConfiguration`).
    var inlineReaderSlot: InlineReaderSlot {
        if let slot = storage[InlineReaderSlotKey.self] { return slot }
        let slot = InlineReaderSlot()
        storage[InlineReaderSlotKey.self] = slot
        return slot
    }
}
