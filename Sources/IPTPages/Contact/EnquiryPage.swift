import IPTCore
import Plot

/// One enquiry as staff read it: who sent it and how they prefer to be answered, the message, and
/// either who handled it (with their note) or the form to mark it handled.
public enum EnquiryPage {
    public struct Model: Sendable {
        public var id: String
        public var name: String
        public var received: String
        public var email: String
        public var phone: String?
        public var prefers: String
        /// "The API" or "The contact form".
        public var sentThrough: String
        public var status: String
        public var statusLabel: String
        public var message: String
        public var isOpen: Bool
        public var isHandled: Bool
        /// "By Dana Front on 2026-12-04 10:00 EST"
        public var handled: String?
        public var handlingNote: String?
        /// The note typed into the form, kept when it has to be sent again.
        public var note: String?
        public var errors: FieldErrors
        public var csrfToken: String

        public init(id: String, name: String, received: String, email: String, phone: String?, prefers: String, sentThrough: String,
                    status: String, statusLabel: String, message: String, isOpen: Bool, isHandled: Bool, handled: String?,
                    handlingNote: String?, note: String?, errors: FieldErrors, csrfToken: String) {
            self.id = id
            self.name = name
            self.received = received
            self.email = email
            self.phone = phone
            self.prefers = prefers
            self.sentThrough = sentThrough
            self.status = status
            self.statusLabel = statusLabel
            self.message = message
            self.isOpen = isOpen
            self.isHandled = isHandled
            self.handled = handled
            self.handlingNote = handlingNote
            self.note = note
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { "Enquiry from \(name)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.enquiries.link), .text("All enquiries"))),
            .h1(.text(model.title)),
            .dl(
                .class("details"),
                .dt(.text("Received")), .dd(.text(model.received)),
                .dt(.text("Email")), .dd(.a(.href("mailto:\(model.email)"), .text(model.email))),
                .dt(.text("Phone")), .dd(.text(model.phone ?? "Not given")),
                .dt(.text("Prefers")), .dd(.text(model.prefers)),
                .dt(.text("Sent through")), .dd(.text(model.sentThrough)),
                .dt(.text("Status")), .dd(.span(.class("status \(model.status)"), .text(model.statusLabel)))
            ),
            .h2(.text("Message")),
            .div(.class("message-body"), .text(model.message)),
            .if(model.isHandled, .group(
                .h2(.text("Handled")),
                .p(.text(model.handled ?? "")),
                .unwrap(model.handlingNote) { .div(.class("message-body"), .text($0)) }
            )),
            .if(model.isOpen, .group(
                .h2(.text("Mark as handled")),
                FormViews.errorSummary(model.errors),
                .form(
                    .class("form"),
                    .method(.post),
                    .novalidate(),
                    .action(SitePath.enquiryHandle.link(model.id)),
                    FormViews.csrf(model.csrfToken),
                    FormViews.textArea(name: "note", label: "Note for the team", value: model.note, error: model.errors["note"], maxLength: 2_000,
                                       rows: 4, hint: "What was done, for example: called back, booked a consultation.", required: false),
                    .button(.class("button"), .type(.submit), .text("Mark handled"))
                )
            ))
        )
    }
}
