import Plot

/// One clinician's public profile: credentials, biography, fee, whether they take new clients and
/// who supervises them, with links to book or to ask about working with them.
public enum TeamMemberPage {
    public struct Model: Sendable, Equatable {
        public var slug: String
        public var name: String
        /// The name a visitor would use in a first message ("Miriam").
        public var givenName: String
        public var credentials: String
        public var bioParagraphs: [String]
        /// "Registered psychotherapist: $180.00 for a session", or "Ask us".
        public var fee: String
        public var acceptingNewClients: Bool
        public var supervisorName: String?

        public init(slug: String, name: String, givenName: String, credentials: String, bioParagraphs: [String], fee: String,
                    acceptingNewClients: Bool, supervisorName: String?) {
            self.slug = slug
            self.name = name
            self.givenName = givenName
            self.credentials = credentials
            self.bioParagraphs = bioParagraphs
            self.fee = fee
            self.acceptingNewClients = acceptingNewClients
            self.supervisorName = supervisorName
        }

        public var description: String { "\(name), \(credentials)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.team.link), .text("Back to the team"))),
            .h1(.text(model.name)),
            .p(.class("lede"), .text(model.credentials)),
            .div(.class("prose"), .forEach(model.bioParagraphs) { .p(.text($0)) }),
            .dl(
                .class("details"),
                .dt(.text("Fee")),
                .dd(.text(model.fee)),
                .dt(.text("New clients")),
                .dd(.text(model.acceptingNewClients ? "Accepting new clients" : "Not taking new clients at the moment")),
                .unwrap(model.supervisorName) { supervisor in
                    .group(
                        .dt(.text("Clinical supervisor")),
                        .dd(.text("\(supervisor), who reviews this clinician's work and sees the information of the clients they see."))
                    )
                }
            ),
            .if(model.acceptingNewClients, .p(.a(.class("button"), .href(TeamPage.consultationLink(model.slug)),
                                                 .text("Book a free consultation with \(model.givenName)")))),
            .p(.a(.class(model.acceptingNewClients ? "button secondary" : "button"), .href(SitePath.contact.link),
                  .text("Ask about working with \(model.givenName)")))
        )
    }
}
