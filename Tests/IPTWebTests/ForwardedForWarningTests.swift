import Foundation
@testable import IPTWeb
import NIOConcurrencyHelpers
import Testing
import Vapor

/// Collects what is logged, for tests.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    private let lines = NIOLockedValueBox<[(Logger.Level, String)]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var recorded: [(Logger.Level, String)] { lines.withLockedValue { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLockedValue { $0.append((event.level, event.message.description)) }
    }
}

@Suite struct ForwardedForWarningTests {
    @Test func forwarded_requests_from_a_private_peer_without_trust_are_warned_about_once() {
        let handler = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let warning = ForwardedForWarning()
        #expect(!warning.note(peer: "203.0.113.5", forwardedFor: "198.51.100.1", trusted: false, logger: logger), "a public peer is not a proxy of ours")
        #expect(!warning.note(peer: "10.0.0.2", forwardedFor: "198.51.100.1", trusted: true, logger: logger), "trusted: nothing to say")
        #expect(!warning.note(peer: "10.0.0.2", forwardedFor: nil, trusted: false, logger: logger))
        #expect(warning.note(peer: "127.0.0.1", forwardedFor: "198.51.100.1", trusted: false, logger: logger))
        #expect(!warning.note(peer: "172.20.0.3", forwardedFor: "198.51.100.2", trusted: false, logger: logger), "once")
        #expect(handler.recorded.count == 1)
        #expect(handler.recorded.first?.0 == .warning && handler.recorded.first?.1.contains("IPT_TRUST_PROXY") == true)
        #expect(["::1", "fd00::1", "192.168.1.1", "::ffff:10.1.2.3"].allSatisfy(ForwardedForWarning.isLoopbackOrPrivate))
        #expect(!["8.8.8.8", "172.32.0.1", "2001:db8::1"].contains(where: ForwardedForWarning.isLoopbackOrPrivate))
    }
}
