import Fluent
import Foundation
import IPTCore

// The Fluent models of questionnaires, their answers and the safety workflow.

/// One questionnaire sent to a client: open by its link until completed or expired.
final class MeasureResponse: Model, ListedFields, @unchecked Sendable {
    static let schema = "measure_responses"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "clinician_id") var clinician: StaffUser
    @OptionalParent(key: "appointment_id") var appointment: Appointment?
    @Field(key: "instrument_code") var instrumentCode: String
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "status") var status: FormLinkStatus
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

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $clinician, $appointment, $instrumentCode, $tokenHash, $status, $answersSealed, $sharedWithGuardian,
         $scoreSealed, $createdAt, $expiresAt, $completedAt]
    }

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
final class RiskAlert: Model, ListedFields, @unchecked Sendable {
    static let schema = "risk_alerts"

    enum Source: String, Codable, Sendable {
        case questionnaire
        case sessionNote = "session-note"
    }

    enum Status: String, Codable, Sendable {
        /// Waiting for the clinician's follow-up.
        case open
        case closed
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "source") var source: Source
    @OptionalParent(key: "response_id") var response: MeasureResponse?
    @OptionalParent(key: "note_id") var note: SessionNoteRow?
    @Parent(key: "clinician_id") var clinician: StaffUser
    @OptionalParent(key: "supervisor_id") var supervisor: StaffUser?
    @Field(key: "status") var status: Status
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "escalated_at") var escalatedAt: Date?
    @OptionalField(key: "follow_up_sealed") var followUpSealed: String?
    @OptionalParent(key: "closed_by") var closedBy: StaffUser?
    @OptionalField(key: "closed_at") var closedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] {
        [$id, $client, $source, $response, $note, $clinician, $supervisor, $status, $createdAt, $escalatedAt, $followUpSealed,
         $closedBy, $closedAt]
    }

    init() {}

    static func followUpContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "follow_up_sealed", client: client)
    }
}

/// A standing fact on a client's chart that each administration should not raise again, such as a
/// suicide attempt reported at some time in the past. One per client and kind.
final class ClientFlag: Model, ListedFields, @unchecked Sendable {
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

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $kind, $response, $createdAt] }

    init() {}
}

/// A pre-therapy self-assessment sent to a client.
final class SelfAssessmentRecord: Model, ListedFields, @unchecked Sendable {
    static let schema = "self_assessments"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "clinician_id") var clinician: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "status") var status: FormLinkStatus
    @OptionalField(key: "answers_sealed") var answersSealed: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $clinician, $tokenHash, $status, $answersSealed, $createdAt, $expiresAt, $completedAt] }

    init() {}

    static func answersContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "answers_sealed", client: client)
    }
}
