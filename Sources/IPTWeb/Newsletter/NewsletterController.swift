import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import SQLKit
import Vapor

/// Public newsletter sign-up with double opt-in, and unsubscribe without signing in.
struct NewsletterController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let newsletter = routes.grouped("newsletter")
        newsletter.get(use: form)
        newsletter.post(use: submit)
        newsletter.get("check-your-inbox", use: checkInbox)
        newsletter.get("confirm", ":token", use: confirmPage)
        newsletter.post("confirm", ":token", use: confirm)
        newsletter.get("confirmed", use: confirmed)
        newsletter.get("unsubscribe", ":token", use: unsubscribePage)
        newsletter.post("unsubscribe", ":token", use: unsubscribe)
    }

    struct FormBody: Content {
        var email: String?
        var consent: String?
        var website: String?
    }

    func form(_ request: Request) async throws -> Response {
        try await render(request, email: nil, consent: false, errors: FieldErrors())
    }

    func submit(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(FormBody.self, from: request)
        guard request.services.rateLimits.allowPublicForm(.newsletter, from: request.clientAddress, at: request.now) else {
            throw Abort(.tooManyRequests)
        }
        if let trap = body.website, !trap.isEmpty {
            return request.redirect(to: "/newsletter/check-your-inbox")
        }
        switch NewsletterSignup.validate(email: body.email, consent: body.consent == "yes") {
        case .failure(let rejection):
            return try await render(request, email: body.email, consent: body.consent == "yes",
                                    errors: rejection.errors, status: .unprocessableEntity)
        case .success(let email):
            try await SubscriptionService.subscribe(email: email, source: "web form at /newsletter", request: request)
            return request.redirect(to: "/newsletter/check-your-inbox")
        }
    }

    func checkInbox(_ request: Request) async throws -> Response {
        try await simplePage(request, title: "Check your inbox", notice: nil, paragraphs: [
            "If this address can receive our newsletter, a message with a confirmation link is on its way. The link works for 48 hours.",
            "Nothing is sent to you until you confirm. If the message does not arrive, check your spam folder.",
        ])
    }

    func confirmPage(_ request: Request) async throws -> Response {
        let token = try tokenParameter(request)
        guard try await SubscriptionService.pendingSubscriber(token: token, request: request) != nil else {
            return try await invalidLink(request)
        }
        return try await actionPage(request, title: "Confirm your subscription",
                                    text: "Press the button to start receiving the newsletter at this address.",
                                    action: "/newsletter/confirm/\(token)", button: "Yes, subscribe me")
    }

    func confirm(_ request: Request) async throws -> Response {
        let token = try tokenParameter(request)
        guard try await SubscriptionService.confirm(token: token, request: request) else {
            return try await invalidLink(request)
        }
        // Redirect after the POST, so reloading the page shows the confirmation again rather than
        // posting a used link ("not valid").
        return request.redirect(to: "/newsletter/confirmed")
    }

    func confirmed(_ request: Request) async throws -> Response {
        try await simplePage(request, title: "You are subscribed", notice: "Your subscription is confirmed.", paragraphs: [
            "Every newsletter ends with a link to unsubscribe, which works without signing in.",
        ])
    }

    func unsubscribePage(_ request: Request) async throws -> Response {
        let token = try tokenParameter(request)
        guard try await Subscriber.query(on: request.db).filter(\.$unsubscribeToken == token).first() != nil else {
            return try await invalidLink(request)
        }
        return try await actionPage(request, title: "Unsubscribe from the newsletter",
                                    text: "Press the button and we will stop sending the newsletter to this address straight away.",
                                    action: "/newsletter/unsubscribe/\(token)", button: "Unsubscribe")
    }

    /// Also the RFC 8058 one-click target named in every issue's List-Unsubscribe header.
    func unsubscribe(_ request: Request) async throws -> Response {
        let token = try tokenParameter(request)
        guard try await SubscriptionService.unsubscribe(token: token, request: request) else {
            return try await invalidLink(request)
        }
        return try await simplePage(request, title: "You are unsubscribed", notice: "We will not send you the newsletter again.", paragraphs: [
            "If this was a mistake, you can sign up again at any time from the newsletter page.",
        ])
    }

    private func tokenParameter(_ request: Request) throws -> String {
        guard let token = request.parameters.get("token"), token.count <= 100 else { throw Abort(.notFound) }
        return token
    }

    private func invalidLink(_ request: Request) async throws -> Response {
        let response = try await simplePage(request, title: "This link is not valid", notice: nil, paragraphs: [
            "It may have expired, been used already, or been copied incompletely. You can sign up again from the newsletter page.",
        ])
        response.status = .notFound
        return response
    }

    private func actionPage(_ request: Request, title: String, text: String, action: String, button: String) async throws -> Response {
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(title)),
            .p(.text(text)),
            .form(.class("form"), .method(.post), .action(attributeSafe(action)),
                  .button(.class("button"), .type(.submit), .text(button)))
        )
        return .html(PageLayout.render(title: title, chrome: chrome, content: content))
    }

    private func simplePage(_ request: Request, title: String, notice: String?, paragraphs: [String]) async throws -> Response {
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(title)),
            .unwrap(notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .forEach(paragraphs) { .p(.text($0)) },
            .p(.a(.href("/"), .text("Back to the home page")))
        )
        return .html(PageLayout.render(title: title, chrome: chrome, content: content))
    }

    private func render(_ request: Request, email: String?, consent: Bool, errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let intro = request.services.content.page("newsletter")
        let title = intro?.title ?? "Newsletter"
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(title)),
            .unwrap(intro) { .div(.class("prose"), .raw($0.html)) },
            FormViews.errorSummary(errors),
            .form(
                .class("form"),
                .method(.post),
                .action("/newsletter"),
                .novalidate(),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "email", label: "Email address", value: email, error: errors["email"],
                                    type: .email, autocomplete: "email", maxLength: TextRules.Limits.email),
                FormViews.checkbox(name: "consent", label: NewsletterConsent.current.wording, checked: consent,
                                   error: errors["consent"]),
                FormViews.honeypot(),
                .button(.class("button"), .type(.submit), .text("Sign up"))
            ),
            .p(.class("small"), .text("We send a confirmation link first; you are only subscribed once you use it. "),
               .a(.href("/privacy"), .text("How we handle your address")))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? title : "Check the form: \(title)", description: intro?.summary,
                                       chrome: chrome, content: content), status: status)
    }
}

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
                    \(baseURL)/newsletter/unsubscribe/\(existing.unsubscribeToken)

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
                \(baseURL)/newsletter/confirm/\(token)

                If you did not ask for this, ignore this email: you will not be subscribed and we will not write again.

                \(clinic.name)
                \(clinic.address)
                """,
                at: now, on: database)
        }
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
