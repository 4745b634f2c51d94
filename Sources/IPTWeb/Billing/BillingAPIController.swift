import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// A client's invoices and payments over JSON for the front desk and the director (issue 17,
/// part 7), described in OpenAPIDocument+Billing. The same rules as the web pages: money, dates
/// and names only; a clinician outside billing gets 403; every answer is audited.
struct BillingAPIController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.apiStaffClientInvoices, use: invoices)
        site.get(.apiStaffClientPayments, use: payments)
    }

    struct LineOut: Content {
        var position: Int
        var serviceAt: Date
        var description: String
        var providerName: String
        var amountCents: Int
        var taxCents: Int
        var taxExempt: Bool
    }

    struct InvoiceOut: Content {
        var id: UUID
        var number: String
        var kind: InvoiceKind
        /// open, part_paid, paid, cancelled (a credit note cancels it) or credit_note.
        var status: String
        var issuedOn: String
        var currency: String
        var subtotalCents: Int
        var taxCents: Int
        var totalCents: Int
        var paidCents: Int
        var owingCents: Int
        var taxName: String
        var taxExemptionNote: String?
        /// On a credit note: the invoice it corrects, and why.
        var correctsInvoiceID: UUID?
        var reason: String?
        /// On a cancelled invoice: the credit note that cancels it.
        var creditNoteNumber: String?
        var lines: [LineOut]
    }

    struct InvoicesOut: Content {
        var clientID: UUID
        var currency: String
        /// Invoiced minus paid: positive when the client owes, negative when they have credit.
        var balanceCents: Int
        var invoices: [InvoiceOut]
    }

    struct AllocationOut: Content {
        var invoiceID: UUID
        var invoiceNumber: String
        var amountCents: Int
    }

    struct PaymentOut: Content {
        var id: UUID
        var kind: PaymentKind
        var method: PaymentMethod
        var amountCents: Int
        var receivedOn: String
        var reference: String
        var recordedBy: String
        var allocations: [AllocationOut]
        /// Of a payment: the part not applied to an invoice (the client's credit, before any refund).
        var unappliedCents: Int
    }

    struct PaymentsOut: Content {
        var clientID: UUID
        var currency: String
        var creditCents: Int
        var payments: [PaymentOut]
    }

    /// The signed-in desk or director, the client asked for, and their account; 401, 403 or 404 otherwise.
    private func account(_ request: Request) async throws -> (UUID, BillingQueries.Account) {
        guard let staff = request.staff, staff.secondFactorDone, !staff.needsTwoFactorSetup else { throw Abort(.unauthorized) }
        _ = try await request.authorize(.handleBilling)
        let client = try await BillingReadModels.client(request)
        let clientID = try client.requireID()
        return (clientID, try await BillingQueries.account(clientID, on: request.db))
    }

    func invoices(_ request: Request) async throws -> InvoicesOut {
        let (clientID, account) = try await account(request)
        let lines = try await BillingAPIQueries.lines(of: account.invoices.compactMap(\.invoice.id), on: request.db)
        let names = try await BillingAPIQueries.staffNames(Array(Set(lines.values.joined().map(\.$staff.id))), on: request.db)
        let out = account.invoices.reversed().compactMap { state in
            Self.invoiceOut(state, lines: state.invoice.id.flatMap { lines[$0] } ?? [], names: names)
        }
        try await request.audit(.view, recordType: "billing-invoices", subject: clientID.uuidString, detail: "api rows=\(out.count)")
        return InvoicesOut(clientID: clientID, currency: "CAD", balanceCents: account.balanceCents, invoices: out)
    }

    func payments(_ request: Request) async throws -> PaymentsOut {
        let (clientID, account) = try await account(request)
        let numbers = Dictionary(account.invoices.compactMap { state in state.invoice.id.map { ($0, state.invoice.displayNumber) } },
                                 uniquingKeysWith: { first, _ in first })
        let out = account.payments.compactMap { payment -> PaymentOut? in
            guard let id = payment.id else { return nil }
            let allocations = payment.allocations.map {
                AllocationOut(invoiceID: $0.$invoice.id, invoiceNumber: numbers[$0.$invoice.id] ?? "", amountCents: $0.amountCents)
            }
            let applied = allocations.reduce(0) { $0 + $1.amountCents }
            return PaymentOut(id: id, kind: payment.kind, method: payment.method, amountCents: payment.amountCents, receivedOn: payment.receivedOn,
                              reference: payment.reference, recordedBy: payment.recordedByName, allocations: allocations,
                              unappliedCents: payment.kind == .payment ? payment.amountCents - applied : 0)
        }
        try await request.audit(.view, recordType: "billing-payments", subject: clientID.uuidString, detail: "api rows=\(out.count)")
        return PaymentsOut(clientID: clientID, currency: "CAD", creditCents: account.creditCents, payments: out)
    }

    static func status(_ state: BillingQueries.InvoiceState) -> String {
        if state.invoice.kind == .creditNote { return "credit_note" }
        if state.creditNoteNumber != nil { return "cancelled" }
        if state.owingCents <= 0 { return "paid" }
        return state.paidCents > 0 ? "part_paid" : "open"
    }

    static func invoiceOut(_ state: BillingQueries.InvoiceState, lines: [InvoiceLine], names: [UUID: String]) -> InvoiceOut? {
        let invoice = state.invoice
        guard let id = invoice.id else { return nil }
        let lines = lines.sorted { $0.position < $1.position }.map { line in
            LineOut(position: line.position, serviceAt: line.serviceAt, description: line.description, providerName: names[line.$staff.id] ?? "",
                    amountCents: line.amountCents, taxCents: line.taxCents, taxExempt: line.exempt)
        }
        let isInvoice = invoice.kind == .invoice
        return InvoiceOut(id: id, number: invoice.displayNumber, kind: invoice.kind, status: status(state), issuedOn: invoice.issuedOn, currency: "CAD",
                          subtotalCents: invoice.subtotalCents, taxCents: invoice.taxCents, totalCents: invoice.totalCents,
                          paidCents: state.paidCents, owingCents: isInvoice ? max(0, state.owingCents) : 0, taxName: invoice.taxName,
                          taxExemptionNote: invoice.exemptionNote, correctsInvoiceID: invoice.$corrects.id, reason: invoice.reason,
                          creditNoteNumber: state.creditNoteNumber, lines: lines)
    }
}

enum BillingAPIQueries {
    /// The lines of these invoices, by invoice.
    static func lines(of invoiceIDs: [UUID], on db: any Database) async throws -> [UUID: [InvoiceLine]] {
        guard !invoiceIDs.isEmpty else { return [:] }
        return Dictionary(grouping: try await InvoiceLine.query(on: db).filter(\.$invoice.$id ~~ invoiceIDs).all(), by: \.$invoice.id)
    }

    static func staffNames(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let staff = try await StaffUser.query(on: db).filter(\.$id ~~ ids).all()
        return Dictionary(staff.compactMap { member in member.id.map { ($0, member.name) } }, uniquingKeysWith: { first, _ in first })
    }
}
