import Foundation
import IPTCore
import NIOConcurrencyHelpers
import Vapor

/// In-process rate limits. Each app instance counts on its own; behind a load balancer with N
/// instances a visitor gets at most N times the limit, which still stops a flood.
///
/// Sign-in is throttled so that an attacker cannot turn it against the clinic: failures count per
/// account *and place* (the address, or a device that completed a sign-in before), with refusals
/// that grow, so guessing from one place slows to a crawl while the real person at another place,
/// or on their own known device, still gets in. See docs/DESIGN.md, "Sign-in throttling".
final class RateLimits: Sendable {
    private let publicForms: NIOLockedValueBox<SlidingWindowLimiter>
    /// Failures per account and place: 5 free, then 1, 2, 4 ... minutes, at most an hour.
    private let signInByPlace = NIOLockedValueBox(BackoffThrottle(freeFailures: 5, base: 60, cap: 60 * 60))
    /// Failures per address over all accounts (one password tried on many accounts); known devices
    /// are not held back by it.
    private let signInFailuresByAddress = NIOLockedValueBox(SlidingWindowLimiter(limit: 20, window: 15 * 60))
    /// The last resort against guessing from many addresses: failures per account from places it
    /// has never signed in from. Known devices are not held back by it, so the worst a botnet can
    /// do is keep the person to their own devices for an hour.
    private let signInFailuresByAccount = NIOLockedValueBox(SlidingWindowLimiter(limit: 100, window: 60 * 60))
    /// Password checks per address, successful or not, counted before bcrypt runs: a flood from
    /// one address is answered 429 without costing a quarter of a second of CPU each.
    private let passwordChecksByAddress = NIOLockedValueBox(SlidingWindowLimiter(limit: 30, window: 60))
    private let throttleAudits = NIOLockedValueBox(SlidingWindowLimiter(limit: 1, window: 15 * 60))
    let forwardedForWarning = ForwardedForWarning()

    init(publicFormLimit: Int) {
        publicForms = NIOLockedValueBox(SlidingWindowLimiter(limit: publicFormLimit, window: 10 * 60))
    }

    /// Seconds a refused visitor is told to wait (the window the public forms are counted over).
    static let publicFormRetryAfter = 10 * 60

    /// Each public form counts on its own, so a visitor who corrected an enquiry a few times can
    /// still sign up for the newsletter or book.
    func allowPublicForm(_ form: PublicForm, from address: String, at now: Date) -> Bool {
        publicForms.withLockedValue { $0.attempt("\(form.rawValue)|\(address)", at: now) }
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
    func signInRetryAfter(_ place: Place, at now: Date) -> Int? {
        if let wait = signInByPlace.withLockedValue({ $0.retryAfter(place.key, at: now) }) { return Int(wait.rounded(.up)) }
        guard place.device == nil else { return nil }
        if signInFailuresByAddress.withLockedValue({ $0.isBlocked(place.address, at: now) })
            || signInFailuresByAccount.withLockedValue({ $0.isBlocked(place.account, at: now) }) {
            return 15 * 60
        }
        return nil
    }

    /// Counts one password check from this address; false when the address has used its budget.
    func allowPasswordCheck(from address: String, at now: Date) -> Bool {
        passwordChecksByAddress.withLockedValue { $0.attempt(address, at: now) }
    }

    func recordSignInFailure(_ place: Place, at now: Date) {
        signInByPlace.withLockedValue { $0.recordFailure(place.key, at: now) }
        guard place.device == nil else { return }
        _ = signInFailuresByAddress.withLockedValue { $0.attempt(place.address, at: now) }
        _ = signInFailuresByAccount.withLockedValue { $0.attempt(place.account, at: now) }
    }

    /// A correct password clears only its own place: failures elsewhere, and second-factor failures
    /// (kept in the database), stay counted.
    func recordSignInSuccess(_ place: Place) {
        signInByPlace.withLockedValue { $0.reset(place.key) }
    }

    /// Whether a refused attempt should be written to the audit trail: once per account and window,
    /// so a flood of attempts cannot flood the trail.
    func shouldAuditThrottle(account: String, at now: Date) -> Bool {
        throttleAudits.withLockedValue { $0.attempt(account, at: now) }
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
