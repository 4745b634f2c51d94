import IPTCore
import Plot

/// Staff keep a stretch of a clinician's day from being booked (supervision, meetings, time away).
public enum BlockTimePage {
    public struct Model: Sendable {
        public var clinicians: [(value: String, label: String)]
        /// The form as typed, by field name.
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(clinicians: [(value: String, label: String)], fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.clinicians = clinicians
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Block time" : "Check the times: Block time" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        return .group(
            .p(.class("small"), .a(.href(SitePath.calendar.link), .text("Back to the calendar"))),
            .h1(.text("Block time")),
            .p(.text("Blocked time cannot be booked, online or by staff. Use it for supervision, meetings or time away.")),
            FormViews.errorSummary(errors),
            .form(.class("form"), .method(.post), .action(SitePath.calendarBlock.link), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.select(name: "clinician", label: "Clinician", options: model.clinicians, selected: fields["clinician"], error: errors["clinician"]),
                  FormViews.textField(name: "date", label: "Date", value: fields["date"], error: errors["date"], type: .date, maxLength: 10),
                  FormViews.textField(name: "from", label: "From", value: fields["from"], error: errors["from"], type: .time, maxLength: 5),
                  FormViews.textField(name: "until", label: "Until", value: fields["until"], error: errors["until"], type: .time, maxLength: 5),
                  FormViews.textField(name: "note", label: "Label", value: fields["note"], error: errors["note"], required: false, maxLength: 120,
                                      hint: "Shown in the calendar, e.g. \"Supervision\". No client details here."),
                  .button(.class("button"), .type(.submit), .text("Block this time")))
        )
    }
}
