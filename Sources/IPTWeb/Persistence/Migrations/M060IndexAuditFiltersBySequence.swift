import Fluent
import SQLKit

/// The audit view filtered by a person or by a client lists the newest 50 of their rows. With an
/// index on the person (or client) alone, the database fetched every row of theirs and sorted them
/// to find the newest: measured by scripts/bench-scale, a clinician with 100,000 rows of trail made
/// the page take seconds. With the sequence in the index too, it reads the newest 50 in index order
/// and stops. The new indexes begin with the old ones' column, so those are dropped (anything that
/// used them uses these).
struct M060IndexAuditFiltersBySequence: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_actor_sequence").on("audit_events").column("actor_id").column("sequence").run()
        try await sql.create(index: "audit_events_subject_sequence").on("audit_events").column("subject").column("sequence").run()
        try await sql.drop(index: "audit_events_actor").run()
        try await sql.drop(index: "audit_events_subject").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_subject").on("audit_events").column("subject").run()
        try await sql.create(index: "audit_events_actor").on("audit_events").column("actor_id").run()
        try await sql.drop(index: "audit_events_subject_sequence").run()
        try await sql.drop(index: "audit_events_actor_sequence").run()
    }
}
