import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// Stores enquiries and queues their acknowledgement in the same transaction.
enum EnquiryStore {
    static func save(_ submission: EnquirySubmission, source: String, request: Request) async throws {
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let id = UUID()
        let keyRing = request.services.keyRing
        let stored = try await request.db.writeTransaction { database -> Bool in
            // The same message sent twice (a double click, a retry after a slow answer) is one
            // enquiry and one acknowledgement. On PostgreSQL two at once wait on the address.
            if DatabaseEngine(of: database) == .postgres {
                _ = try await (database as! any SQLDatabase).raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "enquiry:" + submission.email.lowercased())))").all()
            }
            let recent = try await Enquiry.query(on: database).filter(\.$createdAt >= now.addingTimeInterval(-15 * 60)).all()
            let repeated = try recent.contains { earlier in
                guard earlier.email.lowercased() == submission.email.lowercased(), let earlierID = earlier.id else { return false }
                return try keyRing.open(earlier.message, Enquiry.messageContext(earlierID)) == submission.message
            }
            if repeated { return false }
            let enquiry = Enquiry()
            enquiry.id = id
            enquiry.name = submission.name
            enquiry.email = submission.email
            enquiry.phone = submission.phone
            enquiry.preferredContact = submission.preferredContact.rawValue
            enquiry.message = try request.services.keyRing.seal(submission.message, Enquiry.messageContext(id))
            enquiry.source = source
            enquiry.status = Enquiry.Status.open
            enquiry.createdAt = now
            try await enquiry.create(on: database)
            // The acknowledgement repeats nothing that was typed, not even the name: email is not a
            // safe place for the message, and echoing free text would let anyone use the form to
            // send their words to any address under the clinic's name.
            try await Outbox.enqueue(
                to: submission.email,
                subject: "We received your message - \(clinic.name)",
                body: """
                Hello,

                Thank you for contacting \(clinic.name). Your message has reached us, and a member of our team will reply within two business days.

                If you need to reach us sooner, call \(clinic.phone).

                This inbox is not watched around the clock. If you are thinking about suicide, call or text 9-8-8 at any time. If you or someone else is in immediate danger, call 911.

                \(clinic.name)
                \(clinic.address)
                """,
                at: now, on: database)
            return true
        }
        if stored { request.nudgeOutbox() }
    }
}

enum EnquiryQueries {
    /// What the inbox lists of an enquiry: not the sealed message, which only the enquiry's own
    /// page opens.
    struct Summary: Sendable {
        let id: UUID
        let name: String
        let preferredContact: String
        let status: String
        let createdAt: Date

        var statusLabel: String { Enquiry.Status(rawValue: status)?.label ?? status }
    }

    /// The inbox, newest first, optionally one status only. Plain SQL: this list is read on every
    /// visit to the inbox, and decoding Fluent models (reflection) cost more than the query.
    static func inbox(status: Enquiry.Status?, page: Int, size: Int, on database: any SQLDatabase) async throws -> PageOfRows<Summary> {
        let number = max(1, min(100_000, page))
        let filter: SQLQueryString = status.map { "WHERE status = \(bind: $0.rawValue)" } ?? ""
        let rows = try await database.raw("""
            SELECT id, name, preferred_contact, status, created_at FROM enquiries \(filter)
            ORDER BY created_at DESC, id LIMIT \(bind: size + 1) OFFSET \(bind: (number - 1) * size)
            """).all()
        let summaries = try rows.map { row in
            Summary(id: try row.decode(column: "id", as: UUID.self),
                    name: try row.decode(column: "name", as: String.self),
                    preferredContact: try row.decode(column: "preferred_contact", as: String.self),
                    status: try row.decode(column: "status", as: String.self),
                    createdAt: try row.decode(column: "created_at", as: Date.self))
        }
        return PageOfRows(rows: Array(summaries.prefix(size)), number: number, hasMore: summaries.count > size)
    }

    /// One enquiry with the staff member who handled it.
    static func find(_ id: UUID, on database: any Database) async throws -> Enquiry? {
        try await Enquiry.query(on: database).filter(\.$id == id).with(\.$handledBy).first()
    }

    /// Marks an open enquiry handled. Returns false when it was no longer open: two people pressing
    /// the button at once must not overwrite each other's note.
    static func markHandled(_ id: UUID, by staffID: UUID, note: String?, at now: Date, on database: any Database) async throws -> Bool {
        try await Enquiry.query(on: database)
            .filter(\.$id == id)
            .filter(\.$status == Enquiry.Status.open)
            .set(\.$status, to: Enquiry.Status.handled)
            .set(\.$handledBy.$id, to: staffID)
            .set(\.$handledAt, to: now)
            .set(\.$handlingNote, to: note)
            .update()
        let stored = try await Enquiry.find(id, on: database)
        return stored?.$handledBy.id == staffID
    }
}
