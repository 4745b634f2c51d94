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

        public init(header: ChartHeader, phase: Phase, focus: String, comment: String?, action: String, amendment: Bool, sessionsHeld: Int,
                    fields: [String: String], techniques: Set<String>, errors: FieldErrors, csrfToken: String, name: String) {
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
        }

        public var title: String { errors.isEmpty ? name : "Please check: \(name)" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors, amendment = model.amendment
        return .group(
            ChartFrame.header(model.header),
            .p(.class("lede"), .text("\(model.phase.label). Focus: \(model.focus).")),
            .unwrap(model.comment) { .div(.class("notice warning"), .h2(.text("Your supervisor's comments")), .p(.text($0))) },
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(model.action), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  .if(!amendment, FormViews.textField(name: "sessionNumber", label: "Session number", value: fields["sessionNumber"], error: errors["sessionNumber"],
                                                      type: .number, maxLength: 2, hint: "Sessions held under the contract so far: \(model.sessionsHeld).")),
                  .group(SessionNoteContent.headings(for: model.phase).map { heading in
                      FormViews.textArea(name: heading.key, label: heading.label, value: fields[heading.key], error: errors[heading.key],
                                         maxLength: SessionNoteContent.textLimit, rows: 4, required: heading.key == "mood" || heading.key == "plan")
                  }),
                  FormViews.checkboxGroup(name: "techniques[]", id: "techniques", legend: "Techniques used",
                                          options: Technique.allCases.map { ($0.rawValue, $0.label) }, selected: model.techniques),
                  FormViews.textField(name: "scoresOfTheDay", label: "Measure scores of the day", value: fields["scoresOfTheDay"], error: errors["scoresOfTheDay"],
                                      required: false, maxLength: SessionNoteContent.textLimit),
                  FormViews.radioGroup(name: "riskCheck", legend: "Risk check", options: RiskCheck.allCases.map { ($0.rawValue, $0.label) },
                                       selected: fields["riskCheck"], error: errors["riskCheck"]),
                  FormViews.textArea(name: "riskDetail", label: "Risk: what was said and done", value: fields["riskDetail"], error: errors["riskDetail"],
                                     maxLength: SessionNoteContent.textLimit, rows: 3, required: false),
                  .if(amendment, FormViews.textArea(name: "reason", label: "Why the note is being amended", value: fields["reason"], error: errors["reason"],
                                                    maxLength: 1_000, rows: 3)),
                  .div(.class("button-row"),
                       .if(!amendment, .button(.class("button secondary"), .type(.submit), .name("action"), .value("save"), .text("Save draft"))),
                       .button(.class("button"), .type(.submit), .name("action"), .value("sign"), .text(amendment ? "Sign the amendment" : "Sign the note"))))
        )
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
