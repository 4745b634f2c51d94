import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
// The C library inside sqlite-nio (not one of its products, so this import leans on SwiftPM
// making a dependency's C modules visible). It must be that copy and no other: two copies of
// SQLite in one process do not see each other's POSIX locks, and closing a file in one releases
// the other's locks, which can corrupt the database.
import VaporCSQLite

/// Short reads on SQLite run on the calling thread through read-only connections that keep their
/// prepared statements, instead of through sqlite-nio, which prepares every statement again and
/// runs it on the blocking thread pool. Each staff page reads its session and usually a short list;
/// the hand-off to a pool thread and back cost more than the read itself (about a fifth of an
/// audited staff page's time, docs/PERFORMANCE.md).
///
/// What keeps the calling thread (an event loop) from being held up:
/// - WAL readers never wait for the writer, and the busy timeout is zero: a read that would have
///   to wait (a checkpoint resetting the log) is handed to the pooled connection instead;
/// - a statement still running after `timeBudget` is interrupted by a watchdog thread and handed
///   to the pooled connection, so a large OFFSET or an unindexed filter costs one slow read on the
///   pool instead of holding the event loop (sqlite-nio's SQLite is built without the progress
///   callback that would do this inside SQLite; an interrupt does not cut into a disk read or into
///   SQLite's short retry waits for the log index, which are not bounded this way);
/// - only SELECT and WITH queries with every parameter bound are run here;
/// - rows are collected before any is handed on, so a hand-off never delivers a row twice.
///
/// Only for reads outside a transaction: these connections do not see a transaction's own
/// uncommitted writes. They see every committed write, since each statement is reset (and its
/// read snapshot released) as soon as its rows are read.
final class InlineSQLiteReader: Sendable {
    /// The SQLite these connections are linked against (its source id: version, date and check-in
    /// hash), for the test that checks it is the very build sqlite-nio runs. VaporCSQLite is not a
    /// published product, so a dependency update could rename or duplicate it silently.
    static var linkedSourceID: String { String(cString: sqlite_nio_sqlite3_sourceid()) }

    /// How long a statement may run here before it is interrupted and moved to the pool. Wall
    /// time, so a thread the kernel set aside counts too; tests, which run hundreds of apps at once
    /// on two cores, give more (see `DatabaseSetup.inlineReader`).
    let timeBudget: TimeAmount

    private let connections: [ReadConnection]
    private let connectionForLoop: [ObjectIdentifier: Int]
    private let nextSpare = NIOLockedValueBox(0)
    private let counts = NIOLockedValueBox((served: 0, handedOver: 0))

    /// Opens one read-only connection per event loop of `group`. The database file must exist.
    init(path: String, group: any EventLoopGroup, timeBudget: TimeAmount = .milliseconds(2)) throws {
        self.timeBudget = timeBudget
        var connections: [ReadConnection] = []
        var byLoop: [ObjectIdentifier: Int] = [:]
        for loop in group.makeIterator() {
            byLoop[ObjectIdentifier(loop)] = connections.count
            connections.append(try ReadConnection(path: path))
        }
        self.connections = connections
        self.connectionForLoop = byLoop
        InlineReadWatchdog.shared.watch(self, connections: connections, budget: timeBudget)
    }

    func close() {
        InlineReadWatchdog.shared.unwatch(self)
        for connection in connections { connection.close() }
    }

    /// Runs `sql`, or returns nil when it has to go to the pooled connection instead.
    func rows(_ sql: String, binds: [SQLiteData]) -> [InlineSQLiteRow]? {
        let rows = connection().run(sql, binds: binds)
        counts.withLockedValue { rows == nil ? ($0.handedOver += 1) : ($0.served += 1) }
        return rows
    }

    /// How many times SQLite compiled a kept statement again (the point of keeping them is that
    /// it does not).
    var recompilations: Int { connections.reduce(0) { $0 + $1.recompilations() } }

    /// Statements answered here, and statements handed to the pooled connection, so far.
    var statementCounts: (served: Int, handedOver: Int) { counts.withLockedValue { $0 } }

    /// The current event loop's own connection (uncontended); from any other thread (Swift's pool
    /// in tests, a blocking-pool thread) one of them in turn, which the lock makes safe.
    private func connection() -> ReadConnection {
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop,
           let index = connectionForLoop[ObjectIdentifier(loop)] {
            return connections[index]
        }
        let index = nextSpare.withLockedValue { next in
            defer { next = (next + 1) % connections.count }
            return next
        }
        return connections[index]
    }
}

/// Stops statements over their budget, for every reader in the process (tests run many apps at
/// once; one thread serves them all). It looks every 2 ms while statements come and every 20 ms
/// after a quiet second, so an idle server is not woken 500 times a second; a long statement that
/// starts then runs up to about 20 ms before it is stopped. A thread of its own: the event loops it
/// protects are the threads that would be stuck.
private final class InlineReadWatchdog: Sendable {
    static let shared = InlineReadWatchdog()

    private let watched = NIOLockedValueBox<[ObjectIdentifier: (connections: [ReadConnection], budget: UInt64)]>([:])

    private init() {
        let thread = Thread { [watched] in
            var runsSeen = -1, quietTicks = 0
            while true {
                usleep(quietTicks >= 500 ? 20_000 : 2_000)
                let now = NIODeadline.now().uptimeNanoseconds
                var running = false, runs = 0
                for entry in watched.withLockedValue({ Array($0.values) }) {
                    for connection in entry.connections {
                        let seen = connection.interruptIfRunningSince(before: now &- entry.budget)
                        running = running || seen.running
                        runs &+= seen.runs
                    }
                }
                if running || runs != runsSeen {
                    quietTicks = 0
                    runsSeen = runs
                } else {
                    quietTicks += 1
                }
            }
        }
        thread.name = "inline-sqlite-watchdog"
        thread.start()
    }

    func watch(_ reader: InlineSQLiteReader, connections: [ReadConnection], budget: TimeAmount) {
        watched.withLockedValue { $0[ObjectIdentifier(reader)] = (connections, UInt64(budget.nanoseconds)) }
    }

    func unwatch(_ reader: InlineSQLiteReader) {
        _ = watched.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(reader)) }
    }
}

/// One read-only SQLite connection and its prepared statements, used under `lock`.
final class ReadConnection: @unchecked Sendable {
    private let lock = NIOLock()
    private let handle: OpaquePointer
    private var statements: [String: PreparedStatement] = [:]
    /// What the watchdog may look at while `lock` is held by a running statement.
    private let watch = NIOLockedValueBox(Watch())
    private struct Watch {
        var runningSince: UInt64?
        var runs = 0
        var isClosed = false
    }
    /// More than the distinct reads the pages make (their values are bound, not written into the
    /// SQL; a list of values is one statement per length); past it the cache starts over.
    private static let statementLimit = 256

    private struct PreparedStatement {
        let handle: OpaquePointer
        let columns: InlineSQLiteRow.Columns
    }

    init(path: String) throws {
        let handle = try RawSQLite.open(path, flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, for: "for reading")
        self.handle = handle
        sqlite_nio_sqlite3_busy_timeout(handle, 0)
        // The same page cache as the pooled connections (`DatabaseSetup.sqlitePragmas`): most
        // page reads are answered here.
        for pragma in DatabaseSetup.sqlitePragmas where pragma.name == "cache_size" {
            sqlite_nio_sqlite3_exec(handle, "PRAGMA cache_size = \(pragma.value)", nil, nil, nil)
        }
    }

    func close() {
        // Marked closed first, so the watchdog never interrupts a handle being closed; a statement
        // still running is stopped now rather than waited for. Only once.
        let wasClosed = watch.withLockedValue { watch in
            defer { watch.isClosed = true }
            if !watch.isClosed, watch.runningSince != nil { sqlite_nio_sqlite3_interrupt(handle) }
            return watch.isClosed
        }
        guard !wasClosed else { return }
        lock.withLock { closeHandle() }
    }

    deinit {
        // A reader whose app never shut down, or one whose later connections failed to open.
        if !watch.withLockedValue({ $0.isClosed }) { closeHandle() }
    }

    private func closeHandle() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.handle) }
        statements = [:]
        sqlite_nio_sqlite3_close(handle)
    }

    /// `sqlite3_interrupt` is the one call meant for another thread. `runningSince` is cleared only
    /// after the statement is reset, and an interrupt that arrives when no statement is running is
    /// cleared by SQLite before the next one starts. Returns whether a statement is running, and
    /// how many have started so far.
    func interruptIfRunningSince(before limit: UInt64) -> (running: Bool, runs: Int) {
        watch.withLockedValue { watch in
            guard !watch.isClosed, let since = watch.runningSince else { return (false, watch.runs) }
            if since < limit {
                sqlite_nio_sqlite3_interrupt(handle)
                // Each one runs again on the pool: work done twice (docs/OPERATIONS.md, metrics).
                Counter(label: "ipt_inline_reads_stopped_total").increment()
            }
            return (true, watch.runs)
        }
    }

    func run(_ sql: String, binds: [SQLiteData]) -> [InlineSQLiteRow]? {
        lock.withLock {
            guard watch.withLockedValue({ watch in
                if !watch.isClosed {
                    watch.runningSince = NIODeadline.now().uptimeNanoseconds
                    watch.runs &+= 1
                }
                return !watch.isClosed
            }) else { return nil }
            defer { watch.withLockedValue { $0.runningSince = nil } }
            guard let statement = prepared(sql) else { return nil }
            // Reset only. `sqlite3_clear_bindings` marks a statement whose plan looked at a bound
            // value as expired, and SQLite then compiled the session lookup again on every run;
            // every parameter is bound afresh on the next run anyway.
            defer { sqlite_nio_sqlite3_reset(statement.handle) }
            // A statement with a parameter left unbound would run with the previous run's value.
            guard sqlite_nio_sqlite3_bind_parameter_count(statement.handle) == binds.count,
                  RawSQLite.bind(binds, to: statement.handle) else { return nil }
            var rows: [InlineSQLiteRow] = []
            while true {
                switch sqlite_nio_sqlite3_step(statement.handle) {
                case SQLITE_ROW:
                    guard let values = rowValues(statement.handle, count: statement.columns.names.count) else { return nil }
                    rows.append(InlineSQLiteRow(columns: statement.columns, values: values))
                case SQLITE_DONE:
                    // Only SELECTs get here, so no transaction can be left open; if one were, every
                    // later read on this connection would see a frozen snapshot.
                    guard sqlite_nio_sqlite3_get_autocommit(handle) != 0 else {
                        sqlite_nio_sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
                        return nil
                    }
                    return rows
                default:
                    // Busy, interrupted by the watchdog, or an error: the pooled connection runs it
                    // again and reports any error the usual way.
                    return nil
                }
            }
        }
    }

    /// How many times SQLite compiled the kept statements again.
    func recompilations() -> Int {
        lock.withLock {
            statements.values.reduce(0) { $0 + Int(sqlite_nio_sqlite3_stmt_status($1.handle, Int32(SQLITE_STMTSTATUS_REPREPARE), 0)) }
        }
    }

    private func prepared(_ sql: String) -> PreparedStatement? {
        if let known = statements[sql] { return known }
        // Queries only. `sqlite3_stmt_readonly` also says yes to BEGIN, SAVEPOINT, ATTACH and
        // pragmas that set a value, any of which would change this connection for later reads.
        guard InlineSQLiteRow.isQuery(sql) else { return nil }
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement else { return nil }
        var names: [String] = []
        let count = sqlite_nio_sqlite3_column_count(statement)
        for column in 0..<count {
            guard let name = sqlite_nio_sqlite3_column_name(statement, column) else { break }
            names.append(String(cString: name))
        }
        guard sqlite_nio_sqlite3_stmt_readonly(statement) != 0, count > 0, names.count == Int(count) else {
            sqlite_nio_sqlite3_finalize(statement)
            return nil
        }
        if statements.count >= Self.statementLimit {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old.handle) }
            statements = [:]
        }
        let prepared = PreparedStatement(handle: statement, columns: InlineSQLiteRow.Columns(names: names))
        statements[sql] = prepared
        return prepared
    }

    /// The current row as sqlite-nio would decode it, so both paths hand the same values to the
    /// same decoder.
    private func rowValues(_ statement: OpaquePointer, count: Int) -> [SQLiteData]? {
        var values: [SQLiteData] = []
        values.reserveCapacity(count)
        for column in 0..<Int32(count) {
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: values.append(.integer(Int(sqlite_nio_sqlite3_column_int64(statement, column))))
            case SQLITE_FLOAT: values.append(.float(sqlite_nio_sqlite3_column_double(statement, column)))
            case SQLITE_TEXT:
                guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return nil }
                values.append(.text(String(cString: text)))
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                }
                values.append(.blob(buffer))
            case SQLITE_NULL: values.append(.null)
            default: return nil
            }
        }
        return values
    }
}

/// A row read on the calling thread, decoded exactly as sqlite-kit decodes its own rows.
struct InlineSQLiteRow: SQLRow {
    /// Column names of one statement, shared by all its rows.
    final class Columns: Sendable {
        let names: [String]
        init(names: [String]) { self.names = names }
    }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.names.contains(column) }

    private func value(_ column: String) -> SQLiteData? {
        columns.names.firstIndex(of: column).map { values[$0] }
    }

    func decodeNil(column: String) throws -> Bool { (value(column) ?? .null) == .null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let data = value(column) else { throw MissingColumnError(column: column) }
        do { return try Self.plain(data, as: D.self) } catch { return try SQLiteDataDecoder().decode(D.self, from: data) }
    }

    /// A pairing of storage class and type that `plain` leaves to SQLiteDataDecoder.
    struct NotPlain: Error {}

    /// Ids, times, words, counts and yes/no values, most of what pages decode, read without SQLiteDataDecoder,
    /// which asks the runtime for each value's conformances, builds a decoder for optionals and
    /// parses ids with Foundation's parser (see `UUIDText`). Each reads exactly what
    /// SQLiteDataDecoder reads from that storage class (`Date(sqliteData:)` takes seconds since
    /// 1970); `NotPlain` leaves every other pairing, and text that is not an id, to it.
    ///
    /// Written for the runtime's sake (slot finding for a group decodes 40,000 values): the asked
    /// type is compared by identity with types looked up once, since naming `Date?.self` or
    /// returning `D?` from generic code asks the runtime for that optional's metadata on every
    /// value; and a value is handed back by `unsafeBitCast`, which is sound because `D` has just
    /// been found to be exactly the value's type, where `as! D` went through the dynamic cast.
    static func plain<D>(_ data: SQLiteData, as type: D.Type) throws(NotPlain) -> D {
        let asked = ObjectIdentifier(D.self)
        switch data {
        case .text(let text):
            if asked == PlainType.uuid, let id = UUIDText.parse(text) { return unsafeBitCast(id, to: D.self) }
            if asked == PlainType.optionalUUID, let id = UUIDText.parse(text) { return unsafeBitCast(UUID?.some(id), to: D.self) }
            if asked == PlainType.string { return unsafeBitCast(text, to: D.self) }
            if asked == PlainType.optionalString { return unsafeBitCast(String?.some(text), to: D.self) }
        case .float(let seconds):
            if asked == PlainType.date { return unsafeBitCast(Date(timeIntervalSince1970: seconds), to: D.self) }
            if asked == PlainType.optionalDate { return unsafeBitCast(Date?.some(Date(timeIntervalSince1970: seconds)), to: D.self) }
        case .integer(let number):
            if asked == PlainType.int { return unsafeBitCast(number, to: D.self) }
            if asked == PlainType.optionalInt { return unsafeBitCast(Int?.some(number), to: D.self) }
            // The audit trail's sequence numbers and times in milliseconds.
            if asked == PlainType.int64 { return unsafeBitCast(Int64(number), to: D.self) }
            if asked == PlainType.optionalInt64 { return unsafeBitCast(Int64?.some(Int64(number)), to: D.self) }
            // SQLite keeps a Bool as 0 or 1; any other number is SQLiteDataDecoder's to refuse.
            if asked == PlainType.bool, number == 0 || number == 1 { return unsafeBitCast(number == 1, to: D.self) }
            if asked == PlainType.optionalBool, number == 0 || number == 1 { return unsafeBitCast(Bool?.some(number == 1), to: D.self) }
        case .null:
            if asked == PlainType.optionalUUID { return unsafeBitCast(UUID?.none, to: D.self) }
            if asked == PlainType.optionalDate { return unsafeBitCast(Date?.none, to: D.self) }
            if asked == PlainType.optionalInt { return unsafeBitCast(Int?.none, to: D.self) }
            if asked == PlainType.optionalInt64 { return unsafeBitCast(Int64?.none, to: D.self) }
            if asked == PlainType.optionalString { return unsafeBitCast(String?.none, to: D.self) }
            if asked == PlainType.optionalBool { return unsafeBitCast(Bool?.none, to: D.self) }
        case .blob: break
        }
        throw NotPlain()
    }

    private enum PlainType {
        static let uuid = ObjectIdentifier(UUID.self), optionalUUID = ObjectIdentifier(UUID?.self)
        static let date = ObjectIdentifier(Date.self), optionalDate = ObjectIdentifier(Date?.self)
        static let int = ObjectIdentifier(Int.self), optionalInt = ObjectIdentifier(Int?.self)
        static let int64 = ObjectIdentifier(Int64.self), optionalInt64 = ObjectIdentifier(Int64?.self)
        static let string = ObjectIdentifier(String.self), optionalString = ObjectIdentifier(String?.self)
        static let bool = ObjectIdentifier(Bool.self), optionalBool = ObjectIdentifier(Bool?.self)
    }

    /// A SELECT or a WITH: the statements read as rows of this kind.
    static func isQuery(_ sql: String) -> Bool {
        let keyword = sql.drop(while: { $0.isWhitespace }).prefix(6).uppercased()
        return keyword.hasPrefix("SELECT") || keyword.hasPrefix("WITH")
    }

    /// Bound values as SQLite data; nil when one cannot be encoded. An id is bound as the text the
    /// encoder would make (`uuidString`), without its `snprintf`.
    static func values(of binds: [any Encodable & Sendable]) -> [SQLiteData]? {
        let encoder = SQLiteDataEncoder()
        return try? binds.map { bind in try (bind as? UUID).map { SQLiteData.text(UUIDText.string($0)) } ?? encoder.encode(bind) }
    }

    struct MissingColumnError: Error, CustomStringConvertible {
        let column: String
        var description: String { "No column named \(column) in the result." }
    }
}

/// An `SQLDatabase` that runs what it can through an `InlineSQLiteReader` and everything else
/// (a busy database, a long statement, anything that is not a read) through the pooled connection.
struct InlineSQLiteDatabase: SQLDatabase {
    let reader: InlineSQLiteReader
    let eventLoop: any EventLoop
    let logger: Logger
    /// Built only when a statement is handed over.
    let pooled: @Sendable () -> any SQLDatabase

    init(reader: InlineSQLiteReader, eventLoop: any EventLoop, logger: Logger, pooled: @escaping @Sendable () -> any SQLDatabase) {
        self.reader = reader
        self.eventLoop = eventLoop
        self.logger = logger
        self.pooled = pooled
    }

    var dialect: any SQLDialect { SQLiteDialect() }
    /// No statement logging: bound values hold what people wrote to the clinic.
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        guard let rows = inlineRows(query) else { return pooled().execute(sql: query, onRow) }
        rows.forEach(onRow)
        return eventLoop.makeSucceededVoidFuture()
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        guard let rows = inlineRows(query) else {
            // A read over its budget, or one that would wait: its rows decoded as the reader's are.
            let pooled = pooled()
            if let rows = try await PooledSQLiteRows.all(query, on: pooled) { return rows.forEach(onRow) }
            return try await pooled.execute(sql: query, onRow)
        }
        rows.forEach(onRow)
    }

    private func inlineRows(_ query: any SQLExpression) -> [InlineSQLiteRow]? {
        let (sql, binds) = serialize(query)
        guard let values = InlineSQLiteRow.values(of: binds) else { return nil }
        return reader.rows(sql, binds: values)
    }
}

/// A read run on sqlite-nio's pooled connection (a long one, or one the inline reader handed
/// over), its rows kept as `InlineSQLiteRow`s. Through SQLiteKit each value went through
/// SQLiteDataDecoder: for the thousands of access-log lines of a right-of-access copy at 100,000
/// clients that was about a fifth of the page's time (docs/PERFORMANCE.md, "Runs of 2026-12-08").
/// Only SELECT and WITH, as the inline reader takes; anything else, or another engine, is nil.
enum PooledSQLiteRows {
    static func all(_ query: any SQLExpression, on database: any SQLDatabase) async throws -> [InlineSQLiteRow]? {
        guard let sqlite = database as? any SQLiteDatabase else { return nil }
        let (sql, binds) = database.serialize(query)
        guard InlineSQLiteRow.isQuery(sql), let values = InlineSQLiteRow.values(of: binds) else { return nil }
        let rows = try await sqlite.query(sql, values)
        guard let first = rows.first else { return [] }
        let columns = InlineSQLiteRow.Columns(names: first.columns.map(\.name))
        return rows.map { InlineSQLiteRow(columns: columns, values: $0.columns.map(\.data)) }
    }
}
