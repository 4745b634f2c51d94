import IPTCore
import Plot

/// Supervision: for a supervisor, the notes and summaries waiting for a co-signature and the form
/// that logs a session; for a student, the notes returned to them; for both and the director,
/// each student's hours against the college's ratio and goals, and the log.
public enum SupervisionPage {
    public struct WaitingSummary: Sendable, Equatable {
        public var clientID: String
        public var clientName: String
        public var author: String
        public var waited: String

        public init(clientID: String, clientName: String, author: String, waited: String) {
            self.clientID = clientID
            self.clientName = clientName
            self.author = author
            self.waited = waited
        }
    }

    public struct WaitingNote: Sendable, Equatable {
        public var clientID: String
        public var noteID: String
        /// "Riley Tan, session 4" (and " (amendment)").
        public var label: String
        public var student: String
        public var signed: String
        public var waited: String

        public init(clientID: String, noteID: String, label: String, student: String, signed: String, waited: String) {
            self.clientID = clientID
            self.noteID = noteID
            self.label = label
            self.student = student
            self.signed = signed
            self.waited = waited
        }
    }

    public struct ReturnedNote: Sendable, Equatable {
        public var clientID: String
        public var noteID: String
        public var label: String

        public init(clientID: String, noteID: String, label: String) {
            self.clientID = clientID
            self.noteID = noteID
            self.label = label
        }
    }

    /// One student's hours, each column already in words.
    public struct Hours: Sendable, Equatable {
        public var student: String
        public var direct: String
        public var supervision: String
        public var ratio: String
        public var progress: String

        public init(student: String, direct: String, supervision: String, ratio: String, progress: String) {
            self.student = student
            self.direct = direct
            self.supervision = supervision
            self.ratio = ratio
            self.progress = progress
        }
    }

    public struct LogEntry: Sendable, Equatable {
        public var heldOn: String
        public var student: String
        public var supervisor: String
        public var minutes: Int
        public var format: String

        public init(heldOn: String, student: String, supervisor: String, minutes: Int, format: String) {
            self.heldOn = heldOn
            self.student = student
            self.supervisor = supervisor
            self.minutes = minutes
            self.format = format
        }
    }

    public struct Model: Sendable {
        public var done: String?
        public var isSupervisor: Bool
        public var isStudent: Bool
        public var waitingSummaries: [WaitingSummary]
        public var waitingNotes: [WaitingNote]
        public var returned: [ReturnedNote]
        public var hours: [Hours]
        /// The students a supervisor may log a session with, as (id, name).
        public var students: [(id: String, name: String)]
        public var today: String
        public var log: [LogEntry]
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String
        /// A student's own signed notes still waiting for the supervisor's co-signature.
        public var awaitingMine: [ReturnedNote]

        public init(done: String?, isSupervisor: Bool, isStudent: Bool, waitingSummaries: [WaitingSummary], waitingNotes: [WaitingNote],
                    returned: [ReturnedNote], hours: [Hours], students: [(id: String, name: String)], today: String, log: [LogEntry],
                    fields: [String: String], errors: FieldErrors, csrfToken: String, awaitingMine: [ReturnedNote] = []) {
            self.done = done
            self.isSupervisor = isSupervisor
            self.isStudent = isStudent
            self.waitingSummaries = waitingSummaries
            self.waitingNotes = waitingNotes
            self.returned = returned
            self.hours = hours
            self.students = students
            self.today = today
            self.log = log
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
            self.awaitingMine = awaitingMine
        }

        public var title: String { errors.isEmpty ? "Supervision" : "Please check: Supervision" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        return .group(
            .h1(.text("Supervision")),
            ChartFrame.notice(model.done),
            .if(model.isSupervisor, .section(
                .h2(.text("Notes waiting for your co-signature")),
                .if(model.waitingNotes.isEmpty && model.waitingSummaries.isEmpty, .p(.text("Nothing is waiting."))),
                .if(!model.waitingSummaries.isEmpty, .ul(.forEach(model.waitingSummaries) { summary in
                    .li(.a(.href(SitePath.discharge.link(summary.clientID)), .text("\(summary.clientName): discharge summary")),
                        .text(" by \(summary.author), waiting \(summary.waited)"))
                })),
                .if(!model.waitingNotes.isEmpty, TableViews.scrollable(captionID: "queue", .table(
                    .class("data-table"),
                    .caption(.id("queue"), .text("Oldest first")),
                    .thead(.tr(.th(.text("Note")), .th(.text("Student")), .th(.text("Signed")), .th(.text("Waiting")))),
                    .tbody(.forEach(model.waitingNotes) { note in
                        .tr(.td(.a(.href(SitePath.note.link(note.clientID, note.noteID)), .text(note.label))),
                            .td(.text(note.student)), .td(.text(note.signed)), .td(.text(note.waited)))
                    })))))),
            .if(model.isStudent, .section(
                .h2(.text("Notes returned to you")),
                .if(model.returned.isEmpty, .p(.text("None."))),
                .ul(.forEach(model.returned) { note in
                    .li(.a(.href(SitePath.note.link(note.clientID, note.noteID)), .text(note.label)))
                }))),
            .if(model.isStudent, .section(
                .h2(.text("Your notes waiting for co-signature")),
                .if(model.awaitingMine.isEmpty, .p(.text("None: every note you signed has been co-signed or returned."))),
                .ul(.forEach(model.awaitingMine) { note in
                    .li(.a(.href(SitePath.note.link(note.clientID, note.noteID)), .text(note.label)))
                }))),
            .if(!model.hours.isEmpty, .section(
                .h2(.text("Hours")),
                .p(.class("hint"), .text("The college expects about one hour of supervision for every 4.5 hours with clients, towards 450 direct client hours and 100 supervision hours. Direct hours count attended appointments.")),
                TableViews.scrollable(captionID: "hours", .table(
                    .class("data-table"),
                    .caption(.id("hours"), .text("Hours per student")),
                    .thead(.tr(.th(.text("Student")), .th(.text("Direct client hours")), .th(.text("Supervision hours")), .th(.text("Ratio")),
                               .th(.text("Towards 450 and 100")))),
                    .tbody(.forEach(model.hours) { row in
                        .tr(.td(.text(row.student)), .td(.text(row.direct)), .td(.text(row.supervision)), .td(.text(row.ratio)), .td(.text(row.progress)))
                    }))))),
            .if(model.isSupervisor && !model.students.isEmpty, .section(
                .h2(.text("Log a supervision session")),
                FormViews.errorSummary(errors),
                .form(.method(.post), .action(SitePath.supervisionLog.link), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.select(name: "student", label: "Student", options: model.students.map { ($0.id, $0.name) }, selected: fields["student"], error: errors["student"]),
                      FormViews.textField(name: "heldOn", label: "Date", value: fields["heldOn"] ?? model.today, error: errors["heldOn"],
                                          type: .date, maxLength: 10),
                      FormViews.textField(name: "minutes", label: "Length in minutes", value: fields["minutes"], error: errors["minutes"], type: .number, maxLength: 3),
                      FormViews.radioGroup(name: "format", legend: "Format", options: [("individual", "Individual"), ("group", "Group")],
                                           selected: fields["format"] ?? "individual", error: errors["format"]),
                      FormViews.textArea(name: "clients", label: "Clients discussed", value: fields["clients"], error: errors["clients"], maxLength: 2_000, rows: 3,
                                         hint: "Names or initials; kept encrypted.", required: false),
                      .button(.class("button"), .type(.submit), .text("Log the session"))))),
            .if(!model.log.isEmpty, .section(
                .h2(.text("Supervision log")),
                TableViews.scrollable(captionID: "log", .table(
                    .class("data-table"),
                    .caption(.id("log"), .text("Latest 50 sessions")),
                    .thead(.tr(.th(.text("Date")), .th(.text("Student")), .th(.text("Supervisor")), .th(.text("Minutes")), .th(.text("Format")))),
                    .tbody(.forEach(model.log) { row in
                        .tr(.td(.text(row.heldOn)), .td(.text(row.student)), .td(.text(row.supervisor)), .td(.text("\(row.minutes)")), .td(.text(row.format)))
                    })))))
        )
    }
}
