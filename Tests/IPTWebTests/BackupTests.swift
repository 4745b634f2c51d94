import Crypto
import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import NIOConcurrencyHelpers
import Testing
import Vapor

/// The restore drill: a backup taken while the clinic writes, restored into an empty data
/// directory and started with the same master key, holds every write acknowledged before the
/// backup began, an intact audit chain, and sealed text that still opens. SQLite only: a clinic on
/// PostgreSQL backs up with pg_dump, and the command says so.
@Suite struct BackupTests {
    static var onSQLite: Bool { (ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] ?? "").isEmpty }

    @Test(.enabled(if: onSQLite)) func a_backup_taken_while_the_clinic_writes_restores_with_every_acknowledged_write() async throws {
        let key = SymmetricKey(size: .bits256)
        let backups = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-backups-\(UUID().uuidString)").path
        let restoredDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-restored-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: backups)
            try? FileManager.default.removeItem(atPath: restoredDirectory)
        }
        var report: Backup.Report?
        var acknowledgedBefore: [String] = []
        try await withClinic(masterKey: key) { clinic in
            try await ContactTests.sendEnquiry(from: Browser(app: clinic.app))
            let acknowledged = NIOLockedValueBox<[String]>([])
            // Audited writes keep going while the copy is taken.
            let writer = Task {
                for index in 0..<120 {
                    let marker = "drill-\(index)"
                    try await clinic.app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "drill", action: .view, recordType: "drill",
                                                                       recordID: marker, subject: nil, requestID: nil, detail: nil))
                    acknowledged.withLockedValue { $0.append(marker) }
                }
            }
            while acknowledged.withLockedValue({ $0.count }) < 30 { try await Task.sleep(for: .milliseconds(2)) }
            acknowledgedBefore = acknowledged.withLockedValue { $0 }
            report = try await Backup.take(clinic.app, settings: clinic.app.services.settings, into: backups, at: clinic.clock.now)
            try await writer.value
        }
        let backup = try #require(report)
        #expect(backup.file.hasSuffix(".sqlite") && URL(fileURLWithPath: backup.file).lastPathComponent.hasPrefix("clinic-"))
        #expect(FileManager.default.fileExists(atPath: backup.file + ".sha256"))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: backups)).contains { $0.contains("key") }, "no key beside the backup")

        let target = restoredDirectory + "/clinic.sqlite"
        try Backup.restore(from: backup.file, to: target)
        #expect(throws: CommandFailure.self, "never over an existing database") { try Backup.restore(from: backup.file, to: target) }

        try await withRestoredClinic(file: target, directory: restoredDirectory, key: key) { app in
            let markers = Set(try await AuditEvent.query(on: app.db).filter(\.$recordType == "drill").all().compactMap(\.recordID))
            #expect(markers.isSuperset(of: acknowledgedBefore), "every write acknowledged before the backup is in it")
            #expect(try await AuditCheck.run(app, on: app.db).isIntact)
            let enquiry = try #require(try await Enquiry.query(on: app.db).first())
            #expect(try app.services.keyRing.open(enquiry.message, Enquiry.messageContext(enquiry.requireID())) == ContactTests.validForm["message"])
        }
    }

    @Test(.enabled(if: onSQLite)) func a_backup_that_changed_after_it_was_taken_is_refused() async throws {
        let backups = FileManager.default.temporaryDirectory.appendingPathComponent("ipt-backups-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: backups) }
        var file = ""
        try await withClinic { clinic in
            file = try await Backup.take(clinic.app, settings: clinic.app.services.settings, into: backups, at: clinic.clock.now).file
            await #expect(throws: Backup.Failure.self, "one backup per moment; the first is not overwritten") {
                try await Backup.take(clinic.app, settings: clinic.app.services.settings, into: backups, at: clinic.clock.now)
            }
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let target = backups + "/restored/clinic.sqlite"
        #expect(throws: CommandFailure.self) { try Backup.restore(from: file, to: target) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    /// Starts an app on a restored database file, as `iptclinic serve` would with the same key.
    private func withRestoredClinic(file: String, directory: String, key: SymmetricKey, _ body: (Application) async throws -> Void) async throws {
        let settings = Settings(
            database: .sqliteFile(file), dataDirectory: directory, resourceRoot: projectRoot, seedDemo: false, secureCookies: false,
            clock: TestClock().appClock, mailTransport: RecordingMailTransport(), runOutboxWorker: false, isTesting: true,
            publicBaseURL: "http://clinic.test", publicFormLimit: 1_000).withMasterKey(key)
        let app = try await Application.make(.testing)
        do {
            try await configure(app, settings: settings)
            try await body(app)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

@Suite struct RestoreTargetTests {
    @Test func restore_refuses_a_directory_holding_a_leftover_write_ahead_log() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("restore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/backup.sqlite"
        try Data("not really a database".utf8).write(to: URL(fileURLWithPath: source))
        let target = directory + "/data/clinic.sqlite"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try Data("old wal".utf8).write(to: URL(fileURLWithPath: target + "-wal"))
        #expect(throws: CommandFailure.self) { try Backup.restore(from: source, to: target) }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing restored beside the old log")
    }

    @Test func a_file_is_hashed_and_copied_a_piece_at_a_time_exactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Three whole pieces and a bit, so the pieces' edges are crossed; and an empty file.
        var generator = SystemRandomNumberGenerator()
        let content = Data((0..<(3 * FileDigest.pieceSize + 5)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for (name, data) in [("big", content), ("empty", Data())] {
            let source = directory + "/\(name)", copy = directory + "/\(name)-copy"
            try data.write(to: URL(fileURLWithPath: source))
            let digest = try FileDigest.sha256(of: source, copyingTo: copy)
            #expect(digest.hex == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(), "\(name)")
            #expect(digest.bytes == data.count)
            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == data, "the copy is the file, byte for byte")
            let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
            #expect(mode == 0o600, "the copy is the clinic's user's alone")
        }
    }

    @Test func a_backup_without_its_sha256_restores_and_says_so_and_a_wrong_one_leaves_nothing_behind() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("restore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/backup.sqlite"
        try Data("a copied database".utf8).write(to: URL(fileURLWithPath: source))
        let target = directory + "/data/clinic.sqlite"
        #expect(try Backup.restore(from: source, to: target) == false, "no checksum to compare")
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("a copied database".utf8))
        let other = directory + "/other/clinic.sqlite"
        try "0000  backup.sqlite\n".write(toFile: source + ".sha256", atomically: true, encoding: .utf8)
        #expect(throws: CommandFailure.self) { try Backup.restore(from: source, to: other) }
        #expect(!FileManager.default.fileExists(atPath: other) && !FileManager.default.fileExists(atPath: other + ".restoring"),
                "neither the database nor a half copy is left")
        // A .sha256 that is there but empty or garbled is refused, not taken for a missing one.
        for garbled in ["", "not a digest  backup.sqlite\n"] {
            try garbled.write(toFile: source + ".sha256", atomically: true, encoding: .utf8)
            #expect(throws: CommandFailure.self) { try Backup.restore(from: source, to: directory + "/garbled/clinic.sqlite") }
            #expect(!FileManager.default.fileExists(atPath: directory + "/garbled/clinic.sqlite"))
        }
    }
}
