import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Hands email to an SMTP server: a submission service (587 with STARTTLS, 465 with TLS) or a
/// relay on the same machine. The outbox's passes share one connection (`startBatch()`).
public struct SMTPTransport: MailTransport {
    public let configuration: SMTPConfiguration
    let logger: Logger

    public init(configuration: SMTPConfiguration, logger: Logger = Logger(label: "iptclinic.smtp")) {
        self.configuration = configuration
        self.logger = logger
    }

    public var summary: String { configuration.summary }

    public func deliver(_ email: OutgoingEmail) async throws {
        try await deliver(email, transcript: nil)
    }

    /// One message on a connection of its own; `transcript` hears the conversation (`iptclinic mail test`).
    func deliver(_ email: OutgoingEmail, transcript: SMTPTranscript?) async throws {
        let session = try await openSession(transcript: transcript)
        do {
            try await session.send(email)
        } catch {
            await session.close()
            throw Self.classified(error)
        }
        await session.quit()
    }

    public func startBatch() -> any MailBatch {
        SMTPBatch(transport: self)
    }

    func openSession(transcript: SMTPTranscript? = nil) async throws -> SMTPSession {
        do {
            let wire = try await NIOSMTPWire.connect(configuration)
            return try await SMTPSession.open(over: wire, configuration: configuration, transcript: transcript)
        } catch {
            throw Self.classified(error)
        }
    }

    /// Anything that is not a server's refusal (a connection refused, reset or silent, a TLS
    /// handshake or certificate that failed, a reply that is not SMTP) is worth another try later.
    static func classified(_ error: any Error) -> MailDeliveryError {
        if let failure = error as? MailDeliveryError { return failure }
        if let tls = error as? NIOSSLError {
            let text = String(describing: tls)
            let reason = text.contains("CERTIFICATE_VERIFY_FAILED")
                ? "the server's certificate could not be verified (not from a trusted authority, expired, or not for this host name; IPT_SMTP_CA_FILE trusts a private authority)"
                : String(text.prefix(160))
            return MailDeliveryError(.temporary, "The TLS handshake with the SMTP server failed: \(reason).")
        }
        return MailDeliveryError(.temporary, "The connection to the SMTP server failed: \(String(String(describing: error).prefix(200)))")
    }
}

/// One outbox pass: the connection opens with the first message and serves the rest; a refused
/// message is cleared with RSET, a broken connection is opened again for the next message.
actor SMTPBatch: MailBatch {
    private let transport: SMTPTransport
    private var session: SMTPSession?
    /// Set when the server could not be reached or would not let us in: the rest of this pass waits
    /// for the next one rather than each message waiting out its own timeout.
    private var unreachable: MailDeliveryError?

    init(transport: SMTPTransport) {
        self.transport = transport
    }

    func deliver(_ email: OutgoingEmail) async throws {
        if let unreachable { throw unreachable }
        let session: SMTPSession
        if let open = self.session {
            session = open
        } else {
            do {
                session = try await transport.openSession()
            } catch {
                let failure = SMTPTransport.classified(error)
                transport.logger.warning("Email could not be handed to the SMTP server (\(transport.configuration.host)): \(failure.summary) It will be tried again.")
                unreachable = failure
                throw failure
            }
            self.session = session
        }
        do {
            try await session.send(email)
        } catch let refusal as MailDeliveryError {
            transport.logger.notice("The SMTP server did not take a message: \(refusal.summary)")
            do {
                try await session.reset()
            } catch {
                await session.close()
                self.session = nil
            }
            throw refusal
        } catch {
            await session.close()
            self.session = nil
            let failure = SMTPTransport.classified(error)
            transport.logger.warning("The SMTP connection broke during a message: \(failure.summary) It will be tried again.")
            throw failure
        }
    }

    func finish() async {
        await session?.quit()
        session = nil
    }
}

/// The server went away.
struct SMTPConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the server closed the connection" }
}

/// The server said nothing for too long.
struct SMTPReplyTimeout: Error, CustomStringConvertible {
    let timeout: TimeAmount
    var description: String {
        let milliseconds = timeout.nanoseconds / 1_000_000
        return milliseconds % 1_000 == 0 ? "no reply within \(milliseconds / 1_000) s" : "no reply within \(milliseconds) ms"
    }
}

/// A TCP connection (with TLS as configured) carrying the conversation.
final class NIOSMTPWire: SMTPWire {
    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPReplyHandler>
    private let replyTimeout: TimeAmount
    private let tlsContext: NIOSSLContext?
    private let serverHostname: String?

    private init(channel: any Channel, handler: NIOLoopBound<SMTPReplyHandler>, replyTimeout: TimeAmount,
                 tlsContext: NIOSSLContext?, serverHostname: String?) {
        self.channel = channel
        self.handler = handler
        self.replyTimeout = replyTimeout
        self.tlsContext = tlsContext
        self.serverHostname = serverHostname
    }

    static func connect(_ configuration: SMTPConfiguration) async throws -> NIOSMTPWire {
        var tlsContext: NIOSSLContext?
        if configuration.security != .plain {
            // Full verification (the chain and the host name) is the default and stays on; a CA
            // file only changes whom to trust.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let file = configuration.trustedCAFile { tls.trustRoots = .file(file) }
            tlsContext = try NIOSSLContext(configuration: tls)
        }
        // An address cannot go in SNI; NIOSSL then checks the certificate against the address itself.
        let serverHostname = (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
        let implicitTLS = configuration.security == .implicitTLS ? tlsContext : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return NIOSMTPWire(channel: channel, handler: handler, replyTimeout: timeAmount(configuration.replyTimeout),
                           tlsContext: tlsContext, serverHostname: serverHostname)
    }

    func readReply() async throws -> SMTPReply {
        let handler = self.handler
        let timeout = replyTimeout
        return try await channel.eventLoop.flatSubmit { handler.value.nextReply(timeout: timeout) }.get()
    }

    func write(_ bytes: [UInt8]) async throws {
        // Not awaited: a server that stops reading would hold the write forever, while the reply
        // that follows has a deadline, and a failed write closes the channel, which that read reports.
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    func startTLS() async throws {
        guard let tlsContext else { throw SMTPProtocolViolation(description: "STARTTLS without a TLS configuration") }
        let handler = self.handler
        let channel = self.channel
        let serverHostname = self.serverHostname
        try await channel.eventLoop.submit {
            // Bytes that came with the server's "go ahead" were sent before encryption, by the
            // server or by someone in the path; read after the handshake they would pass for
            // protected (CVE-2011-0411 and its kin).
            guard !handler.value.hasUnreadBytes else {
                throw SMTPProtocolViolation(description: "the server sent more after agreeing to STARTTLS")
            }
            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname), position: .first)
        }.get()
        let timeout = replyTimeout
        try await channel.eventLoop.flatSubmit { handler.value.handshakeCompleted(timeout: timeout) }.get()
    }

    func close() async {
        try? await channel.close()
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Turns the bytes from the server into replies and hands them out one per request, each with a
/// deadline. Lives on the channel's event loop.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var parser = SMTPReplyParser()
    private var replies = CircularBuffer<SMTPReply>()
    private var waiting: EventLoopPromise<SMTPReply>?
    private var deadline: Scheduled<Void>?
    private var failure: (any Error)?
    private var context: ChannelHandlerContext?
    private var handshake: EventLoopPromise<Void>?
    private var handshakeDone = false

    var hasUnreadBytes: Bool { parser.hasUnreadBytes || !replies.isEmpty }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        parser.append(buffer.readableBytesView)
        do {
            while let reply = try parser.nextReply() { replies.append(reply) }
        } catch {
            fail(error)
            context.close(promise: nil)
            return
        }
        answer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPConnectionClosed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    /// Succeeds when TLS is up (the certificate checked), fails with the handshake's error.
    func handshakeCompleted(timeout: TimeAmount) -> EventLoopFuture<Void> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(SMTPConnectionClosed()) }
        let loop = context.eventLoop
        if handshakeDone { return loop.makeSucceededVoidFuture() }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: Void.self)
        handshake = promise
        deadline = loop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(SMTPReplyTimeout(timeout: timeout))
            self.context?.close(promise: nil)
        }
        return promise.futureResult
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshakeDone = true
            deadline?.cancel()
            handshake?.succeed()
            handshake = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The next reply, or the connection's failure, or a timeout that also closes the connection.
    func nextReply(timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(SMTPConnectionClosed()) }
        let loop = context.eventLoop
        guard waiting == nil else { return loop.makeFailedFuture(SMTPProtocolViolation(description: "two reads at once")) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting = promise
        answer()
        if waiting != nil {
            deadline = loop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                fail(SMTPReplyTimeout(timeout: timeout))
                self.context?.close(promise: nil)
            }
        }
        return promise.futureResult
    }

    private func answer() {
        guard let promise = waiting else { return }
        // Replies that arrived before a failure still count (a "421 closing" and then the close).
        if let reply = replies.popFirst() {
            waiting = nil
            deadline?.cancel()
            promise.succeed(reply)
        } else if let failure {
            waiting = nil
            deadline?.cancel()
            promise.fail(failure)
        }
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        if let handshake {
            self.handshake = nil
            deadline?.cancel()
            handshake.fail(failure ?? error)
        }
        answer()
    }
}
