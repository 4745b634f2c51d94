import Fluent
import SQLKit

/// Rate limits and the sign-in throttle counted in the database, so several app instances share
/// one budget: behind a load balancer with three instances a visitor used to get three times the
/// limit, and guessing passwords across instances got three times the tries. Keys are SHA-256 of
/// what they count (a form and an address, an account and a place), so no address or email
/// address is stored in plain text for it. Times are whole seconds since 1970.
struct M041CreateSharedRateLimits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            CREATE TABLE rate_limit_hits (key TEXT NOT NULL, window_number BIGINT NOT NULL, hits INTEGER NOT NULL, \
            expires_at BIGINT NOT NULL, PRIMARY KEY (key, window_number))
            """).run()
        try await sql.raw("CREATE INDEX rate_limit_hits_expiry ON rate_limit_hits (expires_at)").run()
        try await sql.raw("""
            CREATE TABLE sign_in_backoff (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at BIGINT NOT NULL, \
            refused_until BIGINT)
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP TABLE sign_in_backoff").run()
        try await sql.raw("DROP TABLE rate_limit_hits").run()
    }
}
