import IPTCore
import Plot

/// Writing and sending a newsletter: the form (preview or send), the preview as subscribers will
/// read it, and the issues already sent.
public enum NewslettersPage {
    public struct SentIssue: Sendable, Equatable {
        public var subject: String
        public var sent: String
        public var by: String
        public var recipients: Int

        public init(subject: String, sent: String, by: String, recipients: Int) {
            self.subject = subject
            self.sent = sent
            self.by = by
            self.recipients = recipients
        }
    }

    /// The draft as subscribers will get it.
    public struct Preview: Sendable, Equatable {
        public var subject: String
        /// The Markdown as HTML, with any markup typed into it already escaped.
        public var formattedHTML: String
        public var plainText: String

        public init(subject: String, formattedHTML: String, plainText: String) {
            self.subject = subject
            self.formattedHTML = formattedHTML
            self.plainText = plainText
        }
    }

    public struct Model: Sendable {
        public var notice: String?
        public var confirmedSubscribers: Int
        public var subject: String?
        public var body: String?
        /// Sent with the form so that the same form sent twice queues one issue.
        public var sendKey: String
        public var preview: Preview?
        public var issues: [SentIssue]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(notice: String?, confirmedSubscribers: Int, subject: String?, body: String?, sendKey: String, preview: Preview?,
                    issues: [SentIssue], errors: FieldErrors, csrfToken: String) {
            self.notice = notice
            self.confirmedSubscribers = confirmedSubscribers
            self.subject = subject
            self.body = body
            self.sendKey = sendKey
            self.preview = preview
            self.issues = issues
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Newsletters"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let confirmed = model.confirmedSubscribers
        return .group(
            .h1(.text(title)),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .h2(.text("Write a newsletter")),
            .p(.text(confirmed == 0
                ? "No one has confirmed a subscription yet; you can write and preview, and send once someone has."
                : "It goes to \(confirmed == 1 ? "the 1 confirmed subscriber" : "the \(confirmed) confirmed subscribers"). Each copy ends with a personal unsubscribe link.")),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form"),
                .method(.post),
                .novalidate(),
                .action(SitePath.newsletters.link),
                FormViews.csrf(model.csrfToken),
                .input(.type(.hidden), .name("sendKey"), .value(model.sendKey)),
                FormViews.textField(name: "subject", label: "Subject", value: model.subject, error: model.errors["subject"], maxLength: 150),
                FormViews.textArea(name: "body", label: "Newsletter text (Markdown)", value: model.body, error: model.errors["body"], maxLength: 50_000, rows: 14,
                                   hint: "Leave a blank line between paragraphs; ## starts a heading, - a list item, **bold**. Subscribers get it formatted, and as plain text for mail readers that prefer it."),
                .div(.class("actions"),
                     .button(.class("button secondary"), .type(.submit), .name("intent"), .value("preview"), .text("Preview")),
                     .if(confirmed > 0, .group(
                         .text(" "),
                         .button(.class("button"), .type(.submit), .name("intent"), .value("send"),
                                 .text(confirmed == 1 ? "Send to 1 subscriber" : "Send to \(confirmed) subscribers")))))
            ),
            .unwrap(model.preview) { preview in
                .section(.class("preview"), .attribute(named: "aria-labelledby", value: "preview-heading"),
                         .h2(.id("preview-heading"), .text("Preview: what subscribers will read")),
                         .p(.class("small muted"), .text("Subject: \(preview.subject)")),
                         .h3(.text("Formatted")),
                         .div(.class("prose newsletter-preview"), .raw(preview.formattedHTML)),
                         .h3(.text("Plain text")),
                         .div(.class("message-body"), .text(preview.plainText)))
            },
            .h2(.text("Sent")),
            .if(model.issues.isEmpty, .p(.text("Nothing sent yet."))),
            .if(!model.issues.isEmpty, TableViews.scrollable(captionID: "issues-caption", .table(
                .class("data-table"),
                .caption(.id("issues-caption"), .text("Newsletters sent, newest first")),
                .thead(.tr(.th(.text("Subject")), .th(.text("Sent")), .th(.text("By")), .th(.text("Recipients")))),
                .tbody(.forEach(model.issues) { issue in
                    .tr(.td(.text(issue.subject)), .td(.text(issue.sent)), .td(.text(issue.by)), .td(.text(String(issue.recipients))))
                })
            )))
        )
    }
}
