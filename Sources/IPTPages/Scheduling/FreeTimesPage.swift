import IPTCore
import Plot

/// The free times for a kind of appointment with a clinician or a group of them, two weeks at a
/// time; each time links to the details form.
public enum FreeTimesPage {
    public struct Model: Sendable {
        public var kindCode: String
        public var kindName: String
        /// The visitor's choice of whom, as the links carry it.
        public var with: String
        /// The same choice in words.
        public var who: String
        public var zoneName: String
        public var from: LocalDate
        public var through: LocalDate
        /// Where the "Earlier dates" link starts, nil when the first day shown is today.
        public var earlierFrom: LocalDate?
        /// Where the "Later dates" link starts, nil past the booking horizon.
        public var laterFrom: LocalDate?
        public var days: [BookingFormViews.FreeDay]

        public init(kindCode: String, kindName: String, with: String, who: String, zoneName: String, from: LocalDate, through: LocalDate,
                    earlierFrom: LocalDate?, laterFrom: LocalDate?, days: [BookingFormViews.FreeDay]) {
            self.kindCode = kindCode
            self.kindName = kindName
            self.with = with
            self.who = who
            self.zoneName = zoneName
            self.from = from
            self.through = through
            self.earlierFrom = earlierFrom
            self.laterFrom = laterFrom
            self.days = days
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        func times(from day: LocalDate) -> String {
            SitePath.bookTimes.link(query: ["type": model.kindCode, "with": model.with, "from": day.description])
        }
        return .group(
            .p(.class("small"), .a(.href(SitePath.book.link(query: ["type": model.kindCode, "with": model.with])), .text("Change what or whom to book"))),
            .h1(.text("Free times: \(model.kindName)")),
            .p(.class("lede"), .text("With \(model.who). Times are in the clinic's time zone: \(model.zoneName).")),
            .if(model.days.isEmpty, .div(.class("notice"),
                                         .p(.text("No free times from \(DateDisplay.day(model.from)) to \(DateDisplay.day(model.through)).")),
                                         .p(.a(.href(SitePath.waitlist.link(query: ["with": model.with, "type": model.kindCode])), .text("Join the waitlist")),
                                            .text(" and we will email you when something opens up.")))),
            .div(.class("slot-days"), .forEach(model.days) { day in
                .section(
                    .class("slot-day"),
                    .attribute(named: "aria-labelledby", value: "day-\(day.date)"),
                    .h2(.id("day-\(day.date)"), .text(DateDisplay.day(day.date))),
                    .ul(.class("slot-list"), .forEach(day.times) { slot in
                        .li(.a(
                            .class("slot"),
                            .href(SitePath.bookDetails.link(query: ["type": model.kindCode, "with": model.with, "clinician": slot.clinicianSlug, "start": slot.start])),
                            .text(slot.time),
                            .unwrap(slot.with) { .span(.class("slot-who"), .text(" with \($0)")) }
                        ))
                    })
                )
            }),
            .nav(.class("pagination"), .ariaLabel("Other dates"),
                 .unwrap(model.earlierFrom) { .a(.href(times(from: $0)), .text("Earlier dates")) },
                 .unwrap(model.laterFrom) { .a(.href(times(from: $0)), .text("Later dates")) })
        )
    }
}
