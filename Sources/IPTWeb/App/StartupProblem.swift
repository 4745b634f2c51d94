import Foundation
import PostgresNIO

/// Words an operator can act on when the app cannot start. PostgresNIO deliberately describes its
/// errors as "Generic description to prevent accidental leakage", which is right for logs a
/// client could see but tells the person at the console nothing; this reads the error's code, the
/// server's SQLSTATE and the connection failure instead, and names the host and database from
/// DATABASE_URL, never the user's password.
enum StartupProblem {
    static func explain(_ error: any Error, databaseURL: String?) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        let place = where_(databaseURL)
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            switch state {
            case "28P01", "28000":
                return "PostgreSQL\(place) refused the user name or password in DATABASE_URL (authentication failed, SQLSTATE \(state))."
            case "3D000":
                return "The database named in DATABASE_URL does not exist on PostgreSQL\(place): create it (createdb) or correct the name."
            case "42501":
                return "The user in DATABASE_URL may not do what the app needs on PostgreSQL\(place) (permission denied): it must own the database or schema."
            case "57P03":
                return "PostgreSQL\(place) is starting up or shutting down; try again in a moment."
            case "53300":
                return "PostgreSQL\(place) has no connection free (too many clients); lower the instances' pools or raise max_connections."
            default:
                return "PostgreSQL\(place) answered with an error (SQLSTATE \(state.isEmpty ? "unknown" : state)) while the app was starting."
            }
        case .connectionError:
            let cause = error.underlying.map { String(describing: $0) } ?? ""
            if cause.localizedCaseInsensitiveContains("refused") {
                return "Nothing answers\(place) (connection refused): is PostgreSQL running there, and are the host and port in DATABASE_URL right?"
            }
            if cause.localizedCaseInsensitiveContains("timed out") || cause.localizedCaseInsensitiveContains("timeout") {
                return "No answer from PostgreSQL\(place) in time: a firewall, or the wrong host in DATABASE_URL?"
            }
            if cause.localizedCaseInsensitiveContains("resolve") || cause.localizedCaseInsensitiveContains("host") {
                return "The host in DATABASE_URL\(place) cannot be found (name resolution failed)."
            }
            return "The app cannot connect to PostgreSQL\(place); check that it runs and that DATABASE_URL points at it."
        case .sslUnsupported:
            return "PostgreSQL\(place) does not offer TLS, which DATABASE_URL asks for."
        case .serverClosedConnection, .uncleanShutdown:
            return "PostgreSQL\(place) closed the connection while the app was starting (a restart, or a proxy in between?)."
        default:
            return "PostgreSQL\(place) could not be used while the app was starting (\(error.code))."
        }
    }

    /// " at host:port, database name", from the URL without its credentials.
    private static func where_(_ url: String?) -> String {
        guard let url, let parts = URLComponents(string: url), let host = parts.host else { return "" }
        let database = parts.path.split(separator: "/").first.map { ", database \($0)" } ?? ""
        return " at \(host):\(parts.port ?? 5432)\(database)"
    }
}
