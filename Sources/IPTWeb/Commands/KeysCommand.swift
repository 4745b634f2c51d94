import Crypto
import Fluent
import Foundation
import Vapor

/// `iptclinic keys rotate`: re-wraps every data key under a new master key, read from
/// `IPT_NEW_MASTER_KEY` (base64 of 32 bytes) or the file named by `IPT_NEW_MASTER_KEY_FILE`. Sealed
/// records are untouched (they are sealed by the data keys); afterwards, point the clinic at the
/// new master key and destroy the old one.
struct KeysCommand: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["rotate": RotateMasterKeyCommand()] }
    var help: String { "Encryption key tools" }
}

struct RotateMasterKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Re-wraps the data keys under the master key in IPT_NEW_MASTER_KEY or IPT_NEW_MASTER_KEY_FILE." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let environment = ProcessInfo.processInfo.environment
        let newKey: SymmetricKey
        if let text = environment["IPT_NEW_MASTER_KEY"] {
            newKey = try MasterKey.decode(text, source: "IPT_NEW_MASTER_KEY")
        } else if let path = environment["IPT_NEW_MASTER_KEY_FILE"], let text = try? String(contentsOfFile: path, encoding: .utf8) {
            newKey = try MasterKey.decode(text, source: path)
        } else {
            throw CommandFailure("Give the new master key in IPT_NEW_MASTER_KEY or IPT_NEW_MASTER_KEY_FILE (base64 of 32 random bytes, e.g. from `openssl rand -base64 32`).")
        }
        let chainKey = try await app.auditWriter.chainKeys.key(on: app.db)
        let count = try await MasterKey.rewrap(app.services.keyRing, auditChainKey: chainKey, with: newKey, on: app.db)
        try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "command line", action: .update, recordType: "data-keys",
                                                    recordID: nil, subject: nil, requestID: nil, detail: "master key rotated"))
        context.console.output("Re-wrapped \(String(count)) key(s) (the data keys and the audit chain key) under the new master key. Now point IPT_MASTER_KEY or IPT_MASTER_KEY_FILE at the new key and destroy the old one.")
    }
}
