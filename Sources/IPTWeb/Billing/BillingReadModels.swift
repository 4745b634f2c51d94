import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Builds the billing pages' models from the ledger. Money, dates and names only: nothing here
/// reads a note, a score or a formulation.
enum BillingReadModels {
    static func client(_ request: Request) async throws -> ClientRecord {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)), let client = try await ClientRecord.find(id, on: request.db)
        else { throw Abort(.notFound) }
        return client
    }

    static func invoice(_ request: Request) async throws -> Invoice {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let invoice = try await Invoice.query(on: request.db).filter(\.$id == id).with(\.$client).with(\.$lines).first()
        else { throw Abort(.notFound) }
        return invoice
    }

    static func notice(_ done: String) -> String? {
        switch done {
        case "payment": "Payment recorded and applied to the oldest invoices."
        case "refund": "Refund recorded."
        case "duplicate": "This payment was already recorded (the same form was sent twice); it counts once."
        case "waived": "Charge waived."
        case "adjusted": "Charge adjusted."
        case "sliding": "Sliding-scale rate approved; it applies to sessions charged from now on."
        default: nil
        }
    }

    static func statusText(_ state: BillingQueries.InvoiceState) -> String {
        if state.invoice.kind == .creditNote { return "Credit note" }
        if let note = state.creditNoteNumber { return "Cancelled by credit note \(note)" }
        if state.owingCents <= 0 { return "Paid in full" }
        return state.paidCents > 0 ? "Part paid, \(Money(cents: state.owingCents).formatted) owing" : "\(Money(cents: state.owingCents).formatted) owing"
    }

    static func isPaid(_ state: BillingQueries.InvoiceState) -> Bool {
        state.invoice.kind == .invoice && state.creditNoteNumber == nil && state.owingCents <= 0 && state.paidCents > 0
    }

    static func account(_ client: ClientRecord, request: Request, staff: CurrentStaff, form: [String: String], errors: FieldErrors,
                        notice: String?) async throws -> BillingAccountPage.Model {
        let clientID = try client.requireID()
        let zone = try await request.services.clinic.current(on: request.db).zone
        let account = try await BillingQueries.account(clientID, on: request.db)
        let settings = try await BillingQueries.settings(on: request.db)
        let sliding = try await BillingQueries.activeSlidingRate(clientID, on: request.db)
        var slidingApprover: String?
        if let sliding { slidingApprover = try await StaffUser.find(sliding.$approvedBy.id, on: request.db)?.name }
        func day(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        let charges = account.charges.map { charge in
            let adjustment: String? = charge.adjustmentReason.map { reason in
                charge.status == .waived ? "Waived: \(reason)" : "Changed from \(Money(cents: charge.originalCents).formatted): \(reason)"
            }
            return BillingAccountPage.ChargeRow(id: charge.id?.uuidString ?? "", date: day(charge.serviceAt), description: charge.description,
                                                clinician: charge.staff.name, amount: Money(cents: charge.amountCents).formatted, adjustment: adjustment,
                                                status: charge.status.rawValue, isOpen: charge.status == .open,
                                                // A waived charge's form offers the fee it was made at, to charge it again.
                                                amountValue: CSVless.dollars(charge.status == .waived ? charge.originalCents : charge.amountCents))
        }
        let invoices = account.invoices.reversed().map { state in
            BillingAccountPage.InvoiceRow(id: state.invoice.id?.uuidString ?? "", number: state.invoice.displayNumber, kind: state.invoice.kind.label,
                                          date: DateDisplay.day(LocalDate(iso: state.invoice.issuedOn) ?? zone.localDate(of: state.invoice.issuedAt)),
                                          total: Money(cents: state.invoice.totalCents).formatted, status: statusText(state),
                                          receiptLink: isPaid(state) ? SitePath.billingReceipt.link(state.invoice.id?.uuidString ?? "") : nil)
        }
        let payments = account.payments.map { payment in
            BillingAccountPage.PaymentRow(date: LocalDate(iso: payment.receivedOn).map(DateDisplay.day) ?? payment.receivedOn,
                                          kind: payment.kind == .payment ? "Payment" : "Refund", method: payment.method.label,
                                          amount: Money(cents: payment.amountCents).formatted, reference: payment.reference, recordedBy: payment.recordedByName)
        }
        let years = Set(account.payments.compactMap { Int($0.receivedOn.prefix(4)) }).sorted(by: >)
        var form = form
        if form["date"] == nil { form["date"] = zone.localDate(of: request.now).description }
        let balance = account.balanceCents
        // What is owed, ready to take: the desk changes it only for a part payment.
        if form["amount"] == nil, balance > 0 { form["amount"] = CSVless.dollars(balance) }
        var model = BillingAccountPage.Model(
            clientID: clientID.uuidString, clientName: client.name, contact: [client.email, client.phone].filter { !$0.isEmpty }.joined(separator: " · "),
            balance: Money(cents: max(balance, 0)).formatted,
            balanceNote: balance > 0 ? "owing on invoices" : (balance < 0 ? "nothing owing" : "nothing owing"),
            credit: account.creditCents > 0 ? Money(cents: account.creditCents).formatted : nil,
            charges: charges, invoices: Array(invoices), payments: payments,
            sliding: .init(current: sliding.map { "\(Money(cents: $0.amountCents).formatted) per session, approved by \(slidingApprover ?? "the director") on \(day($0.approvedAt)); review by \(LocalDate(iso: $0.reviewOn).map(DateDisplay.day) ?? $0.reviewOn). Reason: \($0.reason)" },
                           range: "\(Money(cents: settings.slidingMinCents).formatted) to \(Money(cents: settings.slidingMaxCents).formatted)",
                           mayApprove: AccessPolicy.allows(staff.role, .manageBilling)),
            statementYears: years, methods: PaymentMethod.allCases.map { ($0.rawValue, $0.label) }, form: form, errors: errors,
            idempotencyKey: UUID().uuidString, notice: notice, csrfToken: request.csrfToken)
        model.uninvoiced = Money(cents: account.charges.filter { $0.status == .open }.reduce(0) { $0 + $1.amountCents }).formatted
        return model
    }

    static func owed(zone: ClinicTimeZone, today: LocalDate, isDirector: Bool, on db: any Database) async throws -> BillingListPage.Model {
        let invoices = try await Invoice.query(on: db).with(\.$client).sort(\.$number).all()
        let allocations = try await PaymentAllocationRow.query(on: db).all()
        var paid: [UUID: Int] = [:]
        for allocation in allocations { paid[allocation.$invoice.id, default: 0] += allocation.amountCents }
        var credited: [UUID: Int] = [:]
        for note in invoices where note.kind == .creditNote { if let target = note.$corrects.id { credited[target, default: 0] += note.totalCents } }
        var perClient: [UUID: (name: String, cents: Int, oldest: LocalDate)] = [:]
        for invoice in invoices where invoice.kind == .invoice {
            guard let id = invoice.id else { continue }
            let owing = invoice.totalCents + (credited[id] ?? 0) - (paid[id] ?? 0)
            guard owing > 0, let issued = LocalDate(iso: invoice.issuedOn) else { continue }
            let current = perClient[invoice.$client.id]
            perClient[invoice.$client.id] = (invoice.client.name, (current?.cents ?? 0) + owing, min(current?.oldest ?? issued, issued))
        }
        let rows = perClient.sorted { $0.value.oldest < $1.value.oldest }.map { id, value in
            BillingListPage.Row(clientID: id.uuidString, name: value.name, owing: Money(cents: value.cents).formatted, oldest: DateDisplay.day(value.oldest),
                                bucket: AgingBucket.bucket(issued: value.oldest, today: today).label)
        }
        let open = try await Charge.query(on: db).filter(\.$status == .open).with(\.$client).sort(\.$serviceAt).all()
        var waiting: [UUID: (name: String, cents: Int, since: Date)] = [:]
        for charge in open {
            let current = waiting[charge.$client.id]
            waiting[charge.$client.id] = (charge.client.name, (current?.cents ?? 0) + charge.amountCents, current?.since ?? charge.serviceAt)
        }
        let uninvoiced = waiting.sorted { $0.value.since < $1.value.since }.map { id, value in
            BillingListPage.Row(clientID: id.uuidString, name: value.name, owing: Money(cents: value.cents).formatted,
                                oldest: DateDisplay.day(zone.localDate(of: value.since)), bucket: "")
        }
        let reviews = isDirector ? try await BillingTodayQueries.slidingRatesPastReview(today: today, on: db).map { rate in
            BillingListPage.Review(clientID: rate.$client.id.uuidString, name: rate.client.name, rate: Money(cents: rate.amountCents).formatted,
                                   reviewOn: LocalDate(iso: rate.reviewOn).map(DateDisplay.day) ?? rate.reviewOn)
        } : []
        return BillingListPage.Model(rows: rows, uninvoiced: uninvoiced, total: Money(cents: perClient.values.reduce(0) { $0 + $1.cents }).formatted,
                                     isDirector: isDirector, reviewsDue: reviews)
    }

    static func invoiceDocument(_ invoice: Invoice, request: Request, reason: String?, error: String?) async throws -> InvoiceDocumentPage.Model {
        let clinic = try await request.services.clinic.current(on: request.db)
        let zone = clinic.zone
        let account = try await BillingQueries.account(invoice.$client.id, on: request.db)
        guard let state = account.invoices.first(where: { $0.invoice.id == invoice.id }) else { throw Abort(.notFound) }
        let staff = try await StaffUser.query(on: request.db).filter(\.$id ~~ invoice.lines.map(\.$staff.id)).all()
        let names = Dictionary(staff.compactMap { member in member.id.map { ($0, member.name) } }, uniquingKeysWith: { a, _ in a })
        let id = invoice.id?.uuidString ?? ""
        var corrected: Invoice?
        if let target = invoice.$corrects.id { corrected = try await Invoice.find(target, on: request.db) }
        return InvoiceDocumentPage.Model(
            header: header(clinic, title: invoice.kind.label, number: invoice.displayNumber, date: LocalDate(iso: invoice.issuedOn).map(DateDisplay.day) ?? invoice.issuedOn,
                           client: invoice.clientName ?? invoice.client.name),
            lines: invoice.lines.sorted { $0.position < $1.position }.map { line in
                .init(date: DateDisplay.day(zone.localDate(of: line.serviceAt)), description: line.description,
                      provider: line.provider?.name ?? names[line.$staff.id] ?? "",
                      amount: Money(cents: line.amountCents).formatted, tax: line.exempt ? "Exempt" : Money(cents: line.taxCents).formatted)
            },
            subtotal: Money(cents: invoice.subtotalCents).formatted, taxName: invoice.taxName, tax: Money(cents: invoice.taxCents).formatted,
            total: Money(cents: invoice.totalCents).formatted, exemptionNote: invoice.exemptionNote,
            correction: corrected.map { "Corrects invoice \($0.displayNumber). Reason: \(invoice.reason ?? "")" },
            status: statusText(state), receiptLink: isPaid(state) ? SitePath.billingReceipt.link(id) : nil,
            accountLink: SitePath.billingClient.link(invoice.$client.id.uuidString),
            creditNoteAction: invoice.kind == .invoice && state.creditNoteNumber == nil ? SitePath.billingCreditNote.link(id) : nil,
            csrfToken: request.csrfToken, error: error, reason: reason)
    }

    static func header(_ clinic: ClinicIdentity, title: String, number: String?, date: String, client: String) -> BillingDocumentHeader {
        BillingDocumentHeader(clinicName: clinic.name, clinicAddress: clinic.address, clinicPhone: clinic.phone, clinicEmail: clinic.email, title: title,
                              number: number, date: date, clientName: client)
    }

    static func mySessions(_ staffID: UUID, request: Request) async throws -> MySessionsBillingPage.Model {
        let zone = try await request.services.clinic.current(on: request.db).zone
        let since = request.now.addingTimeInterval(-90 * 86_400)
        let appointments = try await Appointment.query(on: request.db).filter(\.$staff.$id == staffID)
            .filter(\.$status ~~ [.attended, .noShow, .lateCancelled]).filter(\.$startsAt >= since).with(\.$client).sort(\.$startsAt, .descending).all()
        let charges = try await Charge.query(on: request.db).filter(\.$appointment.$id ~~ appointments.compactMap(\.id)).all()
        let byAppointment = Dictionary(charges.compactMap { charge in charge.$appointment.id.map { ($0, charge) } }, uniquingKeysWith: { a, _ in a })
        var rows: [MySessionsBillingPage.Row] = []
        for appointment in appointments {
            let charge = appointment.id.flatMap { byAppointment[$0] }
            let status: String = switch charge?.status {
            case nil: "No charge"
            case .open?: "Charged \(Money(cents: charge!.amountCents).formatted), not yet invoiced"
            case .invoiced?: "Invoiced \(Money(cents: charge!.amountCents).formatted)"
            case .waived?: "Waived"
            }
            rows.append(.init(date: DateDisplay.day(zone.localDate(of: appointment.startsAt)), client: appointment.client?.name ?? "",
                              service: charge?.description ?? appointment.status.label, status: status))
        }
        return MySessionsBillingPage.Model(rows: rows)
    }
}

enum CSVless {
    /// "60" or "45.50": a form's value for an amount.
    static func dollars(_ cents: Int) -> String {
        cents % 100 == 0 ? String(cents / 100) : AccountingCSV.decimal(cents)
    }
}
