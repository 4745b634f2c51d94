import IPTCore
import Plot

/// The staff list of newsletter subscribers, filterable by status, with what they consented to and
/// where, and a CSV download of the same list.
public enum SubscribersPage {
    public struct Row: Sendable, Equatable {
        public var email: String
        /// The stored status ("confirmed"), used as a class for its colour.
        public var status: String
        public var consentGiven: String
        public var consentVersion: String
        public var consentSource: String

        public init(email: String, status: String, consentGiven: String, consentVersion: String, consentSource: String) {
            self.email = email
            self.status = status
            self.consentGiven = consentGiven
            self.consentVersion = consentVersion
            self.consentSource = consentSource
        }
    }

    public struct Model: Sendable, Equatable {
        /// "confirmed", "pending" or "unsubscribed"; nil lists all.
        public var filter: String?
        public var rows: [Row]
        public var page: Int
        public var hasMore: Bool

        public init(filter: String?, rows: [Row], page: Int, hasMore: Bool) {
            self.filter = filter
            self.rows = rows
            self.page = page
            self.hasMore = hasMore
        }
    }

    public static let title = "Subscribers"

    private static let filters: [(label: String, value: String?)] = [
        ("Confirmed", "confirmed"), ("Pending", "pending"), ("Unsubscribed", "unsubscribed"), ("All", nil),
    ]

    private static func pageLink(_ model: Model, _ number: Int) -> String {
        SitePath.subscribers.link(query: ["status": model.filter, "page": String(number)])
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Newsletter subscribers")),
            .nav(.class("filters"), .ariaLabel("Filter by status"), .ul(.forEach(filters) { item in
                .li(.a(.href(SitePath.subscribers.link(query: ["status": item.value])),
                       .if(item.value == model.filter, .attribute(named: "aria-current", value: "page")),
                       .text(item.label)))
            })),
            .p(.class("actions"), .a(.class("button secondary"), .href(SitePath.subscribersCSV.link(query: ["status": model.filter])),
                                     .text("Download as CSV"))),
            .if(model.rows.isEmpty, .p(.text("No subscribers here yet."))),
            .if(!model.rows.isEmpty, TableViews.scrollable(captionID: "subscribers-caption", .table(
                .class("data-table"),
                .caption(.id("subscribers-caption"), .text("Subscribers, newest first (page \(model.page))")),
                .thead(.tr(.th(.text("Email")), .th(.text("Status")), .th(.text("Consent given")), .th(.text("Wording version")), .th(.text("Source")))),
                .tbody(.forEach(model.rows) { row in
                    .tr(
                        .td(.text(row.email)),
                        .td(.span(.class("status \(row.status)"), .text(row.status.capitalized))),
                        .td(.text(row.consentGiven)),
                        .td(.text(row.consentVersion)),
                        .td(.text(row.consentSource))
                    )
                })
            ))),
            TableViews.pagination(newer: model.page > 1 ? pageLink(model, model.page - 1) : nil,
                                  older: model.hasMore ? pageLink(model, model.page + 1) : nil)
        )
    }
}
