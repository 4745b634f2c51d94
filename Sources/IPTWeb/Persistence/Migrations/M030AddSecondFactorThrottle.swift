import Fluent
import SQLKit

/// Wrong second-factor codes per account, kept in the database (every instance sees them and a
/// restart does not forget them), and the time the code step is refused until.
struct M030AddSecondFactorThrottle: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per ALTER TABLE: SQLite adds only one at a time.
        try await database.schema("staff_users")
            .field("second_factor_failures", .int, .required, .sql(.default(0)))
            .update()
        try await database.schema("staff_users").field("second_factor_refused_until", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("staff_users").deleteField("second_factor_refused_until").update()
        try await database.schema("staff_users").deleteField("second_factor_failures").update()
    }
}
