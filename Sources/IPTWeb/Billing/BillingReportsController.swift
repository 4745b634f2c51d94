import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The director's reports and settings; the day's payments are the desk's too (the close).
struct BillingReportsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.billingReports, use: reports)
        site.get(.billingExport, use: export)
        site.get(.billingSettings, use: settingsForm)
        site.post(.billingSettings, use: saveSettings)
        site.post(.billingProviders, use: saveProvider)
    }

    func reports(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.handleBilling)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let today = zone.localDate(of: request.now)
        let day = request.query[String.self, at: "day"].flatMap { LocalDate(iso: $0) } ?? today
        let director = AccessPolicy.allows(staff.role, .manageBilling)
        let model = try await BillingReports.model(day: day, today: today, zone: zone, withRevenue: director, on: request.db)
        try await request.audit(.view, recordType: "billing-reports", detail: "day=\(day)")
        return try await request.page("Billing reports", BillingReportsPage.view(model))
    }

    func export(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageBilling)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let today = zone.localDate(of: request.now)
        let from = request.query[String.self, at: "from"].flatMap { LocalDate(iso: $0) } ?? LocalDate(year: today.year, month: 1, day: 1)!
        let to = request.query[String.self, at: "to"].flatMap { LocalDate(iso: $0) } ?? today
        guard from <= to else { throw Abort(.badRequest, reason: "The start date must not be after the end date.") }
        let csv = try await BillingReports.csv(from: from, to: to, zone: zone, on: request.db)
        try await request.audit(.export, recordType: "billing-export", detail: "\(from) to \(to)")
        let response = Response(status: .ok, body: .init(string: csv))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"billing-\(from)-to-\(to).csv\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func settingsForm(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageBilling)
        return try await renderSavedSettings(request, extra: [:], errors: FieldErrors(), status: .ok)
    }

    /// The settings page as stored, with `extra` form values (a refused clinician's typed details) on top.
    private func renderSavedSettings(_ request: Request, extra: [String: String], errors: FieldErrors, status: HTTPResponseStatus) async throws -> Response {
        let row = try await BillingQueries.settings(on: request.db)
        let form = ["taxName": row.taxName, "taxRate": AccountingCSV.decimal(row.taxRateBasisPoints), "exemptionNote": row.exemptionNote,
                    "noShowFee": row.noShowFeeCents.map(CSVless.dollars) ?? "", "slidingMin": CSVless.dollars(row.slidingMinCents),
                    "slidingMax": CSVless.dollars(row.slidingMaxCents), "prefix": row.invoicePrefix]
        return try await renderSettings(request, form: form.merging(extra) { _, typed in typed }, tiers: Set(row.exemptTiers.split(separator: ",").map(String.init)),
                                        services: Set(row.exemptServices.split(separator: ",").map(String.init)), errors: errors, status: status)
    }

    private func renderSettings(_ request: Request, form: [String: String], tiers: Set<String>, services: Set<String>, errors: FieldErrors,
                                status: HTTPResponseStatus) async throws -> Response {
        let types = try await AppointmentTypeRow.query(on: request.db).sort(\.$sortOrder).all()
        let staff = try await StaffUser.query(on: request.db).filter(\.$isActive == true).filter(\.$role ~~ [.admin, .supervisor, .therapist, .student]).sort(\.$name).all()
        let model = BillingSettingsPage.Model(
            form: form, exemptTiers: tiers, exemptServices: services, services: types.map { ($0.code, $0.name) },
            providers: staff.map { .init(id: $0.id?.uuidString ?? "", name: $0.name, role: $0.role.displayName, designation: $0.designation, registration: $0.registrationNumber) },
            errors: errors, saved: request.query[String.self, at: "done"] == "saved", csrfToken: request.csrfToken)
        return try await request.page("Billing settings", BillingSettingsPage.view(model), status: status)
    }

    struct SettingsBody: Content {
        var taxName: String?
        var taxRate: String?
        var exemptTiers: [String]?
        var exemptServices: [String]?
        var exemptionNote: String?
        var noShowFee: String?
        var slidingMin: String?
        var slidingMax: String?
        var prefix: String?
    }

    func saveSettings(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageBilling)
        let body = try FormInput.decode(SettingsBody.self, from: request)
        var errors = FieldErrors()
        let taxName = (body.taxName ?? "").trimmingCharacters(in: .whitespaces)
        if taxName.isEmpty || taxName.count > 20 { errors.add("taxName", "Name the tax, such as HST (up to 20 characters).") }
        // The rate is read like an amount: "13" is 1300 basis points, "5.5" is 550.
        let rate = body.taxRate.flatMap(Money.cents(fromDollars:))
        if rate == nil || rate! > 5_000 { errors.add("taxRate", "Enter the rate in percent, from 0 to 50, such as 13.") }
        let note = (body.exemptionNote ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 300 { errors.add("exemptionNote", "Keep the sentence to 300 characters.") }
        let noShowText = (body.noShowFee ?? "").trimmingCharacters(in: .whitespaces)
        let noShow = noShowText.isEmpty ? nil : Money.cents(fromDollars: noShowText)
        if !noShowText.isEmpty && noShow == nil { errors.add("noShowFee", "Enter the fee in dollars, or leave it empty.") }
        let low = body.slidingMin.flatMap(Money.cents(fromDollars:)), high = body.slidingMax.flatMap(Money.cents(fromDollars:))
        if low == nil { errors.add("slidingMin", "Enter the lowest rate in dollars.") }
        if high == nil || (low != nil && high! < low!) { errors.add("slidingMax", "Enter the highest rate in dollars, not below the lowest.") }
        let prefix = (body.prefix ?? "").trimmingCharacters(in: .whitespaces)
        if prefix.count > 12 || !prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) { errors.add("prefix", "Use up to 12 letters, digits or hyphens.") }
        let tiers = (body.exemptTiers ?? []).filter { FeeTierCode(rawValue: $0) != nil }, services = (body.exemptServices ?? []).filter { $0.count <= 60 }
        guard errors.isEmpty, let rate, let low, let high else {
            let form = ["taxName": body.taxName, "taxRate": body.taxRate, "exemptionNote": body.exemptionNote, "noShowFee": body.noShowFee,
                        "slidingMin": body.slidingMin, "slidingMax": body.slidingMax, "prefix": body.prefix].compactMapValues { $0 }
            return try await renderSettings(request, form: form, tiers: Set(tiers), services: Set(services), errors: errors, status: .unprocessableEntity)
        }
        let row = try await BillingQueries.settings(on: request.db)
        row.taxName = taxName
        row.taxRateBasisPoints = rate
        row.exemptTiers = tiers.joined(separator: ",")
        row.exemptServices = services.joined(separator: ",")
        row.exemptionNote = note
        row.noShowFeeCents = noShow
        row.slidingMinCents = low
        row.slidingMaxCents = high
        row.invoicePrefix = prefix
        row.updatedAt = request.now
        try await request.db.writeTransaction { db in try await row.update(on: db) }
        try await request.audit(.update, recordType: "billing-settings", detail: "tax \(rate)bp exempt tiers \(row.exemptTiers)")
        return request.redirect(to: SitePath.billingSettings.link(query: ["done": "saved"]))
    }

    func saveProvider(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageBilling)
        let fields = try FormInput.decode([String: String].self, from: request)
        guard let id = fields["staff"].flatMap(UUID.init(uuidString:)), let member = try await StaffUser.find(id, on: request.db) else { throw Abort(.notFound) }
        let designation = (fields["designation-\(id.uuidString)"] ?? "").trimmingCharacters(in: .whitespaces)
        let registration = (fields["registration-\(id.uuidString)"] ?? "").trimmingCharacters(in: .whitespaces)
        var errors = FieldErrors()
        if designation.count > 60 { errors.add("designation-\(id.uuidString)", "Keep the designation to 60 characters, such as RP or RP (Qualifying).") }
        if registration.count > 30 { errors.add("registration-\(id.uuidString)", "Keep the registration number to 30 characters.") }
        guard errors.isEmpty else {
            return try await renderSavedSettings(request, extra: ["designation-\(id.uuidString)": designation, "registration-\(id.uuidString)": registration],
                                                 errors: errors, status: .unprocessableEntity)
        }
        member.designation = designation
        member.registrationNumber = registration
        try await request.db.writeTransaction { db in try await member.update(on: db) }
        try await request.audit(.update, recordType: "staff-receipt-details", recordID: id.uuidString, detail: "designation and registration")
        return request.redirect(to: SitePath.billingSettings.link(query: ["done": "saved"]))
    }
}

/// The report figures, read from issued documents and recorded payments.
enum BillingReports {
    static func model(day: LocalDate, today: LocalDate, zone: ClinicTimeZone, withRevenue: Bool, on db: any Database) async throws -> BillingReportsPage.Model {
        let payments = try await Payment.query(on: db).filter(\.$receivedOn == day.description).with(\.$client).sort(\.$createdAt).all()
        var methodTotals: [PaymentMethod: Int] = [:]
        for payment in payments { methodTotals[payment.method, default: 0] += payment.signedCents }
        let dayTotals = PaymentMethod.allCases.compactMap { method in methodTotals[method].map { BillingReportsPage.Figure(label: method.label, cents: $0) } }
        let dayRows = payments.map { BillingReportsPage.DayPayment(client: $0.client.name, method: $0.method.label + ($0.kind == .refund ? " (refund)" : ""),
                                                                    amount: Money(cents: $0.signedCents).formatted, reference: $0.reference, recordedBy: $0.recordedByName) }
        var byMonth: [BillingReportsPage.Figure] = [], byClinician: [BillingReportsPage.Figure] = [], byTier: [BillingReportsPage.Figure] = []
        var aging: [BillingReportsPage.Figure] = []
        if withRevenue {
            let firstMonth = LocalDate(year: today.month == 12 ? today.year : today.year - 1, month: today.month == 12 ? 1 : today.month + 1, day: 1)!
            let invoices = try await Invoice.query(on: db).filter(\.$issuedOn >= firstMonth.description).with(\.$lines) { $0.with(\.$staff) }.all()
            var months: [String: Int] = [:], clinicians: [String: Int] = [:], tiers: [String: Int] = [:]
            for invoice in invoices {
                for line in invoice.lines {
                    months[String(invoice.issuedOn.prefix(7)), default: 0] += line.amountCents
                    clinicians[line.staff.name, default: 0] += line.amountCents
                    tiers[line.tierCode?.label ?? "No tier", default: 0] += line.amountCents
                }
            }
            var month = firstMonth
            for _ in 0..<12 {
                let key = String(month.description.prefix(7))
                byMonth.append(.init(label: key, cents: months[key] ?? 0))
                month = LocalDate(year: month.month == 12 ? month.year + 1 : month.year, month: month.month == 12 ? 1 : month.month + 1, day: 1)!
            }
            byClinician = clinicians.sorted { $0.key < $1.key }.map { .init(label: $0.key, cents: $0.value) }
            byTier = tiers.sorted { $0.key < $1.key }.map { .init(label: $0.key, cents: $0.value) }
            aging = try await agingFigures(today: today, on: db)
        }
        return BillingReportsPage.Model(showsRevenue: withRevenue, byMonth: byMonth, byClinician: byClinician, byTier: byTier, aging: aging,
                                        day: day.description, dayPayments: dayRows, dayTotals: dayTotals,
                                        exportFrom: LocalDate(year: today.year, month: 1, day: 1)!.description, exportTo: today.description)
    }

    static func agingFigures(today: LocalDate, on db: any Database) async throws -> [BillingReportsPage.Figure] {
        let invoices = try await Invoice.query(on: db).all()
        let allocations = try await PaymentAllocationRow.query(on: db).all()
        var owing: [UUID: Int] = [:]
        for invoice in invoices { if let id = invoice.id, invoice.kind == .invoice { owing[id, default: 0] += invoice.totalCents } }
        for note in invoices where note.kind == .creditNote { if let target = note.$corrects.id { owing[target, default: 0] += note.totalCents } }
        for allocation in allocations { owing[allocation.$invoice.id, default: 0] -= allocation.amountCents }
        var buckets: [AgingBucket: Int] = [:]
        for invoice in invoices where invoice.kind == .invoice {
            guard let id = invoice.id, let left = owing[id], left > 0, let issued = LocalDate(iso: invoice.issuedOn) else { continue }
            buckets[AgingBucket.bucket(issued: issued, today: today), default: 0] += left
        }
        return AgingBucket.allCases.map { .init(label: $0.label, cents: buckets[$0] ?? 0) }
    }

    static func csv(from: LocalDate, to: LocalDate, zone: ClinicTimeZone, on db: any Database) async throws -> String {
        let invoices = try await Invoice.query(on: db).filter(\.$issuedOn >= from.description).filter(\.$issuedOn <= to.description)
            .with(\.$client).with(\.$lines) { $0.with(\.$staff) }.sort(\.$number).all()
        var rows: [AccountingCSV.Row] = []
        for invoice in invoices {
            for line in invoice.lines.sorted(by: { $0.position < $1.position }) {
                rows.append(.init(date: invoice.issuedOn, type: invoice.kind == .invoice ? "Invoice line" : "Credit note line", reference: invoice.displayNumber,
                                  contact: invoice.client.name, description: line.description + " (" + zone.localDate(of: line.serviceAt).description + ")",
                                  amountCents: line.amountCents, taxCents: line.taxCents, taxName: line.exempt ? "Exempt" : invoice.taxName, method: "",
                                  clinician: line.staff.name))
            }
        }
        let payments = try await Payment.query(on: db).filter(\.$receivedOn >= from.description).filter(\.$receivedOn <= to.description)
            .with(\.$client).sort(\.$receivedOn).all()
        for payment in payments {
            rows.append(.init(date: payment.receivedOn, type: payment.kind == .payment ? "Payment" : "Refund", reference: payment.reference,
                              contact: payment.client.name, description: payment.kind == .payment ? "Payment received" : "Refund given",
                              amountCents: payment.signedCents, taxCents: 0, taxName: "", method: payment.method.label, clinician: ""))
        }
        return AccountingCSV.render(rows)
    }
}
