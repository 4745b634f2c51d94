import IPTCore
import Plot

/// The page an emailed link opens: confirm a held time, or accept a time offered from the
/// waitlist; and the page that follows.
public enum ConfirmAppointmentPage {
    public struct Model: Sendable, Equatable {
        public var token: String
        /// A waitlist offer is accepted; a held time is confirmed.
        public var isOffer: Bool
        public var kindName: String
        public var clinician: String
        public var when: String
        public var heldUntil: String?
        public var csrfToken: String

        public init(token: String, isOffer: Bool, kindName: String, clinician: String, when: String, heldUntil: String?, csrfToken: String) {
            self.token = token
            self.isOffer = isOffer
            self.kindName = kindName
            self.clinician = clinician
            self.when = when
            self.heldUntil = heldUntil
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Confirm your appointment"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .if(!model.isOffer, BookingSteps.view(.inbox)),
            .h1(.text(model.isOffer ? "Accept this time" : "Confirm your appointment")),
            .dl(.class("details"),
                .dt(.text("Appointment")), .dd(.text(model.kindName)),
                .dt(.text("With")), .dd(.text(model.clinician)),
                .dt(.text("When")), .dd(.text(model.when)),
                .unwrap(model.heldUntil) { .group(.dt(.text("Held until")), .dd(.text($0))) }),
            .form(.class("form"), .method(.post), .action(SitePath.bookConfirm.link(model.token)),
                  FormViews.csrf(model.csrfToken),
                  .button(.class("button"), .type(.submit), .text(model.isOffer ? "Accept this appointment" : "Confirm this appointment")))
        )
    }

    public static let confirmedTitle = "Appointment confirmed"

    /// What the confirmed page shows: the appointment, the ways to put it in a calendar, and what
    /// happens next.
    public struct Confirmed: Sendable, Equatable {
        /// "Free phone consultation with Priya Natarajan"
        public var what: String
        public var when: String
        /// "By phone: we call you at the number you gave", or the place; nil when none is set.
        public var place: String?
        /// The .ics download; nil when the manage link cannot be made.
        public var icsLink: String?
        public var googleLink: String
        public var outlookLink: String
        public var whatNext: [String]
        /// Shown in the steps; a waitlist offer has no steps.
        public var showSteps: Bool

        public init(what: String, when: String, place: String?, icsLink: String?, googleLink: String, outlookLink: String,
                    whatNext: [String], showSteps: Bool = true) {
            self.what = what
            self.when = when
            self.place = place
            self.icsLink = icsLink
            self.googleLink = googleLink
            self.outlookLink = outlookLink
            self.whatNext = whatNext
            self.showSteps = showSteps
        }
    }

    public static func confirmed(_ model: Confirmed) -> Node<HTML.BodyContext> {
        .group(
            .if(model.showSteps, BookingSteps.view(.confirmed)),
            .h1(.text("Your appointment is confirmed")),
            .div(.class("notice success"), .attribute(named: "role", value: "status"),
                 .p(.strong(.text(model.what))), .p(.text(model.when)), .unwrap(model.place) { .p(.text($0)) }),
            .section(
                .class("bk-calendar"), .attribute(named: "aria-labelledby", value: "bk-add-title"),
                .h2(.id("bk-add-title"), .text("Add to your calendar")),
                .ul(.class("bk-calendar-links"),
                    .unwrap(model.icsLink) { .li(.a(.class("button"), .href($0), .attribute(named: "download", value: "appointment.ics"),
                                                    .text("Download a calendar file (.ics)"))) },
                    .li(.a(.class("button secondary"), .href(model.googleLink), .attribute(named: "rel", value: "noopener noreferrer"),
                           .text("Google Calendar"))),
                    .li(.a(.class("button secondary"), .href(model.outlookLink), .attribute(named: "rel", value: "noopener noreferrer"),
                           .text("Outlook")))),
                .p(.class("small"), .text("The calendar entry says only \"Appointment\", the clinic, the time and the place: nothing about why you come."))
            ),
            .section(
                .attribute(named: "aria-labelledby", value: "bk-next-title"),
                .h2(.id("bk-next-title"), .text("What happens next")),
                .ol(.forEach(model.whatNext) { .li(.text($0)) })
            ),
            .p(.a(.href(SitePath.home.link), .text("Back to the home page")))
        )
    }
}
