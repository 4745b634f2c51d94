import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// The audit trail's reads: a page of events, and who the clients they are about are.
enum AuditQueries {
    /// The events that match the filters, newest first, one page.
    static func events(matching filters: AuditController.Filters, size: Int, on database: any Database) async throws -> PageOfRows<AuditEvent> {
        var query = AuditEvent.query(on: database)
        if let actor = filters.actor { query = query.filter(\.$actorID == actor) }
        if let action = filters.action { query = query.filter(\.$action == action.rawValue) }
        if let type = filters.recordType { query = query.filter(\.$recordType == type) }
        // Clinical events name the client by id (as Foundation writes it), the others by email.
        if let subject = filters.subject { query = query.filter(\.$subject == (UUID(uuidString: subject)?.uuidString ?? subject.lowercased())) }
        return try await query.sort(\.$sequence, .descending).page(filters.page, size: size)
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
        let teams: [UUID: [CareTeamMember]]

        /// A staff member's action on a client's records when they were not in the client's care team
        /// at that moment (a membership that began later or had ended does not count).
        func outsideCareTeam(_ event: AuditEvent) -> Bool {
            guard let client = event.subject.flatMap(UUID.init(uuidString:)), let actor = event.actorID.flatMap(UUID.init(uuidString:)) else { return false }
            let moment = Date(timeIntervalSince1970: Double(event.occurredAtMilliseconds) / 1000)
            return !(teams[client]?.contains { $0.$staff.id == actor && $0.isActive(at: moment) } ?? false)
        }
    }

    static func clientContext(of events: [AuditEvent], on database: any Database) async throws -> ClientContext {
        let clientIDs = Set(events.compactMap { $0.subject.flatMap(UUID.init(uuidString:)) })
        let teams = try await CareTeamQueries.history(of: Array(clientIDs), on: database)
        let clientNames = clientIDs.isEmpty ? [:] : Dictionary(
            try await ClientRecord.query(on: database).filter(\.$id ~~ Array(clientIDs)).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { first, _ in first })
        return ClientContext(clientNames: clientNames, teams: teams)
    }
}
