import Fluent
import Foundation
import IPTCore

// The Fluent models of care teams and of possible duplicate client records.

/// One person on a client's care team, for a period. Rows are never deleted while the record lives:
/// ending a membership sets `endsAt`, so the audit view can judge each opening by the team as it was.
final class CareTeamMember: Model, ListedFields, @unchecked Sendable {
    static let schema = "care_team_members"

    typealias Role = CareTeamRole

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "role") var role: Role
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "starts_at") var startsAt: Date
    @OptionalField(key: "ends_at") var endsAt: Date?
    @OptionalParent(key: "added_by_id") var addedBy: StaffUser?
    @OptionalParent(key: "ended_by_id") var endedBy: StaffUser?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $staff, $role, $reason, $startsAt, $endsAt, $addedBy, $endedBy, $createdAt] }

    init() {}

    func isActive(at moment: Date) -> Bool {
        startsAt <= moment && (endsAt.map { $0 > moment } ?? true)
    }
}

/// A client record made by a public booking that looks like an existing client's. The booking never
/// joins the existing record by itself; the front desk merges the two or keeps them apart.
final class PossibleDuplicate: Model, ListedFields, @unchecked Sendable {
    static let schema = "possible_duplicates"

    enum Status: String, Codable, Sendable {
        case open
        case merged
        case keptApart = "kept-apart"
    }

    @ID(key: .id) var id: UUID?
    /// The new record.
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "existing_client_id") var existing: ClientRecord
    /// What matched: "email", "name and date of birth", comma-separated.
    @Field(key: "reasons") var reasons: String
    @Field(key: "status") var status: Status
    @Field(key: "created_at") var createdAt: Date
    @OptionalParent(key: "resolved_by_id") var resolvedBy: StaffUser?
    @OptionalField(key: "resolved_at") var resolvedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $existing, $reasons, $status, $createdAt, $resolvedBy, $resolvedAt] }

    init() {}
}
