import Fluent
import SQLKit
import Vapor

/// `iptclinic audit verify`: walks the hash chain and names the first broken row.
struct AuditCommand: AsyncCommandGroup {
    var commands: [String: any AnyAsyncCommand] { ["verify": AuditVerifyCommand()] }
    var help: String { "Audit trail tools" }
}

struct AuditVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Checks every audit row against its hash and the row before it." }

    func run(using context: CommandContext, signature: Signature) async throws {
        // It no longer migrates the schema first, so an empty database gets words, not "no such table".
        if let sql = context.application.db as? any SQLDatabase, context.application.databaseEngine == .sqlite, try await !Backup.hasClinic(sql) {
            throw CommandFailure("This database holds no clinic yet (no tables), so there is no audit trail to check.")
        }
        let count = try await AuditEvent.query(on: context.application.db).count()
        if let broken = try await AuditVerification.firstBreak(on: context.application.db) {
            context.console.error("Audit chain BROKEN at row \(String(broken.sequence)): \(broken.reason).")
            throw CommandFailure("audit chain broken at row \(broken.sequence)")
        }
        context.console.output("Audit chain intact: \(String(count)) rows checked.")
    }
}
