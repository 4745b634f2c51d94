import IPTCore
import Plot

/// The public newsletter sign-up: the clinic's introduction and a form for an address and consent.
public enum NewsletterPage {
    public struct Model: Sendable {
        public var title: String
        public var introHTML: String?
        public var email: String?
        public var consent: Bool
        /// The consent sentence the person agrees to, stored with their subscription.
        public var consentWording: String
        public var errors: FieldErrors
        public var csrfToken: String

        public init(title: String, introHTML: String?, email: String?, consent: Bool, consentWording: String, errors: FieldErrors, csrfToken: String) {
            self.title = title
            self.introHTML = introHTML
            self.email = email
            self.consent = consent
            self.consentWording = consentWording
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var pageTitle: String { errors.isEmpty ? title : "Check the form: \(title)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .unwrap(model.introHTML) { .div(.class("prose"), .raw($0)) },
            FormViews.errorSummary(model.errors),
            .form(
                .class("form"),
                .method(.post),
                .action(SitePath.newsletter.link),
                .novalidate(),
                FormViews.csrf(model.csrfToken),
                FormViews.textField(name: "email", label: "Email address", value: model.email, error: model.errors["email"],
                                    type: .email, autocomplete: "email", maxLength: TextRules.Limits.email),
                FormViews.checkbox(name: "consent", label: model.consentWording, checked: model.consent, error: model.errors["consent"]),
                FormViews.honeypot(),
                .button(.class("button"), .type(.submit), .text("Sign up"))
            ),
            .p(.class("small"), .text("We send a confirmation link first; you are only subscribed once you use it. "),
               .a(.href(SitePath.privacyNotice.link), .text("How we handle your address")))
        )
    }
}

/// A page of the sign-up's steps (check your inbox, subscribed, unsubscribed, a link that does not
/// work): a heading, perhaps a confirmation, a few sentences and the way home.
public enum NewsletterMessagePage {
    public struct Model: Sendable, Equatable {
        public var title: String
        public var notice: String?
        public var paragraphs: [String]

        public init(title: String, notice: String?, paragraphs: [String]) {
            self.title = title
            self.notice = notice
            self.paragraphs = paragraphs
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .forEach(model.paragraphs) { .p(.text($0)) },
            .p(.a(.href(SitePath.home.link), .text("Back to the home page")))
        )
    }
}

/// A link from an email that asks for a press of a button before it changes anything (confirming or
/// ending a subscription), so a mail scanner that opens links does not.
public enum NewsletterActionPage {
    public struct Model: Sendable, Equatable {
        public var title: String
        public var text: String
        public var action: String
        public var button: String

        public init(title: String, text: String, action: String, button: String) {
            self.title = title
            self.text = text
            self.action = action
            self.button = button
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .p(.text(model.text)),
            .form(.class("form"), .method(.post), .action(model.action),
                  .button(.class("button"), .type(.submit), .text(model.button)))
        )
    }
}
