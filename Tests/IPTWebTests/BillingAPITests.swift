import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct BillingAPITests {
    private func json(_ response: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    @Test func the_desk_reads_a_clients_invoices_with_lines_status_and_credit_notes_over_json() async throws {
        try await withClinic { clinic in
            let client = try await clinic.addClient(name: "Avery Client", email: "avery@example.org")
            let (paid, _) = try await ReceiptTests.paidStudentSession(clinic, client: client)
            let clientID = try client.requireID()
            // A second session invoiced, then cancelled by a credit note.
            let therapist = try await clinic.makeClinician(tier: .full, name: "Dana Full", role: .therapist)
            let appointment = try await clinic.pastAppointment(therapist, client, daysAgo: 2, feeCents: 18_000)
            appointment.status = .attended
            try await appointment.update(on: clinic.db)
            try await BillingQueries.recordCharge(for: appointment.requireID(), policyLateFeeCents: nil, at: clinic.clock.now, on: clinic.db)
            let open = try #require(try await clinic.charges(client).first { $0.status == .open })
            let cancelled = try await BillingQueries.issueInvoice(clientID: clientID, chargeIDs: [open.requireID()], by: "Desk", at: clinic.clock.now,
                                                                  zone: clinic.toronto, on: clinic.db)
            let note = try await BillingQueries.creditNote(for: cancelled.requireID(), clientID: clientID, reason: "Billed twice", by: "Desk",
                                                           at: clinic.clock.now, zone: clinic.toronto, on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let response = try await desk.get("/api/v1/staff/clients/\(clientID.uuidString)/invoices")
            #expect(response.status == .ok)
            #expect(response.headers.contentType == .json)
            let body = try json(response)
            #expect(body["currency"] as? String == "CAD")
            #expect(body["balanceCents"] as? Int == 0)
            let invoices = try #require(body["invoices"] as? [[String: Any]])
            let byNumber = Dictionary(invoices.map { ($0["number"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            let first = try #require(byNumber[paid.displayNumber])
            #expect(first["status"] as? String == "paid" && first["totalCents"] as? Int == 6_000 && first["paidCents"] as? Int == 6_000)
            #expect(first["owingCents"] as? Int == 0)
            let lines = try #require(first["lines"] as? [[String: Any]])
            #expect(lines.count == 1)
            #expect(lines.first?["description"] as? String == "Psychotherapy session, 50 minutes")
            #expect(lines.first?["providerName"] as? String == "Pat Student" && lines.first?["amountCents"] as? Int == 6_000)
            #expect(byNumber[cancelled.displayNumber]?["status"] as? String == "cancelled")
            #expect(byNumber[cancelled.displayNumber]?["creditNoteNumber"] as? String == note.displayNumber)
            let credit = try #require(byNumber[note.displayNumber])
            #expect(credit["kind"] as? String == "credit_note" && credit["totalCents"] as? Int == -18_000)
            #expect(credit["correctsInvoiceID"] as? String == cancelled.id?.uuidString && credit["reason"] as? String == "Billed twice")
            #expect(invoices.map { $0["number"] as? String } == [note.displayNumber, cancelled.displayNumber, paid.displayNumber], "newest first")
            #expect(!response.body.string.contains("IPT session"), "the service as receipts describe it, not the appointment type")
            let audited = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "billing-invoices").all()
            #expect(audited.count == 1 && audited.first?.subject == clientID.uuidString)
        }
    }

    @Test func the_desk_reads_payments_with_their_allocations_refunds_and_credit() async throws {
        try await withClinic { clinic in
            let client = try await clinic.addClient(name: "Avery Client", email: "avery@example.org")
            let (invoice, _) = try await ReceiptTests.paidStudentSession(clinic, client: client)
            let clientID = try client.requireID()
            let (director, staff) = try await clinic.signedIn(as: .admin)
            for (kind, cents) in [(PaymentKind.payment, 5_000), (.refund, 2_000)] {
                _ = try await BillingQueries.record(.init(clientID: clientID, kind: kind, method: .cash, cents: cents, receivedOn: clinic.toronto.localDate(of: clinic.clock.now),
                                                          reference: "", idempotencyKey: UUID().uuidString, keepExcessAsCredit: true,
                                                          staffID: staff.requireID(), staffName: staff.name), at: clinic.clock.now, on: clinic.db)
            }
            let response = try await director.get("/api/v1/staff/clients/\(clientID.uuidString)/payments")
            #expect(response.status == .ok)
            let body = try json(response)
            #expect(body["creditCents"] as? Int == 3_000)
            let payments = try #require(body["payments"] as? [[String: Any]])
            #expect(payments.count == 3)
            let eTransfer = try #require(payments.first { $0["method"] as? String == "e_transfer" })
            #expect(eTransfer["reference"] as? String == "CA1234" && eTransfer["unappliedCents"] as? Int == 0)
            let allocation = try #require((eTransfer["allocations"] as? [[String: Any]])?.first)
            #expect(allocation["invoiceNumber"] as? String == invoice.displayNumber && allocation["amountCents"] as? Int == 6_000)
            #expect(payments.first { $0["kind"] as? String == "payment" && $0["method"] as? String == "cash" }?["unappliedCents"] as? Int == 5_000)
            #expect(payments.contains { $0["kind"] as? String == "refund" && $0["amountCents"] as? Int == 2_000 })
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "billing-payments").filter(\.$subject == clientID.uuidString).count() == 1)
        }
    }

    @Test func the_billing_api_needs_a_session_the_desks_role_and_a_known_client() async throws {
        try await withClinic { clinic in
            let client = try await clinic.addClient(name: "Avery Client", email: "avery@example.org")
            let (_, student) = try await ReceiptTests.paidStudentSession(clinic, client: client)
            try await clinic.assignCareTeam(client: client.requireID(), treating: student)
            let paths = ["invoices", "payments"].map { "/api/v1/staff/clients/\(client.id!.uuidString)/\($0)" }
            for path in paths {
                let anonymous = try await Browser(app: clinic.app).get(path)
                #expect(anonymous.status == .unauthorized && anonymous.headers.contentType == .json)
            }
            // Even the client's own clinician: billing is the desk's (the web pages answer 403 too).
            let treating = Browser(app: clinic.app)
            try await treating.signIn(email: student.email, password: "correct horse battery")
            for path in paths { #expect(try await treating.get(path).status == .forbidden) }
            let denied = try await AuditEvent.query(on: clinic.db).filter(\.$action == "denied").filter(\.$recordID == "handleBilling").count()
            #expect(denied == 2)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/api/v1/staff/clients/\(UUID().uuidString)/invoices").status == .notFound)
            #expect(try await desk.get("/api/v1/staff/clients/not-an-id/payments").status == .notFound)
        }
    }
}
