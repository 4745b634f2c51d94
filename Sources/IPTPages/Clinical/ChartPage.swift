import IPTCore
import Plot

/// A client's chart: safety first, then where the course stands, the phase's tasks, the phase set
/// by hand, and the links to the rest of the record.
public enum ChartPage {
    public struct Alert: Sendable, Equatable {
        public var id: String
        /// ", raised ... by ...": the words after "Open alert".
        public var raised: String

        public init(id: String, raised: String) {
            self.id = id
            self.raised = raised
        }
    }

    public struct Flag: Sendable, Equatable {
        public var label: String
        public var firstRecorded: String

        public init(label: String, firstRecorded: String) {
            self.label = label
            self.firstRecorded = firstRecorded
        }
    }

    public struct Task: Sendable, Equatable {
        public var code: String
        public var label: String
        public var done: Bool

        public init(code: String, label: String, done: Bool) {
            self.code = code
            self.label = label
            self.done = done
        }
    }

    /// The summary at the top, each value already in words.
    public struct Summary: Sendable, Equatable {
        public var programme: String
        public var phase: String
        public var session: String
        public var focus: String
        public var scores: String
        public var openAlerts: Int
        public var nextAppointment: String
        public var clinician: String

        public init(programme: String, phase: String, session: String, focus: String, scores: String, openAlerts: Int,
                    nextAppointment: String, clinician: String) {
            self.programme = programme
            self.phase = phase
            self.session = session
            self.focus = focus
            self.scores = scores
            self.openAlerts = openAlerts
            self.nextAppointment = nextAppointment
            self.clinician = clinician
        }
    }

    /// The form that sets the phase by hand, shown once a contract exists.
    public struct PhaseForm: Sendable, Equatable {
        /// The phase the sessions held give, in lower case.
        public var computedPhase: String
        public var selected: String

        public init(computedPhase: String, selected: String) {
            self.computedPhase = computedPhase
            self.selected = selected
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var alerts: [Alert]
        public var flags: [Flag]
        public var summary: Summary
        public var hasContract: Bool
        /// The current phase's label and its tasks, when a course is under way.
        public var phaseLabel: String?
        public var tasks: [Task]
        public var phaseForm: PhaseForm?
        public var phaseFields: [String: String]
        public var phaseErrors: FieldErrors
        public var mayViewAuditTrail: Bool
        public var mayHandleRecordRequests: Bool
        public var csrfToken: String

        public init(header: ChartHeader, done: String?, alerts: [Alert], flags: [Flag], summary: Summary, hasContract: Bool, phaseLabel: String?,
                    tasks: [Task], phaseForm: PhaseForm?, phaseFields: [String: String], phaseErrors: FieldErrors, mayViewAuditTrail: Bool,
                    mayHandleRecordRequests: Bool, csrfToken: String) {
            self.header = header
            self.done = done
            self.alerts = alerts
            self.flags = flags
            self.summary = summary
            self.hasContract = hasContract
            self.phaseLabel = phaseLabel
            self.tasks = tasks
            self.phaseForm = phaseForm
            self.phaseFields = phaseFields
            self.phaseErrors = phaseErrors
            self.mayViewAuditTrail = mayViewAuditTrail
            self.mayHandleRecordRequests = mayHandleRecordRequests
            self.csrfToken = csrfToken
        }

        public var title: String { phaseErrors.isEmpty ? "Chart" : "Please check: Chart" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let client = model.header.clientID
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            safety(model),
            summary(model.summary),
            .p(.a(.class("button"), .href(SitePath.noteNew.link(client)), .text("Write a session note")), .text(" "),
               .a(.class("button secondary"), .href(SitePath.contract.link(client)), .text(model.hasContract ? "Contract" : "Agree the treatment contract"))),
            checklist(model),
            phaseForm(model),
            .p(.a(.href(SitePath.careTeam.link(client)), .text("Care team")), .text(" · "),
               .a(.href(SitePath.clientRecord.link(client)), .text("A copy of the whole record (right of access)")),
               .if(model.mayViewAuditTrail,
                   .group(.text(" · "), .a(.href(SitePath.audit.link(query: ["subject": client])), .text("Who opened this record"))))),
            .if(model.mayHandleRecordRequests, .details(
                .summary(.text("Record a request from the client (copy or correction)")),
                .form(.method(.post), .action(SitePath.clientRequests.link(client)), .class("form"),
                      FormViews.csrf(model.csrfToken),
                      FormViews.radioGroup(name: "kind", legend: "The client asks for", options: [("access", "A copy of the record"), ("correction", "A correction")],
                                           selected: "access", error: nil),
                      FormViews.textArea(name: "details", label: "What they asked, and how they would like the answer", value: nil, error: nil, maxLength: 4_000, rows: 3),
                      .button(.class("button secondary"), .type(.submit), .text("Record the request")))))
        )
    }

    /// Safety first, above everything else on the chart: each open alert and each standing flag.
    private static func safety(_ model: Model) -> Node<HTML.BodyContext> {
        .if(!model.alerts.isEmpty || !model.flags.isEmpty, .section(
            .class("safety-banner"), .attribute(named: "aria-labelledby", value: "safety-heading"),
            .h2(.id("safety-heading"), .text("Safety")),
            .ul(
                .forEach(model.alerts) { alert in
                    .li(.class("safety-alert"), .strong(.text("Open alert")), .text(alert.raised),
                        .a(.href(SitePath.alert.link(alert.id)), .text("Record the follow-up")))
                },
                .forEach(model.flags) { flag in
                    .li(.class("safety-flag"), .strong(.text(flag.label)),
                        .text(", first recorded \(flag.firstRecorded). A standing history item: it does not raise an alert each time."))
                })
        ))
    }

    private static func summary(_ summary: Summary) -> Node<HTML.BodyContext> {
        let alerts: Node<HTML.BodyContext> = summary.openAlerts > 0
            ? .a(.href(SitePath.alerts.link), .strong(.text("\(summary.openAlerts) open"))) : .text("None")
        let items: [(String, Node<HTML.BodyContext>)] = [
            ("Programme", .text(summary.programme)), ("Phase", .text(summary.phase)), ("Session", .text(summary.session)), ("Focus", .text(summary.focus)),
            ("Latest scores", .text(summary.scores)), ("Open risk alerts", alerts),
            ("Next appointment", .text(summary.nextAppointment)), ("Clinician", .text(summary.clinician)),
        ]
        return .div(.class("chart-summary"), .forEach(items) { item in
            .div(.class(item.0 == "Open risk alerts" && summary.openAlerts > 0 ? "summary-item alert-cell" : "summary-item"),
                 .p(.class("summary-label"), .text(item.0)), .p(.class("summary-value"), item.1))
        })
    }

    private static func checklist(_ model: Model) -> Node<HTML.BodyContext> {
        .unwrap(model.phaseLabel) { phase in
            .section(
                .h2(.text("\(phase): tasks")),
                .ul(.class("checklist"), .forEach(model.tasks) { item in
                    .li(
                        .form(.method(.post), .action(SitePath.checklist.link(model.header.clientID)), .class("inline-form"),
                              FormViews.csrf(model.csrfToken),
                              .input(.type(.hidden), .name("code"), .value(item.code)),
                              .input(.type(.hidden), .name("done"), .value(item.done ? "no" : "yes")),
                              .span(.class(item.done ? "task done" : "task"), .text(item.done ? "Done: " : "To do: "), .text(item.label)),
                              .text(" "),
                              .button(.class("button small secondary"), .type(.submit),
                                      .text(item.done ? "Mark not done" : "Mark done"),
                                      escapedAttribute("aria-label", "\(item.done ? "Mark not done" : "Mark done"): \(item.label)"))))
                }))
        }
    }

    private static func phaseForm(_ model: Model) -> Node<HTML.BodyContext> {
        .unwrap(model.phaseForm) { form in
            .details(
                .if(!model.phaseErrors.isEmpty, .attribute(named: "open", value: "open")),
                .summary(.text("Set the phase by hand")),
                .p(.class("hint"), .text("The phase follows the sessions held (\(form.computedPhase) now). Override it only with a reason, for example when the initial phase needs another session.")),
                FormViews.errorSummary(model.phaseErrors),
                .form(.method(.post), .action(SitePath.phase.link(model.header.clientID)), .class("form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.select(name: "phase", label: "Phase", options: [("", "Follow the sessions held")] + Phase.allCases.map { ($0.rawValue, $0.label) },
                                       selected: form.selected, error: model.phaseErrors["phase"]),
                      FormViews.textArea(name: "reason", label: "Reason", value: model.phaseFields["reason"], error: model.phaseErrors["reason"], maxLength: 1_000, rows: 3),
                      .button(.class("button"), .type(.submit), .text("Save phase")))
            )
        }
    }
}
