import Fluent
import Foundation
import IPTPages
import NIOConcurrencyHelpers
import Vapor

/// The clinic's identity, read from the database and kept for a short while: public pages need it
/// on every request, and a change made on another app instance shows within the time-to-live.
final class ClinicIdentityStore: Sendable {
    private let cached: NIOLockedValueBox<(identity: ClinicIdentity, readAt: Date)?> = .init(nil)
    private let clock: AppClock
    private let timeToLive: TimeInterval = 30

    init(clock: AppClock) { self.clock = clock }

    /// The identity as last read, without a query.
    var lastKnown: ClinicIdentity? { cached.withLockedValue { $0?.identity } }

    /// `database` is only evaluated on a miss: a request's `db` is not free to build.
    func current(on database: @autoclosure () -> any Database) async throws -> ClinicIdentity {
        let now = clock.now()
        if let entry = cached.withLockedValue({ $0 }), now.timeIntervalSince(entry.readAt) < timeToLive {
            return entry.identity
        }
        let identity = try await ClinicProfile.query(on: database()).first().map {
            ClinicIdentity(name: $0.name, phone: $0.phone, email: $0.email, address: $0.address, timeZone: $0.timeZone,
                           requireTwoFactor: $0.requireTwoFactor)
        } ?? .defaults
        cached.withLockedValue { $0 = (identity, now) }
        return identity
    }

    func invalidate() {
        cached.withLockedValue { $0 = nil }
    }

    /// Inserts the default identity if the table is empty (first start).
    static func ensureSeeded(on database: any Database, now: Date) async throws {
        guard try await ClinicProfile.query(on: database).count() == 0 else { return }
        let defaults = ClinicIdentity.defaults
        try await ClinicProfile(name: defaults.name, phone: defaults.phone, email: defaults.email,
                                address: defaults.address, timeZone: defaults.timeZone, updatedAt: now).create(on: database)
    }
}
