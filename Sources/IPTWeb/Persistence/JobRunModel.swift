import Fluent
import Foundation
import IPTCore

/// The last run of one scheduled job, so a job that keeps failing shows on the director's dashboard.
final class JobRun: Model, ListedFields, @unchecked Sendable {
    static let schema = "job_runs"

    @ID(custom: "name", generatedBy: .user) var id: String?
    @OptionalField(key: "last_started_at") var lastStartedAt: Date?
    @OptionalField(key: "last_succeeded_at") var lastSucceededAt: Date?
    @OptionalField(key: "last_failed_at") var lastFailedAt: Date?
    /// The error's type only: a database error's text can quote the values it was given.
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "failures_in_a_row") var failuresInARow: Int

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $lastStartedAt, $lastSucceededAt, $lastFailedAt, $lastError, $failuresInARow] }

    init() {}
}
