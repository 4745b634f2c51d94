import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The contact form ("send us an enquiry").
struct ContactController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("contact", use: form)
        routes.post("contact", use: submit)
        routes.get("contact", "thanks", use: thanks)
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
        guard request.services.rateLimits.allowPublicForm(.enquiry, from: request.clientAddress, at: request.now) else {
            throw Abort(.tooManyRequests)
        }
        // A filled honeypot is a bot: answer as if it worked so it learns nothing, store nothing.
        if let trap = body.website, !trap.isEmpty {
            return request.redirect(to: "/contact/thanks")
        }
        let draft = EnquiryDraft(name: body.name, email: body.email, phone: body.phone,
                                 preferredContact: body.preferredContact, message: body.message,
                                 consent: body.consent == "yes")
        switch EnquirySubmission.validate(draft) {
        case .failure(let rejection):
            return try await render(request, draft: draft, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let submission):
            try await EnquiryStore.save(submission, source: "web", request: request)
            return request.redirect(to: "/contact/thanks")
        }
    }

    func thanks(_ request: Request) async throws -> Response {
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Thank you, your message is on its way")),
            .div(.class("notice success"), .attribute(named: "role", value: "status"),
                 .p(.text("We have received it and will reply within two business days. A short confirmation is on its way to your inbox."))),
            .p(.text("If things feel unmanageable before we reply, the crisis numbers at the bottom of this page are there for you at any hour.")),
            .p(.a(.href("/"), .text("Back to the home page")))
        )
        return .html(PageLayout.render(title: "Message sent", chrome: chrome, content: content))
    }

    private func render(_ request: Request, draft: EnquiryDraft, errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let intro = request.services.content.page("contact")
        let limits = EnquirySubmission.Limits.self
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(intro?.title ?? "Contact us")),
            .unwrap(intro) { .div(.class("prose"), .raw($0.html)) },
            .p(.text("You can also call us at "), .a(.href("tel:\(chrome.clinic.phone.filter(\.isNumber))"), .text(chrome.clinic.phone)),
               .text(" or write to "), .a(.href(attributeSafe("mailto:\(chrome.clinic.email)")), .text(chrome.clinic.email)), .text(".")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"),
                .method(.post),
                .action("/contact"),
                .novalidate(),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "name", label: "Your name", value: draft.name, error: errors["name"],
                                    autocomplete: "name", maxLength: limits.name),
                FormViews.textField(name: "email", label: "Email address", value: draft.email, error: errors["email"],
                                    type: .email, autocomplete: "email", maxLength: limits.email),
                FormViews.textField(name: "phone", label: "Phone number", value: draft.phone, error: errors["phone"],
                                    type: .tel, autocomplete: "tel", required: false, maxLength: limits.phone),
                FormViews.radioGroup(name: "preferredContact", legend: "How would you like us to contact you?",
                                     options: ContactPreference.allCases.map { ($0.rawValue, $0.label) },
                                     selected: draft.preferredContact, error: errors["preferredContact"]),
                FormViews.textArea(name: "message", label: "Your message", value: draft.message, error: errors["message"],
                                   maxLength: limits.message,
                                   hint: "A few lines about what you are looking for is enough. Please keep detailed health information for your first conversation with us."),
                FormViews.checkbox(name: "consent",
                                   label: "I agree that the clinic may store these details and use them to answer my enquiry, as described in the privacy notice.",
                                   checked: draft.consent, error: errors["consent"]),
                FormViews.honeypot(),
                .button(.class("button"), .type(.submit), .text("Send my message"))
            ),
            .p(.class("small"), .a(.href("/privacy"), .text("Read our privacy notice")))
        )
        let html = PageLayout.render(title: errors.isEmpty ? (intro?.title ?? "Contact us") : "Check your message: \(intro?.title ?? "Contact us")",
                                     description: intro?.summary, chrome: chrome, content: content)
        return .html(html, status: status)
    }
}

/// Stores enquiries and queues their acknowledgement in the same transaction.
enum EnquiryStore {
    static func save(_ submission: EnquirySubmission, source: String, request: Request) async throws {
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let id = UUID()
        try await request.db.writeTransaction { database in
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
        }
        request.nudgeOutbox()
    }
}

/// Decodes form or JSON bodies, refusing other media types with 415.
enum FormInput {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) throws -> T {
        guard let contentType = request.headers.contentType,
              contentType == .urlEncodedForm || contentType == .formData
        else {
            throw Abort(.unsupportedMediaType)
        }
        do {
            return try request.content.decode(T.self)
        } catch {
            throw Abort(.badRequest, reason: "The form could not be read. Go back, reload the page and try again.")
        }
    }
}
