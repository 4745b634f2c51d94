import Fluent
import Foundation
import IPTCore
import Vapor

/// Signed checkpoints of the audit chain, kept as files in a directory of their own (outside the
/// database) and written to the log: with them `audit verify` finds rows removed from the end of
/// the trail, which leave no broken link behind (a TRUNCATE, or a DELETE with the head wound back).
enum AuditCheckpoints {
    /// `IPT_AUDIT_CHECKPOINT_DIR`, or `audit-checkpoints` in the data directory. On a real
    /// installation point it somewhere the database's users cannot write (docs/OPERATIONS.md).
    static func directory(_ settings: Settings) -> String {
        settings.auditCheckpointDirectory
            ?? URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("audit-checkpoints").path
    }

    /// Writes a checkpoint of where the chain reaches now, unless the newest one already says the
    /// same; returns what it wrote.
    @discardableResult
    static func write(_ app: Application, database: any Database, now: Date) async throws -> AuditCheckpoint? {
        let key = try await app.auditWriter.chainKeys.key(on: database)
        guard let head = try await AuditVerification.head(on: database) else { return nil }
        let folder = directory(app.services.settings)
        let newest = try load(from: folder, key: key).checkpoints.max { $0.sequence < $1.sequence }
        if let newest, newest.sequence == head.lastSequence, newest.keyedFrom == head.keyedFrom { return nil }
        let checkpoint = key.signed(AuditCheckpoint(sequence: head.lastSequence, hash: head.lastHash, keyedFrom: head.keyedFrom,
                                                    writtenAtMilliseconds: AuditRecord.milliseconds(now)))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(checkpoint).write(to: URL(fileURLWithPath: folder).appendingPathComponent(checkpoint.fileName), options: .atomic)
        // The log is the second copy: a log shipper keeps it where the clinic's database users cannot reach.
        app.logger.notice("Audit checkpoint: row \(checkpoint.sequence), hash \(checkpoint.hash), keyed from \(checkpoint.keyedFrom), signature \(checkpoint.signature)")
        return checkpoint
    }

    /// Every checkpoint file in the directory: those signed with this clinic's key, and a sentence
    /// for each file that is not (altered, or from another clinic), which is itself a finding.
    static func load(from folder: String, key: AuditChainKey) throws -> (checkpoints: [AuditCheckpoint], problems: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("audit-checkpoint-") && $0.hasSuffix(".json") }.sorted()
        var checkpoints: [AuditCheckpoint] = []
        var problems: [String] = []
        for name in names {
            let path = URL(fileURLWithPath: folder).appendingPathComponent(name)
            guard let data = try? Data(contentsOf: path), let checkpoint = try? JSONDecoder().decode(AuditCheckpoint.self, from: data) else {
                problems.append("\(name) is not a checkpoint this app wrote (it cannot be read)")
                continue
            }
            guard key.isSigned(checkpoint) else {
                problems.append("\(name) is not signed with this clinic's audit key: it was changed, or comes from another clinic")
                continue
            }
            checkpoints.append(checkpoint)
        }
        return (checkpoints, problems)
    }
}

/// The whole check of the clinic's own trail: every link, and the checkpoints kept outside it.
struct AuditCheck: Sendable {
    let broken: AuditChainVerifier.Break?
    /// A checkpoint file that is unreadable or not signed with this clinic's key.
    let checkpointProblem: String?
    let checkpoints: [AuditCheckpoint]
    let folder: String

    var isIntact: Bool { broken == nil && checkpointProblem == nil }

    static func run(_ app: Application, on database: any Database) async throws -> AuditCheck {
        let key = try await app.auditWriter.chainKeys.storedKey(on: database)
        let folder = AuditCheckpoints.directory(app.services.settings)
        let (checkpoints, problems) = try key.map { try AuditCheckpoints.load(from: folder, key: $0) } ?? ([], [])
        let broken = try await AuditVerification.firstBreak(on: database, key: key, checkpoints: checkpoints)
        return AuditCheck(broken: broken, checkpointProblem: problems.first, checkpoints: checkpoints, folder: folder)
    }

    /// One sentence on the checkpoints, for the command and the page.
    var checkpointSummary: String {
        if let checkpointProblem { return "A checkpoint does not check out: \(checkpointProblem)." }
        guard let newest = checkpoints.max(by: { $0.sequence < $1.sequence }) else {
            return "No checkpoints yet, so rows removed from the end of the trail could not be noticed; the running app writes one at start and daily."
        }
        return "Checked against \(checkpoints.count) signed checkpoint(s); the newest, of \(ISO8601DateFormatter().string(from: newest.writtenAt)), pins row \(newest.sequence)."
    }
}
