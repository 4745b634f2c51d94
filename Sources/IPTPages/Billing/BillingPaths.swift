import Plot

// The routes of billing (issue 17): the desk's accounts and documents, the director's reports and
// settings, a clinician's view of their sessions, and the client's receipts in the portal.
extension SitePath {
    public static let billing = SitePath.staff("billing")
    public static let billingClient = SitePath.staff("billing/clients/:id")
    public static let billingPayment = SitePath.staff("billing/clients/:id/payments")
    public static let billingIssue = SitePath.staff("billing/clients/:id/invoices")
    public static let billingSlidingScale = SitePath.staff("billing/clients/:id/sliding-scale")
    public static let billingChargeAdjust = SitePath.staff("billing/clients/:id/charges/:charge")
    public static let billingStatement = SitePath.staff("billing/clients/:id/statements/:year")
    public static let billingInvoice = SitePath.staff("billing/invoices/:id")
    public static let billingCreditNote = SitePath.staff("billing/invoices/:id/credit-note")
    public static let billingReceipt = SitePath.staff("billing/invoices/:id/receipt")
    public static let billingReports = SitePath.staff("billing/reports")
    public static let billingExport = SitePath.staff("billing/reports/accounting.csv")
    public static let billingSettings = SitePath.staff("billing/settings")
    public static let billingProviders = SitePath.staff("billing/settings/providers")
    public static let billingMySessions = SitePath.staff("billing/my-sessions")
    public static let portalBilling = SitePath.public("portal/billing")
    public static let portalReceipt = SitePath.public("portal/billing/receipts/:id")
    public static let portalStatement = SitePath.public("portal/billing/statements/:year")
}

// The billing API for staff (issue 17, part 7): public paths like the other API routes, so the
// handler answers 401 in JSON where the staff guard would redirect to the sign-in page.
extension SitePath {
    public static let apiStaffClientInvoices = SitePath.public("api/v1/staff/clients/:id/invoices")
    public static let apiStaffClientPayments = SitePath.public("api/v1/staff/clients/:id/payments")
}

/// A cell of a billing table that names its column: on a phone the rows of a `bill-cards` table
/// stack as cards and the stylesheet shows this name beside the value, while wider screens (and
/// screen readers, through the header row) keep the real table.
func billCell(_ label: String, num: Bool = false, _ nodes: Node<HTML.BodyContext>...) -> Node<HTML.TableRowContext> {
    .td(.attribute(named: "data-label", value: label), .if(num, .class("bill-num")), .group(nodes))
}
