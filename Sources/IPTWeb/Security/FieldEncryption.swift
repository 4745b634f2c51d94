import Crypto
import Fluent
import Foundation
import Vapor

/// Where a sealed value lives and whose it is. All of it is bound into the ciphertext as associated
/// data, so a value copied into another row, column or table, or a row moved to another client
/// (its `client_id` changed), no longer opens.
struct SealContext: Sendable {
    let table: String
    let rowID: UUID
    let column: String
    /// The client the row is about; nil only for rows about no client (a staff member's two-factor
    /// secret, an enquiry, the supervision log).
    let clientID: UUID?
    let version: Int

    init(_ table: String, row: UUID, column: String, client: UUID?, version: Int = 1) {
        self.table = table
        self.rowID = row
        self.column = column
        self.clientID = client
        self.version = version
    }

    var associatedData: Data {
        Data("\(table)/\(UUIDText.string(rowID, lowercase: true))/\(column)/\(clientID.map { UUIDText.string($0, lowercase: true) } ?? "-")/v\(version)".utf8)
    }

    /// What was bound before the client was (M036 re-seals every value from this to the above).
    var associatedDataWithoutClient: Data {
        Data("\(table)/\(UUIDText.string(rowID, lowercase: true))/\(column)/v\(version)".utf8)
    }
}

enum FieldEncryptionError: Error, Equatable, CustomStringConvertible {
    case unknownKey(String)
    case malformed
    case cannotOpen
    case notSealed

    var description: String {
        switch self {
        case .unknownKey(let id): "A stored value was sealed with data key \(id), which this clinic's key ring does not hold."
        case .malformed: "A stored value is not in the sealed format."
        case .cannotOpen: "A stored value could not be opened: the key is wrong or the value was moved or altered."
        case .notSealed: "A stored value that must be sealed is in plain text: it was written outside the application."
        }
    }
}

/// The data keys that seal clinical free text (AES-256-GCM), unwrapped with the master key at
/// start. New values are sealed with the active key; every key that ever was active stays, so old
/// values still open. Stored form: `enc:v1:<key id>:<base64 of nonce, ciphertext and tag>`.
struct KeyRing: Sendable {
    static let prefix = "enc:v1:"
    let activeKeyID: String
    let keys: [String: SymmetricKey]

    func seal(_ plaintext: String, _ context: SealContext) throws -> String {
        try seal(plaintext, associatedData: context.associatedData)
    }

    func seal(_ plaintext: String, associatedData: Data) throws -> String {
        guard let key = keys[activeKeyID] else { throw FieldEncryptionError.unknownKey(activeKeyID) }
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: associatedData)
        guard let combined = box.combined else { throw FieldEncryptionError.malformed }
        return Self.prefix + activeKeyID + ":" + combined.base64EncodedString()
    }

    /// Opens a sealed value. A value without the prefix is refused, in every environment: the
    /// migrations sealed what was stored in plain text before (M036, M037), so plain text in a
    /// sealed column can only have been written around the application, and showing it as if it
    /// were genuine would hide that.
    func open(_ stored: String, _ context: SealContext) throws -> String {
        try open(stored, associatedData: context.associatedData)
    }

    func open(_ stored: String, associatedData: Data) throws -> String {
        guard stored.hasPrefix(Self.prefix) else { throw FieldEncryptionError.notSealed }
        let parts = stored.dropFirst(Self.prefix.count).split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let combined = Data(base64Encoded: String(parts[1])) else { throw FieldEncryptionError.malformed }
        guard let key = keys[String(parts[0])] else { throw FieldEncryptionError.unknownKey(String(parts[0])) }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key, authenticating: associatedData)
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw FieldEncryptionError.cannotOpen
        }
    }

    /// Seals a value as its JSON, for fields that are structured (a score, an event).
    func seal<Value: Encodable>(json value: Value, _ context: SealContext) throws -> String {
        try seal(String(decoding: try JSONEncoder().encode(value), as: UTF8.self), context)
    }

    func open<Value: Decodable>(_ stored: String, as type: Value.Type, _ context: SealContext) throws -> Value {
        try JSONDecoder().decode(type, from: Data(try open(stored, context).utf8))
    }

    func sealOptional(_ plaintext: String?, _ context: SealContext) throws -> String? {
        try plaintext.map { try seal($0, context) }
    }

    func openOptional(_ stored: String?, _ context: SealContext) throws -> String? {
        try stored.map { try open($0, context) }
    }
}

/// A data key as stored: wrapped (AES-GCM) by the master key, which never enters the database.
final class DataKey: Model, ListedFields, @unchecked Sendable {
    static let schema = "data_keys"

    @ID(custom: "key_id", generatedBy: .user) var id: String?
    @Field(key: "wrapped_key") var wrappedKey: String
    @Field(key: "is_active") var isActive: Bool
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $wrappedKey, $isActive, $createdAt] }

    init() {}
}

/// Loads the master key, and the data keys it unwraps; fails closed with a plain message when the
/// key is missing or wrong, since starting without it would mean writing what cannot be read back.
enum MasterKey {
    /// The master key from `IPT_MASTER_KEY` (base64 of 32 bytes) or the file named by
    /// `IPT_MASTER_KEY_FILE`; otherwise `master.key` in the data directory, created on a fresh
    /// installation (the README warns to move it elsewhere for real use).
    static func load(settings: Settings, mayCreate: Bool) throws -> (key: SymmetricKey, createdAt: String?) {
        if let configured = settings.masterKey { return (configured, nil) }
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["IPT_MASTER_KEY"] {
            return (try decode(text, source: "IPT_MASTER_KEY"), nil)
        }
        let path = environment["IPT_MASTER_KEY_FILE"]
            ?? URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("master.key").path
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            return (try decode(text, source: path), nil)
        }
        guard mayCreate else {
            throw ConfigurationError("The master key is missing (looked in IPT_MASTER_KEY, IPT_MASTER_KEY_FILE and \(path)). The database holds encrypted records, so the clinic will not start without the key that opens them.")
        }
        let fresh = SymmetricKey(size: .bits256)
        let text = fresh.withUnsafeBytes { Data($0).base64EncodedString() }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Written whole or not at all: a process killed half way must not leave a broken key.
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return (fresh, path)
    }

    static func decode(_ text: String, source: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw ConfigurationError("The master key in \(source) is not base64 of 32 bytes.")
        }
        return SymmetricKey(data: data)
    }

    static func wrap(_ dataKey: SymmetricKey, id: String, with master: SymmetricKey) throws -> String {
        let raw = dataKey.withUnsafeBytes { Data($0) }
        let box = try AES.GCM.seal(raw, using: master, authenticating: Data("data-key/\(id)".utf8))
        guard let combined = box.combined else { throw FieldEncryptionError.malformed }
        return combined.base64EncodedString()
    }

    static func unwrap(_ wrapped: String, id: String, with master: SymmetricKey) throws -> SymmetricKey {
        guard let combined = Data(base64Encoded: wrapped),
              let box = try? AES.GCM.SealedBox(combined: combined),
              let raw = try? AES.GCM.open(box, using: master, authenticating: Data("data-key/\(id)".utf8))
        else {
            throw ConfigurationError("The master key does not open data key \(id): it is not the key this database was set up with. The clinic will not start with the wrong key.")
        }
        return SymmetricKey(data: raw)
    }

    /// Wraps every data key of the ring, and the audit chain's key, again under `newMaster`, in one
    /// transaction.
    static func rewrap(_ ring: KeyRing, auditChainKey: AuditChainKey, with newMaster: SymmetricKey, on database: any Database) async throws -> Int {
        try await database.writeTransaction { transaction in
            let rows = try await DataKey.query(on: transaction).all()
            for row in rows {
                let key = row.id == AuditChainKey.rowID ? auditChainKey.key : row.id.flatMap { ring.keys[$0] }
                guard let id = row.id, let key else { throw FieldEncryptionError.unknownKey(row.id ?? "?") }
                row.wrappedKey = try wrap(key, id: id, with: newMaster)
                try await row.update(on: transaction)
            }
            return rows.count
        }
    }

    /// The key ring for this database, creating the first data key on a fresh installation.
    static func keyRing(on database: any Database, settings: Settings, now: Date) async throws -> KeyRing {
        // The audit chain's key is wrapped the same way but never seals a record.
        let stored = try await DataKey.query(on: database).filter(\.$id != AuditChainKey.rowID).all()
        let (master, createdPath) = try load(settings: settings, mayCreate: stored.isEmpty)
        if let createdPath {
            print("""

            WARNING: a new master key was written to \(createdPath). It opens every encrypted record.
            Keep a copy somewhere safe, and for real use move it out of the data directory and point
            IPT_MASTER_KEY_FILE at it: a backup of the data directory should not carry its own key.

            """)
        }
        var keys: [String: SymmetricKey] = [:]
        for row in stored {
            guard let id = row.id else { continue }
            keys[id] = try unwrap(row.wrappedKey, id: id, with: master)
        }
        if let active = stored.first(where: \.isActive)?.id {
            return KeyRing(activeKeyID: active, keys: keys)
        }
        let id = "k" + String(Int(now.timeIntervalSince1970))
        let fresh = SymmetricKey(size: .bits256)
        let row = DataKey()
        row.id = id
        row.wrappedKey = try wrap(fresh, id: id, with: master)
        row.isActive = true
        row.createdAt = now
        try await row.create(on: database)
        keys[id] = fresh
        return KeyRing(activeKeyID: id, keys: keys)
    }
}
