import Fluent
import Foundation
import IPTCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Rate limits, counted in the database so that every app instance spends one budget: the limit
/// is the clinic's, not each instance's (M041). Windows slide (`SharedWindowCount`), and each
/// attempt is decided by one conditional upsert, so instances racing for the last place let
/// exactly one through.
///
/// Sign-in is throttled so that an attacker cannot turn it against the clinic: failures count per
/// account *and place* (the address, or a device that completed a sign-in before), with refusals
/// that grow, so guessing from one place slows to a crawl while the real person at another place,
/// or on their own known device, still gets in. See docs/DESIGN.md, "Sign-in throttling".
final class RateLimits: Sendable {
    struct Window: Sendable {
        let name: String
        let limit: Int
        let length: TimeInterval
    }

    private let publicForms: Window
    /// Failures per account and place: 5 free, then 1, 2, 4 ... minutes, at most an hour.
    static let placeBackoff = (free: 5, base: 60.0, cap: 60.0 * 60, forgetAfter: 24.0 * 60 * 60)
    /// Failures per address over all accounts (one password tried on many accounts); known devices
    /// are not held back by it.
    static let signInFailuresByAddress = Window(name: "sign-in-failures-by-address", limit: 20, length: 15 * 60)
    /// The last resort against guessing from many addresses: failures per account from places it
    /// has never signed in from. Known devices are not held back by it, so the worst a botnet can
    /// do is keep the person to their own devices for an hour.
    static let signInFailuresByAccount = Window(name: "sign-in-failures-by-account", limit: 100, length: 60 * 60)
    /// Password checks per address, successful or not, counted before bcrypt runs: a flood from
    /// one address is answered 429 without costing a quarter of a second of CPU each.
    static let passwordChecksByAddress = Window(name: "password-checks-by-address", limit: 30, length: 60)
    /// Only which refusals reach the audit trail (one per account and window, so a flood cannot
    /// flood the trail); a per-instance count is enough for that.
    private let throttleAudits = NIOLockedValueBox(SlidingWindowLimiter(limit: 1, window: 15 * 60))
    let forwardedForWarning = ForwardedForWarning()

    init(publicFormLimit: Int) {
        publicForms = Window(name: "public-form", limit: publicFormLimit, length: 10 * 60)
    }

    /// Seconds a refused visitor is told to wait (the window the public forms are counted over).
    static let publicFormRetryAfter = 10 * 60

    /// Each public form counts on its own, so a visitor who corrected an enquiry a few times can
    /// still sign up for the newsletter or book.
    func allowPublicForm(_ form: PublicForm, from address: String, at now: Date, on database: any Database) async throws -> Bool {
        try await SharedCounters.attempt(publicForms, key: "\(form.rawValue)|\(address)", at: now, on: database)
    }

    /// Where a sign-in attempt comes from, as the throttle counts it: a known device is its own
    /// place wherever it is, anything else is its address.
    struct Place: Sendable {
        let account: String
        let address: String
        /// The id in a valid known-device cookie issued for this account.
        let device: String?

        var key: String { device.map { "\(account)|device:\($0)" } ?? "\(account)|address:\(address)" }
    }

    /// Seconds to wait before this sign-in may be tried, or nil when it may be tried now.
    func signInRetryAfter(_ place: Place, at now: Date, on database: any Database) async throws -> Int? {
        if let wait = try await SharedCounters.refusedFor(place.key, at: now, on: database) { return Int(wait.rounded(.up)) }
        guard place.device == nil else { return nil }
        if try await SharedCounters.isBlocked(Self.signInFailuresByAddress, key: place.address, at: now, on: database) {
            return 15 * 60
        }
        if try await SharedCounters.isBlocked(Self.signInFailuresByAccount, key: place.account, at: now, on: database) {
            return 15 * 60
        }
        return nil
    }

    /// Counts one password check from this address; false when the address has used its budget.
    /// Wrong current passwords on the account page, per account: the fifth in a quarter hour signs
    /// the session out, so a browser left signed in is not a place to guess the password.
    static let accountPasswordFailures = Window(name: "account-password-failures", limit: 4, length: 15 * 60)

    func allowAccountPasswordFailure(_ staffID: UUID, at now: Date, on database: any Database) async throws -> Bool {
        try await SharedCounters.attempt(Self.accountPasswordFailures, key: staffID.uuidString, at: now, on: database)
    }

    func allowPasswordCheck(from address: String, at now: Date, on database: any Database) async throws -> Bool {
        try await SharedCounters.attempt(Self.passwordChecksByAddress, key: address, at: now, on: database)
    }

    func recordSignInFailure(_ place: Place, at now: Date, on database: any Database) async throws {
        try await SharedCounters.recordFailure(place.key, at: now, on: database)
        guard place.device == nil else { return }
        _ = try await SharedCounters.attempt(Self.signInFailuresByAddress, key: place.address, at: now, on: database)
        _ = try await SharedCounters.attempt(Self.signInFailuresByAccount, key: place.account, at: now, on: database)
    }

    /// A correct password clears only its own place: failures elsewhere, and second-factor failures
    /// (kept on the account), stay counted.
    func recordSignInSuccess(_ place: Place, on database: any Database) async throws {
        try await SharedCounters.forget(place.key, on: database)
    }

    /// Whether a refused attempt should be written to the audit trail: once per account and window,
    /// so a flood of attempts cannot flood the trail.
    func shouldAuditThrottle(account: String, at now: Date) -> Bool {
        throttleAudits.withLockedValue { $0.attempt(account, at: now) }
    }
}

/// The SQL behind `RateLimits`: tables `rate_limit_hits` and `sign_in_backoff` (M041).
enum SharedCounters {
    private static func hashed(_ window: String, _ key: String) -> String { HexDigest.sha256(window + "|" + key) }

    private static func hits(_ key: String, window: Int64, on sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT hits FROM rate_limit_hits WHERE key = \(bind: key) AND window_number = \(bind: window)")
            .first().map { try $0.decode(column: "hits", as: Int.self) } ?? 0
    }

    /// Counts an attempt and says whether it was within the limit. A refused attempt is not
    /// counted, so a visitor who backs off gets through once the window has moved on. The count
    /// and the check are one statement: the upsert adds the hit only while the window holds fewer
    /// than its cap, and returns no row when it did not.
    static func attempt(_ window: RateLimits.Window, key: String, at now: Date, on database: any Database) async throws -> Bool {
        let key = hashed(window.name, key)
        let number = SharedWindowCount.window(at: now, length: window.length)
        return try await database.writeTransaction { db in
            let sql = db as! any SQLDatabase
            let previous = try await hits(key, window: number - 1, on: sql)
            let cap = SharedWindowCount.cap(limit: window.limit, previousHits: previous, at: now, length: window.length)
            guard cap > 0 else { return false }
            // The window's row lives until the window after it has ended too (it weighs on that one).
            let expires = Int64((Double(number + 2) * window.length).rounded(.up))
            let counted = try await sql.raw("""
                INSERT INTO rate_limit_hits (key, window_number, hits, expires_at) VALUES (\(bind: key), \(bind: number), 1, \(bind: expires)) \
                ON CONFLICT (key, window_number) DO UPDATE SET hits = rate_limit_hits.hits + 1 WHERE rate_limit_hits.hits < \(bind: cap) \
                RETURNING hits
                """).first()
            return counted != nil
        }
    }

    /// Whether the key has used its budget, without counting an attempt.
    static func isBlocked(_ window: RateLimits.Window, key: String, at now: Date, on database: any Database) async throws -> Bool {
        let key = hashed(window.name, key)
        let number = SharedWindowCount.window(at: now, length: window.length)
        let sql = database as! any SQLDatabase
        let previous = try await hits(key, window: number - 1, on: sql)
        let current = try await hits(key, window: number, on: sql)
        return SharedWindowCount.isBlocked(limit: window.limit, previousHits: previous, currentHits: current, at: now, length: window.length)
    }

    /// Seconds the place must still wait after its failures, or nil.
    static func refusedFor(_ place: String, at now: Date, on database: any Database) async throws -> TimeInterval? {
        let row = try await (database as! any SQLDatabase)
            .raw("SELECT refused_until FROM sign_in_backoff WHERE key = \(bind: hashed("place", place))").first()
        guard let until = try row?.decode(column: "refused_until", as: Int64?.self) else { return nil }
        let wait = Double(until) - now.timeIntervalSince1970
        return wait > 0 ? wait : nil
    }

    /// One more failure for the place, and past the free ones a longer refusal. Read and written
    /// in one write transaction (the row locked on PostgreSQL), so failures arriving at several
    /// instances at once are all counted.
    static func recordFailure(_ place: String, at now: Date, on database: any Database) async throws {
        let key = hashed("place", place)
        let rule = RateLimits.placeBackoff
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        try await database.writeTransaction { db in
            let sql = db as! any SQLDatabase
            try await sql.raw("""
                INSERT INTO sign_in_backoff (key, failures, last_failure_at) VALUES (\(bind: key), 0, \(bind: seconds)) \
                ON CONFLICT (key) DO NOTHING
                """).run()
            let lock: SQLQueryString = DatabaseEngine(of: db) == .postgres ? " FOR UPDATE" : ""
            let row = try await sql.raw("SELECT failures, last_failure_at FROM sign_in_backoff WHERE key = \(bind: key)\(lock)").first()
            let previous = try row?.decode(column: "failures", as: Int.self)
            let lastFailure = try row.map { Date(timeIntervalSince1970: Double(try $0.decode(column: "last_failure_at", as: Int64.self))) }
            let failures = BackoffThrottle.failuresAfterOneMore(previous: previous == 0 ? nil : previous, lastFailure: lastFailure,
                                                                at: now, forgetAfter: rule.forgetAfter)
            let refusal = BackoffThrottle.refusal(afterFailures: failures, freeFailures: rule.free, base: rule.base, cap: rule.cap)
            let until = refusal.map { seconds + Int64($0) }
            try await sql.raw("""
                UPDATE sign_in_backoff SET failures = \(bind: failures), last_failure_at = \(bind: seconds), refused_until = \(bind: until) \
                WHERE key = \(bind: key)
                """).run()
        }
    }

    static func forget(_ place: String, on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DELETE FROM sign_in_backoff WHERE key = \(bind: hashed("place", place))").run()
    }

    /// Drops windows that no longer count and places quiet for a day; run by the booking sweep.
    static func sweep(at now: Date, on database: any Database) async throws {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let sql = database as! any SQLDatabase
        try await sql.raw("DELETE FROM rate_limit_hits WHERE expires_at < \(bind: seconds)").run()
        let quietSince = seconds - Int64(RateLimits.placeBackoff.forgetAfter)
        try await sql.raw("""
            DELETE FROM sign_in_backoff WHERE last_failure_at < \(bind: quietSince) AND (refused_until IS NULL OR refused_until < \(bind: seconds))
            """).run()
    }
}

/// Tells the operator, once, that requests arrive through a proxy whose X-Forwarded-For is not
/// trusted (IPT_TRUST_PROXY is unset): every visitor then has the proxy's address, and shares one
/// rate-limit budget with everyone else.
final class ForwardedForWarning: Sendable {
    private let warned = NIOLockedValueBox(false)

    /// Logs the warning the first time a request from a loopback or private peer carries
    /// X-Forwarded-For while it is not trusted; says whether it logged.
    @discardableResult
    func note(peer: String?, forwardedFor: String?, trusted: Bool, logger: Logger) -> Bool {
        guard !trusted, forwardedFor != nil, let peer, Self.isLoopbackOrPrivate(peer) else { return false }
        let first = warned.withLockedValue { warned in
            defer { warned = true }
            return !warned
        }
        guard first else { return false }
        logger.warning("Requests arrive through a proxy (X-Forwarded-For from \(peer)) but IPT_TRUST_PROXY is not set: every visitor counts as the proxy's address and shares one sign-in and form budget. Set IPT_TRUST_PROXY=1 if the proxy is yours.")
        return true
    }

    static func isLoopbackOrPrivate(_ address: String) -> Bool {
        let lower = address.lowercased()
        let v4 = lower.hasPrefix("::ffff:") ? String(lower.dropFirst(7)) : lower
        let octets = v4.split(separator: ".").compactMap { UInt8($0) }
        if octets.count == 4 {
            switch (octets[0], octets[1]) {
            case (127, _), (10, _), (192, 168), (169, 254): return true
            case (172, let second): return (16...31).contains(second)
            case (100, let second): return (64...127).contains(second)  // carrier-grade NAT, often a cloud balancer
            default: return false
            }
        }
        return lower == "::1" || lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe80:")
    }
}

/// The forms anyone can send without signing in; the web form and its API twin share one count.
enum PublicForm: String, Sendable {
    case enquiry, newsletter, booking, waitlist, passwordReset, portalSignIn
}
