import Foundation
import NIOPosix

/// A fully formed email ready for a transport.
public struct OutgoingEmail: Sendable, Equatable {
    public var messageID: String
    public var from: String
    /// Where answers go: the clinic's own address, also when the relay makes From another one.
    public var replyTo: String? = nil
    public var to: String
    public var subject: String
    public var date: Date
    public var textBody: String
    /// An HTML version of the same text, sent beside it as multipart/alternative when present.
    public var htmlBody: String? = nil
    public var extraHeaders: [String: String]
    /// A file sent with the message (a calendar invitation), as multipart/mixed.
    public var attachment: EmailAttachment? = nil

    /// The message as RFC 5322 text: CRLF line ends, a non-ASCII subject as RFC 2047 encoded
    /// words folded under 76 characters, UTF-8 quoted-printable bodies so any mail reader shows
    /// them as written; plain text alone, or plain text and HTML as multipart/alternative, inside
    /// multipart/mixed when a file is attached.
    public var rfc5322: String {
        var headers: [(String, String)] = [
            ("Message-ID", "<\(Self.stripLineBreaks(messageID))>"),
            ("Date", Self.rfc5322Date(date)),
            ("From", Self.stripLineBreaks(from)),
        ]
        if let replyTo { headers.append(("Reply-To", Self.stripLineBreaks(replyTo))) }
        headers += [
            ("To", Self.stripLineBreaks(to)),
            ("Subject", Self.encodeHeader(subject)),
            ("MIME-Version", "1.0"),
        ]
        // Boundaries come from the message id, which no body can contain after quoted-printable or base64.
        let stem = messageID.filter { $0.isLetter || $0.isNumber }
        let boundary = "=_alt_" + stem
        let mixedBoundary = "=_mix_" + stem
        var bodyHeaders: [(String, String)]
        let body: String
        if let htmlBody {
            func part(_ type: String, _ text: String) -> String {
                "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + QuotedPrintable.encode(text) + "\r\n"
            }
            bodyHeaders = [("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")]
            body = part("text/plain", textBody) + part("text/html", htmlBody) + "--\(boundary)--\r\n"
        } else {
            bodyHeaders = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")]
            body = QuotedPrintable.encode(textBody)
        }
        var message = body
        if let attachment {
            let name = attachment.filename.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
            let encoded = Data(attachment.content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            let first = bodyHeaders.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
            bodyHeaders = [("Content-Type", "multipart/mixed; boundary=\"\(mixedBoundary)\"")]
            message = "--\(mixedBoundary)\r\n" + first
                + "--\(mixedBoundary)\r\nContent-Type: \(Self.stripLineBreaks(attachment.contentType))\r\n"
                + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"\(name)\"\r\n\r\n"
                + encoded + "\r\n--\(mixedBoundary)--\r\n"
        }
        headers += bodyHeaders
        for key in extraHeaders.keys.sorted() {
            headers.append((Self.stripLineBreaks(key), Self.stripLineBreaks(extraHeaders[key] ?? "")))
        }
        let headerText = headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n")
        return headerText + "\r\n\r\n" + message
    }

    /// Header values never carry a line break of their own: that is how header injection works.
    static func stripLineBreaks(_ value: String) -> String {
        value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// ASCII stays as it is; anything else becomes base64 encoded words of at most 75 characters,
    /// split between characters, never inside one, and folded onto continuation lines.
    static func encodeHeader(_ value: String) -> String {
        let clean = stripLineBreaks(value)
        guard clean.unicodeScalars.contains(where: { !$0.isASCII }) else { return clean }
        // 39 bytes of UTF-8 make 52 base64 characters, 64 with "=?UTF-8?B?" and "?=", and the first
        // line still fits 78 characters after "Subject: ".
        var words: [String] = []
        var chunk = Data()
        for character in clean {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 39, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `"Display Name" <address>` with the name encoded when it is not plain ASCII, and stripped
    /// of the quote and backslash that would end or escape the quoted name.
    static func mailbox(name: String, address: String) -> String {
        let plain = stripLineBreaks(name).filter { $0 != "\"" && $0 != "\\" }
        let display = plain.unicodeScalars.allSatisfy(\.isASCII) ? "\"\(plain)\"" : encodeHeader(plain)
        return "\(display) <\(stripLineBreaks(address))>"
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

enum QuotedPrintable {
    /// RFC 2045 quoted-printable with CRLF line ends and soft breaks under 76 characters.
    static func encode(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var output = ""
            var lineLength = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                var piece: String
                if (byte >= 33 && byte <= 126 && byte != 61) || (byte == 32 && !isLast) {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if lineLength + piece.count > 75 {
                    output += "=\r\n"
                    lineLength = 0
                }
                output += piece
                lineLength += piece.count
            }
            return output
        }.joined(separator: "\r\n")
    }
}

/// A file attached to an email.
public struct EmailAttachment: Sendable, Equatable {
    public var filename: String
    public var contentType: String
    public var content: String

    public init(filename: String, contentType: String, content: String) {
        self.filename = filename
        self.contentType = contentType
        self.content = content
    }
}

/// Delivers an email. SMTP or an API provider plugs in here without touching callers.
public protocol MailTransport: Sendable {
    func deliver(_ email: OutgoingEmail) async throws
    /// Several deliveries in a row that may share what is costly to set up (an SMTP connection,
    /// its TLS handshake and sign-in). The outbox opens one per pass and finishes it at the end.
    func startBatch() -> any MailBatch
    /// Where email goes, for the log at start: never a password.
    var summary: String { get }
}

extension MailTransport {
    public func startBatch() -> any MailBatch { OneByOneBatch(transport: self) }
    public var summary: String { String(describing: type(of: self)) }
}

/// Deliveries that belong together. Used by one task at a time, in order.
public protocol MailBatch: Sendable {
    func deliver(_ email: OutgoingEmail) async throws
    /// Closes what the batch kept open; a delivery after this starts afresh.
    func finish() async
}

/// A batch for transports with nothing to share: each message on its own.
struct OneByOneBatch: MailBatch {
    let transport: any MailTransport
    func deliver(_ email: OutgoingEmail) async throws { try await transport.deliver(email) }
    func finish() async {}
}

/// A delivery that did not happen, said the way the outbox's retry schedule needs it. A transport
/// throws this when it knows; any other error counts as temporary.
public struct MailDeliveryError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Worth trying again later: a 4xx reply, a connection that failed or went quiet.
        case temporary
        /// The server refused this message for good (a 5xx reply to it): trying again would only
        /// be refused again, so the outbox marks it failed at once.
        case permanent
    }

    public let kind: Kind
    /// What happened, without what the server said after its codes: a reply's text can quote the
    /// address or the message, and this goes into the log and the outbox row.
    public let summary: String

    public init(_ kind: Kind, _ summary: String) {
        self.kind = kind
        self.summary = summary
    }

    public var description: String { summary }
}

/// Writes each email as an .eml file into a folder. Named by message id, so a retry after a
/// crash overwrites rather than duplicates.
public struct FileMailTransport: MailTransport {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var summary: String { "written to files in \(directory) (the file transport: nothing is sent)" }

    public func deliver(_ email: OutgoingEmail) async throws {
        // Blocking file calls go to NIO's thread pool: async code runs on the event loops, which
        // must not wait on the disk.
        try await NIOThreadPool.singleton.runIfActive { try write(email) }
    }

    private func write(_ email: OutgoingEmail) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let safeName = email.messageID.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let final = URL(fileURLWithPath: directory).appendingPathComponent("\(safeName).eml")
        // Write then rename: a reader of the folder never sees half a message.
        let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".\(safeName).tmp")
        try Data(email.rfc5322.utf8).write(to: temporary, options: .atomic)
        if FileManager.default.fileExists(atPath: final.path) {
            try FileManager.default.removeItem(at: final)
        }
        try FileManager.default.moveItem(at: temporary, to: final)
    }
}
