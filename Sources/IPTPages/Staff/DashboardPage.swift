import IPTCore
import Plot

/// The staff landing page: what needs attention, as counts that link to where it is dealt with.
/// Counts a role may not see are not on the model at all.
public enum DashboardPage {
    public struct FailingJob: Sendable, Equatable {
        public var label: String
        public var failuresInARow: Int
        /// When it last failed, written out; nil if unknown.
        public var lastFailed: String?
        /// When it last worked, written out; nil if not since the app started.
        public var lastWorked: String?

        public init(label: String, failuresInARow: Int, lastFailed: String?, lastWorked: String?) {
            self.label = label
            self.failuresInARow = failuresInARow
            self.lastFailed = lastFailed
            self.lastWorked = lastWorked
        }
    }

    /// A client on this person's care team whose latest score is reliably worse than their first.
    public struct Worsened: Sendable, Equatable {
        public var clientID: String
        public var clientName: String
        public var instrument: String
        public var from: Int
        public var to: Int

        public init(clientID: String, clientName: String, instrument: String, from: Int, to: Int) {
            self.clientID = clientID
            self.clientName = clientName
            self.instrument = instrument
            self.from = from
            self.to = to
        }
    }

    public struct Model: Sendable, Equatable {
        public var staffName: String
        public var roleName: String
        public var failingJobs: [FailingJob]
        /// The clinic's today, as the calendar's day view takes it (2026-12-04).
        public var today: String
        public var appointmentsToday: Int
        public var openAlerts: Int
        public var bookingRequests: Int
        public var notesToCosign: Int
        public var notesReturned: Int
        public var possibleDuplicates: Int
        public var openRecordRequests: Int
        /// Nil for a role that may not see enquiries.
        public var openEnquiries: Int?
        /// Nil for a role that may not see subscribers.
        public var confirmedSubscribers: Int?
        public var pendingMail: Int
        public var failedMail: Int
        public var worsened: [Worsened]
        /// Whether this role opens clients' charts.
        public var seesClients: Bool

        public init(staffName: String, roleName: String, failingJobs: [FailingJob], today: String, appointmentsToday: Int, openAlerts: Int,
                    bookingRequests: Int, notesToCosign: Int, notesReturned: Int, possibleDuplicates: Int, openRecordRequests: Int,
                    openEnquiries: Int?, confirmedSubscribers: Int?, pendingMail: Int, failedMail: Int, worsened: [Worsened], seesClients: Bool) {
            self.staffName = staffName
            self.roleName = roleName
            self.failingJobs = failingJobs
            self.today = today
            self.appointmentsToday = appointmentsToday
            self.openAlerts = openAlerts
            self.bookingRequests = bookingRequests
            self.notesToCosign = notesToCosign
            self.notesReturned = notesReturned
            self.possibleDuplicates = possibleDuplicates
            self.openRecordRequests = openRecordRequests
            self.openEnquiries = openEnquiries
            self.confirmedSubscribers = confirmedSubscribers
            self.pendingMail = pendingMail
            self.failedMail = failedMail
            self.worsened = worsened
            self.seesClients = seesClients
        }
    }

    public static let title = "Dashboard"

    /// A count that links to where it is dealt with.
    private static func stat(_ count: Int, _ text: String, link: String, alert: Bool = false) -> Node<HTML.ListContext> {
        .li(.class(alert ? "stat alert" : "stat"), .a(.href(link), .strong(.text(String(count))), .text(text)))
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Welcome, \(model.staffName)")),
            .if(!model.failingJobs.isEmpty, .div(.class("notice warning"), .attribute(named: "role", value: "alert"),
                .h2(.text("Scheduled work is failing")),
                .ul(.forEach(model.failingJobs) { job in
                    .li(.strong(.text(job.label)),
                        .text(": failed \(job.failuresInARow) time\(job.failuresInARow == 1 ? "" : "s") in a row, last at \(job.lastFailed ?? "?")"),
                        .text(job.lastWorked.map { "; last worked \($0)." } ?? "; it has not worked since the app started."))
                }),
                .p(.text("The server log has the details (search for \"Scheduled job\")."))
            )),
            .p(.class("lede"), .text("Signed in as \(model.roleName).")),
            .ul(
                .class("stat-grid"),
                .if(model.openAlerts > 0, stat(model.openAlerts, " open safety alerts", link: SitePath.alerts.link, alert: true)),
                stat(model.appointmentsToday, " appointments today", link: SitePath.calendar.link(query: ["view": "day", "date": model.today])),
                .if(model.bookingRequests > 0, stat(model.bookingRequests, " booking requests waiting for approval", link: SitePath.calendar.link)),
                .if(model.notesToCosign > 0, stat(model.notesToCosign, " notes waiting for your co-signature", link: SitePath.supervision.link)),
                .if(model.notesReturned > 0, stat(model.notesReturned, " notes returned to you", link: SitePath.supervision.link)),
                .if(model.possibleDuplicates > 0, stat(model.possibleDuplicates, " possible duplicate clients to check", link: SitePath.duplicates.link)),
                .if(model.openRecordRequests > 0, stat(model.openRecordRequests, " access or correction requests open", link: SitePath.recordRequests.link)),
                .unwrap(model.openEnquiries) { stat($0, " open enquiries", link: SitePath.enquiries.link(query: ["status": "open"])) },
                .unwrap(model.confirmedSubscribers) { stat($0, " confirmed subscribers", link: SitePath.subscribers.link(query: ["status": "confirmed"])) },
                .li(.class("stat"), .strong(.text(String(model.pendingMail))), .text(" emails waiting to be sent")),
                .li(.class("stat"), .strong(.text(String(model.failedMail))), .text(" emails that could not be delivered"))
            ),
            .if(!model.worsened.isEmpty, .group(
                .h2(.text("Scores that worsened reliably")),
                .ul(.forEach(model.worsened) { item in
                    .li(.a(.href(SitePath.progress.link(item.clientID)), .text(item.clientName)),
                        .text(": \(item.instrument) from \(item.from) to \(item.to)"))
                }))),
            .if(model.seesClients, .p(.a(.href(SitePath.clients.link), .text("Your clients and their charts"))))
        )
    }
}
