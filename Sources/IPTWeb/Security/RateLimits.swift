import Foundation
import IPTCore
import NIOConcurrencyHelpers
import Vapor

/// In-process rate limits. Each app instance counts on its own; behind a load balancer with N
/// instances a visitor gets at most N times the limit, which still stops a flood.
final class RateLimits: Sendable {
    private let publicForms: NIOLockedValueBox<SlidingWindowLimiter>
    private let signInByAddress: NIOLockedValueBox<SlidingWindowLimiter>
    private let signInByAccount: NIOLockedValueBox<SlidingWindowLimiter>
    private let throttleAudits = NIOLockedValueBox(SlidingWindowLimiter(limit: 1, window: 15 * 60))

    init(publicFormLimit: Int) {
        publicForms = NIOLockedValueBox(SlidingWindowLimiter(limit: publicFormLimit, window: 10 * 60))
        signInByAddress = NIOLockedValueBox(SlidingWindowLimiter(limit: 20, window: 15 * 60))
        signInByAccount = NIOLockedValueBox(SlidingWindowLimiter(limit: 5, window: 15 * 60))
    }

    /// Seconds a refused visitor is told to wait (the window the public forms are counted over).
    static let publicFormRetryAfter = 10 * 60

    /// Each public form counts on its own, so a visitor who corrected an enquiry a few times can
    /// still sign up for the newsletter or book.
    func allowPublicForm(_ form: PublicForm, from address: String, at now: Date) -> Bool {
        publicForms.withLockedValue { $0.attempt("\(form.rawValue)|\(address)", at: now) }
    }

    /// Whether a sign-in may even be tried; failures are counted separately.
    func signInBlocked(address: String, account: String, at now: Date) -> Bool {
        signInByAddress.withLockedValue { $0.isBlocked(address, at: now) }
            || signInByAccount.withLockedValue { $0.isBlocked(account, at: now) }
    }

    func recordSignInFailure(address: String, account: String, at now: Date) {
        _ = signInByAddress.withLockedValue { $0.attempt(address, at: now) }
        _ = signInByAccount.withLockedValue { $0.attempt(account, at: now) }
    }

    /// Whether a refused attempt should be written to the audit trail: once per account and window,
    /// so a flood of attempts cannot flood the trail.
    func shouldAuditThrottle(account: String, at now: Date) -> Bool {
        throttleAudits.withLockedValue { $0.attempt(account, at: now) }
    }

    func recordSignInSuccess(account: String) {
        signInByAccount.withLockedValue { $0.reset(account) }
    }
}

/// The forms anyone can send without signing in; the web form and its API twin share one count.
enum PublicForm: String, Sendable {
    case enquiry, newsletter, booking, waitlist, passwordReset, portalSignIn
}
