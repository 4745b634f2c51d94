import Foundation

/// Growing refusals after repeated failures: the first `freeFailures` failures of a key cost
/// nothing, then each further failure refuses the key for `base`, twice that, four times ... up to
/// `cap`. A success forgets the key; a key with no failure for `forgetAfter` starts again. Pure
/// value type; the caller supplies the time so tests never sleep.
public struct BackoffThrottle: Sendable {
    public let freeFailures: Int
    public let base: TimeInterval
    public let cap: TimeInterval
    public let forgetAfter: TimeInterval
    /// Past this many keys, keys that are not refused right now are dropped first.
    public let maximumKeys: Int

    private struct Entry: Sendable {
        var failures: Int
        var lastFailure: Date
        var refusedUntil: Date?
    }

    private var entries: [String: Entry] = [:]
    private var lastSweep = Date.distantPast

    public init(freeFailures: Int = 5, base: TimeInterval = 60, cap: TimeInterval = 60 * 60,
                forgetAfter: TimeInterval = 24 * 60 * 60, maximumKeys: Int = 100_000) {
        self.freeFailures = freeFailures
        self.base = base
        self.cap = cap
        self.forgetAfter = forgetAfter
        self.maximumKeys = maximumKeys
    }

    /// How long a key is refused after its `failures`-th failure: nil while failures are free,
    /// then `base` doubling to `cap`.
    public static func refusal(afterFailures failures: Int, freeFailures: Int, base: TimeInterval, cap: TimeInterval) -> TimeInterval? {
        guard failures >= freeFailures else { return nil }
        let doublings = min(failures - freeFailures, 30)
        return min(base * pow(2, Double(doublings)), cap)
    }

    /// The failure count after one more failure: a key quiet for `forgetAfter` starts again at one.
    public static func failuresAfterOneMore(previous: Int?, lastFailure: Date?, at now: Date, forgetAfter: TimeInterval) -> Int {
        guard let previous, let lastFailure, now.timeIntervalSince(lastFailure) <= forgetAfter else { return 1 }
        return previous + 1
    }

    /// Seconds the key must still wait, or nil when it may try now.
    public func retryAfter(_ key: String, at now: Date) -> TimeInterval? {
        guard let until = entries[key]?.refusedUntil, until > now else { return nil }
        return until.timeIntervalSince(now)
    }

    /// Counts a failure and, past the free ones, refuses the key for the next, longer while.
    public mutating func recordFailure(_ key: String, at now: Date) {
        sweepIfDue(now)
        var entry = entries[key] ?? Entry(failures: 0, lastFailure: now, refusedUntil: nil)
        if now.timeIntervalSince(entry.lastFailure) > forgetAfter { entry = Entry(failures: 0, lastFailure: now, refusedUntil: nil) }
        entry.failures += 1
        entry.lastFailure = now
        if let wait = Self.refusal(afterFailures: entry.failures, freeFailures: freeFailures, base: base, cap: cap) {
            entry.refusedUntil = now.addingTimeInterval(wait)
        }
        entries[key] = entry
    }

    /// Forgets the key, e.g. after a successful sign-in from that place.
    public mutating func reset(_ key: String) {
        entries[key] = nil
    }

    private mutating func sweepIfDue(_ now: Date) {
        guard entries.count > maximumKeys || now.timeIntervalSince(lastSweep) > 10 * 60 else { return }
        lastSweep = now
        entries = entries.filter { now.timeIntervalSince($0.value.lastFailure) <= forgetAfter }
        if entries.count > maximumKeys {
            entries = entries.filter { ($0.value.refusedUntil ?? .distantPast) > now }
        }
    }
}
