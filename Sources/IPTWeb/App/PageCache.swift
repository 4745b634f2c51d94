import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Rendered public pages, kept for a short while as ready-to-send bytes. Public pages change only
/// when an admin edits content or the clinic's details, so rendering each once a minute costs next
/// to nothing, and a hit costs a dictionary lookup.
final class PageCache: Sendable {
    private let entries: NIOLockedValueBox<[String: (body: ByteBuffer, storedAt: Date)]> = .init([:])
    private let clock: AppClock
    let timeToLive: TimeInterval

    init(clock: AppClock, timeToLive: TimeInterval = 60) {
        self.clock = clock
        self.timeToLive = timeToLive
    }

    /// More distinct pages than a clinic's site has; beyond it the cache starts afresh, so no
    /// stream of odd addresses can grow it without bound.
    let capacity = 256

    /// The cached page, if it is fresh.
    func hit(_ key: String) -> ByteBuffer? {
        let now = clock.now()
        return entries.withLockedValue { entries in
            guard let entry = entries[key], now.timeIntervalSince(entry.storedAt) < timeToLive else { return nil }
            return entry.body
        }
    }

    func page(_ key: String, render: () async throws -> String) async rethrows -> ByteBuffer {
        if let body = hit(key) { return body }
        let now = clock.now()
        let body = ByteBuffer(string: try await render())
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.storedAt) < timeToLive }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = (body, now)
        }
        return body
    }

    var count: Int { entries.withLockedValue { $0.count } }

    /// One key per page however its address is spelled ("/evidence", "/evidence/", "//evidence").
    static func key(for path: String) -> String {
        let isCanonical = path == "/" || (path.hasPrefix("/") && !path.hasSuffix("/") && !path.contains("//"))
        return isCanonical ? path : "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    func removeAll() {
        entries.withLockedValue { $0.removeAll() }
    }
}
