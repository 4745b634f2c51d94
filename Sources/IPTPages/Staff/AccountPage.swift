import IPTCore
import Plot

/// A staff member's own account: changing the password, and the private calendar feed.
public enum AccountPage {
    public struct Model: Sendable {
        public var notice: String?
        public var minimumPasswordLength: Int
        /// A new feed address, shown once just after it was made.
        public var feedURL: String?
        public var errors: FieldErrors
        public var csrfToken: String

        public init(notice: String?, minimumPasswordLength: Int, feedURL: String?, errors: FieldErrors, csrfToken: String) {
            self.notice = notice
            self.minimumPasswordLength = minimumPasswordLength
            self.feedURL = feedURL
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Your account"

    // Passwords are never put back into the form: a page that echoes them could be cached or shown.
    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .h2(.text("Change your password")),
            .p(.text("At least \(model.minimumPasswordLength) characters. Several unrelated words are easier to remember than symbols, and harder to guess. Changing it signs you out everywhere else.")),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action(SitePath.accountPassword.link),
                FormViews.csrf(model.csrfToken),
                FormViews.textField(name: "currentPassword", label: "Current password", value: nil, error: model.errors["currentPassword"],
                                    type: .password, autocomplete: "current-password", maxLength: 1000),
                FormViews.textField(name: "newPassword", label: "New password", value: nil, error: model.errors["newPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                FormViews.textField(name: "confirmPassword", label: "New password again", value: nil, error: model.errors["confirmPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                .button(.class("button"), .type(.submit), .text("Change password"))
            ),
            .h2(.text("Calendar feed")),
            .p(.text("A private address your calendar app can subscribe to. It shows your appointments' times and the clients' initials, nothing else. Anyone with the address can read it, so keep it to yourself, and make a new one if it may have leaked.")),
            .unwrap(model.feedURL) { url in
                .div(.class("field"), .label(.for("feed-url"), .text("Your feed address")),
                     .input(.type(.text), .id("feed-url"), .class("input"), .value(url), .readonly(true)))
            },
            .form(.class("form inline-form"), .method(.post), .action(SitePath.accountCalendarFeed.link),
                  FormViews.csrf(model.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text("Make a new feed address"))),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.accountCalendarFeedRevoke.link),
                  FormViews.csrf(model.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text("Switch the feed off")))
        )
    }
}
