import IPTCore
import Plot

/// The staff sign-in form, with a notice after signing out or resetting a password, or the reason
/// the last attempt did not work.
public enum SignInPage {
    public struct Model: Sendable, Equatable {
        public var email: String?
        /// Where to go after signing in, already checked to be a staff path.
        public var next: String
        public var message: String?
        public var signedOut: Bool
        public var passwordReset: Bool
        public var csrfToken: String

        public init(email: String?, next: String, message: String?, signedOut: Bool, passwordReset: Bool, csrfToken: String) {
            self.email = email
            self.next = next
            self.message = message
            self.signedOut = signedOut
            self.passwordReset = passwordReset
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Staff sign-in"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .if(model.signedOut && model.message == nil,
                .div(.class("notice info"), .attribute(named: "role", value: "status"), .p(.text("You are signed out.")))),
            .if(model.passwordReset && model.message == nil,
                .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Your new password is set. Sign in with it.")))),
            .unwrap(model.message) { .div(.class("error-summary"), .attribute(named: "role", value: "alert"), .attribute(named: "tabindex", value: "-1"),
                                          .h2(.text("Sign-in did not work")), .p(.text($0))) },
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action(SitePath.signIn.link),
                FormViews.csrf(model.csrfToken),
                .input(.type(.hidden), .name("next"), .value(model.next)),
                FormViews.textField(name: "email", label: "Email address", value: model.email, error: nil, type: .email,
                                    autocomplete: "username", maxLength: 254),
                FormViews.textField(name: "password", label: "Password", value: nil, error: nil, type: .password,
                                    autocomplete: "current-password", maxLength: 1000),
                .button(.class("button"), .type(.submit), .text("Sign in"))
            ),
            .p(.a(.href(SitePath.passwordReset.link), .text("Forgot your password?"))),
            .p(.class("small muted"), .text("For clinic staff only. Every sign-in and every record opened is recorded in the audit trail."))
        )
    }
}
