import IPTCore
import Plot

/// The staff calendar for one day or one week: a row per clinician, a cell per day, each
/// appointment linked to its own page. Names, types and statuses only, never clinical content,
/// so the front desk can work from it.
public enum CalendarPage {
    public struct Entry: Sendable, Equatable {
        public var appointmentID: String
        /// The status as the stylesheet names it.
        public var statusClass: String
        public var time: String
        /// The client's name, or "Blocked" / "No client".
        public var who: String
        /// The appointment type, or the label of blocked time.
        public var what: String
        public var status: String

        public init(appointmentID: String, statusClass: String, time: String, who: String, what: String, status: String) {
            self.appointmentID = appointmentID
            self.statusClass = statusClass
            self.time = time
            self.who = who
            self.what = what
            self.status = status
        }
    }

    public struct Row: Sendable, Equatable {
        public var name: String
        /// One list per day shown, in the order of `Model.days`.
        public var days: [[Entry]]

        public init(name: String, days: [[Entry]]) {
            self.name = name
            self.days = days
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
        public var rows: [Row]

        public init(clinicians: [(value: String, label: String)], offersEveryone: Bool, clinician: String, date: LocalDate, today: LocalDate,
                    isDay: Bool, days: [LocalDate], zoneName: String, managesAll: Bool, rows: [Row]) {
            self.clinicians = clinicians
            self.offersEveryone = offersEveryone
            self.clinician = clinician
            self.date = date
            self.today = today
            self.isDay = isDay
            self.days = days
            self.zoneName = zoneName
            self.managesAll = managesAll
            self.rows = rows
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let first = model.days.first ?? model.date
        let viewName = model.isDay ? "day" : "week"
        let step = model.isDay ? 1 : 7
        func link(_ day: LocalDate, view: String) -> String {
            SitePath.calendar.link(query: ["view": view, "date": day.description, "clinician": model.clinician])
        }
        return .group(
            .h1(.text("Calendar")),
            .form(.class("form inline-form filters"), .method(.get), .action(SitePath.calendar.link),
                  FormViews.select(name: "clinician", label: "Clinician",
                                   options: (model.offersEveryone ? [("all", "Everyone I can see")] : []) + model.clinicians,
                                   selected: model.clinician, error: nil),
                  FormViews.textField(name: "date", label: "Date", value: model.date.description, error: nil, type: .date, maxLength: 10),
                  FormViews.select(name: "view", label: "View", options: [("week", "Week"), ("day", "Day")], selected: viewName, error: nil),
                  .button(.class("button secondary"), .type(.submit), .text("Show"))),
            .nav(.class("pagination"), .ariaLabel("Dates"),
                 .a(.href(link(first.adding(days: -step), view: viewName)), .text(model.isDay ? "Previous day" : "Previous week")),
                 .a(.href(link(model.today, view: viewName)), .text("Today")),
                 .a(.href(link(first.adding(days: step), view: viewName)), .text(model.isDay ? "Next day" : "Next week"))),
            .p(.a(.class("button"), .href(SitePath.appointmentNew.link), .text("New appointment")), .text(" "),
               .a(.class("button secondary"), .href(SitePath.calendarBlock.link), .text("Block time")), .text(" "),
               .a(.class("button secondary"), .href(SitePath.availability.link), .text("Hours")), .text(" "),
               .if(model.managesAll, .a(.class("button secondary"), .href(SitePath.waitlistAdmin.link), .text("Waitlist")))),
            .p(.class("small"), .text("Times in \(model.zoneName).")),
            TableViews.scrollable(captionID: "calendar-caption", .table(
                .class("data-table calendar"),
                .caption(.id("calendar-caption"), .text(model.isDay ? DateDisplay.day(first) : "Week of \(DateDisplay.day(first))")),
                .thead(.tr(.th(.text("Clinician")), .forEach(model.days) { day in
                    .th(.attribute(named: "scope", value: "col"), .a(.href(link(day, view: "day")), .text(DateDisplay.shortDay(day))))
                })),
                .tbody(.forEach(model.rows) { row in
                    .tr(.th(.attribute(named: "scope", value: "row"), .text(row.name)),
                        .forEach(row.days) { cell in
                            .td(.if(cell.isEmpty, .span(.class("muted"), .text("Free"))),
                                .ul(.class("calendar-cell"), .forEach(cell) { entry in
                                    .li(.class("appt \(entry.statusClass)"),
                                        .a(.href(SitePath.appointment.link(entry.appointmentID)), .text("\(entry.time) "), .text(entry.who)),
                                        .span(.class("small"), .text(" \(entry.what) (\(entry.status))")))
                                }))
                        })
                })
            ))
        )
    }
}
