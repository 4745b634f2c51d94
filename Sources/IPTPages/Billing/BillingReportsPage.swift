import IPTCore
import Plot

/// The director's figures: revenue by month (a bar chart with its table), by clinician and by
/// tier; what is owed, aged; the day's payments for the desk's close; the accountant's export.
public enum BillingReportsPage {
    public struct Figure: Sendable, Equatable {
        public var label: String
        public var cents: Int
        public init(label: String, cents: Int) {
            self.label = label
            self.cents = cents
        }
    }

    public struct DayPayment: Sendable, Equatable {
        public var client: String
        public var method: String
        public var amount: String
        public var reference: String
        public var recordedBy: String
        public init(client: String, method: String, amount: String, reference: String, recordedBy: String) {
            self.client = client
            self.method = method
            self.amount = amount
            self.reference = reference
            self.recordedBy = recordedBy
        }
    }

    public struct Model: Sendable {
        public var showsRevenue: Bool
        public var byMonth: [Figure]
        public var byClinician: [Figure]
        public var byTier: [Figure]
        public var aging: [Figure]
        public var day: String
        public var dayPayments: [DayPayment]
        public var dayTotals: [Figure]
        public var exportFrom: String
        public var exportTo: String
        public init(showsRevenue: Bool, byMonth: [Figure], byClinician: [Figure], byTier: [Figure], aging: [Figure], day: String,
                    dayPayments: [DayPayment], dayTotals: [Figure], exportFrom: String, exportTo: String) {
            self.showsRevenue = showsRevenue
            self.byMonth = byMonth
            self.byClinician = byClinician
            self.byTier = byTier
            self.aging = aging
            self.day = day
            self.dayPayments = dayPayments
            self.dayTotals = dayTotals
            self.exportFrom = exportFrom
            self.exportTo = exportTo
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(SitePath.billing.link), .text("Billing"))),
            .h1(.text("Billing reports")),
            daySection(model),
            .if(model.showsRevenue, .group(
                .section(.class("bill-report"), .h2(.id("bill-month"), .text("Revenue by month (invoiced, before tax)")),
                         .div(.class("bill-chart-pair"), chart(model.byMonth, titleID: "bill-month"), table(model.byMonth, caption: "Revenue by month", first: "Month"))),
                .section(.class("bill-report"), .h2(.text("Revenue by clinician")), table(model.byClinician, caption: "Revenue by clinician", first: "Clinician")),
                .section(.class("bill-report"), .h2(.text("Revenue by fee tier")), table(model.byTier, caption: "Revenue by fee tier", first: "Tier")),
                .section(.class("bill-report"), .h2(.id("bill-aging"), .text("What is owed, by age")),
                         .div(.class("bill-chart-pair"), chart(model.aging, titleID: "bill-aging"), table(model.aging, caption: "Owed by age of invoice", first: "Age"))),
                .section(.class("bill-report"), .h2(.text("Export for the accountant")),
                         .p(.text("One row per invoice line and per payment or refund, with dates, references, amounts and tax, as bookkeeping software imports them.")),
                         .form(.method(.get), .action(SitePath.billingExport.link), .class("bill-form"),
                               .div(.class("bill-fields"),
                                    FormViews.textField(name: "from", label: "From", value: model.exportFrom, error: nil, type: .date, maxLength: 10),
                                    FormViews.textField(name: "to", label: "To", value: model.exportTo, error: nil, type: .date, maxLength: 10)),
                               .button(.class("button"), .type(.submit), .text("Download CSV")))))))
    }

    static func daySection(_ model: Model) -> Node<HTML.BodyContext> {
        .section(.class("bill-report"),
            .h2(.text("Payments on \(model.day)")),
            .form(.method(.get), .action(SitePath.billingReports.link), .class("bill-form bill-report-day"),
                  FormViews.textField(name: "day", label: "Day", value: model.day, error: nil, type: .date, maxLength: 10),
                  .button(.class("button secondary"), .type(.submit), .text("Show"))),
            .if(model.dayPayments.isEmpty, .p(.text("No payments recorded for this day."))),
            .if(!model.dayPayments.isEmpty, TableViews.scrollable(captionID: "bill-day-caption", .table(.class("bill-table bill-cards"),
                .caption(.id("bill-day-caption"), .class("visually-hidden"), .text("The day's payments")),
                .thead(.tr(.th(.text("Client")), .th(.text("Method")), .th(.class("bill-num"), .text("Amount")), .th(.text("Reference")), .th(.text("Recorded by")))),
                .tbody(.forEach(model.dayPayments) { .tr(billCell("Client", .text($0.client)), billCell("Method", .text($0.method)), billCell("Amount", num: true, .text($0.amount)),
                                                         billCell("Reference", .text($0.reference)), billCell("Recorded by", .text($0.recordedBy))) })))),
            .if(!model.dayTotals.isEmpty, table(model.dayTotals, caption: "Totals by method, for the close", first: "Method")))
    }

    static func table(_ figures: [Figure], caption: String, first: String) -> Node<HTML.BodyContext> {
        let id = "bill-t-" + String(caption.lowercased().map { $0.isLetter ? $0 : "-" })
        return TableViews.scrollable(captionID: id, .table(.class("bill-table"),
            .caption(.id(id), .text(caption)),
            .thead(.tr(.th(.text(first)), .th(.class("bill-num"), .text("Amount")))),
            .tbody(.forEach(figures) { .tr(.td(.text($0.label)), .td(.class("bill-num"), .text(Money(cents: $0.cents).formatted))) })))
    }

    /// Horizontal bars, one per figure, scaled to the largest; the table beside carries the numbers.
    /// Written as text like the progress chart, every label escaped.
    static func chart(_ figures: [Figure], titleID: String) -> Node<HTML.BodyContext> {
        let largest = max(figures.map(\.cents).max() ?? 0, 1)
        let rowHeight = 28, labelWidth = 120, barWidth = 190
        let height = max(rowHeight * figures.count, rowHeight)
        let summary = figures.map { "\($0.label): \(Money(cents: $0.cents).formatted)" }.joined(separator: "; ")
        var svg = #"<svg class="bill-chart" viewBox="0 0 \#(labelWidth + barWidth + 10) \#(height)" role="img" aria-labelledby="\#(titleID)-svg" xmlns="http://www.w3.org/2000/svg">"#
        svg += #"<title id="\#(titleID)-svg">\#(MarkupEscaping.escape(summary.isEmpty ? "No figures" : summary))</title>"#
        for (index, figure) in figures.enumerated() {
            let y = index * rowHeight
            let width = figure.cents <= 0 ? 0 : max(2, figure.cents * barWidth / largest)
            svg += #"<text x="0" y="\#(y + 18)" class="bill-chart-label">\#(MarkupEscaping.escape(figure.label))</text>"#
            svg += #"<rect x="\#(labelWidth)" y="\#(y + 6)" width="\#(width)" height="16" class="bill-chart-bar"></rect>"#
        }
        svg += "</svg>"
        return .raw(svg)
    }
}
