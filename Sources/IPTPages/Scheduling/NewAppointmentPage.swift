import IPTCore
import Plot

/// Staff book an appointment, or a weekly course, for an existing or a new client.
public enum NewAppointmentPage {
    public struct Model: Sendable {
        public var clinicians: [(value: String, label: String)]
        public var clients: [(value: String, label: String)]
        public var kinds: [(value: String, label: String)]
        public var locations: [(value: String, label: String)]
        /// The form as typed (or as prefilled), by field name.
        public var fields: [String: String]
        public var errors: FieldErrors
        /// The clinic's time zone as a person reads it, for the start-time hint.
        public var zoneName: String
        public var csrfToken: String

        public init(clinicians: [(value: String, label: String)], clients: [(value: String, label: String)], kinds: [(value: String, label: String)],
                    locations: [(value: String, label: String)], fields: [String: String], errors: FieldErrors, zoneName: String, csrfToken: String) {
            self.clinicians = clinicians
            self.clients = clients
            self.kinds = kinds
            self.locations = locations
            self.fields = fields
            self.errors = errors
            self.zoneName = zoneName
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "New appointment" : "Check the booking: New appointment" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        return .group(
            .p(.class("small"), .a(.href(SitePath.calendar.link), .text("Back to the calendar"))),
            .h1(.text("New appointment")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action(SitePath.appointments.link), .novalidate(),
                FormViews.csrf(model.csrfToken),
                FormViews.select(name: "clinician", label: "Clinician", options: model.clinicians, selected: fields["clinician"], error: errors["clinician"]),
                FormViews.select(name: "client", label: "Client", options: [("", "A new client (enter the details below)")] + model.clients,
                                 selected: fields["client"] ?? "", error: errors["client"]),
                .fieldset(.class("field"),
                          .element(named: "legend", nodes: [.text("New client (only if not in the list)")]),
                          FormViews.textField(name: "clientName", label: "Name", value: fields["clientName"], error: errors["clientName"], required: false, maxLength: 120),
                          FormViews.textField(name: "clientEmail", label: "Email", value: fields["clientEmail"], error: errors["clientEmail"], type: .email,
                                              required: false, maxLength: 254),
                          FormViews.textField(name: "clientPhone", label: "Phone", value: fields["clientPhone"], error: errors["clientPhone"], type: .tel,
                                              required: false, maxLength: 40),
                          FormViews.textField(name: "clientDateOfBirth", label: "Date of birth", value: fields["clientDateOfBirth"], error: errors["clientDateOfBirth"],
                                              type: .date, required: false, maxLength: 10)),
                FormViews.select(name: "type", label: "Type", options: model.kinds, selected: fields["type"] ?? "ipt-session", error: errors["type"]),
                FormViews.select(name: "location", label: "Where", options: [("", "Not set")] + model.locations, selected: fields["location"] ?? "", error: nil),
                FormViews.textField(name: "date", label: "Date (of the first session)", value: fields["date"], error: errors["date"], type: .date, maxLength: 10),
                FormViews.textField(name: "time", label: "Start time", value: fields["time"], error: errors["time"], type: .time, maxLength: 5,
                                    hint: "In \(model.zoneName); a weekly course keeps this wall-clock time across the clock changes."),
                FormViews.textField(name: "weeks", label: "Number of weekly sessions", value: fields["weeks"], error: errors["weeks"], type: .number, maxLength: 2,
                                    hint: "1 for a single appointment; 16 for a typical IPT course, 12 for IPT-A."),
                FormViews.radioGroup(name: "onConflict", legend: "If a week collides with another appointment",
                                     options: [("refuse", "Book nothing and show me the colliding weeks"),
                                               ("move", "Move the colliding weeks to the nearest free time that week")],
                                     selected: fields["onConflict"] ?? "refuse", error: nil),
                FormViews.checkbox(name: "emailClient", label: "Email the client the time (or all the weeks' times) with a calendar file now. Reminders, moves and cancellations are emailed either way.",
                                   checked: fields["emailClient"] == "yes", error: nil),
                .button(.class("button"), .type(.submit), .text("Book"))
            )
        )
    }
}
