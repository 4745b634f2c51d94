import Foundation
import Logging
import Vapor

extension ClinicEntry {
    /// The ScaleClinic executable: `--clients N` (default 100,000). The database comes from the same
    /// settings as `iptclinic` (IPT_DATA_DIR, DATABASE_URL, DATABASE_SCHEMA, the master key).
    public static func generateScaleClinic(arguments: [String] = CommandLine.arguments) async throws {
        // The size is always given: a stray `--help` once started filling the working directory's
        // data folder with a 100,000-client clinic.
        guard let clients = option("--clients", in: arguments).flatMap(Int.init), clients > 0, arguments.count == 3 else {
            print("""
                Usage: ScaleClinic --clients N
                Fills an empty database (IPT_DATA_DIR, or DATABASE_URL and DATABASE_SCHEMA) with a fictional clinic of N
                clients, for scripts/bench-scale. Benchmarks only: never point it at a clinic's own database.
                """)
            exit(arguments.contains("--help") ? 0 : 2)
        }
        var environment = Environment(name: "production", arguments: [arguments.first ?? "ScaleClinic"])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        do {
            let resourceRoot = Environment.get("IPT_RESOURCE_ROOT") ?? DirectoryConfiguration.detect().workingDirectory
            var settings = try Settings.fromEnvironment(environment, resourceRoot: resourceRoot)
            settings.runOutboxWorker = false
            try await configure(app, settings: settings)
            let started = ContinuousClock.now
            print("ScaleClinic: generating a clinic of \(clients) clients")
            try await ScaleClinic.generate(ScaleClinic.Size(clients: clients), app: app)
            print("ScaleClinic: done in \(ContinuousClock.now - started)")
        } catch {
            FileHandle.standardError.write(Data("ScaleClinic: \(String(reflecting: error))\n".utf8))
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
