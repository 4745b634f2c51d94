import IPTCore
import Plot

/// The client picks another free time with the same clinician; each time is a button that sends
/// the form.
public enum ReschedulePage {
    public struct Model: Sendable {
        public var token: String
        /// Why the page is shown again (the time chosen was taken meanwhile).
        public var notice: String?
        /// "Tuesday, December 1, 2026 at 10 a.m., Eastern Standard Time (America/Toronto)"
        public var now: String
        public var clinician: String
        public var zoneName: String
        public var days: [BookingFormViews.FreeDay]
        public var csrfToken: String

        public init(token: String, notice: String?, now: String, clinician: String, zoneName: String, days: [BookingFormViews.FreeDay], csrfToken: String) {
            self.token = token
            self.notice = notice
            self.now = now
            self.clinician = clinician
            self.zoneName = zoneName
            self.days = days
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Choose another time"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.manageAppointment.link(model.token)), .text("Back to your appointment"))),
            .h1(.text("Choose another time")),
            .unwrap(model.notice) { .div(.class("notice warning"), .attribute(named: "role", value: "alert"), .p(.text($0))) },
            .p(.class("lede"), .text("Now: \(model.now), with \(model.clinician). Times are in \(model.zoneName).")),
            .if(model.days.isEmpty, .p(.text("There are no other free times with \(model.clinician) in the coming weeks. Please call us."))),
            .form(.class("form"), .method(.post), .action(SitePath.manageAppointmentReschedule.link(model.token)),
                  FormViews.csrf(model.csrfToken),
                  .div(.class("slot-days"), .forEach(model.days) { day in
                      .fieldset(.class("slot-day"),
                                .element(named: "legend", nodes: [.text(DateDisplay.day(day.date))]),
                                .ul(.class("slot-list"), .forEach(day.times) { slot in
                                    .li(.button(.class("slot"), .type(.submit), .name("start"), .value(slot.start), .text(slot.time)))
                                }))
                  }))
        )
    }
}
