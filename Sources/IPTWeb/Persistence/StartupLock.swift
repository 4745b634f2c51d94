import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// Start-up work that must happen once however many instances start together: creating the schema,
/// the migrations, the clinic's first rows, the data keys and the demo seed. Two instances started
/// at the same moment on a fresh PostgreSQL database both ran the migrations and the second died on
/// a duplicate key in pg_type; with the lock the second waits, then finds nothing left to do.
///
/// PostgreSQL: a session advisory lock, held on one pooled connection while the work runs on others,
/// keyed by the schema so separate clinics (and the test suite's schemas) do not wait for each other.
/// SQLite: an exclusive lock on a file beside the database, for instances sharing one data directory.
enum StartupLock {
    static func run<T: Sendable>(_ app: Application, settings: Settings, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        switch settings.database {
        case .postgres(_, let schema):
            return try await withAdvisoryLock(app, key: advisoryKey(schema: schema), work)
        case .sqliteFile(let path):
            return try await withFileLock(path + ".startup-lock", work)
        case .sqliteMemory:
            return try await work()
        }
    }

    /// A stable 64-bit key from the schema's name (the public schema when none is set).
    static func advisoryKey(schema: String?) -> Int64 {
        let digest = SHA256.hash(data: Data("iptclinic start-up \(schema ?? "public")".utf8))
        return digest.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
    }

    private static func withAdvisoryLock<T: Sendable>(_ app: Application, key: Int64,
                                                      _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let sql = app.db as? any SQLDatabase else { return try await work() }
        return try await sql.withSession { session in
            try await session.raw("SELECT pg_advisory_lock(\(bind: key))").run()
            do {
                let result = try await work()
                try await session.raw("SELECT pg_advisory_unlock(\(bind: key))").run()
                return result
            } catch {
                // The lock also ends with the session; unlocking here lets the next instance go on now.
                try? await session.raw("SELECT pg_advisory_unlock(\(bind: key))").run()
                throw error
            }
        }
    }

    private static func withFileLock<T: Sendable>(_ path: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ConfigurationError("Could not open the start-up lock file \(path): \(String(cString: strerror(errno))).") }
        defer { close(descriptor) }
        // Tried without blocking and retried after a pause: a blocking flock would hold one of
        // the few threads async work runs on, and the instance holding the lock may need it.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw ConfigurationError("Could not lock \(path): \(String(cString: strerror(errno))).")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        defer { flock(descriptor, LOCK_UN) }
        return try await work()
    }
}
