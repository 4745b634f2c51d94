import Crypto
import Fluent
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

/// Backups of the clinic's SQLite database that are known to restore: a consistent copy taken
/// while the clinic runs (`VACUUM INTO` reads one snapshot, so writes going on meanwhile are either
/// wholly in the copy or wholly not), checked (SQLite's integrity check and the audit chain, on the
/// copy), named by its time, with a SHA-256 beside it. The master key is never in a backup: a
/// stolen backup without the key opens no sealed record.
enum Backup {
    struct Report: Sendable {
        var file: String
        var bytes: Int
        var sha256: String
        var auditRows: Int
    }

    enum Failure: Error, CustomStringConvertible {
        case notSQLite
        case exists(String)
        case damaged(String)

        var description: String {
            switch self {
            case .notSQLite: "This clinic runs on PostgreSQL: back it up with pg_dump (see docs/OPERATIONS.md)."
            case let .exists(path): "\(path) already exists; nothing was overwritten."
            case let .damaged(reason): "The copy failed its check (\(reason)); it was removed. The clinic's database was not changed."
            }
        }
    }

    /// `clinic-20261204T191500Z.sqlite`: sorts by time, and says it is UTC.
    static func fileName(at time: Date) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "clinic-\(format.string(from: time)).sqlite"
    }

    /// Copies the running clinic's database into `directory` and checks the copy.
    static func take(_ app: Application, settings: Settings, into directory: String, at time: Date) async throws -> Report {
        guard case let .sqliteFile(path) = settings.database, let sql = app.db as? any SQLDatabase else { throw Failure.notSQLite }
        guard try await hasClinic(sql) else {
            throw CommandFailure("\(path) holds no clinic yet (no tables). Start the clinic once, or point IPT_DATA_DIR at the right directory.")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = URL(fileURLWithPath: directory).appendingPathComponent(fileName(at: time)).path
        guard !FileManager.default.fileExists(atPath: target) else { throw Failure.exists(target) }
        try await sql.raw("VACUUM INTO \(bind: target)").run()
        do {
            // Readable by the clinic's user only, as the database itself is.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
            let rows = try await check(app, file: target)
            let digest = try FileDigest.sha256(of: target)
            try "\(digest.hex)  \(URL(fileURLWithPath: target).lastPathComponent)\n".write(toFile: target + ".sha256", atomically: true, encoding: .utf8)
            return Report(file: target, bytes: digest.bytes, sha256: digest.hex, auditRows: rows)
        } catch {
            try? FileManager.default.removeItem(atPath: target)
            throw error
        }
    }

    /// Whether the migrations have ever run here: an empty file is not a clinic to back up.
    static func hasClinic(_ sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_fluent_migrations'").first() != nil
    }

    /// SQLite's integrity check and the audit chain on a database file; the number of audit rows.
    static func check(_ app: Application, file: String) async throws -> Int {
        let id = DatabaseID(string: "backup-check-\(UUID().uuidString)")
        app.databases.use(.sqlite(.file(file), sqlLogLevel: nil), as: id, isDefault: false)
        let database = app.db(id)
        guard let sql = database as? any SQLDatabase else { throw Failure.damaged("not an SQLite file") }
        let integrity = try await sql.raw("PRAGMA integrity_check").first().flatMap { try? $0.decode(column: "integrity_check", as: String.self) }
        guard integrity == "ok" else { throw Failure.damaged("integrity check: \(integrity ?? "no answer")") }
        // The copy's own key (the same master key opens it); not the checkpoints, which are newer.
        let key = try await app.auditWriter.chainKeys.storedKey(on: database)
        if let broken = try await AuditVerification.firstBreak(on: database, key: key) {
            throw Failure.damaged("audit chain broken at row \(broken.sequence): \(broken.reason)")
        }
        return try await AuditEvent.query(on: database).count()
    }

    /// Puts a backup in place as the clinic's database. Refuses when a database is already there,
    /// and when the SHA-256 beside the backup does not match. Runs before the app opens its database.
    /// Returns whether a SHA-256 was there to check; without one, `RestoreCommand`'s integrity check
    /// and audit chain are what vouch for the file.
    @discardableResult
    static func restore(from source: String, to target: String) throws -> Bool {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CommandFailure("No backup file at \(source): give the .sqlite file that `iptclinic backup` wrote.")
        }
        guard !files.fileExists(atPath: target) else {
            throw CommandFailure("A database already exists at \(target); restore only into an empty data directory. Nothing was changed.")
        }
        // A journal left beside the target (the database file deleted, its -wal kept) would be replayed
        // onto the restored copy by SQLite at the first open and corrupt it.
        for leftover in [target + "-wal", target + "-shm", target + "-journal"] where files.fileExists(atPath: leftover) {
            throw CommandFailure("\(leftover) is left from an earlier database; SQLite would replay it onto the restored copy. Move it away and restore into an empty data directory. Nothing was changed.")
        }
        // A .sha256 that is there but cannot be read as one is refused, not taken for a missing one.
        var recorded: String?
        if files.fileExists(atPath: source + ".sha256") {
            let text = try? String(contentsOfFile: source + ".sha256", encoding: .utf8)
            guard let digest = text?.split(whereSeparator: \.isWhitespace).first.map(String.init),
                  digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw CommandFailure("\(source).sha256 is there but holds no SHA-256 to compare. Nothing was restored.")
            }
            recorded = digest.lowercased()
        }
        try files.createDirectory(atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path, withIntermediateDirectories: true)
        // Copied beside the target and renamed, so a half-copied file is never taken for the
        // database; hashed as it is copied, so a large clinic's file is read once and never held
        // in memory whole.
        let partial = target + ".restoring"
        try? files.removeItem(atPath: partial)
        do {
            let copied = try FileDigest.sha256(of: source, copyingTo: partial)
            if let recorded, recorded != copied.hex {
                throw CommandFailure("\(source) does not match its .sha256: the file changed since the backup. Nothing was restored.")
            }
            try files.moveItem(atPath: partial, toPath: target)
        } catch {
            try? files.removeItem(atPath: partial)
            throw error
        }
        return recorded != nil
    }
}

/// The SHA-256 of a file read a mebibyte at a time, and optionally a copy of it written as it is
/// read: a large clinic's database (12 GiB at 100,000 clients) is never held in memory at once.
enum FileDigest {
    static let pieceSize = 1 << 20

    static func sha256(of path: String, copyingTo copy: String? = nil) throws -> (hex: String, bytes: Int) {
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? input.close() }
        var output: FileHandle?
        if let copy {
            // Readable by the clinic's own user only: the database holds everything the clinic keeps.
            guard FileManager.default.createFile(atPath: copy, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("Could not create \(copy): check the data directory's permissions.")
            }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        }
        defer { try? output?.close() }
        var hasher = SHA256()
        var bytes = 0
        while let piece = try input.read(upToCount: pieceSize), !piece.isEmpty {
            hasher.update(data: piece)
            try output?.write(contentsOf: piece)
            bytes += piece.count
        }
        try output?.synchronize()
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), bytes)
    }
}

/// `iptclinic backup --to DIR`.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "to", help: "The directory to write the backup into (created if missing).")
        var to: String?
    }

    var help: String { "Copies the clinic's database while it runs, checks the copy, and names it by time (never the master key)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let settings = app.services.settings
        guard case .sqliteFile = settings.database else {
            guard let sql = app.db as? any SQLDatabase else { throw Backup.Failure.notSQLite }
            _ = try await sql.raw("SELECT 1 AS reachable").first()
            context.console.output("""
            This clinic runs on PostgreSQL, and the server answers. Back it up with PostgreSQL's own tools, for example:
                pg_dump --format=custom --file=clinic-$(date -u +%Y%m%dT%H%M%SZ).dump "$DATABASE_URL"
            and restore with pg_restore into an empty database. docs/OPERATIONS.md has a nightly schedule.
            """)
            return
        }
        guard let directory = signature.to, !directory.isEmpty else { throw CommandFailure("Say where to write the backup: --to DIRECTORY.") }
        let report = try await Backup.take(app, settings: settings, into: directory, at: settings.clock.now())
        try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "command line", action: .export, recordType: "backup",
                                                    recordID: nil, subject: nil, requestID: nil, detail: URL(fileURLWithPath: report.file).lastPathComponent))
        context.console.output("""
        Backup written and checked: \(report.file)
          \(String(report.bytes)) bytes, SHA-256 \(report.sha256)
          integrity check ok; audit chain intact (\(String(report.auditRows)) rows)
        The master key is not in the backup. Keep it somewhere else: without it the backup opens no sealed record.
        """)
    }
}

/// `iptclinic restore --from FILE`: the copy happens in Entry before the database opens; this
/// checks the restored database and says what to do next.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "The backup file to restore.")
        var from: String?
    }

    var help: String { "Restores a backup into an empty data directory, then checks it." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard case let .sqliteFile(path) = app.services.settings.database else { throw Backup.Failure.notSQLite }
        let rows: Int
        do {
            rows = try await Backup.check(app, file: path)
        } catch {
            // Not left in place as the clinic's database: the clinic must not start on a copy that
            // failed its check.
            let aside = path + ".failed-check"
            try? FileManager.default.moveItem(atPath: path, toPath: aside)
            throw CommandFailure("The restored copy failed its check (\(error)); it was moved to \(aside) and the clinic will not start on it.")
        }
        context.console.output("""
        Restored into \(path): integrity check ok; audit chain intact (\(String(rows)) rows).
        Start the clinic with the same master key (IPT_MASTER_KEY or IPT_MASTER_KEY_FILE) as when the backup was taken.
        """)
    }
}
