import Foundation
import IPTWeb
import Vapor

/// Benchmark only (scripts/bench-scale): fills an empty database with a fictional large clinic.
///
///     ScaleClinic --clients 100000            # IPT_DATA_DIR, or DATABASE_URL (+ DATABASE_SCHEMA)
///
/// The database is chosen as for `iptclinic` (the same settings), migrated by the app's own
/// migrations, and filled by IPTWeb's ScaleClinic.generate.
@main
struct ScaleClinicMain {
    static func main() async throws {
        ClinicEntry.prepareThreads()
        try await ClinicEntry.generateScaleClinic()
    }
}
