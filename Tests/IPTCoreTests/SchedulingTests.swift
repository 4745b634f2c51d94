import Foundation
import IPTCore
import Testing

/// A small deterministic generator so a failing property case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let toronto = ClinicTimeZone(identifier: "America/Toronto")!

func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

func utc(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

func range(_ from: String, _ to: String) -> WallTimeRange {
    WallTimeRange(start: LocalTime(hhmm: from)!, end: LocalTime(hhmm: to)!)!
}

/// Wall time of an instant according to Foundation's Calendar: the independent oracle.
func oracleWallTime(_ instant: Date, _ zone: TimeZone) -> (date: LocalDate, minute: Int) {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
    return (LocalDate(year: c.year!, month: c.month!, day: c.day!)!, c.hour! * 60 + c.minute!)
}

@Suite struct WallClockTests {
    /// Dates and times are written by hand (`ZeroPadded`), as `String(format:)` wrote them before.
    @Test func dates_and_times_are_written_as_the_format_strings_wrote_them() throws {
        for value in [0, 1, 9, 10, 59, 99, 100, 999, 1000, 2026, 12345, -1, -7, -42] {
            for width in [1, 2, 4] {
                #expect(ZeroPadded(value, width).description == String(format: "%0\(width)d", value), "\(value), width \(width)")
            }
        }
        #expect(LocalDate(year: 2026, month: 3, day: 7)?.description == "2026-03-07")
        #expect(LocalDate(year: 987, month: 12, day: 31)?.description == "0987-12-31")
        for minute in [0, 5, 59, 60, 545, 720, 725, 1439, 1440] {
            let time = try #require(LocalTime(minuteOfDay: minute))
            #expect(time.description == String(format: "%02d:%02d", minute / 60, minute % 60))
            let h = time.hour % 12 == 0 ? 12 : time.hour % 12
            let suffix = time.hour < 12 || time.hour == 24 ? "a.m." : "p.m."
            #expect(time.spoken == (time.minute == 0 ? "\(h) \(suffix)" : String(format: "%d:%02d %@", h, time.minute, suffix)))
        }
        #expect(LocalTime(minuteOfDay: 570)?.spoken == "9:30 a.m." && LocalTime(minuteOfDay: 780)?.spoken == "1 p.m.")
    }

    @Test func dates_parse_only_when_real() {
        #expect(LocalDate(iso: "2027-02-28") != nil)
        #expect(LocalDate(iso: "2027-02-29") == nil)
        #expect(LocalDate(iso: "2028-02-29") != nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(LocalDate(iso: "2026-1-01") == nil)
        #expect(LocalDate(iso: "２０２６-01-01") == nil)
        #expect(LocalTime(hhmm: "24:00")?.minuteOfDay == 1440)
        #expect(LocalTime(hhmm: "24:30") == nil)
        #expect(LocalTime(hhmm: "09:60") == nil)
        #expect(LocalTime(formValue: "14:30:00")?.minuteOfDay == 870, "a time field that shows seconds")
        #expect(LocalTime(formValue: "14:30:99") == nil)
        #expect(LocalTime(formValue: "14:30x00") == nil)
    }

    @Test func day_arithmetic_and_weekdays_agree_with_foundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let days = Int.random(in: -20_000...40_000, using: &rng)
            let local = LocalDate(daysSinceEpoch: days)
            #expect(local.daysSinceEpoch == days)
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            #expect(local.year == c.year && local.month == c.month && local.day == c.day)
            // Foundation: Sunday = 1.
            #expect(local.weekday.rawValue == (c.weekday! + 5) % 7 + 1)
        }
        #expect(date("2026-11-27").weekday == .friday)
        #expect(date("2026-11-27").startOfWeek == date("2026-11-23"))
    }

    @Test func wall_times_around_the_toronto_changes_map_to_the_right_instants() {
        // Fall back on 1 Nov 2026: 9:00 is 14:00 UTC after, 13:00 UTC the day before.
        #expect(toronto.instant(date("2026-10-31"), 9 * 60) == utc("2026-10-31T13:00:00Z"))
        #expect(toronto.instant(date("2026-11-01"), 9 * 60) == utc("2026-11-01T14:00:00Z"))
        // 1:30 happens twice that night; the first (daylight) one is meant.
        #expect(toronto.instant(date("2026-11-01"), 90) == utc("2026-11-01T05:30:00Z"))
        // Spring forward on 14 Mar 2027: 2:30 does not exist, 9:00 is 13:00 UTC.
        #expect(toronto.instant(date("2027-03-14"), 150) == nil)
        #expect(toronto.instant(date("2027-03-14"), 9 * 60) == utc("2027-03-14T13:00:00Z"))
        #expect(toronto.instant(date("2027-03-13"), 9 * 60) == utc("2027-03-13T14:00:00Z"))
        #expect(toronto.wallClock(of: utc("2026-11-01T06:30:00Z")).minuteOfDay == 90, "the second 1:30")
    }

    @Test func the_zone_is_named_for_people() {
        #expect(toronto.displayName(at: utc("2026-12-01T15:00:00Z")).contains("Eastern Standard Time"))
        #expect(toronto.displayName(at: utc("2026-07-01T15:00:00Z")).contains("Eastern Daylight Time"))
        #expect(toronto.displayName(at: utc("2026-07-01T15:00:00Z")).contains("America/Toronto"))
    }
}

@Suite struct SlotFinderTests {
    let clinician = UUID()
    let consultation = AppointmentKind(code: "c", name: "Consultation", durationMinutes: 15, bufferAfterMinutes: 15)
    let session = AppointmentKind(code: "s", name: "Session", durationMinutes: 50, bufferBeforeMinutes: 5, bufferAfterMinutes: 10)
    let open = BookingRules(minimumNoticeHours: 0, notSameDay: false, horizonDays: 400, gridMinutes: 30, maxPerClinicianPerDay: nil)

    func weekdays(_ from: String, _ to: String) -> WeeklyAvailability {
        WeeklyAvailability([.monday, .tuesday, .wednesday, .thursday, .friday, .saturday, .sunday].map {
            .init(weekday: $0, range: range(from, to))
        })
    }

    @Test func slots_keep_their_wall_time_on_the_days_of_both_changes() {
        let finder = SlotFinder(zone: toronto, rules: open)
        let calendar = ClinicianCalendar(clinicianID: clinician, weekly: weekdays("09:00", "12:00"))
        let now = utc("2026-10-01T00:00:00Z")
        for day in ["2026-10-31", "2026-11-01", "2026-11-02", "2027-03-13", "2027-03-14", "2027-03-15"] {
            let slots = finder.slots(kind: session, calendars: [calendar], from: date(day), through: date(day), now: now)
            let times = slots.map { toronto.wallClock(of: $0.start) }
            #expect(times.map(\.minuteOfDay) == [540, 570, 600, 630, 660], "\(day): \(times)")
            #expect(times.allSatisfy { $0.date == date(day) })
            #expect(slots.allSatisfy { $0.end.timeIntervalSince($0.start) == 50 * 60 }, "real durations stay 50 minutes")
        }
        let sunday = finder.slots(kind: session, calendars: [calendar], from: date("2026-11-01"), through: date("2026-11-01"), now: now)
        #expect(sunday.first?.start == utc("2026-11-01T14:00:00Z"))
        let march = finder.slots(kind: session, calendars: [calendar], from: date("2027-03-14"), through: date("2027-03-14"), now: now)
        #expect(march.first?.start == utc("2027-03-14T13:00:00Z"))
    }

    @Test func buffers_notice_same_day_horizon_and_daily_cap_are_applied() {
        let now = utc("2026-12-01T14:00:00Z")  // 9:00 Tuesday in Toronto
        let weekly = weekdays("09:00", "17:00")
        let busy = BusyTime(interval: Interval(start: utc("2026-12-02T15:00:00Z"), end: utc("2026-12-02T16:00:00Z")))  // 10-11 Wed
        let calendar = ClinicianCalendar(clinicianID: clinician, weekly: weekly, busy: [busy])
        var rules = BookingRules(minimumNoticeHours: 2, notSameDay: false, horizonDays: 2, gridMinutes: 30, maxPerClinicianPerDay: nil)
        var slots = SlotFinder(zone: toronto, rules: rules).slots(kind: session, calendars: [calendar], from: date("2026-12-01"),
                                                                  through: date("2026-12-10"), now: now)
        #expect(slots.first?.start == utc("2026-12-01T16:00:00Z"), "two hours' notice from 9:00 gives 11:00 first")
        #expect(toronto.localDate(of: slots.last!.start) == date("2026-12-03"), "the horizon ends two days out")
        let wednesday = slots.filter { toronto.localDate(of: $0.start) == date("2026-12-02") }.map { toronto.wallClock(of: $0.start).minuteOfDay }
        // 9:00 ends 9:50, its 10-minute buffer reaches 10:00 and only touches the 10:00 appointment.
        // 9:30 runs into it; 11:00 needs a 5-minute buffer from 10:55, still taken; 11:30 is free.
        #expect(wednesday.contains(540))
        #expect(!wednesday.contains(570))
        #expect(!wednesday.contains(600) && !wednesday.contains(630) && !wednesday.contains(660))
        #expect(wednesday.contains(690))

        rules.notSameDay = true
        slots = SlotFinder(zone: toronto, rules: rules).slots(kind: session, calendars: [calendar], from: date("2026-12-01"),
                                                              through: date("2026-12-10"), now: now)
        #expect(toronto.localDate(of: slots.first!.start) == date("2026-12-02"))

        rules.maxPerClinicianPerDay = 1
        slots = SlotFinder(zone: toronto, rules: rules).slots(kind: session, calendars: [calendar], from: date("2026-12-01"),
                                                              through: date("2026-12-10"), now: now)
        #expect(!slots.contains { toronto.localDate(of: $0.start) == date("2026-12-02") }, "Wednesday already has its one session")
        #expect(slots.contains { toronto.localDate(of: $0.start) == date("2026-12-03") })
    }

    @Test func time_off_removes_slots_and_extra_hours_add_them() {
        let now = utc("2026-11-01T00:00:00Z")
        let off = AvailabilityException(kind: .unavailable, interval: Interval(start: utc("2026-12-02T15:00:00Z"), end: utc("2026-12-02T17:00:00Z")))
        let extra = AvailabilityException(kind: .extra, interval: Interval(start: utc("2026-12-05T15:00:00Z"), end: utc("2026-12-05T16:00:00Z")))
        let weekly = WeeklyAvailability([.init(weekday: .wednesday, range: range("09:00", "13:00"))])
        let calendar = ClinicianCalendar(clinicianID: clinician, weekly: weekly, exceptions: [off, extra])
        let slots = SlotFinder(zone: toronto, rules: open).slots(kind: consultation, calendars: [calendar], from: date("2026-12-01"),
                                                                 through: date("2026-12-06"), now: now)
        let minutes = slots.map { toronto.wallClock(of: $0.start) }
        #expect(minutes.filter { $0.date == date("2026-12-02") }.map(\.minuteOfDay) == [540, 570, 720, 750])
        #expect(minutes.filter { $0.date == date("2026-12-05") }.map(\.minuteOfDay) == [600, 630], "Saturday's extra hour")
    }

    @Test func extra_hours_overlapping_the_weekly_ones_offer_each_time_once() {
        let weekly = WeeklyAvailability([.init(weekday: .wednesday, range: range("09:00", "11:00"))])
        let extra = AvailabilityException(kind: .extra, interval: Interval(start: utc("2026-12-02T15:00:00Z"), end: utc("2026-12-02T17:00:00Z")))
        let calendar = ClinicianCalendar(clinicianID: clinician, weekly: weekly, exceptions: [extra])
        let slots = SlotFinder(zone: toronto, rules: open).slots(kind: consultation, calendars: [calendar], from: date("2026-12-02"),
                                                                 through: date("2026-12-02"), now: utc("2026-11-01T00:00:00Z"))
        let minutes = slots.map { toronto.wallClock(of: $0.start).minuteOfDay }
        #expect(minutes == [540, 570, 600, 630, 660, 690], "9:00 to 12:00, each once: \(minutes)")
    }

    @Test func at_one_time_clinicians_come_in_the_order_given() {
        let ids = (0..<5).map { _ in UUID() }
        let calendars = ids.map { ClinicianCalendar(clinicianID: $0, weekly: weekdays("09:00", "10:00")) }
        let slots = SlotFinder(zone: toronto, rules: open).slots(kind: consultation, calendars: calendars, from: date("2026-12-02"),
                                                                 through: date("2026-12-02"), now: utc("2026-11-01T00:00:00Z"))
        #expect(slots.map(\.clinicianID) == ids + ids)
        #expect(slots.map(\.start) == Array(repeating: utc("2026-12-02T14:00:00Z"), count: 5) + Array(repeating: utc("2026-12-02T14:30:00Z"), count: 5))
    }

    /// Random calendars against a brute-force oracle built on Foundation's Calendar: every slot lies
    /// in availability, on the grid, after the notice, clear of every appointment and its buffers;
    /// and every time that meets all of that is offered.
    @Test(arguments: 0..<40)
    func found_slots_are_exactly_the_free_grid_times(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &* 7919 &+ 17)
        let zone = toronto
        // Around both changes and an ordinary month.
        let starts = [date("2026-10-26"), date("2027-03-08"), date("2027-01-11")]
        let from = starts[seed % starts.count]
        let through = from.adding(days: 13)
        let now = zone.instant(from.adding(days: Int.random(in: -2...3, using: &rng)), Int.random(in: 0..<1440, using: &rng) / 5 * 5)!
        let rules = BookingRules(minimumNoticeHours: Int.random(in: 0...30, using: &rng), notSameDay: Bool.random(using: &rng),
                                 horizonDays: Int.random(in: 3...20, using: &rng), gridMinutes: [15, 30, 60].randomElement(using: &rng)!,
                                 maxPerClinicianPerDay: nil)
        let kind = AppointmentKind(code: "k", name: "k", durationMinutes: [15, 50, 60].randomElement(using: &rng)!,
                                   bufferBeforeMinutes: Int.random(in: 0...15, using: &rng), bufferAfterMinutes: Int.random(in: 0...15, using: &rng))
        var calendars: [ClinicianCalendar] = []
        for _ in 0..<3 {
            var entries: [WeeklyAvailability.Entry] = []
            for weekday in Weekday.allCases where Bool.random(using: &rng) {
                let a = Int.random(in: 12...36, using: &rng) * 30  // 6:00 to 18:00
                let b = min(a + Int.random(in: 2...10, using: &rng) * 30, 22 * 60)
                entries.append(.init(weekday: weekday, range: WallTimeRange(start: LocalTime(minuteOfDay: a)!, end: LocalTime(minuteOfDay: b)!)!))
            }
            var busy: [BusyTime] = []
            for _ in 0..<Int.random(in: 0...25, using: &rng) {
                let day = from.adding(days: Int.random(in: 0...13, using: &rng))
                let start = zone.instant(day, Int.random(in: 6 * 12...21 * 12, using: &rng) * 5)!
                busy.append(BusyTime(interval: Interval(start: start, end: start.addingTimeInterval(Double(Int.random(in: 1...18, using: &rng) * 600)))))
            }
            calendars.append(ClinicianCalendar(clinicianID: UUID(), weekly: WeeklyAvailability(entries), busy: busy))
        }
        let found = SlotFinder(zone: zone, rules: rules).slots(kind: kind, calendars: calendars, from: from, through: through, now: now)

        // The oracle.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone.timeZone
        let today = oracleWallTime(now, zone.timeZone).date
        var expected: Set<Slot> = []
        for clinicianCalendar in calendars {
            for offset in 0...13 {
                let day = from.adding(days: offset)
                guard day.daysSinceEpoch - today.daysSinceEpoch <= rules.horizonDays else { continue }
                if rules.notSameDay && day <= today { continue }
                for entry in clinicianCalendar.weekly.entries where entry.weekday == day.weekday {
                    for minute in stride(from: 0, to: 1440, by: rules.gridMinutes)
                    where minute >= entry.range.start.minuteOfDay && minute + kind.durationMinutes <= entry.range.end.minuteOfDay {
                        guard let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day,
                                                                             hour: minute / 60, minute: minute % 60)),
                              oracleWallTime(start, zone.timeZone) == (day, minute) else { continue }
                        let end = start.addingTimeInterval(Double(kind.durationMinutes * 60))
                        let endWall = oracleWallTime(end, zone.timeZone)
                        guard endWall.date == day, endWall.minute <= entry.range.end.minuteOfDay else { continue }
                        guard start >= now.addingTimeInterval(Double(rules.minimumNoticeHours * 3600)) else { continue }
                        let occupied = kind.occupied(at: start)
                        guard !clinicianCalendar.busy.contains(where: { $0.interval.overlaps(occupied) }) else { continue }
                        expected.insert(Slot(clinicianID: clinicianCalendar.clinicianID, start: start, end: end, locationID: nil))
                    }
                }
            }
        }
        let extra = Set(found).subtracting(expected).map { "\(zone.wallClock(of: $0.start))" }.sorted()
        let missing = expected.subtracting(found).map { "\(zone.wallClock(of: $0.start))" }.sorted()
        #expect(extra.isEmpty && missing.isEmpty, "seed \(seed): offered but not free \(extra.prefix(5)); free but not offered \(missing.prefix(5))")
        #expect(found.count == Set(found).count, "no slot twice")
        for slot in found {
            let busy = calendars.first { $0.clinicianID == slot.clinicianID }!.busy
            #expect(!busy.contains { $0.interval.overlaps(kind.occupied(at: slot.start)) })
        }
    }
}

@Suite struct SeriesAndPolicyTests {
    let kind = AppointmentKind(code: "ipt", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
    let clinician = UUID()

    @Test func a_sixteen_week_course_keeps_ten_oclock_across_the_change_and_flags_week_eleven() {
        let weekly = WeeklyAvailability(Weekday.allCases.map { .init(weekday: $0, range: range("09:00", "17:00")) })
        // Week 11 of a course starting Monday 7 Dec 2026 is 15 Feb 2027.
        let clash = toronto.instant(date("2027-02-15"), 10 * 60 + 30)!
        let calendar = ClinicianCalendar(clinicianID: clinician, weekly: weekly,
                                         busy: [BusyTime(interval: Interval(start: clash, end: clash.addingTimeInterval(3000)))])
        let planner = WeeklySeriesPlanner(zone: toronto)
        let now = utc("2026-12-01T00:00:00Z")
        let refused = planner.plan(kind: kind, firstDate: date("2026-12-07"), time: LocalTime(hhmm: "10:00")!, count: 16,
                                   calendar: calendar, resolution: .refuse, now: now)
        #expect(refused.count == 16)
        #expect(refused.filter(\.hasConflict).map(\.number) == [11])
        #expect(refused[10].planned == nil)
        #expect(refused.allSatisfy { $0.usual.map { toronto.wallClock(of: $0.start).minuteOfDay } == 600 })

        let moved = planner.plan(kind: kind, firstDate: date("2026-12-07"), time: LocalTime(hhmm: "10:00")!, count: 16,
                                 calendar: calendar, resolution: .moveConflicts, now: now)
        let eleventh = moved[10]
        #expect(eleventh.isMoved)
        let newStart = try! #require(eleventh.planned?.start)
        #expect(toronto.localDate(of: newStart).startOfWeek == date("2027-02-15"), "moved within the same week")
        #expect(!kind.occupied(at: newStart).overlaps(Interval(start: clash, end: clash.addingTimeInterval(3000))))
        #expect(moved.filter(\.isMoved).count == 1)
        // Spring forward falls in week 15 (14 Mar 2027 is a Sunday, week 15 starts 15 Mar): still 10:00.
        #expect(toronto.wallClock(of: moved[14].planned!.start).minuteOfDay == 600)
    }

    @Test func sliding_scale_rounds_to_the_cent_in_the_clients_favour() {
        let schedule = FeeSchedule(prices: [.init(tier: .reduced, kindCode: "ipt"): Money(cents: 6_001, currency: "CAD")])
        #expect(schedule.fee(tier: .reduced, kindCode: "ipt")?.cents == 6_001)
        #expect(schedule.fee(tier: .reduced, kindCode: "ipt", reductionPercent: 50)?.cents == 3_000, "30.005 goes down")
        #expect(schedule.fee(tier: .reduced, kindCode: "ipt", reductionPercent: 100)?.cents == 0)
        #expect(schedule.fee(tier: .reduced, kindCode: "ipt", reductionPercent: 150)?.cents == 0)
        #expect(schedule.fee(tier: .full, kindCode: "ipt") == nil)
    }

    @Test func dollar_amounts_typed_by_staff_become_cents_or_are_refused() {
        #expect(Money.cents(fromDollars: "120") == 12_000)
        #expect(Money.cents(fromDollars: "95.5") == 9_550)
        #expect(Money.cents(fromDollars: " $1,200.05 ") == 120_005)
        #expect(Money.cents(fromDollars: "0") == 0)
        for bad in ["", "-5", "12.345", "12.", "abc", "1e3", "١٢٠", "99999999"] {
            #expect(Money.cents(fromDollars: bad) == nil, "\(bad)")
        }
    }

    @Test func cancellation_inside_the_window_is_late() {
        let policy = CancellationPolicy(noticeHours: 24, lateFee: Money(cents: 4000))
        let start = utc("2026-12-10T15:00:00Z")
        #expect(policy.outcome(cancellingAt: start.addingTimeInterval(-24 * 3600), appointmentStart: start) == .withinPolicy)
        #expect(policy.outcome(cancellingAt: start.addingTimeInterval(-24 * 3600 + 1), appointmentStart: start) == .late(fee: Money(cents: 4000)))
        #expect(policy.outcome(cancellingAt: start, appointmentStart: start) == .tooLate)
    }

    @Test func reminders_go_at_48_and_24_hours_and_never_both_at_once() {
        let start = utc("2026-12-10T15:00:00Z")
        let booked = start.addingTimeInterval(-7 * 86_400)
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-49 * 3600), start: start, bookedAt: booked, alreadySent: []) == [])
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-47 * 3600), start: start, bookedAt: booked, alreadySent: []) == [48])
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-47 * 3600), start: start, bookedAt: booked, alreadySent: [48]) == [])
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-23 * 3600), start: start, bookedAt: booked, alreadySent: [48]) == [24])
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-23 * 3600), start: start, bookedAt: booked, alreadySent: []) == [24])
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-23 * 3600), start: start, bookedAt: booked, alreadySent: [24]) == [])
        let lastMinute = start.addingTimeInterval(-30 * 3600)
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-29 * 3600), start: start, bookedAt: lastMinute, alreadySent: []) == [])
        #expect(ReminderSchedule.due(now: start.addingTimeInterval(-23 * 3600), start: start, bookedAt: lastMinute, alreadySent: []) == [24])
    }

    @Test func waitlist_preferences_match_day_and_part_of_day() {
        let pref = WaitlistPreference(days: [.tuesday, .thursday], parts: [.evening])
        #expect(pref.accepts(toronto.instant(date("2026-12-01"), 18 * 60)!, in: toronto))
        #expect(!pref.accepts(toronto.instant(date("2026-12-01"), 10 * 60)!, in: toronto))
        #expect(!pref.accepts(toronto.instant(date("2026-12-02"), 18 * 60)!, in: toronto))
        #expect(WaitlistPreference().accepts(toronto.instant(date("2026-12-02"), 3 * 60)!, in: toronto))
        let stored = WaitlistPreference(storedDays: pref.storedDays, storedParts: pref.storedParts)
        #expect(stored == pref)
    }
}

@Suite struct ICalendarTests {
    @Test func events_are_escaped_folded_and_in_utc() {
        let event = ICalendarEvent(uid: "a1@clinic.example", start: utc("2026-12-01T15:00:00Z"), end: utc("2026-12-01T15:50:00Z"),
                                   summary: "IPT session; room 2, Toronto\\East",
                                   description: String(repeating: "é", count: 60) + "\nline two")
        let text = ICalendarWriter.document([event], stamp: utc("2026-11-27T00:00:00Z"))
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        #expect(text.contains("DTSTART:20261201T150000Z\r\n"))
        #expect(text.contains("SUMMARY:IPT session\\; room 2\\, Toronto\\\\East\r\n"))
        for line in text.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 75, "line too long: \(line)")
        }
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare line feeds")
        let unfolded = text.replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("DESCRIPTION:" + String(repeating: "é", count: 60) + "\\nline two"))
    }
}
