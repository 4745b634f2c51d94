import IPTCore
import Plot

/// The director's settings for the course: phase lengths, course lengths, the focus framework,
/// co-signing, the reason asked before opening a chart, and who may change care teams.
public enum ClinicalSettingsPage {
    /// The numeric settings, by field name, in the order the form shows them.
    public static let numbers: [(name: String, label: String)] = [
        ("initialSessions", "Sessions in the initial phase"), ("terminationSessions", "Sessions in the termination phase"),
        ("minimumSessions", "Shortest course allowed"), ("maximumSessions", "Longest course allowed"),
        ("adultSessions", "Usual course for adults"), ("adolescentSessions", "Usual course for IPT-A"), ("maintenanceSessions", "Usual maintenance contract"),
    ]

    public struct Model: Sendable {
        public var done: String?
        public var values: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(done: String?, values: [String: String], errors: FieldErrors, csrfToken: String) {
            self.done = done
            self.values = values
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Clinical settings" : "Please check: Clinical settings" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let values = model.values, errors = model.errors
        return .group(
            .h1(.text("Clinical settings")),
            ChartFrame.notice(model.done),
            .p(.class("lede"), .text("How the clinic runs an IPT course. Manuals differ on where the phases begin and end; choose what your clinic teaches.")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(SitePath.clinicalSettings.link), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  .group(numbers.map { number in
                      FormViews.textField(name: number.name, label: number.label, value: values[number.name], error: errors[number.name], type: .number, maxLength: 2)
                  }),
                  FormViews.radioGroup(name: "framework", legend: "Focus framework", options: FocusFramework.allCases.map { ($0.rawValue, $0.label) },
                                       selected: values["framework"], error: errors["framework"]),
                  FormViews.checkbox(name: "cosignStudents", label: "A practicum student's signed notes wait for the supervisor's co-signature",
                                     checked: values["cosignStudents"] == "yes", error: nil),
                  FormViews.checkbox(name: "chartReasonRequired", label: "Ask for a reason before anyone opens a chart outside their own caseload",
                                     checked: values["chartReasonRequired"] == "yes", error: nil),
                  FormViews.checkbox(name: "supervisorsAssignCareTeams",
                                     label: "Clinical supervisors may accept clients and change care teams (the director always may)",
                                     checked: values["supervisorsAssignCareTeams"] == "yes", error: nil),
                  .button(.class("button"), .type(.submit), .text("Save settings")))
        )
    }
}
