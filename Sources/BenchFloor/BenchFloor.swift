import Foundation
import Vapor

/// The framework's floor for the load benchmark: one route returning fixed bytes with no
/// middleware, no database and no rendering. It lives in its own executable so the product
/// carries no such route. Usage: BenchFloor serve --port P with BENCH_FLOOR_FILE=path.
@main
struct BenchFloor {
    static func main() async throws {
        var environment = try Environment.detect()
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        let path = Environment.get("BENCH_FLOOR_FILE") ?? "index.html"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        app.middleware = Middlewares()
        app.get { _ -> Response in
            var headers = HTTPHeaders()
            headers.contentType = .html
            return Response(status: .ok, headers: headers, body: .init(data: bytes))
        }
        do {
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
