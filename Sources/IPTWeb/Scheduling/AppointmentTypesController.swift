import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The kinds of appointment and their fees per tier, edited by an admin: duration, buffers, who may
/// offer it, whether new clients can book it online.
struct AppointmentTypesController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.appointmentTypes, use: list)
        site.post(.appointmentTypeEdit, use: save)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        return try await render(request, errors: [:], saved: request.query[String.self, at: "saved"])
    }

    func save(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        guard let code = request.parameters.get("code"),
              let row = try await SchedulingQueries.appointmentType(code: code, on: request.db) else { throw Abort(.notFound) }
        let values = try FormInput.decode([String: String].self, from: request)
        var errors = FieldErrors()
        func number(_ name: String, _ label: String, _ range: ClosedRange<Int>) -> Int? {
            guard let value = values[name].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), range.contains(value) else {
                errors.add("\(code)-\(name)", "\(label): enter a whole number from \(range.lowerBound) to \(range.upperBound).")
                return nil
            }
            return value
        }
        let duration = number("duration", "Length (minutes)", 5...240)
        let before = number("before", "Buffer before (minutes)", 0...120)
        let after = number("after", "Buffer after (minutes)", 0...120)
        let tiers = FeeTierCode.allCases.filter { values["offer-\($0.rawValue)"] == "yes" }
        if tiers.isEmpty { errors.add("\(code)-offer-full", "Tick at least one fee level whose clinicians offer it.") }
        var fees: [FeeTierCode: Int] = [:]
        for tier in tiers {
            guard let cents = Money.cents(fromDollars: values["fee-\(tier.rawValue)"] ?? ""), cents <= 1_000_000 else {
                errors.add("\(code)-fee-\(tier.rawValue)", "Fee for \(tier.label): enter an amount in dollars, such as 120 or 95.50.")
                continue
            }
            fees[tier] = cents
        }
        guard errors.isEmpty, let duration, let before, let after else {
            return try await render(request, errors: [code: (errors, values)], saved: nil, status: .unprocessableEntity)
        }
        let newFees = fees, online = values["online"] == "yes"
        try await request.db.writeTransaction { db in
            try await Self.store(row, duration: duration, before: before, after: after, tiers: tiers, online: online, fees: newFees, on: db)
        }
        try await request.audit(.update, recordType: "appointment-type", recordID: code)
        return request.redirect(to: SitePath.appointmentTypes.link(query: ["saved": code]))
    }

    /// Writes the kind's new values and replaces its fees, in the caller's transaction.
    private static func store(_ row: AppointmentTypeRow, duration: Int, before: Int, after: Int, tiers: [FeeTierCode], online: Bool,
                              fees: [FeeTierCode: Int], on db: any Database) async throws {
        row.durationMinutes = duration
        row.bufferBeforeMinutes = before
        row.bufferAfterMinutes = after
        row.offeredBy = tiers.map(\.rawValue).joined(separator: ",")
        row.bookableOnline = online
        try await row.update(on: db)
        try await AppointmentFee.query(on: db).filter(\.$typeCode == row.code).delete()
        for (tier, cents) in fees {
            let fee = AppointmentFee()
            fee.typeCode = row.code
            fee.tierCode = tier.rawValue
            fee.cents = cents
            fee.currency = "CAD"
            try await fee.create(on: db)
        }
    }

    /// `errors` holds, for a kind whose form was refused, its errors and the values as typed.
    private func render(_ request: Request, errors: [String: (FieldErrors, [String: String])], saved: String?,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let rows = try await SchedulingQueries.appointmentTypes(on: request.db)
        let fees = try await SchedulingQueries.fees(on: request.db)
        let model = AppointmentTypesPage.Model(kinds: rows.map { row in
            let (fieldErrors, typed) = errors[row.code] ?? (FieldErrors(), [:])
            // A fee as the form takes it back: dollars, no sign, no thousands separator.
            func feeText(_ tier: FeeTierCode) -> String {
                fees.first { $0.typeCode == row.code && $0.tierCode == tier.rawValue }
                    .map { Money(cents: $0.cents).formatted.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: "") } ?? ""
            }
            var stored = ["duration": String(row.durationMinutes), "before": String(row.bufferBeforeMinutes), "after": String(row.bufferAfterMinutes)]
            for tier in FeeTierCode.allCases { stored["fee-\(tier.rawValue)"] = feeText(tier) }
            return AppointmentTypesPage.Kind(
                code: row.code, name: row.name, values: stored.merging(typed) { _, typed in typed },
                offeredBy: typed.isEmpty ? row.kind.offeredBy : Set(FeeTierCode.allCases.filter { typed["offer-\($0.rawValue)"] == "yes" }),
                bookableOnline: typed.isEmpty ? row.bookableOnline : typed["online"] == "yes", errors: fieldErrors)
        }, saved: saved, csrfToken: request.csrfToken)
        return try await request.page(model.title, AppointmentTypesPage.view(model), status: status)
    }
}
