import Fluent
import Foundation
import IPTCore

/// What billing puts on the "Today" page: the payments the front desk has still to take for the
/// day's attended sessions, and the sliding-scale rates the director said they would look at again.
enum BillingTodayQueries {
    struct Unpaid: Sendable, Equatable {
        var clientID: UUID
        var clientName: String
        var startsAt: Date
        var owingCents: Int
    }

    /// Sessions attended in `window` whose charge is not paid: still to invoice (its amount is
    /// owed), or on an invoice with something left to pay (what is left, which may include other
    /// sessions of that invoice). A waived charge and a free session owe nothing.
    static func paymentsToTake(in window: Interval, on db: any Database) async throws -> [Unpaid] {
        let attended = try await Appointment.query(on: db).filter(\.$status == .attended)
            .filter(\.$startsAt >= window.start).filter(\.$startsAt < window.end).with(\.$client).sort(\.$startsAt).all()
        let ids = attended.compactMap(\.id)
        guard !ids.isEmpty else { return [] }
        let charges = try await Charge.query(on: db).filter(\.$appointment.$id ~~ ids).filter(\.$status != .waived).all()
        let invoiceIDs = Array(Set(charges.compactMap(\.$invoice.id)))
        let owing = try await invoiceOwing(invoiceIDs, on: db)
        let byAppointment = Dictionary(charges.compactMap { charge in charge.$appointment.id.map { ($0, charge) } }, uniquingKeysWith: { first, _ in first })
        return attended.compactMap { appointment in
            guard let id = appointment.id, let charge = byAppointment[id], let client = appointment.client, let clientID = client.id else { return nil }
            let cents = charge.$invoice.id.map { owing[$0] ?? 0 } ?? charge.amountCents
            guard cents > 0 else { return nil }
            return Unpaid(clientID: clientID, clientName: client.name, startsAt: appointment.startsAt, owingCents: cents)
        }
    }

    /// What is left to pay on each of these invoices: total, less payments applied, less any credit note.
    static func invoiceOwing(_ invoiceIDs: [UUID], on db: any Database) async throws -> [UUID: Int] {
        guard !invoiceIDs.isEmpty else { return [:] }
        var owing: [UUID: Int] = [:]
        for invoice in try await Invoice.query(on: db).filter(\.$id ~~ invoiceIDs).all() {
            if let id = invoice.id { owing[id] = invoice.totalCents }
        }
        for allocation in try await PaymentAllocationRow.query(on: db).filter(\.$invoice.$id ~~ invoiceIDs).all() {
            owing[allocation.$invoice.id, default: 0] -= allocation.amountCents
        }
        for note in try await Invoice.query(on: db).filter(\.$corrects.$id ~~ invoiceIDs).all() {
            if let target = note.$corrects.id { owing[target, default: 0] += note.totalCents }
        }
        return owing
    }

    /// Rates in force whose review date has come (the review date itself counts: it is the day to look).
    static func slidingRatesPastReview(today: LocalDate, on db: any Database) async throws -> [SlidingScaleRate] {
        try await SlidingScaleRate.query(on: db).filter(\.$endedAt == nil).filter(\.$reviewOn <= today.description)
            .with(\.$client).sort(\.$reviewOn).all()
    }
}
