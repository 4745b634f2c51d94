import Crypto
import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current: NIOLockedValueBox<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        current = NIOLockedValueBox(start)
    }

    var now: Date { current.withLockedValue { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLockedValue { $0 = $0.addingTimeInterval(seconds) }
    }

    var appClock: AppClock { AppClock(now: { self.now }) }
}

/// Collects delivered emails; can be told to fail.
final class RecordingMailTransport: MailTransport {
    private let state = NIOLockedValueBox<(sent: [OutgoingEmail], failing: Bool)>(([], false))

    var sent: [OutgoingEmail] { state.withLockedValue { $0.sent } }

    func setFailing(_ failing: Bool) {
        state.withLockedValue { $0.failing = failing }
    }

    func deliver(_ email: OutgoingEmail) async throws {
        struct TransportDown: Error {}
        try state.withLockedValue { state in
            if state.failing { throw TransportDown() }
            state.sent.append(email)
        }
    }
}

struct TestClinic {
    let app: Application
    let clock: TestClock
    let mail: RecordingMailTransport

    var db: any Database { app.db }
    var sql: any SQLDatabase { app.db as! any SQLDatabase }

    /// Delivers every queued email now, as the background worker would.
    func deliverMail() async throws {
        try await app.services.outbox.deliverDue(on: app.db)
    }

    @discardableResult
    func makeStaff(_ role: StaffRole, email: String? = nil, password: String = "correct horse battery", name: String? = nil) async throws -> StaffUser {
        let address = email ?? "\(role.rawValue)-\(UUID().uuidString.prefix(6).lowercased())@example.org"
        let user = StaffUser(email: address, name: name ?? "Test \(role.rawValue.capitalized)", role: role,
                             passwordHash: try app.password.hash(password), slug: "s-\(UUID().uuidString.lowercased())",
                             createdAt: clock.now)
        try await user.create(on: app.db)
        return user
    }

    /// A client row written straight to the database (no booking, no emails).
    @discardableResult
    func addClient(name: String, email: String, dateOfBirth: String = "1990-01-01", programme: String = "adult",
                   guardian: (name: String, email: String)? = nil, createdAt: Date? = nil, on database: (any Database)? = nil) async throws -> ClientRecord {
        let client = ClientRecord()
        client.name = name
        client.email = email
        client.phone = "416-555-0100"
        client.dateOfBirth = dateOfBirth
        client.programme = programme
        client.guardianName = guardian?.name
        client.guardianEmail = guardian?.email
        client.slidingScalePercent = 0
        client.createdAt = createdAt ?? clock.now
        try await client.create(on: database ?? app.db)
        return client
    }

    /// Puts a clinician on a client's care team, as the director would when accepting the client; a
    /// practicum student's supervisor joins with them.
    func assignCareTeam(client clientID: UUID, treating clinician: StaffUser, role: CareTeamMember.Role = .treating) async throws {
        func add(_ staffID: UUID, _ role: CareTeamMember.Role) async throws {
            let member = CareTeamMember()
            member.$client.id = clientID
            member.$staff.id = staffID
            member.role = role
            member.reason = "Assigned in the test"
            member.startsAt = clock.now
            member.createdAt = clock.now
            try await member.create(on: app.db)
        }
        try await add(try clinician.requireID(), role)
        if role == .treating, clinician.role == StaffRole.student, let supervisor = clinician.$supervisor.id {
            try await add(supervisor, .supervisor)
        }
    }

    /// A browser that signed in as a new staff member of this role.
    func signedIn(as role: StaffRole) async throws -> (Browser, StaffUser) {
        let user = try await makeStaff(role)
        let browser = Browser(app: app)
        try await browser.signIn(email: user.email, password: "correct horse battery")
        return (browser, user)
    }
}

/// The project root, where Resources/ and Public/ are.
let projectRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}()

/// How many tests hold a PostgreSQL clinic at once. Swift Testing starts every test in parallel;
/// each app keeps a small pool (3 connections per event loop) and the concurrency tests open several
/// at once, so as the suite grew past 350 tests their sum went over the test server's 400
/// connections and tests failed at random with "too many clients". The harness bounds its own demand
/// instead of the server's limit being raised; waiting tests hold no connection.
actor ClinicSlots {
    static let postgres = ClinicSlots(permits: 32)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) {
        free = permits
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Makes a fresh app on a fresh database, runs the test and always shuts down. SQLite by default;
/// PostgreSQL (a schema of its own per test) when TEST_DATABASE_URL is set.
/// Two-factor sign-in is required by default in the product; most tests are about something else
/// and sign in with a password only, so they turn the clinic setting off unless they ask for it.
/// `trustProxy` makes the app read the visitor's address from X-Forwarded-For, so a test can sign in
/// from several addresses.
func withClinic(publicFormLimit: Int = 1_000, seedDemo: Bool = false, requireTwoFactor: Bool = false, trustProxy: Bool = false,
                masterKey: SymmetricKey = SymmetricKey(size: .bits256), instrumentFiles: [String: String] = [:],
                configure adjust: (inout Settings) -> Void = { _ in },
                _ test: (TestClinic) async throws -> Void) async throws {
    let clock = TestClock()
    let mail = RecordingMailTransport()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    if !instrumentFiles.isEmpty {
        // The clinic's own questionnaire definitions, where the app looks for them at start.
        try FileManager.default.createDirectory(atPath: directory + "/instruments", withIntermediateDirectories: true)
        for (name, text) in instrumentFiles { try text.write(toFile: directory + "/instruments/" + name, atomically: true, encoding: .utf8) }
    }
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    let database: Settings.DatabaseChoice
    if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
        database = .postgres(url: url, schema: schema)
        await ClinicSlots.postgres.acquire()
    } else {
        database = .sqliteFile(directory + "/clinic.sqlite")
    }
    var settings = Settings(
        database: database, dataDirectory: directory, resourceRoot: projectRoot, seedDemo: seedDemo, secureCookies: false,
        clock: clock.appClock, mailTransport: mail, runOutboxWorker: false, isTesting: true,
        publicBaseURL: "http://clinic.test", publicFormLimit: publicFormLimit)
        .withMasterKey(masterKey)
        .with(trustForwardedFor: trustProxy)
    adjust(&settings)
    let app: Application
    do {
        app = try await Application.make(.testing)
    } catch {
        if case .postgres = database { await ClinicSlots.postgres.release() }
        throw error
    }
    do {
        try await configure(app, settings: settings)
        if !requireTwoFactor {
            try await ClinicProfile.query(on: app.db).set(\.$requireTwoFactor, to: false).update()
            app.services.clinic.invalidate()
        }
        if seedDemo { try await seedDemoIfWanted(app, settings: settings) }
        try await test(TestClinic(app: app, clock: clock, mail: mail))
    } catch {
        await cleanUp(app, database: database, schema: schema, directory: directory)
        throw error
    }
    await cleanUp(app, database: database, schema: schema, directory: directory)
}

private func cleanUp(_ app: Application, database: Settings.DatabaseChoice, schema: String, directory: String) async {
    if case .postgres = database, let sql = app.db as? any SQLDatabase {
        try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    try? await app.asyncShutdown()
    try? FileManager.default.removeItem(atPath: directory)
    if case .postgres = database { await ClinicSlots.postgres.release() }
}

extension TestClinic {
    /// The key this clinic's audit chain is hashed with.
    func chainKey() async throws -> AuditChainKey {
        try await app.auditWriter.chainKeys.key(on: db)
    }

    /// The first break `audit verify` would report: the links, and the checkpoints in the data directory.
    func auditChainBreak() async throws -> AuditChainVerifier.Break? {
        try await AuditCheck.run(app, on: db).broken
    }
}

/// Several app instances on one fresh database, as a clinic running more than one app process
/// behind a load balancer has them: SQLite file or a PostgreSQL schema, as `withClinic` chooses.
func withInstances(_ count: Int, publicFormLimit: Int = 1_000,
                   _ test: (_ apps: [Application], _ clock: TestClock) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-instances-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let schema = "i_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    let database: Settings.DatabaseChoice
    if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
        database = .postgres(url: url, schema: schema)
        await ClinicSlots.postgres.acquire()
    } else {
        database = .sqliteFile(directory + "/clinic.sqlite")
    }
    let clock = TestClock()
    let settings = Settings(
        database: database, dataDirectory: directory, resourceRoot: projectRoot, seedDemo: false, secureCookies: false,
        clock: clock.appClock, mailTransport: RecordingMailTransport(), runOutboxWorker: false, isTesting: true,
        publicBaseURL: "http://clinic.test", publicFormLimit: publicFormLimit).withMasterKey(SymmetricKey(size: .bits256))
    var apps: [Application] = []
    func tearDown() async {
        if case .postgres = database, let sql = apps.first?.db as? any SQLDatabase {
            try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        }
        for app in apps { try? await app.asyncShutdown() }
        try? FileManager.default.removeItem(atPath: directory)
        if case .postgres = database { await ClinicSlots.postgres.release() }
    }
    do {
        // One after another: starting together is StartupTests' subject.
        for _ in 0..<count {
            let app = try await Application.make(.testing)
            apps.append(app)
            try await configure(app, settings: settings)
        }
        try await test(apps, clock)
    } catch {
        await tearDown()
        throw error
    }
    await tearDown()
}

extension TestClinic {
    /// Reverts a migration that widens indexes and applies it again, on both engines. On one
    /// connection: another SQLite connection's cached schema could still hold an index the revert
    /// dropped and refuse to create it again. On SQLite each index is checked to hold its old
    /// columns in between and its widened ones at the end.
    func revertAndApplyAgain(_ migration: some AsyncMigration, widening indexes: [WidenedIndex]) async throws {
        try await db.withConnection { db in
            func columns(_ name: String) async throws -> Int? {
                guard DatabaseEngine(of: db) == .sqlite else { return nil }
                return try await (db as! any SQLDatabase).raw("PRAGMA index_info(\(unsafeRaw: name))").all().count
            }
            try await migration.revert(on: db)
            for index in indexes {
                if let count = try await columns(index.name) { #expect(count == index.before.count, "\(index.name) back to \(index.before)") }
            }
            try await migration.prepare(on: db)
            for index in indexes {
                if let count = try await columns(index.name) { #expect(count == index.after.count, "\(index.name) widened again") }
            }
        }
    }
}
