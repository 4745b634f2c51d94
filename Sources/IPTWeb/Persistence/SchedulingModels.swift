import Fluent
import Foundation
import IPTCore

// The Fluent models of scheduling (migration M014).

final class Location: Model, ListedFields, @unchecked Sendable {
    static let schema = "locations"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "address") var address: String
    @Field(key: "is_online") var isOnline: Bool
    @Field(key: "sort_order") var sortOrder: Int

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $name, $address, $isOnline, $sortOrder] }

    init() {}
}

final class AppointmentTypeRow: Model, ListedFields, @unchecked Sendable {
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

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $code, $name, $durationMinutes, $bufferBeforeMinutes, $bufferAfterMinutes, $offeredBy, $bookableOnline, $sortOrder]
    }

    init() {}

    var kind: AppointmentKind {
        AppointmentKind(code: code, name: name, durationMinutes: durationMinutes, bufferBeforeMinutes: bufferBeforeMinutes,
                        bufferAfterMinutes: bufferAfterMinutes, offeredBy: Self.tiers(offeredBy), bookableOnline: bookableOnline)
    }

    /// The fee tiers of a comma-separated `offered_by`.
    static func tiers(_ offeredBy: String) -> Set<FeeTierCode> {
        Set(offeredBy.split(separator: ",").compactMap { FeeTierCode(rawValue: String($0)) })
    }
}

final class AppointmentFee: Model, ListedFields, @unchecked Sendable {
    static let schema = "appointment_fees"

    @ID(key: .id) var id: UUID?
    @Field(key: "type_code") var typeCode: String
    @Field(key: "tier_code") var tierCode: String
    @Field(key: "cents") var cents: Int
    @Field(key: "currency") var currency: String

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $typeCode, $tierCode, $cents, $currency] }

    init() {}
}

final class BookingSettingsRow: Model, ListedFields, @unchecked Sendable {
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

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $minimumNoticeHours, $notSameDay, $horizonDays, $gridMinutes, $maxPerDay, $holdMinutes, $requireApproval,
         $cancelNoticeHours, $lateCancelFeeCents, $offerHours, $updatedAt, $measureEvery]
    }

    init() {}
}

final class AvailabilityRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "availability"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @OptionalParent(key: "location_id") var location: Location?
    @Field(key: "weekday") var weekday: Int
    @Field(key: "start_minute") var startMinute: Int
    @Field(key: "end_minute") var endMinute: Int

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $location, $weekday, $startMinute, $endMinute] }

    init() {}
}

final class AvailabilityExceptionRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "availability_exceptions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "kind") var kind: AvailabilityException.Kind
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "note") var note: String

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $kind, $startsAt, $endsAt, $note] }

    init() {}
}

/// A person who books or receives care. Created by the first booking or by staff.
final class ClientRecord: Model, ListedFields, @unchecked Sendable {
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
    /// The care team lets the client see their own score chart in the portal (M038; off by default).
    @Field(key: "scores_in_portal") var scoresInPortal: Bool
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $name, $email, $phone, $dateOfBirth, $programme, $guardianName, $guardianEmail, $guardianPhone,
         $slidingScalePercent, $privacyConsentVersion, $privacyConsentAt, $scoresInPortal, $createdAt]
    }

    init() {
        scoresInPortal = false
    }

    /// "A. L." for places that may show no more than initials (calendar feeds).
    var initials: String {
        name.split(separator: " ").prefix(3).compactMap { $0.first.map { "\($0)." } }.joined(separator: " ")
    }
}

final class AppointmentSeries: Model, ListedFields, @unchecked Sendable {
    static let schema = "appointment_series"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "type_code") var typeCode: String
    @Field(key: "weekday") var weekday: Int
    @Field(key: "start_minute") var startMinute: Int
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $client, $typeCode, $weekday, $startMinute, $createdAt] }

    init() {}
}

final class Appointment: Model, ListedFields, @unchecked Sendable {
    static let schema = "appointments"

    /// No appointment row lasts longer than this, buffers included: a session is at most 240
    /// minutes with buffers of at most 120 on each side (AppointmentTypesController), and blocked
    /// time lies within one day. Queries for the appointments overlapping a window use it as a
    /// lower bound on the start, so an index on the start finds them without reading the
    /// clinician's whole history (scripts/bench-scale: ten years of one clinician are 10,000 rows);
    /// M062's check keeps every row within it.
    static let longestSpan: TimeInterval = 2 * 86_400

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @OptionalParent(key: "client_id") var client: ClientRecord?
    @OptionalField(key: "type_code") var typeCode: String?
    @OptionalParent(key: "location_id") var location: Location?
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date
    @Field(key: "blocked_from") var blockedFrom: Date
    @Field(key: "blocked_until") var blockedUntil: Date
    @Field(key: "status") var status: Status
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
    /// When the front desk marked the client as arrived (see M038AddArrivals).
    @OptionalField(key: "arrived_at") var arrivedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $staff, $client, $typeCode, $location, $startsAt, $endsAt, $blockedFrom, $blockedUntil, $status, $holdExpiresAt,
         $confirmTokenHash, $manageTokenHash, $manageTokenSealed, $series, $seriesNumber, $feeCents, $currency, $lateFeeCents,
         $sequence, $remindersSent, $cadenceSentAt, $blockNote, $source, $createdAt, $updatedAt, $cancelledAt, $arrivedAt]
    }

    init() {}

    /// Appointments that make a clinician part of the client's care: booked for real or held. A
    /// hold, a request, an offer, or one that expired or was declined does not: anyone can book a
    /// time with anyone, and that must not open a chart.
    static let careStatuses: [Status] = [.confirmed, .attended, .noShow, .lateCancelled]

    enum Status: String, CaseIterable, Codable, Sendable {
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

        /// Statuses that keep the time from being booked again; the database's exclusion rule
        /// (M014) lists the same ones, and a test keeps the two equal.
        static let occupying: [Status] = [.held, .requested, .offered, .confirmed, .attended, .noShow, .blocked]

        var occupiesTime: Bool { Self.occupying.contains(self) }
    }

    static func manageTokenContext(_ id: UUID, client: UUID?) -> SealContext {
        SealContext(schema, row: id, column: "manage_token_sealed", client: client)
    }
}

final class WaitlistEntry: Model, ListedFields, @unchecked Sendable {
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
    @Field(key: "status") var status: Status
    @OptionalParent(key: "offer_appointment_id") var offerAppointment: Appointment?
    @OptionalField(key: "offer_expires_at") var offerExpiresAt: Date?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $name, $email, $phone, $dateOfBirth, $guardianName, $guardianEmail, $guardianPhone, $tierCode, $staff, $typeCode,
         $days, $parts, $position, $status, $offerAppointment, $offerExpiresAt, $createdAt]
    }

    init() {}

    enum Status: String, Codable, Sendable {
        case waiting, offered, booked, removed
    }

    var preference: WaitlistPreference { WaitlistPreference(storedDays: days, storedParts: parts) }
}

/// One change the front desk made to someone's place on the waitlist, with its reason sealed
/// (M067): the audit row names this row, never the reason.
final class WaitlistChange: Model, ListedFields, @unchecked Sendable {
    static let schema = "waitlist_changes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "entry_id") var entry: WaitlistEntry
    @Field(key: "direction") var direction: String
    @Field(key: "reason_sealed") var reasonSealed: String
    @OptionalParent(key: "staff_id") var staff: StaffUser?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $entry, $direction, $reasonSealed, $staff, $createdAt] }

    init() {}

    static func reasonContext(_ id: UUID) -> SealContext { SealContext(schema, row: id, column: "reason_sealed", client: nil) }
}

final class CalendarFeed: Model, ListedFields, @unchecked Sendable {
    static let schema = "calendar_feeds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $tokenHash, $createdAt, $revokedAt] }

    init() {}
}
