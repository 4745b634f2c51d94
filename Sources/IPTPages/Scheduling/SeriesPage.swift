import IPTCore
import Plot

/// A weekly course of sessions: each session with its status, and the forms to extend or shorten
/// the course.
public enum SeriesPage {
    public struct Session: Sendable, Equatable {
        public var number: Int
        public var appointmentID: String
        public var when: String
        public var status: String

        public init(number: Int, appointmentID: String, when: String, status: String) {
            self.number = number
            self.appointmentID = appointmentID
            self.when = when
            self.status = status
        }
    }

    public struct Model: Sendable {
        public var id: String
        public var clientName: String
        /// "IPT session with Priya Natarajan, 16 sessions booked."
        public var summary: String
        /// Weeks booked away from the usual time, when the course was just made.
        public var movedWeeks: [Int]
        public var sessions: [Session]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(id: String, clientName: String, summary: String, movedWeeks: [Int], sessions: [Session], errors: FieldErrors, csrfToken: String) {
            self.id = id
            self.clientName = clientName
            self.summary = summary
            self.movedWeeks = movedWeeks
            self.sessions = sessions
            self.errors = errors
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let moved = model.movedWeeks.sorted()
        return .group(
            .p(.class("small"), .a(.href(SitePath.calendar.link), .text("Back to the calendar"))),
            .h1(.text("Weekly course: \(model.clientName)")),
            .p(.class("lede"), .text(model.summary)),
            .if(!moved.isEmpty, .div(.class("notice warning"), .attribute(named: "role", value: "status"),
                                     .p(.text("Booked. Week\(moved.count == 1 ? "" : "s") \(moved.map(String.init).joined(separator: ", ")) moved to the nearest free time because the usual time was taken.")))),
            FormViews.errorSummary(model.errors),
            TableViews.scrollable(captionID: "series-caption", .table(
                .class("data-table"),
                .caption(.id("series-caption"), .text("Sessions of the course")),
                .thead(.tr(.th(.text("Session")), .th(.text("When")), .th(.text("Status")))),
                .tbody(.forEach(model.sessions) { session in
                    .tr(.td(.text(String(session.number))),
                        .td(.a(.href(SitePath.appointment.link(session.appointmentID)), .text(session.when))),
                        .td(.text(session.status)))
                })
            )),
            .h2(.text("Extend or shorten")),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.seriesExtend.link(model.id)),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textField(name: "count", label: "Add this many weekly sessions", value: "4", error: model.errors["count"], type: .number, maxLength: 2),
                  .button(.class("button secondary"), .type(.submit), .text("Extend"))),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.seriesShorten.link(model.id)),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textField(name: "after", label: "End the course after session number", value: "", error: model.errors["after"], type: .number, maxLength: 2,
                                      hint: "Later sessions are cancelled (the client is told by email)."),
                  .button(.class("button secondary"), .type(.submit), .text("Shorten")))
        )
    }
}
