import IPTCore
import Plot

/// The staff landing page, "Today": what this person has to do now, most urgent first. Each
/// section is on the model only for a role that does that work (nil leaves it out); an empty
/// section says what would appear there and where to go instead.
public enum TodayPage {
    public static let title = "Today"
    /// Lines of a long list (notes to write, forms out) shown on Today; the rest are a link away.
    /// A clinician behind on notes had hundreds here, screens of them before the next section.
    public static let shown = 10
    /// Open risk alerts listed on Today, the oldest first; the heading counts them all.
    public static let alertsShown = 50

    /// How a line's state reads: its words, and a tone the stylesheet colours (the words carry
    /// the meaning; the colour only helps the eye).
    public struct Badge: Sendable, Equatable {
        public enum Tone: String, Sendable { case ok, waiting, attention, alert, quiet }
        public var text: String
        public var tone: Tone

        public init(_ text: String, _ tone: Tone) {
            self.text = text
            self.tone = tone
        }
    }

    /// What can be done from a line without opening it.
    public enum Action: Sendable, Equatable {
        case link(String, href: String)
        /// A button that posts (with the CSRF token) to `path`.
        case post(String, path: String)
    }

    /// One row of a section: a time or date, who, what, its state, where it opens.
    public struct Line: Sendable, Equatable {
        public var when: String
        public var who: String
        public var what: String
        public var badge: Badge?
        public var link: String?
        public var action: Action?

        public init(when: String, who: String, what: String, badge: Badge? = nil, link: String? = nil, action: Action? = nil) {
            self.when = when
            self.who = who
            self.what = what
            self.badge = badge
            self.link = link
            self.action = action
        }
    }

    public struct FailingJob: Sendable, Equatable {
        public var label: String
        public var failuresInARow: Int
        public var lastFailed: String?
        public var lastWorked: String?

        public init(label: String, failuresInARow: Int, lastFailed: String?, lastWorked: String?) {
            self.label = label
            self.failuresInARow = failuresInARow
            self.lastFailed = lastFailed
            self.lastWorked = lastWorked
        }
    }

    /// The director's view of the whole clinic, as counts that link to where each is handled.
    public struct ClinicCounts: Sendable, Equatable {
        public var appointmentsToday: Int
        public var openEnquiries: Int
        public var confirmedSubscribers: Int
        public var openRecordRequests: Int
        public var pendingMail: Int
        public var failedMail: Int

        public init(appointmentsToday: Int, openEnquiries: Int, confirmedSubscribers: Int, openRecordRequests: Int, pendingMail: Int, failedMail: Int) {
            self.appointmentsToday = appointmentsToday
            self.openEnquiries = openEnquiries
            self.confirmedSubscribers = confirmedSubscribers
            self.openRecordRequests = openRecordRequests
            self.pendingMail = pendingMail
            self.failedMail = failedMail
        }
    }

    public struct Model: Sendable, Equatable {
        public var staffName: String
        public var roleName: String
        /// Today written out: "Saturday, December 5, 2026".
        public var day: String
        /// Today as the calendar's links take it: "2026-12-05".
        public var today: String
        public var failingJobs: [FailingJob] = []
        public var alerts: [Line]?
        /// How many alerts are open in all; `alerts` holds the oldest `alertsShown`.
        public var alertsTotal: Int = 0
        public var sessions: [Line]?
        public var notesToWrite: [Line]?
        /// How many notes are owed in all; `notesToWrite` holds the oldest `shown` of them.
        public var notesToWriteTotal: Int = 0
        public var notesToCosign: [Line]?
        public var myNotesWithSupervisor: [Line]?
        public var formsOutstanding: [Line]?
        /// How many forms are out in all; `formsOutstanding` holds the first `shown` to expire.
        public var formsOutstandingTotal: Int = 0
        public var arrivals: [Line]?
        public var awaitingConfirmation: [Line]?
        public var waitlistOffers: [Line]?
        /// For the front desk and the director: today's attended sessions not yet paid (issue 17).
        public var paymentsToTake: [Line]?
        /// For the director: sliding-scale rates past their review date.
        public var slidingReviewsDue: Int?
        public var possibleDuplicates: Int?
        public var worsened: [Line] = []
        public var clinic: ClinicCounts?
        /// For those who send enquiries' and newsletters' mail, whether any is stuck.
        public var failedMail: Int = 0
        public var csrfToken: String

        public init(staffName: String, roleName: String, day: String, today: String, csrfToken: String) {
            self.staffName = staffName
            self.roleName = roleName
            self.day = day
            self.today = today
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let dayLink = SitePath.calendar.link(query: ["view": "day", "date": model.today])
        return .group(
            .div(.class("today-head"),
                 .h1(.text(title), .span(.class("today-date"), .text(" · \(model.day)")))),
            failing(model.failingJobs),
            .div(.class("today-grid"), .group(panels(model, dayLink: dayLink))),
            .unwrap(model.possibleDuplicates) { count in
                .if(count > 0, .p(.class("today-note"),
                                  .a(.href(SitePath.duplicates.link), .text(count == 1 ? "1 possible duplicate client" : "\(count) possible duplicate clients")),
                                  .text(" to check: someone booked with details that match an existing record.")))
            },
            .unwrap(model.slidingReviewsDue) { count in
                .if(count > 0, .p(.class("today-note"),
                                  .a(.href(SitePath.billing.link + "#bill-reviews"),
                                     .text(count == 1 ? "1 sliding-scale rate" : "\(count) sliding-scale rates")),
                                  .text(" due for review: the date set when \(count == 1 ? "it was" : "they were") approved has come.")))
            },
            .unwrap(model.clinic) { clinicCounts($0, dayLink: dayLink) },
            .if(model.clinic == nil && model.failedMail > 0,
                .p(.class("today-note"), .text("\(model.failedMail) email\(model.failedMail == 1 ? "" : "s") could not be delivered; the director has been shown.")))
        )
    }

    /// The role's sections, the risk alerts first whatever they hold, then those with something in
    /// them, then the empty ones (which only say what would appear there), so work is never below
    /// a screen of "nothing here".
    private static func panels(_ model: Model, dayLink: String) -> [Node<HTML.BodyContext>] {
        let csrf = model.csrfToken
        let sections: [(lines: [Line]?, node: ([Line]) -> Node<HTML.BodyContext>)] = [
            (model.arrivals, { section("today-arrivals", "Arrivals today", $0, csrf: csrf,
                                       empty: "Nobody is booked today. New bookings start from the calendar.",
                                       more: ("Day view of the calendar", dayLink)) }),
            (model.paymentsToTake, { section("today-payments", "Payments to take", $0, tone: $0.isEmpty ? nil : "attention", csrf: csrf,
                                             empty: "Every session attended today is paid, or nobody has been marked attended yet.",
                                             more: ("Billing", SitePath.billing.link)) }),
            (model.sessions, { section("today-sessions", "Your sessions today", $0, csrf: csrf,
                                       empty: "No sessions booked for you today. Your week is on the calendar.",
                                       more: ("Your calendar", dayLink)) }),
            (model.notesToWrite, { section("today-notes", "Notes to write", $0, tone: $0.isEmpty ? nil : "attention", csrf: csrf,
                                           empty: "Every attended session has its note. Mark a session attended on its appointment to have its note asked for here.",
                                           more: model.notesToWriteTotal > $0.count
                                               ? ("All \(model.notesToWriteTotal) notes to write", SitePath.notesToWrite.link) : nil,
                                           count: max(model.notesToWriteTotal, $0.count)) }),
            (model.notesToCosign, { section("today-cosign", "Notes to co-sign", $0, tone: $0.isEmpty ? nil : "attention", csrf: csrf,
                                            empty: "No student's note is waiting for your co-signature.",
                                            more: ("Supervision", SitePath.supervision.link)) }),
            (model.myNotesWithSupervisor, { section("today-my-notes", "Your notes with your supervisor", $0, csrf: csrf,
                                                    empty: "None of your notes is waiting for co-signature or has come back to you.",
                                                    more: ("Supervision", SitePath.supervision.link)) }),
            (model.formsOutstanding, { section("today-forms", "Forms clients have not finished", $0, csrf: csrf,
                                               empty: "No intake, questionnaire or self-assessment sent to your clients is waiting. Send them from an appointment.",
                                               more: model.formsOutstandingTotal > $0.count
                                                   ? ("All \(model.formsOutstandingTotal) forms not finished", SitePath.formsOutstanding.link) : nil,
                                               count: max(model.formsOutstandingTotal, $0.count)) }),
            (model.awaitingConfirmation, { section("today-holds", "Waiting for confirmation", $0, csrf: csrf,
                                                   empty: "No booking is waiting: every held time has been confirmed or has lapsed, and no request needs approval.",
                                                   more: nil) }),
            (model.waitlistOffers, { section("today-offers", "Waitlist offers out", $0, csrf: csrf,
                                             empty: "No offer from the waitlist is waiting for an answer.",
                                             more: ("Waitlist", SitePath.waitlistAdmin.link)) }),
            (model.worsened.isEmpty ? nil : model.worsened, { section("today-worse", "Scores that worsened reliably", $0, tone: "attention",
                                                                       csrf: csrf, empty: "", more: nil) }),
        ]
        let present = sections.compactMap { entry in entry.lines.map { (lines: $0, node: entry.node) } }
        let alerts: [Node<HTML.BodyContext>] = model.alerts.map { lines in
            [section("today-alerts", "Open risk alerts", lines, tone: lines.isEmpty ? nil : "alert", csrf: csrf,
                     empty: "No open risk alerts. A risk answer on a questionnaire or in a note opens one here at once.",
                     more: (model.alertsTotal > lines.count ? "All \(model.alertsTotal) open alerts" : "All alerts", SitePath.alerts.link),
                     count: max(model.alertsTotal, lines.count))]
        } ?? []
        return alerts + present.filter { !$0.lines.isEmpty }.map { $0.node($0.lines) } + present.filter { $0.lines.isEmpty }.map { $0.node($0.lines) }
    }

    private static func failing(_ jobs: [FailingJob]) -> Node<HTML.BodyContext> {
        .if(!jobs.isEmpty, .div(.class("notice warning"), .attribute(named: "role", value: "alert"),
            .h2(.text("Scheduled work is failing")),
            .ul(.forEach(jobs) { job in
                .li(.strong(.text(job.label)),
                    .text(": failed \(job.failuresInARow) time\(job.failuresInARow == 1 ? "" : "s") in a row, last at \(job.lastFailed ?? "?")"),
                    .text(job.lastWorked.map { "; last worked \($0)." } ?? "; it has not worked since the app started."))
            }),
            .p(.text("The server log has the details (search for \"Scheduled job\")."))))
    }

    /// A panel of lines. `count` is what the heading counts when the panel shows only some.
    static func section(_ id: String, _ heading: String, _ lines: [Line], tone: String? = nil, csrf: String, empty: String,
                        more: (String, String)?, count: Int? = nil) -> Node<HTML.BodyContext> {
        .section(.class("today-panel" + (tone.map { " today-\($0)" } ?? "")), .attribute(named: "aria-labelledby", value: id),
                 .h2(.id(id), .text(heading), .if(!lines.isEmpty, .span(.class("today-count"), .text(" \(count ?? lines.count)")))),
                 lines.isEmpty
                    ? .p(.class("today-empty"), .text(empty))
                    : .ul(.class("today-lines"), .forEach(lines) { line($0, csrf: csrf) }),
                 .unwrap(more) { text, href in .p(.class("today-more"), .a(.href(href), .text(text))) })
    }

    private static func line(_ line: Line, csrf: String) -> Node<HTML.ListContext> {
        .li(.class("today-line"),
            .span(.class("today-when"), .text(line.when)),
            .span(.class("today-who"),
                  .unwrap(line.link, { .a(.href($0), .text(line.who)) }, else: .text(line.who)),
                  .span(.class("today-what"), .text(line.what))),
            .unwrap(line.badge) { .span(.class("badge badge-\($0.tone.rawValue)"), .text($0.text)) },
            .unwrap(line.action) { action in
                switch action {
                case let .link(text, href):
                    return .a(.class("button small-button"), .href(href), .text(text))
                case let .post(text, path):
                    return .form(.class("today-action"), .method(.post), .action(path), FormViews.csrf(csrf),
                                 .button(.class("button small-button"), .type(.submit), .text(text)))
                }
            })
    }

    private static func clinicCounts(_ counts: ClinicCounts, dayLink: String) -> Node<HTML.BodyContext> {
        func stat(_ count: Int, _ text: String, _ link: String?) -> Node<HTML.ListContext> {
            .li(.class("stat"), .unwrap(link, { .a(.href($0), .strong(.text(String(count))), .text(text)) },
                                        else: .group(.strong(.text(String(count))), .text(text))))
        }
        return .section(.class("today-clinic"), .attribute(named: "aria-labelledby", value: "today-clinic"),
                        .h2(.id("today-clinic"), .text("The clinic today")),
                        .ul(.class("stat-grid"),
                            stat(counts.appointmentsToday, " appointments today", dayLink),
                            stat(counts.openEnquiries, " open enquiries", SitePath.enquiries.link(query: ["status": "open"])),
                            stat(counts.openRecordRequests, " access or correction requests open", SitePath.recordRequests.link),
                            stat(counts.confirmedSubscribers, " confirmed newsletter subscribers", SitePath.subscribers.link(query: ["status": "confirmed"])),
                            stat(counts.pendingMail, " emails waiting to be sent", nil),
                            stat(counts.failedMail, " emails that could not be delivered", nil)))
    }
}
