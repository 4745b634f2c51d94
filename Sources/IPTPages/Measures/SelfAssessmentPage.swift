import IPTCore
import Plot

/// The pre-therapy self-assessment opened from the emailed link: distress by area, a few
/// reflections, and the life events of the past two years with when and how much.
public enum SelfAssessmentPage {
    public struct Model: Sendable {
        /// The link's token: the form posts back to the same link.
        public var token: String
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(token: String, fields: [String: String], errors: FieldErrors, csrfToken: String) {
            self.token = token
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Before we start" : "Please check: Before we start" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let fields = model.fields, errors = model.errors
        let limits = SelfAssessment.Limits.self
        return .group(
            .h1(.text("Before we start")),
            .p(.class("lede"), .text("A few questions to think about before your first sessions. There are no right answers, and you can leave out anything you would rather talk about in person.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action(SitePath.selfAssessment.link(model.token)), .novalidate(),
                FormViews.csrf(model.csrfToken),
                .h2(.text("Where do you feel distress or tension?")),
                .forEach(SelfAssessment.Area.allCases) { area in
                    FormViews.radioGroup(name: "distress-\(area.rawValue)", legend: area.label,
                                         options: SelfAssessment.distressScale.map { (String($0.value), $0.label) },
                                         selected: fields["distress-\(area.rawValue)"], error: errors["distress-\(area.rawValue)"])
                },
                .h2(.text("Things to reflect on")),
                FormViews.textArea(name: "moodSituations", label: "Are there situations with other people that change your mood? Which?",
                                   value: fields["moodSituations"], error: errors["moodSituations"], maxLength: limits.text, rows: 4, required: false),
                FormViews.radioGroup(name: "course", legend: "How has the low mood or stress been over time?",
                                     options: SelfAssessment.Course.allCases.map { ($0.rawValue, $0.label) },
                                     selected: fields["course"], error: errors["course"]),
                FormViews.textField(name: "onset", label: "Roughly when did the low mood or stress begin? (year and month)", value: fields["onset"],
                                    error: errors["onset"], type: .month, required: false, maxLength: 7, hint: "For example 2026-05."),
                FormViews.textArea(name: "relatesToLoss", label: "Do you think it is linked to a loss, a death, or a change in your life? How?",
                                   value: fields["relatesToLoss"], error: errors["relatesToLoss"], maxLength: limits.text, rows: 4, required: false),
                FormViews.checkbox(name: "longStanding", label: "Relationships with other people have been hard for me for years, not only lately.",
                                   checked: fields["longStanding"] == "yes", error: nil),
                .h2(.text("What has happened in your life recently?")),
                .p(.text("Tick what applies from the past two years, and say roughly when and how much it affected you.")),
                .forEach(LifeEventKind.allCases) { kind in event(kind, fields: fields, errors: errors) },
                .button(.class("button"), .type(.submit), .text("Send my answers"))
            )
        )
    }

    private static func event(_ kind: LifeEventKind, fields: [String: String], errors: FieldErrors) -> Node<HTML.FormContext> {
        .fieldset(
            .class("field event"),
            .element(named: "legend", nodes: [.text(kind.label)]),
            FormViews.checkbox(name: "event-\(kind.rawValue)", label: "This happened", checked: fields["event-\(kind.rawValue)"] == "yes", error: nil),
            .div(.class("inline-form"),
                 FormViews.textField(name: "event-\(kind.rawValue)-month", label: "When (year and month)", value: fields["event-\(kind.rawValue)-month"],
                                     error: errors["event-\(kind.rawValue)-month"], type: .month, required: false, maxLength: 7),
                 FormViews.select(name: "event-\(kind.rawValue)-impact", label: "How much it affected you",
                                  options: [("", "Choose")] + SelfAssessment.impactScale.map { (String($0.value), $0.label) },
                                  selected: fields["event-\(kind.rawValue)-impact"] ?? "", error: errors["event-\(kind.rawValue)-impact"])),
            .if(kind == .other, FormViews.textField(name: "event-other-note", label: "What was it?", value: fields["event-other-note"],
                                                    error: errors["event-other-note"], required: false, maxLength: SelfAssessment.Limits.note))
        )
    }
}

/// The clinician's summary of a self-assessment: the suggested focus (only ever a suggestion), the
/// life events lined up against the onset, distress by area and the reflections.
public enum SelfAssessmentSummaryPage {
    public struct Model: Sendable {
        public var clientName: String
        public var clinicianName: String
        /// When it was answered, already formatted.
        public var answered: String
        public var assessment: SelfAssessment

        public init(clientName: String, clinicianName: String, answered: String, assessment: SelfAssessment) {
            self.clientName = clientName
            self.clinicianName = clinicianName
            self.answered = answered
            self.assessment = assessment
        }
    }

    static func monthText(_ date: LocalDate) -> String { "\(DateDisplay.months[date.month - 1]) \(date.year)" }

    /// How far an event lies from the onset, in whole months of about 30.4 days.
    static func relative(_ date: LocalDate, onset: LocalDate?) -> String {
        guard let onset else { return "" }
        let months = Int((Double(onset.daysSinceEpoch - date.daysSinceEpoch) / 30.4).rounded())
        return months == 0 ? "at the onset" : (months > 0 ? "\(months) months before the onset" : "\(-months) months after the onset")
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let assessment = model.assessment
        let suggestions = assessment.suggestions
        return .group(
            .h1(.text("Self-assessment: \(model.clientName)")),
            .p(.class("lede"), .text("Sent by \(model.clinicianName); answered \(model.answered).")),
            .div(.class("notice info suggestion"),
                 .h2(.text("Suggested focus, for discussion")),
                 .p(.text("Worked out from the answers alone; it is not applied. The focus is chosen with the client in the initial sessions.")),
                 .if(suggestions.isEmpty, .p(.text("The answers give no basis for a suggestion."))),
                 .ol(.forEach(suggestions) { suggestion in
                     .li(.strong(.text(suggestion.area.label)), .ul(.forEach(suggestion.reasons) { .li(.text($0)) }))
                 })),
            .h2(.text("Life events and the onset")),
            .p(.text(assessment.onset.map { "Low mood or stress began around \(monthText($0))." } ?? "The client did not say when the low mood or stress began.")),
            .if(!assessment.events.isEmpty, TableViews.scrollable(captionID: "events-caption", .table(
                .class("data-table"),
                .caption(.id("events-caption"), .text("Events, earliest first")),
                .thead(.tr(.th(.text("When")), .th(.text("Event")), .th(.text("Affected them")), .th(.text("Relative to onset")))),
                .tbody(.forEach(assessment.events.sorted { $0.month < $1.month }) { event in
                    .tr(.td(.text(monthText(event.month))), .td(.text(event.kind.label + (event.note.map { ": \($0)" } ?? ""))),
                        .td(.text(SelfAssessment.impactScale.first { $0.value == event.impact }?.label ?? "")),
                        .td(.text(relative(event.month, onset: assessment.onset))))
                })))),
            .h2(.text("Distress by area")),
            .ul(.forEach(SelfAssessment.Area.allCases.filter { assessment.distress[$0] != nil }) { area in
                .li(.text("\(area.label): \(SelfAssessment.distressScale.first { $0.value == assessment.distress[area] }?.label ?? "")"))
            }),
            .h2(.text("Reflections")),
            .dl(.class("details"),
                .dt(.text("Situations that change their mood")), .dd(.text(assessment.moodSituations ?? "Not answered")),
                .dt(.text("Over time")), .dd(.text(assessment.course?.label ?? "Not answered")),
                .dt(.text("Linked to a loss or change")), .dd(.text(assessment.relatesToLoss ?? "Not answered")),
                .dt(.text("Long-standing difficulties in relationships")), .dd(.text(assessment.longStanding ? "Yes" : "Not ticked")))
        )
    }
}
