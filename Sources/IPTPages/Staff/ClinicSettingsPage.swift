import IPTCore
import Plot

/// The clinic's identity as an admin edits it (name, contact details, time zone, whether two-factor
/// sign-in is required), with links to the other settings pages.
public enum ClinicSettingsPage {
    public struct Model: Sendable {
        /// What the form shows, by field name: the stored values, or what was typed.
        public var name: String?
        public var phone: String?
        public var email: String?
        public var address: String?
        public var timeZone: String?
        public var requireTwoFactor: Bool
        public var saved: Bool
        public var errors: FieldErrors
        public var csrfToken: String

        public init(name: String?, phone: String?, email: String?, address: String?, timeZone: String?, requireTwoFactor: Bool,
                    saved: Bool, errors: FieldErrors, csrfToken: String) {
            self.name = name
            self.phone = phone
            self.email = email
            self.address = address
            self.timeZone = timeZone
            self.requireTwoFactor = requireTwoFactor
            self.saved = saved
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Clinic settings"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let errors = model.errors
        return .group(
            .h1(.text(title)),
            .p(.a(.href(SitePath.bookingSettings.link), .text("Booking rules")), .text(": notice, horizon, start times, holds, cancellation window and fee, waitlist offers.")),
            .p(.a(.href(SitePath.appointmentTypes.link), .text("Appointment types and fees")), .text(": length, buffers, who offers each, fees per level, what can be booked online.")),
            .p(.a(.href(SitePath.clinicalSettings.link), .text("Clinical settings")), .text(": phase boundaries, course lengths, focus framework, co-signing of students' notes, reasons for opening a chart.")),
            .p(.a(.href(SitePath.retention.link), .text("Record retention")), .text(": how long records are kept, records past it, holds and destruction.")),
            .if(model.saved, .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved. The public site shows the new details now.")))),
            FormViews.errorSummary(errors),
            .form(
                .class("form"),
                .method(.post),
                .novalidate(),
                .action(SitePath.clinicSettings.link),
                FormViews.csrf(model.csrfToken),
                FormViews.textField(name: "name", label: "Clinic name", value: model.name, error: errors["name"], maxLength: 120),
                FormViews.textField(name: "phone", label: "Phone", value: model.phone, error: errors["phone"], type: .tel, maxLength: 40),
                FormViews.textField(name: "email", label: "Email", value: model.email, error: errors["email"], type: .email, maxLength: 254),
                FormViews.textField(name: "address", label: "Street address", value: model.address, error: errors["address"], maxLength: 300),
                FormViews.textField(name: "timeZone", label: "Time zone", value: model.timeZone, error: errors["timeZone"], maxLength: 60,
                                    hint: "Appointments and dates are shown in this zone. Toronto is America/Toronto."),
                FormViews.checkbox(name: "requireTwoFactor",
                                   label: "Require two-factor sign-in (a code from an authenticator app) for everyone who can see health information. Recommended; the receptionist role is exempt.",
                                   checked: model.requireTwoFactor, error: nil),
                .button(.class("button"), .type(.submit), .text("Save"))
            )
        )
    }
}
