import IPTCore
import Plot

/// The portal's sign-in: an email address, answered with a one-time link whether or not the
/// clinic knows it.
public enum PortalSignInPage {
    public struct Model: Sendable {
        public var email: String?
        public var linkMinutes: Int
        public var errors: FieldErrors
        public var csrfToken: String

        public init(email: String?, linkMinutes: Int, errors: FieldErrors, csrfToken: String) {
            self.email = email
            self.linkMinutes = linkMinutes
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Sign in" : "Check the address: Sign in" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Your appointments and forms")),
            .p(.class("lede"), .text("Enter the email address you gave the clinic. We send a link that signs you in once, for \(model.linkMinutes) minutes.")),
            FormViews.errorSummary(model.errors),
            .form(.class("form narrow"), .method(.post), .action(SitePath.portalSignIn.link), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textField(name: "email", label: "Email address", value: model.email, error: model.errors["email"], type: .email,
                                      autocomplete: "email", maxLength: 254),
                  .button(.class("button"), .type(.submit), .text("Email me a sign-in link")))
        )
    }
}

/// The page a sign-in link opens outside the browser that asked for it: one button, so a mail
/// scanner that fetches the link does not use it up. In the asking browser the link signs in at once.
public enum PortalLinkPage {
    public struct Model: Sendable, Equatable {
        public var token: String
        public var csrfToken: String

        public init(token: String, csrfToken: String) {
            self.token = token
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Sign in on this device")),
            .p(.class("lede"), .text("This link was opened somewhere other than the browser that asked for it, so we ask for one press before signing you in. It keeps email security scanners, which open links on their own, from using it up.")),
            .form(.class("form"), .method(.post), .action(SitePath.portalSignInLink.link(model.token)),
                  FormViews.csrf(model.csrfToken),
                  .button(.class("button"), .type(.submit), .text("Sign in to my appointments and forms"))),
            .p(.class("hint"), .text("If you did not ask for this link, close this page: nothing happens until the button is pressed."))
        )
    }
}
