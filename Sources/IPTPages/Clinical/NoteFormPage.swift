import IPTCore
import Plot

/// The session note form, with the headings of the session's phase: a new note, a draft or a
/// returned note being finished, or an amendment to a signed one (which asks why).
public enum NoteFormPage {
    public struct Model: Sendable {
        public var header: ChartHeader
        public var phase: Phase
        /// The focus in words, or "not chosen yet".
        public var focus: String
        /// The supervisor's comments on a returned note.
        public var comment: String?
        /// Where the form posts: the notes, the note, or its amendment.
        public var action: String
        public var amendment: Bool
        public var sessionsHeld: Int
        public var fields: [String: String]
        public var techniques: Set<String>
        public var errors: FieldErrors
        public var csrfToken: String
        /// The page's name before "Please check: ".
        public var name: String
        /// The appointment the note is written from, in words ("Tuesday, ... at 5 p.m."), and its id.
        public var appointment: (id: String, when: String)?
        /// The plan of the note before this one, shown beside the form so the session picks it up.
        public var previousPlan: (session: Int, plan: String)?
        /// Where the script posts the draft while typing; nil where drafts are not kept (amendments).
        public var draftAction: String?
        /// When the draft was last saved, in words, for a draft being finished.
        public var savedAt: String?
        /// What the last save did, when it needs saying (a draft kept without its appointment).
        public var done: String?

        public init(header: ChartHeader, phase: Phase, focus: String, comment: String?, action: String, amendment: Bool, sessionsHeld: Int,
                    fields: [String: String], techniques: Set<String>, errors: FieldErrors, csrfToken: String, name: String,
                    appointment: (id: String, when: String)? = nil, previousPlan: (session: Int, plan: String)? = nil,
                    draftAction: String? = nil, savedAt: String? = nil) {
            self.header = header
            self.phase = phase
            self.focus = focus
            self.comment = comment
            self.action = action
            self.amendment = amendment
            self.sessionsHeld = sessionsHeld
            self.fields = fields
            self.techniques = techniques
            self.errors = errors
            self.csrfToken = csrfToken
            self.name = name
            self.appointment = appointment
            self.previousPlan = previousPlan
            self.draftAction = draftAction
            self.savedAt = savedAt
        }

        public var title: String { errors.isEmpty ? name : "Please check: \(name)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .p(.class("lede"), .text("\(model.phase.label). Focus: \(model.focus)."),
               .unwrap(model.appointment) { .text(" Written for the session on \($0.when).") }),
            .unwrap(model.comment) { .div(.class("notice warning"), .h2(.text("Your supervisor's comments")), .p(.text($0))) },
            FormViews.errorSummary(model.errors),
            .div(.class("note-layout"),
                 previousPlan(model),
                 form(model)),
            .if(model.draftAction != nil, .script(.src("/js/note-autosave.js"), .attribute(named: "defer", value: "defer")))
        )
    }

    /// The last session's plan: what this session was meant to pick up. Above the form on a phone,
    /// beside it on a wide screen.
    private static func previousPlan(_ model: Model) -> Node<HTML.BodyContext> {
        .element(named: "aside", nodes: [
            .class("note-previous"), .attribute(named: "aria-labelledby", value: "note-previous-heading"),
            .h2(.id("note-previous-heading"), .text(model.previousPlan.map { "Plan from session \($0.session)" } ?? "Plan from the last session")),
            .p(.text(model.previousPlan?.plan ?? "No earlier note has a plan yet.")),
        ])
    }

    /// The sections fold away (a long note on a phone is a lot of scrolling); the phase's own
    /// sections and the risk check start open, and any section with an error opens.
    private static func section<C: HTML.BodyContext>(_ title: String, open: Bool, _ content: Node<C>...) -> Node<C> {
        .element(named: "details", nodes: [.class("note-section"), .if(open, .attribute(named: "open", value: "open")),
                                           .element(named: "summary", nodes: [.text(title)])] + content)
    }

    private static func form(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors, amendment = model.amendment
        let headings = SessionNoteContent.headings(for: model.phase)
        let hasExtras = !model.techniques.isEmpty || !(fields["scoresOfTheDay"] ?? "").isEmpty || errors["scoresOfTheDay"] != nil
        return .form(.method(.post), .action(model.action), .class("form note-form"), .novalidate(),
                     .unwrap(model.draftAction) { .attribute(named: "data-draft-action", value: $0) },
                     FormViews.csrf(model.csrfToken),
                     .unwrap(model.appointment) { .input(.type(.hidden), .name("appointment"), .value($0.id)) },
                     .unwrap(model.fields["formKey"]) { .input(.type(.hidden), .name("formKey"), .value($0)) },
                     .if(!amendment, FormViews.textField(name: "sessionNumber", label: "Session number", value: fields["sessionNumber"],
                                                         error: errors["sessionNumber"], type: .number, maxLength: 2,
                                                         hint: model.appointment == nil ? "Sessions held under the contract so far: \(model.sessionsHeld)."
                                                             : "Counted from the course: the sessions attended before this appointment, plus this one.")),
                     section("\(model.phase.label): the session", open: true, .group(headings.map { heading in
                         FormViews.textArea(name: heading.key, label: heading.label, value: fields[heading.key], error: errors[heading.key],
                                            maxLength: SessionNoteContent.textLimit, rows: 4, required: heading.key == "mood" || heading.key == "plan")
                     })),
                     section("Techniques and measures", open: hasExtras,
                             FormViews.checkboxGroup(name: "techniques[]", id: "techniques", legend: "Techniques used",
                                                     options: Technique.allCases.map { ($0.rawValue, $0.label) }, selected: model.techniques),
                             FormViews.textField(name: "scoresOfTheDay", label: "Measure scores of the day", value: fields["scoresOfTheDay"],
                                                 error: errors["scoresOfTheDay"], required: false, maxLength: SessionNoteContent.textLimit)),
                     section("Risk check", open: true,
                             FormViews.radioGroup(name: "riskCheck", legend: "Risk check", options: RiskCheck.allCases.map { ($0.rawValue, $0.label) },
                                                  selected: fields["riskCheck"], error: errors["riskCheck"]),
                             FormViews.textArea(name: "riskDetail", label: "Risk: what was said and done", value: fields["riskDetail"], error: errors["riskDetail"],
                                                maxLength: SessionNoteContent.textLimit, rows: 3, required: false)),
                     .if(amendment, FormViews.textArea(name: "reason", label: "Why the note is being amended", value: fields["reason"], error: errors["reason"],
                                                       maxLength: 1_000, rows: 3)),
                     .div(.class("button-row"),
                          .if(!amendment, .button(.class("button secondary"), .type(.submit), .name("action"), .value("save"), .text("Save draft"))),
                          .button(.class("button"), .type(.submit), .name("action"), .value("sign"), .text(amendment ? "Sign the amendment" : "Sign the note"))),
                     .if(model.draftAction != nil,
                         .p(.class("note-saved hint"), .id("note-saved"), .attribute(named: "role", value: "status"),
                            .text(model.savedAt.map { "Saved at \($0)" } ?? "Drafts are kept as you type; \"Save draft\" keeps one at any time."))))
    }

    /// Shown instead of the form while the client has no treatment contract: notes count sessions
    /// against it.
    public static func contractFirst(_ header: ChartHeader) -> Node<HTML.BodyContext> {
        .group(
            ChartFrame.header(header),
            .p(.text("Notes count sessions against the treatment contract. Agree the contract first.")),
            .p(.a(.class("button"), .href(SitePath.contract.link(header.clientID)), .text("Agree the treatment contract"))))
    }
}
