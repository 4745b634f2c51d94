import Fluent
import SQLKit
import Vapor

extension Database {
    /// A transaction that will write.
    ///
    /// On SQLite, write transactions of this process take turns through `SQLiteWriteGate` and open
    /// with BEGIN IMMEDIATE. Fluent's plain BEGIN is deferred, and a deferred transaction that reads
    /// and then writes fails at once with SQLITE_BUSY when another connection committed in between,
    /// which no busy timeout can help; and two connections waiting on each other's lock each block
    /// a thread of the small pool that runs SQLite calls. SQLite has one writer at a time anyway,
    /// so queueing writers in memory costs nothing. PostgreSQL keeps its ordinary transaction.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard DatabaseEngine(of: self) == .sqlite else {
            return try await transaction(body)
        }
        return try await SQLiteWriteGate.shared.run {
            try await self.withConnection { connection in
                let statements = connection as! any SQLDatabase
                try await statements.raw("BEGIN IMMEDIATE TRANSACTION").run()
                do {
                    let result = try await body(connection)
                    try await statements.raw("COMMIT TRANSACTION").run()
                    return result
                } catch {
                    try? await statements.raw("ROLLBACK TRANSACTION").run()
                    throw error
                }
            }
        }
    }
}

/// Lets one SQLite write transaction of this process run at a time, in arrival order.
actor SQLiteWriteGate {
    static let shared = SQLiteWriteGate()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty {
                busy = false
            } else {
                waiting.removeFirst().resume()
            }
        }
        return try await work()
    }
}

extension Database {
    /// Sets columns of one row only while its status is still one of `statusIn`, and says whether
    /// it did. The status check is part of the UPDATE itself, so it holds on PostgreSQL under
    /// concurrent requests too (re-reading inside a READ COMMITTED transaction does not lock).
    func updateWhileStatus<Status: RawRepresentable<String>>(_ table: String, id: UUID, statusIn: [Status], set values: [(String, any Encodable & Sendable)]) async throws -> Bool {
        guard let sql = self as? any SQLDatabase, !values.isEmpty else { return false }
        var update = sql.update(table)
        for (column, value) in values { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        let changed = try await update.where("id", .equal, SQLBind(id)).where("status", .in, SQLBind.group(statusIn.map(\.rawValue)))
            .returning("id").all()
        return !changed.isEmpty
    }

    /// Sets columns of one row only while its status is not `status` (a questionnaire not yet
    /// completed), and says whether it did: the claim that makes a form link single-use.
    func updateUnlessStatus(_ table: String, id: UUID, status: String, set values: [(String, any Encodable & Sendable)]) async throws -> Bool {
        guard let sql = self as? any SQLDatabase, !values.isEmpty else { return false }
        var update = sql.update(table)
        for (column, value) in values { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        let changed = try await update.where("id", .equal, SQLBind(id)).where("status", .notEqual, SQLBind(status))
            .returning("id").all()
        return !changed.isEmpty
    }

    /// Marks a single-use row used (`used_at`) if it is still unused and, when the table has an
    /// expiry, not expired, and says whether this call did. One conditional UPDATE ... RETURNING: a
    /// read then a write lets two requests both read "unused" on PostgreSQL (READ COMMITTED), and
    /// both win.
    func claimUnused(_ table: String, id: UUID, at now: Date, expiring: Bool = true) async throws -> Bool {
        guard let sql = self as? any SQLDatabase else { return false }
        var update = sql.update(table).set("used_at", to: SQLBind(now)).where("id", .equal, SQLBind(id)).where("used_at", .is, SQLLiteral.null)
        if expiring { update = update.where("expires_at", .greaterThan, SQLBind(now)) }
        let claimed = try await update.returning("id").all()
        return !claimed.isEmpty
    }
}

extension Model {
    /// Creates the row, answering 409 with `message` when a uniqueness rule refuses it (two people
    /// saving the next version at the same moment), instead of a 500.
    func createRefusingDuplicates(on database: any Database, message: String) async throws {
        do {
            try await create(on: database)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Abort(.conflict, reason: message)
        }
    }
}
