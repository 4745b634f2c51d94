import Fluent
import IPTCore
import IPTPages
import Foundation
import NIOCore
import Vapor

/// Builds the app from its settings: database, migrations, middleware, routes, background work.
public func configure(_ app: Application, settings: Settings) async throws {
    try requireResources(in: settings.resourceRoot)
    _ = ClinicMetrics.bootstrapped
    app.routes.defaultMaxBodySize = ByteCount(value: BodyLimitMiddleware.staffBytes)
    app.passwords.use(.bcrypt(cost: settings.isTesting ? 4 : 12))
    // Before the databases exist, which take this pool: see `DatabaseSetup.blockingThreads`.
    app.threadPool = NIOThreadPool(numberOfThreads: DatabaseSetup.blockingThreads)

    let engine = try DatabaseSetup.register(app, settings: settings)
    app.databaseEngine = engine
    app.migrations.add(Migrations.all)
    let chainKeys = AuditChainKeySource(settings: settings)
    // The schema, the first rows and the data keys, once however many instances start together.
    let keyRing = try await StartupLock.run(app, settings: settings) {
        try await DatabaseSetup.prepare(app, engine: engine, settings: settings)
        // Only once the tables exist; `migrate` runs without it and never touches sealed values.
        guard settings.migrateOnBoot else { return KeyRing(activeKeyID: "", keys: [:]) }
        try await TransactionalMigrator.run(app, settings: settings)
        try await ensureDefaults(app, settings: settings)
        let ring = try await MasterKey.keyRing(on: app.db, settings: settings, now: settings.clock.now())
        // Made under the lock with the data key, so instances starting together share one.
        _ = try await chainKeys.key(on: app.db)
        return ring
    }

    let contentDirectory = URL(fileURLWithPath: settings.resourceRoot).appendingPathComponent("Resources/Content").path
    let content = try ContentLibrary.load(from: contentDirectory)
    let clinic = ClinicIdentityStore(clock: settings.clock)
    var outbox = Outbox(transport: settings.mailTransport, clock: settings.clock, sender: { [app] in
        let identity = (try? await clinic.current(on: app.db)) ?? .defaults
        // A relay may only accept its verified sender in From; answers still reach the clinic.
        return MailSender(from: OutgoingEmail.mailbox(name: identity.name, address: settings.mailFromAddress ?? identity.email),
                          replyTo: identity.email)
    })
    outbox.schedule = settings.mailRetrySchedule
    if settings.runOutboxWorker { app.logger.info("Email: \(settings.mailTransport.summary)") }
    if let warning = fileMailWarning(environment: app.environment, transport: settings.mailTransport) { app.logger.warning("\(warning)") }
    let worker = settings.runOutboxWorker ? OutboxWorker(outbox: outbox) : nil
    if let worker { app.lifecycle.use(worker) }
    // Background upkeep runs wherever mail does: tests drive both by hand.
    if settings.runOutboxWorker { app.lifecycle.use(ScheduledJobsWorker(jobs: ScheduledJob.all)) }
    let dummyHash = try app.password.hash(SecureToken.make())
    let pageCache = PageCache(clock: settings.clock)

    app.services = AppServices(
        settings: settings,
        auditWriter: AuditWriter(database: { [app, auditDatabase = DatabaseSetup.auditDatabaseID(for: settings)] in app.db(auditDatabase) },
                                 clock: settings.clock, chainKeys: chainKeys, appender: try DatabaseSetup.auditAppender(app, settings: settings)),
        rateLimits: RateLimits(publicFormLimit: settings.publicFormLimit),
        clinic: clinic,
        content: content,
        pageCache: pageCache,
        outbox: outbox,
        outboxWorker: worker,
        dummyPasswordHash: dummyHash,
        passwordPolicy: try loadPasswordPolicy(resourceRoot: settings.resourceRoot),
        keyRing: keyRing,
        instruments: try InstrumentCatalogue.load(dataDirectory: settings.dataDirectory),
        inlineReader: try DatabaseSetup.inlineReader(app, settings: settings)
    )

    // Every route is registered by its SitePath; a .staff path is behind the staff guard.
    let site = SiteRoutes(app)
    try site.register(SiteController())
    try site.register(ContactController())
    try site.register(BookingController())
    try site.register(WaitlistController())
    try site.register(CalendarFeedController())
    try site.register(MeasuresController())
    try site.register(SelfAssessmentController())
    try site.register(IntakeController())
    try site.register(PortalController())
    try site.register(PortalRecordController())
    try site.register(PortalAppointmentsController())
    try site.register(NewsletterController())
    try site.register(SignInController())
    try site.register(PasswordResetController())
    // Reachable between password and code, so its paths are the staff entrance; it checks itself.
    try site.register(TwoFactorController())
    try site.register(APIController())
    try site.register(BookingAPIController())
    try site.register(DashboardController())
    try site.register(ClientSearchController())
    try site.register(MetricsController())
    try site.register(EnquiryInboxController())
    try site.register(NewsletterAdminController())
    try site.register(AuditController())
    try site.register(ClinicSettingsController())
    try site.register(TeamController())
    try site.register(AccountController())
    try site.register(CalendarController())
    try site.register(WaitlistAdminController())
    try site.register(AvailabilityController())
    try site.register(BookingSettingsController())
    try site.register(AppointmentTypesController())
    try site.register(AlertsController())
    try site.register(SelfAssessmentStaffController())
    try site.register(ProgressController())
    try site.register(CareTeamController())
    try site.register(ChartController())
    try site.register(DuplicatesController())
    try site.register(ClinicalSettingsController())
    try site.register(NotesController())
    try site.register(DischargeController())
    try site.register(InventoryController())
    try site.register(FormulationController())
    try site.register(WorksheetController())
    try site.register(SupervisionController())
    try site.register(RecordRequestsController())
    try site.register(RetentionController())
    try site.register(OutcomesController())
    try site.register(BillingController())
    try site.register(BillingAPIController())
    try site.register(ReceiptController())
    try site.register(BillingReportsController())

    // Order matters: errors become pages outermost, so every response (error pages too) gets the
    // security headers; unknown paths and methods are answered before any check that would give a
    // misleading status; the session is loaded before CSRF so staff forms check the session token.
    // The hot path (an anonymous GET of a cached page) is answered before all of this, by
    // CachedPageResponder.
    app.middleware = Middlewares()
    app.middleware.use(ErrorPageMiddleware(secure: settings.secureCookies))
    app.middleware.use(SecurityHeadersMiddleware(secure: settings.secureCookies))
    app.middleware.use(BodyLimitMiddleware())
    let publicDirectory = URL(fileURLWithPath: settings.resourceRoot).appendingPathComponent("Public").path + "/"
    app.middleware.use(StaticFilesMiddleware(files: FileMiddleware(publicDirectory: publicDirectory)))
    app.middleware.use(MethodGuard(routes: app.routes.all, staticPrefixes: StaticFilesMiddleware.prefixes))
    app.middleware.use(StaffSessionMiddleware(secure: settings.secureCookies, lifetime: .staff, clock: settings.clock))
    app.middleware.use(CSRFMiddleware(secure: settings.secureCookies, publicOrigin: CSRFMiddleware.origin(of: settings.publicBaseURL)))
    // Every routed request is counted and timed by route pattern for /metrics. Pages answered from
    // the cache above never reach the router and are not in those counts (see docs/OPERATIONS.md).
    app.http.server.configuration.reportMetrics = true
    let sessionCookieName = SessionCookie.name(secure: settings.secureCookies), secure = settings.secureCookies
    app.responder.use { app in
        CachedPageResponder(cache: pageCache, sessionCookieName: sessionCookieName, secure: secure, next: app.responder.default)
    }

    app.asyncCommands.use(CreateStaffCommand(), as: "create-staff")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(KeysCommand(), as: "keys")
    app.asyncCommands.use(MailCommand(), as: "mail")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    // Replaces the `migrate` command Fluent registered when the databases were set up.
    app.asyncCommands.use(TransactionalMigrateCommand(), as: "migrate")
}

/// The file transport is for development and demonstrations. A clinic running it in production
/// would believe that password resets, portal links, questionnaires and alerts go out while every
/// one of them lands in a folder, so the start says so plainly.
func fileMailWarning(environment: Environment, transport: any MailTransport) -> String? {
    guard environment == .production, let files = transport as? FileMailTransport else { return nil }
    return "Email is only written to files in \(files.directory): no email reaches anyone (password resets, portal links, questionnaires, risk alerts). The file transport is for development and demonstrations."
}

/// Says where the app looked for its shipped texts, and what to do, before anything else starts: a
/// server started from another folder otherwise failed with Foundation's "file doesn't exist" for
/// one path, which tells an operator neither the cause nor the cure.
func requireResources(in root: String) throws {
    let resources = URL(fileURLWithPath: root).appendingPathComponent("Resources")
    var isFolder: ObjCBool = false
    for needed in ["Content", "common-passwords.txt"] {
        let path = resources.appendingPathComponent(needed).path
        let wanted = needed == "Content"
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue == wanted else {
            throw ConfigurationError("""
                The app's own files were not found: \(path) is missing. Start iptclinic from the folder it was installed \
                in (the one holding Resources/ and Public/), or set IPT_RESOURCE_ROOT to that folder.
                """)
        }
    }
}

/// The password policy with the shipped list of common passwords.
func loadPasswordPolicy(resourceRoot: String) throws -> PasswordPolicy {
    let path = URL(fileURLWithPath: resourceRoot).appendingPathComponent("Resources/common-passwords.txt").path
    return PasswordPolicy(listText: try String(contentsOfFile: path, encoding: .utf8))
}

/// Rows every clinic needs from the first start: its identity and the fee levels.
func ensureDefaults(_ app: Application, settings: Settings) async throws {
    try await ClinicIdentityStore.ensureSeeded(on: app.db, now: settings.clock.now())
    try await TeamQueries.ensureFeeTiers(on: app.db)
    try await SchedulingQueries.ensureDefaults(on: app.db, now: settings.clock.now())
    // One stored row of clinical settings from the start, so two first saves cannot make two.
    if try await ClinicalSettingsRow.query(on: app.db).count() == 0 {
        try await ClinicalSettingsRow.current(on: app.db).save(on: app.db)
    }
}

/// Seeds the demo clinic on an empty database and says how to sign in, at the address the server
/// will listen on (`Settings.localBaseURL` follows `--hostname` and `--port` unless IPT_PUBLIC_URL is set).
public func seedDemoIfWanted(_ app: Application, settings: Settings) async throws {
    let signInBase = settings.publicBaseURL
    guard settings.seedDemo else {
        if try await StaffUser.query(on: app.db).count() == 0 {
            print("""

            This clinic has no staff accounts yet. Create the first (the clinic director) with:

                printf '%s\\n' "$PASSWORD" | iptclinic create-staff --email you@your-clinic.example --name "Your Name" --role admin

            then sign in at \(signInBase)/staff/sign-in.

            """)
        }
        return
    }
    let hasher = app.password
    // Instances starting together on an empty database seed it once.
    let seeded: String? = try await StartupLock.run(app, settings: settings) {
        guard let password = try await DemoClinic.seedIfEmpty(on: app.db, passwordHasher: { try hasher.hash($0) },
                                                              now: settings.clock.now()) else { return nil }
        let clinic = try await app.services.clinic.current(on: app.db)
        try await DemoClients.seed(on: app.db, keyRing: app.services.keyRing, zone: clinic.zone, now: settings.clock.now())
        return password
    }
    guard let password = seeded else { return }
    // Printed to the terminal once, never logged: it is a credential.
    print("""

    A demo clinic was created. Every account below uses this password, shown only now:

        \(password)

    Sign in at \(signInBase)/staff/sign-in as, for example:
    \(DemoClinic.people.map { "    \($0.email)  (\($0.role.displayName))" }.joined(separator: "\n"))

    """)
}
