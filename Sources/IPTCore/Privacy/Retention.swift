import Foundation

/// How long a client's record is kept (CLINICAL.md section 7): a number of years after the last
/// contact, or, for someone who was a minor at that contact, after their 18th birthday if that is
/// later. Colleges differ (social workers keep 7 years), so both are settings.
public struct RetentionRule: Sendable, Equatable {
    public var yearsAfterLastContact: Int
    public var minorsFromEighteenthBirthday: Bool

    public init(yearsAfterLastContact: Int = 10, minorsFromEighteenthBirthday: Bool = true) {
        self.yearsAfterLastContact = yearsAfterLastContact
        self.minorsFromEighteenthBirthday = minorsFromEighteenthBirthday
    }

    /// The last day the record must be kept.
    public func keepUntil(lastContact: LocalDate, born: LocalDate?) -> LocalDate {
        let fromContact = Self.adding(years: yearsAfterLastContact, to: lastContact)
        guard minorsFromEighteenthBirthday, let born else { return fromContact }
        let eighteenth = Self.adding(years: 18, to: born)
        guard lastContact < eighteenth else { return fromContact }
        return max(fromContact, Self.adding(years: yearsAfterLastContact, to: eighteenth))
    }

    /// Whether the record may be destroyed on `today`: its last day to be kept has gone by and no
    /// appointment is booked after today. A booked appointment is contact still to come, whatever
    /// the dates of the past say (a client who returns after eleven years is a client again).
    public func isPast(keepUntil: LocalDate, today: LocalDate, hasFutureAppointment: Bool) -> Bool {
        !hasFutureAppointment && keepUntil < today
    }

    /// The same day `years` later; 29 February becomes 28 February in a year without it.
    static func adding(years: Int, to date: LocalDate) -> LocalDate {
        LocalDate(year: date.year + years, month: date.month, day: date.day)
            ?? LocalDate(year: date.year + years, month: date.month, day: date.day - 1)!
    }
}

/// PHIPA gives a custodian 30 days to answer a request for access (or correction).
public enum RecordRequestDeadline {
    public static let days = 30

    public static func due(requestedOn day: LocalDate) -> LocalDate { day.adding(days: days) }
}
