import Crypto
import Fluent
import Foundation
import IPTCore
import NIOConcurrencyHelpers
import SQLKit

/// The key the audit chain is hashed and its checkpoints signed with.
///
/// It is a random key of its own, kept wrapped by the master key beside the data keys (row
/// `audit-chain` of `data_keys`), rather than derived from the master key itself: rotating the
/// master key rewraps it like the data keys, so the chain written before a rotation still verifies.
/// Without the master key, which never enters the database, nobody can unwrap it, so nobody with
/// only the database can recompute a row's hash (docs/DESIGN.md, "The audit trail").
struct AuditChainKey: Sendable {
    static let rowID = "audit-chain"
    let key: SymmetricKey

    func hash(_ message: String) -> String {
        HexDigest.hex(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key))
    }

    /// The hash of the next row of the chain, wherever rows are written (the app, the large-clinic
    /// generator): one definition, so they cannot drift apart.
    func nextHash(previous: String, record: AuditRecord) -> String {
        hash(previous + record.canonicalText)
    }

    func hashing(keyedFrom: Int64) -> AuditChainVerifier.Hashing {
        AuditChainVerifier.Hashing(keyedFrom: keyedFrom, plain: HexDigest.sha256, keyed: hash)
    }

    func signed(_ checkpoint: AuditCheckpoint) -> AuditCheckpoint {
        var signed = checkpoint
        signed.signature = hash(checkpoint.signedText)
        return signed
    }

    func isSigned(_ checkpoint: AuditCheckpoint) -> Bool {
        guard let code = HexDigest.bytes(checkpoint.signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: Data(checkpoint.signedText.utf8), using: key)
    }

    /// The key stored for this database, or nil when none was made yet.
    static func load(on database: any Database, master: SymmetricKey) async throws -> AuditChainKey? {
        guard let row = try await DataKey.find(rowID, on: database) else { return nil }
        return AuditChainKey(key: try MasterKey.unwrap(row.wrappedKey, id: rowID, with: master))
    }

    /// The key, made and stored on first use. Two instances making it at once both insert; the
    /// unique key id keeps the first, and both then use what was stored.
    static func loadOrCreate(on database: any Database, master: SymmetricKey, now: Date) async throws -> AuditChainKey {
        if let existing = try await load(on: database, master: master) { return existing }
        let wrapped = try MasterKey.wrap(SymmetricKey(size: .bits256), id: rowID, with: master)
        try await (database as! any SQLDatabase).insert(into: DataKey.schema)
            .columns("key_id", "wrapped_key", "is_active", "created_at")
            .values(SQLBind(rowID), SQLBind(wrapped), SQLBind(false), SQLBind(now))
            .ignoringConflicts(with: ["key_id"]).run()
        guard let stored = try await load(on: database, master: master) else {
            throw ConfigurationError("The audit chain key could not be stored.")
        }
        return stored
    }
}

/// Finds the chain key once per process: from the master key (the same places `MasterKey` looks)
/// and the wrapped key in the database.
final class AuditChainKeySource: Sendable {
    private let settings: Settings
    private let cached = NIOLockedValueBox<AuditChainKey?>(nil)

    init(settings: Settings) {
        self.settings = settings
    }

    func key(on database: any Database) async throws -> AuditChainKey {
        if let key = cached.withLockedValue({ $0 }) { return key }
        let master = try MasterKey.load(settings: settings, mayCreate: false).key
        let key = try await AuditChainKey.loadOrCreate(on: database, master: master, now: settings.clock.now())
        cached.withLockedValue { $0 = key }
        return key
    }

    /// The key stored in another database (a backup being checked), never created there.
    func storedKey(on database: any Database) async throws -> AuditChainKey? {
        try await AuditChainKey.load(on: database, master: MasterKey.load(settings: settings, mayCreate: false).key)
    }
}
