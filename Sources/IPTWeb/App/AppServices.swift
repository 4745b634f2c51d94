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
    /// Scores Today's "worsened" check has opened before.
    let openedScores = OpenedScoreTotals()

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
