import Fluent
import IPTCore
import IPTPages
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The long-lived services of one app instance, kept in the application's storage.
final class AppServices: Sendable {
    let settings: Settings
    let auditWriter: AuditWriter
    let rateLimits: RateLimits
    let clinic: ClinicIdentityStore
    let content: ContentLibrary
    let pageCache: PageCache
    let outbox: Outbox
    let outboxWorker: OutboxWorker?
    /// A real hash of a random password, checked when the email is unknown so both cases take as long.
    let dummyPasswordHash: String
    let passwordPolicy: PasswordPolicy
    /// Seals and opens clinical free text at rest.
    let keyRing: KeyRing
    /// The built-in questionnaires and the clinic's own.
    let instruments: InstrumentCatalogue
    /// Short reads on the calling thread; only on an SQLite file (see `InlineSQLiteReader`).
    let inlineReader: InlineSQLiteReader?

    init(settings: Settings, auditWriter: AuditWriter, rateLimits: RateLimits, clinic: ClinicIdentityStore,
         content: ContentLibrary, pageCache: PageCache, outbox: Outbox, outboxWorker: OutboxWorker?,
         dummyPasswordHash: String, passwordPolicy: PasswordPolicy, keyRing: KeyRing,
         instruments: InstrumentCatalogue = .builtInOnly, inlineReader: InlineSQLiteReader? = nil) {
        self.keyRing = keyRing
        self.inlineReader = inlineReader
        self.instruments = instruments
        self.dummyPasswordHash = dummyPasswordHash
        self.passwordPolicy = passwordPolicy
        self.settings = settings
        self.auditWriter = auditWriter
        self.rateLimits = rateLimits
        self.clinic = clinic
        self.content = content
        self.pageCache = pageCache
        self.outbox = outbox
        self.outboxWorker = outboxWorker
    }
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = AppServices }

    var services: AppServices {
        get {
            guard let services = storage[ServicesKey.self] else { fatalError("configure(_:settings:) has not run") }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }

    var auditWriter: AuditWriter { services.auditWriter }
}

extension Request {
    var services: AppServices { application.services }
    var now: Date { application.services.settings.clock.now() }

    /// For short reads outside a transaction (a session, a page of a list): on SQLite they run on
    /// this thread through a read-only connection, elsewhere through the request's pool.
    var inlineReads: any SQLDatabase {
        guard let reader = services.inlineReader else { return db as! any SQLDatabase }
        // The pooled handle only when a statement is handed over: building `request.db` costs
        // more than the inline read itself.
        return InlineSQLiteDatabase(reader: reader, eventLoop: eventLoop, logger: logger) { [self] in db as! any SQLDatabase }
    }

    /// The frame every page is drawn in.
    func chrome() async throws -> PageChrome {
        let clinic = try await services.clinic.current(on: db)
        let staffChrome = staff.map {
            StaffChrome(name: $0.name, role: $0.role, csrfToken: $0.csrfToken, showsMenu: $0.secondFactorDone && !$0.needsTwoFactorSetup)
        }
        return PageChrome(clinic: clinic, currentPath: path, staff: staffChrome)
    }

    /// Wakes the delivery worker after something was queued, so email goes out now rather than at
    /// the next tick.
    func nudgeOutbox() {
        services.outboxWorker?.nudge()
    }
}

/// The clinic's identity, read from the database and kept for a short while: public pages need it
/// on every request, and a change made on another app instance shows within the time-to-live.
final class ClinicIdentityStore: Sendable {
    private let cached: NIOLockedValueBox<(identity: ClinicIdentity, readAt: Date)?> = .init(nil)
    private let clock: AppClock
    private let timeToLive: TimeInterval = 30

    init(clock: AppClock) { self.clock = clock }

    /// The identity as last read, without a query.
    var lastKnown: ClinicIdentity? { cached.withLockedValue { $0?.identity } }

    /// `database` is only evaluated on a miss: a request's `db` is not free to build.
    func current(on database: @autoclosure () -> any Database) async throws -> ClinicIdentity {
        let now = clock.now()
        if let entry = cached.withLockedValue({ $0 }), now.timeIntervalSince(entry.readAt) < timeToLive {
            return entry.identity
        }
        let identity = try await ClinicProfile.query(on: database()).first().map {
            ClinicIdentity(name: $0.name, phone: $0.phone, email: $0.email, address: $0.address, timeZone: $0.timeZone,
                           requireTwoFactor: $0.requireTwoFactor)
        } ?? .defaults
        cached.withLockedValue { $0 = (identity, now) }
        return identity
    }

    func invalidate() {
        cached.withLockedValue { $0 = nil }
    }

    /// Inserts the default identity if the table is empty (first start).
    static func ensureSeeded(on database: any Database, now: Date) async throws {
        guard try await ClinicProfile.query(on: database).count() == 0 else { return }
        let defaults = ClinicIdentity.defaults
        try await ClinicProfile(name: defaults.name, phone: defaults.phone, email: defaults.email,
                                address: defaults.address, timeZone: defaults.timeZone, updatedAt: now).create(on: database)
    }
}

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

extension Response {
    static func html(_ body: String, status: HTTPResponseStatus = .ok) -> Response {
        html(ByteBuffer(string: body), status: status)
    }

    static func html(_ body: ByteBuffer, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: status, headers: headers, body: .init(buffer: body))
    }
}

extension Request {
    private struct PathKey: StorageKey { typealias Value = String }

    private struct SentCookiesKey: StorageKey { typealias Value = [String: String] }

    /// The cookies the browser sent, by name, parsed once. `request.cookies` runs the Cookie
    /// header through Vapor's general header-directive parser on every access, and the session and
    /// CSRF checks both read it: 5% of a staff page's time, for two short values.
    var sentCookies: [String: String] {
        if let known = storage[SentCookiesKey.self] { return known }
        let cookies = CookieHeader.parse(headers[.cookie])
        storage[SentCookiesKey.self] = cookies
        return cookies
    }

    /// The request's path, worked out once. `url.path` re-derives it through URLComponents and a
    /// string replacement on every access, and the middleware chain asks for it several times.
    var path: String {
        if let known = storage[PathKey.self] { return known }
        let path = url.path
        storage[PathKey.self] = path
        return path
    }
}


/// Answers an anonymous GET of a page already rendered, before routing and before any
/// middleware: a cached page needs no route, no session and no CSRF token, only the security
/// headers every response carries. Everything else goes to Vapor's responder, where a miss renders
/// the page and stores it.
struct CachedPageResponder: Responder {
    let cache: PageCache
    let sessionCookieName: String
    let secure: Bool
    let next: any Responder
    /// Content type and security headers of a cached page, built once: adding them one by one to
    /// each response was a measurable share of a cached page's cost.
    private let pageHeaders: HTTPHeaders

    init(cache: PageCache, sessionCookieName: String, secure: Bool, next: any Responder) {
        self.cache = cache
        self.sessionCookieName = sessionCookieName
        self.secure = secure
        self.next = next
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.add(contentsOf: SecurityHeadersMiddleware.fixedHeaders(secure: secure))
        self.pageHeaders = headers
    }

    func respond(to request: Request) -> EventLoopFuture<Response> {
        let path = request.path
        guard request.method == .GET || request.method == .HEAD,
              // Bytes, not Foundation's `contains`, which goes through NSString on every request.
              request.headers.first(name: .cookie)?.utf8.firstRange(of: sessionCookieName.utf8) == nil,
              let body = cache.hit(PageCache.key(for: path))
        else {
            return next.respond(to: request)
        }
        guard !SecurityHeadersMiddleware.isPrivate(path: path) else {
            let response = Response.html(body)
            SecurityHeadersMiddleware.apply(to: response, path: path, secure: secure)
            return request.eventLoop.makeSucceededFuture(response)
        }
        return request.eventLoop.makeSucceededFuture(Response(status: .ok, headers: pageHeaders, body: .init(buffer: body)))
    }
}
