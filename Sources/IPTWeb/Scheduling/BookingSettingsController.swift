import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The clinic's booking rules, edited by an admin: notice, horizon, grid, daily cap, hold, staff
/// approval, the cancellation window and its fee, and how long a waitlist offer stays open.
struct BookingSettingsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "settings", "booking", use: form)
        routes.post("staff", "settings", "booking", use: save)
    }

    /// Each number with the range that makes sense for it and the words for its error.
    struct NumberField {
        let name: String
        let label: String
        let range: ClosedRange<Int>
        let hint: String
    }

    static let numbers: [NumberField] = [
        NumberField(name: "minimumNoticeHours", label: "Minimum notice (hours)", range: 0...336, hint: "How long before an appointment it can still be booked online."),
        NumberField(name: "horizonDays", label: "Booking horizon (days)", range: 1...365, hint: "How far ahead the calendar is open online; 56 is eight weeks."),
        NumberField(name: "gridMinutes", label: "Start times every (minutes)", range: 5...120, hint: "30 offers times on the hour and the half hour."),
        NumberField(name: "maxPerDay", label: "Most appointments per clinician per day", range: 0...24, hint: "0 for no limit."),
        NumberField(name: "holdMinutes", label: "Hold a chosen time for (minutes)", range: 5...120, hint: "Until the emailed confirmation link is used."),
        NumberField(name: "cancelNoticeHours", label: "Cancellation window (hours)", range: 0...168, hint: "Cancelling later than this counts as a late cancellation."),
        NumberField(name: "lateFeeDollars", label: "Late-cancellation fee (dollars)", range: 0...1_000, hint: "0 for no fee."),
        NumberField(name: "offerHours", label: "A waitlist offer stays open for (hours)", range: 1...72, hint: "Then the time goes to the next person."),
        NumberField(name: "measureEvery", label: "Send the questionnaire before every Nth session", range: 0...20,
                    hint: "The PHQ-9 (PHQ-A for teens) goes out 48 hours before; 1 is every session, 4 every fourth, 0 only when a clinician sends it."),
    ]

    func form(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let row = try await BookingSettingsRow.query(on: request.db).first()
        var values: [String: String] = [:]
        if let row {
            values = ["minimumNoticeHours": String(row.minimumNoticeHours), "horizonDays": String(row.horizonDays),
                      "gridMinutes": String(row.gridMinutes), "maxPerDay": String(row.maxPerDay ?? 0), "holdMinutes": String(row.holdMinutes),
                      "cancelNoticeHours": String(row.cancelNoticeHours), "lateFeeDollars": String((row.lateCancelFeeCents ?? 0) / 100),
                      "offerHours": String(row.offerHours), "measureEvery": String(row.measureEvery), "notSameDay": row.notSameDay ? "yes" : "", "requireApproval": row.requireApproval ? "yes" : ""]
        }
        return try await render(request, values: values, errors: FieldErrors(), saved: request.query[String.self, at: "saved"] != nil)
    }

    func save(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let values = try FormInput.decode([String: String].self, from: request)
        var errors = FieldErrors()
        var numbers: [String: Int] = [:]
        for field in Self.numbers {
            let text = values[field.name]?.trimmingCharacters(in: .whitespaces) ?? ""
            if let number = Int(text), field.range.contains(number) {
                numbers[field.name] = number
            } else {
                errors.add(field.name, "\(field.label): enter a whole number from \(field.range.lowerBound) to \(field.range.upperBound).")
            }
        }
        if let grid = numbers["gridMinutes"], 1440 % grid != 0 {
            errors.add("gridMinutes", "Start times every (minutes): choose a number that divides the day evenly, such as 15, 20, 30 or 60.")
        }
        guard errors.isEmpty else {
            return try await render(request, values: values, errors: errors, saved: false, status: .unprocessableEntity)
        }
        let row = try await BookingSettingsRow.query(on: request.db).first() ?? BookingSettingsRow()
        row.minimumNoticeHours = numbers["minimumNoticeHours"]!
        row.horizonDays = numbers["horizonDays"]!
        row.gridMinutes = numbers["gridMinutes"]!
        row.maxPerDay = numbers["maxPerDay"] == 0 ? nil : numbers["maxPerDay"]
        row.holdMinutes = numbers["holdMinutes"]!
        row.cancelNoticeHours = numbers["cancelNoticeHours"]!
        row.lateCancelFeeCents = numbers["lateFeeDollars"] == 0 ? nil : numbers["lateFeeDollars"]! * 100
        row.offerHours = numbers["offerHours"]!
        row.measureEvery = numbers["measureEvery"]!
        row.notSameDay = values["notSameDay"] == "yes"
        row.requireApproval = values["requireApproval"] == "yes"
        row.updatedAt = request.now
        try await request.db.writeTransaction { db in try await row.save(on: db) }
        try await request.audit(.update, recordType: "booking-settings", recordID: row.id?.uuidString)
        return request.redirect(to: "/staff/settings/booking?saved=1")
    }

    private func render(_ request: Request, values: [String: String], errors: FieldErrors, saved: Bool,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/settings"), .text("Back to clinic settings"))),
            .h1(.text("Booking rules")),
            .if(saved, .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved. Online booking follows the new rules now.")))),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action("/staff/settings/booking"), .novalidate(),
                FormViews.csrf(request.csrfToken),
                .forEach(Self.numbers) { field in
                    FormViews.textField(name: field.name, label: field.label, value: values[field.name], error: errors[field.name],
                                        type: .number, maxLength: 5, hint: field.hint)
                },
                FormViews.checkbox(name: "notSameDay", label: "Never book online for the same day, whatever the notice", checked: values["notSameDay"] == "yes", error: nil),
                FormViews.checkbox(name: "requireApproval", label: "Staff approve each online request (instead of the client confirming by email)",
                                   checked: values["requireApproval"] == "yes", error: nil),
                .button(.class("button"), .type(.submit), .text("Save"))
            )
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Booking rules" : "Check the rules: Booking rules",
                                       chrome: try await request.chrome(), content: content), status: status)
    }
}
