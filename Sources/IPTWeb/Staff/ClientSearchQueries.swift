import Fluent
import Foundation
import IPTCore
import SQLKit

/// The client search's reads: matching clients, kept to a set of ids when the person may only see
/// some, and each match's next booked appointment.
enum ClientSearchQueries {
    /// Up to `limit` clients matching the query, by name; `among` nil means the whole clinic.
    static func matching(_ query: ClientSearchQuery, among: Set<UUID>?, limit: Int, on database: any Database) async throws -> [ClientRecord] {
        if let among, among.isEmpty { return [] }
        var builder = ClientRecord.query(on: database)
        if let among { builder = builder.filter(\.$id ~~ Array(among)) }
        switch query {
        case let .dateOfBirth(iso):
            builder = builder.filter(\.$dateOfBirth == iso)
        case let .email(part):
            builder = builder.group(.or) { either in
                either.filter(.sql(lowered("email", like: part)))
                either.filter(.sql(lowered("guardian_email", like: part)))
            }
        case let .phone(digits):
            builder = builder.group(.or) { either in
                either.filter(.sql(digitsOf("phone", like: digits)))
                either.filter(.sql(digitsOf("guardian_phone", like: digits)))
            }
        case let .name(words):
            for word in words { builder = builder.filter(.sql(lowered("name", like: word))) }
        }
        return try await builder.sort(\.$name).limit(limit).all()
    }

    /// lower(column) LIKE '%part%': case-blind on both engines (PostgreSQL's LIKE is not).
    private static func lowered(_ column: String, like part: String) -> any SQLExpression {
        SQLBinaryExpression(SQLFunction("lower", args: SQLColumn(column)), SQLBinaryOperator.like, SQLBind("%\(part)%"))
    }

    /// The column with the usual phone punctuation removed, LIKE '%digits%'.
    private static func digitsOf(_ column: String, like digits: String) -> any SQLExpression {
        var stripped: any SQLExpression = SQLColumn(column)
        for mark in [" ", "-", "(", ")", ".", "+"] {
            stripped = SQLFunction("replace", args: stripped, SQLLiteral.string(mark), SQLLiteral.string(""))
        }
        return SQLBinaryExpression(stripped, SQLBinaryOperator.like, SQLBind("%\(digits)%"))
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
