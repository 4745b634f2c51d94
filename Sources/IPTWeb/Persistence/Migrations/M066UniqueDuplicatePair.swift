import Fluent
import SQLKit

/// One possible-duplicate task per pair of client records, whichever way round it was found. Two
/// public bookings by the same person at the same moment each look for duplicates again after
/// committing (`DuplicateQueries.recordMatchesAfterCommit`); at the very same moment both could
/// flag the pair, once each way round. The unique index on the unordered pair lets only one of
/// them write it. Reversed copies already there are removed first, keeping the older.
struct M066UniqueDuplicatePair: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            DELETE FROM possible_duplicates WHERE EXISTS (
                SELECT 1 FROM possible_duplicates older
                WHERE older.client_id = possible_duplicates.existing_client_id AND older.existing_client_id = possible_duplicates.client_id
                AND (older.created_at < possible_duplicates.created_at
                     OR (older.created_at = possible_duplicates.created_at AND older.id < possible_duplicates.id)))
            """).run()
        let (low, high) = DatabaseEngine(of: database) == .postgres ? ("LEAST", "GREATEST") : ("min", "max")
        try await sql.raw("""
            CREATE UNIQUE INDEX possible_duplicates_pair ON possible_duplicates
            (\(unsafeRaw: low)(client_id, existing_client_id), \(unsafeRaw: high)(client_id, existing_client_id))
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "possible_duplicates_pair").run()
    }
}
