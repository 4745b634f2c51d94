import IPTCore
import Plot

/// The fields about the person, shared by the booking and the waitlist forms.
public enum BookingFormViews {
    public static func personFields(draft: BookingDetailsDraft, errors: FieldErrors, nameLabel: String, emailHint: String, birthHint: String,
                                    consentLabel: String) -> Node<HTML.FormContext> {
        let limits = BookingDetails.Limits.self
        return .group(
            FormViews.textField(name: "name", label: nameLabel, value: draft.name, error: errors["name"], autocomplete: "name", maxLength: limits.name),
            FormViews.textField(name: "email", label: "Email address", value: draft.email, error: errors["email"], type: .email,
                                autocomplete: "email", maxLength: limits.email, hint: emailHint),
            FormViews.textField(name: "phone", label: "Phone number", value: draft.phone, error: errors["phone"], type: .tel,
                                autocomplete: "tel", maxLength: limits.phone),
            // Typed, not a date picker: a birthday decades back is quicker to type than to scroll to,
            // and the hint then describes exactly the control on the page.
            FormViews.textField(name: "dateOfBirth", label: "Date of birth", value: draft.dateOfBirth, error: errors["dateOfBirth"],
                                autocomplete: "bday", maxLength: 10, hint: birthHint),
            .fieldset(
                .class("field bk-guardian"), .id("bk-guardian"),
                .element(named: "legend", nodes: [.span(.class("bk-guardian-legend"), .text("Parent or guardian (optional: needed only if the person is under 18)"))]),
                FormViews.textField(name: "guardianName", label: "Parent's or guardian's name", value: draft.guardianName,
                                    error: errors["guardianName"], required: false, maxLength: limits.name),
                FormViews.textField(name: "guardianEmail", label: "Parent's or guardian's email", value: draft.guardianEmail,
                                    error: errors["guardianEmail"], type: .email, required: false, maxLength: limits.email,
                                    hint: "An email or a phone number is enough."),
                FormViews.textField(name: "guardianPhone", label: "Parent's or guardian's phone", value: draft.guardianPhone,
                                    error: errors["guardianPhone"], type: .tel, required: false, maxLength: limits.phone)
            ),
            FormViews.checkbox(name: "consent", label: consentLabel, checked: draft.consent, error: errors["consent"])
        )
    }

    /// A day's free times as one group of choices, the shape the booking and rescheduling pages share.
    public struct FreeDay: Sendable, Equatable {
        public var date: LocalDate
        public var times: [FreeTime]

        public init(date: LocalDate, times: [FreeTime]) {
            self.date = date
            self.times = times
        }
    }

    public struct FreeTime: Sendable, Equatable {
        /// "10 a.m."
        public var time: String
        /// The start as seconds since 1970, the value the forms and links carry.
        public var start: String
        public var clinicianSlug: String
        /// The clinician's name, shown when the visitor did not choose one person.
        public var with: String?

        public init(time: String, start: String, clinicianSlug: String = "", with: String? = nil) {
            self.time = time
            self.start = start
            self.clinicianSlug = clinicianSlug
            self.with = with
        }
    }
}
