import Foundation

/// Where and how to hand email to an SMTP server, read from `IPT_SMTP_URL`:
/// `smtp+starttls://user:pass@host:587` (submission, upgraded with STARTTLS),
/// `smtps://user:pass@host:465` (TLS from the first byte), `smtp://127.0.0.1:25` (a local relay).
public struct SMTPConfiguration: Sendable, Equatable {
    public enum Security: Sendable, Equatable {
        /// No encryption: only for a relay on the same machine or a private network.
        case plain
        /// Connects in plain text, then upgrades with STARTTLS before anything else is said;
        /// a server that does not offer it is refused rather than spoken to in the clear.
        case startTLS
        /// TLS from the first byte (port 465).
        case implicitTLS
    }

    public struct Credentials: Sendable, Equatable {
        public var username: String
        public var password: String
    }

    public var security: Security
    public var host: String
    public var port: Int
    public var credentials: Credentials?
    /// A PEM file of certificate authorities to trust instead of the system's (a private CA, tests).
    /// Verification itself is never turned off.
    public var trustedCAFile: String? = nil
    /// The name this client gives in EHLO.
    public var ehloName: String = "localhost"
    public var connectTimeout: Duration = .seconds(15)
    /// How long to wait for each reply. RFC 5321 4.5.3.2 asks clients for minutes; a relay that says
    /// nothing for a minute is treated as gone, and the message is tried again later.
    public var replyTimeout: Duration = .seconds(60)

    public init(security: Security, host: String, port: Int, credentials: Credentials? = nil) {
        self.security = security
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// Parses `IPT_SMTP_URL`. `passwordFile` is `IPT_SMTP_PASSWORD_FILE`: its first line is the
    /// password, so it need not sit in the environment or in the URL. The errors never repeat the
    /// URL, which may hold a password.
    public init(url text: String, passwordFile: String? = nil) throws {
        let fileText: String?
        if let passwordFile, !passwordFile.isEmpty {
            do {
                fileText = try String(contentsOfFile: passwordFile, encoding: .utf8)
            } catch {
                throw ConfigurationError("IPT_SMTP_PASSWORD_FILE could not be read (\(passwordFile)).")
            }
        } else {
            fileText = nil
        }
        try self.init(url: text, passwordFromFile: fileText)
    }

    /// The parsing itself, with the password file's text already read.
    init(url text: String, passwordFromFile fileText: String?) throws {
        let expected = "IPT_SMTP_URL must look like smtp+starttls://user:password@host:587, smtps://user:password@host:465 or smtp://127.0.0.1:25"
        guard let url = URLComponents(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased() else {
            throw ConfigurationError("\(expected) (the value is not a URL).")
        }
        let security: Security
        let defaultPort: Int
        switch scheme {
        case "smtp": (security, defaultPort) = (.plain, 25)
        case "smtp+starttls": (security, defaultPort) = (.startTLS, 587)
        case "smtps": (security, defaultPort) = (.implicitTLS, 465)
        default: throw ConfigurationError("\(expected) (the scheme \"\(scheme)\" is not one of these).")
        }
        guard var host = url.host, !host.isEmpty else {
            throw ConfigurationError("\(expected) (the server's name is missing).")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? defaultPort
        guard (1...65535).contains(port) else {
            throw ConfigurationError("\(expected) (the port must be between 1 and 65535).")
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil else {
            throw ConfigurationError("\(expected) (nothing may follow the port).")
        }
        let username = url.percentEncodedUser?.removingPercentEncoding
        let urlPassword = url.percentEncodedPassword?.removingPercentEncoding
        // The file's first line: editors and `echo` add a final line break that is no part of it.
        let filePassword = fileText?.split(whereSeparator: \.isNewline).first.map(String.init)
        if urlPassword != nil, fileText != nil {
            throw ConfigurationError("The SMTP password is given twice, in IPT_SMTP_URL and in IPT_SMTP_PASSWORD_FILE: keep one.")
        }
        var credentials: Credentials?
        if let username, !username.isEmpty {
            guard let password = urlPassword ?? filePassword, !password.isEmpty else {
                throw ConfigurationError("IPT_SMTP_URL names a user but no password: add it to the URL or put it in IPT_SMTP_PASSWORD_FILE.")
            }
            credentials = Credentials(username: username, password: password)
        } else if urlPassword != nil || filePassword != nil {
            throw ConfigurationError("An SMTP password is given but IPT_SMTP_URL names no user (smtp+starttls://user@host:587).")
        }
        // A password sent in the clear can be read by anyone on the path; a local relay is the one
        // place a plain connection makes sense, and it needs no password.
        if security == .plain, credentials != nil, !Self.isLoopback(host) {
            throw ConfigurationError("IPT_SMTP_URL would send the password unencrypted to \(host): use smtp+starttls:// (port 587) or smtps:// (port 465).")
        }
        self.init(security: security, host: host, port: port, credentials: credentials)
    }

    /// What the log says at start: the server and the user, never the password.
    public var summary: String {
        let how: String
        switch security {
        case .plain: how = "SMTP without encryption"
        case .startTLS: how = "SMTP with STARTTLS"
        case .implicitTLS: how = "SMTP over TLS"
        }
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "\(how) to \(hostText):\(port)"
        if let credentials { text += ", signing in as \(credentials.username)" }
        if let trustedCAFile { text += ", trusting the certificate authorities in \(trustedCAFile)" }
        return text
    }

    /// The EHLO name: the clinic's public host when it is a domain name, which is what receiving
    /// servers expect; "localhost" otherwise (an address or a development machine).
    public static func ehloName(publicBaseURL: String) -> String {
        guard let host = URLComponents(string: publicBaseURL)?.host, host.contains("."),
              host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }),
              host.contains(where: \.isLetter) else { return "localhost" }
        return host
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
