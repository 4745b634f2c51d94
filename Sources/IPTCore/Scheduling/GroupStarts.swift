import Foundation

/// The times at which at least one clinician of a group is free, reading the group's appointments
/// only as far as they can still change the answer.
///
/// A group's booking page shows one chip per start time, whoever is free at it. Reading every
/// calendar of a large team for that (193 registered psychotherapists, 8,400 appointments in a
/// week) was most of the page's time, although after a few dozen calendars every time anyone
/// could offer was usually found. An appointment only ever takes a time away from its clinician
/// (it covers the time, or counts toward their daily limit), so what a clinician could offer if
/// nothing were booked holds everything they can offer. Calendars are read a batch at a time, the
/// widest hours first; before each batch, a clinician whose every possible time is already found
/// is passed over, since their appointments cannot add a time.
public struct GroupStarts: Sendable {
    public let finder: SlotFinder
    public let batchSize: Int

    public init(finder: SlotFinder, batchSize: Int) {
        self.finder = finder
        self.batchSize = max(batchSize, 1)
    }

    /// Every start from `from` through `through` at which one of the clinicians of `hours` (their
    /// calendars without appointments) is free once `busy` (which reads the busy times of the
    /// clinicians it is given, by clinician) is taken into account.
    public func starts(kind: AppointmentKind, hours: [ClinicianCalendar], from: LocalDate, through: LocalDate, now: Date,
                       busy: ([UUID]) async throws -> [UUID: [BusyTime]]) async rethrows -> Set<Date> {
        var pending = hours.enumerated().map { index, calendar in
            (index: index, calendar: calendar,
             possible: Set(finder.slots(kind: kind, calendars: [calendar], from: from, through: through, now: now).map(\.start)))
        }
        .filter { !$0.possible.isEmpty }
        .sorted { ($0.possible.count, $1.index) > ($1.possible.count, $0.index) }
        var found = Set<Date>()
        while !pending.isEmpty {
            let batch = pending.prefix(batchSize)
            let busyTimes = try await busy(batch.map(\.calendar.clinicianID))
            let calendars = batch.map { entry in
                var calendar = entry.calendar
                calendar.busy = busyTimes[calendar.clinicianID] ?? []
                return calendar
            }
            found.formUnion(finder.slots(kind: kind, calendars: calendars, from: from, through: through, now: now).map(\.start))
            pending = pending.dropFirst(batch.count).filter { !$0.possible.isSubset(of: found) }
        }
        return found
    }
}
