import Foundation

/// The connection as the conversation needs it: NIO in production (`NIOSMTPWire`), a script in tests.
protocol SMTPWire: Sendable {
    /// The next reply; throws when the connection closes, breaks or stays quiet too long.
    func readReply() async throws -> SMTPReply
    func write(_ bytes: [UInt8]) async throws
    /// Starts TLS on the open connection, after the server agreed to STARTTLS.
    func startTLS() async throws
    func close() async
}

/// Receives the conversation line by line: "C:" what the clinic said, "S:" what the server said.
/// Credentials are never in it.
typealias SMTPTranscript = @Sendable (String) -> Void

/// One conversation with a server: greeting, EHLO, STARTTLS, sign-in, then as many messages as the
/// caller has, then QUIT. Each step waits for its reply (no pipelining: a clinic's mail is a
/// trickle, and a refusal is then always about the command just sent).
actor SMTPSession {
    private let wire: any SMTPWire
    private let transcript: SMTPTranscript?
    private(set) var capabilities = SMTPCapabilities()

    private init(wire: any SMTPWire, transcript: SMTPTranscript?) {
        self.wire = wire
        self.transcript = transcript
    }

    /// Greets the server over `wire`, secures and signs in as `configuration` says; the session
    /// is then ready for messages. On any failure the wire is closed.
    static func open(over wire: any SMTPWire, configuration: SMTPConfiguration, transcript: SMTPTranscript? = nil) async throws -> SMTPSession {
        let session = SMTPSession(wire: wire, transcript: transcript)
        do {
            try await session.handshake(configuration)
        } catch {
            await wire.close()
            throw error
        }
        return session
    }

    private func handshake(_ configuration: SMTPConfiguration) async throws {
        let greeting = try await read()
        guard greeting.code == 220 else { throw SMTPCommands.failure(greeting, after: "the connection", aboutTheMessage: false) }
        capabilities = try await ehlo(configuration.ehloName)
        if configuration.security == .startTLS {
            // Carrying on in the clear would send the password and the email readable to anyone on
            // the path (the STARTTLS stripping attack), so a server without it gets nothing.
            guard capabilities.startTLS else {
                throw MailDeliveryError(.temporary, "The SMTP server does not offer STARTTLS, so nothing was sent to it unencrypted.")
            }
            let reply = try await command("STARTTLS")
            guard reply.code == 220 else { throw SMTPCommands.failure(reply, after: "STARTTLS", aboutTheMessage: false) }
            try await wire.startTLS()
            transcript?("   (TLS established, the certificate verified)")
            // RFC 3207 4.2: what the server said before TLS may have been tampered with; ask again.
            capabilities = try await ehlo(configuration.ehloName)
        }
        if let credentials = configuration.credentials {
            try await signIn(credentials)
        }
    }

    private func ehlo(_ name: String) async throws -> SMTPCapabilities {
        let reply = try await command("EHLO \(name)")
        guard reply.code == 250 else { throw SMTPCommands.failure(reply, after: "EHLO", aboutTheMessage: false) }
        return SMTPCapabilities(ehlo: reply)
    }

    /// AUTH PLAIN when offered (one round trip), else AUTH LOGIN. Only ever on an encrypted
    /// connection or to this machine: `SMTPConfiguration` refuses a password for anything else.
    private func signIn(_ credentials: SMTPConfiguration.Credentials) async throws {
        let accepted: SMTPReply
        if capabilities.authMechanisms.contains("PLAIN") {
            accepted = try await command("AUTH PLAIN \(SMTPCommands.authPlain(credentials))", shown: "AUTH PLAIN (credentials hidden)")
        } else if capabilities.authMechanisms.contains("LOGIN") {
            var reply = try await command("AUTH LOGIN")
            guard reply.code == 334 else { throw SMTPCommands.failure(reply, after: "AUTH LOGIN", aboutTheMessage: false) }
            reply = try await command(Data(credentials.username.utf8).base64EncodedString(), shown: "(user name hidden)")
            guard reply.code == 334 else { throw SMTPCommands.failure(reply, after: "the AUTH LOGIN user name", aboutTheMessage: false) }
            accepted = try await command(Data(credentials.password.utf8).base64EncodedString(), shown: "(password hidden)")
        } else {
            throw MailDeliveryError(.temporary, "The SMTP server offers neither AUTH PLAIN nor AUTH LOGIN, so the clinic cannot sign in.")
        }
        guard accepted.code == 235 else { throw SMTPCommands.failure(accepted, after: "the sign-in (AUTH)", aboutTheMessage: false) }
    }

    /// Sends one message. A refusal throws `MailDeliveryError` and leaves the session usable after
    /// `reset()`; any other error means the connection is gone.
    func send(_ email: OutgoingEmail) async throws {
        let sender = SMTPCommands.address(in: email.from)
        let recipient = SMTPCommands.address(in: email.to)
        let message = SMTPCommands.dataBlock(email.rfc5322)
        var reply = try await command(try SMTPCommands.mailFrom(sender: sender, recipient: recipient, message: message, capabilities: capabilities))
        guard reply.code == 250 else { throw SMTPCommands.failure(reply, after: "MAIL FROM", aboutTheMessage: true) }
        reply = try await command("RCPT TO:<\(recipient)>")
        guard reply.code == 250 || reply.code == 251 else { throw SMTPCommands.failure(reply, after: "RCPT TO", aboutTheMessage: true) }
        reply = try await command("DATA")
        guard reply.code == 354 else { throw SMTPCommands.failure(reply, after: "DATA", aboutTheMessage: true) }
        try await wire.write(message)
        transcript?("C: (the message, \(message.count) bytes, then \".\")")
        reply = try await read()
        guard reply.code == 250 else { throw SMTPCommands.failure(reply, after: "the end of the message", aboutTheMessage: true) }
    }

    /// Forgets a refused message so the next one starts clean (RFC 5321 4.1.1.5).
    func reset() async throws {
        let reply = try await command("RSET")
        guard reply.code == 250 else { throw SMTPCommands.failure(reply, after: "RSET", aboutTheMessage: false) }
    }

    /// Says goodbye and closes; the server's answer does not matter any more.
    func quit() async {
        _ = try? await command("QUIT")
        await wire.close()
    }

    func close() async {
        await wire.close()
    }

    private func command(_ line: String, shown: String? = nil) async throws -> SMTPReply {
        // A line break inside a command would start a second one the server would obey.
        guard !line.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw MailDeliveryError(.permanent, "A command would have contained a line break; nothing was sent.")
        }
        transcript?("C: \(shown ?? line)")
        try await wire.write(Array((line + "\r\n").utf8))
        return try await read()
    }

    private func read() async throws -> SMTPReply {
        let reply = try await wire.readReply()
        if let transcript { reply.transcriptLines.forEach { transcript("S: \($0)") } }
        return reply
    }
}
