import IPTCore
import Plot

/// The portal's home: appointments coming up, consents signed, questionnaires waiting and
/// answered, and the client's requests about their record. A guardian sees appointments, consents
/// and only the scores the clinician shared, never the adolescent's record or waiting forms.
public enum PortalHomePage {
    public struct Upcoming: Sendable, Equatable {
        /// "Friday, December 4, 2026 at 10:00 AM, with Priya Natarajan".
        public var text: String
        /// The appointment's own token, for the page that cancels or moves it; nil when it cannot be opened.
        public var manageToken: String?

        public init(text: String, manageToken: String?) {
            self.text = text
            self.manageToken = manageToken
        }
    }

    public struct Waiting: Sendable, Equatable {
        public var responseID: String
        public var label: String

        public init(responseID: String, label: String) {
            self.responseID = responseID
            self.label = label
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

        public init(text: String, due: String?) {
            self.text = text
            self.due = due
        }
    }

    public struct Model: Sendable {
        public var clientName: String
        public var asGuardian: Bool
        public var upcoming: [Upcoming]
        public var consents: [String]
        public var waiting: [Waiting]
        public var answered: [Answered]
        public var notice: String?
        public var requests: [RecordRequestLine]
        /// A copy of the record has been released.
        public var mayReadRecord: Bool
        public var csrfToken: String

        public init(clientName: String, asGuardian: Bool, upcoming: [Upcoming], consents: [String], waiting: [Waiting], answered: [Answered],
                    notice: String?, requests: [RecordRequestLine], mayReadRecord: Bool, csrfToken: String) {
            self.clientName = clientName
            self.asGuardian = asGuardian
            self.upcoming = upcoming
            self.consents = consents
            self.waiting = waiting
            self.answered = answered
            self.notice = notice
            self.requests = requests
            self.mayReadRecord = mayReadRecord
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.asGuardian ? "\(model.clientName): appointments and consents" : "Your appointments and forms")),
            .h2(.text("Coming up")),
            .if(model.upcoming.isEmpty, .p(.text("No appointments booked."))),
            .ul(.forEach(model.upcoming) { appointment in
                .li(.text(appointment.text),
                    .unwrap(appointment.manageToken) { .group(.text(" - "), .a(.href(SitePath.manageAppointment.link($0)), .text("cancel or change"))) })
            }),
            .h2(.text("Consents signed")),
            .if(model.consents.isEmpty, .p(.text("None yet."))),
            .ul(.forEach(model.consents) { .li(.text($0)) }),
            .if(!model.waiting.isEmpty, .group(
                .h2(.text("Questionnaires waiting for you")),
                .ul(.forEach(model.waiting) { response in
                    .li(.a(.href(SitePath.portalQuestionnaire.link(response.responseID)), .text(response.label)))
                }))),
            .if(!model.asGuardian || !model.answered.isEmpty, .group(
                .h2(.text(model.asGuardian ? "Questionnaires the clinician shared with you" : "Questionnaires you answered")),
                .if(model.answered.isEmpty, .p(.text("None yet."))),
                .ul(.forEach(model.answered) { response in
                    .li(.text(response.label), .unwrap(response.score) { .text(": score \($0)") })
                }))),
            .if(!model.asGuardian, record(model)),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.portalSignOut.link), FormViews.csrf(model.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text("Sign out")))
        )
    }

    private static func record(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h2(.text("Your record")),
            .unwrap(model.notice) { .p(.class("notice"), .attribute(named: "role", value: "status"), .text($0)) },
            .if(model.requests.isEmpty, .p(.text("You can ask for a copy of everything the clinic keeps about you, and for corrections. The clinic answers within 30 days."))),
            .ul(.forEach(model.requests) { row in
                .li(.text(row.text), .unwrap(row.due) { .text(", due by \($0)") })
            }),
            .if(model.mayReadRecord, .p(.a(.class("button"), .href(SitePath.portalRecord.link), .text("Read your record")))),
            .div(.class("button-row"),
                 .form(.class("inline-form"), .method(.post), .action(SitePath.portalRecordRequest.link), FormViews.csrf(model.csrfToken),
                       .button(.class("button secondary"), .type(.submit), .text("Ask for a copy of my record"))),
                 .a(.class("button secondary"), .href(SitePath.portalCorrection.link), .text("Ask for a correction")))
        )
    }
}
