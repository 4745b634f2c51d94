import Foundation
import Logging
import NIOCore
import NIOPosix
import Vapor

/// Starts the app for the `iptclinic` executable.
public enum ClinicEntry {
    /// Sets up the threads the app runs on. Synchronous, and called by the executable's `main`
    /// before its first `await`, so that it runs on the main thread before any async work, as NIO
    /// requires (an `async` function here would already run on Swift's thread pool).
    public static func prepareThreads() {
        // The blocking pool runs every SQLite statement, password hashing and file writes. NIO sizes
        // it to the core count (2 here), so one fsync or one bcrypt check (a quarter of a second)
        // held up half of all database access; its threads mostly wait, so more of them cost little.
        // An explicit NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT still wins.
        if ProcessInfo.processInfo.environment["NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"] == nil {
            NIOSingletons.blockingPoolThreadCountSuggestion = max(16, System.coreCount * 4)
        }
        // Async handlers then run on the event loop threads that did the I/O, instead of hopping to
        // Swift's own thread pool and back for every request and every database answer: measured in
        // docs/PERFORMANCE.md.
        if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            FileHandle.standardError.write(Data("iptclinic: could not run async work on NIO's event loops; continuing on Swift's thread pool (slower)\n".utf8))
        }
    }

    /// The value after `name` (`--from FILE` or `--from=FILE`), read before Vapor parses the command.
    static func option(_ name: String, in arguments: [String]) -> String? {
        if let index = arguments.firstIndex(of: name), arguments.indices.contains(index + 1) { return arguments[index + 1] }
        return arguments.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    public static func run() async throws {
        var environment = try Environment.detect()
        if JSONLogHandler.wanted(arguments: &environment.arguments, environment: ProcessInfo.processInfo.environment) {
            try LoggingSystem.bootstrap(from: &environment) { level in { label in JSONLogHandler(label: label, level: level) } }
        } else {
            try LoggingSystem.bootstrap(from: &environment)
        }
        let app = try await Application.make(environment)
        let command = environment.arguments.dropFirst().first { !$0.hasPrefix("-") }
        let isServe = command == nil || command == "serve"
        do {
            let resourceRoot = Environment.get("IPT_RESOURCE_ROOT") ?? DirectoryConfiguration.detect().workingDirectory
            var settings = try Settings.fromEnvironment(environment, resourceRoot: resourceRoot)
            // `migrate` runs Fluent's own command (it asks before changing anything); every other command
            // brings the schema up to date first so it works on a fresh database.
            // `audit verify` and `backup` only read: they take the database as it is and never change
            // the schema; `restore` checks the restored copy as it was backed up.
            settings.migrateOnBoot = !["migrate", "routes", "audit", "backup", "restore"].contains(command ?? "serve")
            if command == "restore" {
                // Before the app opens (and so creates) the database file it is about to restore.
                guard case let .sqliteFile(path) = settings.database else { throw Backup.Failure.notSQLite }
                guard let source = Self.option("--from", in: environment.arguments) else {
                    throw CommandFailure("Say which backup to restore: --from FILE.")
                }
                if try !Backup.restore(from: source, to: path) {
                    FileHandle.standardOutput.write(Data("No .sha256 beside \(source): restored without a checksum to compare; the integrity check and the audit chain below vouch for it.\n".utf8))
                }
            }
            settings.runOutboxWorker = isServe
            try await configure(app, settings: settings)
            if isServe {
                try await seedDemoIfWanted(app, settings: settings)
            }
            try await app.execute()
        } catch {
            // A failed command is reported in one line and a non-zero exit, not a crash backtrace.
            let message = StartupProblem.explain(error, databaseURL: Environment.get("DATABASE_URL"))
            FileHandle.standardError.write(Data("iptclinic: \(message)\n".utf8))
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
