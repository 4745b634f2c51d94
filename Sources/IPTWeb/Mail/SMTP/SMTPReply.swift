import Foundation

/// One server reply (RFC 5321 4.2): a three-digit code and one or more lines of text.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    /// The text of each line, after the code and its separator.
    var lines: [String]

    var isPositive: Bool { (200..<400).contains(code) }
    var isTransientFailure: Bool { (400..<500).contains(code) }

    /// The enhanced status code (RFC 3463) at the start of the text, such as "5.1.1", when there is one.
    var enhancedStatus: String? {
        guard let first = lines.first?.split(separator: " ", maxSplits: 1).first else { return nil }
        let parts = first.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, ["2", "4", "5"].contains(parts[0]),
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }) else { return nil }
        return String(first)
    }

    /// The reply as the server sent it, for the transcript of `iptclinic mail test`.
    var transcriptLines: [String] {
        lines.enumerated().map { index, text in
            "\(code)\(index == lines.count - 1 ? " " : "-")\(text)"
        }
    }
}

/// The server said something that is not SMTP.
struct SMTPProtocolViolation: Error, Equatable, CustomStringConvertible {
    let description: String
}

/// Turns the bytes a server sends into replies. Lines end in CRLF (a bare LF is accepted, as
/// servers in the wild send it); a reply of several lines has "-" after the code on every line
/// but the last, which has a space.
struct SMTPReplyParser: Sendable {
    /// No reply line legitimately comes near this (RFC 5321 4.5.3.1.5 says 512 octets); a server
    /// that never ends its line must not fill the memory.
    static let maximumLineLength = 4096
    static let maximumLines = 256

    private var pending: [UInt8] = []
    private var partial: SMTPReply?

    /// Whether bytes have arrived that no reply has used yet. After the reply to STARTTLS there
    /// must be none: anything there was sent before encryption and must not be read as if after.
    var hasUnreadBytes: Bool { !pending.isEmpty || partial != nil }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        pending.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil until more bytes arrive.
    mutating func nextReply() throws(SMTPProtocolViolation) -> SMTPReply? {
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            pending.removeSubrange(...newline)
            guard line.count <= Self.maximumLineLength else {
                throw SMTPProtocolViolation(description: "a reply line longer than \(Self.maximumLineLength) bytes")
            }
            let (code, isLast, body) = try Self.split(text)
            if var reply = partial {
                guard reply.code == code else {
                    throw SMTPProtocolViolation(description: "a reply whose lines carry different codes (\(reply.code), \(code))")
                }
                guard reply.lines.count < Self.maximumLines else {
                    throw SMTPProtocolViolation(description: "a reply of more than \(Self.maximumLines) lines")
                }
                reply.lines.append(body)
                partial = reply
            } else {
                partial = SMTPReply(code: code, lines: [body])
            }
            if isLast, let reply = partial {
                partial = nil
                return reply
            }
        }
        guard pending.count <= Self.maximumLineLength else {
            throw SMTPProtocolViolation(description: "a reply line longer than \(Self.maximumLineLength) bytes")
        }
        return nil
    }

    private static func split(_ line: String) throws(SMTPProtocolViolation) -> (code: Int, isLast: Bool, text: String) {
        let characters = Array(line.utf8)
        guard characters.count >= 3, characters[0] >= UInt8(ascii: "2"), characters[0] <= UInt8(ascii: "5"),
              characters[0...2].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let code = Int(String(decoding: characters[0...2], as: UTF8.self)) else {
            throw SMTPProtocolViolation(description: "a reply line that does not start with a code")
        }
        if characters.count == 3 { return (code, true, "") }
        switch characters[3] {
        case UInt8(ascii: " "): return (code, true, String(decoding: characters[4...], as: UTF8.self))
        case UInt8(ascii: "-"): return (code, false, String(decoding: characters[4...], as: UTF8.self))
        default: throw SMTPProtocolViolation(description: "a reply line with \"\(UnicodeScalar(characters[3]))\" after its code")
        }
    }
}

/// What a server offers in its answer to EHLO (RFC 5321 4.1.1.1: the lines after the first).
struct SMTPCapabilities: Sendable, Equatable {
    var startTLS = false
    var authMechanisms: Set<String> = []
    var eightBitMIME = false
    var smtpUTF8 = false
    /// The largest message the server takes, when it says (RFC 1870); 0 means no limit given.
    var maximumSize: Int?

    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ")
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms.formUnion(words.dropFirst().map(String.init))
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "SIZE": maximumSize = words.dropFirst().first.flatMap { Int($0) }
            default: continue
            }
        }
    }

    init() {}
}

/// The parts of SMTP that are text in, text out: commands, the message as sent after DATA, and
/// what a failed reply means for the outbox.
enum SMTPCommands {
    /// MAIL FROM with the parameters the server's extensions call for. Our messages are 7-bit
    /// (quoted-printable and base64), so BODY=8BITMIME is only declared when a byte above 127 is
    /// there after all; SMTPUTF8 when an address is not ASCII. A message that needs an extension
    /// the server lacks is refused here, for good: another try would meet the same server.
    static func mailFrom(sender: String, recipient: String, message: [UInt8], capabilities: SMTPCapabilities) throws(MailDeliveryError) -> String {
        var command = "MAIL FROM:<\(sender)>"
        if let limit = capabilities.maximumSize, limit > 0 {
            guard message.count <= limit else {
                throw MailDeliveryError(.permanent, "The message (\(message.count) bytes) is larger than the server takes (\(limit) bytes).")
            }
            command += " SIZE=\(message.count)"
        }
        if message.contains(where: { $0 > 127 }) {
            guard capabilities.eightBitMIME else {
                throw MailDeliveryError(.permanent, "The message has 8-bit text and the server does not offer 8BITMIME.")
            }
            command += " BODY=8BITMIME"
        }
        if !(sender + recipient).unicodeScalars.allSatisfy(\.isASCII) {
            guard capabilities.smtpUTF8 else {
                throw MailDeliveryError(.permanent, "An address is not ASCII and the server does not offer SMTPUTF8.")
            }
            command += " SMTPUTF8"
        }
        return command
    }

    /// The message as sent after DATA (RFC 5321 4.5.2): every line ends in CRLF, a line starting
    /// with "." gets a second one so it cannot end the message early, and ".\r\n" ends it.
    static func dataBlock(_ message: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.utf8.count + 64)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message.utf8 {
            switch byte {
            case UInt8(ascii: "\r"):
                // Written with the line feed that follows; a lone carriage return becomes a line break too.
                if previous == UInt8(ascii: "\r") {
                    output += [13, 10]
                    atLineStart = true
                }
            case UInt8(ascii: "\n"):
                output += [13, 10]
                atLineStart = true
            default:
                if previous == UInt8(ascii: "\r") {
                    output += [13, 10]
                    atLineStart = true
                }
                if atLineStart, byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
                output.append(byte)
                atLineStart = false
            }
            previous = byte
        }
        if previous == UInt8(ascii: "\r") { output += [13, 10]; atLineStart = true }
        if !atLineStart { output += [13, 10] }
        output += Array(".\r\n".utf8)
        return output
    }

    /// AUTH PLAIN's single response (RFC 4616): no authorisation identity, the user, the password.
    static func authPlain(_ credentials: SMTPConfiguration.Credentials) -> String {
        Data(([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))).base64EncodedString()
    }

    /// The address inside `"Name" <address>`, or the text itself when it has no angle brackets.
    static func address(in mailbox: String) -> String {
        guard let open = mailbox.lastIndex(of: "<"), let close = mailbox.lastIndex(of: ">"), open < close else {
            return mailbox.trimmingCharacters(in: .whitespaces)
        }
        return String(mailbox[mailbox.index(after: open)..<close])
    }

    /// What a refusal means for the outbox. 4xx is "not now" and 5xx is "never" (RFC 5321 4.2.1),
    /// but only for a reply about this message: a refused greeting, STARTTLS or sign-in is about the
    /// connection or our settings, which an operator can fix, so those stay temporary and the
    /// message waits for the fix instead of being given up on.
    static func failure(_ reply: SMTPReply, after step: String, aboutTheMessage: Bool) -> MailDeliveryError {
        let status = reply.enhancedStatus.map { " \($0)" } ?? ""
        let kind: MailDeliveryError.Kind = aboutTheMessage && !reply.isTransientFailure ? .permanent : .temporary
        return MailDeliveryError(kind, "The SMTP server answered \(step) with \(reply.code)\(status).")
    }
}
