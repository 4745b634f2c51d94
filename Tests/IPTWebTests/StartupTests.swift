import Crypto
import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor

/// Several instances started at the same moment on one empty database, as a clinic running more
/// than one app process does after an upgrade: each must start, and the schema, the first rows,
/// the data key and the demo clinic must exist once.
@Suite struct StartupTests {
    @Test func three_instances_started_together_on_an_empty_database_all_start_and_set_it_up_once() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-start-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = "s_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let database: Settings.DatabaseChoice
        if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
            database = .postgres(url: url, schema: schema)
            await ClinicSlots.postgres.acquire()
        } else {
            database = .sqliteFile(directory + "/clinic.sqlite")
        }
        let key = SymmetricKey(size: .bits256)
        let clock = TestClock()
        let settings = Settings(
            database: database, dataDirectory: directory, resourceRoot: projectRoot, seedDemo: true, secureCookies: false,
            clock: clock.appClock, mailTransport: RecordingMailTransport(), runOutboxWorker: false, isTesting: true,
            publicBaseURL: "http://clinic.test", publicFormLimit: 1_000).withMasterKey(key)
        var apps: [Application] = []
        for _ in 0..<3 { apps.append(try await Application.make(.testing)) }
        do {
            try await startTogether(apps, settings: settings)
        } catch {
            await tearDown(apps, database: database, schema: schema)
            throw error
        }
        await tearDown(apps, database: database, schema: schema)
    }

    private func startTogether(_ apps: [Application], settings: Settings) async throws {
        let started = try await withThrowingTaskGroup(of: Bool.self) { group in
            for app in apps {
                group.addTask {
                    try await configure(app, settings: settings)
                    try await seedDemoIfWanted(app, settings: settings)
                    return true
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(started == 3)
        let db = apps[0].db
        let logged = try await MigrationLog.query(on: db).all().map(\.name)
        #expect(logged.count == Migrations.all.count && Set(logged).count == logged.count, "each migration ran once")
        #expect(try await DataKey.query(on: db).filter(\.$id != AuditChainKey.rowID).count() == 1, "one data key, not one per instance")
        #expect(try await DataKey.query(on: db).filter(\.$id == AuditChainKey.rowID).count() == 1, "one audit chain key")
        // Every instance hashes the chain with the one stored key.
        var chainKeys: Set<String> = []
        for app in apps { chainKeys.insert(try await app.auditWriter.chainKeys.key(on: db).hash("same message")) }
        #expect(chainKeys.count == 1)
        #expect(try await ClinicalSettingsRow.query(on: db).count() == 1)
        #expect(try await StaffUser.query(on: db).count() == DemoClinic.people.count, "the demo clinic was seeded once")
        // Every instance reads what the others wrote with the same key ring.
        let rings = apps.map(\.services.keyRing.activeKeyID)
        #expect(Set(rings).count == 1 && !rings[0].isEmpty)
    }

    private func tearDown(_ apps: [Application], database: Settings.DatabaseChoice, schema: String) async {
        if case .postgres = database, let sql = apps[0].db as? any SQLDatabase {
            try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        }
        for app in apps { try? await app.asyncShutdown() }
        if case .postgres = database { await ClinicSlots.postgres.release() }
    }

    @Test func the_start_up_lock_key_is_stable_and_differs_by_schema() {
        #expect(StartupLock.advisoryKey(schema: nil) == StartupLock.advisoryKey(schema: nil))
        #expect(StartupLock.advisoryKey(schema: nil) == StartupLock.advisoryKey(schema: "public"))
        #expect(StartupLock.advisoryKey(schema: "a") != StartupLock.advisoryKey(schema: "b"))
    }
}
