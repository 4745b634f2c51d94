import Fluent
import Foundation
import IPTCore

// The Fluent models of intake forms and signed consents.

/// Intake forms sent to a client.
final class IntakeRecord: Model, ListedFields, @unchecked Sendable {
    static let schema = "intakes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Parent(key: "clinician_id") var clinician: StaffUser
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "status") var status: FormLinkStatus
    @OptionalField(key: "details_sealed") var detailsSealed: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $clinician, $tokenHash, $status, $detailsSealed, $createdAt, $expiresAt, $completedAt] }

    init() {}

    static func detailsContext(_ id: UUID, client: UUID) -> SealContext {
        SealContext(schema, row: id, column: "details_sealed", client: client)
    }
}

/// One signed consent.
final class ConsentRecord: Model, ListedFields, @unchecked Sendable {
    static let schema = "consents"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @OptionalParent(key: "intake_id") var intake: IntakeRecord?
    @Field(key: "kind") var kind: ConsentDocument.Kind
    @Field(key: "version") var version: String
    @Field(key: "text_sha256") var textSHA256: String
    /// The name the client typed to sign, sealed (bound to this row and client): read it with `typedName(_:)`.
    @Field(key: "typed_name_sealed") var typedNameSealed: String
    @Field(key: "signed_at") var signedAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $intake, $kind, $version, $textSHA256, $typedNameSealed, $signedAt] }

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
