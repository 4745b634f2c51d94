import IPTCore
import Plot

/// The parts every billing document shares: the clinic at the top, the client, a table of lines.
public struct BillingDocumentHeader: Sendable, Equatable {
    public var clinicName: String
    public var clinicAddress: String
    public var clinicPhone: String
    public var clinicEmail: String
    public var title: String
    public var number: String?
    public var date: String
    public var clientName: String

    public init(clinicName: String, clinicAddress: String, clinicPhone: String, clinicEmail: String, title: String, number: String?,
                date: String, clientName: String) {
        self.clinicName = clinicName
        self.clinicAddress = clinicAddress
        self.clinicPhone = clinicPhone
        self.clinicEmail = clinicEmail
        self.title = title
        self.number = number
        self.date = date
        self.clientName = clientName
    }

    func view() -> Node<HTML.BodyContext> {
        .header(.class("bill-doc-head"),
                .div(.class("bill-doc-clinic"),
                     .p(.strong(.text(clinicName))),
                     .p(.text(clinicAddress)),
                     .p(.text([clinicPhone, clinicEmail].filter { !$0.isEmpty }.joined(separator: " · ")))),
                .h1(.text(title)),
                .dl(.class("bill-doc-facts"),
                    .unwrap(number) { .group(.dt(.text("Number")), .dd(.text($0))) },
                    .dt(.text("Date")), .dd(.text(date)),
                    .dt(.text("Client")), .dd(.text(clientName))))
    }
}

/// Links above a document: back, print (a plain link to the same page: the browser's print works
/// without script) and download.
func billingDocumentActions(back: (String, String), download: String?) -> Node<HTML.BodyContext> {
    .nav(.class("bill-doc-actions"), .ariaLabel("Document actions"),
         .a(.href(back.1), .text(back.0)),
         .unwrap(download) { .a(.class("button secondary"), .href($0), .text("Download")) },
         .span(.class("bill-print-hint"), .text("To print or save as PDF, use your browser's Print command.")))
}

/// An invoice or a credit note, as issued; it never changes afterwards.
public enum InvoiceDocumentPage {
    public struct Line: Sendable, Equatable {
        public var date: String
        public var description: String
        public var provider: String
        public var amount: String
        public var tax: String
        public init(date: String, description: String, provider: String, amount: String, tax: String) {
            self.date = date
            self.description = description
            self.provider = provider
            self.amount = amount
            self.tax = tax
        }
    }

    public struct Model: Sendable {
        public var header: BillingDocumentHeader
        public var lines: [Line]
        public var subtotal: String
        public var taxName: String
        public var tax: String
        public var total: String
        public var exemptionNote: String?
        /// "Corrects invoice INV-000003: reason" on a credit note.
        public var correction: String?
        /// "Paid in full", "Owing $60.00", "Cancelled by credit note INV-000007".
        public var status: String
        public var receiptLink: String?
        public var accountLink: String
        /// Shown when a credit note may still be issued for it.
        public var creditNoteAction: String?
        public var csrfToken: String
        public var error: String?
        public var reason: String?

        public init(header: BillingDocumentHeader, lines: [Line], subtotal: String, taxName: String, tax: String, total: String,
                    exemptionNote: String?, correction: String?, status: String, receiptLink: String?, accountLink: String,
                    creditNoteAction: String?, csrfToken: String, error: String? = nil, reason: String? = nil) {
            self.header = header
            self.lines = lines
            self.subtotal = subtotal
            self.taxName = taxName
            self.tax = tax
            self.total = total
            self.exemptionNote = exemptionNote
            self.correction = correction
            self.status = status
            self.receiptLink = receiptLink
            self.accountLink = accountLink
            self.creditNoteAction = creditNoteAction
            self.csrfToken = csrfToken
            self.error = error
            self.reason = reason
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .article(.class("bill-doc"),
            billingDocumentActions(back: ("Back to the account", model.accountLink), download: nil),
            model.header.view(),
            .unwrap(model.correction) { .p(.class("bill-doc-note"), .text($0)) },
            linesTable(model.lines, caption: "Services"),
            .dl(.class("bill-totals"),
                .dt(.text("Subtotal")), .dd(.text(model.subtotal)),
                .dt(.text(model.taxName)), .dd(.text(model.tax)),
                .dt(.text("Total")), .dd(.strong(.text(model.total)))),
            .unwrap(model.exemptionNote) { .p(.class("bill-doc-note"), .text($0)) },
            .p(.class("bill-status"), .strong(.text("Status: ")), .text(model.status)),
            .div(.class("bill-no-print"),
                 .unwrap(model.receiptLink) { .p(.a(.class("button"), .href($0), .text("Receipt for the insurer"))) },
                 .unwrap(model.creditNoteAction) { action in
                     .form(.method(.post), .action(action), .class("bill-form"),
                           FormViews.csrf(model.csrfToken),
                           .h2(.text("Correct this invoice")),
                           .p(.class("hint"), .text("An issued invoice never changes. A credit note cancels it in full and its charges open again, so they can be corrected and invoiced anew.")),
                           FormViews.textField(name: "reason", label: "Reason for the credit note", value: model.reason, error: model.error, maxLength: 200),
                           .button(.class("button secondary"), .type(.submit), .text("Issue a credit note")))
                 })
        )
    }

    static func linesTable(_ lines: [Line], caption: String) -> Node<HTML.BodyContext> {
        TableViews.scrollable(captionID: "bill-lines-caption", .table(.class("bill-table bill-cards"),
            .caption(.id("bill-lines-caption"), .text(caption)),
            .thead(.tr(.th(.text("Date")), .th(.text("Service")), .th(.text("Provider")), .th(.class("bill-num"), .text("Fee")), .th(.class("bill-num"), .text("Tax")))),
            .tbody(.forEach(lines) { line in
                .tr(billCell("Date", .text(line.date)), billCell("Service", .text(line.description)), billCell("Provider", .text(line.provider)),
                    billCell("Fee", num: true, .text(line.amount)), billCell("Tax", num: true, .text(line.tax)))
            })))
    }
}

/// The receipt an extended-health insurer accepts: who, when, how long, what (without any
/// diagnosis or clinical detail), the fee, what was paid, how and when, who provided it with their
/// designation and registration, and for a student's session, the supervisor.
public enum ReceiptPage {
    public struct Session: Sendable, Equatable {
        public var date: String
        public var duration: String
        public var description: String
        public var fee: String
        public var providerLines: [String]
        public init(date: String, duration: String, description: String, fee: String, providerLines: [String]) {
            self.date = date
            self.duration = duration
            self.description = description
            self.fee = fee
            self.providerLines = providerLines
        }
    }

    public struct PaymentLine: Sendable, Equatable {
        public var date: String
        public var method: String
        public var amount: String
        public init(date: String, method: String, amount: String) {
            self.date = date
            self.method = method
            self.amount = amount
        }
    }

    public struct Model: Sendable {
        public var header: BillingDocumentHeader
        public var invoiceNumber: String
        public var sessions: [Session]
        public var taxLine: String?
        public var total: String
        public var payments: [PaymentLine]
        public var paidTotal: String
        public var exemptionNote: String?
        public var back: (String, String)
        public var downloadLink: String?

        public init(header: BillingDocumentHeader, invoiceNumber: String, sessions: [Session], taxLine: String?, total: String,
                    payments: [PaymentLine], paidTotal: String, exemptionNote: String?, back: (String, String), downloadLink: String?) {
            self.header = header
            self.invoiceNumber = invoiceNumber
            self.sessions = sessions
            self.taxLine = taxLine
            self.total = total
            self.payments = payments
            self.paidTotal = paidTotal
            self.exemptionNote = exemptionNote
            self.back = back
            self.downloadLink = downloadLink
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .article(.class("bill-doc"),
            billingDocumentActions(back: model.back, download: model.downloadLink),
            model.header.view(),
            .p(.text("Official receipt for invoice \(model.invoiceNumber).")),
            .forEach(model.sessions) { session in
                .section(.class("bill-receipt-session"),
                    .h2(.text("\(session.description), \(session.date)")),
                    .dl(.class("bill-doc-facts"),
                        .dt(.text("Date of service")), .dd(.text(session.date)),
                        .dt(.text("Duration")), .dd(.text(session.duration)),
                        .dt(.text("Service")), .dd(.text(session.description)),
                        .dt(.text("Fee")), .dd(.text(session.fee))),
                    .ul(.class("bill-provider"), .forEach(session.providerLines) { .li(.text($0)) }))
            },
            .unwrap(model.taxLine) { .p(.text($0)) },
            .dl(.class("bill-totals"), .dt(.text("Total charged")), .dd(.text(model.total))),
            TableViews.scrollable(captionID: "bill-paid-caption", .table(.class("bill-table bill-cards"),
                .caption(.id("bill-paid-caption"), .text("Payments received")),
                .thead(.tr(.th(.text("Date")), .th(.text("Method")), .th(.class("bill-num"), .text("Amount")))),
                .tbody(.forEach(model.payments) { .tr(billCell("Date", .text($0.date)), billCell("Method", .text($0.method)), billCell("Amount", num: true, .text($0.amount))) }))),
            .dl(.class("bill-totals"), .dt(.strong(.text("Amount paid"))), .dd(.strong(.text(model.paidTotal)))),
            .unwrap(model.exemptionNote) { .p(.class("bill-doc-note"), .text($0)) })
    }
}

/// All payments of one calendar year, for the client's tax return (medical expenses).
public enum StatementPage {
    public struct Row: Sendable, Equatable {
        public var date: String
        public var description: String
        public var method: String
        public var amount: String
        public init(date: String, description: String, method: String, amount: String) {
            self.date = date
            self.description = description
            self.method = method
            self.amount = amount
        }
    }

    public struct Model: Sendable {
        public var header: BillingDocumentHeader
        public var year: Int
        public var rows: [Row]
        public var total: String
        public var providerNote: String
        public var back: (String, String)
        public var downloadLink: String?

        public init(header: BillingDocumentHeader, year: Int, rows: [Row], total: String, providerNote: String, back: (String, String), downloadLink: String?) {
            self.header = header
            self.year = year
            self.rows = rows
            self.total = total
            self.providerNote = providerNote
            self.back = back
            self.downloadLink = downloadLink
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .article(.class("bill-doc"),
            billingDocumentActions(back: model.back, download: model.downloadLink),
            model.header.view(),
            .p(.text("Payments received in \(model.year), net of refunds, for psychotherapy services at \(model.header.clinicName).")),
            .if(model.rows.isEmpty, .p(.text("No payments were received in this year."))),
            .if(!model.rows.isEmpty, TableViews.scrollable(captionID: "bill-statement-caption", .table(.class("bill-table bill-cards"),
                .caption(.id("bill-statement-caption"), .text("Payments in \(model.year)")),
                .thead(.tr(.th(.text("Date")), .th(.text("For")), .th(.text("Method")), .th(.class("bill-num"), .text("Amount")))),
                .tbody(.forEach(model.rows) { .tr(billCell("Date", .text($0.date)), billCell("For", .text($0.description)), billCell("Method", .text($0.method)), billCell("Amount", num: true, .text($0.amount))) })))),
            .dl(.class("bill-totals"), .dt(.strong(.text("Total paid in \(model.year)"))), .dd(.strong(.text(model.total)))),
            .p(.class("bill-doc-note"), .text(model.providerNote)))
    }
}
