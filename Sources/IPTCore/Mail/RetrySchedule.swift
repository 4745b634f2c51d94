import Foundation

/// When to try a failed email again: exponential back-off from one minute, capped at six hours,
/// giving up after a fixed number of attempts (about two days in all).
public struct RetrySchedule: Sendable, Equatable {
    public let base: TimeInterval
    public let cap: TimeInterval
    public let maxAttempts: Int

    public static let outbox = RetrySchedule(base: 60, cap: 6 * 60 * 60, maxAttempts: 12)

    public init(base: TimeInterval, cap: TimeInterval, maxAttempts: Int) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The delay before the next try after `attempts` failures, or nil when it is time to give up.
    public func delay(afterAttempts attempts: Int) -> TimeInterval? {
        guard attempts < maxAttempts else { return nil }
        let exponent = Double(max(0, attempts - 1))
        return min(cap, base * pow(2, exponent))
    }
}
