import IPTCore
import Plot

/// One safety alert: where it came from (the questionnaire answers that raised it, or the session
/// note's risk check), its status, the follow-up once recorded, and while open the form that closes it.
public enum AlertPage {
    public struct Answer: Sendable, Equatable {
        public var question: String
        public var answer: String

        public init(question: String, answer: String) {
            self.question = question
            self.answer = answer
        }
    }

    public enum Origin: Sendable, Equatable {
        /// "PHQ-9: 21 (Severe)" and the risk items with the answers given.
        case questionnaire(summary: String, answers: [Answer])
        case note(clientID: String, noteID: String, sessionNumber: Int)
        case unknown
    }

    public struct Model: Sendable {
        public var alertID: String
        public var clientName: String
        public var raised: String
        public var clinician: String
        public var origin: Origin
        public var isOpen: Bool
        /// Who closed it, shown when it is closed.
        public var closedBy: String
        public var followUp: String?
        public var assessment: String?
        public var plan: String?
        public var errors: FieldErrors
        public var csrfToken: String

        public init(alertID: String, clientName: String, raised: String, clinician: String, origin: Origin, isOpen: Bool, closedBy: String,
                    followUp: String?, assessment: String?, plan: String?, errors: FieldErrors, csrfToken: String) {
            self.alertID = alertID
            self.clientName = clientName
            self.raised = raised
            self.clinician = clinician
            self.origin = origin
            self.isOpen = isOpen
            self.closedBy = closedBy
            self.followUp = followUp
            self.assessment = assessment
            self.plan = plan
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Safety alert" : "Check the follow-up: Safety alert" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let summary: Node<HTML.DescriptionListContext>
        let details: Node<HTML.BodyContext>
        switch model.origin {
        case let .questionnaire(text, answers):
            summary = .group(.dt(.text("Questionnaire")), .dd(.text(text)))
            details = .group(.h2(.text("Answers that raised it")),
                             .ul(.forEach(answers) { .li(.text("\($0.question): "), .strong(.text($0.answer))) }))
        case let .note(clientID, noteID, sessionNumber):
            summary = .group(.dt(.text("Raised by")),
                             .dd(.a(.href(SitePath.note.link(clientID, noteID)), .text("the session \(sessionNumber) note"))))
            details = .p(.text("The note's risk check records thoughts with plan or intent."))
        case .unknown:
            summary = .empty
            details = .empty
        }
        return .group(
            .p(.class("small"), .a(.href(SitePath.alerts.link), .text("All alerts"))),
            .h1(.text("Safety alert: \(model.clientName)")),
            .dl(.class("details"),
                .dt(.text("Raised")), .dd(.text(model.raised)),
                .dt(.text("Clinician")), .dd(.text(model.clinician)),
                summary,
                .dt(.text("Status")), .dd(.text(model.isOpen ? "Open" : "Closed by \(model.closedBy)"))),
            details,
            .p(.class("small"), .text("A screening answer is a prompt to assess, not a risk assessment: nothing here decides anything by itself.")),
            .unwrap(model.followUp) { .group(.h2(.text("Follow-up")), .div(.class("message-body"), .text($0))) },
            .if(model.isOpen, .group(
                .h2(.text("Record the follow-up")),
                FormViews.errorSummary(model.errors),
                .form(.class("form"), .method(.post), .action(SitePath.alertClose.link(model.alertID)), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.textArea(name: "assessment", label: "What was assessed, and the outcome", value: model.assessment,
                                         error: model.errors["assessment"], maxLength: 5_000, rows: 5),
                      FormViews.textArea(name: "plan", label: "Safety plan agreed with the client", value: model.plan,
                                         error: model.errors["plan"], maxLength: 5_000, rows: 5),
                      .button(.class("button"), .type(.submit), .text("Record and close the alert")))
            ))
        )
    }
}
