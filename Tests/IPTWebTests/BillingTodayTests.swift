import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct BillingTodayTests {
    @Test func todays_attended_sessions_not_yet_paid_are_payments_to_take_for_the_desk_until_paid() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Dana Full", role: .therapist)
            let colleague = try await clinic.makeClinician(tier: .full, name: "Eli Full", role: .therapist)
            let client = try await clinic.addClient(name: "Avery Client", email: "avery@example.org")
            let waived = try await clinic.addClient(name: "Blair Waived", email: "blair@example.org")
            let yesterday = try await clinic.addClient(name: "Casey Yesterday", email: "casey@example.org")
            // Past today's sessions at ten: a session is marked attended once it has begun.
            clinic.clock.advance(by: 5 * 3_600)
            let (desk, staff) = try await clinic.signedIn(as: .receptionist)
            for (who, clinician, days) in [(client, therapist, 0), (waived, colleague, 0), (yesterday, therapist, 1)] {
                let appointment = try await clinic.pastAppointment(clinician, who, daysAgo: days, feeCents: 18_000)
                try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
                #expect(try await desk.post("/staff/appointments/\(appointment.id!.uuidString)/status", form: ["status": "attended"]).status == .seeOther)
            }
            let waivedCharge = try #require(try await clinic.charges(waived).first)
            #expect(try await BillingQueries.adjust(waivedCharge.requireID(), clientID: waived.requireID(), toCents: 0, reason: "Hardship", on: clinic.db) == .adjusted)
            // Waived by mistake: the amount set again opens it; then waived once more for this test.
            #expect(try await BillingQueries.adjust(waivedCharge.requireID(), clientID: waived.requireID(), toCents: 9_000, reason: "Half, agreed", on: clinic.db) == .adjusted)
            #expect(try await Charge.find(waivedCharge.id, on: clinic.db).map { ($0.status, $0.amountCents) }! == (.open, 9_000))
            #expect(try await BillingQueries.adjust(waivedCharge.requireID(), clientID: waived.requireID(), toCents: 0, reason: "Hardship", on: clinic.db) == .adjusted)
            #expect(try await desk.get("/staff/billing/clients/\(waived.id!.uuidString)").body.string.contains("Charge a waived session again"))

            /// The section alone: the arrivals list names the same clients.
            func paymentsSection() async throws -> String {
                let page = try await desk.get("/staff").body.string
                let start = try #require(page.range(of: "Payments to take"))
                return String(page[start.lowerBound...].split(separator: "</section>")[0])
            }
            var section = try await paymentsSection()
            #expect(section.contains("Avery Client") && section.contains("$180.00 owing"))
            #expect(section.contains("/staff/billing/clients/\(client.id!.uuidString)#bill-record"), "the line leads to the account's payment form")
            #expect(!section.contains("Blair Waived"), "a waived charge owes nothing")
            #expect(!section.contains("Casey Yesterday"), "only today's sessions")

            // Invoiced and part paid: still listed with what is left; paid in full: gone.
            let charge = try #require(try await clinic.charges(client).first)
            _ = try await BillingQueries.issueInvoice(clientID: client.requireID(), chargeIDs: [charge.requireID()], by: "Desk", at: clinic.clock.now,
                                                      zone: clinic.toronto, on: clinic.db)
            for cents in [8_000, 10_000] {
                _ = try await BillingQueries.record(.init(clientID: client.requireID(), kind: .payment, method: .cash, cents: cents,
                                                          receivedOn: clinic.toronto.localDate(of: clinic.clock.now), reference: "", idempotencyKey: UUID().uuidString,
                                                          keepExcessAsCredit: false, staffID: staff.requireID(), staffName: staff.name), at: clinic.clock.now, on: clinic.db)
                section = try await paymentsSection()
                #expect(section.contains("Avery Client") == (cents == 8_000))
                if cents == 8_000 { #expect(section.contains("$100.00 owing")) }
            }
            #expect(section.contains("Every session attended today is paid"))

            let (therapistBrowser, _) = try await clinic.signedIn(as: .therapist)
            #expect(!(try await therapistBrowser.get("/staff").body.string.contains("Payments to take")), "billing is the desk's and the director's")
        }
    }

    @Test func the_director_sees_how_many_sliding_scale_rates_are_due_for_review_and_where() async throws {
        try await withClinic { clinic in
            let (director, admin) = try await clinic.signedIn(as: .admin)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let today = clinic.toronto.localDate(of: clinic.clock.now)
            for (name, review, ended) in [("Sam Due", today.adding(days: -3), false), ("Robin Later", today.adding(days: 30), false),
                                          ("Kim Ended", today.adding(days: -10), true)] {
                let client = try await clinic.addClient(name: name, email: "\(name.split(separator: " ")[0].lowercased())@example.org")
                let rate = SlidingScaleRate()
                rate.$client.id = try client.requireID()
                rate.amountCents = 4_000
                rate.reviewOn = review.description
                rate.reason = "Student income"
                rate.$approvedBy.id = try admin.requireID()
                rate.approvedAt = clinic.clock.now.addingTimeInterval(-100 * 86_400)
                rate.endedAt = ended ? clinic.clock.now : nil
                try await rate.create(on: clinic.db)
            }
            let page = try await director.get("/staff").body.string
            #expect(page.contains("1 sliding-scale rate</a> due for review"))
            #expect(page.contains("/staff/billing#bill-reviews"))
            let list = try await director.get("/staff/billing").body.string
            let reviews = try #require(list.range(of: "Sliding-scale rates due for review").map { String(list[$0.lowerBound...]) })
            #expect(reviews.contains("Sam Due") && reviews.contains("$40.00 per session"))
            #expect(!list.contains("Robin Later") && !list.contains("Kim Ended"))
            #expect(!(try await desk.get("/staff").body.string.contains("sliding-scale rate")), "approving rates is the director's")
        }
    }
}
