import Crypto
import Fluent
import Foundation
import IPTCore
import Vapor

/// `iptclinic create-staff --email E --name N --role R`, password read from standard input so it
/// never appears in the shell history or the process list.
struct CreateStaffCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "The person's work email; they sign in with it")
        var email: String?
        @Option(name: "name", help: "Full name as shown to colleagues")
        var name: String?
        @Option(name: "role", help: "admin, supervisor, therapist, student or receptionist")
        var role: String?
    }

    var help: String { "Creates a staff account. Reads the password from standard input." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let email = signature.email.flatMap(TextRules.clean)?.lowercased(), TextRules.isPlausibleEmail(email) else {
            throw CommandFailure("Give a valid --email.")
        }
        guard let name = signature.name.flatMap(TextRules.clean), name.count <= 120 else {
            throw CommandFailure("Give the person's --name (up to 120 characters).")
        }
        guard let role = signature.role.flatMap(StaffRole.init(rawValue:)) else {
            throw CommandFailure("Give a --role: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        context.console.output("Password for \(email) (at least \(String(PasswordPolicy.minimumLength)) characters), then Enter:")
        guard let password = readLine(strippingNewline: true) else {
            throw CommandFailure("No password was given on standard input.")
        }
        if let problem = app.services.passwordPolicy.problem(with: password, email: email) {
            throw CommandFailure(problem)
        }
        if try await StaffUser.query(on: app.db).filter(\.$email == email).first() != nil {
            throw CommandFailure("An account with that email already exists.")
        }
        let baseSlug = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { slug, character in
            if character != "-" || slug.last != "-" { slug.append(character) }
        }.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        var slug = baseSlug.isEmpty ? "staff" : baseSlug
        var suffix = 2
        while try await StaffUser.query(on: app.db).filter(\.$slug == slug).first() != nil {
            slug = "\(baseSlug)-\(suffix)"
            suffix += 1
        }
        let hash = try app.password.hash(password)
        let user = StaffUser(email: email, name: name, role: role.rawValue, passwordHash: hash, slug: slug, createdAt: Date())
        try await user.create(on: app.db)
        try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "command line", action: .create,
                                                    recordType: "staff-account", recordID: user.id?.uuidString,
                                                    subject: email, requestID: nil, detail: "role=\(role.rawValue)"))
        context.console.output("Created \(role.displayName) account for \(name) <\(email)>.")
    }
}

/// `iptclinic audit verify`: walks the hash chain and names the first broken row.
struct AuditCommand: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["verify": AuditVerifyCommand()] }
    var help: String { "Audit trail tools" }
}

struct AuditVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Checks every audit row against its hash and the row before it." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let count = try await AuditEvent.query(on: context.application.db).count()
        if let broken = try await AuditVerification.firstBreak(on: context.application.db) {
            context.console.error("Audit chain BROKEN at row \(String(broken.sequence)): \(broken.reason).")
            throw CommandFailure("audit chain broken at row \(broken.sequence)")
        }
        context.console.output("Audit chain intact: \(String(count)) rows checked.")
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

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
        let count = try await MasterKey.rewrap(app.services.keyRing, with: newKey, on: app.db)
        try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "command line", action: .update, recordType: "data-keys",
                                                    recordID: nil, subject: nil, requestID: nil, detail: "master key rotated"))
        context.console.output("Re-wrapped \(String(count)) data key(s) under the new master key. Now point IPT_MASTER_KEY or IPT_MASTER_KEY_FILE at the new key and destroy the old one.")
    }
}
