import IPTCore
import Plot

/// A visitor joins the waitlist for a tier or a clinician, with the days and times that suit.
public enum WaitlistPage {
    public struct Model: Sendable {
        /// The kinds bookable online, as (code, name).
        public var kinds: [(value: String, label: String)]
        /// The clinicians taking new clients, as (slug, name).
        public var members: [(value: String, label: String)]
        public var type: String?
        public var with: String?
        /// Weekday numbers ticked, as sent.
        public var days: Set<String>
        /// Parts of the day ticked, as sent.
        public var parts: Set<String>
        public var draft: BookingDetailsDraft
        public var errors: FieldErrors
        public var csrfToken: String

        public init(kinds: [(value: String, label: String)], members: [(value: String, label: String)], type: String?, with: String?,
                    days: Set<String>, parts: Set<String>, draft: BookingDetailsDraft, errors: FieldErrors, csrfToken: String) {
            self.kinds = kinds
            self.members = members
            self.type = type
            self.with = with
            self.days = days
            self.parts = parts
            self.draft = draft
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Join the waitlist" : "Check your details: Join the waitlist" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Join the waitlist")),
            .p(.class("lede"), .text("Tell us whom you would like to see and when you are free. When a matching time opens up, we email you an offer.")),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form"), .method(.post), .action(SitePath.waitlist.link), .novalidate(),
                FormViews.csrf(model.csrfToken),
                FormViews.radioGroup(name: "type", legend: "What would you like to book?", options: model.kinds, selected: model.type, error: model.errors["type"]),
                FormViews.radioGroup(name: "with", legend: "With whom?",
                                     options: [("reduced", "The reduced-rate clinic (a supervised practicum student)"), ("registered", "Any registered psychotherapist")]
                                        + model.members,
                                     selected: model.with, error: model.errors["with"]),
                FormViews.checkboxGroup(name: "days[]", id: "days", legend: "Days that suit you (leave all empty for any day)",
                                        options: Weekday.allCases.map { (String($0.rawValue), $0.name) }, selected: model.days),
                FormViews.checkboxGroup(name: "parts[]", id: "parts", legend: "Times of day that suit you (leave all empty for any time)",
                                        options: DayPart.allCases.map { ($0.rawValue, $0.label) }, selected: model.parts),
                BookingFormViews.personFields(draft: model.draft, errors: model.errors, nameLabel: "Full name", emailHint: "Offers are sent here.",
                                              birthHint: "Year-month-day, for example 1990-04-23.",
                                              consentLabel: "I have read the privacy notice and agree that the clinic keeps these details to contact me about appointments."),
                FormViews.honeypot(),
                .button(.class("button"), .type(.submit), .text("Join the waitlist"))
            ),
            .p(.class("small"), .a(.href("/privacy"), .text("Read the privacy notice")))
        )
    }
}
