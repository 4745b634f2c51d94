import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The front desk's billing: client accounts, payments, invoices and credit notes, charges waived
/// or adjusted, sliding-scale rates (the director approves), the documents. Every view of an
/// account is audited before it is shown; every change is audited after it is made.
struct BillingController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.billing, use: list)
        site.get(.billingClient, use: account)
        site.post(.billingPayment, use: recordPayment)
        site.post(.billingIssue, use: issue)
        site.post(.billingChargeAdjust, use: adjust)
        site.post(.billingSlidingScale, use: slidingScale)
        site.get(.billingInvoice, use: invoice)
        site.post(.billingCreditNote, use: creditNote)
        site.get(.billingMySessions, use: mySessions)
    }

    func list(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.handleBilling)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let model = try await BillingReadModels.owed(zone: zone, today: zone.localDate(of: request.now), isDirector: AccessPolicy.allows(staff.role, .manageBilling), on: request.db)
        try await request.audit(.view, recordType: "billing-list", detail: "owing=\(model.rows.count)")
        return try await request.page("Billing", BillingListPage.view(model))
    }

    func account(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleBilling)
        let client = try await BillingReadModels.client(request)
        return try await renderAccount(request, client: client, form: [:], errors: FieldErrors(), status: .ok)
    }

    func renderAccount(_ request: Request, client: ClientRecord, form: [String: String], errors: FieldErrors, status: HTTPResponseStatus) async throws -> Response {
        let staff = try request.requireStaff()
        let notice = request.query[String.self, at: "done"].flatMap(BillingReadModels.notice)
        let model = try await BillingReadModels.account(client, request: request, staff: staff, form: form, errors: errors, notice: notice)
        return try await request.auditedPage("Account: \(client.name)", recordType: "billing-account", recordID: client.id?.uuidString,
                                             subject: client.id?.uuidString, status: status) { BillingAccountPage.view(model) }
    }

    struct PaymentBody: Content {
        var kind: String?
        var amount: String?
        var method: String?
        var date: String?
        var reference: String?
        var key: String?
        var keepCredit: String?
    }

    func recordPayment(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.handleBilling)
        let client = try await BillingReadModels.client(request)
        let body = try FormInput.decode(PaymentBody.self, from: request)
        let form = ["kind": body.kind, "amount": body.amount, "method": body.method, "date": body.date, "reference": body.reference,
                    "key": body.key, "keepCredit": body.keepCredit].compactMapValues { $0 }
        let today = try await request.services.clinic.current(on: request.db).zone.localDate(of: request.now)
        let (input, errors) = BillingForms.payment(body, clientID: try client.requireID(), staff: staff, today: today)
        guard let input, errors.isEmpty else {
            return try await renderAccount(request, client: client, form: form, errors: errors, status: .unprocessableEntity)
        }
        do {
            let (payment, created) = try await BillingQueries.record(input, at: request.now, on: request.db)
            if created {
                try await request.audit(.create, recordType: input.kind == .payment ? "payment" : "refund", recordID: payment.id?.uuidString,
                                        subject: client.id?.uuidString, detail: "\(input.method.rawValue) \(input.cents) cents")
            }
            return request.redirect(to: SitePath.billingClient.link(client.id!.uuidString, query: ["done": created ? input.kind.rawValue : "duplicate"]))
        } catch let problem as BillingQueries.Problem {
            var errors = FieldErrors()
            errors.add(problem == .payment(.notPositive) ? "amount" : "amount", BillingForms.message(problem))
            return try await renderAccount(request, client: client, form: form, errors: errors, status: .unprocessableEntity)
        }
    }

    struct IssueBody: Content {
        var charges: [String]?
    }

    func issue(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.handleBilling)
        let client = try await BillingReadModels.client(request)
        let body = try FormInput.decode(IssueBody.self, from: request)
        let ids = (body.charges ?? []).compactMap(UUID.init(uuidString:))
        let zone = try await request.services.clinic.current(on: request.db).zone
        do {
            let invoice = try await BillingQueries.issueInvoice(clientID: try client.requireID(), chargeIDs: ids, by: staff.name, at: request.now,
                                                                zone: zone, on: request.db)
            try await request.audit(.create, recordType: "invoice", recordID: invoice.id?.uuidString, subject: client.id?.uuidString,
                                    detail: "\(invoice.displayNumber) \(invoice.totalCents) cents")
            return request.redirect(to: SitePath.billingInvoice.link(invoice.id!.uuidString))
        } catch BillingQueries.Problem.nothingToInvoice where !ids.isEmpty {
            // The same form sent twice (a double click, two desks): the charges are already on one invoice, so show it.
            guard let invoiceID = try await BillingQueries.invoiceHolding(chargeIDs: ids, clientID: try client.requireID(), on: request.db) else {
                var errors = FieldErrors()
                errors.add("charges", BillingForms.message(.nothingToInvoice))
                return try await renderAccount(request, client: client, form: [:], errors: errors, status: .unprocessableEntity)
            }
            return request.redirect(to: SitePath.billingInvoice.link(invoiceID.uuidString))
        } catch let problem as BillingQueries.Problem {
            var errors = FieldErrors()
            errors.add("charges", BillingForms.message(problem))
            return try await renderAccount(request, client: client, form: [:], errors: errors, status: .unprocessableEntity)
        }
    }

    func adjust(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleBilling)
        let client = try await BillingReadModels.client(request)
        guard let chargeID = request.parameters.get("charge").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let fields = try FormInput.decode([String: String].self, from: request)
        let amountText = fields["amount-\(chargeID.uuidString)"] ?? "", reason = (fields["reason-\(chargeID.uuidString)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = FieldErrors()
        let cents = Money.cents(fromDollars: amountText)
        if cents == nil { errors.add("amount-\(chargeID.uuidString)", "Enter an amount in dollars, such as 60 or 45.50; 0 waives the charge.") }
        if reason.isEmpty || reason.count > 200 { errors.add("reason-\(chargeID.uuidString)", "Give the reason for the change (up to 200 characters).") }
        guard let cents, errors.isEmpty else {
            return try await renderAccount(request, client: client, form: fields, errors: errors, status: .unprocessableEntity)
        }
        switch try await BillingQueries.adjust(chargeID, clientID: try client.requireID(), toCents: cents, reason: reason, on: request.db) {
        case .adjusted: break
        case .notFound: throw Abort(.notFound)
        case .aboveFee(let fee):
            errors.add("amount-\(chargeID.uuidString)", "An adjustment can lower or waive a charge, or put it back up to its fee of \(Money(cents: fee).formatted); not above it.")
            return try await renderAccount(request, client: client, form: fields, errors: errors, status: .unprocessableEntity)
        }
        try await request.audit(.update, recordType: "charge", recordID: chargeID.uuidString, subject: client.id?.uuidString,
                                detail: cents == 0 ? "waived" : "adjusted to \(cents) cents")
        return request.redirect(to: SitePath.billingClient.link(client.id!.uuidString, query: ["done": cents == 0 ? "waived" : "adjusted"]))
    }

    struct SlidingBody: Content {
        var rate: String?
        var review: String?
        var slidingReason: String?
    }

    func slidingScale(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.manageBilling)
        let client = try await BillingReadModels.client(request)
        let body = try FormInput.decode(SlidingBody.self, from: request)
        let settings = try await BillingQueries.settings(on: request.db)
        let today = try await request.services.clinic.current(on: request.db).zone.localDate(of: request.now)
        let (rate, errors) = BillingForms.sliding(body, settings: settings, today: today)
        guard let rate, errors.isEmpty else {
            let form = ["rate": body.rate, "review": body.review, "slidingReason": body.slidingReason].compactMapValues { $0 }
            return try await renderAccount(request, client: client, form: form, errors: errors, status: .unprocessableEntity)
        }
        let clientID = try client.requireID(), now = request.now
        try await request.db.writeTransaction { db in
            try await SlidingScaleRate.query(on: db).filter(\.$client.$id == clientID).filter(\.$endedAt == nil).set(\.$endedAt, to: now).update()
            rate.$client.id = clientID
            rate.$approvedBy.id = staff.id
            rate.approvedAt = now
            try await rate.create(on: db)
        }
        try await request.audit(.update, recordType: "sliding-scale", recordID: rate.id?.uuidString, subject: clientID.uuidString,
                                detail: "\(rate.amountCents) cents per session, review \(rate.reviewOn)")
        return request.redirect(to: SitePath.billingClient.link(clientID.uuidString, query: ["done": "sliding"]))
    }

    func invoice(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleBilling)
        return try await renderInvoice(request, reason: nil, error: nil, status: .ok)
    }

    private func renderInvoice(_ request: Request, reason: String?, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let invoice = try await BillingReadModels.invoice(request)
        let model = try await BillingReadModels.invoiceDocument(invoice, request: request, reason: reason, error: error)
        return try await request.auditedPage("\(invoice.kind.label) \(invoice.displayNumber)", recordType: "invoice", recordID: invoice.id?.uuidString,
                                             subject: invoice.$client.id.uuidString, status: status) { InvoiceDocumentPage.view(model) }
    }

    struct CreditBody: Content {
        var reason: String?
    }

    func creditNote(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.handleBilling)
        let invoice = try await BillingReadModels.invoice(request)
        let reason = (try FormInput.decode(CreditBody.self, from: request).reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 200 else {
            return try await renderInvoice(request, reason: reason, error: "Give the reason for the credit note (up to 200 characters).", status: .unprocessableEntity)
        }
        let zone = try await request.services.clinic.current(on: request.db).zone
        do {
            let note = try await BillingQueries.creditNote(for: try invoice.requireID(), clientID: invoice.$client.id, reason: reason, by: staff.name,
                                                           at: request.now, zone: zone, on: request.db)
            try await request.audit(.create, recordType: "credit-note", recordID: note.id?.uuidString, subject: invoice.$client.id.uuidString,
                                    detail: "\(note.displayNumber) corrects \(invoice.displayNumber)")
            return request.redirect(to: SitePath.billingInvoice.link(note.id!.uuidString))
        } catch let error where error as? BillingQueries.Problem == .alreadyCredited || (error as? any DatabaseError)?.isConstraintFailure == true {
            // The constraint is M068's index: another desk's credit note for it committed first.
            return try await renderInvoice(request, reason: reason, error: "This invoice already has a credit note.", status: .conflict)
        }
    }

    func mySessions(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let model = try await BillingReadModels.mySessions(staff.id, request: request)
        try await request.audit(.view, recordType: "billing-own-sessions", detail: "rows=\(model.rows.count)")
        return try await request.page("Billing of my sessions", MySessionsBillingPage.view(model))
    }
}

/// Reading and checking the billing forms: amounts in dollars to cents, dates, the method.
enum BillingForms {
    static func payment(_ body: BillingController.PaymentBody, clientID: UUID, staff: CurrentStaff, today: LocalDate) -> (BillingQueries.PaymentInput?, FieldErrors) {
        var errors = FieldErrors()
        let kind = body.kind.flatMap(PaymentKind.init(rawValue:))
        if kind == nil { errors.add("kind", "Choose a payment or a refund.") }
        let cents = body.amount.flatMap(Money.cents(fromDollars:))
        if cents == nil || cents == 0 { errors.add("amount", "Enter an amount in dollars greater than zero, such as 120 or 95.50.") }
        let method = body.method.flatMap(PaymentMethod.init(rawValue:))
        if method == nil { errors.add("method", "Choose how it was paid.") }
        let date = body.date.flatMap { LocalDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        if date == nil { errors.add("date", "Enter the date it was received, as YYYY-MM-DD.") }
        // Money is recorded once it has arrived; a date ahead is a typo that would put it in the wrong statement year.
        if let date, date > today { errors.add("date", "The date received cannot be after today.") }
        let reference = (body.reference ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if reference.count > 100 { errors.add("reference", "Keep the reference to 100 characters.") }
        let key = body.key ?? ""
        if key.count < 16 || key.count > 64 { errors.add("amount", "The form was incomplete. Reload the page and try again.") }
        guard let kind, let cents, cents > 0, let method, let date, errors.isEmpty else { return (nil, errors) }
        return (BillingQueries.PaymentInput(clientID: clientID, kind: kind, method: method, cents: cents, receivedOn: date, reference: reference,
                                            idempotencyKey: key, keepExcessAsCredit: body.keepCredit == "yes", staffID: staff.id, staffName: staff.name), errors)
    }

    static func sliding(_ body: BillingController.SlidingBody, settings: BillingSettingsRow, today: LocalDate) -> (SlidingScaleRate?, FieldErrors) {
        var errors = FieldErrors()
        let cents = body.rate.flatMap(Money.cents(fromDollars:))
        let review = body.review.flatMap { LocalDate(iso: $0) }
        let reason = (body.slidingReason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if cents == nil { errors.add("rate", "Enter the rate per session in dollars, such as 45.") }
        if review == nil { errors.add("review", "Enter the review date as YYYY-MM-DD.") }
        if reason.isEmpty || reason.count > 200 { errors.add("slidingReason", "Give the reason for the reduced rate (up to 200 characters).") }
        if let cents, let review {
            switch SlidingScaleRule.check(amountCents: cents, minCents: settings.slidingMinCents, maxCents: settings.slidingMaxCents, review: review, today: today) {
            case .outsideRange(let low, let high)?: errors.add("rate", "The clinic's range is \(Money(cents: low).formatted) to \(Money(cents: high).formatted) per session.")
            case .reviewDateNotAfterToday?: errors.add("review", "The review date must be after today.")
            case nil: break
            }
        }
        guard let cents, let review, errors.isEmpty else { return (nil, errors) }
        let rate = SlidingScaleRate()
        rate.amountCents = cents
        rate.reviewOn = review.description
        rate.reason = reason
        return (rate, errors)
    }

    static func message(_ problem: BillingQueries.Problem) -> String {
        switch problem {
        case .nothingToInvoice: "Tick at least one open charge to invoice."
        case .chargesChanged: "Someone changed these charges a moment ago. Look at the account again and retry."
        case .payment(.notPositive): "Enter an amount greater than zero."
        case .payment(.overpayment(let owing)):
            "That is more than the \(Money(cents: owing).formatted) owed on invoices. Tick the box to keep the rest as credit, or enter a smaller amount."
        case .refundMoreThanCredit(let credit): "A refund can give back at most the credit on the account, \(Money(cents: credit).formatted)."
        case .alreadyCredited: "This invoice already has a credit note."
        }
    }
}
