import Fluent
import Foundation
import IPTCore

final class ClinicalSettingsRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "clinical_settings"

    @ID(key: .id) var id: UUID?
    @Field(key: "initial_sessions") var initialSessions: Int
    @Field(key: "termination_sessions") var terminationSessions: Int
    @Field(key: "adult_sessions") var adultSessions: Int
    @Field(key: "adolescent_sessions") var adolescentSessions: Int
    @Field(key: "maintenance_sessions") var maintenanceSessions: Int
    @Field(key: "minimum_sessions") var minimumSessions: Int
    @Field(key: "maximum_sessions") var maximumSessions: Int
    @Field(key: "framework") var framework: String
    /// A practicum student's signed note waits for the supervisor's co-signature.
    @Field(key: "cosign_students") var cosignStudents: Bool
    /// Staff opening a chart outside their caseload say why first.
    @Field(key: "chart_reason_required") var chartReasonRequired: Bool
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "retention_years") var retentionYears: Int
    @Field(key: "retention_minors_from_18") var retentionMinorsFrom18: Bool
    /// Roles besides the director that may assign care teams, comma-separated ("supervisor").
    @Field(key: "care_team_assigners") var careTeamAssigners: String

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $initialSessions, $terminationSessions, $adultSessions, $adolescentSessions, $maintenanceSessions, $minimumSessions,
         $maximumSessions, $framework, $cosignStudents, $chartReasonRequired, $updatedAt, $retentionYears, $retentionMinorsFrom18,
         $careTeamAssigners]
    }

    init() {}

    /// Whether this role may decide who is on a client's care team.
    func mayAssignCareTeam(_ role: StaffRole) -> Bool {
        AccessPolicy.allows(role, .assignCareTeam) || careTeamAssigners.split(separator: ",").contains { $0 == role.rawValue }
    }

    var retention: RetentionRule { RetentionRule(yearsAfterLastContact: retentionYears, minorsFromEighteenthBirthday: retentionMinorsFrom18) }

    var course: CourseSettings {
        CourseSettings(initialSessions: initialSessions, terminationSessions: terminationSessions, adultSessions: adultSessions,
                       adolescentSessions: adolescentSessions, maintenanceSessions: maintenanceSessions, minimumSessions: minimumSessions,
                       maximumSessions: maximumSessions, framework: FocusFramework(rawValue: framework) ?? .fourAreas)
    }

    /// The clinic's settings, or the defaults when the director has not saved any.
    static func current(on database: any Database) async throws -> ClinicalSettingsRow {
        if let row = try await query(on: database).first() { return row }
        let row = ClinicalSettingsRow()
        row.apply(CourseSettings())
        row.cosignStudents = true
        row.chartReasonRequired = true
        row.retentionYears = 10
        row.retentionMinorsFrom18 = true
        row.careTeamAssigners = ""
        row.updatedAt = Date(timeIntervalSince1970: 0)
        return row
    }

    func apply(_ settings: CourseSettings) {
        initialSessions = settings.initialSessions
        terminationSessions = settings.terminationSessions
        adultSessions = settings.adultSessions
        adolescentSessions = settings.adolescentSessions
        maintenanceSessions = settings.maintenanceSessions
        minimumSessions = settings.minimumSessions
        maximumSessions = settings.maximumSessions
        framework = settings.framework.rawValue
    }
}

final class ContractRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "treatment_contracts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    /// The treating clinician: the client is on their caseload.
    @Parent(key: "clinician_id") var clinician: StaffUser
    @Field(key: "version") var version: Int
    @Field(key: "programme") var programme: String
    @Field(key: "agreed_sessions") var agreedSessions: Int
    @Field(key: "session_minutes") var sessionMinutes: Int
    @Field(key: "start_date") var startDate: String
    @Field(key: "client_agreed") var clientAgreed: Bool
    @OptionalField(key: "reason_sealed") var reasonSealed: String?
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $clinician, $version, $programme, $agreedSessions, $sessionMinutes, $startDate, $clientAgreed,
         $reasonSealed, $createdBy, $createdAt]
    }

    init() {}

    static func reasonContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "reason_sealed", client: client) }

    static func latest(for clientID: UUID, on database: any Database) async throws -> ContractRow? {
        try await query(on: database).filter(\.$client.$id == clientID).sort(\.$version, .descending).first()
    }
}

final class ChecklistMark: Model, ListedFields, @unchecked Sendable {
    static let schema = "course_checklist"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "code") var code: String
    @Parent(key: "done_by_id") var doneBy: StaffUser
    @Field(key: "done_at") var doneAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $code, $doneBy, $doneAt] }

    init() {}
}

final class PhaseOverrideRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "phase_overrides"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    /// nil when the override was lifted and the phase follows the sessions again.
    @OptionalField(key: "phase") var phase: String?
    @Field(key: "reason_sealed") var reasonSealed: String
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $phase, $reasonSealed, $createdBy, $createdAt] }

    init() {}

    static func reasonContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "reason_sealed", client: client) }
}

final class InventoryEntryRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "inventory_entries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "details_sealed") var detailsSealed: String
    /// Bumped on every change, and bound into the seal, so an older sealed value cannot be put back.
    @Field(key: "version") var version: Int
    @Field(key: "closeness") var closeness: Int
    /// Where the person was first placed, for the circle at intake beside the circle now.
    @Field(key: "first_closeness") var firstCloseness: Int
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $detailsSealed, $version, $closeness, $firstCloseness, $createdBy, $createdAt, $updatedAt]
    }

    init() {}

    static func detailsContext(_ id: UUID, version: Int, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "details_sealed", client: client, version: version)
    }
}

final class FormulationRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "formulations"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "version") var version: Int
    @Field(key: "framework") var framework: String
    @Field(key: "primary_focus") var primaryFocus: String
    @OptionalField(key: "secondary_focus") var secondaryFocus: String?
    @Field(key: "text_sealed") var textSealed: String
    @Field(key: "client_agreed") var clientAgreed: Bool
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $version, $framework, $primaryFocus, $secondaryFocus, $textSealed, $clientAgreed, $createdBy, $createdAt]
    }

    init() {}

    var focusAreas: [FocusArea] { [FocusArea(rawValue: primaryFocus), secondaryFocus.flatMap(FocusArea.init(rawValue:))].compactMap { $0 } }

    static func textContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "text_sealed", client: client) }

    static func latest(for clientID: UUID, on database: any Database) async throws -> FormulationRow? {
        try await query(on: database).filter(\.$client.$id == clientID).sort(\.$version, .descending).first()
    }
}

final class WorksheetRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "worksheets"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "focus") var focus: String
    /// The other person's name, lowercased, for dispute worksheets; empty for the others.
    @Field(key: "subject_key") var subjectKey: String
    @Field(key: "version") var version: Int
    @OptionalField(key: "session_number") var sessionNumber: Int?
    @Field(key: "content_sealed") var contentSealed: String
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $focus, $subjectKey, $version, $sessionNumber, $contentSealed, $createdBy, $createdAt] }

    init() {}

    static func contentContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "content_sealed", client: client) }
}

final class SessionNoteRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "session_notes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "author_id") var author: StaffUser
    @OptionalParent(key: "appointment_id") var appointment: Appointment?
    /// Set on an amendment: the signed note it corrects, which stays as it was.
    @OptionalParent(key: "amends_id") var amends: SessionNoteRow?
    /// The key of the new-note form that made it (M069), so the same form sent again continues it.
    @OptionalField(key: "form_key") var formKey: String?
    @Field(key: "session_number") var sessionNumber: Int
    @Field(key: "phase") var phase: String
    @Field(key: "content_sealed") var contentSealed: String
    @OptionalField(key: "amendment_reason_sealed") var amendmentReasonSealed: String?
    @Field(key: "status") var status: NoteStatus
    @OptionalField(key: "signed_at") var signedAt: Date?
    @OptionalParent(key: "cosigned_by_id") var cosignedBy: StaffUser?
    @OptionalField(key: "cosigned_at") var cosignedAt: Date?
    @OptionalField(key: "review_comment_sealed") var reviewCommentSealed: String?
    @OptionalField(key: "fidelity_on_focus") var fidelityOnFocus: Bool?
    @OptionalField(key: "fidelity_tasks_done") var fidelityTasksDone: Bool?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $author, $appointment, $amends, $formKey, $sessionNumber, $phase, $contentSealed, $amendmentReasonSealed,
         $status, $signedAt, $cosignedBy, $cosignedAt, $reviewCommentSealed, $fidelityOnFocus, $fidelityTasksDone, $createdAt,
         $updatedAt]
    }

    init() {}

    /// The draft's content changes while it is a draft; each save bumps nothing, so the seal is bound
    /// to the row and column only. Signed content is never rewritten.
    static func contentContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "content_sealed", client: client) }
    static func reasonContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "amendment_reason_sealed", client: client) }
    static func commentContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "review_comment_sealed", client: client) }
}

final class SupervisionSessionRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "supervision_sessions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "student_id") var student: StaffUser
    @Parent(key: "supervisor_id") var supervisor: StaffUser
    @Field(key: "held_on") var heldOn: String
    @Field(key: "minutes") var minutes: Int
    /// individual or group.
    @Field(key: "format") var format: String
    @Field(key: "clients_sealed") var clientsSealed: String
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $student, $supervisor, $heldOn, $minutes, $format, $clientsSealed, $createdAt] }

    init() {}

    static func clientsContext(_ id: UUID) -> SealContext { SealContext(schema, row: id, column: "clients_sealed", client: nil) }
}

final class DischargeSummaryRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "discharge_summaries"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "author_id") var author: StaffUser
    @Field(key: "content_sealed") var contentSealed: String
    /// A practicum student's signed summary waits for co-signature before it is final.
    @Field(key: "status") var status: NoteStatus
    @OptionalField(key: "signed_at") var signedAt: Date?
    @OptionalParent(key: "cosigned_by_id") var cosignedBy: StaffUser?
    @OptionalField(key: "cosigned_at") var cosignedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $author, $contentSealed, $status, $signedAt, $cosignedBy, $cosignedAt, $createdAt, $updatedAt]
    }

    init() {}

    static func contentContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "content_sealed", client: client) }
}

final class ChartAccessReason: Model, ListedFields, @unchecked Sendable {
    static let schema = "chart_access_reasons"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "reason_sealed") var reasonSealed: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $client, $reasonSealed, $createdAt, $expiresAt] }

    init() {}

    static func reasonContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "reason_sealed", client: client) }
}

final class LifeEventRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "life_events"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    /// YYYY-MM-01. Left open so the timeline can be put in order; what happened is sealed.
    @Field(key: "month") var month: String
    /// The kind of event and how much it affected the client, sealed together: read it with `event(_:)`.
    @Field(key: "event_sealed") var eventSealed: String
    @OptionalField(key: "note_sealed") var noteSealed: String?
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $month, $eventSealed, $noteSealed, $createdBy, $createdAt] }

    init() {}

    static func noteContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "note_sealed", client: client) }
    static func eventContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "event_sealed", client: client) }

    /// What happened (a `LifeEventKind` raw value) and its impact on the self-assessment's scale.
    struct Event: Codable, Equatable {
        let kind: String
        let impact: Int
    }

    func event(_ keyRing: KeyRing) throws -> Event {
        try keyRing.open(eventSealed, as: Event.self, Self.eventContext(requireID(), client: $client.id))
    }

    /// Seals the event into this row; its id and client must be set.
    func setEvent(_ event: Event, _ keyRing: KeyRing) throws {
        eventSealed = try keyRing.seal(json: event, Self.eventContext(requireID(), client: $client.id))
    }
}

extension StaffUser {
    /// The staff member with this id, or nil when there is no id or no such person.
    static func find(optional id: UUID?, on database: any Database) async throws -> StaffUser? {
        guard let id else { return nil }
        return try await find(id, on: database)
    }
}

/// A client's request to see the record or to correct it, with its 30-day due date.
final class RecordRequest: Model, ListedFields, @unchecked Sendable {
    static let schema = "record_requests"

    enum Kind: String, Codable, Sendable { case access, correction }
    /// open; for access: provided; for correction: accepted or refused.
    enum Status: String, Codable, Sendable { case open, provided, accepted, refused }

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "kind") var kind: Kind
    /// "portal" when the client asked online, "staff" when staff recorded it on their behalf.
    @Field(key: "source") var source: String
    /// For access: how they want it; for correction: which entry, what is wrong, what it should say.
    @Field(key: "details_sealed") var detailsSealed: String
    @Field(key: "status") var status: Status
    @Field(key: "requested_at") var requestedAt: Date
    @Field(key: "due_on") var dueOn: String
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @OptionalParent(key: "resolved_by_id") var resolvedBy: StaffUser?
    /// The correction as made, or the refusal's reason with the client's statement of disagreement.
    @OptionalField(key: "response_sealed") var responseSealed: String?
    /// Whether the released copy includes signed session notes (the clinic decides what it releases).
    @Field(key: "include_notes") var includeNotes: Bool

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $kind, $source, $detailsSealed, $status, $requestedAt, $dueOn, $resolvedAt, $resolvedBy, $responseSealed,
         $includeNotes]
    }

    init() {}

    static func detailsContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "details_sealed", client: client) }
    static func responseContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "response_sealed", client: client) }
}

/// Stops a record from being destroyed while a complaint or a legal matter is open.
final class RecordHold: Model, ListedFields, @unchecked Sendable {
    static let schema = "record_holds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "reason_sealed") var reasonSealed: String
    @Parent(key: "created_by_id") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "lifted_at") var liftedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $reasonSealed, $createdBy, $createdAt, $liftedAt] }

    init() {}

    static func reasonContext(_ id: UUID, client: UUID) -> SealContext { SealContext(schema, row: id, column: "reason_sealed", client: client) }
}

/// What is left of a destroyed record: enough to show it existed and was destroyed on purpose.
final class RecordTombstone: Model, ListedFields, @unchecked Sendable {
    static let schema = "record_tombstones"

    @ID(key: .id) var id: UUID?
    @Field(key: "former_client_id") var formerClientID: String
    @Field(key: "initials") var initials: String
    @Field(key: "last_contact") var lastContact: String
    @Field(key: "kept_until") var keptUntil: String
    @Field(key: "destroyed_at") var destroyedAt: Date
    @Parent(key: "destroyed_by_id") var destroyedBy: StaffUser
    @Field(key: "rows_destroyed") var rowsDestroyed: Int

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $formerClientID, $initials, $lastContact, $keptUntil, $destroyedAt, $destroyedBy, $rowsDestroyed]
    }

    init() {}
}
