import Fluent
import SQLKit

/// Staff two-factor sign-in: the TOTP secret (and one waiting for confirmation), the last step used
/// (so a code works once), hashed recovery codes, a per-session "second factor done" mark, and the
/// clinic's setting that makes it required.
struct M012AddTwoFactor: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per ALTER TABLE: SQLite adds only one at a time.
        try await database.schema("staff_users").field("totp_secret", .string).update()
        try await database.schema("staff_users").field("totp_pending_secret", .string).update()
        try await database.schema("staff_users").field("totp_enabled_at", .datetime).update()
        try await database.schema("staff_users").field("totp_last_counter", .int64).update()
        // Sessions that exist before this migration were opened without a second factor, as the app
        // then required; they keep working until they expire.
        try await database.schema("staff_sessions")
            .field("second_factor_done", .bool, .required, .sql(.default(true)))
            .update()
        try await database.schema("clinic_profile")
            .field("require_two_factor", .bool, .required, .sql(.default(true)))
            .update()
        try await database.schema("recovery_codes")
            .id()
            .field("staff_id", .uuid, .required, .references("staff_users", "id", onDelete: .cascade))
            .field("code_hash", .string, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "recovery_codes_staff").on("recovery_codes").column("staff_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("recovery_codes").delete()
        try await database.schema("clinic_profile").deleteField("require_two_factor").update()
        try await database.schema("staff_sessions").deleteField("second_factor_done").update()
        for column in ["totp_last_counter", "totp_enabled_at", "totp_pending_secret", "totp_secret"] {
            try await database.schema("staff_users").deleteField(.string(column)).update()
        }
    }
}
