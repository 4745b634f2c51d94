import IPTCore
import Plot

/// What clients owe, for the front desk: the largest and oldest first, each linking to the account.
public enum BillingListPage {
    public struct Row: Sendable, Equatable {
        public var clientID: String
        public var name: String
        public var owing: String
        public var oldest: String
        public var bucket: String
        public init(clientID: String, name: String, owing: String, oldest: String, bucket: String) {
            self.clientID = clientID
            self.name = name
            self.owing = owing
            self.oldest = oldest
            self.bucket = bucket
        }
    }

    /// A sliding-scale rate whose review date has come.
    public struct Review: Sendable, Equatable {
        public var clientID: String
        public var name: String
        public var rate: String
        public var reviewOn: String
        public init(clientID: String, name: String, rate: String, reviewOn: String) {
            self.clientID = clientID
            self.name = name
            self.rate = rate
            self.reviewOn = reviewOn
        }
    }

    public struct Model: Sendable {
        public var rows: [Row]
        public var uninvoiced: [Row]
        public var total: String
        public var isDirector: Bool
        /// The director's: rates to look at again (empty for the desk).
        public var reviewsDue: [Review]
        public init(rows: [Row], uninvoiced: [Row], total: String, isDirector: Bool, reviewsDue: [Review] = []) {
            self.rows = rows
            self.uninvoiced = uninvoiced
            self.total = total
            self.isDirector = isDirector
            self.reviewsDue = reviewsDue
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Billing")),
            .nav(.class("bill-subnav"), .ariaLabel("Billing pages"),
                 .a(.href(SitePath.billingReports.link), .text("Reports and the day's payments")),
                 .if(model.isDirector, .a(.href(SitePath.billingSettings.link), .text("Billing settings")))),
            .p(.class("lede"), .text("Open a client's account to record a payment, invoice their sessions or print a receipt. Find a client who is not listed with the search at the top.")),
            .h2(.text("Sessions waiting for an invoice")),
            .if(model.uninvoiced.isEmpty, .p(.text("Every charge is on an invoice."))),
            .if(!model.uninvoiced.isEmpty, .ul(.class("bill-list"), .forEach(model.uninvoiced) { row in
                .li(.a(.href(SitePath.billingClient.link(row.clientID)), .text(row.name)), .text(": \(row.owing) since \(row.oldest)"))
            })),
            .if(!model.reviewsDue.isEmpty, .section(.attribute(named: "aria-labelledby", value: "bill-reviews"),
                .h2(.id("bill-reviews"), .text("Sliding-scale rates due for review")),
                .ul(.class("bill-list"), .forEach(model.reviewsDue) { review in
                    .li(.a(.href(SitePath.billingClient.link(review.clientID) + "#bill-sliding"), .text(review.name)),
                        .text(": \(review.rate) per session, review by \(review.reviewOn)"))
                }))),
            .h2(.text("Invoices owing: \(model.total)")),
            .if(model.rows.isEmpty, .p(.text("Nothing is owed."))),
            .if(!model.rows.isEmpty, TableViews.scrollable(captionID: "bill-owing-caption", .table(.class("bill-table bill-cards"),
                .caption(.id("bill-owing-caption"), .class("visually-hidden"), .text("Clients with invoices owing")),
                .thead(.tr(.th(.text("Client")), .th(.class("bill-num"), .text("Owing")), .th(.text("Oldest invoice")), .th(.text("Age")))),
                .tbody(.forEach(model.rows) { row in
                    .tr(billCell("Client", .a(.href(SitePath.billingClient.link(row.clientID)), .text(row.name))), billCell("Owing", num: true, .text(row.owing)),
                        billCell("Oldest invoice", .text(row.oldest)), billCell("Age", .text(row.bucket)))
                })))))
    }
}

/// A clinician's own sessions and where their billing stands; amounts and status only.
public enum MySessionsBillingPage {
    public struct Row: Sendable, Equatable {
        public var date: String
        public var client: String
        public var service: String
        public var status: String
        public init(date: String, client: String, service: String, status: String) {
            self.date = date
            self.client = client
            self.service = service
            self.status = status
        }
    }

    public struct Model: Sendable {
        public var rows: [Row]
        public init(rows: [Row]) { self.rows = rows }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Billing of my sessions")),
            .p(.class("lede"), .text("Your sessions of the last 90 days and where their billing stands. The front desk records payments and issues invoices.")),
            .if(model.rows.isEmpty, .p(.text("No sessions in the last 90 days."))),
            .if(!model.rows.isEmpty, TableViews.scrollable(captionID: "bill-mine-caption", .table(.class("bill-table bill-cards"),
                .caption(.id("bill-mine-caption"), .class("visually-hidden"), .text("My sessions' billing")),
                .thead(.tr(.th(.text("Date")), .th(.text("Client")), .th(.text("Service")), .th(.text("Billing")))),
                .tbody(.forEach(model.rows) { .tr(billCell("Date", .text($0.date)), billCell("Client", .text($0.client)), billCell("Service", .text($0.service)), billCell("Billing", .text($0.status))) })))))
    }
}

/// The client's receipts and yearly statements in the portal.
public enum PortalBillingPage {
    public struct Receipt: Sendable, Equatable {
        public var id: String
        public var label: String
        public init(id: String, label: String) {
            self.id = id
            self.label = label
        }
    }

    public struct Model: Sendable {
        public var receipts: [Receipt]
        public var years: [Int]
        public var balance: String?
        public init(receipts: [Receipt], years: [Int], balance: String?) {
            self.receipts = receipts
            self.years = years
            self.balance = balance
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(SitePath.portal.link), .text("Portal home"))),
            .h1(.text("Receipts and statements")),
            .unwrap(model.balance) { .p(.class("notice"), .text($0)) },
            .h2(.text("Receipts")),
            .p(.text("A receipt is ready once a session is paid. Your insurer may ask for it with your claim.")),
            .if(model.receipts.isEmpty, .p(.text("No receipts yet."))),
            .ul(.class("bill-list"), .forEach(model.receipts) { receipt in
                .li(.a(.href(SitePath.portalReceipt.link(receipt.id)), .text(receipt.label)), .text(" "),
                    .a(.href(SitePath.portalReceipt.link(receipt.id, query: ["download": "1"])), .text("Download")))
            }),
            .h2(.text("Yearly statements")),
            .p(.text("Everything you paid in a year, for your tax return.")),
            .if(model.years.isEmpty, .p(.text("No payments yet."))),
            .ul(.class("bill-list"), .forEach(model.years) { year in
                .li(.a(.href(SitePath.portalStatement.link(year)), .text("Statement for \(year)")), .text(" "),
                    .a(.href(SitePath.portalStatement.link(year, query: ["download": "1"])), .text("Download")))
            }))
    }
}
