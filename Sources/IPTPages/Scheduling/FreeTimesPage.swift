import IPTCore
import Plot

/// The second step of online booking: a week of days, then the free times of the chosen day as a
/// handful of chips. Every choice is a plain link (?day=, ?week=), so it works without JavaScript;
/// a day with nothing free is shown greyed, with the words "No times".
public enum FreeTimesPage {
    public struct Day: Sendable, Equatable {
        public var date: LocalDate
        /// How many times are free that day; 0 shows the day as unavailable.
        public var freeTimes: Int
        /// Before today: never a link.
        public var isPast: Bool

        public init(date: LocalDate, freeTimes: Int, isPast: Bool = false) {
            self.date = date
            self.freeTimes = freeTimes
            self.isPast = isPast
        }
    }

    public struct Chip: Sendable, Equatable {
        /// "10 a.m."
        public var time: String
        /// The start as seconds since 1970, the value the links carry.
        public var start: String
        /// The one clinician the visitor chose; nil when the time stands for a group (the server
        /// picks who when the person books).
        public var clinicianSlug: String?
        /// Before noon, the afternoon, or from 5 p.m., for the small headings over the chips.
        public var partOfDay: PartOfDay

        public init(time: String, start: String, clinicianSlug: String?, partOfDay: PartOfDay) {
            self.time = time
            self.start = start
            self.clinicianSlug = clinicianSlug
            self.partOfDay = partOfDay
        }
    }

    public enum PartOfDay: Int, Sendable, CaseIterable, Comparable {
        case morning, afternoon, evening

        public init(minuteOfDay: Int) {
            self = minuteOfDay < 12 * 60 ? .morning : minuteOfDay < 17 * 60 ? .afternoon : .evening
        }

        public var label: String {
            switch self {
            case .morning: "Morning"
            case .afternoon: "Afternoon"
            case .evening: "Evening"
            }
        }

        public static func < (lhs: PartOfDay, rhs: PartOfDay) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Model: Sendable {
        public var kindCode: String
        /// "Free 15-minute phone consultation"
        public var kindName: String
        /// "15 minutes, by phone, free"
        public var kindFacts: String
        /// The visitor's choice of whom, as the links carry it.
        public var with: String
        /// "any practicum student (reduced-rate clinic)"
        public var who: String
        public var zoneName: String
        /// Monday to Sunday.
        public var week: [Day]
        public var chosenDay: LocalDate
        public var chips: [Chip]
        public var previousWeek: LocalDate?
        public var nextWeek: LocalDate?
        /// The first day with free times after this week, when this week has none.
        public var nextFreeDay: LocalDate?

        public init(kindCode: String, kindName: String, kindFacts: String, with: String, who: String, zoneName: String, week: [Day],
                    chosenDay: LocalDate, chips: [Chip], previousWeek: LocalDate?, nextWeek: LocalDate?, nextFreeDay: LocalDate?) {
            self.kindCode = kindCode
            self.kindName = kindName
            self.kindFacts = kindFacts
            self.with = with
            self.who = who
            self.zoneName = zoneName
            self.week = week
            self.chosenDay = chosenDay
            self.chips = chips
            self.previousWeek = previousWeek
            self.nextWeek = nextWeek
            self.nextFreeDay = nextFreeDay
        }
    }

    public static let title = "Choose a time"

    static func monthDay(_ date: LocalDate) -> String {
        "\(DateDisplay.months[date.month - 1].prefix(3)) \(date.day)"
    }

    static func dayLabel<C: HTML.BodyContext>(_ day: Day) -> Node<C> {
        .group(
            .span(.class("bk-day-name"), .text(String(day.date.weekday.name.prefix(3)))),
            .span(.class("bk-day-date"), .span(.class("bk-day-month"), .text("\(DateDisplay.months[day.date.month - 1].prefix(3)) ")), .text(String(day.date.day))),
            .span(.class("bk-day-count"), .text(day.isPast ? "Past" : day.freeTimes == 0 ? "No times" : day.freeTimes == 1 ? "1 time" : "\(day.freeTimes) times")))
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        func timesLink(day: LocalDate? = nil, week: LocalDate? = nil) -> String {
            SitePath.bookTimes.link(query: ["type": model.kindCode, "with": model.with, "day": day?.description, "week": week?.description])
        }
        let weekHasTimes = model.week.contains { $0.freeTimes > 0 }
        let first = model.week.first?.date ?? model.chosenDay
        let last = model.week.last?.date ?? model.chosenDay
        return .group(
            BookingSteps.view(.time),
            .p(.class("small"), .a(.href(SitePath.book.link(query: ["type": model.kindCode, "with": model.with])), .text("Change what or whom to book"))),
            .h1(.text("Choose a time")),
            .p(.class("lede"), .text("\(model.kindName) with \(model.who): \(model.kindFacts).")),
            .p(.class("small"), .text("Times are in the clinic's time zone: \(model.zoneName).")),
            .nav(
                .class("bk-weeknav"), .ariaLabel("Weeks"),
                .unwrap(model.previousWeek, { .a(.class("bk-weeknav-link"), .href(timesLink(week: $0)),
                                                   .span(.class("bk-arrow"), .attribute(named: "aria-hidden", value: "true"), .text("←")), .text("Previous"), .span(.class("bk-weeknav-word"), .text("\u{00A0}week"))) },
                        else: .span(.class("bk-weeknav-link bk-off"), .text("Previous"), .span(.class("bk-weeknav-word"), .text("\u{00A0}week")))),
                .h2(.class("bk-weeknav-title"), .id("bk-week-title"), .text("\(monthDay(first)) to \(monthDay(last)), \(last.year)")),
                .unwrap(model.nextWeek, { .a(.class("bk-weeknav-link"), .href(timesLink(week: $0)),
                                               .text("Next"), .span(.class("bk-weeknav-word"), .text("\u{00A0}week")), .span(.class("bk-arrow"), .attribute(named: "aria-hidden", value: "true"), .text("→"))) },
                        else: .span(.class("bk-weeknav-link bk-off"), .text("Next"), .span(.class("bk-weeknav-word"), .text("\u{00A0}week"))))
            ),
            .ol(.class("bk-week"), .attribute(named: "aria-labelledby", value: "bk-week-title"), .forEach(model.week) { day in
                .li(day.freeTimes > 0 && !day.isPast
                    ? .a(.class(day.date == model.chosenDay ? "bk-day bk-day-chosen" : "bk-day"), .href(timesLink(day: day.date)),
                         .attribute(named: "aria-current", value: day.date == model.chosenDay ? "date" : nil),
                         dayLabel(day))
                    : .span(.class("bk-day bk-day-none"), dayLabel(day)))
            }),
            .if(weekHasTimes && !model.chips.isEmpty, .section(
                .class("bk-times"), .attribute(named: "aria-labelledby", value: "bk-day-title"),
                .h2(.id("bk-day-title"), .text(DateDisplay.day(model.chosenDay))),
                .forEach(PartOfDay.allCases.filter { part in model.chips.contains { $0.partOfDay == part } }) { part in
                    .group(
                        .h3(.class("bk-part"), .text(part.label)),
                        .ul(.class("bk-chips"), .forEach(model.chips.filter { $0.partOfDay == part }) { chip in
                            .li(.a(.class("bk-chip"), .href(SitePath.bookDetails.link(query: [
                                "type": model.kindCode, "with": model.with, "clinician": chip.clinicianSlug, "start": chip.start,
                            ])), .text(chip.time)))
                        })
                    )
                }
            )),
            .if(!weekHasTimes, .div(
                .class("notice"),
                .p(.text("No free times from \(DateDisplay.day(first)) to \(DateDisplay.day(last)).")),
                .unwrap(model.nextFreeDay) { next in
                    .p(.a(.href(timesLink(day: next)), .text("Go to the next free day: \(DateDisplay.day(next))")))
                })),
            .p(.class("small"), .text("Nothing that suits you? "),
               .a(.href(SitePath.waitlist.link(query: ["with": model.with, "type": model.kindCode])), .text("Join the waitlist")),
               .text(" and we will email you when a time opens up."))
        )
    }
}
