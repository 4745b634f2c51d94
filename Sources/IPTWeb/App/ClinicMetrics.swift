import Crypto
import Fluent
import Foundation
import IPTCore
import IPTPages
import Metrics
import Prometheus
import Vapor

/// The process's metrics: Vapor reports every request through swift-metrics (counted by route
/// pattern, method and status, and timed), the audit writer its batches, and the clinic's own
/// gauges (outbox, risk alerts, scheduled jobs) are read from the database when /metrics is asked.
/// Route patterns, never paths: no client's id or anything else about a person reaches a label.
enum ClinicMetrics {
    static let registry = PrometheusCollectorRegistry()

    /// swift-metrics takes one backend per process; the tests start many apps in one process.
    static let bootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()
}

/// GET /metrics, for a Prometheus on the same machine (a loopback connection that did not come
/// through the proxy) or anywhere with `IPT_METRICS_TOKEN` as a bearer token. Anyone else gets a
/// 404, as if there were nothing here.
struct MetricsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.metrics, use: metrics)
    }

    func metrics(_ request: Request) async throws -> Response {
        guard Self.mayRead(request, token: request.application.services.settings.metricsToken) else { throw Abort(.notFound) }
        // How long this scrape waited for a connection of the pool pages use: a sample of how
        // busy the pool is (the driver keeps no count of its own waits).
        let asked = ContinuousClock.now
        try await request.db.withConnection { connection in
            let waited = ContinuousClock.now - asked
            ClinicMetrics.registry.makeGauge(descriptor: .named("ipt_db_pool_wait_seconds",
                                             help: "Seconds the latest /metrics scrape waited for a database connection of the page pool"))
                .set(Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18)
            try await Self.readGauges(on: connection, now: request.now)
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        headers.cacheControl = .init(noStore: true)
        return Response(status: .ok, headers: headers, body: .init(string: ClinicMetrics.registry.emitToString()))
    }

    static func mayRead(_ request: Request, token: String?) -> Bool {
        if let token, !token.isEmpty {
            guard let given = request.headers.bearerAuthorization?.token else { return false }
            // Compared as digests, in constant time, so the answer's timing says nothing of the token.
            return SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(token.utf8))
        }
        let forwarded = request.headers.first(name: .xForwardedFor) != nil || request.headers.first(name: "Forwarded") != nil
        guard !forwarded, let address = request.remoteAddress?.ipAddress else { return false }
        return address == "127.0.0.1" || address == "::1" || address.hasPrefix("::ffff:127.")
    }

    /// The clinic's gauges, read now: what is waiting and how old the oldest is.
    static func readGauges(on db: any Database, now: Date) async throws {
        let registry = ClinicMetrics.registry
        let pending = try await OutboxMessage.query(on: db).filter(\.$status == .pending).count()
        let oldestPending = try await OutboxMessage.query(on: db).filter(\.$status == .pending).sort(\.$createdAt).first()
        let failed = try await OutboxMessage.query(on: db).filter(\.$status == .failed).count()
        registry.makeGauge(descriptor: .named("ipt_outbox_pending", help: "Emails waiting to be sent")).set(Double(pending))
        registry.makeGauge(descriptor: .named("ipt_outbox_oldest_pending_seconds", help: "Age of the oldest email waiting to be sent"))
            .set(oldestPending.map { max(0, now.timeIntervalSince($0.createdAt)) } ?? 0)
        registry.makeGauge(descriptor: .named("ipt_outbox_failed", help: "Emails that failed for good")).set(Double(failed))
        let openAlerts = try await RiskAlert.query(on: db).filter(\.$status == .open).count()
        let oldestAlert = try await RiskAlert.query(on: db).filter(\.$status == .open).sort(\.$createdAt).first()
        registry.makeGauge(descriptor: .named("ipt_risk_alerts_open", help: "Risk alerts waiting for a clinician's follow-up")).set(Double(openAlerts))
        registry.makeGauge(descriptor: .named("ipt_risk_alert_oldest_open_seconds", help: "Age of the oldest open risk alert"))
            .set(oldestAlert.map { max(0, now.timeIntervalSince($0.createdAt)) } ?? 0)
        let runs = try await JobRun.query(on: db).all()
        for job in ScheduledJob.all {
            let run = runs.first { $0.id == job.name }
            registry.makeGauge(descriptor: .named("ipt_job_last_success_seconds", help: "Seconds since the scheduled job last succeeded (-1: not yet)"),
                               labels: [("job", job.name)])
                .set(run?.lastSucceededAt.map { now.timeIntervalSince($0) } ?? -1)
            registry.makeGauge(descriptor: .named("ipt_job_failures_in_a_row", help: "Failures of the job since it last worked"),
                               labels: [("job", job.name)])
                .set(Double(run?.failuresInARow ?? 0))
        }
    }
}

extension MetricNameDescriptor {
    /// A gauge's whole name as the clinic's metrics have always been named (the unit, where there is
    /// one, already its last word), so the exposition stays the same: the descriptor leaves out empty parts.
    static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
