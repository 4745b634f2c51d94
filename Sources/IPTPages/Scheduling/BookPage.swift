import IPTCore
import Plot

/// The first step of online booking: what to book and with whom.
public enum BookPage {
    public struct Model: Sendable {
        /// The kinds bookable online, as (code, "name (50 minutes)").
        public var kinds: [(value: String, label: String)]
        /// The reduced-rate clinic, any registered therapist, then each person taking new clients.
        public var whom: [(value: String, label: String)]
        public var chosenKind: String?
        public var chosenWith: String

        public init(kinds: [(value: String, label: String)], whom: [(value: String, label: String)], chosenKind: String?, chosenWith: String) {
            self.kinds = kinds
            self.whom = whom
            self.chosenKind = chosenKind
            self.chosenWith = chosenWith
        }
    }

    public static let title = "Book an appointment"
    public static let description = "Book a consultation or an assessment session online."

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Book an appointment")),
            .p(.class("lede"), .text("Choose what you would like to book and with whom; the next page shows the free times.")),
            .form(
                .class("form"), .method(.get), .action(SitePath.bookTimes.link),
                FormViews.radioGroup(name: "type", legend: "What would you like to book?", options: model.kinds, selected: model.chosenKind, error: nil),
                FormViews.radioGroup(name: "with", legend: "With whom?", options: model.whom, selected: model.chosenWith, error: nil),
                .button(.class("button"), .type(.submit), .text("Show free times"))
            ),
            .p(.text("Not sure? The free consultation is a short phone call to talk about what brings you and which option suits you. Practicum students are in the last year of their training and meet a registered supervisor every week about their work.")),
            .p(.text("Nothing suitable? "), .a(.href(SitePath.waitlist.link), .text("Join the waitlist")), .text(" and we will email you when a time opens up."))
        )
    }
}
