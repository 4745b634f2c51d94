import IPTCore
import Plot

/// The question the director answers before opening a chart outside her caseload, where the
/// clinic asks for a reason.
public enum ChartReasonPage {
    public struct Model: Sendable {
        public var clientName: String
        public var clientID: String
        /// The page to return to once the reason is given.
        public var next: String
        public var reason: String?
        public var errors: FieldErrors
        public var csrfToken: String

        public init(clientName: String, clientID: String, next: String, reason: String?, errors: FieldErrors, csrfToken: String) {
            self.clientName = clientName
            self.clientID = clientID
            self.next = next
            self.reason = reason
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Reason needed" : "Please check: Reason needed" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Why are you opening this chart?")),
            .p(.text("\(model.clientName) is not on your caseload. The clinic asks for a reason, which is kept in the audit trail with every page you open in this chart for the next hour.")),
            FormViews.errorSummary(model.errors),
            .form(.method(.post), .action(SitePath.chartReason.link(model.clientID, query: ["next": model.next])),
                  .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textArea(name: "reason", label: "Reason", value: model.reason, error: model.errors["reason"], maxLength: 500, rows: 3,
                                     hint: "For example: a complaint review, a records request, or cover while the clinician is away."),
                  .button(.class("button"), .type(.submit), .text("Open the chart")))
        )
    }
}
