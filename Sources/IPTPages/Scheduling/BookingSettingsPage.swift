import IPTCore
import Plot

/// The clinic's booking rules as an admin edits them.
public enum BookingSettingsPage {
    /// One number of the rules, with what it means.
    public struct NumberField: Sendable, Equatable {
        public let name: String
        public let label: String
        public let hint: String

        public init(name: String, label: String, hint: String) {
            self.name = name
            self.label = label
            self.hint = hint
        }
    }

    public struct Model: Sendable {
        public var numbers: [NumberField]
        /// The form's values by field name; the two switches hold "yes" when on.
        public var values: [String: String]
        public var errors: FieldErrors
        public var saved: Bool
        public var csrfToken: String

        public init(numbers: [NumberField], values: [String: String], errors: FieldErrors, saved: Bool, csrfToken: String) {
            self.numbers = numbers
            self.values = values
            self.errors = errors
            self.saved = saved
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Booking rules" : "Check the rules: Booking rules" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.clinicSettings.link), .text("Back to clinic settings"))),
            .h1(.text("Booking rules")),
            .if(model.saved, .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved. Online booking follows the new rules now.")))),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form"), .method(.post), .action(SitePath.bookingSettings.link), .novalidate(),
                FormViews.csrf(model.csrfToken),
                .forEach(model.numbers) { field in
                    FormViews.textField(name: field.name, label: field.label, value: model.values[field.name], error: model.errors[field.name],
                                        type: .number, maxLength: 5, hint: field.hint)
                },
                FormViews.checkbox(name: "notSameDay", label: "Never book online for the same day, whatever the notice",
                                   checked: model.values["notSameDay"] == "yes", error: nil),
                FormViews.checkbox(name: "requireApproval", label: "Staff approve each online request (instead of the client confirming by email)",
                                   checked: model.values["requireApproval"] == "yes", error: nil),
                .button(.class("button"), .type(.submit), .text("Save"))
            )
        )
    }
}
