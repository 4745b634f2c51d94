import IPTCore
import Plot

/// A client's account at the front desk: what is owed, record a payment, invoice open charges,
/// the history of invoices and payments. Contact and money only: no clinical information.
public enum BillingAccountPage {
    public struct ChargeRow: Sendable, Equatable {
        public var id: String
        public var date: String
        public var description: String
        public var clinician: String
        public var amount: String
        /// "Waived: reason" or "Adjusted from $180.00: reason".
        public var adjustment: String?
        public var status: String
        public var isOpen: Bool
        public var amountValue: String
        public init(id: String, date: String, description: String, clinician: String, amount: String, adjustment: String?, status: String,
                    isOpen: Bool, amountValue: String) {
            self.id = id
            self.date = date
            self.description = description
            self.clinician = clinician
            self.amount = amount
            self.adjustment = adjustment
            self.status = status
            self.isOpen = isOpen
            self.amountValue = amountValue
        }
    }

    public struct InvoiceRow: Sendable, Equatable {
        public var id: String
        public var number: String
        public var kind: String
        public var date: String
        public var total: String
        public var status: String
        public var receiptLink: String?
        public init(id: String, number: String, kind: String, date: String, total: String, status: String, receiptLink: String?) {
            self.id = id
            self.number = number
            self.kind = kind
            self.date = date
            self.total = total
            self.status = status
            self.receiptLink = receiptLink
        }
    }

    public struct PaymentRow: Sendable, Equatable {
        public var date: String
        public var kind: String
        public var method: String
        public var amount: String
        public var reference: String
        public var recordedBy: String
        public init(date: String, kind: String, method: String, amount: String, reference: String, recordedBy: String) {
            self.date = date
            self.kind = kind
            self.method = method
            self.amount = amount
            self.reference = reference
            self.recordedBy = recordedBy
        }
    }

    public struct Sliding: Sendable, Equatable {
        /// "$45.00 per session, approved by ... on ..., review by ..."
        public var current: String?
        public var range: String
        public var mayApprove: Bool
        public init(current: String?, range: String, mayApprove: Bool) {
            self.current = current
            self.range = range
            self.mayApprove = mayApprove
        }
    }

    public struct Model: Sendable {
        public var clientID: String
        public var clientName: String
        public var contact: String
        public var balance: String
        public var balanceNote: String
        /// The open charges' sum: owed too, though not on an invoice yet.
        public var uninvoiced: String = ""
        public var credit: String?
        public var charges: [ChargeRow]
        public var invoices: [InvoiceRow]
        public var payments: [PaymentRow]
        public var sliding: Sliding
        public var statementYears: [Int]
        public var methods: [(value: String, label: String)]
        public var form: [String: String]
        public var errors: FieldErrors
        public var idempotencyKey: String
        public var notice: String?
        public var csrfToken: String

        public init(clientID: String, clientName: String, contact: String, balance: String, balanceNote: String, credit: String?,
                    charges: [ChargeRow], invoices: [InvoiceRow], payments: [PaymentRow], sliding: Sliding, statementYears: [Int],
                    methods: [(value: String, label: String)], form: [String: String], errors: FieldErrors, idempotencyKey: String,
                    notice: String?, csrfToken: String) {
            self.clientID = clientID
            self.clientName = clientName
            self.contact = contact
            self.balance = balance
            self.balanceNote = balanceNote
            self.credit = credit
            self.charges = charges
            self.invoices = invoices
            self.payments = payments
            self.sliding = sliding
            self.statementYears = statementYears
            self.methods = methods
            self.form = form
            self.errors = errors
            self.idempotencyKey = idempotencyKey
            self.notice = notice
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let open = model.charges.filter(\.isOpen)
        // A waived charge can be charged again (waived by mistake) until something is invoiced.
        let adjustable = model.charges.filter { $0.isOpen || $0.status == "waived" }
        return .group(
            .p(.a(.href(SitePath.billing.link), .text("All accounts"))),
            .h1(.text("Account: \(model.clientName)")),
            .unwrap(model.notice) { .p(.class("notice"), .attribute(named: "role", value: "status"), .text($0)) },
            FormViews.errorSummary(model.errors),
            .div(.class("bill-summary"),
                 .p(.class("bill-balance"), .span(.text("Balance")), .strong(.text(model.balance)), .span(.class("muted"), .text(model.balanceNote))),
                 .if(!open.isEmpty, .p(.class("bill-balance"), .span(.text("Not yet invoiced")), .strong(.text(model.uninvoiced)),
                                       .span(.class("muted"), .text(open.count == 1 ? "1 charge" : "\(open.count) charges")))),
                 .unwrap(model.credit) { .p(.class("bill-balance"), .span(.text("Credit on account")), .strong(.text($0))) },
                 .p(.class("muted"), .text(model.contact))),
            .section(.attribute(named: "aria-labelledby", value: "bill-open"),
                .h2(.id("bill-open"), .text("Charges not yet invoiced")),
                .if(open.isEmpty, .p(.text("Nothing waiting to be invoiced."))),
                .if(!open.isEmpty, .form(.method(.post), .action(SitePath.billingIssue.link(model.clientID)), .class("bill-form"),
                    FormViews.csrf(model.csrfToken),
                    .fieldset(.element(named: "legend", nodes: [.text("Put on one invoice")]),
                        .unwrap(model.errors["charges"]) { .p(.class("field-error"), .id("error-charges"), .text($0)) },
                        .div(.id("field-charges"), .forEach(open) { charge in
                            .div(.class("choice"),
                                 .input(.type(.checkbox), .id("charge-\(charge.id)"), .name("charges[]"), .value(charge.id), .checked(true)),
                                 .label(.for("charge-\(charge.id)"), .text("\(charge.date): \(charge.description), \(charge.clinician), \(charge.amount)")))
                        })),
                    .p(.class("hint"), .text("Untick sessions to invoice them separately: one invoice per session, or all of a period together.")),
                    .button(.class("button"), .type(.submit), .text("Issue invoice")))),
                // Open when a change was refused, so the message and the typed amount are in view.
                .if(!adjustable.isEmpty, .details(.class("bill-adjust"),
                    .if(adjustable.contains { model.errors["amount-\($0.id)"] != nil || model.errors["reason-\($0.id)"] != nil }, .attribute(named: "open", value: "open")),
                    .summary(.text(open.isEmpty ? "Charge a waived session again" : "Waive or adjust a charge")),
                    .forEach(adjustable) { charge in
                        .form(.method(.post), .action(SitePath.billingChargeAdjust.link(model.clientID, charge.id)), .class("bill-form bill-inline"),
                              FormViews.csrf(model.csrfToken),
                              .p(.strong(.text("\(charge.date): \(charge.description) (\(charge.isOpen ? charge.amount : "waived"))"))),
                              FormViews.textField(name: "amount-\(charge.id)", label: "New amount in dollars (0 waives it)", value: model.form["amount-\(charge.id)"] ?? charge.amountValue,
                                                  error: model.errors["amount-\(charge.id)"], maxLength: 12),
                              FormViews.textField(name: "reason-\(charge.id)", label: "Reason", value: model.form["reason-\(charge.id)"], error: model.errors["reason-\(charge.id)"], maxLength: 200),
                              .button(.class("button secondary"), .type(.submit), .text("Save the change")))
                    }))),
            // The desk's order of work: invoice what waits (above), take the payment, then the history.
            paymentForm(model),
            .section(.attribute(named: "aria-labelledby", value: "bill-invoices"),
                .h2(.id("bill-invoices"), .text("Invoices and credit notes")),
                .if(model.invoices.isEmpty, .p(.text("No invoices yet."))),
                .if(!model.invoices.isEmpty, TableViews.scrollable(captionID: "bill-invoices-caption", .table(.class("bill-table bill-cards"),
                    .caption(.id("bill-invoices-caption"), .class("visually-hidden"), .text("Invoices and credit notes")),
                    .thead(.tr(.th(.text("Number")), .th(.text("Date")), .th(.class("bill-num"), .text("Total")), .th(.text("Status")), .th(.text("Receipt")))),
                    .tbody(.forEach(model.invoices) { invoice in
                        .tr(billCell("Number", .a(.href(SitePath.billingInvoice.link(invoice.id)), .text("\(invoice.kind) \(invoice.number)"))),
                            billCell("Date", .text(invoice.date)), billCell("Total", num: true, .text(invoice.total)), billCell("Status", .text(invoice.status)),
                            billCell("Receipt", .unwrap(invoice.receiptLink) { .a(.href($0), .text("Receipt"), .span(.class("visually-hidden"), .text(" for \(invoice.number)"))) }))
                    }))))),
            .section(.attribute(named: "aria-labelledby", value: "bill-payments"),
                .h2(.id("bill-payments"), .text("Payments and refunds")),
                .if(model.payments.isEmpty, .p(.text("No payments recorded."))),
                .if(!model.payments.isEmpty, TableViews.scrollable(captionID: "bill-payments-caption", .table(.class("bill-table bill-cards"),
                    .caption(.id("bill-payments-caption"), .class("visually-hidden"), .text("Payments and refunds")),
                    .thead(.tr(.th(.text("Date")), .th(.text("Kind")), .th(.text("Method")), .th(.class("bill-num"), .text("Amount")), .th(.text("Reference")), .th(.text("Recorded by")))),
                    .tbody(.forEach(model.payments) { payment in
                        .tr(billCell("Date", .text(payment.date)), billCell("Kind", .text(payment.kind)), billCell("Method", .text(payment.method)),
                            billCell("Amount", num: true, .text(payment.amount)), billCell("Reference", .text(payment.reference)), billCell("Recorded by", .text(payment.recordedBy)))
                    }))))),
            slidingSection(model),
            .section(.attribute(named: "aria-labelledby", value: "bill-statements"),
                .h2(.id("bill-statements"), .text("Yearly statements")),
                .if(model.statementYears.isEmpty, .p(.text("No payments yet."))),
                .ul(.forEach(model.statementYears) { year in .li(.a(.href(SitePath.billingStatement.link(model.clientID, year)), .text("Statement for \(year)"))) }))
        )
    }

    static func paymentForm(_ model: Model) -> Node<HTML.BodyContext> {
        .section(.attribute(named: "aria-labelledby", value: "bill-record"), .class("bill-card"),
            .h2(.id("bill-record"), .text("Record a payment or refund")),
            .form(.method(.post), .action(SitePath.billingPayment.link(model.clientID)), .class("bill-form"),
                FormViews.csrf(model.csrfToken),
                // Two desks (or a double click) sending this same form record one payment: the key is the form's, not the request's.
                .input(.type(.hidden), .name("key"), .value(model.form["key"] ?? model.idempotencyKey)),
                FormViews.radioGroup(name: "kind", legend: "This is", options: [("payment", "A payment received"), ("refund", "A refund given back")],
                                     selected: model.form["kind"] ?? "payment", error: model.errors["kind"]),
                .div(.class("bill-fields"),
                    FormViews.textField(name: "amount", label: "Amount in dollars", value: model.form["amount"], error: model.errors["amount"], maxLength: 12,
                                        hint: "For example 120 or 95.50"),
                    FormViews.select(name: "method", label: "Method", options: model.methods, selected: model.form["method"] ?? "e_transfer", error: model.errors["method"]),
                    FormViews.textField(name: "date", label: "Date received", value: model.form["date"], error: model.errors["date"], type: .date, maxLength: 10),
                    FormViews.textField(name: "reference", label: "Reference", value: model.form["reference"], error: model.errors["reference"], required: false,
                                        maxLength: 100, hint: "e-Transfer or cheque number, terminal slip, insurer's claim number")),
                FormViews.checkbox(name: "keepCredit", label: "If it is more than is owed, keep the rest as credit on the account",
                                   checked: model.form["keepCredit"] == "yes", error: model.errors["keepCredit"]),
                .button(.class("button"), .type(.submit), .text("Record"))))
    }

    static func slidingSection(_ model: Model) -> Node<HTML.BodyContext> {
        .section(.attribute(named: "aria-labelledby", value: "bill-sliding"),
            .h2(.id("bill-sliding"), .text("Sliding-scale rate")),
            .p(.text(model.sliding.current ?? "No reduced rate: sessions are charged at the clinician's fee.")),
            .if(model.sliding.mayApprove, .form(.method(.post), .action(SitePath.billingSlidingScale.link(model.clientID)), .class("bill-form"),
                FormViews.csrf(model.csrfToken),
                .div(.class("bill-fields"),
                    FormViews.textField(name: "rate", label: "Rate per session in dollars", value: model.form["rate"], error: model.errors["rate"], maxLength: 12,
                                        hint: "Within the clinic's range, \(model.sliding.range)"),
                    FormViews.textField(name: "review", label: "Review by", value: model.form["review"], error: model.errors["review"], type: .date, maxLength: 10)),
                FormViews.textField(name: "slidingReason", label: "Reason (kept with the approval)", value: model.form["slidingReason"], error: model.errors["slidingReason"], maxLength: 200),
                .button(.class("button secondary"), .type(.submit), .text("Approve this rate")))),
            .if(!model.sliding.mayApprove, .p(.class("hint"), .text("The clinic director approves sliding-scale rates."))))
    }
}
