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
        let app = context.application
        let count = try await AuditEvent.query(on: app.db).count()
        let check = try await AuditCheck.run(app, on: app.db)
        if let broken = check.broken {
            context.console.error("Audit chain BROKEN at row \(String(broken.sequence)): \(broken.reason).")
            throw CommandFailure("audit chain broken at row \(broken.sequence)")
        }
        if let problem = check.checkpointProblem {
            context.console.error("Audit checkpoints in \(check.folder) do not check out: \(problem).")
            throw CommandFailure("audit checkpoint: \(problem)")
        }
        context.console.output("Audit chain intact: \(String(count)) rows checked.")
        context.console.output("\(check.checkpointSummary) (\(check.folder))")
    }
}
