import IPTCore
import Plot

/// The visitor's details for the time they chose. When the time was taken meanwhile, the page says
/// so and offers the nearest free times as choices, keeping everything already typed.
public enum BookingDetailsPage {
    public struct Model: Sendable {
        public var kindCode: String
        public var kindName: String
        public var with: String
        /// The one clinician chosen; nil for a group, whose clinician the server picks on sending.
        public var clinicianSlug: String?
        /// "Priya Natarajan, MSW (practicum student)", or for a group who will be picked
        public var clinician: String
        public var when: String
        public var fee: String
        /// Practicum students are supervised, and the visitor is told who else sees what they share.
        public var supervised: Bool
        /// The chosen start, carried in a hidden field while the time is free.
        public var start: String
        /// Nil while the chosen time is free; otherwise the nearest free times as (start, written out).
        public var alternatives: [(value: String, label: String)]?
        /// The clinic's time zone at the chosen time, for the legend of the alternatives.
        public var zoneName: String
        public var draft: BookingDetailsDraft
        public var errors: FieldErrors
        public var holdMinutes: Int
        /// The free consultation is a phone call: the page says so where a place would be.
        public var byPhone: Bool
        public var csrfToken: String

        public init(kindCode: String, kindName: String, with: String, clinicianSlug: String?, clinician: String, when: String, fee: String,
                    supervised: Bool, start: String, alternatives: [(value: String, label: String)]?, zoneName: String,
                    draft: BookingDetailsDraft, errors: FieldErrors, holdMinutes: Int, byPhone: Bool = false, csrfToken: String) {
            self.kindCode = kindCode
            self.kindName = kindName
            self.with = with
            self.clinicianSlug = clinicianSlug
            self.clinician = clinician
            self.when = when
            self.fee = fee
            self.supervised = supervised
            self.start = start
            self.alternatives = alternatives
            self.zoneName = zoneName
            self.draft = draft
            self.errors = errors
            self.holdMinutes = holdMinutes
            self.byPhone = byPhone
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty && alternatives == nil ? "Your details" : "Check your booking: Your details" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            BookingSteps.view(.details),
            .p(.class("small"), .a(.href(SitePath.bookTimes.link(query: ["type": model.kindCode, "with": model.with])), .text("Back to the free times"))),
            .h1(.text("Your details")),
            .unwrap(model.alternatives) { alternatives in
                .div(.class("notice warning"), .attribute(named: "role", value: "alert"),
                     .h2(.text("That time is no longer free")),
                     .p(.text(alternatives.isEmpty
                              ? "Someone else booked it a moment ago, or it is no longer open for booking. Please go back and choose another time."
                              : "Someone else booked it a moment ago, or it is no longer open for booking. The nearest free times are below; pick one and send the form again. What you typed is kept.")))
            },
            .dl(.class("details"),
                .dt(.text("Appointment")), .dd(.text(model.kindName)),
                .dt(.text("With")), .dd(.text(model.clinician)),
                .if(model.alternatives == nil, .group(.dt(.text("When")), .dd(.text(model.when)))),
                .if(model.byPhone, .group(.dt(.text("Where")), .dd(.text("By phone: we call you on the number you give below.")))),
                .dt(.text("Fee")), .dd(.text(model.fee)),
                .if(model.supervised,
                    .group(.dt(.text("Supervision")),
                           .dd(.text("Practicum students are supervised by a registered psychotherapist, who will see the information you share with the student."))))),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form"), .method(.post), .action(SitePath.bookDetails.link), .novalidate(),
                FormViews.csrf(model.csrfToken),
                .input(.type(.hidden), .name("type"), .value(model.kindCode)),
                .input(.type(.hidden), .name("with"), .value(model.with)),
                .unwrap(model.clinicianSlug) { .input(.type(.hidden), .name("clinician"), .value($0)) },
                .unwrap(model.alternatives, { alternatives in
                    .if(!alternatives.isEmpty, FormViews.radioGroup(
                        name: "start", legend: "Choose another time (\(model.zoneName))", options: alternatives,
                        selected: alternatives.first?.value, error: nil))
                }, else: .input(.type(.hidden), .name("start"), .value(model.start))),
                BookingFormViews.personFields(draft: model.draft, errors: model.errors, nameLabel: "Full name of the person who will attend",
                                              emailHint: "We send the confirmation link here.",
                                              birthHint: "Type it as year-month-day, for example 1990-04-23. Under 18, you will be seen in our adolescent programme (IPT-A), with a parent or guardian involved.",
                                              consentLabel: "I have read the privacy notice and agree that the clinic keeps these details to arrange and provide care."),
                FormViews.honeypot(),
                .p(.class("small"), .text("After you send this, we hold the time for \(model.holdMinutes) minutes and email you a link to confirm it.")),
                .button(.class("button"), .type(.submit), .text("Request this appointment"))
            ),
            .p(.class("small"), .a(.href("/privacy"), .text("Read the privacy notice"))),
            .script(.src("/js/booking.js"), .attribute(named: "defer", value: "defer"))
        )
    }
}
