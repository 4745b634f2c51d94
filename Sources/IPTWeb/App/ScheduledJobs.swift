import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// Work the clinic runs on a timer. Each job runs in its own loop, so a job that fails (the booking
/// sweep on a bad row, say) never holds up another (the escalation of a safety alert). Every run is
/// recorded in `job_runs`; a failure is logged at error level and shown on the director's dashboard.
/// With several app instances each runs every job; the jobs claim their work with conditional
/// updates, so running twice does nothing twice.
struct ScheduledJob: Sendable {
    let name: String
    let interval: Duration
    let run: @Sendable (Application) async throws -> Void

    static let bookingSweep = ScheduledJob(name: "booking-sweep", interval: .seconds(60)) { app in
        try await ScheduleSweeper.run(app: app)
        try await SharedCounters.sweep(at: app.services.settings.clock.now(), on: app.db)
    }
    static let alertEscalation = ScheduledJob(name: "alert-escalation", interval: .seconds(60)) { app in
        try await RiskAlerts.escalate(app: app, now: app.services.settings.clock.now())
    }
    static let questionnairesByCadence = ScheduledJob(name: "questionnaires-by-cadence", interval: .seconds(300)) { app in
        try await Questionnaires.sendByCadence(app: app, now: app.services.settings.clock.now())
        app.services.outboxWorker?.nudge()
    }

    /// At start and then daily: a signed note of how far the audit chain reaches, kept outside the
    /// database, so rows removed from the end are found (see AuditCheckpoints).
    static let auditCheckpoint = ScheduledJob(name: "audit-checkpoint", interval: .seconds(24 * 60 * 60)) { app in
        try await AuditCheckpoints.write(app, database: app.db, now: app.services.settings.clock.now())
    }

    static let all = [alertEscalation, bookingSweep, questionnairesByCadence, auditCheckpoint]

    /// What people read on the dashboard.
    var label: String {
        switch name {
        case "booking-sweep": "Releasing lapsed holds, waitlist offers and reminders; forgetting old rate-limit counts"
        case "alert-escalation": "Escalating safety alerts left open"
        case "questionnaires-by-cadence": "Sending questionnaires by the clinic's cadence"
        case "audit-checkpoint": "Writing the audit trail's daily signed checkpoint"
        default: name
        }
    }

    /// Runs the job once and records the outcome; true when it succeeded.
    @discardableResult
    func runOnce(app: Application) async -> Bool {
        let started = app.services.settings.clock.now()
        do {
            try await JobRuns.started(name, at: started, on: app.db)
            try await run(app)
            try await JobRuns.succeeded(name, at: app.services.settings.clock.now(), on: app.db)
            return true
        } catch {
            // The type only: a database error's text can quote the values it was given.
            let kind = String(describing: type(of: error))
            app.logger.error("Scheduled job \(name) failed: \(kind)")
            try? await JobRuns.failed(name, at: app.services.settings.clock.now(), error: kind, on: app.db)
            return false
        }
    }
}

enum JobRuns {
    static func started(_ name: String, at now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).insert(into: JobRun.schema)
            .columns("name", "last_started_at", "failures_in_a_row").values(SQLBind(name), SQLBind(now), SQLBind(0))
            .onConflict(with: ["name"]) { $0.set("last_started_at", to: now) }
            .run()
    }

    static func succeeded(_ name: String, at now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update(JobRun.schema)
            .set("last_succeeded_at", to: now).set("failures_in_a_row", to: 0).where("name", .equal, name).run()
    }

    static func failed(_ name: String, at now: Date, error: String, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.insert(into: JobRun.schema)
            .columns("name", "failures_in_a_row").values(SQLBind(name), SQLBind(0))
            .ignoringConflicts(with: ["name"]).run()
        try await sql.update(JobRun.schema)
            .set("last_failed_at", to: now).set("last_error", to: error)
            .set(SQLIdentifier("failures_in_a_row"), to: SQLBinaryExpression(SQLIdentifier("failures_in_a_row"), .add, SQLLiteral.numeric("1")))
            .where("name", .equal, name).run()
    }

    /// Jobs whose latest run failed, for the director.
    static func failing(on db: any Database) async throws -> [JobRun] {
        try await JobRun.query(on: db).filter(\.$failuresInARow > 0).sort(\.$id).all()
    }
}

/// Starts each job's loop when the app boots and stops them at shutdown.
final class ScheduledJobsWorker: LifecycleHandler, @unchecked Sendable {
    private let jobs: [ScheduledJob]
    private var tasks: [Task<Void, Never>] = []

    init(jobs: [ScheduledJob]) {
        self.jobs = jobs
    }

    func didBootAsync(_ application: Application) async throws {
        application.jobsRunningSince = application.services.settings.clock.now()
        tasks = jobs.map { job in
            Task.detached {
                while !Task.isCancelled {
                    await job.runOnce(app: application)
                    try? await Task.sleep(for: job.interval)
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}

extension Application {
    private struct JobsRunningSinceKey: StorageKey { typealias Value = Date }

    /// When this instance started its scheduled jobs; nil where it runs none (commands, tests),
    /// and then /readyz does not judge them.
    var jobsRunningSince: Date? {
        get { storage[JobsRunningSinceKey.self] }
        set { storage[JobsRunningSinceKey.self] = newValue }
    }
}

extension JobRuns {
    /// The jobs that have not succeeded for longer than `JobFreshness` allows, by name.
    static func stale(runningSince: Date, now: Date, on db: any Database) async throws -> [ScheduledJob] {
        let runs = try await JobRun.query(on: db).all()
        return ScheduledJob.all.filter { job in
            let interval = Double(job.interval.components.seconds)
            return JobFreshness.isStale(lastSucceeded: runs.first { $0.id == job.name }?.lastSucceededAt, interval: interval,
                                        runningSince: runningSince, now: now)
        }
    }
}
