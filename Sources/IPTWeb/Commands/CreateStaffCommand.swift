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
        let slug = try await StaffQueries.freeSlug(for: name, on: app.db)
        let hash = try app.password.hash(password)
        let user = StaffUser(email: email, name: name, role: role, passwordHash: hash, slug: slug, createdAt: Date())
        try await user.create(on: app.db)
        try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "command line", action: .create,
                                                    recordType: "staff-account", recordID: user.id?.uuidString,
                                                    subject: email, requestID: nil, detail: "role=\(role.rawValue)"))
        context.console.output("Created \(role.displayName) account for \(name) <\(email)>.")
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
