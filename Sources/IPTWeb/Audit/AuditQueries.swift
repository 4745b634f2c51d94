import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// The audit trail's reads: a page of events, and who the clients they are about are.
enum AuditQueries {
    /// One line of the trail as the audit view shows it.
    struct Line: Sendable {
        let id: UUID
        let sequence: Int64
        let occurredAtMilliseconds: Int64
        let actorID: String?
        let actorLabel: String
        let action: String
        let recordType: String
        let recordID: String?
        let subject: String?
        let requestID: String?
        let detail: String?

        var occurredAt: Date { Date(timeIntervalSince1970: Double(occurredAtMilliseconds) / 1000) }
    }

    /// The events that match the filters, newest first, one page (and one row more, to know whether
    /// there is an older page). Plain columns: decoding fifty Fluent models by reflection was a
    /// third of the page's time (docs/PERFORMANCE.md, "Runs of 2026-12-07, third session"). Each
    /// filter is an equality, so (actor, sequence) or (subject, sequence) gives the page in order.
    static func events(matching filters: AuditController.Filters, size: Int, on database: any Database) async throws -> PageOfRows<Line> {
        var conditions: [SQLQueryString] = []
        if let actor = filters.actor { conditions.append("actor_id = \(bind: actor)") }
        if let action = filters.action { conditions.append("action = \(bind: action.rawValue)") }
        if let type = filters.recordType { conditions.append("record_type = \(bind: type)") }
        // Clinical events name the client by id (as Foundation writes it), the others by email.
        if let subject = filters.subject { conditions.append("subject = \(bind: UUID(uuidString: subject)?.uuidString ?? subject.lowercased())") }
        let filter: SQLQueryString = conditions.isEmpty ? "" : "WHERE \(conditions.joined(separator: " AND "))"
        let number = max(1, min(100_000, filters.page))
        let lines = try await lines("""
            SELECT \(lineColumns) FROM \(ident: AuditEvent.schema) \(filter)
            ORDER BY sequence DESC LIMIT \(bind: size + 1) OFFSET \(bind: (number - 1) * size)
            """, on: database)
        return PageOfRows(rows: Array(lines.prefix(size)), number: number, hasMore: lines.count > size)
    }

    /// Every event about this client, oldest first: the access log of a right-of-access copy. A
    /// long-standing client has thousands, and as Fluent models they were half of the export's
    /// time (docs/PERFORMANCE.md, "Runs of 2026-12-07, third session").
    ///
    /// Read on a pooled connection from the start (`RowReader.long`): thousands of rows run past the
    /// inline reader's budget, which stopped the read and ran it again on the pool.
    static func events(aboutClient clientID: UUID, on database: any Database) async throws -> [Line] {
        try await lines("""
            SELECT \(lineColumns) FROM \(ident: AuditEvent.schema) WHERE subject = \(bind: clientID.uuidString) ORDER BY sequence
            """, long: true, on: database)
    }

    private static let lineColumns: SQLQueryString =
        "id, sequence, occurred_at_ms, actor_id, actor_label, action, record_type, record_id, subject, request_id, detail"

    private static func lines(_ query: SQLQueryString, long: Bool = false, on database: any Database) async throws -> [Line] {
        try await (long ? RowReader.long(query, on: database) : RowReader.all(query, on: database)).map { row in
            Line(id: try row.decode(column: "id", as: UUID.self),
                 sequence: try row.decode(column: "sequence", as: Int64.self),
                 occurredAtMilliseconds: try row.decode(column: "occurred_at_ms", as: Int64.self),
                 actorID: try row.decode(column: "actor_id", as: String?.self),
                 actorLabel: try row.decode(column: "actor_label", as: String.self),
                 action: try row.decode(column: "action", as: String.self),
                 recordType: try row.decode(column: "record_type", as: String.self),
                 recordID: try row.decode(column: "record_id", as: String?.self),
                 subject: try row.decode(column: "subject", as: String?.self),
                 requestID: try row.decode(column: "request_id", as: String?.self),
                 detail: try row.decode(column: "detail", as: String?.self))
        }
    }

    /// Everyone who could have acted, for the person filter: two plain columns, since a Fluent
    /// model of each of a large clinic's 200 staff was half the page's time (docs/PERFORMANCE.md).
    static func staffByName(on database: any Database) async throws -> [(id: UUID, name: String)] {
        try await RowReader.all("SELECT id, name FROM staff_users ORDER BY name, id", on: database).map { row in
            (try row.decode(column: "id", as: UUID.self), try row.decode(column: "name", as: String.self))
        }
    }

    /// The names of the clients a page of events is about, and their care teams over time.
    struct ClientContext {
        let clientNames: [UUID: String]
        let teams: [UUID: [TeamSpan]]

        /// A staff member's action on a client's records when they were not in the client's care team
        /// at that moment (a membership that began later or had ended does not count).
        func outsideCareTeam(_ event: Line) -> Bool {
            guard let client = event.subject.flatMap(UUIDText.parse), let actor = event.actorID.flatMap(UUIDText.parse) else { return false }
            return !(teams[client]?.contains { $0.staffID == actor && $0.isActive(at: event.occurredAt) } ?? false)
        }
    }

    /// When someone was on a client's care team.
    struct TeamSpan: Sendable {
        let staffID: UUID
        let startsAt: Date
        let endsAt: Date?

        /// As `CareTeamMember.isActive(at:)`.
        func isActive(at moment: Date) -> Bool {
            startsAt <= moment && (endsAt.map { $0 > moment } ?? true)
        }
    }

    static func clientContext(of events: [Line], on database: any Database) async throws -> ClientContext {
        let clientIDs = Array(Set(events.compactMap { $0.subject.flatMap(UUIDText.parse) }))
        guard !clientIDs.isEmpty else { return ClientContext(clientNames: [:], teams: [:]) }
        let list = clientIDs.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
        let names = try await RowReader.all("SELECT id, name FROM \(ident: ClientRecord.schema) WHERE id IN (\(list))", on: database)
        let spans = try await RowReader.all("""
            SELECT client_id, staff_id, starts_at, ends_at FROM \(ident: CareTeamMember.schema) WHERE client_id IN (\(list))
            """, on: database)
        var teams: [UUID: [TeamSpan]] = [:]
        for row in spans {
            teams[try row.decode(column: "client_id", as: UUID.self), default: []].append(
                TeamSpan(staffID: try row.decode(column: "staff_id", as: UUID.self), startsAt: try row.decode(column: "starts_at", as: Date.self),
                         endsAt: try row.decode(column: "ends_at", as: Date?.self)))
        }
        return ClientContext(clientNames: Dictionary(try names.map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String.self)) },
                                                     uniquingKeysWith: { first, _ in first }),
                             teams: teams)
    }
}
