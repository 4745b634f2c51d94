import Crypto
import Foundation
import IPTCore
import Vapor

/// Everything the app needs from its surroundings, as a value. `configure(_:settings:)` takes it,
/// so a test builds exactly the app it needs and production reads it from the environment.
public struct Settings: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// A SQLite file at this path.
        case sqliteFile(String)
        /// An in-memory SQLite database; refused outside tests because nothing would survive a restart.
        case sqliteMemory
        /// PostgreSQL at this URL, optionally confined to one schema (tests use one schema each).
        case postgres(url: String, schema: String?)
    }

    public var database: DatabaseChoice
    public var dataDirectory: String
    /// Where Resources/Content and Public/ are found (the package root when run with `swift run`).
    public var resourceRoot: String
    public var seedDemo: Bool
    public var secureCookies: Bool
    public var clock: AppClock
    public var mailTransport: any MailTransport
    /// The background outbox worker; tests turn it off and deliver explicitly.
    public var runOutboxWorker: Bool
    public var isTesting: Bool
    /// The address used in links sent by email.
    public var publicBaseURL: String
    /// Requests a visitor may make to the public forms per window, per IP address.
    public var publicFormLimit: Int
    /// Whether the app runs migrations while configuring (tests and `serve` do).
    public var migrateOnBoot: Bool
    /// Behind a reverse proxy every request comes from the proxy's address; with this set, the
    /// address the proxy appended to X-Forwarded-For counts instead (for rate limits). Only set it
    /// when a proxy you run is the only way in.
    public var trustForwardedFor: Bool = false
    /// When the outbox tries a failed email again. The first delay is `IPT_MAIL_RETRY_SECONDS`
    /// (one minute unless set), doubling up to six hours.
    public var mailRetrySchedule: RetrySchedule = .outbox
    /// The address in From when it must differ from the clinic's own (a relay that accepts only a
    /// verified sender); the clinic's address is then the Reply-To.
    public var mailFromAddress: String? = nil
    /// The bearer token that opens /metrics from another machine (`IPT_METRICS_TOKEN` or the file
    /// named by `IPT_METRICS_TOKEN_FILE`); without one, /metrics answers on loopback only.
    public var metricsToken: String? = nil
    /// Where signed checkpoints of the audit chain are kept (`IPT_AUDIT_CHECKPOINT_DIR`); nil for
    /// `audit-checkpoints` in the data directory (see AuditCheckpoints).
    public var auditCheckpointDirectory: String? = nil
    /// The master key, when given directly (tests); otherwise it is read from the environment or
    /// the data directory (see MasterKey).
    public var masterKey: SymmetricKey? = nil

    public init(database: DatabaseChoice, dataDirectory: String, resourceRoot: String, seedDemo: Bool,
                secureCookies: Bool, clock: AppClock, mailTransport: any MailTransport, runOutboxWorker: Bool,
                isTesting: Bool, publicBaseURL: String, publicFormLimit: Int = 10, migrateOnBoot: Bool = true) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.resourceRoot = resourceRoot
        self.seedDemo = seedDemo
        self.secureCookies = secureCookies
        self.clock = clock
        self.mailTransport = mailTransport
        self.runOutboxWorker = runOutboxWorker
        self.isTesting = isTesting
        self.publicBaseURL = publicBaseURL
        self.publicFormLimit = publicFormLimit
        self.migrateOnBoot = migrateOnBoot
    }

    /// Reads the settings from environment variables, with defaults that work with nothing set.
    public static func fromEnvironment(_ environment: Environment, resourceRoot: String) throws -> Settings {
        let dataDirectory = Environment.get("IPT_DATA_DIR") ?? "./data"
        let database: DatabaseChoice
        if let url = Environment.get("DATABASE_URL"), !url.isEmpty {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                database = .postgres(url: url, schema: Environment.get("DATABASE_SCHEMA"))
            } else if url == "sqlite::memory:" || url == ":memory:" {
                database = .sqliteMemory
            } else if url.hasPrefix("sqlite://") {
                database = .sqliteFile(String(url.dropFirst("sqlite://".count)))
            } else {
                throw ConfigurationError("DATABASE_URL must start with postgres:// or sqlite:// (got a value of another kind).")
            }
        } else {
            database = .sqliteFile(URL(fileURLWithPath: dataDirectory).appendingPathComponent("clinic.sqlite").path)
        }
        let isLocal = environment == .development || environment == .testing
        let secure = Environment.get("IPT_SECURE_COOKIES").map { $0 == "1" || $0 == "true" } ?? !isLocal
        let outboxDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("outbox").path
        let publicBaseURL = Environment.get("IPT_PUBLIC_URL") ?? localBaseURL(arguments: environment.arguments)
        var mailTransport: any MailTransport = FileMailTransport(directory: outboxDirectory)
        if let url = Environment.get("IPT_SMTP_URL"), !url.isEmpty {
            var configuration = try SMTPConfiguration(url: url, passwordFile: Environment.get("IPT_SMTP_PASSWORD_FILE"))
            configuration.trustedCAFile = Environment.get("IPT_SMTP_CA_FILE").flatMap { $0.isEmpty ? nil : $0 }
            configuration.ehloName = SMTPConfiguration.ehloName(publicBaseURL: publicBaseURL)
            mailTransport = SMTPTransport(configuration: configuration)
        }
        var retrySchedule = RetrySchedule.outbox
        if let text = Environment.get("IPT_MAIL_RETRY_SECONDS"), !text.isEmpty {
            guard let seconds = TimeInterval(text), seconds >= 1 else {
                throw ConfigurationError("IPT_MAIL_RETRY_SECONDS must be a number of seconds, at least 1.")
            }
            retrySchedule = RetrySchedule(base: seconds, cap: retrySchedule.cap, maxAttempts: retrySchedule.maxAttempts)
        }
        var settings = Settings(
            database: database,
            dataDirectory: dataDirectory,
            resourceRoot: resourceRoot,
            seedDemo: Environment.get("IPT_DEMO") != "0",
            secureCookies: secure,
            clock: .live,
            mailTransport: mailTransport,
            runOutboxWorker: true,
            isTesting: environment == .testing,
            publicBaseURL: publicBaseURL,
            publicFormLimit: Int(Environment.get("IPT_PUBLIC_FORM_LIMIT") ?? "") ?? 10
        ).with(trustForwardedFor: Environment.get("IPT_TRUST_PROXY") == "1")
        settings.mailRetrySchedule = retrySchedule
        settings.mailFromAddress = Environment.get("IPT_MAIL_FROM").flatMap { $0.isEmpty ? nil : $0 }
        settings.auditCheckpointDirectory = Environment.get("IPT_AUDIT_CHECKPOINT_DIR").flatMap { $0.isEmpty ? nil : $0 }
        settings.metricsToken = Environment.get("IPT_METRICS_TOKEN_FILE")
            .flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? Environment.get("IPT_METRICS_TOKEN")
        return settings
    }

    /// Where links in emails point when IPT_PUBLIC_URL is not set: the address `serve` listens on,
    /// so `--port 8091` gives working confirmation links on a developer's machine. A wildcard
    /// host (0.0.0.0, ::) is not an address a browser can open; the loopback address stands in.
    static func localBaseURL(arguments: [String]) -> String {
        struct ServeAddress: CommandSignature {
            @Option(name: "hostname", short: "H") var hostname: String?
            @Option(name: "port", short: "p") var port: Int?
            @Option(name: "bind", short: "b") var bind: String?
            init() {}
        }
        var input = CommandInput(arguments: arguments)
        let address = try? ServeAddress(from: &input)
        var host = address?.hostname ?? "127.0.0.1"
        var port = address?.port ?? 8080
        if let bind = address?.bind, let colon = bind.lastIndex(of: ":") {
            host = String(bind[..<colon])
            port = Int(bind[bind.index(after: colon)...]) ?? port
        }
        if ["0.0.0.0", "::", "[::]", ""].contains(host) { host = "127.0.0.1" }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        return "http://\(host):\(port)"
    }

    public func withMasterKey(_ key: SymmetricKey?) -> Settings {
        var copy = self
        copy.masterKey = key
        return copy
    }

    func with(trustForwardedFor: Bool) -> Settings {
        var copy = self
        copy.trustForwardedFor = trustForwardedFor
        return copy
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The current time, injectable so tests never depend on today's date.
public struct AppClock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let live = AppClock(now: { Date() })
}

/// Random tokens for sessions, links and CSRF: 32 bytes from the system's secure generator.
public enum SecureToken {
    public static func make(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(raw).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
