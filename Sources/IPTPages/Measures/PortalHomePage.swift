import Foundation
import IPTCore
import Plot

/// The portal's home, built to get things done: who is signed in, appointment cards with what the
/// clinic's rules allow on each (move, cancel, add to a calendar), forms waiting, booking again
/// with the same clinician, the client's own scores when the care team shares them, consents and
/// the client's requests about their record. A guardian sees appointments and consents, and only
/// the scores the clinician shared with them, never the adolescent's record or waiting forms.
public enum PortalHomePage {
    /// Who is signed in, shown at the top of every portal page with a way to sign out.
    public struct Header: Sendable, Equatable {
        public var clientName: String
        /// The adolescent's first name when a parent or guardian is signed in.
        public var guardianFor: String?
        public var csrfToken: String

        public init(clientName: String, guardianFor: String?, csrfToken: String) {
            self.clientName = clientName
            self.guardianFor = guardianFor
            self.csrfToken = csrfToken
        }
    }

    /// What the clinic's cancellation rules allow on an upcoming appointment right now.
    public enum Allowed: Sendable, Equatable {
        /// Outside the notice window: move or cancel without a fee, until `deadline`.
        case moveOrCancel(deadline: String)
        /// Inside the notice window: cancelling counts as late (with the fee, if any); moving is by phone.
        case lateCancelOnly(noticeHours: Int, fee: String?)
        /// Begun or past: nothing to do online.
        case nothing
    }

    public struct CalendarLinks: Sendable, Equatable {
        public var ics: String
        public var google: String
        public var outlook: String

        public init(ics: String, google: String, outlook: String) {
            self.ics = ics
            self.google = google
            self.outlook = outlook
        }
    }

    public struct Card: Sendable, Equatable {
        public var id: String
        /// "Individual session"
        public var title: String
        public var clinician: String
        /// "Tuesday, December 8, 2026, 10 a.m. to 10:50 a.m., Eastern Standard Time (America/Toronto)"
        public var when: String
        /// "By phone", or the place.
        public var place: String
        /// For past and cancelled appointments: "Attended", "Cancelled".
        public var status: String?
        public var allowed: Allowed
        public var calendar: CalendarLinks?

        public init(id: String, title: String, clinician: String, when: String, place: String, status: String?, allowed: Allowed,
                    calendar: CalendarLinks?) {
            self.id = id
            self.title = title
            self.clinician = clinician
            self.when = when
            self.place = place
            self.status = status
            self.allowed = allowed
            self.calendar = calendar
        }
    }

    /// A form waiting for the client, with how to open it.
    public struct ToDo: Sendable, Equatable {
        public enum Action: Sendable, Equatable {
            /// A plain link (a questionnaire answered inside the portal).
            case link(String)
            /// A form posted to the portal, which opens the form (intake, self-assessment).
            case post(String)
        }

        public var label: String
        public var detail: String
        public var button: String
        public var action: Action

        public init(label: String, detail: String, button: String, action: Action) {
            self.label = label
            self.detail = detail
            self.button = button
            self.action = action
        }
    }

    public struct BookAgain: Sendable, Equatable {
        public var clinician: String
        public var href: String

        public init(clinician: String, href: String) {
            self.clinician = clinician
            self.href = href
        }
    }

    public struct Answered: Sendable, Equatable {
        public var label: String
        /// Shown to a guardian only: "14 (Moderate)".
        public var score: String?

        public init(label: String, score: String?) {
            self.label = label
            self.score = score
        }
    }

    public struct RecordRequestLine: Sendable, Equatable {
        public var text: String
        /// The due date while the request is open.
        public var due: String?
        /// The clinic's answer to a correction: what changed, or why it was refused.
        public var answer: String?
        /// A refusal: the client may attach a statement of disagreement and may complain.
        public var refused: Bool

        public init(text: String, due: String?, answer: String? = nil, refused: Bool = false) {
            self.text = text
            self.due = due
            self.answer = answer
            self.refused = refused
        }
    }

    /// One questionnaire's scores for the client's own chart.
    public struct ScoreChart: Sendable {
        public var instrument: Instrument
        public var points: [(Date, Int)]

        public init(instrument: Instrument, points: [(Date, Int)]) {
            self.instrument = instrument
            self.points = points
        }
    }

    public struct Model: Sendable {
        public var header: Header
        public var notice: String?
        public var upcoming: [Card]
        public var recent: [Card]
        public var clinicPhone: String
        public var toDos: [ToDo]
        public var bookAgain: [BookAgain]
        /// The client's own charts; nil when the care team has not shared them (or for a guardian).
        public var charts: [ScoreChart]?
        public var zone: ClinicTimeZone
        public var consents: [String]
        public var answered: [Answered]
        public var requests: [RecordRequestLine]
        /// A copy of the record has been released.
        public var mayReadRecord: Bool
        /// "Times are Eastern Standard Time (America/Toronto)." said once, not on every card.
        public var timesNote: String?

        public init(header: Header, notice: String?, upcoming: [Card], recent: [Card], clinicPhone: String, toDos: [ToDo], bookAgain: [BookAgain],
                    charts: [ScoreChart]?, zone: ClinicTimeZone, consents: [String], answered: [Answered], requests: [RecordRequestLine],
                    mayReadRecord: Bool, timesNote: String? = nil) {
            self.timesNote = timesNote
            self.header = header
            self.notice = notice
            self.upcoming = upcoming
            self.recent = recent
            self.clinicPhone = clinicPhone
            self.toDos = toDos
            self.bookAgain = bookAgain
            self.charts = charts
            self.zone = zone
            self.consents = consents
            self.answered = answered
            self.requests = requests
            self.mayReadRecord = mayReadRecord
        }

        public var asGuardian: Bool { header.guardianFor != nil }
        public var title: String { header.guardianFor.map { "Appointments for \($0)" } ?? "Your appointments and forms" }
    }

    /// The signed-in bar: the name, and a sign-out button (a POST, so a link cannot sign anyone out).
    public static func header(_ header: Header) -> Node<HTML.BodyContext> {
        .div(.class("portal-bar"),
             .p(.class("portal-who"),
                .text("Signed in "),
                .if(header.guardianFor == nil,
                    .group(.text("as "), .strong(.text(header.clientName))),
                    else: .group(.text("as a parent or guardian, for "), .strong(.text(header.guardianFor ?? ""))))),
             .div(.class("portal-bar-links"),
                  .a(.href(SitePath.portal.link), .text("Portal home")),
                  .form(.class("portal-sign-out"), .method(.post), .action(SitePath.portalSignOut.link), FormViews.csrf(header.csrfToken),
                        .button(.class("button small secondary"), .type(.submit), .text("Sign out")))))
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            header(model.header),
            .h1(.text(model.title)),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .if(!model.toDos.isEmpty, toDos(model.toDos, csrfToken: model.header.csrfToken)),
            .section(.class("portal-section"), .attribute(named: "aria-labelledby", value: "portal-upcoming"),
                     .h2(.id("portal-upcoming"), .text("Coming up")),
                     .if(model.upcoming.isEmpty, .p(.text("No appointments booked."))),
                     .unwrap(model.timesNote) { .p(.class("hint"), .text($0)) },
                     .div(.class("portal-cards"), .forEach(model.upcoming) { card($0, phone: model.clinicPhone) }),
                     .forEach(model.bookAgain) { again in
                         .p(.a(.class("button secondary"), .href(again.href), .text("Book again with \(again.clinician)")))
                     }),
            .unwrap(model.charts) { charts($0, zone: model.zone) },
            .if(!model.recent.isEmpty, .section(
                .class("portal-section"), .attribute(named: "aria-labelledby", value: "portal-recent"),
                .h2(.id("portal-recent"), .text("Recent appointments")),
                .div(.class("portal-cards"), .forEach(model.recent) { card($0, phone: model.clinicPhone) }))),
            .if(!model.asGuardian || !model.answered.isEmpty, .section(
                .class("portal-section"),
                .h2(.text(model.asGuardian ? "Questionnaires the clinician shared with you" : "Questionnaires you answered")),
                .if(model.answered.isEmpty, .p(.text("None yet."))),
                .ul(.forEach(model.answered) { response in
                    .li(.text(response.label), .unwrap(response.score) { .text(": score \($0)") })
                }))),
            .section(.class("portal-section"),
                     .h2(.text("Consents signed")),
                     .if(model.consents.isEmpty, .p(.text("None yet."))),
                     .ul(.forEach(model.consents) { .li(.text($0)) })),
            .if(!model.asGuardian, record(model))
        )
    }

    static func card(_ card: Card, phone: String) -> Node<HTML.BodyContext> {
        .article(.class("portal-card"), .attribute(named: "aria-labelledby", value: "appointment-\(card.id)"),
                 .h3(.id("appointment-\(card.id)"), .text(card.title)),
                 .p(.class("portal-when"), .text(card.when)),
                 .dl(.class("portal-facts"),
                     .dt(.text("With")), .dd(.text(card.clinician)),
                     .dt(.text("Where")), .dd(.text(card.place)),
                     .unwrap(card.status) { .group(.dt(.text("Status")), .dd(.text($0))) }),
                 rule(card.allowed, phone: phone),
                 actions(card))
    }

    private static func rule(_ allowed: Allowed, phone: String) -> Node<HTML.BodyContext> {
        switch allowed {
        case .moveOrCancel(let deadline):
            // A time such as "4 p.m." already ends the sentence.
            .p(.class("portal-rule"), .text("You can move or cancel it here without a fee until \(deadline)\(deadline.hasSuffix(".") ? "" : ".")"))
        case .lateCancelOnly(let hours, let fee):
            .p(.class("portal-rule portal-rule-late"),
               .strong(.text("Less than \(hours) hours away. ")),
               .text("Cancelling now counts as a late cancellation\(fee.map { " with a fee of \($0)" } ?? ""). To change the time, call \(phone)."))
        case .nothing:
            .empty
        }
    }

    private static func actions(_ card: Card) -> Node<HTML.BodyContext> {
        let mayMove = if case .moveOrCancel = card.allowed { true } else { false }
        let mayCancel = card.allowed != .nothing
        guard mayMove || mayCancel || card.calendar != nil else { return .empty }
        return .div(.class("portal-actions"),
                    .if(mayMove, .a(.class("button small"), .href(SitePath.portalAppointmentMove.link(card.id)), .text("Move"),
                                    .span(.class("visually-hidden"), .text(" the appointment of \(card.when)")))),
                    .if(mayCancel, .a(.class("button small secondary"), .href(SitePath.portalAppointmentCancel.link(card.id)), .text("Cancel"),
                                      .span(.class("visually-hidden"), .text(" the appointment of \(card.when)")))),
                    .unwrap(card.calendar) { links in
                        .details(.class("portal-calendar"),
                                 .summary(.text("Add to calendar")),
                                 .ul(.li(.a(.href(links.ics), .text("Apple or other calendar (.ics file)"))),
                                     .li(.a(.href(links.google), .attribute(named: "rel", value: "noopener"), .text("Google Calendar"))),
                                     .li(.a(.href(links.outlook), .attribute(named: "rel", value: "noopener"), .text("Outlook.com")))))
                    })
    }

    private static func toDos(_ toDos: [ToDo], csrfToken: String) -> Node<HTML.BodyContext> {
        .section(.class("portal-section"), .attribute(named: "aria-labelledby", value: "portal-todo"),
                 .h2(.id("portal-todo"), .text("To do")),
                 .ul(.class("portal-todos"), .forEach(toDos) { todo in
                     .li(.class("portal-todo"),
                         .div(.p(.class("portal-todo-label"), .strong(.text(todo.label))), .p(.class("hint"), .text(todo.detail))),
                         todoAction(todo, csrfToken: csrfToken))
                 }))
    }

    private static func todoAction(_ todo: ToDo, csrfToken: String) -> Node<HTML.BodyContext> {
        switch todo.action {
        case .link(let href):
            .a(.class("button small"), .href(href), .text(todo.button))
        case .post(let action):
            // The form's own link is made only when asked for, so the button posts rather than links.
            .form(.class("inline-form"), .method(.post), .action(action), FormViews.csrf(csrfToken),
                  .button(.class("button small"), .type(.submit), .text(todo.button)))
        }
    }

    private static func charts(_ charts: [ScoreChart], zone: ClinicTimeZone) -> Node<HTML.BodyContext> {
        .section(.class("portal-section"), .attribute(named: "aria-labelledby", value: "portal-scores"),
                 .h2(.id("portal-scores"), .text("Your scores")),
                 .p(.class("hint"), .text("Your clinician shares these with you. Lower scores mean fewer symptoms; talk them over together at your next session.")),
                 .if(charts.isEmpty, .p(.text("No questionnaire answered yet."))),
                 .forEach(charts) { chart in
                     .div(.class("portal-chart"),
                          .h3(.text(chart.instrument.name)),
                          .raw(ProgressChart.svg(instrument: chart.instrument, points: chart.points, zone: zone)),
                          TableViews.scrollable(captionID: "portal-table-\(chart.instrument.code)", .table(
                              .class("data-table"),
                              .caption(.id("portal-table-\(chart.instrument.code)"), .text("\(chart.instrument.name) scores, oldest first")),
                              .thead(.tr(.th(.text("Date")), .th(.text("Score")), .th(.text("Band")))),
                              .tbody(.forEach(chart.points) { point in
                                  .tr(.td(.text(DateDisplay.day(zone.localDate(of: point.0)))), .td(.text("\(point.1) of \(chart.instrument.maximumScore)")),
                                      .td(.text(chart.instrument.band(for: point.1)?.label ?? "")))
                              }))))
                 })
    }

    static let refusalRights = "If you disagree, you may ask the clinic to keep a statement of disagreement with your record "
        + "(call or write to us), and you may complain to the Information and Privacy Commissioner of Ontario."

    private static func record(_ model: Model) -> Node<HTML.BodyContext> {
        .section(
            .class("portal-section"),
            .h2(.text("Your record")),
            .if(model.requests.isEmpty, .p(.text("You can ask for a copy of everything the clinic keeps about you, and for corrections. The clinic answers within 30 days."))),
            .ul(.forEach(model.requests) { row in
                .li(.text(row.text), .unwrap(row.due) { .text(", due by \($0)") },
                    .unwrap(row.answer) { .p(.class("portal-answer"), .text($0)) },
                    .if(row.refused, .p(.class("hint"), .text(Self.refusalRights))))
            }),
            .if(model.mayReadRecord, .p(.a(.class("button"), .href(SitePath.portalRecord.link), .text("Read your record")))),
            .div(.class("button-row"),
                 .form(.class("inline-form"), .method(.post), .action(SitePath.portalRecordRequest.link), FormViews.csrf(model.header.csrfToken),
                       .button(.class("button secondary"), .type(.submit), .text("Ask for a copy of my record"))),
                 .a(.class("button secondary"), .href(SitePath.portalCorrection.link), .text("Ask for a correction"))),
            .p(.a(.href(SitePath.portalBilling.link), .text("Receipts for your insurer and yearly statements")))
        )
    }
}
