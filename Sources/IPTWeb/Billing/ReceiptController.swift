import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Receipts and statements for staff (the desk, the director, and a clinician of the client's care
/// team: anyone else gets 404) and for the client in the portal (their own only).
struct ReceiptController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.billingReceipt, use: staffReceipt)
        site.get(.billingStatement, use: staffStatement)
        site.get(.portalBilling, use: portalList)
        site.get(.portalReceipt, use: portalReceipt)
        site.get(.portalStatement, use: portalStatement)
    }

    /// The desk sees every client's documents; a clinician only those of clients in their care.
    private func mayOpen(_ request: Request, clientID: UUID) async throws -> Bool {
        let staff = try request.requireStaff()
        if AccessPolicy.allows(staff.role, .handleBilling) { return true }
        return try await request.mayViewClinicalInformation(of: clientID)
    }

    private func wantsDownload(_ request: Request) -> Bool { request.query[String.self, at: "download"] == "1" }

    func staffReceipt(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewSchedule)
        let invoice = try await BillingReadModels.invoice(request)
        guard try await mayOpen(request, clientID: invoice.$client.id) else { throw Abort(.notFound) }
        let clinic = try await request.services.clinic.current(on: request.db)
        let id = invoice.id?.uuidString ?? ""
        guard let model = try await ReceiptDocuments.receipt(invoice, clinic: clinic, back: ("Back to the invoice", SitePath.billingInvoice.link(id)),
                                                             downloadLink: SitePath.billingReceipt.link(id, query: ["download": "1"]), on: request.db)
        else { throw Abort(.conflict, reason: "A receipt is ready once the invoice is paid in full.") }
        let response = try await request.auditedPage("Receipt \(invoice.displayNumber)", recordType: "receipt", recordID: id,
                                                     subject: invoice.$client.id.uuidString) { ReceiptPage.view(model) }
        return wantsDownload(request) ? ReceiptDocuments.asDownload(response, filename: "receipt-\(invoice.displayNumber).html") : response
    }

    func staffStatement(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewSchedule)
        let client = try await BillingReadModels.client(request)
        let clientID = try client.requireID()
        guard try await mayOpen(request, clientID: clientID), let year = request.parameters.get("year").flatMap(Int.init), (2000...2200).contains(year)
        else { throw Abort(.notFound) }
        let clinic = try await request.services.clinic.current(on: request.db)
        let model = try await ReceiptDocuments.statement(clientID: clientID, year: year, clinic: clinic, now: request.now,
                                                         back: ("Back to the account", SitePath.billingClient.link(clientID.uuidString)),
                                                         downloadLink: SitePath.billingStatement.link(clientID.uuidString, year, query: ["download": "1"]), on: request.db)
        let response = try await request.auditedPage("Statement \(year)", recordType: "statement", recordID: String(year),
                                                     subject: clientID.uuidString) { StatementPage.view(model) }
        return wantsDownload(request) ? ReceiptDocuments.asDownload(response, filename: "statement-\(year).html") : response
    }

    // MARK: the portal

    private func audit(_ request: Request, _ session: PortalSession, _ type: String, recordID: String?) async throws {
        try await request.application.auditWriter.record(AuditEntry(
            actorID: nil, actorLabel: PortalController.actor(session), action: .view, recordType: type,
            recordID: recordID, subject: session.$client.id.uuidString, requestID: request.referenceID, detail: "portal"))
    }

    func portalList(_ request: Request) async throws -> Response {
        guard let session = try await PortalController().current(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let account = try await BillingQueries.account(session.$client.id, on: request.db)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let receipts = account.invoices.filter(BillingReadModels.isPaid).reversed().map { state in
            PortalBillingPage.Receipt(id: state.invoice.id?.uuidString ?? "",
                                      label: "Receipt \(state.invoice.displayNumber), \(LocalDate(iso: state.invoice.issuedOn).map(DateDisplay.day) ?? DateDisplay.day(zone.localDate(of: state.invoice.issuedAt)))")
        }
        let years = Set(account.payments.compactMap { Int($0.receivedOn.prefix(4)) }).sorted(by: >)
        try await audit(request, session, "billing-portal", recordID: nil)
        let balance = account.balanceCents > 0 ? "The clinic's records show \(Money(cents: account.balanceCents).formatted) owing." : nil
        return try await request.page("Receipts and statements", PortalBillingPage.view(.init(receipts: Array(receipts), years: years, balance: balance)))
    }

    func portalReceipt(_ request: Request) async throws -> Response {
        guard let session = try await PortalController().current(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let invoice = try await BillingReadModels.invoice(request)
        guard invoice.$client.id == session.$client.id else { throw Abort(.notFound) }
        let clinic = try await request.services.clinic.current(on: request.db)
        let id = invoice.id?.uuidString ?? ""
        guard let model = try await ReceiptDocuments.receipt(invoice, clinic: clinic, back: ("Receipts and statements", SitePath.portalBilling.link),
                                                             downloadLink: SitePath.portalReceipt.link(id, query: ["download": "1"]), on: request.db)
        else { throw Abort(.notFound) }
        try await audit(request, session, "receipt", recordID: id)
        let response = try await request.page("Receipt \(invoice.displayNumber)", ReceiptPage.view(model))
        return wantsDownload(request) ? ReceiptDocuments.asDownload(response, filename: "receipt-\(invoice.displayNumber).html") : response
    }

    func portalStatement(_ request: Request) async throws -> Response {
        guard let session = try await PortalController().current(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        guard let year = request.parameters.get("year").flatMap(Int.init), (2000...2200).contains(year) else { throw Abort(.notFound) }
        let clinic = try await request.services.clinic.current(on: request.db)
        let model = try await ReceiptDocuments.statement(clientID: session.$client.id, year: year, clinic: clinic, now: request.now,
                                                         back: ("Receipts and statements", SitePath.portalBilling.link),
                                                         downloadLink: SitePath.portalStatement.link(year, query: ["download": "1"]), on: request.db)
        try await audit(request, session, "statement", recordID: String(year))
        let response = try await request.page("Statement \(year)", StatementPage.view(model))
        return wantsDownload(request) ? ReceiptDocuments.asDownload(response, filename: "statement-\(year).html") : response
    }
}
