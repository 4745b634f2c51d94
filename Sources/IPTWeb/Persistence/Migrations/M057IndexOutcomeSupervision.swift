import Fluent
import SQLKit

/// The outcomes page's supervision table counts, per student, the discharge summaries waiting for a
/// co-signature. Without an index on the author that is a scan of every summary the clinic ever
/// signed, once per student; with (status, author) it reads only the few that are waiting.
struct M057IndexOutcomeSupervision: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).create(index: "discharge_summaries_status_author").on("discharge_summaries")
            .column("status").column("author_id").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "discharge_summaries_status_author").run()
    }
}
