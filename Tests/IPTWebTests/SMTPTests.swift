import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite struct SMTPConfigurationTests {
    @Test func a_submission_url_with_starttls_gives_the_user_password_and_port_587() throws {
        let configuration = try SMTPConfiguration(url: "smtp+starttls://clinic%40example.org:p%3Ass@mail.example.org", passwordFromFile: nil)
        #expect(configuration.security == .startTLS)
        #expect(configuration.host == "mail.example.org")
        #expect(configuration.port == 587)
        #expect(configuration.credentials == .init(username: "clinic@example.org", password: "p:ss"))
    }

    @Test func an_smtps_url_is_implicit_tls_on_465() throws {
        let configuration = try SMTPConfiguration(url: "smtps://user:secret@mail.example.org:465", passwordFromFile: nil)
        #expect(configuration.security == .implicitTLS)
        #expect(configuration.port == 465)
        #expect(configuration.credentials?.username == "user")
    }

    @Test func a_plain_url_to_a_local_relay_needs_no_user() throws {
        let configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:2525", passwordFromFile: nil)
        #expect(configuration.security == .plain)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 2525)
        #expect(configuration.credentials == nil)
        #expect(try SMTPConfiguration(url: "smtp://[::1]", passwordFromFile: nil).host == "::1")
        #expect(try SMTPConfiguration(url: "smtp://localhost", passwordFromFile: nil).port == 25)
    }

    @Test func the_password_can_come_from_a_file_without_its_final_line_break() throws {
        let configuration = try SMTPConfiguration(url: "smtp+starttls://user@mail.example.org:587", passwordFromFile: "from-the-file\n")
        #expect(configuration.credentials == .init(username: "user", password: "from-the-file"))
    }

    @Test func the_password_file_is_read_from_disk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
        try "on-disk\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try SMTPConfiguration(url: "smtps://user@mail.example.org", passwordFile: path)
        #expect(configuration.credentials?.password == "on-disk")
        #expect(throws: ConfigurationError.self) { try SMTPConfiguration(url: "smtps://user@mail.example.org", passwordFile: path + ".missing") }
    }

    @Test(arguments: [
        ("not a url at all", "not a URL"),
        ("https://mail.example.org", "scheme"),
        ("smtp://", "name is missing"),
        ("smtps://user:pw@mail.example.org:0", "port"),
        ("smtps://user:pw@mail.example.org:70000", "port"),
        ("smtps://user:pw@mail.example.org:465/inbox", "nothing may follow"),
        ("smtps://user:pw@mail.example.org:465?verify=no", "nothing may follow"),
        ("smtps://user@mail.example.org", "no password"),
        ("smtp+starttls://:pw@mail.example.org", "names no user"),
        ("smtp://user:pw@mail.example.org", "unencrypted"),
    ])
    func bad_urls_are_refused_with_a_message_that_says_why_and_hides_the_password(url: String, reason: String) {
        do {
            _ = try SMTPConfiguration(url: url, passwordFromFile: nil)
            Issue.record("\(url) was accepted")
        } catch {
            let message = String(describing: error)
            #expect(message.contains(reason), "\(message)")
            #expect(!message.contains("pw@"), "the message repeats the URL: \(message)")
        }
    }

    @Test func a_password_in_both_the_url_and_the_file_is_refused() {
        #expect(throws: ConfigurationError.self) {
            try SMTPConfiguration(url: "smtps://user:pw@mail.example.org", passwordFromFile: "other")
        }
    }

    @Test func the_summary_for_the_log_names_the_server_and_user_but_never_the_password() throws {
        let configuration = try SMTPConfiguration(url: "smtp+starttls://clinic:hunter2-secret@mail.example.org:587", passwordFromFile: nil)
        #expect(configuration.summary == "SMTP with STARTTLS to mail.example.org:587, signing in as clinic")
        #expect(!SMTPTransport(configuration: configuration).summary.contains("hunter2"))
    }

    @Test func the_ehlo_name_is_the_public_host_when_it_is_a_domain() {
        #expect(SMTPConfiguration.ehloName(publicBaseURL: "https://harbourview-ipt.example") == "harbourview-ipt.example")
        #expect(SMTPConfiguration.ehloName(publicBaseURL: "http://127.0.0.1:8080") == "localhost")
        #expect(SMTPConfiguration.ehloName(publicBaseURL: "http://localhost:8080") == "localhost")
    }
}

@Suite struct SMTPReplyParserTests {
    private func replies(_ chunks: [String]) throws -> [SMTPReply] {
        var parser = SMTPReplyParser()
        var found: [SMTPReply] = []
        for chunk in chunks {
            parser.append(Array(chunk.utf8))
            while let reply = try parser.nextReply() { found.append(reply) }
        }
        return found
    }

    @Test func a_multiline_ehlo_reply_split_across_reads_is_one_reply() throws {
        let found = try replies(["250-mail.example.org hello\r\n250-STAR", "TTLS\r\n250-AUTH PLAIN LOGIN\r\n250 SMTPUTF8\r\n"])
        #expect(found == [SMTPReply(code: 250, lines: ["mail.example.org hello", "STARTTLS", "AUTH PLAIN LOGIN", "SMTPUTF8"])])
        let capabilities = SMTPCapabilities(ehlo: found[0])
        #expect(capabilities.startTLS && capabilities.smtpUTF8 && !capabilities.eightBitMIME)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN"])
    }

    @Test func replies_arriving_together_come_out_in_order_and_a_bare_line_feed_ends_a_line() throws {
        let found = try replies(["250 OK\r\n354 go ahead\n221"])
        #expect(found.map(\.code) == [250, 354])
        #expect(try replies(["221\r\n"]) == [SMTPReply(code: 221, lines: [""])])
    }

    @Test func the_enhanced_status_code_is_read_from_the_text() throws {
        #expect(try replies(["550 5.1.1 <bob@example.org>: no such user\r\n"]).first?.enhancedStatus == "5.1.1")
        #expect(try replies(["550 no such user\r\n"]).first?.enhancedStatus == nil)
    }

    @Test(arguments: ["hello\r\n", "25\r\n", "250+OK\r\n", "650 six\r\n", "250-first\r\n451 second\r\n"])
    func what_is_not_an_smtp_reply_is_a_protocol_violation(text: String) {
        #expect(throws: SMTPProtocolViolation.self) { try replies([text]) }
    }

    @Test func a_line_that_never_ends_is_refused_before_it_fills_the_memory() {
        #expect(throws: SMTPProtocolViolation.self) { try replies([String(repeating: "2", count: 5000)]) }
    }

    @Test func bytes_left_after_a_reply_are_seen_as_unread() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("220 go ahead\r\n250 injected\r\n".utf8))
        _ = try parser.nextReply()
        #expect(parser.hasUnreadBytes)
    }
}

@Suite struct SMTPCommandTests {
    @Test func lines_starting_with_a_dot_are_doubled_and_the_message_ends_with_a_lone_dot() {
        let block = String(decoding: SMTPCommands.dataBlock("Subject: x\r\n\r\n.hidden\r\n..two\r\nlast"), as: UTF8.self)
        #expect(block == "Subject: x\r\n\r\n..hidden\r\n...two\r\nlast\r\n.\r\n")
    }

    @Test func bare_line_feeds_and_carriage_returns_become_crlf() {
        #expect(String(decoding: SMTPCommands.dataBlock("a\nb\rc\r\r\n.d\r\n"), as: UTF8.self) == "a\r\nb\r\nc\r\n\r\n..d\r\n.\r\n")
    }

    @Test func a_lone_dot_line_in_a_real_message_cannot_end_it_early() {
        let email = OutgoingEmail(messageID: "m@x", from: "f@x.ca", to: "t@x.ca", subject: "s", date: Date(timeIntervalSince1970: 0),
                                  textBody: "before\n.\nafter", extraHeaders: [:])
        let block = String(decoding: SMTPCommands.dataBlock(email.rfc5322), as: UTF8.self)
        #expect(block.components(separatedBy: "\r\n.\r\n").count == 2, "only the final terminator")
        #expect(block.hasSuffix("after\r\n.\r\n"))
    }

    @Test func mail_from_declares_8bitmime_and_smtputf8_only_when_offered_and_needed() throws {
        var capabilities = SMTPCapabilities()
        capabilities.eightBitMIME = true
        capabilities.smtpUTF8 = true
        let ascii = Array("plain".utf8)
        #expect(try SMTPCommands.mailFrom(sender: "a@x.ca", recipient: "b@x.ca", message: ascii, capabilities: capabilities) == "MAIL FROM:<a@x.ca>")
        #expect(try SMTPCommands.mailFrom(sender: "a@x.ca", recipient: "b@x.ca", message: Array("café".utf8), capabilities: capabilities)
                == "MAIL FROM:<a@x.ca> BODY=8BITMIME")
        #expect(try SMTPCommands.mailFrom(sender: "a@x.ca", recipient: "zoë@x.ca", message: ascii, capabilities: capabilities)
                == "MAIL FROM:<a@x.ca> SMTPUTF8")
    }

    @Test func an_address_the_server_cannot_take_is_a_permanent_failure() {
        #expect(throws: MailDeliveryError(.permanent, "An address is not ASCII and the server does not offer SMTPUTF8.")) {
            try SMTPCommands.mailFrom(sender: "a@x.ca", recipient: "zoë@x.ca", message: [], capabilities: SMTPCapabilities())
        }
    }

    @Test func auth_plain_is_the_user_and_password_after_nul_bytes() {
        let encoded = SMTPCommands.authPlain(.init(username: "user", password: "pass"))
        #expect(Data(base64Encoded: encoded) == Data("\0user\0pass".utf8))
    }

    @Test func the_envelope_address_is_taken_from_inside_the_angle_brackets() {
        #expect(SMTPCommands.address(in: #""Clinic <evil>" <hello@clinic.ca>"#) == "hello@clinic.ca")
        #expect(SMTPCommands.address(in: "bare@clinic.ca") == "bare@clinic.ca")
    }

    @Test func replies_about_a_message_are_permanent_for_5xx_and_temporary_for_4xx_and_the_connection_is_always_temporary() {
        let refused = SMTPReply(code: 550, lines: ["5.1.1 <bob@example.org> unknown"])
        let busy = SMTPReply(code: 451, lines: ["4.3.0 try later"])
        #expect(SMTPCommands.failure(refused, after: "RCPT TO", aboutTheMessage: true).kind == .permanent)
        #expect(SMTPCommands.failure(busy, after: "RCPT TO", aboutTheMessage: true).kind == .temporary)
        #expect(SMTPCommands.failure(SMTPReply(code: 535, lines: ["bad"]), after: "AUTH", aboutTheMessage: false).kind == .temporary)
        // The server's words can quote the address: only the codes are kept.
        #expect(SMTPCommands.failure(refused, after: "RCPT TO", aboutTheMessage: true).summary == "The SMTP server answered RCPT TO with 550 5.1.1.")
    }
}

/// A server that answers from a script: the greeting first, then one reply per command.
final class ScriptedWire: SMTPWire {
    private struct State {
        var replies: [String]
        var written: [String] = []
        var tlsStarted = false
        var closed = false
    }
    private let state: NIOLockedValueBox<State>

    init(_ replies: [String]) {
        state = NIOLockedValueBox(State(replies: replies))
    }

    var written: [String] { state.withLockedValue { $0.written } }
    var tlsStarted: Bool { state.withLockedValue { $0.tlsStarted } }
    var closed: Bool { state.withLockedValue { $0.closed } }

    func readReply() async throws -> SMTPReply {
        guard let text = state.withLockedValue({ $0.replies.isEmpty ? nil : $0.replies.removeFirst() }) else {
            throw SMTPConnectionClosed()
        }
        var parser = SMTPReplyParser()
        parser.append(Array(text.utf8))
        return try #require(try parser.nextReply())
    }

    func write(_ bytes: [UInt8]) async throws {
        state.withLockedValue { $0.written.append(String(decoding: bytes, as: UTF8.self)) }
    }

    func startTLS() async throws {
        state.withLockedValue { $0.tlsStarted = true }
    }

    func close() async {
        state.withLockedValue { $0.closed = true }
    }
}

@Suite struct SMTPSessionTests {
    let email = OutgoingEmail(messageID: "m1@iptclinic.local", from: #""Clinic" <hello@clinic.ca>"#, to: "client@example.org",
                              subject: "Hello", date: Date(timeIntervalSince1970: 0), textBody: ".dot first", extraHeaders: [:])

    func configuration(_ url: String) throws -> SMTPConfiguration {
        try SMTPConfiguration(url: url, passwordFromFile: nil)
    }

    @Test func starttls_then_a_fresh_ehlo_then_auth_plain_then_one_message() async throws {
        let wire = ScriptedWire([
            "220 mail.example.org ESMTP\r\n",
            "250-mail.example.org\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            "220 go ahead\r\n",
            "250-mail.example.org\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
            "235 ok\r\n",
            "250 sender ok\r\n", "250 recipient ok\r\n", "354 send it\r\n", "250 queued as 1\r\n",
        ])
        let lines = NIOLockedValueBox<[String]>([])
        let session = try await SMTPSession.open(over: wire, configuration: try configuration("smtp+starttls://user:s3cret@mail.example.org"),
                                                 transcript: { line in lines.withLockedValue { $0.append(line) } })
        try await session.send(email)
        let commands = wire.written.map { $0.components(separatedBy: "\r\n")[0] }
        #expect(Array(commands.prefix(4)) == ["EHLO localhost", "STARTTLS", "EHLO localhost",
                                               "AUTH PLAIN \(SMTPCommands.authPlain(.init(username: "user", password: "s3cret")))"])
        #expect(Array(commands[4...6]) == ["MAIL FROM:<hello@clinic.ca>", "RCPT TO:<client@example.org>", "DATA"])
        #expect(wire.tlsStarted)
        #expect(wire.written.last?.contains("\r\n..dot first") == true, "dot-stuffed body")
        #expect(wire.written.last?.hasSuffix("\r\n.\r\n") == true)
        let transcript = lines.withLockedValue { $0 }.joined(separator: "\n")
        #expect(transcript.contains("C: AUTH PLAIN (credentials hidden)"))
        #expect(transcript.contains("S: 250 queued as 1"))
        #expect(!transcript.contains(SMTPCommands.authPlain(.init(username: "user", password: "s3cret"))))
    }

    @Test func auth_login_is_used_when_plain_is_not_offered_and_the_transcript_hides_both_answers() async throws {
        let wire = ScriptedWire(["220 hi\r\n", "250-x\r\n250 AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 ok\r\n"])
        let lines = NIOLockedValueBox<[String]>([])
        _ = try await SMTPSession.open(over: wire, configuration: try configuration("smtps://user:s3cret@mail.example.org"),
                                       transcript: { line in lines.withLockedValue { $0.append(line) } })
        #expect(wire.written == ["EHLO localhost\r\n", "AUTH LOGIN\r\n", "dXNlcg==\r\n", "czNjcmV0\r\n"])
        let transcript = lines.withLockedValue { $0 }.joined(separator: "\n")
        #expect(!transcript.contains("czNjcmV0") && !transcript.contains("dXNlcg=="))
    }

    @Test func a_server_without_starttls_gets_no_password_and_no_message() async throws {
        let wire = ScriptedWire(["220 hi\r\n", "250-x\r\n250 AUTH PLAIN\r\n"])
        await #expect(throws: MailDeliveryError.self) {
            _ = try await SMTPSession.open(over: wire, configuration: try configuration("smtp+starttls://user:s3cret@mail.example.org"))
        }
        #expect(wire.written == ["EHLO localhost\r\n"])
        #expect(wire.closed)
    }

    @Test func a_refused_sign_in_is_temporary_so_the_mail_waits_for_the_settings_to_be_fixed() async throws {
        let wire = ScriptedWire(["220 hi\r\n", "250-x\r\n250 AUTH PLAIN\r\n", "535 5.7.8 bad credentials\r\n"])
        await #expect(throws: MailDeliveryError(.temporary, "The SMTP server answered the sign-in (AUTH) with 535 5.7.8.")) {
            _ = try await SMTPSession.open(over: wire, configuration: try configuration("smtps://user:wrong@mail.example.org"))
        }
    }

    @Test func a_recipient_refused_for_good_is_permanent_and_the_connection_serves_the_next_message_after_rset() async throws {
        let wire = ScriptedWire(["220 hi\r\n", "250 x\r\n", "250 ok\r\n", "550 5.1.1 no such user\r\n", "250 reset\r\n",
                                 "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "250 queued\r\n"])
        let session = try await SMTPSession.open(over: wire, configuration: try configuration("smtp://127.0.0.1"))
        await #expect(throws: MailDeliveryError(.permanent, "The SMTP server answered RCPT TO with 550 5.1.1.")) {
            try await session.send(email)
        }
        try await session.reset()
        try await session.send(email)
        #expect(wire.written.filter { $0.hasPrefix("MAIL FROM") }.count == 2)
        #expect(wire.written.contains("RSET\r\n"))
    }

    @Test func a_4xx_at_the_end_of_the_message_is_temporary() async throws {
        let wire = ScriptedWire(["220 hi\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "451 4.3.0 try again later\r\n"])
        let session = try await SMTPSession.open(over: wire, configuration: try configuration("smtp://127.0.0.1"))
        await #expect(throws: MailDeliveryError(.temporary, "The SMTP server answered the end of the message with 451 4.3.0.")) {
            try await session.send(email)
        }
    }

    @Test func a_server_that_goes_away_mid_message_is_not_a_refusal() async throws {
        let wire = ScriptedWire(["220 hi\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n"])
        let session = try await SMTPSession.open(over: wire, configuration: try configuration("smtp://127.0.0.1"))
        do {
            try await session.send(email)
            Issue.record("delivered to a server that went away")
        } catch {
            #expect(!(error is MailDeliveryError))
            #expect(SMTPTransport.classified(error).kind == .temporary)
        }
    }
}

@Suite struct SMTPConnectionTests {
    /// A TCP server on a free loopback port that accepts connections and never says a word.
    private func silentServer() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test func a_server_that_never_greets_times_out_as_a_temporary_failure() async throws {
        let server = try await silentServer()
        var configuration = SMTPConfiguration(security: .plain, host: "127.0.0.1", port: try #require(server.localAddress?.port))
        configuration.replyTimeout = .milliseconds(200)
        do {
            try await SMTPTransport(configuration: configuration).deliver(OutgoingEmail(
                messageID: "m@x", from: "a@x.ca", to: "b@x.ca", subject: "s", date: Date(), textBody: "", extraHeaders: [:]))
            Issue.record("delivered to a silent server")
        } catch let failure as MailDeliveryError {
            #expect(failure.kind == .temporary)
            // The configured wait decided it, not a default: no clock is read here, so a busy
            // machine cannot fail the test (it once took 8.8 s under a full build and test run).
            #expect(failure.summary.contains("no reply within 200 ms"))
        }
        try await server.close()
    }

    @Test func a_refused_connection_is_a_temporary_failure() async throws {
        let server = try await silentServer()
        let port = try #require(server.localAddress?.port)
        try await server.close()
        let batch = SMTPTransport(configuration: SMTPConfiguration(security: .plain, host: "127.0.0.1", port: port)).startBatch()
        let email = OutgoingEmail(messageID: "m@x", from: "a@x.ca", to: "b@x.ca", subject: "s", date: Date(), textBody: "", extraHeaders: [:])
        await #expect(throws: MailDeliveryError.self) { try await batch.deliver(email) }
        await batch.finish()
    }
}

/// Counts batches and fails some recipients for good or for now.
final class ClassifyingTransport: MailTransport {
    private let state = NIOLockedValueBox<(batches: Int, sent: [String])>((0, []))
    var batches: Int { state.withLockedValue { $0.batches } }
    var sent: [String] { state.withLockedValue { $0.sent } }

    func deliver(_ email: OutgoingEmail) async throws {
        if email.to.hasPrefix("gone") { throw MailDeliveryError(.permanent, "The SMTP server answered RCPT TO with 550.") }
        if email.to.hasPrefix("busy") { throw MailDeliveryError(.temporary, "The SMTP server answered RCPT TO with 451.") }
        state.withLockedValue { $0.sent.append(email.to) }
    }

    func startBatch() -> any MailBatch {
        state.withLockedValue { $0.batches += 1 }
        return OneByOneBatch(transport: self)
    }
}

@Suite struct OutboxFailureTests {
    @Test func a_permanent_refusal_fails_the_message_at_once_and_a_temporary_one_schedules_a_retry() async throws {
        try await withClinic { clinic in
            for recipient in ["gone@example.org", "busy@example.org", "fine@example.org"] {
                try await Outbox.enqueue(to: recipient, subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            }
            let transport = ClassifyingTransport()
            let outbox = Outbox(transport: transport, clock: clinic.clock.appClock, sender: { MailSender(from: "c@example.org", replyTo: "c@example.org") })
            #expect(try await outbox.deliverDue(on: clinic.db) == 1)

            let rows = try await OutboxMessage.query(on: clinic.db).all()
            let byRecipient = Dictionary(uniqueKeysWithValues: rows.map { ($0.recipient, $0) })
            #expect(byRecipient["gone@example.org"]?.status == .failed)
            #expect(byRecipient["gone@example.org"]?.attempts == 1)
            #expect(byRecipient["gone@example.org"]?.lastError == "The SMTP server answered RCPT TO with 550.")
            #expect(byRecipient["busy@example.org"]?.status == .pending)
            #expect(byRecipient["busy@example.org"]?.nextAttemptAt == clinic.clock.now.addingTimeInterval(60))
            #expect(byRecipient["fine@example.org"]?.status == .sent)
            #expect(transport.batches == 1, "one pass, one batch")
        }
    }

    @Test func the_failed_count_on_the_dashboard_includes_a_refused_message() async throws {
        try await withClinic { clinic in
            try await Outbox.enqueue(to: "gone@example.org", subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            let outbox = Outbox(transport: ClassifyingTransport(), clock: clinic.clock.appClock, sender: { MailSender(from: "c@example.org", replyTo: nil) })
            try await outbox.deliverDue(on: clinic.db)
            #expect(try await OutboxMessage.query(on: clinic.db).filter(\.$status == OutboxMessage.Status.failed).count() == 1)
        }
    }

    @Test func a_pass_with_nothing_due_opens_no_batch() async throws {
        try await withClinic { clinic in
            let transport = ClassifyingTransport()
            let outbox = Outbox(transport: transport, clock: clinic.clock.appClock, sender: { MailSender(from: "c@example.org", replyTo: nil) })
            let delivered = try await outbox.deliverDue(on: clinic.db)
            #expect(delivered == 0)
            #expect(transport.batches == 0)
        }
    }

    @Test func every_message_carries_a_message_id_a_date_and_the_clinic_as_reply_to() async throws {
        try await withClinic { clinic in
            try await Outbox.enqueue(to: "a@example.org", subject: "Hi", body: "Body", at: clinic.clock.now, on: clinic.db)
            try await clinic.deliverMail()
            let text = try #require(clinic.mail.sent.first).rfc5322
            #expect(text.contains("\r\nDate: "))
            #expect(text.hasPrefix("Message-ID: <"))
            #expect(text.contains("\r\nReply-To: hello@harbourview-ipt.example\r\n"))
        }
    }
}

/// A minimal SMTP server in the test process: greets, answers every command with success, and
/// records each connection and each message (un-dot-stuffed) it receives.
final class LoopbackSMTPServer: Sendable {
    private let state = NIOLockedValueBox<(connections: Int, messages: [String])>((0, []))
    var connections: Int { state.withLockedValue { $0.connections } }
    var messages: [String] { state.withLockedValue { $0.messages } }
    private let channel: NIOLockedValueBox<(any Channel)?> = .init(nil)

    var port: Int { channel.withLockedValue { $0?.localAddress?.port ?? 0 } }

    func start() async throws {
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { [self] child in
                child.eventLoop.makeCompletedFuture {
                    state.withLockedValue { $0.connections += 1 }
                    try child.pipeline.syncOperations.addHandler(Conversation(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = bound }
    }

    func stop() async throws {
        try await channel.withLockedValue { $0 }?.close()
    }

    fileprivate func received(_ message: String) {
        state.withLockedValue { $0.messages.append(message) }
    }

    private final class Conversation: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let server: LoopbackSMTPServer
        var pending = ""
        var message: [String]?

        init(server: LoopbackSMTPServer) { self.server = server }

        func channelActive(context: ChannelHandlerContext) {
            send("220 loopback ESMTP", context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += String(buffer: unwrapInboundIn(data))
            while let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                handle(line, context)
            }
        }

        private func handle(_ line: String, _ context: ChannelHandlerContext) {
            if var lines = message {
                if line == "." {
                    server.received(lines.joined(separator: "\r\n"))
                    message = nil
                    send("250 queued", context)
                } else {
                    lines.append(line.hasPrefix(".") ? String(line.dropFirst()) : line)
                    message = lines
                }
                return
            }
            switch line.prefix(4).uppercased() {
            case "EHLO": send("250-loopback\r\n250 8BITMIME", context)
            case "DATA": message = []; send("354 go ahead", context)
            case "QUIT": send("221 bye", context); context.close(promise: nil)
            default: send("250 ok", context)
            }
        }

        private func send(_ text: String, _ context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        }
    }
}

@Suite struct SMTPBatchTests {
    @Test func an_outbox_pass_sends_every_message_over_one_connection() async throws {
        let server = LoopbackSMTPServer()
        try await server.start()
        let transport = SMTPTransport(configuration: SMTPConfiguration(security: .plain, host: "127.0.0.1", port: server.port))
        let batch = transport.startBatch()
        for index in 1...3 {
            try await batch.deliver(OutgoingEmail(messageID: "m\(index)@x", from: "a@x.ca", to: "b\(index)@x.ca", subject: "s",
                                                  date: Date(), textBody: ".line \(index)", extraHeaders: [:]))
        }
        await batch.finish()
        #expect(server.connections == 1)
        #expect(server.messages.count == 3)
        #expect(server.messages.allSatisfy { $0.contains("\r\n\r\n.line ") }, "the dot-stuffing is undone by the server")
        try await server.stop()
    }
}
