import Fluent
import Foundation
import IPTCore
import SQLKit

/// The client search's reads: matching clients, kept to a set of ids when the person may only see
/// some, and each match's next booked appointment.
enum ClientSearchQueries {
    /// Up to `limit` clients matching the query, by name; `among` nil means the whole clinic. Each
    /// engine answers a part of a name, an address or a number through its own substring index
    /// (M065), so a search reads the matches, not the clinic.
    ///
    /// On a pooled connection from the start, as `RowReader.long` reads: a common surname matches
    /// thousands of clients at a large clinic, which are looked up and sorted before the first few
    /// are kept (5 to 7 ms at 100,000 clients). Through the inline reader every such search ran
    /// for its 2 ms budget, was stopped, and ran again on the pool.
    static func matching(_ query: ClientSearchQuery, among: Set<UUID>?, limit: Int, on database: any Database) async throws -> [ClientRecord] {
        if let among, among.isEmpty { return [] }
        return try await database.withConnection { connection in
            var builder = ClientRecord.query(on: connection)
            if let among { builder = builder.filter(\.$id ~~ Array(among)) }
            builder = builder.filter(.sql(condition(query, engine: DatabaseEngine(of: connection))))
            return try await builder.sort(\.$name).limit(limit).all()
        }
    }

    /// The WHERE condition for a search, in the form the engine's index answers.
    static func condition(_ query: ClientSearchQuery, engine: DatabaseEngine) -> SQLQueryString {
        switch engine {
        case .postgres: postgresCondition(query)
        case .sqlite: sqliteCondition(query)
        }
    }

    /// PostgreSQL: LIKE on the very expressions pg_trgm's indexes hold (M065), which the planner
    /// then answers from those indexes.
    private static func postgresCondition(_ query: ClientSearchQuery) -> SQLQueryString {
        func like(_ expression: String, _ part: String) -> SQLQueryString {
            "\(unsafeRaw: expression) LIKE \(bind: "%\(part)%")"
        }
        switch query {
        case let .dateOfBirth(iso): return "date_of_birth = \(bind: iso)"
        case let .email(part): return "(" + like("lower(email)", part) + " OR " + like("lower(guardian_email)", part) + ")"
        case let .phone(digits): return "(" + like(digitsSQL("phone"), digits) + " OR " + like(digitsSQL("guardian_phone"), digits) + ")"
        case let .name(words): return words.map { like("lower(name)", $0) }.joined(separator: " AND ")
        }
    }

    /// SQLite: the client's number in the trigram table `client_search` (M065). Parts of three
    /// characters or more are FTS5 phrases, which the table answers from its index and which fold
    /// case beyond ASCII (É finds é); shorter name parts, which no trigram holds, are LIKE.
    private static func sqliteCondition(_ query: ClientSearchQuery) -> SQLQueryString {
        func phrase(_ part: String) -> String { "\"" + part.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var conditions: [SQLQueryString] = []
        switch query {
        case let .dateOfBirth(iso): return "date_of_birth = \(bind: iso)"
        case let .email(part): conditions.append("s.emails MATCH \(bind: phrase(part))")
        case let .phone(digits): conditions.append("s.phones MATCH \(bind: phrase(digits))")
        case let .name(words):
            let long = words.filter { $0.unicodeScalars.count >= 3 }
            if !long.isEmpty { conditions.append("s.name MATCH \(bind: long.map(phrase).joined(separator: " AND "))") }
            for word in words where word.unicodeScalars.count < 3 { conditions.append("s.name LIKE \(bind: "%\(word)%")") }
        }
        let head: SQLQueryString = "id IN (SELECT r.client_id FROM client_search s JOIN client_search_rows r ON r.row = s.rowid WHERE "
        return head + conditions.joined(separator: " AND ") + ")"
    }

    /// The usual phone punctuation, which a search by number ignores.
    static let phoneMarks = [" ", "-", "(", ")", ".", "+"]

    /// SQL for `column` with `phoneMarks` removed; the same text in the search and in M065's indexes
    /// and triggers, since PostgreSQL uses an expression's index only for that expression.
    static func digitsSQL(_ column: String) -> String {
        phoneMarks.reduce(column) { "replace(\($0), '\($1)', '')" }
    }

    /// Each client's next confirmed (or requested) appointment from `now`, by client.
    static func nextAppointments(of clientIDs: [UUID], after now: Date, on database: any Database) async throws -> [UUID: Appointment] {
        guard !clientIDs.isEmpty else { return [:] }
        let upcoming = try await Appointment.query(on: database).filter(\.$client.$id ~~ clientIDs).filter(\.$startsAt >= now)
            .filter(\.$status ~~ [.confirmed, .requested, .held]).sort(\.$startsAt).all()
        var first: [UUID: Appointment] = [:]
        for appointment in upcoming {
            guard let id = appointment.$client.id, first[id] == nil else { continue }
            first[id] = appointment
        }
        return first
    }
}
