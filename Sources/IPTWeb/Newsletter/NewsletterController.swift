import Foundation
import IPTCore
import IPTPages
import Vapor

/// Public newsletter sign-up with double opt-in, and unsubscribe without signing in.
struct NewsletterController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.newsletter, use: form)
        site.post(.newsletter, use: submit)
        site.get(.newsletterCheckInbox, use: checkInbox)
        site.get(.newsletterConfirm, use: confirmPage)
        site.post(.newsletterConfirm, use: confirm)
        site.get(.newsletterConfirmed, use: confirmed)
        site.get(.newsletterUnsubscribe, use: unsubscribePage)
        site.post(.newsletterUnsubscribe, use: unsubscribe)
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
        guard try await request.services.rateLimits.allowPublicForm(.newsletter, from: request.clientAddress, at: request.now, on: request.db) else {
            throw Abort(.tooManyRequests)
        }
        if let trap = body.website, !trap.isEmpty {
            return request.redirect(to: SitePath.newsletterCheckInbox.link)
        }
        switch NewsletterSignup.validate(email: body.email, consent: body.consent == "yes") {
        case .failure(let rejection):
            return try await render(request, email: body.email, consent: body.consent == "yes",
                                    errors: rejection.errors, status: .unprocessableEntity)
        case .success(let email):
            try await SubscriptionService.subscribe(email: email, source: "web form at /newsletter", request: request)
            return request.redirect(to: SitePath.newsletterCheckInbox.link)
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
                                    action: SitePath.newsletterConfirm.link(token), button: "Yes, subscribe me")
    }

    func confirm(_ request: Request) async throws -> Response {
        let token = try tokenParameter(request)
        guard try await SubscriptionService.confirm(token: token, request: request) else {
            return try await invalidLink(request)
        }
        // Redirect after the POST, so reloading the page shows the confirmation again rather than
        // posting a used link ("not valid").
        return request.redirect(to: SitePath.newsletterConfirmed.link)
    }

    func confirmed(_ request: Request) async throws -> Response {
        try await simplePage(request, title: "You are subscribed", notice: "Your subscription is confirmed.", paragraphs: [
            "Every newsletter ends with a link to unsubscribe, which works without signing in.",
        ])
    }

    func unsubscribePage(_ request: Request) async throws -> Response {
        let token = try tokenParameter(request)
        guard try await SubscriptionService.subscriber(unsubscribeToken: token, on: request.db) != nil else {
            return try await invalidLink(request)
        }
        return try await actionPage(request, title: "Unsubscribe from the newsletter",
                                    text: "Press the button and we will stop sending the newsletter to this address straight away.",
                                    action: SitePath.newsletterUnsubscribe.link(token), button: "Unsubscribe")
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
        try await simplePage(request, title: "This link is not valid", notice: nil, paragraphs: [
            "It may have expired, been used already, or been copied incompletely. You can sign up again from the newsletter page.",
        ], status: .notFound)
    }

    private func actionPage(_ request: Request, title: String, text: String, action: String, button: String) async throws -> Response {
        try await request.page(title, NewsletterActionPage.view(.init(title: title, text: text, action: action, button: button)))
    }

    private func simplePage(_ request: Request, title: String, notice: String?, paragraphs: [String],
                            status: HTTPResponseStatus = .ok) async throws -> Response {
        try await request.page(title, NewsletterMessagePage.view(.init(title: title, notice: notice, paragraphs: paragraphs)), status: status)
    }

    private func render(_ request: Request, email: String?, consent: Bool, errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let intro = request.services.content.page("newsletter")
        let model = NewsletterPage.Model(title: intro?.title ?? "Newsletter", introHTML: intro?.html, email: email, consent: consent,
                                         consentWording: NewsletterConsent.current.wording, errors: errors, csrfToken: request.csrfToken)
        return .html(PageLayout.render(title: model.pageTitle, description: intro?.summary, chrome: try await request.chrome(),
                                       content: NewsletterPage.view(model)), status: status)
    }
}
