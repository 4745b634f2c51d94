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
    /// The key the chain is hashed with (not in the database).
    nonisolated let chainKeys: AuditChainKeySource
    /// On an SQLite file, the connection batches are written through (see `SQLiteAuditAppender`).
    nonisolated let appender: SQLiteAuditAppender?
    private var pending: [(entry: AuditEntry, waiter: CheckedContinuation<Void, any Error>)] = []
    private var isFlushing = false

    init(database: @escaping @Sendable () -> any Database, clock: AppClock, chainKeys: AuditChainKeySource, appender: SQLiteAuditAppender? = nil) {
        self.database = database
        self.clock = clock
        self.chainKeys = chainKeys
        self.appender = appender
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
                let database = database()
                let key = try await chainKeys.key(on: database)
                if let appender {
                    try await appender.append(batch.map(\.entry), at: clock.now(), key: key)
                } else {
                    try await Self.append(batch.map(\.entry), at: clock.now(), to: database, key: key)
                }
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

    /// Appends rows to the chain in one transaction. The chain head is read under a lock, so two app
    /// instances can never both extend the chain from the same link: on SQLite the write transaction
    /// opened with BEGIN IMMEDIATE already holds the database's write lock; on PostgreSQL the read
    /// takes the head row's lock (FOR UPDATE).
    static func append(_ entries: [AuditEntry], at now: Date, to database: any Database, key: AuditChainKey) async throws {
        let lockingRead: SQLQueryString = DatabaseEngine(of: database) == .postgres
            ? "SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE"
            : "SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1"
        try await database.writeTransaction { transaction in
            let sql = transaction as! any SQLDatabase
            guard let head = try await sql.raw(lockingRead).first() else {
                throw Abort(.internalServerError, reason: "The audit chain head row is missing.")
            }
            let chained = ChainedAuditRows(entries, after: try head.decode(column: "last_sequence", as: Int64.self),
                                           hash: try head.decode(column: "last_hash", as: String.self), at: now, key: key)
            let rows: [SQLQueryString] = chained.rows.map { row in
                let values: [any Encodable & Sendable] = [
                    row.id, row.record.sequence, row.record.occurredAtMilliseconds, row.record.actorID, row.record.actorLabel,
                    row.record.action.rawValue, row.record.recordType, row.record.recordID, row.record.subject, row.record.requestID,
                    row.record.detail, row.previousHash, row.hash,
                ]
                return "(\(binds: values))"
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
            try await sql.raw("UPDATE audit_chain_head SET last_sequence = \(bind: chained.lastSequence), last_hash = \(bind: chained.lastHash) WHERE id = 1").run()
        }
    }
}

/// A batch of entries as the next links of the chain: each row's record, the hash it continues
/// from and its own. Both ways of writing a batch (`AuditWriter.append`, `SQLiteAuditAppender`)
/// make their rows here, so they cannot hash differently.
struct ChainedAuditRows {
    struct Row {
        let id: UUID
        let record: AuditRecord
        let previousHash: String
        let hash: String
    }

    let rows: [Row]
    let lastSequence: Int64
    let lastHash: String

    init(_ entries: [AuditEntry], after sequence: Int64, hash: String, at now: Date, key: AuditChainKey) {
        var sequence = sequence, previousHash = hash
        var rows: [Row] = []
        rows.reserveCapacity(entries.count)
        let occurredAt = AuditRecord.milliseconds(now)
        for entry in entries {
            sequence += 1
            let record = AuditRecord(sequence: sequence, occurredAtMilliseconds: occurredAt, actorID: entry.actorID, actorLabel: entry.actorLabel,
                                     action: entry.action, recordType: entry.recordType, recordID: entry.recordID, subject: entry.subject,
                                     requestID: entry.requestID, detail: entry.detail)
            let next = key.nextHash(previous: previousHash, record: record)
            rows.append(Row(id: UUID(), record: record, previousHash: previousHash, hash: next))
            previousHash = next
        }
        self.rows = rows
        lastSequence = sequence
        lastHash = previousHash
    }
}

/// Reads the whole chain back and checks every link, and the checkpoints kept outside the database.
enum AuditVerification {
    struct Head: Sendable {
        let lastSequence: Int64
        let lastHash: String
        /// The first row hashed with the chain key (rows before it were written before the chain was keyed).
        let keyedFrom: Int64
    }

    /// Rows read and checked at a time: a long trail (20 million rows at a large clinic) is walked
    /// in parts, so checking it takes the memory of one part, not of the whole trail.
    static let batchSize = 10_000

    /// - Parameters:
    ///   - key: the chain key; nil where none is stored (a chain with no keyed row yet needs none).
    ///   - checkpoints: signed checkpoints of this database (not of a backup, which is older).
    static func firstBreak(on database: any Database, key: AuditChainKey?, checkpoints: [AuditCheckpoint] = [],
                           batchSize: Int = batchSize) async throws -> AuditChainVerifier.Break? {
        // The head is read before and after the rows: a batch committed in between (rows and head
        // move together in one transaction) leaves the last row between the two readings, so it is
        // never mistaken for rows deleted from the end, nor for rows added past the head.
        guard let before = try await head(on: database) else {
            return AuditChainVerifier.Break(sequence: 1, reason: "the chain head row is missing")
        }
        let hashing = key?.hashing(keyedFrom: before.keyedFrom)
            ?? AuditChainVerifier.Hashing(keyedFrom: before.keyedFrom, plain: HexDigest.sha256, keyed: { _ in "" })
        let pinned = Set(checkpoints.map(\.sequence))
        var pinnedHashes: [Int64: String] = [:]
        var last: (sequence: Int64, hash: String) = (0, AuditRecord.genesisHash)
        var count = 0
        while true {
            let events = try await AuditEvent.query(on: database).filter(\.$sequence > last.sequence)
                .sort(\.$sequence).limit(batchSize).all()
            guard let lastEvent = events.last else { break }
            if key == nil, let firstKeyed = events.first(where: { $0.sequence >= before.keyedFrom }) {
                return AuditChainVerifier.Break(sequence: firstKeyed.sequence, reason: "the audit chain key is missing from this database, so keyed rows cannot be checked")
            }
            // Hashing is CPU work: on the blocking pool, not on an event loop (see Entry.swift).
            let after = last
            if let broken = try await NIOThreadPool.singleton.runIfActive({ check(events, hashing: hashing, after: after) }) {
                return broken
            }
            for event in events where pinned.contains(event.sequence) { pinnedHashes[event.sequence] = event.hash }
            count += events.count
            last = (lastEvent.sequence, lastEvent.hash)
        }
        guard let after = try await head(on: database) else {
            return AuditChainVerifier.Break(sequence: 1, reason: "the chain head row is missing")
        }
        // Rows deleted from the end leave the head pointing past the last row.
        if last.sequence < before.lastSequence {
            return AuditChainVerifier.Break(sequence: last.sequence + 1,
                                            reason: "the chain head records \(before.lastSequence) rows but only \(count) remain")
        }
        // Rows written past the head did not come through the app, which moves both together.
        if last.sequence > after.lastSequence {
            return AuditChainVerifier.Break(sequence: after.lastSequence + 1, reason: "rows past the chain head, which records \(after.lastSequence)")
        }
        return AuditCheckpointCheck.firstBreak(checkpoints: checkpoints, storedHash: { pinnedHashes[$0] },
                                               lastSequence: last.sequence, keyedFrom: before.keyedFrom)
    }

    static func head(on database: any Database) async throws -> Head? {
        let row = try await (database as! any SQLDatabase).raw("SELECT last_sequence, last_hash, keyed_from FROM audit_chain_head WHERE id = 1").first()
        guard let row else { return nil }
        return Head(lastSequence: try row.decode(column: "last_sequence", as: Int64.self),
                    lastHash: try row.decode(column: "last_hash", as: String.self),
                    keyedFrom: try row.decode(column: "keyed_from", as: Int64.self))
    }

    /// One part of the chain, continuing from the last row of the part before.
    private static func check(_ events: [AuditEvent], hashing: AuditChainVerifier.Hashing,
                              after: (sequence: Int64, hash: String)) -> AuditChainVerifier.Break? {
        // An action the app never writes can only come from an edit; the chain is checked up to that
        // row first, so the break reported is always the earliest one.
        let firstOddAction = events.firstIndex { AuditAction(rawValue: $0.action) == nil }
        let checkable = events[..<(firstOddAction ?? events.endIndex)]
        let rows = checkable.lazy.map { event in
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
        if let broken = AuditChainVerifier.firstBreak(in: rows, hashing: hashing, after: after) {
            return broken
        }
        if let firstOddAction {
            let odd = events[firstOddAction]
            return AuditChainVerifier.Break(sequence: odd.sequence, reason: "unknown action \"\(odd.action)\"")
        }
        return nil
    }
}
