import Crypto
import Fluent
import Foundation
import Metrics
import IPTCore
import NIOPosix
import SQLKit
import Vapor

/// What a handler reports to the audit trail.
struct AuditEntry: Sendable {
    var actorID: String?
    var actorLabel: String
    var action: AuditAction
    var recordType: String
    var recordID: String?
    /// Whom the record is about (an email, a client id), so "who opened this person's record" is one query.
    var subject: String?
    var requestID: String?
    var detail: String?
}

/// Writes audit rows with group commit. Requests that arrive while a batch is being committed
/// wait together and go into the next transaction, so a burst of audited page views costs one
/// durable commit, not one each. A caller returns only after its row is committed: no request is
/// answered on the strength of an audit row that could still be lost.
actor AuditWriter {
    private let database: @Sendable () -> any Database
    private let clock: AppClock
    private var pending: [(entry: AuditEntry, waiter: CheckedContinuation<Void, any Error>)] = []
    private var isFlushing = false

    init(database: @escaping @Sendable () -> any Database, clock: AppClock) {
        self.database = database
        self.clock = clock
    }

    func record(_ entry: AuditEntry) async throws {
        try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
            pending.append((entry, waiter))
            if !isFlushing {
                isFlushing = true
                Task { await self.flushUntilEmpty() }
            }
        }
    }

    private func flushUntilEmpty() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                let started = ContinuousClock.now
                try await Self.append(batch.map(\.entry), at: clock.now(), to: database())
                // How group commit is doing: rows per commit, and how long a commit takes.
                Recorder(label: "ipt_audit_batch_rows").record(batch.count)
                Metrics.Timer(label: "ipt_audit_commit_seconds").record(duration: ContinuousClock.now - started)
                batch.forEach { $0.waiter.resume() }
            } catch {
                batch.forEach { $0.waiter.resume(throwing: error) }
            }
        }
        isFlushing = false
    }

    /// The link hash of one row: what `append` stores and what the scale generator
    /// (Bench/ScaleClinic.swift) stores for the rows it writes, so both change together.
    static func chainHash(previous previousHash: String, record: AuditRecord) -> String {
        HexDigest.sha256(previousHash + record.canonicalText)
    }

    /// Appends rows to the chain in one transaction. The chain head is read under a lock, so two app
    /// instances can never both extend the chain from the same link: on SQLite the write transaction
    /// opened with BEGIN IMMEDIATE already holds the database's write lock; on PostgreSQL the read
    /// takes the head row's lock (FOR UPDATE).
    static func append(_ entries: [AuditEntry], at now: Date, to database: any Database) async throws {
        let lockingRead: SQLQueryString = DatabaseEngine(of: database) == .postgres
            ? "SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE"
            : "SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1"
        try await database.writeTransaction { transaction in
            let sql = transaction as! any SQLDatabase
            guard let head = try await sql.raw(lockingRead).first() else {
                throw Abort(.internalServerError, reason: "The audit chain head row is missing.")
            }
            var sequence = try head.decode(column: "last_sequence", as: Int64.self)
            var previousHash = try head.decode(column: "last_hash", as: String.self)
            var rows: [SQLQueryString] = []
            let occurredAt = AuditRecord.milliseconds(now)
            for entry in entries {
                sequence += 1
                let record = AuditRecord(
                    sequence: sequence,
                    occurredAtMilliseconds: occurredAt,
                    actorID: entry.actorID,
                    actorLabel: entry.actorLabel,
                    action: entry.action,
                    recordType: entry.recordType,
                    recordID: entry.recordID,
                    subject: entry.subject,
                    requestID: entry.requestID,
                    detail: entry.detail
                )
                let hash = Self.chainHash(previous: previousHash, record: record)
                let values: [any Encodable & Sendable] = [
                    UUID(), sequence, occurredAt, entry.actorID, entry.actorLabel, entry.action.rawValue, entry.recordType,
                    entry.recordID, entry.subject, entry.requestID, entry.detail, previousHash, hash,
                ]
                rows.append("(\(binds: values))")
                previousHash = hash
            }
            // Plain multi-row INSERTs rather than Fluent models (whose reflection cost more than the
            // write itself); chunks of 50 rows keep every statement under SQLite's limit of bound values.
            for start in stride(from: 0, to: rows.count, by: 50) {
                let chunk = rows[start..<min(start + 50, rows.count)]
                try await sql.raw("""
                    INSERT INTO audit_events (id, sequence, occurred_at_ms, actor_id, actor_label, action, record_type, \
                    record_id, subject, request_id, detail, previous_hash, hash) VALUES \(Array(chunk).joined(separator: ", "))
                    """).run()
            }
            try await sql.raw("UPDATE audit_chain_head SET last_sequence = \(bind: sequence), last_hash = \(bind: previousHash) WHERE id = 1").run()
        }
    }
}

/// Reads the whole chain back and checks every link.
enum AuditVerification {
    static func firstBreak(on database: any Database) async throws -> AuditChainVerifier.Break? {
        // The head is read before and after the rows: a batch committed in between (rows and head
        // move together in one transaction) leaves the last row between the two readings, so it is
        // never mistaken for rows deleted from the end, nor for rows added past the head.
        let before = try await headSequence(on: database)
        let events = try await AuditEvent.query(on: database).sort(\.$sequence).all()
        let after = try await headSequence(on: database)
        guard let before, let after else {
            return AuditChainVerifier.Break(sequence: 1, reason: "the chain head row is missing")
        }
        // Hashing every row is CPU work that can take seconds on a long trail: on the blocking pool,
        // not on an event loop (async code runs on the event loops, see Entry.swift).
        return try await NIOThreadPool.singleton.runIfActive { check(events, headBefore: before, headAfter: after) }
    }

    private static func headSequence(on database: any Database) async throws -> Int64? {
        let row = try await (database as! any SQLDatabase).raw("SELECT last_sequence FROM audit_chain_head WHERE id = 1").first()
        return row.flatMap { try? $0.decode(column: "last_sequence", as: Int64.self) }
    }

    private static func check(_ events: [AuditEvent], headBefore: Int64, headAfter: Int64) -> AuditChainVerifier.Break? {
        // An action the app never writes can only come from an edit; the chain is checked up to that
        // row first, so the break reported is always the earliest one.
        let firstOddAction = events.firstIndex { AuditAction(rawValue: $0.action) == nil }
        let checkable = events[..<(firstOddAction ?? events.endIndex)]
        let rows = checkable.map { event in
            (record: AuditRecord(
                sequence: event.sequence,
                occurredAtMilliseconds: event.occurredAtMilliseconds,
                actorID: event.actorID,
                actorLabel: event.actorLabel,
                action: AuditAction(rawValue: event.action)!,
                recordType: event.recordType,
                recordID: event.recordID,
                subject: event.subject,
                requestID: event.requestID,
                detail: event.detail
            ), storedPreviousHash: event.previousHash, storedHash: event.hash)
        }
        if let broken = AuditChainVerifier.firstBreak(in: rows, hash: HexDigest.sha256) {
            return broken
        }
        if let firstOddAction {
            let odd = events[firstOddAction]
            return AuditChainVerifier.Break(sequence: odd.sequence, reason: "unknown action \"\(odd.action)\"")
        }
        let lastRow = events.last?.sequence ?? 0
        // Rows deleted from the end leave the head pointing past the last row.
        if lastRow < headBefore {
            return AuditChainVerifier.Break(sequence: lastRow + 1,
                                            reason: "the chain head records \(headBefore) rows but only \(events.count) remain")
        }
        // Rows written past the head did not come through the app, which moves both together.
        if lastRow > headAfter {
            return AuditChainVerifier.Break(sequence: headAfter + 1, reason: "rows past the chain head, which records \(headAfter)")
        }
        return nil
    }
}
