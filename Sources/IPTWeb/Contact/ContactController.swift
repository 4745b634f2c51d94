import Foundation
import IPTCore
import IPTPages
import Vapor

/// The contact form ("send us an enquiry").
struct ContactController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.contact, use: form)
        site.post(.contact, use: submit)
        site.get(.contactThanks, use: thanks)
    }

    struct FormBody: Content {
        var name: String?
        var email: String?
        var phone: String?
        var preferredContact: String?
        var message: String?
        var consent: String?
        var website: String?
    }

    func form(_ request: Request) async throws -> Response {
        try await render(request, draft: EnquiryDraft(preferredContact: "email"), errors: FieldErrors())
    }

    func submit(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(FormBody.self, from: request)
        guard try await request.services.rateLimits.allowPublicForm(.enquiry, from: request.clientAddress, at: request.now, on: request.db) else {
            throw Abort(.tooManyRequests)
        }
        // A filled honeypot is a bot: answer as if it worked so it learns nothing, store nothing.
        if let trap = body.website, !trap.isEmpty {
            return request.redirect(to: SitePath.contactThanks.link)
        }
        let draft = EnquiryDraft(name: body.name, email: body.email, phone: body.phone,
                                 preferredContact: body.preferredContact, message: body.message,
                                 consent: body.consent == "yes")
        switch EnquirySubmission.validate(draft) {
        case .failure(let rejection):
            return try await render(request, draft: draft, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let submission):
            try await EnquiryStore.save(submission, source: "web", request: request)
            return request.redirect(to: SitePath.contactThanks.link)
        }
    }

    func thanks(_ request: Request) async throws -> Response {
        try await request.page(ContactThanksPage.title, ContactThanksPage.view())
    }

    private func render(_ request: Request, draft: EnquiryDraft, errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let intro = request.services.content.page("contact")
        let model = ContactPage.Model(title: intro?.title ?? "Contact us", introHTML: intro?.html, phone: chrome.clinic.phone,
                                      email: chrome.clinic.email, draft: draft, errors: errors, csrfToken: request.csrfToken)
        let html = PageLayout.render(title: model.pageTitle, description: intro?.summary, chrome: chrome, content: ContactPage.view(model))
        return .html(html, status: status)
    }
}
