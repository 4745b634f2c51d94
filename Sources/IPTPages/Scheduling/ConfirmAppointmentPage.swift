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

    /// After confirming: `summary` names the appointment, the clinician and the time.
    public static func confirmed(summary: String) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Your appointment is confirmed")),
            .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text(summary))),
            .p(.text("A confirmation with a calendar file and a link to cancel or change the appointment is on its way to your inbox.")),
            .p(.a(.href(SitePath.home.link), .text("Back to the home page")))
        )
    }
}
