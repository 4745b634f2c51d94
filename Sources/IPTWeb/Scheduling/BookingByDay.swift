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
            monday = min(max(askedWeek.startOfWeek, today.startOfWeek), lastDay.startOfWeek)
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
