import Foundation
import IPTCore
@testable import IPTWeb
import NIOCore
import Testing
import Vapor
import VaporTesting

@Suite struct MetricsTests {
    @Test func metrics_need_the_token_when_one_is_set_and_report_requests_by_route_pattern() async throws {
        try await withClinic(configure: { $0.metricsToken = "a-long-metrics-token" }) { clinic in
            let browser = Browser(app: clinic.app)
            _ = try await browser.get("/team")
            _ = try await browser.get("/no-such-page-\(UUID().uuidString)")
            #expect(try await browser.get("/metrics").status == .notFound, "no token: nothing here")
            #expect(try await browser.get("/metrics", headers: ["Authorization": "Bearer wrong"]).status == .notFound)
            let answer = try await browser.get("/metrics", headers: ["Authorization": "Bearer a-long-metrics-token"])
            #expect(answer.status == .ok && answer.headers.contentType?.subType == "plain")
            let text = answer.body.string
            #expect(text.contains(#"http_requests_total{method="GET",path="/team",status="200"}"#))
            #expect(text.contains("vapor_route_undefined") && !text.contains("no-such-page"), "unknown paths are not labels")
            #expect(text.contains("ipt_outbox_pending ") && text.contains("ipt_risk_alerts_open ") && text.contains(#"ipt_job_last_success_seconds{job="alert-escalation"}"#))
            #expect(text.contains("http_request_duration_seconds_bucket"))
            #expect(text.contains("ipt_db_pool_wait_seconds "))
        }
    }

    @Test func a_database_pool_that_stays_busy_is_a_503_to_try_again_and_is_counted() async throws {
        try await withClinic(configure: { $0.metricsToken = "a-long-metrics-token" }) { clinic in
            // A page whose query got no connection within the pool's wait: what the driver throws then.
            struct BusyPool: Responder {
                func respond(to request: Request) -> EventLoopFuture<Response> {
                    request.eventLoop.makeFailedFuture(ConnectionPoolTimeoutError.connectionRequestTimeout)
                }
            }
            let request = Request(application: clinic.app, method: .GET, url: "/team", on: clinic.app.eventLoopGroup.next())
            let answer = try await ErrorPageMiddleware(secure: false).respond(to: request, chainingTo: BusyPool()).get()
            let browser = Browser(app: clinic.app)
            #expect(answer.status == .serviceUnavailable, "a busy minute is not a server fault")
            #expect(answer.headers.first(name: .retryAfter) == "5")
            #expect((answer.body.string ?? "").contains("very busy just now"))
            let metrics = try await browser.get("/metrics", headers: ["Authorization": "Bearer a-long-metrics-token"]).body.string
            #expect(metrics.split(separator: "\n").contains { $0.hasPrefix("ipt_db_pool_timeouts_total ") && !$0.hasSuffix(" 0") })
        }
    }

    @Test func without_a_token_only_a_loopback_connection_not_through_the_proxy_may_read() async throws {
        let app = try await Application.make(.testing)
        func request(from address: String?, forwarded: Bool = false, bearer: String? = nil) -> Request {
            var headers = HTTPHeaders()
            if forwarded { headers.add(name: .xForwardedFor, value: "203.0.113.9") }
            if let bearer { headers.bearerAuthorization = .init(token: bearer) }
            return Request(application: app, method: .GET, url: "/metrics", headers: headers,
                           remoteAddress: address.flatMap { try? SocketAddress(ipAddress: $0, port: 4000) }, on: app.eventLoopGroup.next())
        }
        #expect(MetricsController.mayRead(request(from: "127.0.0.1"), token: nil))
        #expect(MetricsController.mayRead(request(from: "::1"), token: nil))
        #expect(!MetricsController.mayRead(request(from: "127.0.0.1", forwarded: true), token: nil), "through the proxy it is the internet")
        #expect(!MetricsController.mayRead(request(from: "192.0.2.4"), token: nil))
        #expect(!MetricsController.mayRead(request(from: "127.0.0.1"), token: "t0ken"), "with a token set, loopback needs it too")
        #expect(MetricsController.mayRead(request(from: "192.0.2.4", bearer: "t0ken"), token: "t0ken"))
        try await app.asyncShutdown()
    }
}

@Suite struct ReadinessTests {
    @Test func readyz_fails_while_a_scheduled_job_has_not_worked_for_too_long_and_names_it() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            clinic.app.jobsRunningSince = clinic.clock.now
            #expect(try await browser.get("/readyz").status == .ok)
            clinic.clock.advance(by: 11 * 60)
            let stale = try await browser.get("/readyz")
            #expect(stale.status == .serviceUnavailable)
            #expect(stale.body.string.contains("alert-escalation") && stale.body.string.contains("booking-sweep"))
            #expect(!stale.body.string.contains("questionnaires-by-cadence"), "a five-minute job is allowed 25 minutes")
            for job in ScheduledJob.all {
                try await JobRuns.started(job.name, at: clinic.clock.now, on: clinic.db)
                try await JobRuns.succeeded(job.name, at: clinic.clock.now, on: clinic.db)
            }
            #expect(try await browser.get("/readyz").status == .ok)
        }
    }
}
