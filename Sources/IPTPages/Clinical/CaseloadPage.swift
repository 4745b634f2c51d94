import IPTCore
import Plot

/// The clinician's caseload, the clients waiting for a treating clinician (for those who assign
/// care teams), and for the director every client of the clinic.
public enum CaseloadPage {
    public struct Client: Sendable, Equatable {
        public var id: String
        public var name: String
        public var programme: String
        /// Where the course stands, or the contract, or that there is none.
        public var course: String

        public init(id: String, name: String, programme: String, course: String) {
            self.id = id
            self.name = name
            self.programme = programme
            self.course = course
        }
    }

    public struct Waiting: Sendable, Equatable {
        public var id: String
        public var name: String
        public var opened: String

        public init(id: String, name: String, opened: String) {
            self.id = id
            self.name = name
            self.opened = opened
        }
    }

    public struct Model: Sendable {
        public var mine: [Client]
        public var mineCaption: String
        public var waiting: [Waiting]
        public var everyone: [Client]

        public init(mine: [Client], mineCaption: String, waiting: [Waiting], everyone: [Client]) {
            self.mine = mine
            self.mineCaption = mineCaption
            self.waiting = waiting
            self.everyone = everyone
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Clients")),
            .if(model.mine.isEmpty, .p(.text("No client is on your care teams yet. The clinic director adds you to a client's care team when the client is accepted."))),
            .if(!model.mine.isEmpty, table(model.mine, caption: model.mineCaption, id: "caseload")),
            .if(!model.waiting.isEmpty, .group(
                .h2(.text("Waiting to be accepted")),
                .p(.class("hint"), .text("No treating clinician yet, so no one but the director can open these charts. Name one on the care-team page.")),
                .ul(.forEach(model.waiting.prefix(50)) { client in
                    .li(.a(.href(SitePath.careTeam.link(client.id)), .text(client.name)), .text(", record opened \(client.opened)"))
                }))),
            .if(!model.everyone.isEmpty, .group(
                .h2(.text("Every client of the clinic")),
                .p(.class("hint"), .text("Opening a chart that is not on your caseload asks for a reason, which is kept in the audit trail.")),
                table(model.everyone, caption: "All clients", id: "all-clients")))
        )
    }

    private static func table(_ clients: [Client], caption: String, id: String) -> Node<HTML.BodyContext> {
        TableViews.scrollable(captionID: id, .table(
            .class("data-table"),
            .caption(.id(id), .text(caption)),
            .thead(.tr(.th(.text("Client")), .th(.text("Programme")), .th(.text("Course")))),
            .tbody(.forEach(clients) { client in
                .tr(.td(.a(.href(SitePath.chart.link(client.id)), .text(client.name))), .td(.text(client.programme)), .td(.text(client.course)))
            })))
    }
}
