import IPTCore
import Plot

/// A client's session notes, latest session first.
public enum NotesListPage {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var sessionNumber: Int
        public var phase: String
        public var author: String
        /// The status in words, with ", amended" when an amendment hangs off it.
        public var status: String
        public var written: String

        public init(id: String, sessionNumber: Int, phase: String, author: String, status: String, written: String) {
            self.id = id
            self.sessionNumber = sessionNumber
            self.phase = phase
            self.author = author
            self.status = status
            self.written = written
        }
    }

    /// A session held (or today's) under the contract that has no note yet.
    public struct Unwritten: Sendable, Equatable {
        public var appointmentID: String
        public var when: String
        public var sessionNumber: Int

        public init(appointmentID: String, when: String, sessionNumber: Int) {
            self.appointmentID = appointmentID
            self.when = when
            self.sessionNumber = sessionNumber
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var notes: [Row]
        public var unwritten: [Unwritten]

        public init(header: ChartHeader, done: String?, notes: [Row], unwritten: [Unwritten] = []) {
            self.header = header
            self.done = done
            self.notes = notes
            self.unwritten = unwritten
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let client = model.header.clientID
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .if(!model.unwritten.isEmpty, .section(
                .attribute(named: "aria-labelledby", value: "unwritten"),
                .h2(.id("unwritten"), .text("Sessions without a note")),
                .ul(.class("note-unwritten"), .forEach(model.unwritten) { session in
                    .li(.a(.href(SitePath.appointment.link(session.appointmentID)), .text("Session \(session.sessionNumber), \(session.when)")),
                        .text(" "),
                        .a(.class("button small"), .href(SitePath.noteNew.link(client, query: ["appointment": session.appointmentID])),
                           .text("Write note"), .span(.class("visually-hidden"), .text(" for session \(session.sessionNumber)"))))
                }))),
            .p(.a(.class(model.unwritten.isEmpty ? "button" : "button secondary"), .href(SitePath.noteNew.link(client)), .text("Write a session note"))),
            .if(model.notes.isEmpty, .p(.text("No notes yet."))),
            .if(!model.notes.isEmpty, TableViews.scrollable(captionID: "notes-table", .table(
                .class("data-table"),
                .caption(.id("notes-table"), .text("Notes, latest session first")),
                .thead(.tr(.th(.text("Session")), .th(.text("Phase")), .th(.text("Author")), .th(.text("Status")), .th(.text("Written")))),
                .tbody(.forEach(model.notes) { note in
                    .tr(.td(.a(.href(SitePath.note.link(client, note.id)), .text("Session \(note.sessionNumber)"))),
                        .td(.text(note.phase)), .td(.text(note.author)), .td(.text(note.status)), .td(.text(note.written)))
                }))))
        )
    }
}
