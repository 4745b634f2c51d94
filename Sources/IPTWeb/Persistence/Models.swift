import Fluent
import IPTCore
import Foundation

// The Fluent models of the foundation. Each maps one table; columns are snake_case. Times are set
// from the injected clock (never @Timestamp) so tests control them.

/// The clinic's public identity, one row, editable by an admin.
final class ClinicProfile: Model, ListedFields, @unchecked Sendable {
    static let schema = "clinic_profile"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "phone") var phone: String
    @Field(key: "email") var email: String
    @Field(key: "address") var address: String
    @Field(key: "time_zone") var timeZone: String
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "require_two_factor") var requireTwoFactor: Bool

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $name, $phone, $email, $address, $timeZone, $updatedAt, $requireTwoFactor] }

    init() {}

    init(name: String, phone: String, email: String, address: String, timeZone: String, updatedAt: Date) {
        self.name = name
        self.phone = phone
        self.email = email
        self.address = address
        self.timeZone = timeZone
        self.updatedAt = updatedAt
        self.requireTwoFactor = true
    }
}

/// A fee level and its price for a standard session.
final class FeeTier: Model, ListedFields, @unchecked Sendable {
    static let schema = "fee_tiers"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "label") var label: String
    @Field(key: "session_fee_cents") var sessionFeeCents: Int
    @Field(key: "currency") var currency: String
    @Field(key: "description") var summary: String
    @Field(key: "sort_order") var sortOrder: Int

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $code, $label, $sessionFeeCents, $currency, $summary, $sortOrder] }

    init() {}

    init(code: String, label: String, sessionFeeCents: Int, currency: String, summary: String, sortOrder: Int) {
        self.code = code
        self.label = label
        self.sessionFeeCents = sessionFeeCents
        self.currency = currency
        self.summary = summary
        self.sortOrder = sortOrder
    }
}

/// A staff account and, for clinicians, the public profile shown on the team page.
final class StaffUser: Model, ListedFields, @unchecked Sendable {
    static let schema = "staff_users"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "name") var name: String
    @Field(key: "role") var role: StaffRole
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "is_active") var isActive: Bool
    @Field(key: "slug") var slug: String
    @Field(key: "credentials") var credentials: String
    @Field(key: "bio") var bio: String
    @OptionalField(key: "fee_tier") var feeTier: String?
    @Field(key: "is_public") var isPublic: Bool
    @Field(key: "accepting_new_clients") var acceptingNewClients: Bool
    @OptionalParent(key: "supervisor_id") var supervisor: StaffUser?
    @Field(key: "created_at") var createdAt: Date
    // Base32 TOTP secrets, sealed at rest (see totpContext).
    @OptionalField(key: "totp_secret") var totpSecret: String?
    @OptionalField(key: "totp_pending_secret") var totpPendingSecret: String?
    @OptionalField(key: "totp_enabled_at") var totpEnabledAt: Date?
    @OptionalField(key: "totp_last_counter") var totpLastCounter: Int64?
    /// Wrong second-factor codes since the last right one (a right password does not reset it).
    @Field(key: "second_factor_failures") var secondFactorFailures: Int
    /// For receipts (M045): "RP", "MSW, RSW", and the college's registration number.
    @Field(key: "designation") var designation: String
    @Field(key: "registration_number") var registrationNumber: String
    @OptionalField(key: "second_factor_refused_until") var secondFactorRefusedUntil: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $email, $name, $role, $passwordHash, $isActive, $slug, $credentials, $bio, $feeTier, $isPublic,
         $acceptingNewClients, $supervisor, $createdAt, $totpSecret, $totpPendingSecret, $totpEnabledAt, $totpLastCounter,
         $secondFactorFailures, $designation, $registrationNumber, $secondFactorRefusedUntil]
    }

    init() {}

    static func totpContext(_ id: UUID, pending: Bool) -> SealContext {
        SealContext(schema, row: id, column: pending ? "totp_pending_secret" : "totp_secret", client: nil)
    }

    init(email: String, name: String, role: StaffRole, passwordHash: String, slug: String, credentials: String = "",
         bio: String = "", feeTier: String? = nil, isPublic: Bool = false, acceptingNewClients: Bool = false,
         supervisorID: UUID? = nil, createdAt: Date) {
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.isActive = true
        self.slug = slug
        self.credentials = credentials
        self.bio = bio
        self.feeTier = feeTier
        self.isPublic = isPublic
        self.acceptingNewClients = acceptingNewClients
        self.$supervisor.id = supervisorID
        self.createdAt = createdAt
        self.secondFactorFailures = 0
        self.designation = ""
        self.registrationNumber = ""
    }
}

/// A signed-in staff session. Only the SHA-256 of the cookie's token is stored, so a copy of the
/// database does not hand out live sessions.
final class StaffSession: Model, ListedFields, @unchecked Sendable {
    static let schema = "staff_sessions"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    /// False between the password and the one-time code: such a session reaches only the code page.
    @Field(key: "second_factor_done") var secondFactorDone: Bool

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $tokenHash, $staff, $csrfToken, $createdAt, $lastSeenAt, $secondFactorDone] }

    init() {}

    init(tokenHash: String, staffID: UUID, csrfToken: String, createdAt: Date, secondFactorDone: Bool) {
        self.tokenHash = tokenHash
        self.$staff.id = staffID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = createdAt
        self.secondFactorDone = secondFactorDone
    }
}

/// A message sent through the contact form or the API.
final class Enquiry: Model, ListedFields, @unchecked Sendable {
    static let schema = "enquiries"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "preferred_contact") var preferredContact: String
    @Field(key: "message") var message: String
    @Field(key: "source") var source: String
    @Field(key: "status") var status: Status
    @OptionalParent(key: "handled_by") var handledBy: StaffUser?
    @OptionalField(key: "handled_at") var handledAt: Date?
    @OptionalField(key: "handling_note") var handlingNote: String?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $name, $email, $phone, $preferredContact, $message, $source, $status, $handledBy, $handledAt, $handlingNote,
         $createdAt]
    }

    init() {}

    enum Status: String, CaseIterable, Codable, Sendable {
        case open
        case handled

        var label: String { self == .open ? "Open" : "Handled" }
    }

    // What people write to the clinic is sealed at rest, bound to its row and column.
    static func messageContext(_ id: UUID) -> SealContext {
        SealContext(schema, row: id, column: "message", client: nil)
    }

    static func noteContext(_ id: UUID) -> SealContext {
        SealContext(schema, row: id, column: "handling_note", client: nil)
    }

    var statusLabel: String { status.label }
}

/// A newsletter subscriber and the record of their consent (CASL: when, how, with what words).
final class Subscriber: Model, ListedFields, @unchecked Sendable {
    static let schema = "newsletter_subscribers"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "status") var status: Status
    @Field(key: "consent_wording") var consentWording: String
    @Field(key: "consent_version") var consentVersion: String
    @Field(key: "consent_source") var consentSource: String
    @Field(key: "consent_at") var consentAt: Date
    @OptionalField(key: "confirm_token_hash") var confirmTokenHash: String?
    @OptionalField(key: "confirm_expires_at") var confirmExpiresAt: Date?
    @OptionalField(key: "confirmed_at") var confirmedAt: Date?
    // Kept in plain text on purpose: it only lets its holder unsubscribe, and every issue sent
    // must carry it, so it cannot be a one-way hash.
    @Field(key: "unsubscribe_token") var unsubscribeToken: String
    @OptionalField(key: "unsubscribed_at") var unsubscribedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $email, $status, $consentWording, $consentVersion, $consentSource, $consentAt, $confirmTokenHash, $confirmExpiresAt,
         $confirmedAt, $unsubscribeToken, $unsubscribedAt, $createdAt]
    }

    init() {}

    enum Status: String, CaseIterable, Codable, Sendable {
        case pending
        case confirmed
        case unsubscribed
    }
}

/// A newsletter issue composed by staff.
final class NewsletterIssue: Model, ListedFields, @unchecked Sendable {
    static let schema = "newsletter_issues"

    @ID(key: .id) var id: UUID?
    @Field(key: "subject") var subject: String
    @Field(key: "body_markdown") var bodyMarkdown: String
    @Parent(key: "created_by") var createdBy: StaffUser
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    @Field(key: "recipient_count") var recipientCount: Int
    @OptionalField(key: "send_key") var sendKey: String?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $subject, $bodyMarkdown, $createdBy, $createdAt, $sentAt, $recipientCount, $sendKey] }

    init() {}
}

/// An email waiting to be delivered, or the record that it was.
final class OutboxMessage: Model, ListedFields, @unchecked Sendable {
    static let schema = "outbox_messages"

    @ID(key: .id) var id: UUID?
    @Field(key: "recipient") var recipient: String
    @Field(key: "subject") var subject: String
    @Field(key: "body_text") var bodyText: String
    @OptionalField(key: "body_html") var bodyHTML: String?
    @Field(key: "extra_headers") var extraHeaders: [String: String]
    @Field(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "claim_token") var claimToken: String?
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    @OptionalField(key: "attachment_name") var attachmentName: String?
    @OptionalField(key: "attachment_type") var attachmentType: String?
    @OptionalField(key: "attachment_body") var attachmentBody: String?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $recipient, $subject, $bodyText, $bodyHTML, $extraHeaders, $status, $attempts, $nextAttemptAt, $claimToken,
         $lockedUntil, $lastError, $createdAt, $sentAt, $attachmentName, $attachmentType, $attachmentBody]
    }

    init() {}

    enum Status: String, Codable, Sendable {
        case pending
        case sent
        case failed
    }
}

/// One audit trail row. Append-only: the database refuses updates and deletes, and the hash chain
/// exposes any edit made behind its back.
final class AuditEvent: Model, ListedFields, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "occurred_at_ms") var occurredAtMilliseconds: Int64
    @OptionalField(key: "actor_id") var actorID: String?
    @Field(key: "actor_label") var actorLabel: String
    @Field(key: "action") var action: String
    @Field(key: "record_type") var recordType: String
    @OptionalField(key: "record_id") var recordID: String?
    @OptionalField(key: "subject") var subject: String?
    @OptionalField(key: "request_id") var requestID: String?
    @OptionalField(key: "detail") var detail: String?
    @Field(key: "previous_hash") var previousHash: String
    @Field(key: "hash") var hash: String

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $sequence, $occurredAtMilliseconds, $actorID, $actorLabel, $action, $recordType, $recordID, $subject, $requestID,
         $detail, $previousHash, $hash]
    }

    init() {}

    var occurredAt: Date {
        Date(timeIntervalSince1970: Double(occurredAtMilliseconds) / 1000)
    }
}

/// A one-time link to set a new password. Only the token's hash is stored; it expires in an hour.
final class PasswordReset: Model, ListedFields, @unchecked Sendable {
    static let schema = "password_resets"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $tokenHash, $expiresAt, $usedAt, $createdAt] }

    init() {}
}

/// A one-time recovery code for when the authenticator is lost. Stored hashed, like a password.
final class RecoveryCode: Model, ListedFields, @unchecked Sendable {
    static let schema = "recovery_codes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "staff_id") var staff: StaffUser
    @Field(key: "code_hash") var codeHash: String
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $staff, $codeHash, $usedAt, $createdAt] }

    init() {}
}
