import Fluent
import SQLKit

/// Today lists the questionnaires, intake forms and self-assessments a clinician sent that are still
/// open. Those tables had no index on the clinician, so every view of Today read all of them: at
/// 1,000,000 questionnaires (scripts/bench-scale, 100,000 clients) that is the whole table per page.
/// An index on (clinician, status) finds the few open ones directly.
struct M061IndexFormsByClinician: AsyncMigration {
    static let indexes = [("measure_responses_clinician_status", "measure_responses"), ("intakes_clinician_status", "intakes"),
                          ("self_assessments_clinician_status", "self_assessments")]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (name, table) in Self.indexes {
            try await sql.create(index: name).on(table).column("clinician_id").column("status").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (name, _) in Self.indexes.reversed() {
            try await sql.drop(index: name).run()
        }
    }
}
