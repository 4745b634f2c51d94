import IPTCore
import Plot

/// The staff inbox of enquiries: filters by status, a page of rows newest first, and links to the
/// newer and older pages.
public enum EnquiryListPage {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var received: String
        public var name: String
        public var prefers: String
        /// The stored status, used as a class for its colour.
        public var status: String
        public var statusLabel: String

        public init(id: String, received: String, name: String, prefers: String, status: String, statusLabel: String) {
            self.id = id
            self.received = received
            self.name = name
            self.prefers = prefers
            self.status = status
            self.statusLabel = statusLabel
        }
    }

    public struct Model: Sendable {
        /// "open" or "handled"; nil lists all.
        public var filter: String?
        public var justHandled: Bool
        public var rows: [Row]
        public var page: Int
        public var hasMore: Bool

        public init(filter: String?, justHandled: Bool, rows: [Row], page: Int, hasMore: Bool) {
            self.filter = filter
            self.justHandled = justHandled
            self.rows = rows
            self.page = page
            self.hasMore = hasMore
        }
    }

    public static let title = "Enquiries"

    private static let filters: [(label: String, value: String?)] = [("Open", "open"), ("Handled", "handled"), ("All", nil)]

    private static func pageLink(_ model: Model, _ number: Int) -> String {
        SitePath.enquiries.link(query: ["status": model.filter, "page": String(number)])
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(title)),
            .if(model.justHandled, .div(.class("notice success"), .attribute(named: "role", value: "status"),
                                        .p(.text("The enquiry is marked as handled.")))),
            .nav(.class("filters"), .ariaLabel("Filter by status"), .ul(.forEach(filters) { item in
                .li(.a(.href(SitePath.enquiries.link(query: ["status": item.value])),
                       .if(item.value == model.filter, .attribute(named: "aria-current", value: "page")),
                       .text(item.label)))
            })),
            .if(model.rows.isEmpty, .p(.text("No enquiries here."))),
            .if(!model.rows.isEmpty, TableViews.scrollable(captionID: "enquiries-caption", .table(
                .class("data-table"),
                .caption(.id("enquiries-caption"), .text("\(model.filter.map { $0 == "open" ? "Open" : "Handled" } ?? "All") enquiries, newest first")),
                .thead(.tr(.th(.text("Received")), .th(.text("From")), .th(.text("Prefers")), .th(.text("Status")))),
                .tbody(.forEach(model.rows) { row in
                    .tr(
                        .td(.text(row.received)),
                        .td(.a(.href(SitePath.enquiry.link(row.id)), .text(row.name))),
                        .td(.text(row.prefers)),
                        .td(.span(.class("status \(row.status)"), .text(row.statusLabel)))
                    )
                })
            ))),
            TableViews.pagination(newer: model.page > 1 ? pageLink(model, model.page - 1) : nil,
                                  older: model.hasMore ? pageLink(model, model.page + 1) : nil)
        )
    }
}
