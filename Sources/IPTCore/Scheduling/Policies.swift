import Foundation

/// A weekly course planned in one step: the same wall-clock time each week, every occurrence
/// checked, and a conflicting week either refused or moved to the nearest free time that week.
public struct WeeklySeriesPlanner: Sendable {
    public enum Resolution: String, Sendable, CaseIterable {
        /// Book nothing if any week collides.
        case refuse
        /// Move each colliding week to the free time closest to the usual one, in the same week.
        case moveConflicts
    }

    public struct Occurrence: Hashable, Sendable {
        /// 1-based number in the course.
        public let number: Int
        /// The usual time that week, if that wall-clock time exists on that date.
        public let usual: Interval?
        /// What will be booked: the usual time, a moved time, or nil when no time is free.
        public let planned: Interval?

        public var isMoved: Bool { planned != nil && planned != usual }
        public var hasConflict: Bool { planned != usual }
    }

    public let zone: ClinicTimeZone

    public init(zone: ClinicTimeZone) {
        self.zone = zone
    }

    public func plan(kind: AppointmentKind, firstDate: LocalDate, time: LocalTime, count: Int, calendar: ClinicianCalendar,
                     resolution: Resolution, now: Date) -> [Occurrence] {
        let busy = BusyIndex(calendar.busy)
        // Moved weeks may land anywhere the clinician works, on the staff grid; the usual time may be
        // outside the weekly hours because staff agreed it with the client.
        let finder = SlotFinder(zone: zone, rules: .staff)
        var extraBusy: [BusyTime] = []
        var result: [Occurrence] = []
        for index in 0..<max(count, 0) {
            let date = firstDate.adding(days: 7 * index)
            let usual = zone.instant(date, time).map(kind.session(at:))
            if let usual, !busy.overlaps(kind.occupied(at: usual.start)),
               !BusyIndex(extraBusy).overlaps(kind.occupied(at: usual.start)) {
                result.append(Occurrence(number: index + 1, usual: usual, planned: usual))
                extraBusy.append(BusyTime(interval: kind.occupied(at: usual.start)))
                continue
            }
            guard resolution == .moveConflicts else {
                result.append(Occurrence(number: index + 1, usual: usual, planned: nil))
                continue
            }
            var withPlanned = calendar
            withPlanned.busy += extraBusy
            let weekStart = date.startOfWeek
            let target = usual?.start ?? zone.instant(date, 12 * 60) ?? zone.startOfDay(date)
            let alternative = finder.slots(kind: kind, calendars: [withPlanned], from: weekStart, through: weekStart.adding(days: 6), now: now)
                .min { abs($0.start.timeIntervalSince(target)) < abs($1.start.timeIntervalSince(target)) }
            let planned = alternative.map { Interval(start: $0.start, end: $0.end) }
            if let planned { extraBusy.append(BusyTime(interval: kind.occupied(at: planned.start))) }
            result.append(Occurrence(number: index + 1, usual: usual, planned: planned))
        }
        return result
    }
}

/// The clinic's cancellation policy: inside the notice window a cancellation is late and may carry a fee.
public struct CancellationPolicy: Sendable, Equatable {
    public enum Outcome: Equatable, Sendable {
        case withinPolicy
        case late(fee: Money?)
        /// The appointment has started or passed; it can no longer be cancelled, only marked.
        case tooLate
    }

    public var noticeHours: Int
    public var lateFee: Money?

    public init(noticeHours: Int = 24, lateFee: Money? = nil) {
        self.noticeHours = noticeHours
        self.lateFee = lateFee
    }

    public func outcome(cancellingAt now: Date, appointmentStart: Date) -> Outcome {
        if now >= appointmentStart { return .tooLate }
        if appointmentStart.timeIntervalSince(now) < TimeInterval(noticeHours * 3600) { return .late(fee: lateFee) }
        return .withinPolicy
    }
}

/// Part of a day a person on the waitlist can say suits them.
public enum DayPart: String, CaseIterable, Sendable, Codable {
    case morning
    case afternoon
    case evening

    public var label: String {
        switch self {
        case .morning: "Mornings (before noon)"
        case .afternoon: "Afternoons (noon to 5 p.m.)"
        case .evening: "Evenings (from 5 p.m.)"
        }
    }

    public static func of(minuteOfDay: Int) -> DayPart {
        minuteOfDay < 12 * 60 ? .morning : (minuteOfDay < 17 * 60 ? .afternoon : .evening)
    }
}

/// When a person on the waitlist could come. Empty sets mean "any".
public struct WaitlistPreference: Sendable, Equatable {
    public var days: Set<Weekday>
    public var parts: Set<DayPart>

    public init(days: Set<Weekday> = [], parts: Set<DayPart> = []) {
        self.days = days
        self.parts = parts
    }

    public func accepts(_ start: Date, in zone: ClinicTimeZone) -> Bool {
        let wall = zone.wallClock(of: start)
        return (days.isEmpty || days.contains(wall.date.weekday))
            && (parts.isEmpty || parts.contains(DayPart.of(minuteOfDay: wall.minuteOfDay)))
    }

    /// "1,3,5" style storage of the days and "morning,evening" of the parts.
    public var storedDays: String { days.sorted().map { String($0.rawValue) }.joined(separator: ",") }
    public var storedParts: String { DayPart.allCases.filter(parts.contains).map(\.rawValue).joined(separator: ",") }

    public init(storedDays: String, storedParts: String) {
        days = Set(storedDays.split(separator: ",").compactMap { Int($0).flatMap(Weekday.init(rawValue:)) })
        parts = Set(storedParts.split(separator: ",").compactMap { DayPart(rawValue: String($0)) })
    }
}

/// The reminders sent before an appointment: 48 and 24 hours ahead. A reminder whose moment passed
/// before the appointment was booked is skipped, so nobody gets two at once.
public enum ReminderSchedule {
    public static let hoursBefore = [48, 24]

    /// The reminders due now that have not been sent.
    public static func due(now: Date, start: Date, bookedAt: Date, alreadySent: Set<Int>) -> [Int] {
        guard now < start else { return [] }
        let remaining = start.timeIntervalSince(now)
        // Only the nearest reminder counts: once the 24-hour one is due, a 48-hour one that was
        // never sent is no longer worth sending.
        let eligible = hoursBefore.filter { hours in
            remaining <= TimeInterval(hours * 3600) && bookedAt < start.addingTimeInterval(TimeInterval(-hours * 3600))
        }
        guard let nearest = eligible.min(), !alreadySent.contains(nearest) else { return [] }
        return [nearest]
    }
}
