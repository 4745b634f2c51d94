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

    public static func run() async throws {
        var environment = try Environment.detect()
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        let command = environment.arguments.dropFirst().first { !$0.hasPrefix("-") }
        let isServe = command == nil || command == "serve"
        do {
            let resourceRoot = Environment.get("IPT_RESOURCE_ROOT") ?? DirectoryConfiguration.detect().workingDirectory
            var settings = try Settings.fromEnvironment(environment, resourceRoot: resourceRoot)
            // `migrate` runs Fluent's own command (it asks before changing anything); every other command
            // brings the schema up to date first so it works on a fresh database.
            // `audit verify` only reads: it checks the trail as it is and never changes the schema.
            settings.migrateOnBoot = !["migrate", "routes", "audit"].contains(command ?? "serve")
            settings.runOutboxWorker = isServe
            try await configure(app, settings: settings)
            if isServe {
                try await seedDemoIfWanted(app, settings: settings)
            }
            try await app.execute()
        } catch {
            // A failed command is reported in one line and a non-zero exit, not a crash backtrace.
            FileHandle.standardError.write(Data("iptclinic: \(String(describing: error))\n".utf8))
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
