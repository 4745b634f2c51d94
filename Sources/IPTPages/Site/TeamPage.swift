import Plot

/// The public list of the clinicians who show on the site, each with a link to their profile, their
/// fee level and, when they take new clients, a link to book a free consultation with them.
public enum TeamPage {
    public struct Member: Sendable, Equatable {
        public var slug: String
        public var name: String
        public var credentials: String
        /// "Registered psychotherapist: $180.00 a session", or nil without a fee level.
        public var fee: String?
        public var firstSentence: String
        public var acceptingNewClients: Bool

        public init(slug: String, name: String, credentials: String, fee: String?, firstSentence: String, acceptingNewClients: Bool) {
            self.slug = slug
            self.name = name
            self.credentials = credentials
            self.fee = fee
            self.firstSentence = firstSentence
            self.acceptingNewClients = acceptingNewClients
        }
    }

    public struct Model: Sendable, Equatable {
        public var title: String
        /// The introduction from the clinic's Markdown, if there is one.
        public var introHTML: String?
        public var members: [Member]

        public init(title: String, introHTML: String?, members: [Member]) {
            self.title = title
            self.introHTML = introHTML
            self.members = members
        }
    }

    /// The booking page's times with a free consultation and this clinician chosen.
    static func consultationLink(_ slug: String) -> String {
        SitePath.bookTimes.link(query: ["type": "consultation", "with": slug])
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .unwrap(model.introHTML) { .div(.class("prose"), .raw($0)) },
            .ul(.class("team-grid"), .forEach(model.members) { member in
                .li(
                    .class("team-card"),
                    .h2(.a(.href(SitePath.teamMember.link(member.slug)), .text(member.name))),
                    .p(.class("role"), .text(member.credentials)),
                    .unwrap(member.fee) { .p(.class("fee-tier"), .text($0)) },
                    .p(.text(member.firstSentence)),
                    .if(member.acceptingNewClients, .p(.class("small"), .text("Accepting new clients: "),
                                                       .a(.href(consultationLink(member.slug)), .text("book a free consultation"))))
                )
            })
        )
    }
}
