import Foundation

/// A day of the week, Monday first as in ISO 8601.
public enum Weekday: Int, CaseIterable, Sendable, Codable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    public var name: String {
        switch self {
        case .monday: "Monday"
        case .tuesday: "Tuesday"
        case .wednesday: "Wednesday"
        case .thursday: "Thursday"
        case .friday: "Friday"
        case .saturday: "Saturday"
        case .sunday: "Sunday"
        }
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A calendar date on the clinic's wall calendar, with no time zone attached.
///
/// Arithmetic is done on days since 1970-01-01 with the civil-calendar formulas, which is exact for
/// the proleptic Gregorian calendar and much faster than Foundation's Calendar on a hot path.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses "YYYY-MM-DD"; anything else, or an impossible date like 2027-02-30, is nil.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// 1970-01-01 was a Thursday.
    public var weekday: Weekday {
        let index = ((daysSinceEpoch % 7) + 7 + 3) % 7  // 0 = Monday
        return Weekday(rawValue: index + 1)!
    }

    /// The Monday of this date's week.
    public var startOfWeek: LocalDate { adding(days: 1 - weekday.rawValue) }

    public var description: String {
        "\(ZeroPadded(year, 4))-\(ZeroPadded(month, 2))-\(ZeroPadded(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A time on the wall clock, as minutes after midnight (0 to 1440; 1440 is the end of the day).
public struct LocalTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let minuteOfDay: Int

    public init?(minuteOfDay: Int) {
        guard (0...1440).contains(minuteOfDay) else { return nil }
        self.minuteOfDay = minuteOfDay
    }

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.minuteOfDay = hour * 60 + minute
    }

    /// Parses "HH:MM" (24-hour clock); "24:00" means the end of the day.
    public init?(hhmm text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...59).contains(m) else { return nil }
        if h == 24 && m == 0 { self.init(minuteOfDay: 1440); return }
        self.init(hour: h, minute: m)
    }

    /// What a browser's time field sends: "HH:MM", or "HH:MM:SS" when it shows seconds (which
    /// must then be a real second; the seconds are dropped).
    public init?(formValue text: String) {
        if text.count == 8 {
            let seconds = text.suffix(3)
            guard seconds.first == ":", let value = Int(seconds.dropFirst()), (0...59).contains(value) else { return nil }
            self.init(hhmm: String(text.prefix(5)))
        } else {
            self.init(hhmm: text)
        }
    }

    public var hour: Int { minuteOfDay / 60 }
    public var minute: Int { minuteOfDay % 60 }

    public var description: String { "\(ZeroPadded(hour, 2)):\(ZeroPadded(minute, 2))" }

    /// "9:30 a.m." as Canadian style guides write it.
    public var spoken: String {
        let h = hour % 12 == 0 ? 12 : hour % 12
        let suffix = hour < 12 || hour == 24 ? "a.m." : "p.m."
        return minute == 0 ? "\(h) \(suffix)" : "\(h):\(ZeroPadded(minute, 2)) \(suffix)"
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }
}

/// A half-open span of real time [start, end).
public struct Interval: Hashable, Sendable, Codable {
    public let start: Date
    public let end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    public var duration: TimeInterval { end.timeIntervalSince(start) }

    public func overlaps(_ other: Interval) -> Bool {
        start < other.end && other.start < end
    }

    public func contains(_ other: Interval) -> Bool {
        start <= other.start && other.end <= end
    }
}

/// Converts between the clinic's wall clock and real instants.
///
/// Every recurring rule (weekly hours, a weekly course) is stated in wall time, so 10:00 stays
/// 10:00 across a daylight-saving change; instants are what gets stored and compared.
public struct ClinicTimeZone: Sendable {
    public let timeZone: TimeZone

    public init(_ timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.timeZone = zone
    }

    func offset(at seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The instant a wall-clock reading names. A reading skipped by a spring-forward change is
    /// nil; a reading that happens twice (fall back) is its first occurrence.
    public func instant(_ date: LocalDate, _ minuteOfDay: Int) -> Date? {
        let local = date.daysSinceEpoch * 86_400 + minuteOfDay * 60
        // The offsets in force a little before and after; a change of offset falls between them.
        let candidates = Set([offset(at: local - 50_400), offset(at: local + 50_400), offset(at: local)])
        var best: Int?
        for candidateOffset in candidates {
            let seconds = local - candidateOffset
            if offset(at: seconds) == candidateOffset {
                best = min(best ?? seconds, seconds)
            }
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    public func instant(_ date: LocalDate, _ time: LocalTime) -> Date? {
        instant(date, time.minuteOfDay)
    }

    /// The wall-clock date and minute of an instant.
    public func wallClock(of instant: Date) -> (date: LocalDate, minuteOfDay: Int) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let local = seconds + offset(at: seconds)
        let days = Int((Double(local) / 86_400).rounded(.down))
        return (LocalDate(daysSinceEpoch: days), (local - days * 86_400) / 60)
    }

    public func localDate(of instant: Date) -> LocalDate { wallClock(of: instant).date }

    /// The first instant of a wall-calendar day (midnight, or the first minute after it that exists).
    public func startOfDay(_ date: LocalDate) -> Date {
        var minute = 0
        while minute < 1440 {
            if let instant = instant(date, minute) { return instant }
            minute += 30
        }
        return Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch * 86_400 - offset(at: date.daysSinceEpoch * 86_400)))
    }

    /// How a person would name the zone at that moment, e.g. "Eastern Standard Time (America/Toronto)".
    public func displayName(at instant: Date) -> String {
        let style: TimeZone.NameStyle = timeZone.isDaylightSavingTime(for: instant) ? .daylightSaving : .standard
        // en_US: the en_CA data on some systems says "Eastern Daylight Saving Time", which nobody says.
        let name = timeZone.localizedName(for: style, locale: Locale(identifier: "en_US")) ?? timeZone.identifier
        return name == timeZone.identifier ? name : "\(name) (\(timeZone.identifier))"
    }
}

/// A number written with leading zeros to at least `width` digits, as `%0*d` writes it.
/// `String(format:)` goes through CoreFoundation's formatter: the dates and times a calendar week
/// writes into its links and labels were a sixth of that page (docs/PERFORMANCE.md, "Runs of
/// 2026-12-07, third session").
public struct ZeroPadded: CustomStringConvertible, Sendable {
    public let value: Int
    public let width: Int

    public init(_ value: Int, _ width: Int) {
        self.value = value
        self.width = width
    }

    public var description: String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        let padding = max(0, width - sign.count - digits.count)
        return sign + String(repeating: "0", count: padding) + digits
    }
}
