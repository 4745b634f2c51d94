import IPTCore
import Plot

/// A questionnaire to answer: one radio group per item, sent whole or kept as a draft. Reached by
/// the emailed link, from the portal, or by the clinician in session; `action` is the address it
/// was opened at, so the answers go back the same way.
public enum QuestionnairePage {
    public struct Item: Sendable, Equatable {
        public var id: String
        public var text: String
        public var options: [Option]
        /// The answer already given (a draft, or the form sent back with a problem).
        public var selected: String?

        public init(id: String, text: String, options: [Option], selected: String?) {
            self.id = id
            self.text = text
            self.options = options
            self.selected = selected
        }
    }

    public struct Option: Sendable, Equatable {
        public var value: String
        public var label: String

        public init(value: String, label: String) {
            self.value = value
            self.label = label
        }
    }

    public struct Model: Sendable {
        public var instrumentName: String
        public var instructions: String
        public var licence: String
        public var items: [Item]
        public var crisis: CrisisBox.Model?
        public var notice: String?
        public var action: String
        public var errors: FieldErrors
        public var csrfToken: String

        public init(instrumentName: String, instructions: String, licence: String, items: [Item], crisis: CrisisBox.Model?, notice: String?,
                    action: String, errors: FieldErrors, csrfToken: String) {
            self.instrumentName = instrumentName
            self.instructions = instructions
            self.licence = licence
            self.items = items
            self.crisis = crisis
            self.notice = notice
            self.action = action
            self.errors = errors
            self.csrfToken = csrfToken
        }

        /// The window's title, which browsers keep in their history and show on shared screens: it
        /// says "questionnaire", not which one (a PHQ-9 there says depression). The page's heading names it.
        public var title: String { errors.isEmpty ? "Your questionnaire" : "Please check: your questionnaire" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.instrumentName)),
            .unwrap(model.crisis) { CrisisBox.view($0) },
            .unwrap(model.notice) { .div(.class("notice info"), .p(.text($0))) },
            .p(.class("lede"), .text(model.instructions)),
            FormViews.errorSummary(model.errors),
            .form(
                .class("form questionnaire"), .method(.post), .action(model.action), .novalidate(),
                FormViews.csrf(model.csrfToken),
                .forEach(model.items) { item in
                    FormViews.radioGroup(name: "item-\(item.id)", legend: item.text, options: item.options.map { ($0.value, $0.label) },
                                         selected: item.selected, error: model.errors["item-\(item.id)"])
                },
                .button(.class("button"), .type(.submit), .name("action"), .value("submit"), .text("Send my answers")),
                .text(" "),
                .button(.class("button secondary"), .type(.submit), .name("action"), .value("draft"), .text("Save and finish later"))
            ),
            .p(.class("small"), .text(model.licence))
        )
    }
}

/// What follows a questionnaire sent or kept: the crisis box first when an answer called for it.
public enum QuestionnaireOutcomePage {
    public enum Outcome: Sendable, Equatable {
        /// Kept as a draft; `howToFinish` says where to open it again.
        case saved(howToFinish: String)
        case sent
    }

    public struct BackLink: Sendable, Equatable {
        public var href: String
        public var label: String

        public init(href: String, label: String) {
            self.href = href
            self.label = label
        }
    }

    public struct Model: Sendable {
        public var outcome: Outcome
        public var crisis: CrisisBox.Model?
        public var back: BackLink?

        public init(outcome: Outcome, crisis: CrisisBox.Model?, back: BackLink?) {
            self.outcome = outcome
            self.crisis = crisis
            self.back = back
        }

        public var title: String {
            switch outcome {
            case .saved: "Answers saved"
            case .sent: "Answers sent"
            }
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let back: Node<HTML.BodyContext> = .unwrap(model.back) { .p(.a(.href($0.href), .text($0.label))) }
        switch model.outcome {
        case .saved(let howToFinish):
            return .group(
                .h1(.text("Answers saved")),
                .unwrap(model.crisis) { CrisisBox.view($0) },
                .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Your answers so far are saved."))),
                .p(.text("\(howToFinish) Your clinician receives the questionnaire when you press Send.")),
                back
            )
        case .sent:
            return .group(
                .h1(.text("Thank you, your answers are sent")),
                .unwrap(model.crisis) { CrisisBox.view($0) },
                .p(.text("Your clinician will look at them before your next session.")),
                back
            )
        }
    }
}
