import Foundation

/// A sliding-window counter: at most `limit` events per `window` for each key. Pure value type;
/// the caller supplies the time so tests never sleep.
public struct SlidingWindowLimiter: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private var events: [String: [Date]] = [:]
    private var lastSweep = Date.distantPast

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records an attempt and says whether it is within the limit. A refused attempt is not
    /// counted, so a client that backs off gets through once the window has moved on.
    public mutating func attempt(_ key: String, at now: Date) -> Bool {
        sweepIfDue(now)
        let recent = (events[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            events[key] = recent
            return false
        }
        events[key] = recent + [now]
        return true
    }

    /// Whether the key is currently over its limit, without counting an attempt.
    public func isBlocked(_ key: String, at now: Date) -> Bool {
        (events[key] ?? []).filter { now.timeIntervalSince($0) < window }.count >= limit
    }

    /// Forgets a key, e.g. after a successful sign-in.
    public mutating func reset(_ key: String) {
        events[key] = nil
    }

    /// Drops keys whose events have all expired so memory stays bounded under a spray of addresses.
    private mutating func sweepIfDue(_ now: Date) {
        guard now.timeIntervalSince(lastSweep) > window else { return }
        lastSweep = now
        events = events.filter { _, times in times.contains { now.timeIntervalSince($0) < window } }
    }
}

/// Staff session lifetime rules: an idle limit and an absolute limit.
public struct SessionLifetime: Sendable, Equatable {
    public let idle: TimeInterval
    public let absolute: TimeInterval

    public static let staff = SessionLifetime(idle: 30 * 60, absolute: 12 * 60 * 60)

    public init(idle: TimeInterval, absolute: TimeInterval) {
        self.idle = idle
        self.absolute = absolute
    }

    public func isExpired(createdAt: Date, lastSeenAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(lastSeenAt) >= idle || now.timeIntervalSince(createdAt) >= absolute
    }
}
