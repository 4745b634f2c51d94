import IPTCore
import Plot

/// The waitlist as the front desk keeps it: in order, each person with a form to move them up or
/// down or take them off, with a reason for the audit trail.
public enum WaitlistAdminPage {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String
        /// "Consultation, reduced-rate clinic"
        public var wants: String
        /// "Monday, Wednesday; morning"
        public var when: String
        public var offerSent: Bool

        public init(id: String, name: String, email: String, wants: String, when: String, offerSent: Bool) {
            self.id = id
            self.name = name
            self.email = email
            self.wants = wants
            self.when = when
            self.offerSent = offerSent
        }
    }

    public struct Model: Sendable {
        public var offerHours: Int
        public var entries: [Entry]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(offerHours: Int, entries: [Entry], errors: FieldErrors, csrfToken: String) {
            self.offerHours = offerHours
            self.entries = entries
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Waitlist"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.calendar.link), .text("Back to the calendar"))),
            .h1(.text("Waitlist")),
            .p(.text("When a time frees up, the first matching person in this order gets an offer by email for \(model.offerHours) hours, then the next.")),
            FormViews.errorSummary(model.errors),
            .if(model.entries.isEmpty, .p(.text("Nobody is waiting."))),
            .if(!model.entries.isEmpty, TableViews.scrollable(captionID: "waitlist-caption", .table(
                .class("data-table"),
                .caption(.id("waitlist-caption"), .text("People waiting, first first")),
                .thead(.tr(.th(.text("#")), .th(.text("Name")), .th(.text("Wants")), .th(.text("When")), .th(.text("Status")), .th(.text("Reorder")))),
                .tbody(.forEach(Array(model.entries.enumerated())) { index, entry in
                    .tr(
                        .td(.text(String(index + 1))),
                        .td(.text(entry.name), .br(), .span(.class("small"), .text(entry.email))),
                        .td(.text(entry.wants)),
                        .td(.text(entry.when)),
                        .td(.text(entry.offerSent ? "Offer sent" : "Waiting")),
                        .td(.form(.class("inline-form"), .method(.post), .action(SitePath.waitlistMove.link(entry.id)),
                                  FormViews.csrf(model.csrfToken),
                                  .label(.for("reason-\(entry.id)"), .class("visually-hidden"), .text("Reason for the change for \(entry.name)")),
                                  .input(.type(.text), .id("reason-\(entry.id)"), .name("reason"), .attribute(named: "maxlength", value: "200"),
                                         .placeholder("Reason (required)"), .class("input")),
                                  .button(.class("link-button"), .type(.submit), .name("direction"), .value("up"), .text("Move up")),
                                  .button(.class("link-button"), .type(.submit), .name("direction"), .value("down"), .text("Move down")),
                                  .button(.class("link-button"), .type(.submit), .name("direction"), .value("remove"), .text("Remove"))))
                    )
                })
            )))
        )
    }
}
