import Foundation
import IPTCore
import IPTPages

/// Lays the calendar's appointments, working hours and time off out as grid columns: one per
/// clinician on a day view, one per day on a week view. Everything is turned into wall-clock
/// minutes of the column's date, clamped to that date, so a block that spans midnight shows on
/// both days.
struct CalendarGrid {
    let setup: BookingSetup
    let now: Date
    let appointments: [SchedulingQueries.CalendarEntry]
    let calendars: [ClinicianCalendar]

    func columns(_ clinicians: [CalendarOwner], days: [LocalDate], isDay: Bool, filter: String) -> [CalendarPage.Column] {
        let zone = setup.zone
        let today = zone.localDate(of: now)
        return clinicians.flatMap { member in
            days.map { day in
                let id = member.id
                let heading = isDay ? member.name : DateDisplay.shortDay(day)
                let link = isDay
                    ? SitePath.calendar.link(query: ["view": "week", "date": day.description, "clinician": id.uuidString])
                    : SitePath.calendar.link(query: ["view": "day", "date": day.description, "clinician": filter])
                return CalendarPage.Column(
                    heading: heading, headingLink: link, clinicianID: id.uuidString, date: day, isToday: day == today,
                    hours: hours(of: id, on: day), timeOff: timeOff(of: id, on: day), entries: entries(of: id, on: day))
            }
        }
    }

    /// An instant as minutes of the day `bounds` spans: 0 before it starts, 1440 after it ends.
    /// The bounds are worked out once per column: the time zone's arithmetic for them, twice for
    /// every instant, was about 4% of everyone's day under load.
    private func minute(_ instant: Date, within bounds: Interval) -> Int {
        if instant <= bounds.start { return 0 }
        if instant >= bounds.end { return 1440 }
        return setup.zone.wallClock(of: instant).minuteOfDay
    }

    private func dayInterval(_ day: LocalDate) -> Interval {
        Interval(start: setup.zone.startOfDay(day), end: setup.zone.startOfDay(day.adding(days: 1)))
    }

    private func hours(of id: UUID, on day: LocalDate) -> [CalendarPage.Span] {
        guard let calendar = calendars.first(where: { $0.clinicianID == id }) else { return [] }
        let bounds = dayInterval(day)
        return SlotFinder(zone: setup.zone, rules: setup.rules).workingHours(of: calendar, on: day).map {
            CalendarPage.Span(startMinute: minute($0.start, within: bounds), endMinute: minute($0.end, within: bounds))
        }
    }

    private func timeOff(of id: UUID, on day: LocalDate) -> [CalendarPage.Span] {
        let bounds = dayInterval(day)
        return (calendars.first { $0.clinicianID == id }?.exceptions ?? [])
            .filter { $0.kind == .unavailable && $0.interval.overlaps(bounds) }
            .map { CalendarPage.Span(startMinute: minute($0.interval.start, within: bounds), endMinute: minute($0.interval.end, within: bounds)) }
    }

    private func entries(of id: UUID, on day: LocalDate) -> [CalendarPage.Entry] {
        let bounds = dayInterval(day)
        let zone = setup.zone
        return appointments.filter { $0.staffID == id && Interval(start: $0.startsAt, end: max($0.endsAt, $0.startsAt)).overlaps(bounds) }
            .filter { !SchedulingQueries.isLapsedHold(status: $0.status, holdExpiresAt: $0.holdExpiresAt, now: now) }
            .map { appointment in
                let isBlock = appointment.status == Appointment.Status.blocked
                return CalendarPage.Entry(
                    appointmentID: appointment.id.uuidString, statusClass: appointment.status.rawValue,
                    startMinute: minute(appointment.startsAt, within: bounds), endMinute: minute(appointment.endsAt, within: bounds),
                    time: DateDisplay.time(appointment.startsAt, zone: zone),
                    who: appointment.clientName ?? (isBlock ? "Blocked" : "No client"),
                    what: setup.kind(appointment.typeCode)?.name ?? (appointment.blockNote ?? ""), status: appointment.status.label,
                    typeIndex: isBlock ? nil : setup.kinds.firstIndex { $0.code == appointment.typeCode },
                    occupies: appointment.status.occupiesTime,
                    movable: appointment.status.isChangeable && appointment.startsAt > now)
            }
    }
}
