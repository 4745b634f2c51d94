import Fluent
import Vapor

/// Runs the pending migrations at start, each one and its line in Fluent's migration log in a single
/// transaction. Fluent's own migrator commits every statement of a migration on its own and logs
/// the migration afterwards, so a process killed halfway through a migration with several tables
/// (the crash-durability check does exactly that) left tables that the next start tried to create
/// again, and the clinic could never start. Both SQLite and PostgreSQL roll DDL back with the rest.
enum TransactionalMigrator {
    static func run(_ app: Application, migrations: [any Migration] = Migrations.all) async throws {
        try await app.migrator.setupIfNeeded().get()
        let database = app.db
        let done = Set(try await MigrationLog.query(on: database).all().map(\.name))
        let batch = (try await MigrationLog.query(on: database).max(\.$batch) ?? 0) + 1
        for migration in migrations where !done.contains(migration.name) {
            try await database.transaction { transaction in
                try await migration.prepare(on: transaction).get()
                try await MigrationLog(name: migration.name, batch: batch).create(on: transaction)
            }
        }
    }
}
