import IPTCore
import Plot

/// The staff calendar as a time grid: hours down the side, one column per clinician (day view) or
/// per day (week view). Appointments are blocks placed by start and sized by duration; the
/// clinician's working hours are shaded, time off and blocked time drawn, today and "now" marked,
/// and every free quarter hour is a link to the new-appointment form for that time. On a phone the
/// same data is an agenda list. Names, types and statuses only, never clinical content, so the
/// front desk can work from it.
///
/// The style policy forbids inline styles, so the grid is built from CSS grid rows of five minutes
/// each and generated classes (`cal-at-N` starts at row N, `cal-span-N` covers N rows) defined in
/// site.css: the grid is right without JavaScript; calendar.js only adds dragging and instant filters.
public enum CalendarPage {
    /// Minutes per grid row; site.css defines `cal-at-1...289` and `cal-span-1...288` to match.
    public static let rowMinutes = 5
    /// Minutes per bookable empty slot link.
    public static let slotMinutes = 15

    public struct Entry: Sendable, Equatable {
        public var appointmentID: String
        /// The status as the stylesheet names it (`confirmed`, `blocked`, ...).
        public var statusClass: String
        /// Minutes since the start of the column's day, clamped to the day.
        public var startMinute: Int
        public var endMinute: Int
        public var time: String
        /// The client's name, or "Blocked" / "No client".
        public var who: String
        /// The appointment type, or the label of blocked time.
        public var what: String
        public var status: String
        /// The colour of the type: its place in the legend, nil for blocked time.
        public var typeIndex: Int?
        /// Whether it still holds its time (a cancelled one does not, and is drawn faded).
        public var occupies: Bool
        /// Whether it can be dragged to another time (still changeable and not past).
        public var movable: Bool

        public init(appointmentID: String, statusClass: String, startMinute: Int, endMinute: Int, time: String, who: String, what: String,
                    status: String, typeIndex: Int?, occupies: Bool = true, movable: Bool = false) {
            self.appointmentID = appointmentID
            self.statusClass = statusClass
            self.startMinute = startMinute
            self.endMinute = endMinute
            self.time = time
            self.who = who
            self.what = what
            self.status = status
            self.typeIndex = typeIndex
            self.occupies = occupies
            self.movable = movable
        }
    }

    /// A span of one day in minutes since midnight, with what it is.
    public struct Span: Sendable, Equatable {
        public var startMinute: Int
        public var endMinute: Int
        public var label: String

        public init(startMinute: Int, endMinute: Int, label: String = "") {
            self.startMinute = startMinute
            self.endMinute = endMinute
            self.label = label
        }
    }

    /// One column of the grid: a clinician on a date.
    public struct Column: Sendable, Equatable {
        public var heading: String
        /// Where the heading leads: the clinician's week (day view) or that day (week view).
        public var headingLink: String
        public var clinicianID: String
        public var date: LocalDate
        public var isToday: Bool
        /// Working hours of that date, after time off and extra hours.
        public var hours: [Span]
        public var timeOff: [Span]
        public var entries: [Entry]

        public init(heading: String, headingLink: String, clinicianID: String, date: LocalDate, isToday: Bool, hours: [Span], timeOff: [Span],
                    entries: [Entry]) {
            self.heading = heading
            self.headingLink = headingLink
            self.clinicianID = clinicianID
            self.date = date
            self.isToday = isToday
            self.hours = hours
            self.timeOff = timeOff
            self.entries = entries
        }
    }

    /// Which of everyone's calendars a day view shows, when there are more than fit side by side.
    public struct ColumnPage: Sendable, Equatable {
        /// 1-based positions of the first and last clinician shown, of `total`.
        public var first: Int
        public var last: Int
        public var total: Int
        /// The page number, kept by the date links so paging through days stays on these clinicians.
        public var number: Int
        public var previous: String?
        public var next: String?

        public init(first: Int, last: Int, total: Int, number: Int, previous: String?, next: String?) {
            self.first = first
            self.last = last
            self.total = total
            self.number = number
            self.previous = previous
            self.next = next
        }
    }

    public struct Model: Sendable {
        /// The clinicians this person may look at, as (id, name).
        public var clinicians: [(value: String, label: String)]
        /// Whether "Everyone I can see" is offered in the clinician filter.
        public var offersEveryone: Bool
        /// The clinician filter as chosen: an id or "all".
        public var clinician: String
        public var date: LocalDate
        public var today: LocalDate
        public var isDay: Bool
        /// The days shown, the first of them the start of the view.
        public var days: [LocalDate]
        public var zoneName: String
        /// The waitlist link shows to those who manage every calendar.
        public var managesAll: Bool
        /// The week view shows one clinician; this is the one shown (their id).
        public var weekClinician: String?
        public var columns: [Column]
        /// The appointment types in legend order (their colours follow this order).
        public var types: [String]
        /// The clinic's wall-clock minute now, to mark "now" in today's column and keep past slots unbookable.
        public var nowMinute: Int
        public var csrfToken: String
        /// Set when everyone's day has more clinicians than one page shows.
        public var columnPage: ColumnPage?

        public init(clinicians: [(value: String, label: String)], offersEveryone: Bool, clinician: String, date: LocalDate, today: LocalDate,
                    isDay: Bool, days: [LocalDate], zoneName: String, managesAll: Bool, weekClinician: String?, columns: [Column],
                    types: [String], nowMinute: Int, csrfToken: String, columnPage: ColumnPage? = nil) {
            self.clinicians = clinicians
            self.offersEveryone = offersEveryone
            self.clinician = clinician
            self.date = date
            self.today = today
            self.isDay = isDay
            self.days = days
            self.zoneName = zoneName
            self.managesAll = managesAll
            self.weekClinician = weekClinician
            self.columns = columns
            self.types = types
            self.nowMinute = nowMinute
            self.csrfToken = csrfToken
            self.columnPage = columnPage
        }

        /// The hours the grid shows: 8:00 to 18:00 at least, widened to whole hours around every
        /// working hour and appointment.
        public var shownMinutes: (first: Int, last: Int) {
            let spans = columns.flatMap { $0.hours.map { ($0.startMinute, $0.endMinute) } + $0.entries.map { ($0.startMinute, $0.endMinute) } }
            let first = min(8 * 60, spans.map(\.0).min() ?? 8 * 60) / 60 * 60
            let last = (max(18 * 60, spans.map(\.1).max() ?? 18 * 60) + 59) / 60 * 60
            return (first, min(last, 1440))
        }
    }

    /// The classes that place something from `start` to `end` (minutes) on a grid that begins at `first`.
    public static func placement(_ start: Int, _ end: Int, first: Int, last: Int) -> String {
        let from = max(start, first), until = min(max(end, from + rowMinutes), last)
        let row = (from - first) / rowMinutes + 1
        let span = max(1, (until - from + rowMinutes - 1) / rowMinutes)
        return "cal-at-\(row) cal-span-\(span)"
    }

    static func minuteText(_ minute: Int) -> String { LocalTime(minuteOfDay: minute)?.description ?? "24:00" }
    static func spoken(_ minute: Int) -> String { LocalTime(minuteOfDay: minute)?.spoken ?? "midnight" }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let first = model.days.first ?? model.date
        let viewName = model.isDay ? "day" : "week"
        let step = model.isDay ? 1 : 7
        func link(_ day: LocalDate, view: String) -> String {
            SitePath.calendar.link(query: ["view": view, "date": day.description, "clinician": model.clinician,
                                           "page": model.columnPage.map { String($0.number) }])
        }
        return .group(
            .h1(.text("Calendar")),
            .details(.class("cal-filters"), .attribute(named: "open", value: "open"),
                     .summary(.text("Clinician, date and view")),
                     .form(.class("form inline-form filters"), .method(.get), .action(SitePath.calendar.link),
                           FormViews.select(name: "clinician", label: "Clinician",
                                            options: (model.offersEveryone ? [("all", "Everyone I can see")] : []) + model.clinicians,
                                            selected: model.clinician, error: nil),
                           FormViews.textField(name: "date", label: "Date", value: model.date.description, error: nil, type: .date, maxLength: 10),
                           FormViews.select(name: "view", label: "View", options: [("day", "Day"), ("week", "Week")], selected: viewName, error: nil),
                           .unwrap(model.columnPage) { .input(.type(.hidden), .name("page"), .value(String($0.number))) },
                           .button(.class("button secondary cal-show"), .type(.submit), .text("Show")))),
            .nav(.class("pagination cal-nav"), .ariaLabel("Dates"),
                 .a(.href(link(first.adding(days: -step), view: viewName)), .text(model.isDay ? "Previous day" : "Previous week")),
                 .a(.href(link(model.today, view: viewName)), .text("Today")),
                 .a(.href(link(first.adding(days: step), view: viewName)), .text(model.isDay ? "Next day" : "Next week"))),
            .p(.class("cal-actions"),
               .a(.class("button"), .href(SitePath.appointmentNew.link), .text("New appointment")), .text(" "),
               .a(.class("button secondary"), .href(SitePath.calendarBlock.link), .text("Block time")), .text(" "),
               .a(.class("button secondary"), .href(SitePath.availability.link), .text("Hours")), .text(" "),
               .if(model.managesAll, .a(.class("button secondary"), .href(SitePath.waitlistAdmin.link), .text("Waitlist")))),
            switcher(model),
            .h2(.id("cal-caption"), .class("cal-caption"),
                .text(model.isDay ? DateDisplay.day(first) : "Week of \(DateDisplay.day(first))"),
                .unwrap(model.isDay ? nil : model.clinicians.first(where: { $0.value == model.weekClinician })?.label) { .text(", \($0)") }),
            columnPager(model),
            .p(.class("small"), .text("Times in \(model.zoneName)."),
               .span(.class("cal-hint"), .text(" Choose an empty time to book it; drag an appointment to move it, or open it to use its forms."))),
            legend(model),
            .div(.class("cal-alert"), .id("cal-alert"), .attribute(named: "role", value: "status"), .attribute(named: "aria-live", value: "polite")),
            grid(model),
            agenda(model),
            columnPager(model, label: "More clinicians"),
            .script(.src("/js/calendar.js"), .attribute(named: "defer", value: "defer"))
        )
    }

    /// The week shows one clinician at a time: seven days of several calendars side by side are
    /// too narrow to read or to drop on. A receptionist answering "when is Daniel free this week?"
    /// wants one calendar; these links switch it in one click, and the day view shows everyone.
    /// Beyond this many clinicians the links would be screens of names (193 in a large clinic):
    /// the Clinician list in the form above chooses among them in two clicks instead.
    public static let switcherMaxLinks = 16

    private static func switcher(_ model: Model) -> Node<HTML.BodyContext> {
        // A plain `guard`, not Plot's `.if`, which would build every link before deciding.
        guard !model.isDay, (2...switcherMaxLinks).contains(model.clinicians.count) else { return .empty }
        return .nav(.class("cal-switcher"), .ariaLabel("Clinician shown this week"),
                    .ul(.forEach(model.clinicians) { clinician in
                        .li(.a(.href(SitePath.calendar.link(query: ["view": "week", "date": model.date.description, "clinician": clinician.value])),
                               .if(clinician.value == model.weekClinician, .attribute(named: "aria-current", value: "true")),
                               .text(clinician.label)))
                    }))
    }

    /// Everyone's day in a large clinic: a page of clinicians at a time, each page one link away,
    /// rather than dozens of columns too narrow to read (and a page that grows with the staff).
    /// Shown above the grid and again below it, where a phone's long agenda ends.
    private static func columnPager(_ model: Model, label: String = "Clinicians shown") -> Node<HTML.BodyContext> {
        .unwrap(model.columnPage) { page in
            .nav(.class("pagination cal-pages"), .ariaLabel(label),
                 .span(.class("cal-pages-count"), .text("Clinicians \(page.first) to \(page.last) of \(page.total)")),
                 .unwrap(page.previous) { .a(.href($0), .attribute(named: "rel", value: "prev"), .text("Previous clinicians")) },
                 .unwrap(page.next) { .a(.href($0), .attribute(named: "rel", value: "next"), .text("Next clinicians")) })
        }
    }

    private static func legend(_ model: Model) -> Node<HTML.BodyContext> {
        let statuses: [(String, String)] = [("confirmed", "Confirmed"), ("pending", "Held, requested or offered"), ("attended", "Attended"),
                                            ("no_show", "No-show"), ("cancelled", "Cancelled (time free again)"), ("blocked", "Blocked time")]
        return .div(.class("cal-legend"),
                    .h2(.class("visually-hidden"), .text("Legend")),
                    .ul(escapedAttribute("aria-label", "Appointment types"),
                        .forEach(Array(model.types.enumerated())) { index, name in
                            .li(.span(.class("cal-swatch cal-type-\(index % 6 + 1)"), .ariaHidden(true)), .text(name))
                        }),
                    .ul(escapedAttribute("aria-label", "Statuses and shading"),
                        .forEach(statuses) { code, label in .li(.span(.class("cal-swatch cal-st-\(code)"), .ariaHidden(true)), .text(label)) },
                        .li(.span(.class("cal-swatch cal-swatch-hours"), .ariaHidden(true)), .text("Working hours")),
                        .li(.span(.class("cal-swatch cal-swatch-out"), .ariaHidden(true)), .text("Outside working hours")),
                        .li(.span(.class("cal-swatch cal-swatch-off"), .ariaHidden(true)), .text("Time off"))))
    }

    private static func grid(_ model: Model) -> Node<HTML.BodyContext> {
        let (first, last) = model.shownMinutes
        let rows = (last - first) / rowMinutes
        let hours = Array(stride(from: first, to: last, by: 60))
        return .div(
            .class("cal-scroll"), .attribute(named: "role", value: "region"), .attribute(named: "aria-labelledby", value: "cal-caption"),
            .attribute(named: "tabindex", value: "0"),
            .div(.class("cal-grid"), escapedAttribute("data-csrf", model.csrfToken),
                 .div(.class("cal-axis"), .ariaHidden(true),
                      .div(.class("cal-head")),
                      .div(.class("cal-track"),
                           .forEach(hours) { hour in .span(.class("cal-hour \(placement(hour, hour + 60, first: first, last: last))"), .text(spoken(hour))) })),
                 .forEach(model.columns) { column($0, model: model, first: first, last: last, rows: rows) }))
    }

    private static func column(_ column: Column, model: Model, first: Int, last: Int, rows: Int) -> Node<HTML.BodyContext> {
        let isPast = column.date < model.today
        let busy = column.entries.filter(\.occupies)
        let slots = stride(from: first, to: last, by: slotMinutes).filter { start in
            !(isPast || (column.date == model.today && start < model.nowMinute))
                && !busy.contains { $0.startMinute < start + slotMinutes && $0.endMinute > start }
        }
        let lanes = laneClasses(column.entries)
        let hoursText = column.hours.isEmpty ? "No hours this day"
            : column.hours.map { "\(spoken($0.startMinute)) to \(spoken($0.endMinute))" }.joined(separator: ", ")
        return .section(
            .class("cal-col" + (column.isToday ? " cal-today" : "") + (column.hours.isEmpty ? " cal-nohours" : "")),
            .ariaLabel(column.heading),
            .div(.class("cal-head"),
                 .h3(.a(.href(column.headingLink), .text(column.heading))),
                 .p(.class(column.hours.isEmpty ? "cal-hours-text cal-none" : "cal-hours-text"),
                    .if(column.isToday, .strong(.class("cal-today-tag"), .text("Today "))), .text(hoursText))),
            .div(.class("cal-track"), escapedAttribute("data-date", column.date.description), escapedAttribute("data-clinician", column.clinicianID),
                 escapedAttribute("data-first", "\(first)"), escapedAttribute("data-rows", "\(rows)"),
                 .div(.class("cal-bg \(placement(first, last, first: first, last: last))"), .ariaHidden(true)),
                 .forEach(column.hours) { span in .div(.class("cal-work \(placement(span.startMinute, span.endMinute, first: first, last: last))"), .ariaHidden(true)) },
                 .forEach(column.timeOff) { span in
                     .div(.class("cal-off \(placement(span.startMinute, span.endMinute, first: first, last: last))"),
                          .text(span.label.isEmpty ? "Time off" : "Time off: \(span.label)"))
                 },
                 slotLinks(column, slots: slots, first: first, last: last),
                 .if(column.date == model.today && model.nowMinute >= first && model.nowMinute < last,
                     .div(.class("cal-now \(placement(model.nowMinute, model.nowMinute + 1, first: first, last: last))"), .span(.text("Now")))),
                 blocks(column.entries, lanes: lanes, first: first, last: last)))
    }

    /// A column's free quarter hours, each a link to book it. Written by `MarkupWriter`: everyone's
    /// day has 300 to 400 of them, and as Plot nodes they were most of the page's rendering.
    private static func slotLinks(_ column: Column, slots: [Int], first: Int, last: Int) -> Node<HTML.BodyContext> {
        var writer = MarkupWriter(capacity: slots.count * 280)
        // What every link of the column shares is built and escaped once; each adds its time.
        let form = MarkupWriter.Escaped(SitePath.appointmentNew.link(query: ["clinician": column.clinicianID, "date": column.date.description,
                                                                              "time": ""]))
        let label = MarkupWriter.Escaped("Book \(column.heading), \(DateDisplay.shortDay(column.date)) at ")
        for start in slots {
            let outside = !column.hours.contains { $0.startMinute <= start && $0.endMinute > start }
            let time = spoken(start)
            writer.begin("a")
            writer.attribute("class", "cal-slot " + placement(start, start + slotMinutes, first: first, last: last) + (outside ? " cal-slot-out" : ""))
            writer.attribute("href", SitePath.encode(minuteText(start)), after: form)
            writer.attribute("aria-label", time, after: label)
            writer.end()
            writer.element("span", text: "+ " + time)
            writer.close("a")
        }
        return writer.node()
    }

    /// A column's appointments and blocked time, placed by start and length. Written by
    /// `MarkupWriter` like the free times: everyone's day draws dozens of them.
    private static func blocks(_ entries: [Entry], lanes: [String], first: Int, last: Int) -> Node<HTML.BodyContext> {
        var writer = MarkupWriter(capacity: entries.count * 480)
        for (entry, lane) in zip(entries, lanes) {
            let statusStyle = ["held", "requested", "offered"].contains(entry.statusClass) ? "pending" : entry.statusClass
            let type = entry.typeIndex.map { "cal-type-\($0 % 6 + 1)" } ?? "cal-type-none"
            let classes = ["cal-appt", type, "cal-st-\(statusStyle)", lane, placement(entry.startMinute, entry.endMinute, first: first, last: last),
                           entry.movable ? "cal-movable" : ""].filter { !$0.isEmpty }.joined(separator: " ")
            let href = SitePath.appointment.link(entry.appointmentID)
            let title = "\(entry.time), \(entry.who), \(entry.what), \(entry.status)"
            if entry.movable {
                writer.open("a", ["class": classes, "href": href, "data-move": SitePath.appointmentMove.link(entry.appointmentID), "draggable": "false",
                                  "data-start": "\(entry.startMinute)", "data-end": "\(entry.endMinute)", "title": title])
            } else {
                writer.open("a", ["class": classes, "href": href, "data-start": "\(entry.startMinute)", "data-end": "\(entry.endMinute)", "title": title])
            }
            // The status shares the first line with the time, so even a short block shows it in words.
            writer.open("span", ["class": "cal-appt-line"])
            writer.element("span", ["class": "cal-appt-time"], text: entry.time)
            writer.text(" ")
            writer.element("span", ["class": "cal-appt-status"], text: entry.status)
            writer.close("span")
            writer.text(" ")
            writer.element("strong", text: entry.who)
            writer.text(" ")
            writer.element("span", ["class": "cal-appt-what"], text: entry.what)
            writer.close("a")
        }
        return writer.node()
    }

    /// Overlapping appointments share the column side by side: each gets a lane within its group
    /// of overlaps (up to three; more stack on the last lane).
    public static func laneClasses(_ entries: [Entry]) -> [String] {
        var result = [String](repeating: "", count: entries.count)
        let order = entries.indices.sorted { entries[$0].startMinute < entries[$1].startMinute }
        var group: [(index: Int, lane: Int)] = []
        var groupEnd = -1
        func flush() {
            let count = min(3, (group.map(\.lane).max() ?? 0) + 1)
            for member in group { result[member.index] = count == 1 ? "" : "cal-lane-\(min(member.lane, count - 1))-of-\(count)" }
            group = []
        }
        var laneEnds: [Int] = []
        for index in order {
            let entry = entries[index]
            if entry.startMinute >= groupEnd { flush(); laneEnds = [] }
            let lane = laneEnds.firstIndex { $0 <= entry.startMinute } ?? laneEnds.count
            if lane == laneEnds.count { laneEnds.append(entry.endMinute) } else { laneEnds[lane] = entry.endMinute }
            group.append((index, lane))
            groupEnd = max(groupEnd, entry.endMinute)
        }
        flush()
        return result
    }

    /// The phone's view: the same appointments as a list, by column, in time order.
    private static func agenda(_ model: Model) -> Node<HTML.BodyContext> {
        .div(.class("cal-agenda"),
             .forEach(model.columns) { column in
                 .section(.h3(.text(column.heading), .if(column.isToday, .text(" (today)"))),
                          .if(column.hours.isEmpty, .p(.class("cal-none"), .text("No hours this day."))),
                          .if(column.entries.isEmpty && !column.hours.isEmpty, .p(.class("muted"), .text("No appointments."))),
                          .ul(.class("cal-agenda-list"), .forEach(column.entries) { entry in
                              .li(.class("cal-st-\(entry.statusClass)"),
                                  .span(.class("cal-agenda-time"), .text(entry.time)), .text(" "),
                                  .a(.href(SitePath.appointment.link(entry.appointmentID)), .text(entry.who)),
                                  .span(.class("small"), .text(" \(entry.what), \(entry.status)")))
                          }))
             })
    }
}
