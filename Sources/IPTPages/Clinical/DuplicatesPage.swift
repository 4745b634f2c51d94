import Plot

/// The front desk's list of records a booking made that look like an existing client's, the two side
/// by side (contact details only), each with "merge" and "keep apart".
public enum DuplicatesPage {
    public struct Record: Sendable, Equatable {
        public var name: String
        public var email: String
        public var phone: String
        public var dateOfBirth: String
        public var opened: String
        public var appointments: Int

        public init(name: String, email: String, phone: String, dateOfBirth: String, opened: String, appointments: Int) {
            self.name = name
            self.email = email
            self.phone = phone
            self.dateOfBirth = dateOfBirth
            self.opened = opened
            self.appointments = appointments
        }
    }

    public struct Task: Sendable, Equatable {
        public var id: String
        public var reasons: String
        public var new: Record
        public var existing: Record

        public init(id: String, reasons: String, new: Record, existing: Record) {
            self.id = id
            self.reasons = reasons
            self.new = new
            self.existing = existing
        }
    }

    public enum Done: String, Sendable {
        case merged, kept
    }

    public struct Model: Sendable {
        public var tasks: [Task]
        public var done: Done?
        public var csrfToken: String

        public init(tasks: [Task], done: Done?, csrfToken: String) {
            self.tasks = tasks
            self.done = done
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let notice: String? = switch model.done {
        case .merged: "Merged: the new record's appointments and forms now belong to the existing client."
        case .kept: "Kept apart: both records stay as they are."
        case nil: nil
        }
        return .group(
            .h1(.text("Possible duplicate clients")),
            .unwrap(notice) { .p(.class("notice"), .attribute(named: "role", value: "status"), .text($0)) },
            .p(.class("lede"), .text("A booking never joins an existing client's record by itself. When its details look like an existing client's, it makes a new record and waits here. Check with the person if unsure, then merge the two or keep them apart.")),
            .if(model.tasks.isEmpty, .p(.text("Nothing to reconcile."))),
            .forEach(model.tasks) { task in
                .section(.class("duplicate card"),
                    .h2(.text("\(task.new.name): matches \(task.reasons)")),
                    .div(.class("side-by-side"),
                         .div(.h3(.text("New record (from a booking)")), describe(task.new)),
                         .div(.h3(.text("Existing client")), describe(task.existing))),
                    .form(.method(.post), .action(SitePath.duplicateMerge.link(task.id)), .class("inline-form"),
                          FormViews.csrf(model.csrfToken),
                          .button(.class("button"), .type(.submit), .text("Same person: merge into the existing client"))),
                    .text(" "),
                    .form(.method(.post), .action(SitePath.duplicateKeepApart.link(task.id)), .class("inline-form"),
                          FormViews.csrf(model.csrfToken),
                          .button(.class("button secondary"), .type(.submit), .text("Different people: keep apart"))))
            }
        )
    }

    private static func describe(_ record: Record) -> Node<HTML.BodyContext> {
        .ul(.class("plain"),
            .li(.strong(.text(record.name))),
            .li(.text(record.email)), .li(.text(record.phone)), .li(.text("Born \(record.dateOfBirth)")),
            .li(.text("Record opened \(record.opened)")),
            .li(.text(record.appointments == 1 ? "1 appointment" : "\(record.appointments) appointments")))
    }
}
