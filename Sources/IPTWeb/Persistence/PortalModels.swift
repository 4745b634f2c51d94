import Fluent
import Foundation
import IPTCore

// The Fluent models of the client portal's one-time links and sessions.

/// A one-time link to the client portal, for the client or their guardian.
final class PortalLink: Model, ListedFields, @unchecked Sendable {
    static let schema = "portal_links"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "as_guardian") var asGuardian: Bool
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    /// The hash of the cookie given to the browser that asked for the link (M038).
    @OptionalField(key: "browser_hash") var browserHash: String?
    @Field(key: "created_at") var createdAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $asGuardian, $tokenHash, $expiresAt, $usedAt, $browserHash, $createdAt] }

    init() {}
}

/// A signed-in portal session; only the hash of the cookie's token is stored.
final class PortalSession: Model, ListedFields, @unchecked Sendable {
    static let schema = "portal_sessions"

    @ID(key: .id) var id: UUID?
    @Parent(key: "client_id") var client: ClientRecord
    @Field(key: "as_guardian") var asGuardian: Bool
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $client, $asGuardian, $tokenHash, $createdAt, $lastSeenAt] }

    init() {}
}
