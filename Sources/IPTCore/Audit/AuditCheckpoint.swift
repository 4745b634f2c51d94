import Foundation

/// A signed note of how far the audit chain reached at a moment: its last row and that row's hash.
/// It is kept outside the database (a file of its own, and the log), so rows removed from the end
/// of the trail, which leave no broken link behind, are still found: the checkpoint remembers them.
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var hash: String
    /// The first row hashed with the chain key; a checkpoint pins it, so the boundary between plain
    /// and keyed rows cannot be moved to make recomputed plain hashes pass.
    public var keyedFrom: Int64
    public var writtenAtMilliseconds: Int64
    public var signature: String

    public init(sequence: Int64, hash: String, keyedFrom: Int64, writtenAtMilliseconds: Int64, signature: String = "") {
        self.sequence = sequence
        self.hash = hash
        self.keyedFrom = keyedFrom
        self.writtenAtMilliseconds = writtenAtMilliseconds
        self.signature = signature
    }

    /// What the signature covers. Its prefix keeps it apart from any chain message, which starts
    /// with a 64-digit hash.
    public var signedText: String {
        "audit-checkpoint/v1|\(sequence)|\(hash)|\(keyedFrom)|\(writtenAtMilliseconds)"
    }

    public var writtenAt: Date { Date(timeIntervalSince1970: Double(writtenAtMilliseconds) / 1000) }

    /// A file name that sorts by time and says which row it pins.
    public var fileName: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "audit-checkpoint-\(formatter.string(from: writtenAt))-\(sequence).json"
    }
}

/// Checks the trail in the database against the checkpoints kept outside it.
public enum AuditCheckpointCheck {
    /// - Parameters:
    ///   - checkpoints: checkpoints whose signatures were already checked, in any order.
    ///   - storedHash: the hash stored for a sequence number, nil when there is no such row.
    ///   - lastSequence: the last row in the database.
    ///   - keyedFrom: the boundary the database records.
    public static func firstBreak(checkpoints: [AuditCheckpoint], storedHash: (Int64) -> String?,
                                  lastSequence: Int64, keyedFrom: Int64) -> AuditChainVerifier.Break? {
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            let when = ISO8601DateFormatter().string(from: checkpoint.writtenAt)
            if checkpoint.keyedFrom != keyedFrom {
                return AuditChainVerifier.Break(
                    sequence: min(checkpoint.keyedFrom, keyedFrom),
                    reason: "the row the chain is keyed from was moved: the checkpoint of \(when) says \(checkpoint.keyedFrom), the database says \(keyedFrom)")
            }
            if checkpoint.sequence > lastSequence {
                return AuditChainVerifier.Break(
                    sequence: lastSequence + 1,
                    reason: "the checkpoint of \(when) records \(checkpoint.sequence) rows but the trail ends at \(lastSequence): rows were removed from the end (or this database was restored from a backup older than that checkpoint)")
            }
            if checkpoint.sequence > 0, storedHash(checkpoint.sequence) != checkpoint.hash {
                return AuditChainVerifier.Break(sequence: checkpoint.sequence,
                                                reason: "the row differs from the checkpoint of \(when)")
            }
        }
        return nil
    }
}
