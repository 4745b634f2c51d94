import IPTCore
import Plot

/// The treatment contract: its versions, newest first, and the form that agrees it or, once agreed,
/// renegotiates it as a new version.
public enum ContractPage {
    public struct Version: Sendable, Equatable {
        public var version: Int
        public var programme: String
        public var sessions: Int
        public var minutes: Int
        public var start: String
        public var clientAgreed: Bool
        /// Why it changed; nil for the first contract.
        public var reason: String?

        public init(version: Int, programme: String, sessions: Int, minutes: Int, start: String, clientAgreed: Bool, reason: String?) {
            self.version = version
            self.programme = programme
            self.sessions = sessions
            self.minutes = minutes
            self.start = start
            self.clientAgreed = clientAgreed
            self.reason = reason
        }
    }

    public struct Model: Sendable {
        public var header: ChartHeader
        public var versions: [Version]
        public var renegotiating: Bool
        public var settings: CourseSettings
        public var fields: [String: String]
        public var errors: FieldErrors
        public var csrfToken: String

        public init(header: ChartHeader, versions: [Version], renegotiating: Bool, settings: CourseSettings, fields: [String: String],
                    errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.versions = versions
            self.renegotiating = renegotiating
            self.settings = settings
            self.fields = fields
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Treatment contract" : "Please check: Treatment contract" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let settings = model.settings, fields = model.fields, errors = model.errors
        return .group(
            ChartFrame.header(model.header),
            .if(!model.versions.isEmpty, TableViews.scrollable(captionID: "contract-versions", .table(
                .class("data-table"),
                .caption(.id("contract-versions"), .text("Versions of the contract, newest first")),
                .thead(.tr(.th(.text("Version")), .th(.text("Programme")), .th(.text("Sessions")), .th(.text("Length")), .th(.text("Start")),
                           .th(.text("Client agreed")), .th(.text("Why it changed")))),
                .tbody(.forEach(model.versions) { row in
                    .tr(.td(.text("\(row.version)")), .td(.text(row.programme)), .td(.text("\(row.sessions)")),
                        .td(.text("\(row.minutes) minutes")), .td(.text(row.start)), .td(.text(row.clientAgreed ? "Yes" : "Not yet")),
                        .td(.text(row.reason ?? "First contract")))
                })))),
            .h2(.text(model.renegotiating ? "Renegotiate the contract" : "Agree the contract")),
            .p(.class("hint"), .text("The clinic allows \(settings.minimumSessions) to \(settings.maximumSessions) sessions: \(settings.adultSessions) is usual for adults, \(settings.adolescentSessions) for IPT-A. \(model.renegotiating ? "A renegotiation (an extension, or maintenance sessions after remission) becomes a new version; the earlier ones are kept." : "")")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(SitePath.contract.link(model.header.clientID)), .class("form"), .novalidate(),
                  FormViews.csrf(model.csrfToken),
                  FormViews.radioGroup(name: "programme", legend: "Programme", options: Programme.allCases.map { ($0.rawValue, $0.label) },
                                       selected: fields["programme"], error: errors["programme"]),
                  FormViews.textField(name: "agreedSessions", label: "Number of sessions", value: fields["agreedSessions"], error: errors["agreedSessions"],
                                      type: .number, maxLength: 2),
                  FormViews.textField(name: "sessionMinutes", label: "Session length in minutes", value: fields["sessionMinutes"],
                                      error: errors["sessionMinutes"], type: .number, maxLength: 3),
                  FormViews.textField(name: "startDate", label: "Start date", value: fields["startDate"], error: errors["startDate"], type: .date, maxLength: 10,
                                      hint: "Sessions attended from this date on count towards the course."),
                  FormViews.checkbox(name: "clientAgreed", label: "The client has agreed to this contract", checked: fields["clientAgreed"] == "yes", error: nil),
                  .if(model.renegotiating, FormViews.textArea(name: "reason", label: "Why the contract is being renegotiated", value: fields["reason"],
                                                              error: errors["reason"], maxLength: TreatmentContract.Limits.reason, rows: 3)),
                  .button(.class("button"), .type(.submit), .text(model.renegotiating ? "Save as a new version" : "Save the contract")))
        )
    }
}
