import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// What the outcomes report keeps of each ended course between views (M064), so that a report over
/// thousands of courses opens one sealed value per course instead of reading every response and
/// attended appointment of each one: at 100,000 clients that reading was most of a 12-month
/// report's second (docs/PERFORMANCE.md, "Outcomes page").
///
/// A kept outcome is a copy, never the record: it carries the count of changes to its client's
/// appointments, responses and summaries (`client_outcome_versions`, kept by triggers) at the
/// moment it was computed, and is used only while that count is unchanged. It is computed from
/// one consistent snapshot of the database, the count included, so a change that commits while it
/// is being computed leaves it out of date and it is computed again on the next view. A kept value
/// that cannot be opened is computed again too. Nothing here decides a figure: the report reads
/// the same columns through the same functions whether a course was kept or not.
enum CourseOutcomeCache {
    /// The expensive part of one course: the sessions held and the first and last score of each
    /// measure up to its summary, and the ending its clinician recorded. The contract, focus and
    /// clinician are read afresh on every view.
    struct Outcome: Codable, Sendable, Equatable {
        var sessionsHeld: Int
        var endingReason: String?
        /// By instrument code (PHQ-9, PHQ-A, GAD-7).
        var scores: [String: Scores]
    }

    /// The first and last score of one measure in one course, and how many responses it had.
    struct Scores: Codable, Sendable, Equatable {
        var first: Int?
        var last: Int?
        var count = 0
    }

    /// One ended course as the report's course query returns it, with its kept outcome if any.
    struct Course: Sendable {
        var discharge: UUID
        var client: UUID
        var keptVersion: Int64?
        var keptSealed: String?
        var currentVersion: Int64
    }

    static func context(_ discharge: UUID, client: UUID) -> SealContext {
        SealContext("course_outcomes", row: discharge, column: "outcome_sealed", client: client)
    }

    /// Courses computed per batch: each batch's summaries are named in the queries' `IN` list.
    static let batchSize = 500

    /// Every course's outcome: the kept ones that are current, and the rest computed and kept.
    static func outcomes(of courses: [Course], on db: any Database, keyRing: KeyRing) async throws -> [UUID: Outcome] {
        var result: [UUID: Outcome] = [:]
        var missing: [Course] = []
        for course in courses {
            if course.keptVersion == course.currentVersion, let sealed = course.keptSealed,
               let outcome = try? keyRing.open(sealed, as: Outcome.self, context(course.discharge, client: course.client)) {
                result[course.discharge] = outcome
            } else {
                missing.append(course)
            }
        }
        var start = 0
        while start < missing.count {
            let batch = Array(missing[start..<min(start + batchSize, missing.count)])
            let (versions, computed) = try await compute(batch, on: db, keyRing: keyRing)
            result.merge(computed) { _, new in new }
            try await keep(batch, computed, versions: versions, on: db, keyRing: keyRing)
            start += batchSize
        }
        return result
    }

    /// The batch's outcomes and their clients' change counts, from one snapshot: SQLite's read
    /// transaction is one in WAL mode; PostgreSQL's needs REPEATABLE READ for its statements to
    /// share one.
    static func compute(_ batch: [Course], on db: any Database, keyRing: KeyRing) async throws -> (versions: [UUID: Int64], outcomes: [UUID: Outcome]) {
        try await db.transaction { tx in
            let sql = tx as! any SQLDatabase
            if DatabaseEngine(of: tx) == .postgres { try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").run() }
            let clients = Array(Set(batch.map(\.client)))
            var versions: [UUID: Int64] = [:]
            for row in try await sql.raw("SELECT client_id, version FROM client_outcome_versions WHERE client_id IN (\(binds: clients))").all() {
                versions[try row.decode(column: "client_id", as: UUID.self)] = try row.decode(column: "version", as: Int64.self)
            }
            let filter: SQLQueryString = "d.id IN (\(binds: batch.map(\.discharge)))"
            var outcomes: [UUID: Outcome] = [:]
            for row in try await RowReader.all(OutcomesQueries.courseEndings(endedIn: filter), on: tx) {
                let discharge = try row.decode(column: "discharge_id", as: UUID.self), client = try row.decode(column: "client_id", as: UUID.self)
                let content = try keyRing.open(try row.decode(column: "content_sealed", as: String.self), as: DischargeContent.self,
                                               DischargeSummaryRow.contentContext(discharge, client: client))
                outcomes[discharge] = Outcome(sessionsHeld: 0, endingReason: content.endingReason, scores: [:])
            }
            for row in try await RowReader.all(OutcomesQueries.sessionsHeld(endedIn: filter), on: tx) {
                outcomes[try row.decode(column: "discharge_id", as: UUID.self)]?.sessionsHeld = try row.decode(column: "attended", as: Int.self)
            }
            // Ids stay strings until a score is opened: parsing and printing 30,000 UUIDs was a
            // tenth of a 36-month report's time at 10,000 clients.
            var responses: [CourseMeasure: FirstAndLast] = [:]
            for row in try await RowReader.all(OutcomesQueries.completedScores(endedIn: filter), on: tx) {
                let key = CourseMeasure(discharge: try row.decode(column: "discharge_id", as: String.self),
                                        code: try row.decode(column: "instrument_code", as: String.self))
                responses[key, default: FirstAndLast()].add(.init(
                    id: try row.decode(column: "id", as: String.self), client: try row.decode(column: "client_id", as: String.self),
                    completedAt: try row.decode(column: "completed_at", as: Date.self), sealedScore: try row.decode(column: "score_sealed", as: String.self)))
            }
            func total(_ response: FirstAndLast.Response) throws -> Int {
                guard let id = UUID(uuidString: response.id), let client = UUID(uuidString: response.client) else { throw Abort(.internalServerError) }
                return try keyRing.open(response.sealedScore, as: MeasureResponse.Score.self, MeasureResponse.scoreContext(id, client: client)).total
            }
            for (key, measure) in responses {
                guard let discharge = UUID(uuidString: key.discharge), let first = measure.first, let last = measure.last else { continue }
                outcomes[discharge]?.scores[key.code] = Scores(first: try total(first), last: measure.count > 1 ? try total(last) : nil, count: measure.count)
            }
            return (versions, outcomes)
        }
    }

    /// Keeps the computed outcomes with the change counts they were computed at. A kept row that
    /// another view wrote meanwhile is replaced; whichever count it carries, it is used only while
    /// current. Keeping is an optimisation: if it fails, the report is still right and the next
    /// view computes the courses again.
    static func keep(_ batch: [Course], _ outcomes: [UUID: Outcome], versions: [UUID: Int64], on db: any Database, keyRing: KeyRing) async throws {
        let sql = db as! any SQLDatabase
        let insert = sql.insert(into: "course_outcomes").columns("discharge_id", "client_id", "version", "outcome_sealed")
        var rows = 0
        for course in batch {
            guard let outcome = outcomes[course.discharge] else { continue }
            insert.values(SQLBind(course.discharge), SQLBind(course.client), SQLBind(versions[course.client] ?? 0),
                          SQLBind(try keyRing.seal(json: outcome, context(course.discharge, client: course.client))))
            rows += 1
        }
        guard rows > 0 else { return }
        do {
            try await insert.onConflict(with: "discharge_id") {
                $0.set(excludedValueOf: "client_id").set(excludedValueOf: "version").set(excludedValueOf: "outcome_sealed")
            }.run()
        } catch {
            db.logger.warning("Could not keep \(rows) course outcomes for the outcomes report; they will be computed again (\(type(of: error)))")
        }
    }
}
