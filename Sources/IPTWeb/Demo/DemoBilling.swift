import Fluent
import Foundation
import IPTCore

/// The demo clinic's money: receipt details for the clinicians (invented registration numbers),
/// a charge for every attended session, invoices for the older ones and a few payments, so the
/// billing pages and the portal's receipts show something.
enum DemoBilling {
    static func seed(zone: ClinicTimeZone, now: Date, on database: any Database) async throws {
        let details: [String: (String, String)] = [
            "daniel-reyes": ("RP", "RP-DEMO-10421"), "henrik-larsen": ("RP", "RP-DEMO-10077"),
            "priya-natarajan": ("MPsy student (practicum)", ""),
        ]
        for (slug, detail) in details {
            try await StaffUser.query(on: database).filter(\.$slug == slug).set(\.$designation, to: detail.0).set(\.$registrationNumber, to: detail.1).update()
        }
        for staff in try await StaffUser.query(on: database).filter(\.$role == .admin).all() where staff.registrationNumber.isEmpty {
            staff.designation = "RP"
            staff.registrationNumber = "RP-DEMO-10003"
            try await staff.update(on: database)
        }
        let attended = try await Appointment.query(on: database).filter(\.$status == .attended).sort(\.$startsAt).all()
        for appointment in attended {
            try await BillingQueries.recordCharge(for: try appointment.requireID(), policyLateFeeCents: nil, at: appointment.endsAt, on: database)
        }
        guard let desk = try await StaffUser.query(on: database).filter(\.$role == .receptionist).first() else { return }
        let weekAgo = now.addingTimeInterval(-7 * 86_400)
        let clients = Set(try await Charge.query(on: database).all().map(\.$client.id))
        for (index, clientID) in clients.sorted().enumerated() {
            let older = try await Charge.query(on: database).filter(\.$client.$id == clientID).filter(\.$serviceAt < weekAgo).all()
            guard !older.isEmpty else { continue }
            let invoice = try await BillingQueries.issueInvoice(clientID: clientID, chargeIDs: older.compactMap(\.id), by: desk.name, at: weekAgo,
                                                                zone: zone, on: database)
            // Every other client has paid, one of them by e-Transfer in two parts; the rest owe.
            guard index % 2 == 0 else { continue }
            let halves = [invoice.totalCents / 2, invoice.totalCents - invoice.totalCents / 2]
            for (part, cents) in halves.enumerated() where cents > 0 {
                _ = try await BillingQueries.record(.init(clientID: clientID, kind: .payment, method: part == 0 ? .eTransfer : .card, cents: cents,
                                                          receivedOn: zone.localDate(of: weekAgo).adding(days: part), reference: "DEMO-\(index)\(part)",
                                                          idempotencyKey: UUID().uuidString, keepExcessAsCredit: false, staffID: try desk.requireID(),
                                                          staffName: desk.name), at: weekAgo, on: database)
            }
        }
    }
}
