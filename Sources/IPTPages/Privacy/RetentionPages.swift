import IPTCore
import Plot

/// The retention report: the clinic's rule and the form to change it, the records past their
/// retention date, those on hold, and the tombstones of records destroyed.
public enum RetentionPage {
    public struct Due: Sendable, Equatable {
        public var clientID: String
        public var name: String
        public var lastContact: String
        public var keptUntil: String
        /// Why it is held, or that it may be destroyed.
        public var status: String

        public init(clientID: String, name: String, lastContact: String, keptUntil: String, status: String) {
            self.clientID = clientID
            self.name = name
            self.lastContact = lastContact
            self.keptUntil = keptUntil
            self.status = status
        }
    }

    public struct Held: Sendable, Equatable {
        public var clientID: String
        /// "Riley Tan: On hold (complaint or legal matter)".
        public var text: String

        public init(clientID: String, text: String) {
            self.clientID = clientID
            self.text = text
        }
    }

    public struct Tombstone: Sendable, Equatable {
        public var initials: String
        public var lastContact: String
        public var keptUntil: String
        public var destroyed: String
        public var destroyedBy: String
        public var rows: Int

        public init(initials: String, lastContact: String, keptUntil: String, destroyed: String, destroyedBy: String, rows: Int) {
            self.initials = initials
            self.lastContact = lastContact
            self.keptUntil = keptUntil
            self.destroyed = destroyed
            self.destroyedBy = destroyedBy
            self.rows = rows
        }
    }

    public struct Model: Sendable {
        public var years: Int
        public var minorsFrom18: Bool
        public var notice: String?
        /// The rule's form as typed, or as stored.
        public var yearsField: String
        public var minorsChecked: Bool
        public var errors: FieldErrors
        public var due: [Due]
        public var held: [Held]
        public var tombstones: [Tombstone]
        public var csrfToken: String

        public init(years: Int, minorsFrom18: Bool, notice: String?, yearsField: String, minorsChecked: Bool, errors: FieldErrors, due: [Due],
                    held: [Held], tombstones: [Tombstone], csrfToken: String) {
            self.years = years
            self.minorsFrom18 = minorsFrom18
            self.notice = notice
            self.yearsField = yearsField
            self.minorsChecked = minorsChecked
            self.errors = errors
            self.due = due
            self.held = held
            self.tombstones = tombstones
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Record retention" : "Please check: Record retention" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Record retention")),
            DoneNotice.view(model.notice),
            .p(.class("lede"), .text("Records are kept \(model.years) years after the last contact\(model.minorsFrom18 ? ", or for someone seen as a minor, \(model.years) years after their 18th birthday if that is later" : ""). Check your college's rule.")),
            FormViews.errorSummary(model.errors),
            .details(
                .summary(.text("Change the rule")),
                .form(.method(.post), .action(SitePath.retentionRule.link), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.textField(name: "years", label: "Years after the last contact", value: model.yearsField,
                                          error: model.errors["years"], type: .number, maxLength: 2, hint: "10 for most colleges in Ontario; 7 for social workers."),
                      FormViews.checkbox(name: "minors", label: "For minors, count from the 18th birthday when that is later",
                                         checked: model.minorsChecked, error: nil),
                      .button(.class("button"), .type(.submit), .text("Save the rule")))),
            .h2(.text("Past retention")),
            .if(model.due.isEmpty, .p(.text("No record is past its retention date."))),
            .if(!model.due.isEmpty, TableViews.scrollable(captionID: "past-retention", .table(
                .class("data-table"),
                .caption(.id("past-retention"), .text("Records past their retention date, longest overdue first")),
                .thead(.tr(.th(.text("Client")), .th(.text("Last contact")), .th(.text("Kept until")), .th(.text("Status")))),
                .tbody(.forEach(model.due) { row in
                    .tr(.td(.a(.href(SitePath.retentionRecord.link(row.clientID)), .text(row.name))),
                        .td(.text(row.lastContact)), .td(.text(row.keptUntil)), .td(.text(row.status)))
                })))),
            .if(!model.held.isEmpty, .group(
                .h2(.text("On hold")),
                .ul(.forEach(model.held) { row in
                    .li(.text(row.text),
                        .form(.method(.post), .action(SitePath.retentionLift.link(row.clientID)), .class("inline-form"),
                              FormViews.csrf(model.csrfToken), .button(.class("button small secondary"), .type(.submit), .text("Lift the hold"))))
                }))),
            .h2(.text("Destroyed records")),
            .if(model.tombstones.isEmpty, .p(.text("None."))),
            .if(!model.tombstones.isEmpty, TableViews.scrollable(captionID: "tombstones", .table(
                .class("data-table"),
                .caption(.id("tombstones"), .text("Tombstones, newest first")),
                .thead(.tr(.th(.text("Initials")), .th(.text("Last contact")), .th(.text("Kept until")), .th(.text("Destroyed")), .th(.text("By")), .th(.text("Rows")))),
                .tbody(.forEach(model.tombstones) { stone in
                    .tr(.td(.text(stone.initials)), .td(.text(stone.lastContact)), .td(.text(stone.keptUntil)),
                        .td(.text(stone.destroyed)), .td(.text(stone.destroyedBy)), .td(.text("\(stone.rows)")))
                }))))
        )
    }
}

/// One record's retention: why it may or may not be destroyed, the destruction form (only past
/// retention and not held), and the hold.
public enum RetentionReviewPage {
    public struct Model: Sendable {
        public var clientID: String
        public var clientName: String
        public var lastContact: String
        public var keptUntil: String
        public var status: String
        public var mayDestroy: Bool
        public var isHeld: Bool
        public var errors: FieldErrors
        public var csrfToken: String

        public init(clientID: String, clientName: String, lastContact: String, keptUntil: String, status: String, mayDestroy: Bool, isHeld: Bool,
                    errors: FieldErrors, csrfToken: String) {
            self.clientID = clientID
            self.clientName = clientName
            self.lastContact = lastContact
            self.keptUntil = keptUntil
            self.status = status
            self.mayDestroy = mayDestroy
            self.isHeld = isHeld
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Retention" : "Please check: Retention" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(SitePath.retention.link), .text("Record retention"))),
            .h1(.text("Retention: \(model.clientName)")),
            .dl(.class("details"),
                .dt(.text("Last contact")), .dd(.text(model.lastContact)),
                .dt(.text("Kept until")), .dd(.text(model.keptUntil)),
                .dt(.text("Status")), .dd(.text(model.status))),
            FormViews.errorSummary(model.errors),
            .if(model.mayDestroy, .form(
                .method(.post), .action(SitePath.retentionDestroy.link(model.clientID)), .class("form"), .novalidate(),
                FormViews.csrf(model.csrfToken),
                FormViews.textField(name: "confirm", label: "Type the client's full name to destroy the record", value: nil, error: model.errors["confirm"], maxLength: 120,
                                    hint: "Everything about this client is deleted, including every email to them and the enquiries and waitlist entries made with their address. A tombstone (initials, dates, who destroyed it) and the audit trail remain."),
                .button(.class("button danger"), .type(.submit), .text("Destroy this record")))),
            .if(!model.isHeld, .form(
                .method(.post), .action(SitePath.retentionHold.link(model.clientID)), .class("form"), .novalidate(),
                FormViews.csrf(model.csrfToken),
                FormViews.textField(name: "reason", label: "Put the record on hold: the reason", value: nil, error: nil, maxLength: 500,
                                    hint: "A complaint, a legal matter: nothing is destroyed until the hold is lifted."),
                .button(.class("button secondary"), .type(.submit), .text("Hold")))),
            .if(model.isHeld, .form(.method(.post), .action(SitePath.retentionLift.link(model.clientID)), .class("inline-form"),
                                    FormViews.csrf(model.csrfToken), .button(.class("button secondary"), .type(.submit), .text("Lift the hold"))))
        )
    }
}
