import Fluent
import Foundation
import IPTCore

// The Fluent models of scheduling (migration M014).

final class Location: Model, @unchecked Sendable {
    static let schema = "locations"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "address") var address: String
    @Field(key: "is_online") var isOnline: Bool
    @Field(key: "sort_order") var sortOrder: Int

    init() {}
}

final class AppointmentTypeRow: Model, @unchecked Sendable {
    static let schema = "appointment_types"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "duration_minutes") var durationMinutes: Int
    @Field(key: "buffer_before_minutes") var bufferBeforeMinutes: Int
    @Field(key: "buffer_after_minutes") var bufferAfterMinutes: Int
    /// Comma-separated fee tier codes.
    @Field(key: "offered_by") var offeredBy: String
    @Field(key: "bookable_online") var bookableOnline: Bool
    @Field(key: "sort_order") var sortOrder: Int

    init() {}

    var kind: AppointmentKind {
        AppointmentKind(code: code, name: name, durationMinutes: durationMinutes, bufferBeforeMinutes: bufferBeforeMinutes,
                        bufferAfterMinutes: bufferAfterMinutes,
                        offeredBy: Set(offeredBy.split(separator: ",").compactMap { FeeTierCode(rawValue: String($0)) }),
                        bookableOnline: bookableOnline)
    }
}

final class AppointmentFee: Model, @unchecked Sendable {
    static let schema = "appointment_fees"

    @ID(key: .id) var id: UUID?
    @Field(key: "type_code") var typeCode: String
    @Field(key: "tier_code") var tierCode: String
    @Field(key: "cents") var cents: Int
    @Field(key: "currency") var currency: String

    init() {}
}

final class BookingSettingsRow: Model, @unchecked Sendable {
    static let schema = "booking_settings"

    @ID(key: .id) var id: UUID?
    @Field(key: "minimum_notice_hours") var minimumNoticeHours: Int
    @Field(key: "not_same_day") var notSameDay: Bool
    @Field(key: "horizon_days") var horizonDays: Int
    @Field(key: "grid_minutes") var gridMinutes: Int
    @OptionalField(key: "max_per_day") var maxPerDay: Int?
    @Field(key: "hold_minutes") var holdMinutes: Int
    @Field(key: "require_approval") var requireApproval: Bool
    @Field(key: "cancel_notice_hours") var cancelNoticeHours: Int
    @OptionalField(key: "late_cancel_fee_cents") var lateCancelFeeCents: Int?
    @Field(key: "offer_hours") var offerHours: Int
    @Field(key: "updated_at") var updatedAt: Date
    /// Send the questionnaire before every Nth session; 0 leaves it to the clinician.
    @Field(key: "measure_every") var measureEvery: Int

    init() {}
}

final class AvailabilityRow: Model, @unchecked Sendable {
    static let schema = "availability"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @OptionalParent(key: "location_id") var location: Location?
    @Field(key: "weekday") var weekday: Int
    @Field(key: "start_minute") var startMinute: Int
    @Field(key: "end_minute") var endMinute: Int

    init() {}
}

final class AvailabilityExceptionRow: Model, @unchecked Sendable {
    static let schema = "availability_exceptions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "kind") var kind: String
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "note") var note: String

    init() {}
}

/// A person who books or receives care. Created by the first booking or by staff.
final class ClientRecord: Model, @unchecked Sendable {
    static let schema = "clients"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @Field(key: "phone") var phone: String
    /// YYYY-MM-DD.
    @Field(key: "date_of_birth") var dateOfBirth: String
    /// "adult" or "adolescent" (IPT-A, under 18 when first seen).
    @Field(key: "programme") var programme: String
    @OptionalField(key: "guardian_name") var guardianName: String?
    @OptionalField(key: "guardian_email") var guardianEmail: String?
    @OptionalField(key: "guardian_phone") var guardianPhone: String?
    @Field(key: "sliding_scale_percent") var slidingScalePercent: Int
    @OptionalField(key: "privacy_consent_version") var privacyConsentVersion: String?
    @OptionalField(key: "privacy_consent_at") var privacyConsentAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// "A. L." for places that may show no more than initials (calendar feeds).
    var initials: String {
        name.split(separator: " ").prefix(3).compactMap { $0.first.map { "\($0)." } }.joined(separator: " ")
    }
}

final class AppointmentSeries: Model, @unchecked Sendable {
    static let schema = "appointment_series"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "type_code") var typeCode: String
    @Field(key: "weekday") var weekday: Int
    @Field(key: "start_minute") var startMinute: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class Appointment: Model, @unchecked Sendable {
    static let schema = "appointments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @OptionalParent(key: "client_id") var client: ClientRecord?
    @OptionalField(key: "type_code") var typeCode: String?
    @OptionalParent(key: "location_id") var location: Location?
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "blocked_from") var blockedFrom: Date
    @Field(key: "blocked_until") var blockedUntil: Date
    @Field(key: "status") var status: String
    @OptionalField(key: "hold_expires_at") var holdExpiresAt: Date?
    @OptionalField(key: "confirm_token_hash") var confirmTokenHash: String?
    @OptionalField(key: "manage_token_hash") var manageTokenHash: String?
    /// The client's manage link token, sealed, so reminders can carry the link again.
    @OptionalField(key: "manage_token_sealed") var manageTokenSealed: String?
    @OptionalParent(key: "series_id") var series: AppointmentSeries?
    @OptionalField(key: "series_number") var seriesNumber: Int?
    @OptionalField(key: "fee_cents") var feeCents: Int?
    @OptionalField(key: "currency") var currency: String?
    @OptionalField(key: "late_fee_cents") var lateFeeCents: Int?
    @Field(key: "sequence") var sequence: Int
    /// Comma-separated hours (48,24) of the reminders already queued.
    @Field(key: "reminders_sent") var remindersSent: String
    /// When the clinic's cadence sent this appointment its questionnaires (the claim that makes it once).
    @OptionalField(key: "cadence_sent_at") var cadenceSentAt: Date?
    @OptionalField(key: "block_note") var blockNote: String?
    @Field(key: "source") var source: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?

    init() {}

    /// Appointments that make a clinician part of the client's care: booked for real or held. A
    /// hold, a request, an offer, or one that expired or was declined does not: anyone can book a
    /// time with anyone, and that must not open a chart.
    static let careStatuses = [Status.confirmed, .attended, .noShow, .lateCancelled].map(\.rawValue)

    enum Status: String, CaseIterable {
        case held, requested, offered, confirmed, attended, noShow = "no_show", blocked
        case cancelled, lateCancelled = "late_cancelled", expired, declined

        var label: String {
            switch self {
            case .held: "Held, awaiting the client's confirmation"
            case .requested: "Requested, awaiting staff approval"
            case .offered: "Offered from the waitlist"
            case .confirmed: "Confirmed"
            case .attended: "Attended"
            case .noShow: "No-show"
            case .blocked: "Blocked time"
            case .cancelled: "Cancelled"
            case .lateCancelled: "Late cancellation"
            case .expired: "Expired hold"
            case .declined: "Declined"
            }
        }

        var occupiesTime: Bool { M014CreateScheduling.occupyingStatuses.contains(rawValue) }
    }

    var statusValue: Status? { Status(rawValue: status) }

    static func manageTokenContext(_ id: UUID, client: UUID?) -> SealContext {
        SealContext(schema, row: id, column: "manage_token_sealed", client: client)
    }
}

final class WaitlistEntry: Model, @unchecked Sendable {
    static let schema = "waitlist_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @Field(key: "phone") var phone: String
    @Field(key: "date_of_birth") var dateOfBirth: String
    @OptionalField(key: "guardian_name") var guardianName: String?
    @OptionalField(key: "guardian_email") var guardianEmail: String?
    @OptionalField(key: "guardian_phone") var guardianPhone: String?
    /// "reduced" or "registered" when any clinician of that group will do.
    @OptionalField(key: "tier_code") var tierCode: String?
    @OptionalParent(key: "staff_id") var staff: StaffUser?
    @Field(key: "type_code") var typeCode: String
    @Field(key: "days") var days: String
    @Field(key: "parts") var parts: String
    @Field(key: "position") var position: Double
    @Field(key: "status") var status: String
    @OptionalParent(key: "offer_appointment_id") var offerAppointment: Appointment?
    @OptionalField(key: "offer_expires_at") var offerExpiresAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    enum Status: String {
        case waiting, offered, booked, removed
    }

    var preference: WaitlistPreference { WaitlistPreference(storedDays: days, storedParts: parts) }
}

final class CalendarFeed: Model, @unchecked Sendable {
    static let schema = "calendar_feeds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}
}

/// One questionnaire sent to a client: open by its link until completed or expired.
final class MeasureResponse: Model, @unchecked Sendable {
    static let schema = "measure_responses"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "clinician_id") var clinician: StaffUser
    @OptionalParent(key: "appointment_id") var appointment: Appointment?
    @Field(key: "instrument_code") var instrumentCode: String
    @Field(key: "token_hash") var tokenHash: String
    /// sent, draft, completed.
    @Field(key: "status") var status: String
    /// The answers as JSON, sealed (bound to this row).
    @OptionalField(key: "answers_sealed") var answersSealed: String?
    /// An adolescent's answers reach their guardian's portal only when the clinician shares them.
    @Field(key: "shared_with_guardian") var sharedWithGuardian: Bool
    /// The total and its band once completed, sealed together (bound to this row and client):
    /// read them with `score(_:)` or `total(_:)`.
    @OptionalField(key: "score_sealed") var scoreSealed: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?

    init() {}

    static func answersContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "answers_sealed", client: client)
    }

    static func scoreContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "score_sealed", client: client)
    }

    /// A completed questionnaire's total and the band's label, as stored.
    struct Score: Codable, Equatable {
        let total: Int
        let band: String
    }

    /// The score, opened; nil until the questionnaire is completed.
    func score(_ keyRing: KeyRing) throws -> Score? {
        guard let scoreSealed else { return nil }
        return try keyRing.open(scoreSealed, as: Score.self, Self.scoreContext(requireID(), client: $client.id))
    }

    /// The total alone, for charts and change metrics.
    func total(_ keyRing: KeyRing) throws -> Int? { try score(keyRing)?.total }

    /// Seals the score into this row; its id and client must be set.
    func setScore(_ score: Score, _ keyRing: KeyRing) throws {
        scoreSealed = try keyRing.seal(json: score, Self.scoreContext(requireID(), client: $client.id))
    }
}

/// A completed questionnaire with its answers and score opened, for the exports.
struct OpenedResponse {
    let row: MeasureResponse
    let answers: [String: Int]
    let score: MeasureResponse.Score?

    init(_ row: MeasureResponse, keyRing: KeyRing) throws {
        self.row = row
        let json = try row.answersSealed.map { try keyRing.open($0, MeasureResponse.answersContext(try row.requireID(), client: row.$client.id)) } ?? "{}"
        answers = (try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))) ?? [:]
        score = try row.score(keyRing)
    }
}

/// Raised by a risk answer in a questionnaire or by a session note that records thoughts with plan
/// or intent; open until the clinician records a follow-up. One per response and one per note.
final class RiskAlert: Model, @unchecked Sendable {
    static let schema = "risk_alerts"

    enum Source: String, Codable, Sendable {
        case questionnaire
        case sessionNote = "session-note"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "source") var source: Source
    @OptionalParent(key: "response_id") var response: MeasureResponse?
    @OptionalParent(key: "note_id") var note: SessionNoteRow?
    @Parent(key: "clinician_id") var clinician: StaffUser
    @OptionalParent(key: "supervisor_id") var supervisor: StaffUser?
    @Field(key: "status") var status: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "escalated_at") var escalatedAt: Date?
    @OptionalField(key: "follow_up_sealed") var followUpSealed: String?
    @OptionalParent(key: "closed_by") var closedBy: StaffUser?
    @OptionalField(key: "closed_at") var closedAt: Date?

    init() {}

    static func followUpContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "follow_up_sealed", client: client)
    }
}

/// A pre-therapy self-assessment sent to a client.
final class SelfAssessmentRecord: Model, @unchecked Sendable {
    static let schema = "self_assessments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "clinician_id") var clinician: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    /// sent, completed.
    @Field(key: "status") var status: String
    @OptionalField(key: "answers_sealed") var answersSealed: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?

    init() {}

    static func answersContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "answers_sealed", client: client)
    }
}

/// Intake forms sent to a client.
final class IntakeRecord: Model, @unchecked Sendable {
    static let schema = "intakes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "clinician_id") var clinician: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "status") var status: String
    @OptionalField(key: "details_sealed") var detailsSealed: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?

    init() {}

    static func detailsContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "details_sealed", client: client)
    }
}

/// One signed consent.
final class ConsentRecord: Model, @unchecked Sendable {
    static let schema = "consents"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @OptionalParent(key: "intake_id") var intake: IntakeRecord?
    @Field(key: "kind") var kind: String
    @Field(key: "version") var version: String
    @Field(key: "text_sha256") var textSHA256: String
    /// The name the client typed to sign, sealed (bound to this row and client): read it with `typedName(_:)`.
    @Field(key: "typed_name_sealed") var typedNameSealed: String
    @Field(key: "signed_at") var signedAt: Date

    init() {}

    static func typedNameContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "typed_name_sealed", client: client)
    }

    func typedName(_ keyRing: KeyRing) throws -> String {
        try keyRing.open(typedNameSealed, Self.typedNameContext(requireID(), client: $client.id))
    }

    /// Seals the typed name into this row; its id and client must be set.
    func setTypedName(_ name: String, _ keyRing: KeyRing) throws {
        typedNameSealed = try keyRing.seal(name, Self.typedNameContext(requireID(), client: $client.id))
    }
}

/// A one-time link to the client portal, for the client or their guardian.
final class PortalLink: Model, @unchecked Sendable {
    static let schema = "portal_links"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "as_guardian") var asGuardian: Bool
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A signed-in portal session; only the hash of the cookie's token is stored.
final class PortalSession: Model, @unchecked Sendable {
    static let schema = "portal_sessions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "as_guardian") var asGuardian: Bool
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date

    init() {}
}

/// A standing fact on a client's chart that each administration should not raise again, such as a
/// suicide attempt reported at some time in the past. One per client and kind.
final class ClientFlag: Model, @unchecked Sendable {
    static let schema = "client_flags"

    enum Kind: String, Codable, Sendable, CaseIterable {
        case suicideAttemptHistory = "suicide-attempt-history"

        var label: String {
            switch self {
            case .suicideAttemptHistory: "Past suicide attempt reported"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "kind") var kind: Kind
    @OptionalParent(key: "response_id") var response: MeasureResponse?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// The last run of one scheduled job, so a job that keeps failing shows on the director's dashboard.
final class JobRun: Model, @unchecked Sendable {
    static let schema = "job_runs"

    @ID(custom: "name", generatedBy: .user) var id: String?
    @OptionalField(key: "last_started_at") var lastStartedAt: Date?
    @OptionalField(key: "last_succeeded_at") var lastSucceededAt: Date?
    @OptionalField(key: "last_failed_at") var lastFailedAt: Date?
    /// The error's type only: a database error's text can quote the values it was given.
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "failures_in_a_row") var failuresInARow: Int

    init() {}
}
