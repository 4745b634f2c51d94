import Foundation
@testable import IPTWeb
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// The start-up error an operator reads, from real PostgresNIO failures.
@Suite struct StartupProblemTests {
    static func connect(host: String, port: Int, user: String, password: String, database: String) async -> any Error {
        let config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        do {
            let connection = try await PostgresConnection.connect(configuration: config, id: 1, logger: Logger(label: "test"))
            try await connection.close()
            return CancellationError()
        } catch {
            return error
        }
    }

    @Test func nothing_listening_is_said_to_be_a_refused_connection_with_the_address_and_no_password() async {
        let error = await Self.connect(host: "127.0.0.1", port: 1, user: "ipt", password: "s3cret-pass", database: "clinic")
        #expect(String(describing: error).contains("Generic description"), "PostgresNIO alone says nothing useful")
        let message = StartupProblem.explain(error, databaseURL: "postgres://ipt:s3cret-pass@127.0.0.1:1/clinic")
        #expect(message.contains("connection refused") && message.contains("127.0.0.1:1, database clinic"))
        #expect(!message.contains("s3cret-pass"))
    }

    @Test func a_missing_database_is_named_as_such() async throws {
        guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], let parts = URLComponents(string: url),
              let host = parts.host else { return } // needs a PostgreSQL server: runs in the PostgreSQL pass
        let error = await Self.connect(host: host, port: parts.port ?? 5432, user: parts.user ?? "", password: parts.password ?? "",
                                       database: "no_such_database_\(UUID().uuidString.prefix(6).lowercased())")
        let message = StartupProblem.explain(error, databaseURL: url)
        #expect(message.contains("does not exist") && message.contains("createdb"))
    }
}
