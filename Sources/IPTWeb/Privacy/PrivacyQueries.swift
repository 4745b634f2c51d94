import Fluent
import Foundation
import IPTCore
import Vapor

/// The queries behind the record pages: copies released, requests, and the retention report.
enum PrivacyQueries {
    /// The latest copy released to the client, if any.
    static func releasedCopy(of clientID: UUID, on db: any Database) async throws -> RecordRequest? {
        try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$kind == RecordRequest.Kind.access)
            .filter(\.$status == RecordRequest.Status.provided).sort(\.$resolvedAt, .descending).first()
    }

    /// Whether the client already has a request for a copy waiting.
    static func hasOpenAccessRequest(_ clientID: UUID, on db: any Database) async throws -> Bool {
        try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$kind == RecordRequest.Kind.access)
            .filter(\.$status == RecordRequest.Status.open).count() > 0
    }

    /// The newest requests (at most 200) with their clients.
    static func recentRequests(on db: any Database) async throws -> [RecordRequest] {
        try await RecordRequest.query(on: db).with(\.$client).sort(\.$requestedAt, .descending).limit(200).all()
    }

    static func request(_ id: UUID, on db: any Database) async throws -> RecordRequest? {
        try await RecordRequest.query(on: db).filter(\.$id == id).with(\.$client).first()
    }

    /// Records destroyed, newest first, with who destroyed them.
    static func tombstones(on db: any Database) async throws -> [RecordTombstone] {
        try await RecordTombstone.query(on: db).sort(\.$destroyedAt, .descending).limit(100).with(\.$destroyedBy).all()
    }

    /// The holds on a record not yet lifted.
    static func activeHolds(of clientID: UUID, on db: any Database) async throws -> [RecordHold] {
        try await RecordHold.query(on: db).filter(\.$client.$id == clientID).filter(\.$liftedAt == nil).all()
    }

    /// The message a staff page shows after a redirect with `done`, as the chart pages word it.
    static func doneNotice(_ request: Request) -> String? {
        let messages = ["saved": "Saved.", "signed": "Signed.", "cosigned": "Co-signed; the note is final.", "returned": "Returned to the student with your comments.",
                        "amended": "Amendment added; the original is kept beside it.", "logged": "Supervision session logged.",
                        "overridden": "Phase override saved.", "cleared": "The phase follows the sessions held again.", "deleted": "Removed."]
        return request.query[String.self, at: "done"].flatMap { messages[$0] }
    }
}
