import Plot

/// The public home page: the introduction, two ways on (an enquiry, the team) and a card for each
/// of IPT's four focus areas.
public enum HomePage {
    public struct FocusCard: Sendable, Equatable {
        public var title: String
        public var path: String
        public var text: String

        public init(title: String, path: String, text: String) {
            self.title = title
            self.path = path
            self.text = text
        }
    }

    /// The four focus areas the home page introduces, each linking to its own reading page.
    public static let focusCards: [FocusCard] = [
        FocusCard(title: "Grief", path: SitePath.focusGrief.link,
                  text: "When low mood follows the death of someone close, or another deep loss."),
        FocusCard(title: "Role disputes", path: SitePath.focusRoleDisputes.link,
                  text: "When you and someone important expect different things of each other."),
        FocusCard(title: "Role transitions", path: SitePath.focusRoleTransitions.link,
                  text: "When a change in your life, wanted or not, has been hard to adjust to."),
        FocusCard(title: "Interpersonal sensitivity", path: SitePath.focusInterpersonalSensitivity.link,
                  text: "When starting or keeping relationships has long been difficult."),
    ]

    public struct Model: Sendable, Equatable {
        public var title: String
        public var summary: String?
        /// The introduction, from the clinic's Markdown.
        public var html: String
        public var focusCards: [FocusCard]

        public init(title: String, summary: String?, html: String, focusCards: [FocusCard] = HomePage.focusCards) {
            self.title = title
            self.summary = summary
            self.html = html
            self.focusCards = focusCards
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .section(
                .class("hero"),
                .h1(.text(model.title)),
                .unwrap(model.summary) { .p(.class("lede"), .text($0)) },
                .p(
                    .a(.class("button"), .href(SitePath.contact.link), .text("Send an enquiry")),
                    .text(" "),
                    .a(.class("button secondary"), .href(SitePath.team.link), .text("Meet the team"))
                )
            ),
            .div(.class("prose"), .raw(model.html)),
            .h2(.text("The four focus areas")),
            .ul(.class("card-grid"), .forEach(model.focusCards) { card in
                .li(.class("card"), .h3(.a(.href(card.path), .text(card.title))), .p(.text(card.text)))
            }),
            BookingCallToAction.view()
        )
    }
}
