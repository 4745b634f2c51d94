import IPTCore
import Plot

/// The step after the password for those with two-factor sign-in: the code from the app or a
/// recovery code, and a way to give up and sign out.
public enum TwoFactorCodePage {
    public struct Model: Sendable {
        /// Where to go after the code, already checked to be a staff path.
        public var next: String
        public var errors: FieldErrors
        public var csrfToken: String

        public init(next: String, errors: FieldErrors, csrfToken: String) {
            self.next = next
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Enter your sign-in code"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .p(.text("Open your authenticator app and type the 6-digit code it shows for this clinic. Lost your phone? Type one of your recovery codes instead.")),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action(SitePath.twoFactor.link),
                FormViews.csrf(model.csrfToken),
                .input(.type(.hidden), .name("next"), .value(model.next)),
                FormViews.textField(name: "code", label: "Code", value: nil, error: model.errors["code"], autocomplete: "one-time-code",
                                    maxLength: 20, hint: "6 digits, or a recovery code like abcd-efgh-ijkl"),
                .button(.class("button"), .type(.submit), .text("Continue"))
            ),
            .form(.class("inline"), .method(.post), .action(SitePath.signOut.link), FormViews.csrf(model.csrfToken),
                  .button(.class("link-button"), .type(.submit), .text("Cancel and sign out")))
        )
    }
}

/// Setting up two-factor sign-in: the QR code to scan (an SVG the app draws), the key to type
/// instead, and the form that confirms a first code. The secret travels sealed in the form.
public enum TwoFactorSetupPage {
    public struct Model: Sendable {
        /// The QR code as SVG markup, drawn by the app from the provisioning address.
        public var qrSVG: String
        /// The secret in groups of four, for typing by hand.
        public var groupedSecret: String
        public var sealedSecret: String
        public var errors: FieldErrors
        public var csrfToken: String

        public init(qrSVG: String, groupedSecret: String, sealedSecret: String, errors: FieldErrors, csrfToken: String) {
            self.qrSVG = qrSVG
            self.groupedSecret = groupedSecret
            self.sealedSecret = sealedSecret
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Set up two-factor sign-in"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .p(.text("The clinic asks everyone who can see health information to sign in with a password and a code from an authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis).")),
            .ol(
                .li(.text("In your app, add an account and scan this code:")),
                .li(.text("Type the 6-digit code the app then shows."))
            ),
            .div(.class("qr-code"), .raw(model.qrSVG)),
            .p(.text("Cannot scan? Enter this key in the app instead: "), .element(named: "code", nodes: [.text(model.groupedSecret)])),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action(SitePath.twoFactorSetup.link),
                FormViews.csrf(model.csrfToken),
                .input(.type(.hidden), .name("pending"), .value(model.sealedSecret)),
                FormViews.textField(name: "code", label: "Code from the app", value: nil, error: model.errors["code"],
                                    autocomplete: "one-time-code", maxLength: 20),
                .button(.class("button"), .type(.submit), .text("Turn on two-factor sign-in"))
            )
        )
    }
}

/// Shown once, when two-factor sign-in has just been turned on: the recovery codes.
public enum TwoFactorDonePage {
    public static let title = "Two-factor sign-in is on"

    public static func view(recoveryCodes: [String]) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .div(.class("notice success"), .attribute(named: "role", value: "status"),
                 .p(.text("From now on you will enter a code from your app after your password."))),
            .h2(.text("Your recovery codes")),
            .p(.text("Each works once if you lose your phone. Print them or keep them somewhere safe away from your phone: they are shown only now.")),
            .ul(.class("recovery-codes"), .forEach(recoveryCodes) { .li(.element(named: "code", nodes: [.text($0)])) }),
            .p(.a(.class("button"), .href(SitePath.dashboard.link), .text("Continue to the dashboard")))
        )
    }
}
