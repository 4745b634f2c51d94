import Foundation
import IPTCore

/// Dates and times as staff, clients and emails write them: always in the clinic's time zone, with
/// the zone named where a reader could be elsewhere. The one helper for it.
public enum DateDisplay {
    public static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// "Tuesday, December 1, 2026"
    public static func day(_ date: LocalDate) -> String {
        "\(date.weekday.name), \(months[date.month - 1]) \(date.day), \(date.year)"
    }

    /// "Tue Dec 1"
    public static func shortDay(_ date: LocalDate) -> String {
        "\(date.weekday.name.prefix(3)) \(months[date.month - 1].prefix(3)) \(date.day)"
    }

    /// "10 a.m."
    public static func time(_ instant: Date, zone: ClinicTimeZone) -> String {
        LocalTime(minuteOfDay: zone.wallClock(of: instant).minuteOfDay)?.spoken ?? ""
    }

    /// "Tuesday, December 1, 2026 at 10 a.m., Eastern Standard Time (America/Toronto)"
    public static func when(_ instant: Date, zone: ClinicTimeZone) -> String {
        "\(day(zone.localDate(of: instant))) at \(time(instant, zone: zone)), \(zone.displayName(at: instant))"
    }

    /// "Tuesday, December 1, 2026, 10 a.m. to 10:50 a.m., Eastern Standard Time (America/Toronto)"
    public static func range(_ start: Date, _ end: Date, zone: ClinicTimeZone) -> String {
        "\(day(zone.localDate(of: start))), \(time(start, zone: zone)) to \(time(end, zone: zone)), \(zone.displayName(at: start))"
    }

    /// "2026-12-01 10:00 EST", for lists where the full form would crowd the row.
    public static func dateTime(_ date: Date, timeZone identifier: String) -> String {
        FormatterCache.shared.format(date, timeZone: identifier)
    }

    public static func iso(_ date: Date) -> String {
        FormatterCache.shared.iso(date)
    }
}

/// Making a date formatter costs about a tenth of a millisecond (ICU loads the locale's patterns),
/// and a list page made one per row: the enquiry inbox with 50 rows ran at 330 requests a second.
/// One formatter per time zone is kept. ICU formatters change internal state while formatting, so
/// each is used under the lock (formatting itself takes microseconds).
private final class FormatterCache: @unchecked Sendable {
    static let shared = FormatterCache()

    private let lock = NSLock()
    private var byTimeZone: [String: DateFormatter] = [:]
    private let isoFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()

    func format(_ date: Date, timeZone identifier: String) -> String {
        lock.withLock {
            let formatter = byTimeZone[identifier] ?? {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_CA")
                formatter.timeZone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "America/Toronto")
                formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
                // A bound for safety: identifiers come from the clinic's settings.
                if byTimeZone.count >= 32 { byTimeZone.removeAll() }
                byTimeZone[identifier] = formatter
                return formatter
            }()
            return formatter.string(from: date)
        }
    }

    func iso(_ date: Date) -> String {
        lock.withLock { isoFormatter.string(from: date) }
    }
}
