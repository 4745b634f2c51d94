import Fluent
import Foundation
import IPTCore
import SQLKit

/// The care team: who the clinic decided may open a client's clinical record. Membership is explicit
/// (a treating clinician, a student's supervisor, members added with a reason and an optional end);
/// appointments, contracts and bookings grant nothing by themselves.
enum CareTeamQueries {
    /// The memberships of one client active at `moment`.
    static func active(of clientID: UUID, at moment: Date, on database: any Database) async throws -> [CareTeamMember] {
        try await CareTeamMember.query(on: database).filter(\.$client.$id == clientID).filter(\.$startsAt <= moment)
            .group(.or) { $0.filter(\.$endsAt == nil).filter(\.$endsAt > moment) }
            .all()
    }

    static func isMember(_ staffID: UUID, of clientID: UUID, at moment: Date, on database: any Database) async throws -> Bool {
        try await CareTeamMember.query(on: database).filter(\.$client.$id == clientID).filter(\.$staff.$id == staffID)
            .filter(\.$startsAt <= moment)
            .group(.or) { $0.filter(\.$endsAt == nil).filter(\.$endsAt > moment) }
            .count() > 0
    }

    /// This person's memberships active at `moment`, on every client's team.
    static func memberships(of staffID: UUID, at moment: Date, on database: any Database) async throws -> [CareTeamMember] {
        try await CareTeamMember.query(on: database).filter(\.$staff.$id == staffID).filter(\.$startsAt <= moment)
            .group(.or) { $0.filter(\.$endsAt == nil).filter(\.$endsAt > moment) }
            .all()
    }

    /// The clients on this person's active care teams (the rule of `memberships(of:at:)`), as plain
    /// rows: Today and the alerts list ask for a caseload of hundreds, and a Fluent model of each
    /// membership was a twelfth of Today's time (docs/PERFORMANCE.md).
    static func clients(of staffID: UUID, at moment: Date, on database: any Database) async throws -> Set<UUID> {
        Set(try await RowReader.all(activeClientsQuery(of: staffID, at: moment), on: database).map { try $0.decode(column: "client_id", as: UUID.self) })
    }

    /// Answered from the index `care_team_staff` alone (M072).
    static func activeClientsQuery(of staffID: UUID, at moment: Date) -> SQLQueryString {
        """
        SELECT client_id FROM \(ident: CareTeamMember.schema)
        WHERE staff_id = \(bind: staffID) AND starts_at <= \(bind: moment) AND (ends_at IS NULL OR ends_at > \(bind: moment))
        """
    }

    /// The treating clinician now, if the clinic has assigned one.
    static func treatingClinician(of clientID: UUID, at moment: Date, on database: any Database) async throws -> UUID? {
        try await active(of: clientID, at: moment, on: database).first { $0.role == .treating }?.$staff.id
    }

    /// Every membership, past and present, of these clients: the audit view judges each opening by
    /// the team as it was at that moment.
    static func history(of clientIDs: [UUID], on database: any Database) async throws -> [UUID: [CareTeamMember]] {
        guard !clientIDs.isEmpty else { return [:] }
        return Dictionary(grouping: try await CareTeamMember.query(on: database).filter(\.$client.$id ~~ clientIDs).all(), by: { $0.$client.id })
    }
}
