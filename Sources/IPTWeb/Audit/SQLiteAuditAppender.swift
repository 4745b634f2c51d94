import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import SQLiteNIO
// The C library inside sqlite-nio, as the inline reader uses it.
import VaporCSQLite

/// Writes the audit writer's batches to an SQLite file in one call on a thread of its own.
///
/// Through sqlite-nio a batch was five statements (BEGIN, the head, the rows, the head again,
/// COMMIT), and after each one the writer waited for an event-loop thread, behind whatever pages
/// those threads were building. With eight users a commit took 6.4 ms on average (1.6 ms with
/// one), and every audited page waits for its row's commit before it is sent
/// (docs/PERFORMANCE.md, "Runs of 2026-12-07, sixth session"). Here the whole transaction runs
/// in one go, and only its end goes back to the event loops.
///
/// The same rows (`ChainedAuditRows`), the same write gate as every other write of this process
/// (`SQLiteWriteGate`), the same pragmas as the pooled connections, checked when it opens.
final class SQLiteAuditAppender: @unchecked Sendable {
    /// Guards `handle` and `statements`; only the appender's thread takes it, apart from `close`.
    private let lock = NIOLock()
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let thread: NIOThreadPool

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(path: String) throws {
        let handle = try RawSQLite.open(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, for: "for the audit trail")
        self.handle = handle
        thread = NIOThreadPool(numberOfThreads: 1)
        do {
            for pragma in DatabaseSetup.sqlitePragmas {
                try execute("PRAGMA \(pragma.name) = \(pragma.value)")
                let actual = try single("PRAGMA \(pragma.name)")
                guard actual?.lowercased() == pragma.expected else {
                    throw ConfigurationError("SQLite pragma \(pragma.name) is \(actual ?? "unknown") on the audit connection, expected \(pragma.expected); refusing to start.")
                }
            }
        } catch {
            sqlite_nio_sqlite3_close(handle)
            self.handle = nil
            throw error
        }
        thread.start()
    }

    func close() {
        lock.withLock {
            for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
            statements = [:]
            if let handle { sqlite_nio_sqlite3_close(handle) }
            handle = nil
        }
        try? thread.syncShutdownGracefully()
    }

    deinit {
        if handle != nil { close() }
    }

    /// Appends the entries after the chain's head, in one transaction.
    func append(_ entries: [AuditEntry], at now: Date, key: AuditChainKey) async throws {
        try await SQLiteWriteGate.shared.run {
            try await self.thread.runIfActive { try self.appendNow(entries, at: now, key: key) }
        }
    }

    private func appendNow(_ entries: [AuditEntry], at now: Date, key: AuditChainKey) throws {
        try lock.withLock {
            guard handle != nil else { throw Failure(description: "The audit connection is closed.") }
            try execute("BEGIN IMMEDIATE TRANSACTION")
            do {
                let head = try step(prepared("SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1"), binds: [], reading: true)
                guard let head, case .integer(let sequence) = head[0], case .text(let hash) = head[1] else {
                    throw Failure(description: "The audit chain head row is missing.")
                }
                let chained = ChainedAuditRows(entries, after: Int64(sequence), hash: hash, at: now, key: key)
                let insert = try prepared("""
                    INSERT INTO audit_events (id, sequence, occurred_at_ms, actor_id, actor_label, action, record_type, record_id, subject, \
                    request_id, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for row in chained.rows {
                    let record = row.record
                    // As sqlite-kit binds them: an id as its text, numbers as integers.
                    _ = try step(insert, binds: [
                        .text(UUIDText.string(row.id)), .integer(Int(record.sequence)), .integer(Int(record.occurredAtMilliseconds)),
                        Self.text(record.actorID), .text(record.actorLabel), .text(record.action.rawValue), .text(record.recordType),
                        Self.text(record.recordID), Self.text(record.subject), Self.text(record.requestID), Self.text(record.detail),
                        .text(row.previousHash), .text(row.hash),
                    ])
                }
                _ = try step(prepared("UPDATE audit_chain_head SET last_sequence = ?, last_hash = ? WHERE id = 1"),
                             binds: [.integer(Int(chained.lastSequence)), .text(chained.lastHash)])
                try execute("COMMIT TRANSACTION")
            } catch {
                sqlite_nio_sqlite3_exec(handle, "ROLLBACK TRANSACTION", nil, nil, nil)
                throw error
            }
        }
    }

    private static func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }

    private func execute(_ sql: String) throws {
        guard sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw failure() }
    }

    /// The first column of the first row, as text (a pragma's value).
    private func single(_ sql: String) throws -> String? {
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw failure() }
        defer { sqlite_nio_sqlite3_finalize(statement) }
        guard sqlite_nio_sqlite3_step(statement) == SQLITE_ROW, let text = sqlite_nio_sqlite3_column_text(statement, 0) else { return nil }
        return String(cString: text)
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let known = statements[sql] { return known }
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement
        else { throw failure() }
        statements[sql] = statement
        return statement
    }

    /// Runs a statement to its end; with `reading`, returns its first row's integers and texts.
    @discardableResult
    private func step(_ statement: OpaquePointer, binds: [SQLiteData], reading: Bool = false) throws -> [SQLiteData]? {
        // Every parameter is bound afresh on each run, so a reset is enough.
        defer { sqlite_nio_sqlite3_reset(statement) }
        guard RawSQLite.bind(binds, to: statement) else { throw failure() }
        var first: [SQLiteData]?
        while true {
            switch sqlite_nio_sqlite3_step(statement) {
            case SQLITE_ROW:
                guard reading, first == nil else { continue }
                var values: [SQLiteData] = []
                for column in 0..<sqlite_nio_sqlite3_column_count(statement) {
                    switch sqlite_nio_sqlite3_column_type(statement, column) {
                    case SQLITE_INTEGER: values.append(.integer(Int(sqlite_nio_sqlite3_column_int64(statement, column))))
                    case SQLITE_TEXT: values.append(sqlite_nio_sqlite3_column_text(statement, column).map { .text(String(cString: $0)) } ?? .null)
                    default: values.append(.null)
                    }
                }
                first = values
            case SQLITE_DONE:
                return first
            default:
                throw failure()
            }
        }
    }

    /// SQLite's message: it names the statement's problem (a constraint, a busy lock), never a
    /// bound value.
    private func failure() -> Failure {
        Failure(description: "Audit trail write failed: " + (sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown SQLite error"))
    }
}
