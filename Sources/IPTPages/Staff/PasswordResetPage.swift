import IPTCore
import Plot

/// "Forgot your password?": the form asking for the address, the same answer whether or not it has
/// an account, and the page for a link that no longer works.
public enum PasswordResetPage {
    public enum Stage: Sendable, Equatable {
        /// The form, perhaps with an error.
        case asking
        /// The link is on its way (if the address has an account).
        case sent
        /// A reset link that expired, was used or was copied incompletely.
        case linkInvalid
    }

    public struct Model: Sendable {
        public var stage: Stage
        public var email: String?
        public var errors: FieldErrors
        public var csrfToken: String

        public init(stage: Stage, email: String?, errors: FieldErrors, csrfToken: String) {
            self.stage = stage
            self.email = email
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String {
            switch stage {
            case .asking: "Reset your password"
            case .sent: "Check your inbox"
            case .linkInvalid: "This link is not valid"
            }
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .if(model.stage == .sent, .p(.text("If that address belongs to a staff account, a link to choose a new password is on its way. It works for one hour."))),
            .if(model.stage == .linkInvalid, .p(.text("It may have expired, been used already, or been copied incompletely. You can ask for a new one."))),
            .if(model.stage != .sent, .group(
                FormViews.errorSummary(model.errors),
                .form(
                    .class("form narrow"),
                    .method(.post),
                    .novalidate(),
                    .action(SitePath.passwordReset.link),
                    FormViews.csrf(model.csrfToken),
                    FormViews.textField(name: "email", label: "Email address", value: model.email, error: model.errors["email"], type: .email,
                                        autocomplete: "username", maxLength: 254),
                    .button(.class("button"), .type(.submit), .text("Email me a link"))
                )
            )),
            .p(.a(.href(SitePath.signIn.link), .text("Back to sign-in")))
        )
    }
}

/// The page a reset link opens: the new password twice.
public enum NewPasswordPage {
    public struct Model: Sendable {
        public var token: String
        public var minimumLength: Int
        public var errors: FieldErrors
        public var csrfToken: String

        public init(token: String, minimumLength: Int, errors: FieldErrors, csrfToken: String) {
            self.token = token
            self.minimumLength = minimumLength
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Choose a new password"

    // Passwords are never put back into the form: a page that echoes them could be cached or shown.
    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .p(.text("At least \(model.minimumLength) characters; several unrelated words work well. You will be signed out everywhere and can then sign in with it.")),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action(SitePath.passwordResetLink.link(model.token)),
                FormViews.csrf(model.csrfToken),
                FormViews.textField(name: "newPassword", label: "New password", value: nil, error: model.errors["newPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                FormViews.textField(name: "confirmPassword", label: "New password again", value: nil, error: model.errors["confirmPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                .button(.class("button"), .type(.submit), .text("Set my new password"))
            )
        )
    }
}
