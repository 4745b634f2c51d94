import IPTWeb

/// The executable. A `@main` type rather than top-level code: in top-level code the compiler picked
/// Fluent's EventLoopFuture overloads and migrations raced the first queries.
@main
enum IPTClinic {
    static func main() async throws {
        ClinicEntry.prepareThreads()
        try await ClinicEntry.run()
    }
}
