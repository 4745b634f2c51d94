import Foundation
import Logging
import Vapor

extension ClinicEntry {
    /// The ScaleClinic executable: `--clients N` (default 100,000). The database comes from the same
    /// settings as `iptclinic` (IPT_DATA_DIR, DATABASE_URL, DATABASE_SCHEMA, the master key).
    public static func generateScaleClinic(arguments: [String] = CommandLine.arguments) async throws {
        let clients = option("--clients", in: arguments).flatMap(Int.init) ?? 100_000
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
