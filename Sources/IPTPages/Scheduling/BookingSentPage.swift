import IPTCore
import Plot

/// "Check your inbox": after the details are sent. It repeats the time being held, for how long,
/// and the address the link went to, so a typo in the address is caught while the hold still runs.
/// Without those (the page opened on its own, or later) it explains the step in general terms.
public enum BookingSentPage {
    public struct Held: Sendable, Equatable {
        /// "Tuesday, December 1, 2026, 10 a.m. to 10:15 a.m., Eastern Standard Time (America/Toronto)"
        public var when: String
        public var clinician: String
        /// "10:17 a.m."
        public var heldUntil: String
        public var email: String
        public var byPhone: Bool

        public init(when: String, clinician: String, heldUntil: String, email: String, byPhone: Bool) {
            self.when = when
            self.clinician = clinician
            self.heldUntil = heldUntil
            self.email = email
            self.byPhone = byPhone
        }
    }

    public struct Model: Sendable, Equatable {
        public var held: Held?
        public var holdMinutes: Int

        public init(held: Held?, holdMinutes: Int) {
            self.held = held
            self.holdMinutes = holdMinutes
        }
    }

    public static let title = "Check your inbox to confirm"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            BookingSteps.view(.inbox),
            .h1(.text("Check your inbox to confirm")),
            .unwrap(model.held, { held in
                .group(
                    .div(.class("notice"), .attribute(named: "role", value: "status"),
                         .p(.text("We are holding this time for \(model.holdMinutes) minutes (until \(held.heldUntil)). Open the link we sent to confirm it."))),
                    .dl(.class("details"),
                        .dt(.text("When")), .dd(.text(held.when)),
                        .dt(.text("With")), .dd(.text(held.clinician)),
                        .if(held.byPhone, .group(.dt(.text("Where")), .dd(.text("By phone: we call you at the number you gave"))))),
                    .p(.text("The link went to "), .strong(.class("bk-email"), .text(held.email)), .text(".")),
                    .p(.class("small"), .text("Wrong address? "), .a(.href(SitePath.book.link), .text("Book again with the right one")),
                       .text("; the time held now is released by itself if nobody confirms it."))
                )
            }, else: .p(.text("An email is on its way with a link to confirm the time. We hold the time for \(model.holdMinutes) minutes, so open it soon and press the button on the page."))),
            .h2(.text("No email?")),
            .ul(.li(.text("It can take a minute or two to arrive.")),
                .li(.text("Look in your spam or junk folder.")),
                .li(.text("If the time runs out, the time is released and you can book again.")))
        )
    }
}
