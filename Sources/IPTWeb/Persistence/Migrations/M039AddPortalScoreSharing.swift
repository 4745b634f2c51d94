import Fluent
import SQLKit

/// The care team's choice to show a client their own score chart in the portal (off until someone
/// on the team turns it on), and the browser a portal sign-in link was asked from, so that opening
/// the link in that same browser signs in at once while a mail scanner's fetch changes nothing.
struct M039AddPortalScoreSharing: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per ALTER TABLE: SQLite adds only one at a time.
        try await database.schema("clients").field("scores_in_portal", .bool, .required, .sql(.default(false))).update()
        try await database.schema("portal_links").field("browser_hash", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("portal_links").deleteField("browser_hash").update()
        try await database.schema("clients").deleteField("scores_in_portal").update()
    }
}
