import IPTCore
import Plot

/// The formulation: the intake's suggested focus and its reasons beside the form that records the
/// focus chosen with the client, and every earlier version.
public enum FormulationPage {
    public struct Suggestion: Sendable, Equatable {
        public var area: FocusArea
        public var reasons: [String]

        public init(area: FocusArea, reasons: [String]) {
            self.area = area
            self.reasons = reasons
        }
    }

    public struct Version: Sendable, Equatable {
        public var version: Int
        public var focus: String
        public var clientAgreed: Bool
        public var saved: String
        public var by: String

        public init(version: Int, focus: String, clientAgreed: Bool, saved: String, by: String) {
            self.version = version
            self.focus = focus
            self.clientAgreed = clientAgreed
            self.saved = saved
            self.by = by
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var hasSelfAssessment: Bool
        public var suggestions: [Suggestion]
        public var framework: FocusFramework
        public var versions: [Version]
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(header: ChartHeader, done: String?, hasSelfAssessment: Bool, suggestions: [Suggestion], framework: FocusFramework,
                    versions: [Version], fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.done = done
            self.hasSelfAssessment = hasSelfAssessment
            self.suggestions = suggestions
            self.framework = framework
            self.versions = versions
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Formulation" : "Please check: Formulation" }
    }

    public static let textLimit = 8_000

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let framework = model.framework, fields = model.fields, errors = model.errors
        let areaOptions = framework.areas.map { ($0.rawValue, $0.label) }
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .div(.class("side-by-side"),
                 .section(.class("notice info suggestion"),
                          .h2(.text("Suggested by the intake answers")),
                          .p(.text("A suggestion for discussion with the client, worked out from the self-assessment. It is never applied by itself.")),
                          .if(!model.hasSelfAssessment, .p(.text("The client has not completed a self-assessment."))),
                          .if(model.hasSelfAssessment && model.suggestions.isEmpty, .p(.text("The answers give no basis for a suggestion."))),
                          .ol(.forEach(model.suggestions) { suggestion in
                              .li(.strong(.text(suggestion.area.label)),
                                  .if(!framework.areas.contains(suggestion.area), .text(" (outside the clinic's framework: a complicating factor)")),
                                  .ul(.forEach(suggestion.reasons) { .li(.text($0)) }))
                          })),
                 .section(
                    .h2(.text(model.versions.isEmpty ? "Choose the focus" : "Revise the formulation")),
                    .p(.class("hint"), .text("The clinic uses the \(framework.label.lowercased()) framework. One focus, two at most. Each save is kept as a version.")),
                    FormViews.errorSummary(errors),
                    .form(.method(.post), .action(SitePath.formulation.link(model.header.clientID)), .class("form"), .novalidate(),
                          FormViews.csrf(model.csrfToken),
                          FormViews.radioGroup(name: "primary", legend: "Primary focus", options: areaOptions, selected: fields["primary"], error: errors["primary"]),
                          FormViews.select(name: "secondary", label: "Second focus (optional)", options: [("", "None")] + areaOptions,
                                           selected: fields["secondary"], error: errors["secondary"]),
                          FormViews.textArea(name: "text", label: "The formulation as agreed with the client", value: fields["text"], error: errors["text"],
                                             maxLength: textLimit, rows: 8,
                                             hint: "Link the episode to the focus in words the client recognises: what happened, how it connects with the mood, what the work will be."),
                          FormViews.checkbox(name: "clientAgreed", label: "The client agrees with this formulation", checked: fields["clientAgreed"] == "yes", error: nil),
                          .button(.class("button"), .type(.submit), .text("Save the formulation"))))),
            .if(!model.versions.isEmpty, TableViews.scrollable(captionID: "formulation-versions", .table(
                .class("data-table"),
                .caption(.id("formulation-versions"), .text("Versions, newest first")),
                .thead(.tr(.th(.text("Version")), .th(.text("Focus")), .th(.text("Client agreed")), .th(.text("Saved")), .th(.text("By")))),
                .tbody(.forEach(model.versions) { row in
                    .tr(.td(.text("\(row.version)")), .td(.text(row.focus)), .td(.text(row.clientAgreed ? "Yes" : "Not yet")),
                        .td(.text(row.saved)), .td(.text(row.by)))
                }))))
        )
    }
}

/// Life events and mood on one time line: the chart, the same facts as a table in date order, and
/// the form that adds an event told in session.
public enum TimelinePage {
    public struct Event: Sendable, Equatable {
        public var month: LocalDate
        public var label: String

        public init(month: LocalDate, label: String) {
            self.month = month
            self.label = label
        }
    }

    public struct Row: Sendable, Equatable {
        public var when: String
        public var what: String
        /// The onset of the low mood stands out from the events.
        public var emphasised: Bool
        public var source: String

        public init(when: String, what: String, emphasised: Bool, source: String) {
            self.when = when
            self.what = what
            self.emphasised = emphasised
            self.source = source
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        /// The numbered events, in the order of their numbers.
        public var events: [Event]
        public var onset: LocalDate?
        public var scores: [(date: LocalDate, total: Int)]
        public var rows: [Row]
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(header: ChartHeader, done: String?, events: [Event], onset: LocalDate?, scores: [(date: LocalDate, total: Int)], rows: [Row],
                    fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.done = done
            self.events = events
            self.onset = onset
            self.scores = scores
            self.rows = rows
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Timeline" : "Please check: Timeline" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            .p(.class("hint"), .text("A way to see how events line up with the mood: the events the client reported and those added in session, against the depression questionnaire scores.")),
            .raw(MoodTimeline.svg(events: model.events.map { ($0.month, $0.label) }, onset: model.onset, scores: model.scores.map { ($0.date, $0.total) })),
            TableViews.scrollable(captionID: "timeline-table", .table(
                .class("data-table"),
                .caption(.id("timeline-table"), .text("Events and scores in date order")),
                .thead(.tr(.th(.text("When")), .th(.text("What")), .th(.text("Source")))),
                .tbody(.forEach(model.rows) { row in
                    .tr(.td(.text(row.when)), .td(row.emphasised ? .strong(.text(row.what)) : .text(row.what)), .td(.text(row.source)))
                }))),
            .h2(.text("Add an event from a session")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(SitePath.timeline.link(model.header.clientID)), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.select(name: "kind", label: "Event", options: LifeEventKind.allCases.map { ($0.rawValue, $0.label) }, selected: fields["kind"], error: errors["kind"]),
                  FormViews.textField(name: "month", label: "Month", value: fields["month"], error: errors["month"], type: .init(rawValue: "month")!, maxLength: 7,
                                      hint: "The month and year it happened (where the browser shows a plain box, type it as YYYY-MM, for example 2026-03)."),
                  FormViews.select(name: "impact", label: "How much it affected them", options: SelfAssessment.impactScale.map { (String($0.value), $0.label) },
                                   selected: fields["impact"], error: errors["impact"]),
                  FormViews.textField(name: "note", label: "A few words", value: fields["note"], error: errors["note"], required: false,
                                      maxLength: SelfAssessment.Limits.note),
                  .button(.class("button"), .type(.submit), .text("Add the event")))
        )
    }
}
