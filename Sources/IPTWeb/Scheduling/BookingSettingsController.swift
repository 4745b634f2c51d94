import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The clinic's booking rules, edited by an admin: notice, horizon, grid, daily cap, hold, staff
/// approval, the cancellation window and its fee, and how long a waitlist offer stays open.
struct BookingSettingsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.bookingSettings, use: form)
        site.post(.bookingSettings, use: save)
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
        let row = try await SchedulingQueries.bookingSettings(on: request.db)
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
        let row = try await SchedulingQueries.bookingSettings(on: request.db) ?? BookingSettingsRow()
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
        return request.redirect(to: SitePath.bookingSettings.link(query: ["saved": "1"]))
    }

    private func render(_ request: Request, values: [String: String], errors: FieldErrors, saved: Bool,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = BookingSettingsPage.Model(numbers: Self.numbers.map { .init(name: $0.name, label: $0.label, hint: $0.hint) },
                                              values: values, errors: errors, saved: saved, csrfToken: request.csrfToken)
        return try await request.page(model.title, BookingSettingsPage.view(model), status: status)
    }
}
