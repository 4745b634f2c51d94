import Foundation

/// A span of wall time within one day, e.g. 09:00 to 12:30.
public struct WallTimeRange: Hashable, Sendable, Codable {
    public let start: LocalTime
    public let end: LocalTime

    public init?(start: LocalTime, end: LocalTime) {
        guard start < end else { return nil }
        self.start = start
        self.end = end
    }
}

/// A clinician's regular weekly hours, per location, in the clinic's wall time.
public struct WeeklyAvailability: Sendable, Equatable {
    public struct Entry: Hashable, Sendable {
        public let weekday: Weekday
        public let range: WallTimeRange
        public let locationID: UUID?

        public init(weekday: Weekday, range: WallTimeRange, locationID: UUID? = nil) {
            self.weekday = weekday
            self.range = range
            self.locationID = locationID
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    public func ranges(on weekday: Weekday) -> [Entry] {
        entries.filter { $0.weekday == weekday }.sorted { $0.range.start < $1.range.start }
    }
}

/// A change to the weekly hours on particular dates, stored as instants.
public struct AvailabilityException: Hashable, Sendable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Time off: no bookings in this span.
        case unavailable
        /// Extra hours outside the weekly pattern.
        case extra
    }

    public let kind: Kind
    public let interval: Interval

    public init(kind: Kind, interval: Interval) {
        self.kind = kind
        self.interval = interval
    }
}

/// A kind of appointment the clinic offers, with the time it takes around it.
public struct AppointmentKind: Hashable, Sendable, Codable {
    public let code: String
    public let name: String
    public let durationMinutes: Int
    public let bufferBeforeMinutes: Int
    public let bufferAfterMinutes: Int
    /// Which fee tiers' clinicians may offer it.
    public let offeredBy: Set<FeeTierCode>
    /// Whether new clients can book it themselves on the website.
    public let bookableOnline: Bool

    public init(code: String, name: String, durationMinutes: Int, bufferBeforeMinutes: Int = 0, bufferAfterMinutes: Int = 0,
                offeredBy: Set<FeeTierCode> = Set(FeeTierCode.allCases), bookableOnline: Bool = false) {
        self.code = code
        self.name = name
        self.durationMinutes = durationMinutes
        self.bufferBeforeMinutes = bufferBeforeMinutes
        self.bufferAfterMinutes = bufferAfterMinutes
        self.offeredBy = offeredBy
        self.bookableOnline = bookableOnline
    }

    /// The appointment itself, starting at `start`.
    public func session(at start: Date) -> Interval {
        Interval(start: start, end: start.addingTimeInterval(TimeInterval(durationMinutes * 60)))
    }

    /// The time it keeps the clinician from anything else: the session plus its buffers.
    public func occupied(at start: Date) -> Interval {
        Interval(start: start.addingTimeInterval(TimeInterval(-bufferBeforeMinutes * 60)),
                 end: start.addingTimeInterval(TimeInterval((durationMinutes + bufferAfterMinutes) * 60)))
    }

    /// The kinds every new clinic starts with; the clinic edits them afterwards.
    public static let defaults: [AppointmentKind] = [
        AppointmentKind(code: "consultation", name: "Free 15-minute phone consultation", durationMinutes: 15,
                        bufferAfterMinutes: 15, bookableOnline: true),
        AppointmentKind(code: "assessment", name: "IPT assessment session", durationMinutes: 60,
                        bufferAfterMinutes: 10, bookableOnline: true),
        AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10),
        AppointmentKind(code: "ipt-a-session", name: "IPT-A session (adolescent)", durationMinutes: 50, bufferAfterMinutes: 10,
                        offeredBy: [.full, .qualifying]),
        AppointmentKind(code: "guardian-session", name: "Parent or guardian session", durationMinutes: 50, bufferAfterMinutes: 10,
                        offeredBy: [.full, .qualifying]),
        AppointmentKind(code: "maintenance", name: "Maintenance session", durationMinutes: 50, bufferAfterMinutes: 10),
    ]
}

/// The clinic's rules for when people may book.
public struct BookingRules: Sendable, Equatable {
    /// Bookings must start at least this many hours from now.
    public var minimumNoticeHours: Int
    /// When true, nothing can be booked for today, whatever the notice.
    public var notSameDay: Bool
    /// How far ahead, in days, the calendar is open.
    public var horizonDays: Int
    /// Start times fall on this grid of wall-clock minutes (30: on the hour and half hour).
    public var gridMinutes: Int
    /// At most this many counted appointments per clinician per day; nil for no cap.
    public var maxPerClinicianPerDay: Int?

    public init(minimumNoticeHours: Int = 24, notSameDay: Bool = true, horizonDays: Int = 56, gridMinutes: Int = 30,
                maxPerClinicianPerDay: Int? = 7) {
        self.minimumNoticeHours = minimumNoticeHours
        self.notSameDay = notSameDay
        self.horizonDays = horizonDays
        self.gridMinutes = gridMinutes
        self.maxPerClinicianPerDay = maxPerClinicianPerDay
    }

    /// Staff booking by hand: the calendar's shape still applies, the notice and horizon do not.
    public static let staff = BookingRules(minimumNoticeHours: 0, notSameDay: false, horizonDays: 400, gridMinutes: 15,
                                           maxPerClinicianPerDay: nil)
}

/// Fees per tier and appointment kind, and the sliding-scale adjustment of one client.
public struct FeeSchedule: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public let tier: FeeTierCode
        public let kindCode: String

        public init(tier: FeeTierCode, kindCode: String) {
            self.tier = tier
            self.kindCode = kindCode
        }
    }

    public var prices: [Key: Money]

    public init(prices: [Key: Money]) {
        self.prices = prices
    }

    /// The fee, after a sliding-scale reduction of `reductionPercent` (0 to 100), rounded to the
    /// nearest cent with halves going to the client.
    public func fee(tier: FeeTierCode, kindCode: String, reductionPercent: Int = 0) -> Money? {
        guard let base = prices[Key(tier: tier, kindCode: kindCode)] else { return nil }
        let percent = min(max(reductionPercent, 0), 100)
        let payable = base.cents * (100 - percent)
        // Integer division rounding half down, so a half cent is the client's.
        let cents = (payable + 49) / 100
        return Money(cents: cents, currency: base.currency)
    }
}

/// Time already spoken for in a clinician's calendar, buffers included.
public struct BusyTime: Hashable, Sendable {
    public let interval: Interval
    /// Client appointments count toward the daily cap; blocked time and buffers do not.
    public let countsTowardDailyCap: Bool

    public init(interval: Interval, countsTowardDailyCap: Bool = true) {
        self.interval = interval
        self.countsTowardDailyCap = countsTowardDailyCap
    }
}

/// Everything the slot finder needs to know about one clinician.
public struct ClinicianCalendar: Sendable {
    public let clinicianID: UUID
    public var weekly: WeeklyAvailability
    public var exceptions: [AvailabilityException]
    public var busy: [BusyTime]

    public init(clinicianID: UUID, weekly: WeeklyAvailability, exceptions: [AvailabilityException] = [], busy: [BusyTime] = []) {
        self.clinicianID = clinicianID
        self.weekly = weekly
        self.exceptions = exceptions
        self.busy = busy
    }
}

/// A time that can be booked.
public struct Slot: Hashable, Sendable {
    public let clinicianID: UUID
    public let start: Date
    public let end: Date
    public let locationID: UUID?

    public init(clinicianID: UUID, start: Date, end: Date, locationID: UUID? = nil) {
        self.clinicianID = clinicianID
        self.start = start
        self.end = end
        self.locationID = locationID
    }
}
