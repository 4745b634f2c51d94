import Fluent
import Foundation
import IPTCore
import Vapor

/// Which week and day the free-times page shows. An asked day wins; an asked week shows its first
/// day with free times; with neither, the first free day there is, so a visitor lands on times
/// rather than on an empty week. Everything is kept between today and the booking horizon.
struct WeekStrip {
    let days: [LocalDate]
    let chosenDay: LocalDate
    let previousWeek: LocalDate?
    let nextWeek: LocalDate?
    /// The first free day after the week shown, when the week shown has none.
    let nextFreeDay: LocalDate?

    init(today: LocalDate, lastDay: LocalDate, freeDays: [LocalDate], askedDay: LocalDate?, askedWeek: LocalDate?) {
        func clamp(_ day: LocalDate) -> LocalDate { min(max(day, today), lastDay) }
        let chosen: LocalDate
        let monday: LocalDate
        if let askedDay {
            chosen = clamp(askedDay)
            monday = chosen.startOfWeek
        } else if let askedWeek {
            monday = Self.askedMonday(today: today, lastDay: lastDay, askedDay: nil, askedWeek: askedWeek)!
            let sunday = monday.adding(days: 6)
            chosen = freeDays.first { $0 >= monday && $0 <= sunday } ?? clamp(monday)
        } else {
            chosen = freeDays.first ?? today
            monday = chosen.startOfWeek
        }
        let sunday = monday.adding(days: 6)
        days = (0..<7).map { monday.adding(days: $0) }
        chosenDay = chosen
        previousWeek = monday > today.startOfWeek ? monday.adding(days: -7) : nil
        nextWeek = monday.adding(days: 7) <= lastDay ? monday.adding(days: 7) : nil
        nextFreeDay = freeDays.contains { $0 >= monday && $0 <= sunday } ? nil : freeDays.first { $0 > sunday }
    }

    /// The Monday of the week a day or week in the link asks for, kept within today and the last
    /// bookable day; nil when the link asks for neither (the strip then opens on the first free day).
    static func askedMonday(today: LocalDate, lastDay: LocalDate, askedDay: LocalDate?, askedWeek: LocalDate?) -> LocalDate? {
        if let askedDay { return min(max(askedDay, today), lastDay).startOfWeek }
        if let askedWeek { return min(max(askedWeek.startOfWeek, today.startOfWeek), lastDay.startOfWeek) }
        return nil
    }
}

/// The free start times the times page needs, found a week at a time: the week shown, and only
/// when it has none, the weeks after it up to the first free day. Finding every free time of the
/// whole booking horizon (eight weeks) for every clinician of a group on each view cost eight
/// times the week shown, and grew with the size of the team (docs/PERFORMANCE.md, "slot finding").
struct FreeWeeks {
    let kind: AppointmentKind
    let clinicianIDs: [UUID]
    let setup: BookingSetup
    let today: LocalDate
    let lastDay: LocalDate
    let now: Date
    let database: any Database

    /// Free starts by day for the week shown, the days with any, and the first free day after it
    /// when the week has none. `monday` nil: the week of the first free day from today.
    func forStrip(startingAt monday: LocalDate?) async throws -> (starts: [LocalDate: [Date]], freeDays: [LocalDate]) {
        var week = monday ?? today.startOfWeek
        var starts = try await self.starts(inWeekOf: week)
        if starts.isEmpty, monday == nil {
            while starts.isEmpty, week.adding(days: 7) <= lastDay {
                week = week.adding(days: 7)
                starts = try await self.starts(inWeekOf: week)
            }
        }
        var freeDays = starts.keys.sorted()
        if freeDays.isEmpty {
            var later = week
            while later.adding(days: 7) <= lastDay {
                later = later.adding(days: 7)
                if let first = try await self.starts(inWeekOf: later).keys.min() {
                    freeDays = [first]
                    break
                }
            }
        }
        return (starts, freeDays)
    }

    /// Each free start of the week from `monday` (within today and the last bookable day), by day.
    func starts(inWeekOf monday: LocalDate) async throws -> [LocalDate: [Date]] {
        let zone = setup.zone
        let from = max(monday, today), through = min(monday.adding(days: 6), lastDay)
        guard from <= through, !clinicianIDs.isEmpty else { return [:] }
        // A day either side, as the slot finder reads buffers and daily limits across midnight.
        let window = Interval(start: zone.startOfDay(from).addingTimeInterval(-86_400), end: zone.startOfDay(through.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: clinicianIDs, window: window, now: now, on: database)
        let slots = SlotFinder(zone: zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: from, through: through, now: now)
        // One chip per start time: for a group, several clinicians free at 10:00 make one "10 a.m."
        // and the server picks who when the person books.
        return Dictionary(grouping: Set(slots.map(\.start)).sorted()) { zone.localDate(of: $0) }
    }
}

/// What the check-your-inbox page repeats: the time held, for whom, until when, and the address
/// the link went to. Carried from the form to the page in a sealed, short-lived cookie, never in
/// the address, so nothing about the person lands in a URL or a log.
struct BookingSentCookie: Codable {
    let start: Date
    let end: Date
    let clinician: String
    let email: String
    let byPhone: Bool
    let heldUntil: Date

    private static let context = SealContext("appointments", row: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xb0, 0x0c)),
                                             column: "booking_sent_cookie", client: nil)

    static func name(secure: Bool) -> String { secure ? "__Host-booking-sent" : "booking-sent" }

    static func set(_ value: BookingSentCookie, request: Request, on response: Response) throws {
        let secure = request.services.settings.secureCookies
        let sealed = try request.services.keyRing.seal(json: value, context)
        let seconds = max(60, Int(value.heldUntil.timeIntervalSince(request.now)))
        response.cookies[name(secure: secure)] = HTTPCookies.Value(string: sealed, maxAge: seconds, path: "/", isSecure: secure,
                                                                   isHTTPOnly: true, sameSite: .lax)
    }

    static func read(_ request: Request) -> BookingSentCookie? {
        guard let sealed = request.sentCookies[name(secure: request.services.settings.secureCookies)], sealed.utf8.count <= 2_000,
              sealed.hasPrefix("enc:v1:"),  // the key ring passes unsealed text through as it is
              let value = try? request.services.keyRing.open(sealed, as: BookingSentCookie.self, context),
              value.heldUntil > request.now else { return nil }
        return value
    }
}
