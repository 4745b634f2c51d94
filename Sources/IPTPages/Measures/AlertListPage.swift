import Plot

/// The open safety alerts a person must follow up, oldest first.
public enum AlertListPage {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var raised: String
        public var client: String
        public var clinician: String
        public var escalated: Bool

        public init(id: String, raised: String, client: String, clinician: String, escalated: Bool) {
            self.id = id
            self.raised = raised
            self.client = client
            self.clinician = clinician
            self.escalated = escalated
        }
    }

    public static func view(_ rows: [Row]) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Safety alerts")),
            .p(.text("Each alert stays open until the clinician records what was assessed and the safety plan.")),
            .if(rows.isEmpty, .p(.text("No open alerts."))),
            .if(!rows.isEmpty, TableViews.scrollable(captionID: "alerts-caption", .table(
                .class("data-table"),
                .caption(.id("alerts-caption"), .text("Open alerts, oldest first")),
                .thead(.tr(.th(.text("Raised")), .th(.text("Client")), .th(.text("Clinician")), .th(.text("Escalated")))),
                .tbody(.forEach(rows) { row in
                    .tr(.td(.a(.href(SitePath.alert.link(row.id)), .text(row.raised))),
                        .td(.text(row.client)), .td(.text(row.clinician)),
                        .td(.text(row.escalated ? "Yes, to the clinic director" : "No")))
                }))))
        )
    }
}
