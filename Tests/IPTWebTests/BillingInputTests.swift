import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

/// What a person can type or send twice into the billing forms: a 4xx with the message beside the
/// field and the input kept, never a 500 and never a second record.
@Suite struct BillingInputTests {
    /// A client with one attended, uninvoiced session of $180.00.
    static func clientWithOpenCharge(_ clinic: TestClinic) async throws -> (ClientRecord, Charge) {
        let therapist = try await clinic.makeClinician(tier: .full, name: "Dana Full", role: .therapist)
        let client = try await clinic.addClient(name: "Avery Client", email: "avery@example.org")
        let appointment = try await clinic.pastAppointment(therapist, client, daysAgo: 1, feeCents: 18_000)
        appointment.status = .attended
        try await appointment.update(on: clinic.db)
        try await BillingQueries.recordCharge(for: appointment.requireID(), policyLateFeeCents: nil, at: clinic.clock.now, on: clinic.db)
        return (client, try #require(try await clinic.charges(client).first))
    }

    @Test func a_payment_dated_after_today_is_refused_beside_the_date_with_the_input_kept() async throws {
        try await withClinic { clinic in
            let (client, _) = try await Self.clientWithOpenCharge(clinic)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let path = "/staff/billing/clients/\(client.id!.uuidString)"
            try await desk.get(path)
            var form = clinic.paymentForm("50", keepCredit: true)
            let tomorrow = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 1).description
            form["date"] = tomorrow
            let refused = try await desk.post(path + "/payments", form: form)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("id=\"error-date\"") && refused.body.string.contains("cannot be after today"))
            #expect(refused.body.string.contains("value=\"\(tomorrow)\""), "the typed date stays")
            #expect(try await Payment.query(on: clinic.db).count() == 0)
        }
    }

    @Test func issuing_the_same_invoice_twice_shows_the_first_instead_of_an_error_or_a_second() async throws {
        try await withClinic { clinic in
            let (client, charge) = try await Self.clientWithOpenCharge(clinic)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let path = "/staff/billing/clients/\(client.id!.uuidString)"
            try await desk.get(path)
            let form = ["charges[0]": charge.id!.uuidString]
            let first = try await desk.post(path + "/invoices", form: form)
            let second = try await desk.post(path + "/invoices", form: form)
            #expect(first.status == .seeOther && second.status == .seeOther)
            #expect(first.location == second.location && first.location?.hasPrefix("/staff/billing/invoices/") == true)
            #expect(try await Invoice.query(on: clinic.db).count() == 1)
        }
    }

    @Test func whatever_is_typed_or_sent_to_billing_answers_4xx_never_5xx() async throws {
        try await withClinic { clinic in
            let (client, charge) = try await Self.clientWithOpenCharge(clinic)
            let other = try await clinic.addClient(name: "Blair Other", email: "blair@example.org")
            let (director, _) = try await clinic.signedIn(as: .admin)
            let path = "/staff/billing/clients/\(client.id!.uuidString)"
            try await director.get(path)
            for amount in ["", "abc", "-5", "1e5", "12,34.5", "99999999999", "0", "5.999", " "] {
                let response = try await director.post(path + "/payments", form: clinic.paymentForm(amount))
                #expect(response.status == .unprocessableEntity, "\(amount)")
                #expect(response.body.string.contains("id=\"error-amount\""), "\(amount): the message sits beside the amount")
            }
            for date in ["", "2026-02-30", "yesterday"] {
                var form = clinic.paymentForm("10", keepCredit: true)
                form["date"] = date
                #expect(try await director.post(path + "/payments", form: form).status == .unprocessableEntity, "\(date)")
            }
            var noKey = clinic.paymentForm("10", keepCredit: true)
            noKey["key"] = nil
            #expect(try await director.post(path + "/payments", form: noKey).status == .unprocessableEntity)
            #expect(try await director.post(path + "/payments", form: clinic.paymentForm("10", method: "bitcoin")).status == .unprocessableEntity)
            // Someone else's charge, or one that does not exist, cannot be invoiced, adjusted or credited here.
            let foreign = "/staff/billing/clients/\(other.id!.uuidString)"
            #expect(try await director.post(foreign + "/invoices", form: ["charges[0]": charge.id!.uuidString]).status == .unprocessableEntity)
            #expect(try await director.post(foreign + "/charges/\(charge.id!.uuidString)",
                                            form: ["amount-\(charge.id!.uuidString)": "0", "reason-\(charge.id!.uuidString)": "x"]).status == .notFound)
            #expect(try await director.post(path + "/charges/\(charge.id!.uuidString)",
                                            form: ["amount-\(charge.id!.uuidString)": "-1", "reason-\(charge.id!.uuidString)": "x"]).status == .unprocessableEntity)
            #expect(try await director.post("/staff/billing/invoices/\(UUID().uuidString)/credit-note", form: ["reason": "x"]).status == .notFound)
            #expect(try await director.post("/staff/billing/invoices/nope/credit-note", form: ["reason": "x"]).status == .notFound)
            #expect(try await director.get("/staff/billing/clients/\(UUID().uuidString)").status == .notFound)
            #expect(try await director.get(path + "/statements/abcd").status == .notFound)
            #expect(try await director.post(path + "/sliding-scale", form: ["rate": "lots", "review": "soon", "slidingReason": ""]).status == .unprocessableEntity)
            #expect(try await Payment.query(on: clinic.db).count() == 0)
            #expect(try await Invoice.query(on: clinic.db).count() == 0)
            #expect(try await clinic.charges(client).first?.amountCents == 18_000)
        }
    }
    @Test func an_adjustment_may_lower_or_restore_a_fee_but_not_raise_it_above_the_fee_it_was_charged_at() async throws {
        try await withClinic { clinic in
            let (client, charge) = try await Self.clientWithOpenCharge(clinic)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let path = "/staff/billing/clients/\(client.id!.uuidString)"
            try await desk.get(path)
            let id = charge.id!.uuidString
            let raised = try await desk.post(path + "/charges/\(id)", form: ["amount-\(id)": "250", "reason-\(id)": "Longer session"])
            #expect(raised.status == .unprocessableEntity)
            let page = raised.body.string
            #expect(page.contains("id=\"error-amount-\(id)\"") && page.contains("its fee of $180.00"), "the message sits beside the amount")
            #expect(page.contains("value=\"250\"") && page.contains("Longer session"), "the typed amount and reason stay")
            #expect(page.contains("<details class=\"bill-adjust\" open"), "the refused form is open, not folded away")
            #expect(try await clinic.charges(client).first?.amountCents == 18_000)

            let lowered = try await desk.post(path + "/charges/\(id)", form: ["amount-\(id)": "90", "reason-\(id)": "Hardship"])
            #expect(lowered.status == .seeOther)
            #expect(try await clinic.charges(client).first?.amountCents == 9_000)
            let restored = try await desk.post(path + "/charges/\(id)", form: ["amount-\(id)": "180", "reason-\(id)": "Hardship ended"])
            #expect(restored.status == .seeOther)
            #expect(try await clinic.charges(client).first?.amountCents == 18_000)
        }
    }

    @Test func a_too_long_designation_or_registration_is_refused_beside_the_field_with_the_input_kept() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Dana Full", role: .therapist)
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/billing/settings")
            let id = therapist.id!.uuidString
            let long = String(repeating: "R", count: 61)
            let refused = try await director.post("/staff/billing/settings/providers",
                                                  form: ["staff": id, "designation-\(id)": long, "registration-\(id)": "RP-12345"])
            #expect(refused.status == .unprocessableEntity)
            let page = refused.body.string
            #expect(page.contains("id=\"error-designation-\(id)\"") && page.contains("60 characters"))
            #expect(page.contains("value=\"\(long)\"") && page.contains("value=\"RP-12345\""), "both typed values stay")
            #expect(page.contains("Billing settings"), "the whole settings page, not a bare error page")
            let stored = try #require(try await StaffUser.find(therapist.id, on: clinic.db))
            #expect(stored.designation.isEmpty && stored.registrationNumber.isEmpty)

            let tooLongNumber = try await director.post("/staff/billing/settings/providers",
                                                        form: ["staff": id, "designation-\(id)": "RP", "registration-\(id)": String(repeating: "9", count: 31)])
            #expect(tooLongNumber.status == .unprocessableEntity)
            #expect(tooLongNumber.body.string.contains("id=\"error-registration-\(id)\""))
        }
    }
}
