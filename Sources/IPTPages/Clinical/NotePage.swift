import IPTCore
import Plot

/// A signed (or someone else's) session note, read only: the original as signed beside every
/// amendment to it, the supervisor's comments, and the supervisor's co-sign or return forms.
public enum NotePage {
    public struct Amendment: Sendable {
        /// "Amendment by ..., when (status)".
        public var heading: String
        public var reason: String
        public var content: SessionNoteContent

        public init(heading: String, reason: String, content: SessionNoteContent) {
            self.heading = heading
            self.reason = reason
            self.content = content
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var noteID: String
        public var phase: Phase
        public var author: String
        /// When it was signed, if it was.
        public var signed: String?
        /// The status in lower case, for a note that is not final.
        public var unfinishedStatus: String?
        /// "name when" of the supervisor who co-signed.
        public var cosigned: String?
        public var awaitingCosignature: Bool
        public var content: SessionNoteContent
        public var amendments: [Amendment]
        public var comment: String?
        public var mayAmend: Bool
        public var mayReview: Bool
        public var csrfToken: String
        /// What is wrong with a return the supervisor tried (a comment is required), and what was typed.
        public var reviewErrors: FieldErrors
        public var typedComment: String?

        public init(header: ChartHeader, done: String?, noteID: String, phase: Phase, author: String, signed: String?, unfinishedStatus: String?,
                    cosigned: String?, awaitingCosignature: Bool, content: SessionNoteContent, amendments: [Amendment], comment: String?,
                    mayAmend: Bool, mayReview: Bool, csrfToken: String, reviewErrors: FieldErrors = FieldErrors(), typedComment: String? = nil) {
            self.header = header
            self.done = done
            self.noteID = noteID
            self.phase = phase
            self.author = author
            self.signed = signed
            self.unfinishedStatus = unfinishedStatus
            self.cosigned = cosigned
            self.awaitingCosignature = awaitingCosignature
            self.content = content
            self.amendments = amendments
            self.comment = comment
            self.mayAmend = mayAmend
            self.mayReview = mayReview
            self.csrfToken = csrfToken
            self.reviewErrors = reviewErrors
            self.typedComment = typedComment
        }

        public var title: String { "Session note" }
    }

    /// A note's content as the form's fields, by field name.
    public static func fields(of content: SessionNoteContent) -> [String: String] {
        ["mood": content.mood, "interpersonalEvents": content.interpersonalEvents, "focusWork": content.focusWork,
         "scoresOfTheDay": content.scoresOfTheDay, "riskCheck": content.riskCheck?.rawValue ?? "", "riskDetail": content.riskDetail, "plan": content.plan]
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let client = model.header.clientID, amendments = model.amendments
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .p(.class("lede"), .text("\(model.phase.label). Written by \(model.author)."),
               .unwrap(model.signed) { .text(" Signed \($0)") },
               .unwrap(model.unfinishedStatus) { .text(" (\($0))") },
               .unwrap(model.cosigned) { .text(", co-signed by \($0)") },
               .text(".")),
            .if(model.awaitingCosignature, .p(.class("notice warning"), .text("Not final: this note waits for the supervisor's co-signature."))),
            .div(.class(amendments.isEmpty ? "" : "original-and-amendments"),
                 .section(.class(amendments.isEmpty ? "" : "original"),
                          .if(!amendments.isEmpty, .h2(.text("Original, as signed"))),
                          describe(model.content, phase: model.phase, replacedBy: amendments.last?.content)),
                 .forEach(amendments) { amendment in
                     .section(.class("amendment"),
                              .h3(.text(amendment.heading)),
                              .p(.strong(.text("Reason: ")), .text(amendment.reason)),
                              describe(amendment.content, phase: model.phase))
                 }),
            .unwrap(model.comment) { .div(.class("notice"), .h2(.text("Supervisor's comments")), .p(.text($0))) },
            .if(model.mayAmend, .p(.a(.class("button secondary"), .href(SitePath.noteAmend.link(client, model.noteID)), .text("Amend this note")))),
            .if(model.mayReview, .section(.class("review"),
                .h2(.id("review"), .text("Supervision")),
                FormViews.errorSummary(model.reviewErrors),
                .form(.method(.post), .action(SitePath.noteCosign.link(client, model.noteID)), .class("form"),
                      FormViews.csrf(model.csrfToken),
                      FormViews.radioGroup(name: "onFocus", legend: "Fidelity: was the session on the focus? (optional)",
                                           options: [("yes", "Yes"), ("no", "No")], selected: nil, error: nil),
                      FormViews.radioGroup(name: "tasksDone", legend: "Fidelity: were the phase's tasks done? (optional)",
                                           options: [("yes", "Yes"), ("no", "No")], selected: nil, error: nil),
                      .button(.class("button"), .type(.submit), .text("Co-sign"))),
                .form(.method(.post), .action(SitePath.noteReturn.link(client, model.noteID)), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.textArea(name: "comment", label: "Or return it with comments", value: model.typedComment, error: model.reviewErrors["comment"],
                                         maxLength: 4_000, rows: 3, hint: "Say what to change; the student sees the comments with the note."),
                      .button(.class("button secondary"), .type(.submit), .text("Return to the student")))))
        )
    }

    /// The note's sections; with `replacedBy`, the sections an amendment changed are marked, so the
    /// original shows exactly what was struck and nothing else.
    private static func describe(_ content: SessionNoteContent, phase: Phase, replacedBy amendment: SessionNoteContent? = nil) -> Node<HTML.BodyContext> {
        let values = fields(of: content)
        let newer = amendment.map(fields(of:))
        func cell(_ key: String, _ text: String) -> Node<HTML.DescriptionListContext> {
            let changed = newer.map { $0[key] != values[key] } ?? false
            return .dd(.class(changed ? "changed" : ""), .if(changed, .span(.class("visually-hidden"), .text("Struck out by an amendment: "))), .text(text))
        }
        let techniques = content.techniques.isEmpty ? "None recorded" : content.techniques.map(\.label).joined(separator: ", ")
        let techniquesChanged = amendment.map { $0.techniques != content.techniques } ?? false
        return .dl(.class("details note"),
                   .group(SessionNoteContent.headings(for: phase).map { heading in
                       .group(.dt(.text(heading.label)), cell(heading.key, values[heading.key].flatMap { $0.isEmpty ? nil : $0 } ?? "Not written"))
                   }),
                   .dt(.text("Techniques")), .dd(.class(techniquesChanged ? "changed" : ""), .text(techniques)),
                   .dt(.text("Scores of the day")), cell("scoresOfTheDay", content.scoresOfTheDay.isEmpty ? "None" : content.scoresOfTheDay),
                   .dt(.text("Risk check")), cell("riskCheck", (content.riskCheck?.label ?? "Not recorded") + (content.riskDetail.isEmpty ? "" : ". \(content.riskDetail)")))
    }
}
