import Foundation

/// Finds the free start times of an appointment kind for a set of clinicians over a range of dates.
///
/// Everything repeating is laid out in wall time on each date and only then turned into instants,
/// so the days around a daylight-saving change keep their 9:00 as 9:00. Each date's offset is
/// looked up once and shared by all clinicians; existing appointments are checked with a binary
/// search over their starts and a running maximum of their ends, so the cost grows with the number
/// of candidate times, not with their product with the appointments.
public struct SlotFinder: Sendable {
    public let zone: ClinicTimeZone
    public let rules: BookingRules

    public init(zone: ClinicTimeZone, rules: BookingRules) {
        self.zone = zone
        self.rules = rules
    }

    /// One wall-calendar day: its bounds as instants and, unless the offset changes during it,
    /// the single offset that turns its wall-clock minutes into instants.
    struct Day {
        let date: LocalDate
        let start: Date
        let end: Date
        let uniformOffset: Int?
    }

    func day(_ date: LocalDate) -> Day {
        let start = zone.startOfDay(date)
        let end = zone.startOfDay(date.adding(days: 1))
        let startSeconds = Int(start.timeIntervalSince1970)
        let offsetAtStart = zone.offset(at: startSeconds)
        let offsetAtEnd = zone.offset(at: Int(end.timeIntervalSince1970) - 1)
        let uniform = offsetAtStart == offsetAtEnd && startSeconds == date.daysSinceEpoch * 86_400 - offsetAtStart
        return Day(date: date, start: start, end: end, uniformOffset: uniform ? offsetAtStart : nil)
    }

    func instant(_ day: Day, minute: Int) -> Date? {
        if let offset = day.uniformOffset {
            return Date(timeIntervalSince1970: TimeInterval(day.date.daysSinceEpoch * 86_400 + minute * 60 - offset))
        }
        return zone.instant(day.date, minute)
    }

    func minuteOfDay(_ day: Day, _ instant: Date) -> Int {
        if let offset = day.uniformOffset {
            let seconds = Int(instant.timeIntervalSince1970.rounded(.up)) + offset - day.date.daysSinceEpoch * 86_400
            return (seconds + 59) / 60
        }
        let wall = zone.wallClock(of: instant)
        return wall.date == day.date ? wall.minuteOfDay : (wall.date < day.date ? 0 : 1440)
    }

    /// The free slots from `from` through `through` (wall-calendar dates, inclusive), earliest
    /// first, for clinicians who may offer `kind`.
    public func slots(kind: AppointmentKind, calendars: [ClinicianCalendar], from: LocalDate, through: LocalDate,
                      now: Date) -> [Slot] {
        let today = zone.localDate(of: now)
        let lastOpen = today.adding(days: rules.horizonDays)
        let last = min(through, lastOpen)
        guard from <= last else { return [] }
        var earliest = now.addingTimeInterval(TimeInterval(rules.minimumNoticeHours * 3600))
        if rules.notSameDay {
            earliest = max(earliest, zone.startOfDay(today.adding(days: 1)))
        }
        let days = (0...(last.daysSinceEpoch - from.daysSinceEpoch)).map { day(from.adding(days: $0)) }
        let dayStarts = days.map(\.start)
        let grid = max(rules.gridMinutes, 1)
        let duration = TimeInterval(kind.durationMinutes * 60)
        let before = TimeInterval(kind.bufferBeforeMinutes * 60)
        let after = TimeInterval(kind.bufferAfterMinutes * 60)

        let indexes = calendars.map { BusyIndex($0.busy) }
        var countedPerDay: [[Int]] = []
        if rules.maxPerClinicianPerDay != nil {
            countedPerDay = calendars.map { calendar in
                var counts = [Int](repeating: 0, count: days.count)
                for item in calendar.busy where item.countsTowardDailyCap {
                    let index = Self.lastIndex(in: dayStarts, notAfter: item.interval.start)
                    if index >= 0, item.interval.start < days[index].end { counts[index] += 1 }
                }
                return counts
            }
        }
        // Day by day, each clinician's slots go into a bucket per grid step; reading the buckets in
        // order gives the day's slots earliest first, and at one time in the order the clinicians
        // were given, with no sort.
        var found: [Slot] = []
        var buckets = [[Slot]](repeating: [], count: 1440 / grid + 1)
        for (dayIndex, day) in days.enumerated() where day.end > earliest {
            for (order, calendar) in calendars.enumerated() {
                if let cap = rules.maxPerClinicianPerDay, countedPerDay[order][dayIndex] >= cap { continue }
                let busy = indexes[order]
                for window in availability(of: calendar, on: day) {
                    var minute = minuteOfDay(day, window.interval.start)
                    minute = ((minute + grid - 1) / grid) * grid
                    while minute < 1440 {
                        defer { minute += grid }
                        guard let start = instant(day, minute: minute) else { continue }
                        if start < window.interval.start { continue }
                        let end = start.addingTimeInterval(duration)
                        if end > window.interval.end { break }
                        if start < earliest { continue }
                        let occupied = Interval(start: start.addingTimeInterval(-before), end: end.addingTimeInterval(after))
                        if busy.overlaps(occupied) { continue }
                        buckets[minute / grid].append(Slot(clinicianID: calendar.clinicianID, start: start, end: end, locationID: window.locationID))
                    }
                }
            }
            for index in buckets.indices where !buckets[index].isEmpty {
                found.append(contentsOf: buckets[index])
                buckets[index].removeAll(keepingCapacity: true)
            }
        }
        return found
    }

    /// A clinician's working hours on one date (weekly hours plus extra hours, minus time off), as
    /// the staff calendar shades them.
    public func workingHours(of calendar: ClinicianCalendar, on date: LocalDate) -> [Interval] {
        availability(of: calendar, on: day(date)).map(\.interval)
    }

    /// The bookable windows of one day: the weekly hours, plus extra hours, minus time off.
    func availability(of calendar: ClinicianCalendar, on day: Day) -> [(interval: Interval, locationID: UUID?)] {
        var windows: [(interval: Interval, locationID: UUID?)] = []
        for entry in calendar.weekly.ranges(on: day.date.weekday) {
            guard let start = instant(day, minute: entry.range.start.minuteOfDay) ?? zone.instant(day.date, entry.range.start.minuteOfDay + 60),
                  let end = entry.range.end.minuteOfDay == 1440 ? day.end : instant(day, minute: entry.range.end.minuteOfDay),
                  start < end else { continue }
            windows.append((Interval(start: start, end: end), entry.locationID))
        }
        let dayInterval = Interval(start: day.start, end: day.end)
        for exception in calendar.exceptions where exception.kind == .extra && exception.interval.overlaps(dayInterval) {
            windows.append((Interval(start: max(exception.interval.start, day.start), end: min(exception.interval.end, day.end)), nil))
        }
        for exception in calendar.exceptions where exception.kind == .unavailable && exception.interval.overlaps(dayInterval) {
            windows = windows.flatMap { window -> [(interval: Interval, locationID: UUID?)] in
                Self.subtract(exception.interval, from: window.interval).map { ($0, window.locationID) }
            }
        }
        // Extra hours may overlap the weekly ones: join overlapping windows so no time is offered twice.
        var merged: [(interval: Interval, locationID: UUID?)] = []
        for window in windows.sorted(by: { $0.interval.start < $1.interval.start }) {
            if let last = merged.last, window.interval.start <= last.interval.end {
                merged[merged.count - 1].interval = Interval(start: last.interval.start, end: max(last.interval.end, window.interval.end))
            } else {
                merged.append(window)
            }
        }
        return merged
    }

    static func subtract(_ cut: Interval, from interval: Interval) -> [Interval] {
        guard cut.overlaps(interval) else { return [interval] }
        var pieces: [Interval] = []
        if interval.start < cut.start { pieces.append(Interval(start: interval.start, end: cut.start)) }
        if cut.end < interval.end { pieces.append(Interval(start: cut.end, end: interval.end)) }
        return pieces
    }

    /// The index of the last element not after `value` in a sorted array, or -1.
    static func lastIndex(in sorted: [Date], notAfter value: Date) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }
}

/// Busy intervals sorted by start with the running maximum of their ends: an interval overlaps
/// one of them exactly when some busy interval starting before its end also ends after its start.
struct BusyIndex {
    let starts: [Date]
    let maxEnds: [Date]

    init(_ busy: [BusyTime]) {
        var sorted = busy.map(\.interval)
        // Callers usually pass them in order already (each clinician's rows come from an index on
        // (clinician, start)); check before sorting.
        if zip(sorted, sorted.dropFirst()).contains(where: { $0.start > $1.start }) {
            sorted.sort { $0.start < $1.start }
        }
        starts = sorted.map(\.start)
        var running = Date.distantPast
        maxEnds = sorted.map { running = max(running, $0.end); return running }
    }

    func overlaps(_ interval: Interval) -> Bool {
        // How many busy intervals start before this one ends.
        var low = 0
        var high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] < interval.end { low = mid + 1 } else { high = mid }
        }
        return low > 0 && maxEnds[low - 1] > interval.start
    }
}
