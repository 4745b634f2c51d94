import Foundation

/// What happened in an audit event. PHIPA asks for every viewing, handling or change of a record.
public enum AuditAction: String, CaseIterable, Codable, Sendable {
    case view
    case create
    case update
    case export
    case send
    case signIn = "sign-in"
    case signInFailed = "sign-in-failed"
    case signOut = "sign-out"
    case denied
}

/// One row of the audit trail as it is hashed. The chain hash of a row is
/// HMAC-SHA-256(chain key, previous hash + canonical text), so editing any field of any row breaks
/// every later link, and nobody without the key (which is not in the database) can recompute them.
/// Rows written before the chain was keyed keep their plain SHA-256 links (see `AuditChainVerifier`).
public struct AuditRecord: Sendable, Equatable {
    public var sequence: Int64
    public var occurredAtMilliseconds: Int64
    public var actorID: String?
    public var actorLabel: String
    public var action: AuditAction
    public var recordType: String
    public var recordID: String?
    public var subject: String?
    public var requestID: String?
    public var detail: String?

    public init(sequence: Int64, occurredAtMilliseconds: Int64, actorID: String?, actorLabel: String, action: AuditAction,
                recordType: String, recordID: String?, subject: String?, requestID: String?, detail: String?) {
        self.sequence = sequence
        self.occurredAtMilliseconds = occurredAtMilliseconds
        self.actorID = actorID
        self.actorLabel = actorLabel
        self.action = action
        self.recordType = recordType
        self.recordID = recordID
        self.subject = subject
        self.requestID = requestID
        self.detail = detail
    }

    /// A stable text form: fields in a fixed order, each length-prefixed so no choice of values
    /// can make two different rows produce the same text. Time is whole milliseconds since 1970, kept
    /// as an integer end to end: a floating-point round trip could shift it by one and break the chain.
    public var canonicalText: String {
        let fields: [String] = [
            String(sequence),
            String(occurredAtMilliseconds),
            actorID ?? "",
            actorLabel,
            action.rawValue,
            recordType,
            recordID ?? "",
            subject ?? "",
            requestID ?? "",
            detail ?? "",
        ]
        return fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The hash a chain starts from.
    public static let genesisHash = String(repeating: "0", count: 64)
}

/// Walks a chain and names the first row whose stored hash does not match.
public enum AuditChainVerifier {
    public struct Break: Sendable, Equatable {
        public let sequence: Int64
        public let reason: String

        public init(sequence: Int64, reason: String) {
            self.sequence = sequence
            self.reason = reason
        }
    }

    /// How a row's hash is made: plain SHA-256 for rows written before the chain was keyed, the
    /// keyed hash from `keyedFrom` on.
    public struct Hashing: Sendable {
        public let keyedFrom: Int64
        public let plain: @Sendable (String) -> String
        public let keyed: @Sendable (String) -> String

        public init(keyedFrom: Int64, plain: @escaping @Sendable (String) -> String, keyed: @escaping @Sendable (String) -> String) {
            self.keyedFrom = keyedFrom
            self.plain = plain
            self.keyed = keyed
        }

        public func hash(sequence: Int64, _ message: String) -> String {
            sequence < keyedFrom ? plain(message) : keyed(message)
        }
    }

    /// - Parameters:
    ///   - rows: rows in sequence order with their stored hashes.
    ///   - hashing: the hash functions (injected so this module stays Foundation-only).
    ///   - after: the last row already checked (its sequence and hash), when a long chain is
    ///     checked in parts; by default the chain's start.
    public static func firstBreak(
        in rows: some Collection<(record: AuditRecord, storedPreviousHash: String, storedHash: String)>,
        hashing: Hashing,
        after: (sequence: Int64, hash: String) = (0, AuditRecord.genesisHash)
    ) -> Break? {
        var expectedPrevious = after.hash
        var expectedSequence: Int64 = after.sequence + 1
        for row in rows {
            if row.record.sequence != expectedSequence {
                return Break(sequence: row.record.sequence,
                             reason: "sequence jumps from \(expectedSequence - 1) to \(row.record.sequence): rows are missing")
            }
            if row.storedPreviousHash != expectedPrevious {
                return Break(sequence: row.record.sequence, reason: "previous-hash link does not match the row before")
            }
            let computed = hashing.hash(sequence: row.record.sequence, expectedPrevious + row.record.canonicalText)
            if computed != row.storedHash {
                return Break(sequence: row.record.sequence, reason: "contents were changed after the row was written")
            }
            expectedPrevious = row.storedHash
            expectedSequence += 1
        }
        return nil
    }
}
