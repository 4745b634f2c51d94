import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor

/// Rate limits and the sign-in throttle are the clinic's budget, not each instance's: two app
/// instances behind one load balancer count together (they used to count apart, so a visitor got
/// twice the limit), and instances racing for the last place let exactly one through.
@Suite struct SharedRateLimitTests {
    private let visitor = "203.0.113.5"

    @Test func two_instances_spend_one_public_form_budget() async throws {
        try await withInstances(2, publicFormLimit: 3) { apps, clock in
            var answers: [Bool] = []
            for index in [0, 1, 0, 1, 0] {
                answers.append(try await apps[index].services.rateLimits.allowPublicForm(.enquiry, from: visitor, at: clock.now, on: apps[index].db))
            }
            #expect(answers == [true, true, true, false, false], "the fourth enquiry is refused on whichever instance it reaches")
            // Another form, and another address, have budgets of their own.
            #expect(try await apps[1].services.rateLimits.allowPublicForm(.newsletter, from: visitor, at: clock.now, on: apps[1].db))
            #expect(try await apps[1].services.rateLimits.allowPublicForm(.enquiry, from: "203.0.113.6", at: clock.now, on: apps[1].db))
            // The window slides: a full window later the visitor may write again.
            clock.advance(by: 20 * 60)
            #expect(try await apps[1].services.rateLimits.allowPublicForm(.enquiry, from: visitor, at: clock.now, on: apps[1].db))
        }
    }

    @Test func instances_racing_for_the_last_places_let_exactly_the_limit_through() async throws {
        try await withInstances(2, publicFormLimit: 5) { apps, clock in
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<16 {
                    let app = apps[index % 2]
                    group.addTask { try await app.services.rateLimits.allowPublicForm(.booking, from: visitor, at: clock.now, on: app.db) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 5)
        }
    }

    @Test func sign_in_failures_at_two_instances_add_up_for_one_place() async throws {
        try await withInstances(2) { apps, clock in
            let place = RateLimits.Place(account: "director@clinic.test", address: visitor, device: nil)
            for index in 0..<4 {
                try await apps[index % 2].services.rateLimits.recordSignInFailure(place, at: clock.now, on: apps[index % 2].db)
            }
            #expect(try await apps[0].services.rateLimits.signInRetryAfter(place, at: clock.now, on: apps[0].db) == nil, "four failures are free")
            try await apps[1].services.rateLimits.recordSignInFailure(place, at: clock.now, on: apps[1].db)
            // The fifth failure, wherever it happened, holds the place back a minute on every instance.
            #expect(try await apps[0].services.rateLimits.signInRetryAfter(place, at: clock.now, on: apps[0].db) == 60)
            // The right password from that place (after the wait) forgets only that place.
            clock.advance(by: 61)
            try await apps[0].services.rateLimits.recordSignInSuccess(place, on: apps[0].db)
            #expect(try await apps[1].services.rateLimits.signInRetryAfter(place, at: clock.now, on: apps[1].db) == nil)
        }
    }

    @Test func simultaneous_failures_at_two_instances_are_all_counted() async throws {
        try await withInstances(2) { apps, clock in
            let place = RateLimits.Place(account: "therapist@clinic.test", address: visitor, device: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<10 {
                    let app = apps[index % 2]
                    group.addTask { try await app.services.rateLimits.recordSignInFailure(place, at: clock.now, on: app.db) }
                }
                try await group.waitForAll()
            }
            // Ten failures: the tenth refuses for 60 s doubled five times.
            #expect(try await apps[0].services.rateLimits.signInRetryAfter(place, at: clock.now, on: apps[0].db) == 60 * 32)
        }
    }

    @Test func the_sweep_forgets_windows_that_no_longer_count_and_stores_no_address() async throws {
        try await withInstances(1, publicFormLimit: 3) { apps, clock in
            let app = apps[0]
            _ = try await app.services.rateLimits.allowPublicForm(.enquiry, from: visitor, at: clock.now, on: app.db)
            try await app.services.rateLimits.recordSignInFailure(.init(account: "a@clinic.test", address: visitor, device: nil), at: clock.now, on: app.db)
            let sql = app.db as! any SQLDatabase
            let keys = try await sql.raw("SELECT key FROM rate_limit_hits UNION ALL SELECT key FROM sign_in_backoff").all()
                .map { try $0.decode(column: "key", as: String.self) }
            #expect(!keys.isEmpty && keys.allSatisfy { !$0.contains(visitor) && !$0.contains("@") })
            try await SharedCounters.sweep(at: clock.now, on: app.db)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM rate_limit_hits").first()?.decode(column: "n", as: Int.self) ?? 0 > 0)
            clock.advance(by: 2 * 24 * 60 * 60)
            try await SharedCounters.sweep(at: clock.now, on: app.db)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM rate_limit_hits").first()?.decode(column: "n", as: Int.self) == 0)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM sign_in_backoff").first()?.decode(column: "n", as: Int.self) == 0)
        }
    }
}
