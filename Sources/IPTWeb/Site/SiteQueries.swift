import Fluent
import Foundation
import IPTCore
import Vapor

/// The public site's reads: the clinicians shown on it and the fee levels (also used by booking).
enum TeamQueries {
    static func publicMembers(on database: any Database) async throws -> [StaffUser] {
        try await StaffUser.query(on: database)
            .filter(\.$isPublic == true)
            .filter(\.$isActive == true)
            .sort(\.$createdAt)
            .all()
    }

    /// A clinician's public profile, with their supervisor, if they show on the site.
    static func publicMember(slug: String, on database: any Database) async throws -> StaffUser? {
        try await StaffUser.query(on: database)
            .filter(\.$slug == slug).filter(\.$isPublic == true).filter(\.$isActive == true)
            .with(\.$supervisor).first()
    }

    static func tiersInOrder(on database: any Database) async throws -> [FeeTier] {
        try await FeeTier.query(on: database).sort(\.$sortOrder).all()
    }

    static func tiersByCode(on database: any Database) async throws -> [String: FeeTier] {
        Dictionary(uniqueKeysWithValues: try await FeeTier.query(on: database).all().map { ($0.code, $0) })
    }

    /// "Dr. Miriam Okafor" -> "Miriam": the name a visitor would use in a first message.
    static func givenName(of fullName: String) -> String {
        let honorifics: Set<String> = ["dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx."]
        return fullName.split(separator: " ").first { !honorifics.contains($0.lowercased()) }.map(String.init) ?? fullName
    }

    static func firstSentence(of text: String) -> String {
        guard let end = text.firstIndex(of: ".") else { return text }
        return String(text[...end])
    }

    /// The default fee levels, inserted on first start; an admin edits amounts later.
    static func ensureFeeTiers(on database: any Database) async throws {
        guard try await FeeTier.query(on: database).count() == 0 else { return }
        let defaults: [FeeTier] = [
            FeeTier(code: FeeTierCode.full.rawValue, label: "Registered psychotherapist", sessionFeeCents: 18_000, currency: "CAD",
                    summary: "An experienced clinician registered with the College of Registered Psychotherapists of Ontario.", sortOrder: 1),
            FeeTier(code: FeeTierCode.qualifying.rawValue, label: "RP (Qualifying)", sessionFeeCents: 12_000, currency: "CAD",
                    summary: "A clinician completing supervised hours toward full registration.", sortOrder: 2),
            FeeTier(code: FeeTierCode.reduced.rawValue, label: "Practicum student (reduced-rate clinic)", sessionFeeCents: 5_000, currency: "CAD",
                    summary: "A graduate student in training, seeing new clients under a clinical supervisor.", sortOrder: 3),
        ]
        for tier in defaults { try await tier.create(on: database) }
    }
}
