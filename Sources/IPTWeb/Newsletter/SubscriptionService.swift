import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// Subscription state changes, shared by the web form and the API.
enum SubscriptionService {
    static let confirmationLifetime: TimeInterval = 48 * 60 * 60

    /// Records consent and sends a confirmation link. Gives the caller no sign of whether the
    /// address was new, pending or already subscribed.
    static func subscribe(email: String, source: String, request: Request) async throws {
        do {
            try await record(email: email, source: source, request: request)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two sign-ups for a new address at once: one inserted first, so the other now finds
            // the row and updates it. (SQLite's immediate transactions never get here; PostgreSQL can.)
            try await record(email: email, source: source, request: request)
        }
        request.nudgeOutbox()
    }

    private static func record(email: String, source: String, request: Request) async throws {
        let now = request.now
        let consent = NewsletterConsent.current
        let clinic = try await request.services.clinic.current(on: request.db)
        let baseURL = request.services.settings.publicBaseURL
        try await request.db.writeTransaction { database in
            let existing = try await Subscriber.query(on: database).filter(\.$email == email).first()
            if let existing, existing.status == Subscriber.Status.confirmed {
                // The same work as for a new address (one durable write, one email), so neither
                // the answer nor its timing tells a stranger that this address subscribes.
                try await Outbox.enqueue(
                    to: email,
                    subject: "You already receive our newsletter - \(clinic.name)",
                    body: """
                    Hello,

                    Someone, hopefully you, asked to subscribe this address to the \(clinic.name) newsletter. It is already subscribed, so there is nothing to do.

                    If you would rather stop receiving it, use this link:
                    \(baseURL)\(SitePath.newsletterUnsubscribe.link(existing.unsubscribeToken))

                    \(clinic.name)
                    \(clinic.address)
                    """,
                    at: now, on: database)
                return
            }
            let subscriber = existing ?? Subscriber()
            let token = SecureToken.make()
            if existing == nil {
                subscriber.id = UUID()
                subscriber.email = email
                subscriber.unsubscribeToken = SecureToken.make()
                subscriber.createdAt = now
            }
            subscriber.status = Subscriber.Status.pending
            subscriber.consentWording = consent.wording
            subscriber.consentVersion = consent.version
            subscriber.consentSource = source
            subscriber.consentAt = now
            subscriber.confirmTokenHash = HexDigest.sha256(token)
            subscriber.confirmExpiresAt = now.addingTimeInterval(confirmationLifetime)
            subscriber.unsubscribedAt = nil
            try await subscriber.save(on: database)
            try await Outbox.enqueue(
                to: email,
                subject: "Please confirm your newsletter subscription - \(clinic.name)",
                body: """
                Hello,

                Someone, hopefully you, asked to receive the \(clinic.name) newsletter at this address.

                To confirm, open this link within 48 hours:
                \(baseURL)\(SitePath.newsletterConfirm.link(token))

                If you did not ask for this, ignore this email: you will not be subscribed and we will not write again.

                \(clinic.name)
                \(clinic.address)
                """,
                at: now, on: database)
        }
    }

    static func subscriber(unsubscribeToken token: String, on database: any Database) async throws -> Subscriber? {
        try await Subscriber.query(on: database).filter(\.$unsubscribeToken == token).first()
    }

    static func pendingSubscriber(token: String, request: Request) async throws -> Subscriber? {
        guard let subscriber = try await Subscriber.query(on: request.db)
            .filter(\.$confirmTokenHash == HexDigest.sha256(token)).first(),
              subscriber.status == Subscriber.Status.pending,
              let expires = subscriber.confirmExpiresAt, expires > request.now
        else { return nil }
        return subscriber
    }

    /// Confirms by one conditional update: the link works once, and an unsubscription that lands
    /// between opening the link and pressing the button is not overwritten.
    static func confirm(token: String, request: Request) async throws -> Bool {
        let now = request.now
        let claimed = try await (request.db as! any SQLDatabase).update(Subscriber.schema)
            .set("status", to: Subscriber.Status.confirmed)
            .set("confirmed_at", to: now)
            .set("confirm_token_hash", to: SQLLiteral.null)
            .set("confirm_expires_at", to: SQLLiteral.null)
            .where("confirm_token_hash", .equal, HexDigest.sha256(token))
            .where("status", .equal, Subscriber.Status.pending)
            .where("confirm_expires_at", .greaterThan, now)
            .returning("id").all()
        return !claimed.isEmpty
    }

    static func unsubscribe(token: String, request: Request) async throws -> Bool {
        guard let subscriber = try await Subscriber.query(on: request.db).filter(\.$unsubscribeToken == token).first() else {
            return false
        }
        if subscriber.status != Subscriber.Status.unsubscribed {
            subscriber.status = Subscriber.Status.unsubscribed
            subscriber.unsubscribedAt = request.now
            subscriber.confirmTokenHash = nil
            try await subscriber.update(on: request.db)
        }
        return true
    }
}
