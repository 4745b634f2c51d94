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

/// A sliding window counted in two fixed windows, as a table several app instances share can keep
/// it: the hits of the current window plus the previous window's, weighted by how much of it the
/// sliding window still covers. One row per key and window instead of one per event, and a single
/// conditional upsert decides each attempt atomically (see `RateLimits` in IPTWeb).
public enum SharedWindowCount {
    /// The fixed window `now` falls in, as whole windows since 1970.
    public static func window(at now: Date, length: TimeInterval) -> Int64 {
        Int64((now.timeIntervalSince1970 / length).rounded(.down))
    }

    /// The previous window's weight at `now`: 1 at the start of the current window, 0 at its end.
    public static func previousWeight(at now: Date, length: TimeInterval) -> Double {
        let start = Double(window(at: now, length: length)) * length
        return 1 - (now.timeIntervalSince1970 - start) / length
    }

    /// How many hits the current window may already hold for one more to be allowed: an attempt
    /// is allowed while `currentHits < cap`. Zero or less means refused outright.
    public static func cap(limit: Int, previousHits: Int, at now: Date, length: TimeInterval) -> Int {
        let room = Double(limit) - Double(previousHits) * previousWeight(at: now, length: length)
        return Int(room.rounded(.up))
    }

    /// Whether a key with these hits is at its limit (no further attempt would be allowed).
    public static func isBlocked(limit: Int, previousHits: Int, currentHits: Int, at now: Date, length: TimeInterval) -> Bool {
        currentHits >= cap(limit: limit, previousHits: previousHits, at: now, length: length)
    }
}
