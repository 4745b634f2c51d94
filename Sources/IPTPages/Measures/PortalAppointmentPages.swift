import IPTCore
import Plot

/// The portal asks once before cancelling: what the clinic's rules make of cancelling now (free,
/// or late with its fee), then one button.
public enum PortalCancelPage {
    public struct Model: Sendable, Equatable {
        public var header: PortalHomePage.Header
        public var card: PortalHomePage.Card
        public var clinicPhone: String

        public init(header: PortalHomePage.Header, card: PortalHomePage.Card, clinicPhone: String) {
            self.header = header
            self.card = card
            self.clinicPhone = clinicPhone
        }
    }

    public static let title = "Cancel this appointment?"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let consequence: String = switch model.card.allowed {
        case .moveOrCancel: "There is no fee: it is more than the clinic's notice time away."
        case .lateCancelOnly(let hours, let fee):
            "It is less than \(hours) hours away, so it counts as a late cancellation\(fee.map { " with a fee of \($0)" } ?? "")."
        case .nothing: "It has begun or passed, so it cannot be cancelled here. Call \(model.clinicPhone)."
        }
        let free = if case .moveOrCancel = model.card.allowed { true } else { false }
        return .group(
            PortalHomePage.header(model.header),
            .h1(.text(title)),
            .div(.class("portal-card"),
                 .p(.strong(.text(model.card.title))),
                 .p(.class("portal-when"), .text(model.card.when)),
                 .p(.text("With \(model.card.clinician). \(model.card.place).")),
                 .p(.class(free ? "portal-rule" : "portal-rule portal-rule-late"), .text(consequence))),
            .if(model.card.allowed != .nothing, .form(
                .class("form"), .method(.post), .action(SitePath.portalAppointmentCancel.link(model.card.id)), FormViews.csrf(model.header.csrfToken),
                .div(.class("button-row"),
                     .button(.class("button danger"), .type(.submit), .text("Yes, cancel it")),
                     .a(.class("button secondary"), .href(SitePath.portal.link), .text("No, keep it")))))
        )
    }
}

/// The portal's move: the same clinician's free days as a strip of links, then the chosen day's
/// times as buttons, so the page stays short on a phone and works without JavaScript.
public enum PortalMovePage {
    public struct Day: Sendable, Equatable {
        /// "2026-12-08", for the link.
        public var iso: String
        /// "Tue Dec 8"
        public var label: String
        public var count: Int

        public init(iso: String, label: String, count: Int) {
            self.iso = iso
            self.label = label
            self.count = count
        }
    }

    public struct Time: Sendable, Equatable {
        /// "10 a.m."
        public var label: String
        /// Seconds since 1970, sent back by the button.
        public var start: String

        public init(label: String, start: String) {
            self.label = label
            self.start = start
        }
    }

    public struct Model: Sendable, Equatable {
        public var header: PortalHomePage.Header
        public var appointmentID: String
        public var now: String
        public var clinician: String
        public var zoneName: String
        public var notice: String?
        public var days: [Day]
        public var chosenDay: String?
        /// "Tuesday, December 8, 2026"
        public var chosenDayLabel: String?
        public var times: [Time]
        public var clinicPhone: String

        public init(header: PortalHomePage.Header, appointmentID: String, now: String, clinician: String, zoneName: String, notice: String?,
                    days: [Day], chosenDay: String?, chosenDayLabel: String?, times: [Time], clinicPhone: String) {
            self.header = header
            self.appointmentID = appointmentID
            self.now = now
            self.clinician = clinician
            self.zoneName = zoneName
            self.notice = notice
            self.days = days
            self.chosenDay = chosenDay
            self.chosenDayLabel = chosenDayLabel
            self.times = times
            self.clinicPhone = clinicPhone
        }
    }

    public static let title = "Move your appointment"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let path = SitePath.portalAppointmentMove
        return .group(
            PortalHomePage.header(model.header),
            .h1(.text(title)),
            .unwrap(model.notice) { .div(.class("notice warning"), .attribute(named: "role", value: "alert"), .p(.text($0))) },
            .p(.class("lede"), .text("Now: \(model.now), with \(model.clinician).")),
            .if(model.days.isEmpty, .p(.text("\(model.clinician) has no other free times in the coming weeks. Call \(model.clinicPhone) and we will find one."))),
            .if(!model.days.isEmpty, .group(
                .h2(.text("1. Choose a day")),
                .nav(.attribute(named: "aria-label", value: "Days with free times"),
                     .ul(.class("portal-days"), .forEach(model.days) { day in
                         .li(.a(.class(day.iso == model.chosenDay ? "portal-day portal-day-chosen" : "portal-day"),
                                .href(path.link(model.appointmentID, query: ["day": day.iso])),
                                .if(day.iso == model.chosenDay, .attribute(named: "aria-current", value: "date")),
                                .span(.class("portal-day-name"), .text(day.label)),
                                .span(.class("portal-day-count"), .text(day.count == 1 ? "1 time" : "\(day.count) times"))))
                     })),
                .unwrap(model.chosenDayLabel) { label in
                    .group(
                        .h2(.text("2. Choose a time on \(label)")),
                        .p(.class("hint"), .text("Times are in \(model.zoneName). Pressing a time moves the appointment at once.")),
                        .form(.class("form"), .method(.post), .action(path.link(model.appointmentID)), FormViews.csrf(model.header.csrfToken),
                              .ul(.class("portal-times"), .forEach(model.times) { time in
                                  .li(.button(.class("slot"), .type(.submit), .name("start"), .value(time.start), .text(time.label)))
                              })))
                })),
            .p(.a(.href(SitePath.portal.link), .text("Keep the current time")))
        )
    }
}
