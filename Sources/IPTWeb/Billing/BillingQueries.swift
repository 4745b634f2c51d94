import Fluent
import FluentKit
import Foundation
import IPTCore
import SQLKit
import Vapor

/// The billing feature's reads and writes. Every write that must not happen twice leans on the
/// database: the unique appointment of a charge, the counter row of invoice numbers, the unique
/// idempotency key of a payment.
enum BillingQueries {
    enum Problem: Error, Equatable {
        case nothingToInvoice
        case chargesChanged
        case payment(PaymentAllocation.Problem)
        case refundMoreThanCredit(creditCents: Int)
        case alreadyCredited
    }

    static func settings(on database: any Database) async throws -> BillingSettingsRow {
        guard let row = try await BillingSettingsRow.query(on: database).first() else { throw Abort(.internalServerError, reason: "Billing settings are missing.") }
        return row
    }

    // MARK: charges

    /// Creates the charge a marked appointment calls for, once: the unique appointment_id makes a
    /// second insert (another path, a second click, another instance) a no-op. A charge not yet on
    /// an invoice follows a re-marking (attended, then corrected to no-show); an invoiced one is
    /// corrected with a credit note instead.
    static func recordCharge(for appointmentID: UUID, policyLateFeeCents: Int?, at now: Date, on db: any Database) async throws {
        guard let appointment = try await Appointment.query(on: db).filter(\.$id == appointmentID).with(\.$staff).first(),
              let clientID = appointment.$client.id else { return }
        let outcome: SessionFacts.Outcome
        switch appointment.status {
        case .attended: outcome = .attended
        case .noShow: outcome = .noShow
        case .lateCancelled: outcome = .lateCancelled
        default: return
        }
        let settings = try await settings(on: db)
        let tier = appointment.staff.feeTier.flatMap(FeeTierCode.init(rawValue:))
        let code = appointment.typeCode ?? ""
        let scheduleFee: Int? = if let tier {
            try await AppointmentFee.query(on: db).filter(\.$typeCode == code).filter(\.$tierCode == tier.rawValue).first()?.cents
        } else { nil }
        let sliding = try await activeSlidingRate(clientID, on: db)
        let facts = SessionFacts(outcome: outcome, bookedFeeCents: appointment.feeCents, scheduleFeeCents: scheduleFee,
                                 lateFeeCents: appointment.lateFeeCents, policyLateFeeCents: policyLateFeeCents,
                                 noShowFeeCents: settings.noShowFeeCents, slidingRateCents: sliding?.amountCents)
        try await lockAccount(clientID, on: db)
        let existing = try await Charge.query(on: db).filter(\.$appointment.$id == appointmentID).first()
        // A waived charge not yet invoiced follows a change of mark too: a late-cancellation fee
        // waived, then the session found to have taken place, is the session's charge.
        let changeable: Set<ChargeStatus> = [.open, .waived]
        guard let rule = ChargeRule.charge(for: facts) else {
            if let existing, changeable.contains(existing.status) { try await existing.delete(on: db) }
            return
        }
        if let existing {
            guard changeable.contains(existing.status), existing.kind != rule.kind else { return }
            existing.status = .open
            existing.kind = rule.kind
            existing.amountCents = rule.cents
            existing.originalCents = rule.cents
            existing.adjustmentReason = nil
            try await existing.update(on: db)
            return
        }
        let minutes = max(1, Int(appointment.endsAt.timeIntervalSince(appointment.startsAt) / 60))
        try await (db as! any SQLDatabase).insert(into: Charge.schema)
            .columns("id", "client_id", "appointment_id", "staff_id", "kind", "status", "service_code", "tier_code", "service_at",
                     "minutes", "amount_cents", "original_cents", "created_at")
            .values(SQLBind(UUID()), SQLBind(clientID), SQLBind(appointmentID), SQLBind(appointment.$staff.id), SQLBind(rule.kind.rawValue),
                    SQLBind(ChargeStatus.open.rawValue), SQLBind(code), SQLBind(tier?.rawValue), SQLBind(appointment.startsAt),
                    SQLBind(minutes), SQLBind(rule.cents), SQLBind(rule.cents), SQLBind(now))
            .ignoringConflicts(with: ["appointment_id"])
            .run()
    }

    static func activeSlidingRate(_ clientID: UUID, on db: any Database) async throws -> SlidingScaleRate? {
        try await SlidingScaleRate.query(on: db).filter(\.$client.$id == clientID).filter(\.$endedAt == nil)
            .sort(\.$approvedAt, .descending).first()
    }

    /// Waives a charge or sets another amount, with the reason kept on the charge; only before it is invoiced.
    enum AdjustOutcome: Equatable {
        case adjusted
        case notFound
        /// The new amount is above the fee the charge was made at (its `originalCents`).
        case aboveFee(Int)
    }

    /// Lowers or waives an open charge, or puts it back up to the fee it was made at; never above
    /// it: the fee comes from the appointment type and tier (or the approved sliding-scale rate), and
    /// a higher price is a change to the fees, not an adjustment of one session.
    static func adjust(_ chargeID: UUID, clientID: UUID, toCents cents: Int, reason: String, on db: any Database) async throws -> AdjustOutcome {
        try await db.writeTransaction { db in
            try await lockAccount(clientID, on: db)
            // A waived charge is open to the same change: waiving by mistake is put right by
            // setting the amount again.
            guard let charge = try await Charge.query(on: db).filter(\.$id == chargeID).filter(\.$client.$id == clientID)
                .filter(\.$status ~~ [.open, .waived]).first() else { return .notFound }
            guard cents <= charge.originalCents else { return .aboveFee(charge.originalCents) }
            charge.amountCents = cents
            charge.status = cents == 0 ? .waived : .open
            charge.adjustmentReason = reason
            try await charge.update(on: db)
            return .adjusted
        }
    }

    /// Takes the client's row for the rest of the transaction, so that two desks working on the
    /// same account (a refund and another refund, a credit note and a payment) read and change it
    /// one after the other. SQLite's write transactions already run one at a time.
    static func lockAccount(_ clientID: UUID, on db: any Database) async throws {
        guard DatabaseEngine(of: db) == .postgres else { return }
        _ = try await (db as! any SQLDatabase).raw("SELECT id FROM clients WHERE id = \(bind: clientID) FOR UPDATE").all()
    }

    // MARK: invoices

    /// Claims the next number: one UPDATE that increments the counter and returns the value it had.
    /// Inside the issuing transaction, the row stays locked (PostgreSQL) or the database stays
    /// written (SQLite) until commit, and a rollback puts the number back, so numbers neither repeat
    /// nor skip, whatever the number of app instances.
    static func claimInvoiceNumber(on db: any Database) async throws -> (number: Int, prefix: String) {
        struct Claimed: Decodable { let next_invoice_number: Int; let invoice_prefix: String }
        guard let row = try await (db as! any SQLDatabase).update(BillingSettingsRow.schema)
            .set("next_invoice_number", to: SQLBinaryExpression(SQLIdentifier("next_invoice_number"), .add, SQLLiteral.numeric("1")))
            .where("next_invoice_number", .greaterThan, SQLLiteral.numeric("0"))
            .returning("next_invoice_number", "invoice_prefix")
            .first(decoding: Claimed.self) else { throw Abort(.internalServerError, reason: "The invoice counter is missing.") }
        return (row.next_invoice_number - 1, row.invoice_prefix)
    }

    /// Issues one invoice for these open charges of the client (one session, or a period's), and
    /// applies any credit the client has.
    static func issueInvoice(clientID: UUID, chargeIDs: [UUID], by who: String, at now: Date, zone: ClinicTimeZone,
                             on database: any Database) async throws -> Invoice {
        try await database.writeTransaction { db in
            try await lockAccount(clientID, on: db)
            let charges = try await Charge.query(on: db).filter(\.$client.$id == clientID).filter(\.$id ~~ chargeIDs)
                .filter(\.$status == .open).sort(\.$serviceAt).all()
            guard !charges.isEmpty else { throw Problem.nothingToInvoice }
            guard charges.count == Set(chargeIDs).count else { throw Problem.chargesChanged }
            let settings = try await settings(on: db)
            let tax = settings.tax
            let claimed = try await claimInvoiceNumber(on: db)
            let lines = charges.map { charge in
                DocumentLine(amountCents: charge.amountCents, taxCents: tax.tax(onCents: charge.amountCents, tier: charge.tierCode, serviceCode: charge.serviceCode),
                             exempt: tax.isExempt(tier: charge.tierCode, serviceCode: charge.serviceCode))
            }
            let totals = DocumentTotals(lines)
            let invoice = Invoice()
            invoice.number = claimed.number
            invoice.displayNumber = InvoiceNumbering.display(prefix: claimed.prefix, number: claimed.number)
            invoice.kind = .invoice
            invoice.$client.id = clientID
            invoice.issuedAt = now
            invoice.issuedOn = zone.localDate(of: now).description
            invoice.subtotalCents = totals.subtotalCents
            invoice.taxCents = totals.taxCents
            invoice.totalCents = totals.totalCents
            invoice.taxName = tax.name
            invoice.exemptionNote = totals.showsExemption ? tax.exemptionNote : nil
            invoice.issuedBy = who
            // The document keeps the names it was issued with (M070).
            invoice.clientName = try await ClientRecord.find(clientID, on: db)?.name
            try await invoice.create(on: db)
            let invoiceID = try invoice.requireID()
            let providers = try await StaffUser.query(on: db).filter(\.$id ~~ Array(Set(charges.map(\.$staff.id)))).with(\.$supervisor).all()
            for (index, pair) in zip(charges, lines).enumerated() {
                let line = InvoiceLine()
                line.$invoice.id = invoiceID
                line.$charge.id = pair.0.id
                line.position = index + 1
                line.description = pair.0.description
                line.serviceAt = pair.0.serviceAt
                line.$staff.id = pair.0.$staff.id
                line.tierCode = pair.0.tierCode
                line.amountCents = pair.1.amountCents
                line.taxCents = pair.1.taxCents
                line.exempt = pair.1.exempt
                line.providerJSON = try providers.first { $0.id == pair.0.$staff.id }.map { try InvoiceLine.encode(ReceiptDocuments.receiptProvider($0)) }
                try await line.create(on: db)
            }
            // Only charges still open move onto the invoice; if another desk invoiced one meanwhile, all of this rolls back.
            let moved = try await (db as! any SQLDatabase).update(Charge.schema)
                .set("status", to: ChargeStatus.invoiced.rawValue).set("invoice_id", to: invoiceID)
                .where("id", .in, charges.compactMap(\.id)).where("status", .equal, ChargeStatus.open.rawValue)
                .returning("id").all()
            guard moved.count == charges.count else { throw Problem.chargesChanged }
            try await applyCredit(clientID: clientID, to: invoiceID, owing: totals.totalCents, on: db)
            return invoice
        }
    }

    /// The one invoice that holds exactly these charges of the client, if they are all on the same one.
    static func invoiceHolding(chargeIDs: [UUID], clientID: UUID, on db: any Database) async throws -> UUID? {
        let charges = try await Charge.query(on: db).filter(\.$client.$id == clientID).filter(\.$id ~~ chargeIDs).all()
        let invoices = Set(charges.map(\.$invoice.id))
        guard charges.count == Set(chargeIDs).count, invoices.count == 1, let invoiceID = invoices.first ?? nil else { return nil }
        return try await Charge.query(on: db).filter(\.$invoice.$id == invoiceID).count() == charges.count ? invoiceID : nil
    }

    private static func applyCredit(clientID: UUID, to invoiceID: UUID, owing: Int, on db: any Database) async throws {
        let payments = try await Payment.query(on: db).filter(\.$client.$id == clientID).with(\.$allocations).sort(\.$createdAt).all()
        let refunded = payments.filter { $0.kind == .refund }.reduce(0) { $0 + $1.amountCents }
        let unapplied = payments.filter { $0.kind == .payment }.compactMap { payment in
            payment.id.map { (id: $0, cents: payment.amountCents - payment.allocations.reduce(0) { $0 + $1.amountCents }) }
        }
        var remaining = owing
        for pool in CreditPools.available(unapplied: unapplied, refundedCents: refunded) where remaining > 0 {
            let part = min(pool.cents, remaining)
            let allocation = PaymentAllocationRow()
            allocation.$payment.id = pool.id
            allocation.$invoice.id = invoiceID
            allocation.amountCents = part
            try await allocation.create(on: db)
            remaining -= part
        }
    }

    /// Cancels an issued invoice with a credit note for its whole amount, numbered in the same
    /// sequence; its charges open again so they can be corrected and invoiced anew.
    static func creditNote(for invoiceID: UUID, clientID: UUID, reason: String, by who: String, at now: Date, zone: ClinicTimeZone,
                           on database: any Database) async throws -> Invoice {
        try await database.writeTransaction { db in
            try await lockAccount(clientID, on: db)
            guard let original = try await Invoice.query(on: db).filter(\.$id == invoiceID).filter(\.$client.$id == clientID)
                .filter(\.$kind == .invoice).with(\.$lines).first() else { throw Abort(.notFound) }
            guard try await Invoice.query(on: db).filter(\.$corrects.$id == invoiceID).count() == 0 else { throw Problem.alreadyCredited }
            let claimed = try await claimInvoiceNumber(on: db)
            let note = Invoice()
            note.number = claimed.number
            note.displayNumber = InvoiceNumbering.display(prefix: claimed.prefix, number: claimed.number)
            note.kind = .creditNote
            note.$client.id = clientID
            note.$corrects.id = invoiceID
            note.issuedAt = now
            note.issuedOn = zone.localDate(of: now).description
            note.subtotalCents = -original.subtotalCents
            note.taxCents = -original.taxCents
            note.totalCents = -original.totalCents
            note.taxName = original.taxName
            note.exemptionNote = original.exemptionNote
            note.reason = reason
            note.issuedBy = who
            note.clientName = original.clientName
            try await note.create(on: db)
            for line in original.lines.sorted(by: { $0.position < $1.position }) {
                let copy = InvoiceLine()
                copy.$invoice.id = try note.requireID()
                copy.position = line.position
                copy.description = line.description
                copy.serviceAt = line.serviceAt
                copy.$staff.id = line.$staff.id
                copy.tierCode = line.tierCode
                copy.amountCents = -line.amountCents
                copy.taxCents = -line.taxCents
                copy.exempt = line.exempt
                copy.providerJSON = line.providerJSON
                try await copy.create(on: db)
            }
            try await Charge.query(on: db).filter(\.$invoice.$id == invoiceID)
                .set(\.$status, to: .open).set(\.$invoice.$id, to: nil).update()
            // What the client paid towards the cancelled invoice is theirs again: it becomes credit
            // on the account, and the corrected invoice, when issued, is paid from it.
            try await PaymentAllocationRow.query(on: db).filter(\.$invoice.$id == invoiceID).delete()
            return note
        }
    }

    // MARK: payments

    struct PaymentInput: Sendable {
        var clientID: UUID
        var kind: PaymentKind
        var method: PaymentMethod
        var cents: Int
        var receivedOn: LocalDate
        var reference: String
        var idempotencyKey: String
        var keepExcessAsCredit: Bool
        var staffID: UUID
        var staffName: String
    }

    /// Records a payment (applied to the oldest open invoices) or a refund (out of the client's
    /// credit). The same form sent twice, even at the same moment, records one: the second finds
    /// the key taken and answers with the first payment. Returns the payment and whether it is new.
    static func record(_ input: PaymentInput, at now: Date, on database: any Database) async throws -> (Payment, created: Bool) {
        if let earlier = try await Payment.query(on: database).filter(\.$idempotencyKey == input.idempotencyKey).first() { return (earlier, false) }
        do {
            let payment = try await database.writeTransaction { db -> Payment in
                try await lockAccount(input.clientID, on: db)
                let account = try await account(input.clientID, on: db)
                var applied: [(UUID, Int)] = []
                switch input.kind {
                case .payment:
                    switch PaymentAllocation.allocate(input.cents, to: account.openInvoices, allowCredit: input.keepExcessAsCredit) {
                    case .failure(let problem): throw Problem.payment(problem)
                    case .success(let result): applied = result.applied
                    }
                case .refund:
                    guard input.cents > 0 else { throw Problem.payment(.notPositive) }
                    guard input.cents <= account.creditCents else { throw Problem.refundMoreThanCredit(creditCents: account.creditCents) }
                }
                let payment = Payment()
                payment.$client.id = input.clientID
                payment.kind = input.kind
                payment.method = input.method
                payment.amountCents = input.cents
                payment.receivedOn = input.receivedOn.description
                payment.reference = input.reference
                payment.$recordedBy.id = input.staffID
                payment.recordedByName = input.staffName
                payment.idempotencyKey = input.idempotencyKey
                payment.createdAt = now
                try await payment.create(on: db)
                for (invoiceID, cents) in applied {
                    let allocation = PaymentAllocationRow()
                    allocation.$payment.id = try payment.requireID()
                    allocation.$invoice.id = invoiceID
                    allocation.amountCents = cents
                    try await allocation.create(on: db)
                }
                return payment
            }
            return (payment, true)
        } catch let error where (error as? any DatabaseError)?.isConstraintFailure == true {
            // Another request with the same key committed first (PostgreSQL waits on the unique index, then refuses).
            guard let earlier = try await Payment.query(on: database).filter(\.$idempotencyKey == input.idempotencyKey).first() else { throw error }
            return (earlier, false)
        }
    }

    // MARK: the account

    struct InvoiceState: Sendable {
        var invoice: Invoice
        var paidCents: Int
        var creditedCents: Int
        var owingCents: Int { invoice.totalCents + creditedCents - paidCents }
        var creditNoteNumber: String?
    }

    struct Account: Sendable {
        var charges: [Charge]
        var invoices: [InvoiceState]
        var payments: [Payment]
        var balanceCents: Int
        var openInvoices: [PaymentAllocation.Open] {
            invoices.filter { $0.invoice.kind == .invoice && $0.owingCents > 0 }.compactMap { state in
                state.invoice.id.map { PaymentAllocation.Open(id: $0, owingCents: state.owingCents) }
            }
        }
        /// Money the client has with the clinic beyond what open invoices owe.
        var creditCents: Int { max(0, openInvoices.reduce(0) { $0 + $1.owingCents } - balanceCents) }
    }

    static func account(_ clientID: UUID, on db: any Database) async throws -> Account {
        async let charges = Charge.query(on: db).filter(\.$client.$id == clientID).with(\.$staff).sort(\.$serviceAt, .descending).all()
        async let invoices = Invoice.query(on: db).filter(\.$client.$id == clientID).sort(\.$number).all()
        async let payments = Payment.query(on: db).filter(\.$client.$id == clientID).with(\.$allocations).sort(\.$createdAt, .descending).all()
        let (chargeRows, invoiceRows, paymentRows) = try await (charges, invoices, payments)
        var paid: [UUID: Int] = [:]
        for allocation in paymentRows.flatMap(\.allocations) { paid[allocation.$invoice.id, default: 0] += allocation.amountCents }
        var credited: [UUID: Int] = [:]
        var noteNumber: [UUID: String] = [:]
        for note in invoiceRows where note.kind == .creditNote {
            guard let target = note.$corrects.id else { continue }
            credited[target, default: 0] += note.totalCents
            noteNumber[target] = note.displayNumber
        }
        let states = invoiceRows.map { invoice in
            InvoiceState(invoice: invoice, paidCents: paid[invoice.id ?? UUID()] ?? 0, creditedCents: credited[invoice.id ?? UUID()] ?? 0,
                         creditNoteNumber: noteNumber[invoice.id ?? UUID()])
        }
        let balance = invoiceRows.reduce(0) { $0 + $1.totalCents } - paymentRows.reduce(0) { $0 + $1.signedCents }
        return Account(charges: chargeRows, invoices: states, payments: paymentRows, balanceCents: balance)
    }
}
