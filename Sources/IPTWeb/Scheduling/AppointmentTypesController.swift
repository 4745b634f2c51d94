import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The kinds of appointment and their fees per tier, edited by an admin: duration, buffers, who may
/// offer it, whether new clients can book it online.
struct AppointmentTypesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "settings", "appointment-types", use: list)
        routes.post("staff", "settings", "appointment-types", ":code", use: save)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        return try await render(request, errors: [:], saved: request.query[String.self, at: "saved"])
    }

    func save(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        guard let code = request.parameters.get("code"),
              let row = try await AppointmentTypeRow.query(on: request.db).filter(\.$code == code).first() else { throw Abort(.notFound) }
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
        let newFees = fees
        try await request.db.writeTransaction { db in
            row.durationMinutes = duration
            row.bufferBeforeMinutes = before
            row.bufferAfterMinutes = after
            row.offeredBy = tiers.map(\.rawValue).joined(separator: ",")
            row.bookableOnline = values["online"] == "yes"
            try await row.update(on: db)
            try await AppointmentFee.query(on: db).filter(\.$typeCode == code).delete()
            for (tier, cents) in newFees {
                let fee = AppointmentFee()
                fee.typeCode = code
                fee.tierCode = tier.rawValue
                fee.cents = cents
                fee.currency = "CAD"
                try await fee.create(on: db)
            }
        }
        try await request.audit(.update, recordType: "appointment-type", recordID: code)
        return request.redirect(to: "/staff/settings/appointment-types?saved=\(code)")
    }

    private func render(_ request: Request, errors: [String: (FieldErrors, [String: String])], saved: String?,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let rows = try await AppointmentTypeRow.query(on: request.db).sort(\.$sortOrder).all()
        let fees = try await AppointmentFee.query(on: request.db).all()
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/settings"), .text("Back to clinic settings"))),
            .h1(.text("Appointment types and fees")),
            .unwrap(saved) { code in .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved \(code). New bookings use it now; booked appointments keep their times and fees."))) },
            .forEach(rows) { row in
                let (fieldErrors, typed) = errors[row.code] ?? (FieldErrors(), [:])
                let kind = row.kind
                func value(_ name: String, _ stored: String) -> String { typed[name] ?? stored }
                func feeText(_ tier: FeeTierCode) -> String {
                    fees.first { $0.typeCode == row.code && $0.tierCode == tier.rawValue }.map { Money(cents: $0.cents).formatted.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: "") } ?? ""
                }
                return .section(
                    .class("type-card"),
                    .attribute(named: "aria-labelledby", value: "type-\(row.code)"),
                    .h2(.id("type-\(row.code)"), .text(row.name)),
                    FormViews.errorSummary(fieldErrors),
                    .form(.class("form"), .method(.post), .action(attributeSafe("/staff/settings/appointment-types/\(row.code)")), .novalidate(),
                          FormViews.csrf(request.csrfToken),
                          .div(.class("inline-form"),
                          FormViews.textField(name: "duration", label: "Length (minutes)", value: value("duration", String(row.durationMinutes)),
                                              error: fieldErrors["\(row.code)-duration"], type: .number, maxLength: 3),
                          FormViews.textField(name: "before", label: "Buffer before", value: value("before", String(row.bufferBeforeMinutes)),
                                              error: fieldErrors["\(row.code)-before"], type: .number, maxLength: 3),
                          FormViews.textField(name: "after", label: "Buffer after", value: value("after", String(row.bufferAfterMinutes)),
                                              error: fieldErrors["\(row.code)-after"], type: .number, maxLength: 3)),
                          .forEach(FeeTierCode.allCases) { tier in
                              .fieldset(
                                  .class("field tier"),
                                  .element(named: "legend", nodes: [.text(tier.label)]),
                                  FormViews.checkbox(name: "offer-\(tier.rawValue)", label: "Clinicians at this level offer it",
                                                     checked: typed.isEmpty ? kind.offeredBy.contains(tier) : typed["offer-\(tier.rawValue)"] == "yes",
                                                     error: fieldErrors["\(row.code)-offer-\(tier.rawValue)"]),
                                  FormViews.textField(name: "fee-\(tier.rawValue)", label: "Fee (dollars)",
                                                      value: value("fee-\(tier.rawValue)", feeText(tier)),
                                                      error: fieldErrors["\(row.code)-fee-\(tier.rawValue)"], required: false, maxLength: 9))
                          },
                          FormViews.checkbox(name: "online", label: "New clients can book it online",
                                             checked: typed.isEmpty ? row.bookableOnline : typed["online"] == "yes", error: nil),
                          .button(.class("button secondary"), .type(.submit), .text("Save \(row.name)")))
                )
            }
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Appointment types" : "Check the values: Appointment types",
                                       chrome: try await request.chrome(), content: content), status: status)
    }
}
