import IPTCore
import Plot

/// The confirmation a staff page shows after a change ("Saved."), left out when printed.
enum DoneNotice {
    static func view(_ message: String?) -> Node<HTML.BodyContext> {
        .unwrap(message) { .p(.class("notice no-print"), .attribute(named: "role", value: "status"), .text($0)) }
    }
}

/// Every access and correction request: those waiting, soonest due first, then those answered.
public enum RecordRequestListPage {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var client: String
        public var asksFor: String
        public var asked: String
        public var due: String
        public var overdue: Bool
        public var status: String

        public init(id: String, client: String, asksFor: String, asked: String, due: String, overdue: Bool, status: String) {
            self.id = id
            self.client = client
            self.asksFor = asksFor
            self.asked = asked
            self.due = due
            self.overdue = overdue
            self.status = status
        }
    }

    public struct Model: Sendable, Equatable {
        public var deadlineDays: Int
        public var notice: String?
        public var open: [Row]
        public var answered: [Row]

        public init(deadlineDays: Int, notice: String?, open: [Row], answered: [Row]) {
            self.deadlineDays = deadlineDays
            self.notice = notice
            self.open = open
            self.answered = answered
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Access and correction requests")),
            .p(.class("lede"), .text("A client may see their record and ask for corrections; the clinic answers within \(model.deadlineDays) days.")),
            .p(.a(.href(SitePath.retention.link), .text("Record retention: records past their retention date, holds, destruction"))),
            DoneNotice.view(model.notice),
            .if(model.open.isEmpty, .p(.text("No request is waiting."))),
            .if(!model.open.isEmpty, table(model.open, id: "open-requests", caption: "Waiting, soonest due first")),
            .if(!model.answered.isEmpty, .group(.h2(.text("Answered")), table(model.answered, id: "done-requests", caption: "Answered, newest first")))
        )
    }

    private static func table(_ rows: [Row], id: String, caption: String) -> Node<HTML.BodyContext> {
        TableViews.scrollable(captionID: id, .table(
            .class("data-table"),
            .caption(.id(id), .text(caption)),
            .thead(.tr(.th(.text("Client")), .th(.text("Asks for")), .th(.text("Asked")), .th(.text("Due")), .th(.text("Status")))),
            .tbody(.forEach(rows) { row in
                .tr(.td(.a(.href(SitePath.recordRequest.link(row.id)), .text(row.client))),
                    .td(.text(row.asksFor)),
                    .td(.text(row.asked)),
                    .td(.text(row.due), .if(row.overdue, .group(.br(), .strong(.class("flag"), .text("Overdue"))))),
                    .td(.text(row.status)))
            })))
    }
}

/// One request: what the client asks, and while it is open the forms that answer it (release a
/// copy, or accept or refuse a correction).
public enum RecordRequestPage {
    public enum Kind: Sendable, Equatable {
        case access, correction
    }

    public struct Model: Sendable {
        public var requestID: String
        public var clientID: String
        public var clientName: String
        public var kind: Kind
        public var isOpen: Bool
        public var notice: String?
        /// "Friday, December 4, 2026 at 10:00 AM (in the portal)".
        public var asked: String
        public var due: String
        public var status: String
        public var details: String
        public var answer: String?
        public var fields: [String: String]
        public var errors: FieldErrors
        public var detailsLimit: Int
        public var csrfToken: String

        public init(requestID: String, clientID: String, clientName: String, kind: Kind, isOpen: Bool, notice: String?, asked: String, due: String,
                    status: String, details: String, answer: String?, fields: [String: String], errors: FieldErrors, detailsLimit: Int, csrfToken: String) {
            self.requestID = requestID
            self.clientID = clientID
            self.clientName = clientName
            self.kind = kind
            self.isOpen = isOpen
            self.notice = notice
            self.asked = asked
            self.due = due
            self.status = status
            self.details = details
            self.answer = answer
            self.fields = fields
            self.errors = errors
            self.detailsLimit = detailsLimit
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Request" : "Please check: Request" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.kind == .access ? "Copy of the record: \(model.clientName)" : "Correction: \(model.clientName)")),
            DoneNotice.view(model.notice),
            .dl(.class("details"),
                .dt(.text("Asked")), .dd(.text(model.asked)),
                .dt(.text("Due")), .dd(.text(model.due)),
                .dt(.text("Status")), .dd(.text(model.status)),
                .dt(.text("What the client asks")), .dd(.text(model.details)),
                .unwrap(model.answer) { .group(.dt(.text("Answer")), .dd(.text($0))) }),
            .p(.a(.href(SitePath.clientRecord.link(model.clientID)), .text("Open the record copy")), .text(" · "),
               .a(.href(SitePath.clientRecordFHIR.link(model.clientID)), .text("FHIR R4 (JSON)")), .text(" · "),
               .a(.href(SitePath.notes.link(model.clientID)), .text("Session notes"))),
            FormViews.errorSummary(model.errors),
            .if(model.isOpen && model.kind == .access, .form(
                .method(.post), .action(SitePath.recordRequestProvide.link(model.requestID)), .class("form"),
                FormViews.csrf(model.csrfToken),
                FormViews.checkbox(name: "includeNotes", label: "Include the signed session notes, formulation and discharge summary", checked: true, error: nil),
                .p(.class("hint"), .text("The client then reads the copy, and can download it as FHIR, in the portal.")),
                .button(.class("button"), .type(.submit), .text("Release the copy to the client")))),
            .if(model.isOpen && model.kind == .correction, correctionForms(model))
        )
    }

    private static func correctionForms(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors, limit = model.detailsLimit
        return .group(
            .h2(.text("Accept")),
            .p(.class("hint"), .text("For a session note, add an amendment to it first (the wrong entry stays, struck through, with the correction beside it); then describe here what was corrected.")),
            .form(.method(.post), .action(SitePath.recordRequestAccept.link(model.requestID)), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textArea(name: "before", label: "The entry as it stood", value: fields["before"], error: errors["before"],
                                     maxLength: limit, rows: 2, hint: "Kept, struck through, in every copy of the record."),
                  FormViews.textArea(name: "correction", label: "The correction", value: fields["correction"], error: errors["correction"],
                                     maxLength: limit, rows: 3),
                  .button(.class("button"), .type(.submit), .text("Accept the correction"))),
            .h2(.text("Refuse")),
            .form(.method(.post), .action(SitePath.recordRequestRefuse.link(model.requestID)), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textArea(name: "reason", label: "Why the record is right as it is", value: fields["reason"], error: errors["reason"],
                                     maxLength: limit, rows: 3),
                  FormViews.textArea(name: "statement", label: "The client's statement of disagreement", value: fields["statement"], error: errors["statement"],
                                     maxLength: limit, rows: 3, hint: "It is attached to the record and shown with it.", required: false),
                  .button(.class("button secondary"), .type(.submit), .text("Refuse, keeping the statement")))
        )
    }
}

/// The portal's form to ask for a correction of the record.
public enum CorrectionRequestPage {
    public struct Model: Sendable {
        public var deadlineDays: Int
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(deadlineDays: Int, fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.deadlineDays = deadlineDays
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Ask for a correction" : "Please check: Ask for a correction" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        return .group(
            .h1(.text("Ask for a correction")),
            .p(.class("lede"), .text("If something in your record is wrong or incomplete, tell us. The clinic answers within \(model.deadlineDays) days: either the entry is corrected (the old words stay visible, struck through, beside the correction) or, if the clinic believes it is right, you may add a statement of disagreement that stays with your record.")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(SitePath.portalCorrection.link), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textField(name: "where", label: "Which part of the record", value: fields["where"], error: errors["where"], maxLength: 200,
                                      hint: "For example: my phone number, or the note of my session on 3 November."),
                  FormViews.textArea(name: "wrong", label: "What is wrong", value: fields["wrong"], error: errors["wrong"], maxLength: 2_000, rows: 4),
                  FormViews.textArea(name: "should", label: "What it should say", value: fields["should"], error: errors["should"], maxLength: 2_000, rows: 4),
                  .button(.class("button"), .type(.submit), .text("Send the request")))
        )
    }
}
