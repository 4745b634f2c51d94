import Crypto
import Foundation
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
        return Settings(
            database: database,
            dataDirectory: dataDirectory,
            resourceRoot: resourceRoot,
            seedDemo: Environment.get("IPT_DEMO") != "0",
            secureCookies: secure,
            clock: .live,
            mailTransport: FileMailTransport(directory: outboxDirectory),
            runOutboxWorker: true,
            isTesting: environment == .testing,
            publicBaseURL: Environment.get("IPT_PUBLIC_URL") ?? localBaseURL(arguments: environment.arguments),
            publicFormLimit: Int(Environment.get("IPT_PUBLIC_FORM_LIMIT") ?? "") ?? 10
        ).with(trustForwardedFor: Environment.get("IPT_TRUST_PROXY") == "1")
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
