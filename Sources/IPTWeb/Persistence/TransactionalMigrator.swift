import Fluent
import Vapor

/// Runs the pending migrations at start, each one and its line in Fluent's migration log in a single
/// transaction. Fluent's own migrator commits every statement of a migration on its own and logs
/// the migration afterwards, so a process killed halfway through a migration with several tables
/// (the crash-durability check does exactly that) left tables that the next start tried to create
/// again, and the clinic could never start. Both SQLite and PostgreSQL roll DDL back with the rest.
enum TransactionalMigrator {
    /// The migrations not yet in the log, in the order they will run.
    static func pending(_ app: Application, migrations: [any Migration] = Migrations.all) async throws -> [any Migration] {
        try await app.migrator.setupIfNeeded().get()
        let done = Set(try await MigrationLog.query(on: app.db).all().map(\.name))
        return migrations.filter { !done.contains($0.name) }
    }

    /// `settings` give the migrations that seal values (`SealingMigration`) the clinic's key.
    static func run(_ app: Application, migrations: [any Migration] = Migrations.all, settings: Settings? = nil) async throws {
        let database = app.db
        let pending = try await pending(app, migrations: migrations)
        let batch = (try await MigrationLog.query(on: database).max(\.$batch) ?? 0) + 1
        for migration in pending {
            try await database.transaction { transaction in
                if let sealing = migration as? any SealingMigration {
                    guard let settings else { throw SealingMigrationError.needsKeyRing(migration.name) }
                    try await sealing.prepare(on: transaction, keyRing: { try await MasterKey.keyRing(on: $0, settings: settings, now: settings.clock.now()) })
                } else {
                    try await migration.prepare(on: transaction).get()
                }
                try await MigrationLog(name: migration.name, batch: batch).create(on: transaction)
            }
        }
    }
}

/// `iptclinic migrate`: lists the pending migrations, asks (or takes `-y`), and applies them the
/// same way a start does, each in one transaction with its log entry. It replaces Fluent's own
/// command, which commits statement by statement and so could leave a half-made migration behind.
struct TransactionalMigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Applies the pending database migrations, each one whole or not at all." }
    var migrations: [any Migration] = Migrations.all

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let pending = try await TransactionalMigrator.pending(app, migrations: migrations)
        guard !pending.isEmpty else {
            return context.console.print("The database is up to date: no migrations to apply.")
        }
        context.console.print("These migrations will be applied, in this order:")
        for migration in pending { context.console.print("+ \(migration.name)") }
        guard context.console.confirm("Apply them now?") else {
            return context.console.print("Nothing was changed.")
        }
        try await TransactionalMigrator.run(app, migrations: migrations, settings: app.services.settings)
        context.console.print("Applied \(pending.count) migration\(pending.count == 1 ? "" : "s").")
    }
}
