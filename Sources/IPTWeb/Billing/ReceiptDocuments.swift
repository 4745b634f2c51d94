import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Receipts and yearly statements, shared by the desk, the treating clinician and the client's portal.
enum ReceiptDocuments {
    /// The receipt of a paid invoice, or nil while it is not paid.
    static func receipt(_ invoice: Invoice, clinic: ClinicIdentity, back: (String, String), downloadLink: String?,
                        on db: any Database) async throws -> ReceiptPage.Model? {
        let zone = clinic.zone
        let account = try await BillingQueries.account(invoice.$client.id, on: db)
        guard let state = account.invoices.first(where: { $0.invoice.id == invoice.id }), BillingReadModels.isPaid(state) else { return nil }
        let staffIDs = Set(invoice.lines.map(\.$staff.id))
        let providers = try await StaffUser.query(on: db).filter(\.$id ~~ Array(staffIDs)).with(\.$supervisor).all()
        var byID: [UUID: StaffUser] = [:]
        for provider in providers { if let id = provider.id { byID[id] = provider } }
        let sessions = invoice.lines.sorted { $0.position < $1.position }.map { line -> ReceiptPage.Session in
            let provider = byID[line.$staff.id]
            let minutes = line.description.split(separator: " ").compactMap { Int($0.filter(\.isNumber)) }.first
            return ReceiptPage.Session(date: DateDisplay.day(zone.localDate(of: line.serviceAt)), duration: minutes.map { "\($0) minutes" } ?? "",
                                       description: line.description, fee: Money(cents: line.amountCents + line.taxCents).formatted,
                                       providerLines: (line.provider ?? provider.map(receiptProvider))?.lines ?? [])
        }
        let invoiceID = try invoice.requireID()
        let allocations = try await PaymentAllocationRow.query(on: db).filter(\.$invoice.$id == invoiceID).with(\.$payment).all()
        let payments = allocations.map { allocation in
            ReceiptPage.PaymentLine(date: LocalDate(iso: allocation.payment.receivedOn).map(DateDisplay.day) ?? allocation.payment.receivedOn,
                                    method: allocation.payment.method.label, amount: Money(cents: allocation.amountCents).formatted)
        }
        return ReceiptPage.Model(
            header: BillingReadModels.header(clinic, title: "Receipt", number: invoice.displayNumber,
                                             date: LocalDate(iso: invoice.issuedOn).map(DateDisplay.day) ?? invoice.issuedOn,
                                             client: invoice.clientName ?? invoice.client.name),
            invoiceNumber: invoice.displayNumber, sessions: sessions,
            taxLine: invoice.taxCents == 0 ? nil : "\(invoice.taxName) included: \(Money(cents: invoice.taxCents).formatted)",
            total: Money(cents: invoice.totalCents).formatted, payments: payments, paidTotal: Money(cents: state.paidCents).formatted,
            exemptionNote: invoice.exemptionNote, back: back, downloadLink: downloadLink)
    }

    static func receiptProvider(_ staff: StaffUser) -> ReceiptProvider {
        ReceiptProvider(name: staff.name, designation: staff.designation, registrationNumber: staff.registrationNumber,
                        isStudent: staff.role == .student || staff.feeTier == FeeTierCode.reduced.rawValue,
                        supervisorName: staff.supervisor?.name, supervisorDesignation: staff.supervisor?.designation,
                        supervisorRegistrationNumber: staff.supervisor?.registrationNumber)
    }

    static func statement(clientID: UUID, year: Int, clinic: ClinicIdentity, now: Date, back: (String, String), downloadLink: String?,
                          on db: any Database) async throws -> StatementPage.Model {
        guard let client = try await ClientRecord.find(clientID, on: db) else { throw Abort(.notFound) }
        let payments = try await Payment.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$receivedOn >= "\(year)-01-01").filter(\.$receivedOn <= "\(year)-12-31").with(\.$allocations) { $0.with(\.$invoice) }
            .sort(\.$receivedOn).all()
        let rows = payments.map { payment in
            let invoices = payment.allocations.map(\.invoice.displayNumber)
            return StatementPage.Row(date: LocalDate(iso: payment.receivedOn).map(DateDisplay.day) ?? payment.receivedOn,
                                     description: payment.kind == .refund ? "Refund" : (invoices.isEmpty ? "Payment on account" : "Invoice " + invoices.joined(separator: ", ")),
                                     method: payment.method.label, amount: Money(cents: payment.signedCents).formatted)
        }
        return StatementPage.Model(
            header: BillingReadModels.header(clinic, title: "Statement of payments, \(year)", number: nil,
                                             date: DateDisplay.day(clinic.zone.localDate(of: now)), client: client.name),
            year: year, rows: rows, total: Money(cents: payments.reduce(0) { $0 + $1.signedCents }).formatted,
            providerNote: "Receipts for each session, with the provider's name and registration number, are available from the clinic and in the client portal.",
            back: back, downloadLink: downloadLink)
    }

    /// The same page as an attachment, for "Download".
    static func asDownload(_ response: Response, filename: String) -> Response {
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        return response
    }
}
