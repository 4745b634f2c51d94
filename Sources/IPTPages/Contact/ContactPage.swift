import IPTCore
import Plot

/// The contact form: the clinic's introduction, its phone and email, and the enquiry form with what
/// was typed kept when something needs fixing.
public enum ContactPage {
    public struct Model: Sendable {
        public var title: String
        public var introHTML: String?
        public var phone: String
        public var email: String
        public var draft: EnquiryDraft
        public var errors: FieldErrors
        public var csrfToken: String

        public init(title: String, introHTML: String?, phone: String, email: String, draft: EnquiryDraft, errors: FieldErrors, csrfToken: String) {
            self.title = title
            self.introHTML = introHTML
            self.phone = phone
            self.email = email
            self.draft = draft
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var pageTitle: String { errors.isEmpty ? title : "Check your message: \(title)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let limits = EnquirySubmission.Limits.self
        let draft = model.draft
        let errors = model.errors
        return .group(
            .h1(.text(model.title)),
            .unwrap(model.introHTML) { .div(.class("prose"), .raw($0)) },
            .p(.text("You can also call us at "), .a(.href("tel:\(model.phone.filter(\.isNumber))"), .text(model.phone)),
               .text(" or write to "), .a(.href("mailto:\(model.email)"), .text(model.email)), .text(".")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"),
                .method(.post),
                .action(SitePath.contact.link),
                .novalidate(),
                FormViews.csrf(model.csrfToken),
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
            .p(.class("small"), .a(.href(SitePath.privacyNotice.link), .text("Read our privacy notice")))
        )
    }
}

/// What someone sees after sending an enquiry.
public enum ContactThanksPage {
    public static let title = "Message sent"

    public static func view() -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Thank you, your message is on its way")),
            .div(.class("notice success"), .attribute(named: "role", value: "status"),
                 .p(.text("We have received it and will reply within two business days. A short confirmation is on its way to your inbox."))),
            .p(.text("If things feel unmanageable before we reply, the crisis numbers at the bottom of this page are there for you at any hour.")),
            .p(.a(.href(SitePath.home.link), .text("Back to the home page")))
        )
    }
}
