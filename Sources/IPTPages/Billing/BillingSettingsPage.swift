import IPTCore
import Plot

/// The director's billing settings: sales tax per service and provider tier, the missed-session
/// fee, the sliding-scale range, the invoice prefix, and what each clinician's receipts say.
public enum BillingSettingsPage {
    public struct Provider: Sendable, Equatable {
        public var id: String
        public var name: String
        public var role: String
        public var designation: String
        public var registration: String
        public init(id: String, name: String, role: String, designation: String, registration: String) {
            self.id = id
            self.name = name
            self.role = role
            self.designation = designation
            self.registration = registration
        }
    }

    public struct Model: Sendable {
        public var form: [String: String]
        public var exemptTiers: Set<String>
        public var exemptServices: Set<String>
        public var services: [(value: String, label: String)]
        public var providers: [Provider]
        public var errors: FieldErrors
        public var saved: Bool
        public var csrfToken: String
        public init(form: [String: String], exemptTiers: Set<String>, exemptServices: Set<String>, services: [(value: String, label: String)],
                    providers: [Provider], errors: FieldErrors, saved: Bool, csrfToken: String) {
            self.form = form
            self.exemptTiers = exemptTiers
            self.exemptServices = exemptServices
            self.services = services
            self.providers = providers
            self.errors = errors
            self.saved = saved
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(SitePath.billing.link), .text("Billing"))),
            .h1(.text("Billing settings")),
            .if(model.saved, .p(.class("notice"), .attribute(named: "role", value: "status"), .text("Saved. New invoices use these settings; issued ones never change."))),
            FormViews.errorSummary(model.errors),
            .form(.method(.post), .action(SitePath.billingSettings.link), .class("bill-form"),
                FormViews.csrf(model.csrfToken),
                .h2(.text("Sales tax")),
                .div(.class("bill-fields"),
                    FormViews.textField(name: "taxName", label: "Tax name", value: model.form["taxName"], error: model.errors["taxName"], maxLength: 20),
                    FormViews.textField(name: "taxRate", label: "Rate in percent", value: model.form["taxRate"], error: model.errors["taxRate"], maxLength: 6,
                                        hint: "For example 13 or 5.5")),
                FormViews.checkboxGroup(name: "exemptTiers[]", id: "exemptTiers", legend: "Exempt when provided by",
                                        options: FeeTierCode.allCases.map { ($0.rawValue, $0.label) }, selected: model.exemptTiers),
                FormViews.checkboxGroup(name: "exemptServices[]", id: "exemptServices", legend: "Exempt services",
                                        options: model.services, selected: model.exemptServices),
                FormViews.textArea(name: "exemptionNote", label: "Sentence printed on documents with exempt services", value: model.form["exemptionNote"],
                                   error: model.errors["exemptionNote"], maxLength: 300, rows: 3),
                .h2(.text("Fees and numbering")),
                .div(.class("bill-fields"),
                    FormViews.textField(name: "noShowFee", label: "Missed-appointment fee in dollars", value: model.form["noShowFee"], error: model.errors["noShowFee"],
                                        required: false, maxLength: 12, hint: "Empty: the late-cancellation fee of the booking rules"),
                    FormViews.textField(name: "slidingMin", label: "Lowest sliding-scale rate", value: model.form["slidingMin"], error: model.errors["slidingMin"], maxLength: 12),
                    FormViews.textField(name: "slidingMax", label: "Highest sliding-scale rate", value: model.form["slidingMax"], error: model.errors["slidingMax"], maxLength: 12),
                    FormViews.textField(name: "prefix", label: "Invoice number prefix", value: model.form["prefix"], error: model.errors["prefix"], required: false, maxLength: 12)),
                .button(.class("button"), .type(.submit), .text("Save settings"))),
            .h2(.text("What receipts say about each clinician")),
            .p(.class("hint"), .text("Insurers want the provider's professional designation and college registration number; a student's receipts also name their supervisor.")),
            .forEach(model.providers) { provider in
                .form(.method(.post), .action(SitePath.billingProviders.link), .class("bill-form bill-provider-form"),
                      FormViews.csrf(model.csrfToken),
                      .input(.type(.hidden), .name("staff"), .value(provider.id)),
                      .h3(.text("\(provider.name) (\(provider.role))")),
                      .div(.class("bill-fields"),
                           // A refused save shows what was typed for this clinician, beside the message.
                           FormViews.textField(name: "designation-\(provider.id)", label: "Designation", value: model.form["designation-\(provider.id)"] ?? provider.designation,
                                               error: model.errors["designation-\(provider.id)"], required: false, maxLength: 60),
                           FormViews.textField(name: "registration-\(provider.id)", label: "Registration number", value: model.form["registration-\(provider.id)"] ?? provider.registration,
                                               error: model.errors["registration-\(provider.id)"], required: false, maxLength: 30)),
                      .button(.class("button secondary"), .type(.submit), .text("Save for \(provider.name)")))
            })
    }
}
