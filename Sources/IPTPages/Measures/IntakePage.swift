import IPTCore
import Plot

/// The intake forms opened from the emailed link: a few details, an emergency contact, and each
/// consent the client signs by ticking it and typing their name.
public enum IntakePage {
    public struct Model: Sendable {
        /// The link's token: the form posts back to the same link.
        public var token: String
        public var documents: [ConsentDocument]
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(token: String, documents: [ConsentDocument], fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.token = token
            self.documents = documents
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Intake forms" : "Please check: Intake forms" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        return .group(
            .h1(.text("Intake forms")),
            .p(.class("lede"), .text("A few details we need before your first session, and the consents to start. It takes about five minutes.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action(SitePath.intake.link(model.token)), .novalidate(),
                FormViews.csrf(model.csrfToken),
                .h2(.text("About you")),
                FormViews.textField(name: "pronouns", label: "Your pronouns", value: fields["pronouns"], error: errors["pronouns"], required: false,
                                    maxLength: 40, hint: "For example she/her, he/him, they/them."),
                FormViews.radioGroup(name: "heardFrom", legend: "How did you hear about the clinic? (optional)",
                                     options: IntakeSubmission.HeardFrom.allCases.map { ($0.rawValue, $0.label) },
                                     selected: fields["heardFrom"], error: errors["heardFrom"]),
                .h2(.text("Someone we can call in an emergency")),
                FormViews.textField(name: "emergencyName", label: "Their name", value: fields["emergencyName"], error: errors["emergencyName"], maxLength: 120),
                FormViews.textField(name: "emergencyPhone", label: "Their phone number", value: fields["emergencyPhone"], error: errors["emergencyPhone"],
                                    type: .tel, maxLength: 40),
                FormViews.textField(name: "emergencyRelationship", label: "How you know them", value: fields["emergencyRelationship"],
                                    error: errors["emergencyRelationship"], required: false, maxLength: 60),
                .h2(.text("Consents")),
                .forEach(model.documents) { document in
                    .div(.class("consent"),
                         .h3(.text("\(document.kind.title) (version \(document.version))")),
                         .div(.class("message-body"), .text(document.text)),
                         FormViews.checkbox(name: "consent-\(document.kind.rawValue)", label: "I agree", checked: fields["consent-\(document.kind.rawValue)"] == "yes",
                                            error: errors["consent-\(document.kind.rawValue)"]))
                },
                FormViews.textField(name: "typedName", label: "Type your full name to sign", value: fields["typedName"], error: errors["typedName"],
                                    autocomplete: "name", maxLength: 120, hint: "Your typed name, with today's date and time, is your signature."),
                .button(.class("button"), .type(.submit), .text("Sign and send"))
            )
        )
    }
}
