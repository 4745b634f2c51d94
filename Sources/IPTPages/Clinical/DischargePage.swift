import IPTCore
import Plot

/// Facts from the chart that head the discharge summary and the referrer's letter, in words.
public struct DischargeFacts: Sendable, Equatable {
    public var client: String
    public var clinician: String
    public var started: String?
    /// "12 of 16 agreed", or the sessions held alone without a contract.
    public var sessions: String
    public var focus: String
    public var formulation: String?
    public var scores: String

    public init(client: String, clinician: String, started: String?, sessions: String, focus: String, formulation: String?, scores: String) {
        self.client = client
        self.clinician = clinician
        self.started = started
        self.sessions = sessions
        self.focus = focus
        self.formulation = formulation
        self.scores = scores
    }

    var list: Node<HTML.BodyContext> {
        .dl(.class("details"),
            .dt(.text("Client")), .dd(.text(client)),
            .dt(.text("Clinician")), .dd(.text(clinician)),
            .dt(.text("Course started")), .dd(.text(started ?? "No contract")),
            .dt(.text("Sessions held")), .dd(.text(sessions)),
            .dt(.text("Focus")), .dd(.text(focus)),
            .dt(.text("Formulation")), .dd(.text(formulation ?? "None recorded")),
            .dt(.text("Scores")), .dd(.text(scores)))
    }
}

/// What the clinician writes at the end of the course, as the form keeps it.
public struct DischargeContent: Codable, Sendable, Equatable {
    public var endingReason: String = "completed"
    public var summary: String = ""
    public var relapsePlan: String = ""
    public var maintenance: String = "none"
    public var referrals: String = ""
    public var letterConsent: Bool = false
    public var referrer: String = ""

    public init() {}

    public static let endingReasons: [(value: String, label: String)] = [
        ("completed", "Course completed as agreed"), ("ended-early", "The client ended early"),
        ("referred", "Referred to another service"), ("other", "Other (see the summary)"),
    ]
    public static let maintenanceChoices: [(value: String, label: String)] = [
        ("none", "No further sessions recommended"), ("continuation", "Continuation sessions"),
        ("maintenance", "Maintenance IPT (monthly, under a new contract)"), ("other-treatment", "Another treatment, as the course did not help enough"),
    ]
    public static let textLimit = 8_000

    public static func label(_ options: [(value: String, label: String)], _ value: String) -> String {
        options.first { $0.value == value }?.label ?? value
    }
}

/// The discharge summary: the chart's facts, then the form while it is a draft, or the signed
/// summary (locked, printable) with the co-sign button and the letter link.
public enum DischargePage {
    public struct Model: Sendable {
        public var header: ChartHeader
        public var done: String?
        public var facts: DischargeFacts
        public var content: DischargeContent
        public var signed: Bool
        public var awaitingCosignature: Bool
        public var mayCosign: Bool
        /// "Signed by name when".
        public var signedBy: String
        public var cosigner: String?
        public var errors: FieldErrors
        public var csrfToken: String
        /// Set when the draft is a colleague's: it is shown to read, without the form.
        public var draftedBy: String?

        public init(header: ChartHeader, done: String?, facts: DischargeFacts, content: DischargeContent, signed: Bool, awaitingCosignature: Bool,
                    mayCosign: Bool, signedBy: String, cosigner: String?, errors: FieldErrors, csrfToken: String) {
            self.header = header
            self.done = done
            self.facts = facts
            self.content = content
            self.signed = signed
            self.awaitingCosignature = awaitingCosignature
            self.mayCosign = mayCosign
            self.signedBy = signedBy
            self.cosigner = cosigner
            self.errors = errors
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Discharge summary" : "Please check: Discharge summary" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let content = model.content, errors = model.errors, client = model.header.clientID
        let limit = DischargeContent.textLimit
        return .group(
            ChartFrame.header(model.header),
            ChartFrame.notice(model.done),
            model.facts.list,
            .if(model.signed, .group(
                .dl(.class("details"),
                    .dt(.text("Reason for ending")), .dd(.text(DischargeContent.label(DischargeContent.endingReasons, content.endingReason))),
                    .dt(.text("Summary of the course")), .dd(.text(content.summary)),
                    .dt(.text("Warning signs and relapse plan")), .dd(.text(content.relapsePlan)),
                    .dt(.text("Recommendation")), .dd(.text(DischargeContent.label(DischargeContent.maintenanceChoices, content.maintenance))),
                    .dt(.text("Referrals")), .dd(.text(content.referrals.isEmpty ? "None" : content.referrals))),
                .p(.text(model.signedBy),
                   .unwrap(model.cosigner) { .text(", co-signed by \($0)") },
                   .text(". Signed summaries are locked; use your browser's print command for a paper copy.")),
                .if(model.awaitingCosignature, .p(.class("notice warning"), .text("Not final: this summary waits for the supervisor's co-signature."))),
                .if(model.mayCosign, .form(.method(.post), .action(SitePath.dischargeCosign.link(client)), .class("form no-print"),
                                           FormViews.csrf(model.csrfToken),
                                           .button(.class("button"), .type(.submit), .text("Co-sign the summary")))),
                .if(content.letterConsent && !model.awaitingCosignature,
                    .p(.class("no-print"), .a(.class("button secondary"), .href(SitePath.dischargeLetter.link(client)), .text("Letter to the referrer")))))),
            .unwrap(model.draftedBy) { author in
                .group(
                    .p(.class("notice info"), .text("\(author) is writing this summary. Only they, or their supervisor, can change it until it is signed.")),
                    .dl(.class("details"),
                        .dt(.text("Reason for ending")), .dd(.text(DischargeContent.label(DischargeContent.endingReasons, content.endingReason))),
                        .dt(.text("Summary of the course (draft)")), .dd(.text(content.summary)),
                        .dt(.text("Warning signs and relapse plan (draft)")), .dd(.text(content.relapsePlan))))
            },
            .if(!model.signed && model.draftedBy == nil, .group(
                FormViews.errorSummary(errors),
                .form(.method(.post), .action(SitePath.discharge.link(client)), .class("form no-print-form"), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.radioGroup(name: "endingReason", legend: "Reason for ending", options: DischargeContent.endingReasons, selected: content.endingReason,
                                           error: errors["endingReason"]),
                      FormViews.textArea(name: "summary", label: "Summary of the course", value: content.summary, error: errors["summary"], maxLength: limit, rows: 6,
                                         hint: "What the work on the focus achieved, in words the client would recognise."),
                      FormViews.textArea(name: "relapsePlan", label: "Warning signs and relapse plan", value: content.relapsePlan, error: errors["relapsePlan"],
                                         maxLength: limit, rows: 4),
                      FormViews.radioGroup(name: "maintenance", legend: "Recommendation", options: DischargeContent.maintenanceChoices, selected: content.maintenance,
                                           error: errors["maintenance"]),
                      FormViews.textArea(name: "referrals", label: "Referrals", value: content.referrals, error: errors["referrals"], maxLength: limit, rows: 2,
                                         required: false),
                      FormViews.checkbox(name: "letterConsent", label: "The client consents to a letter to the referrer", checked: content.letterConsent, error: nil),
                      FormViews.textField(name: "referrer", label: "Referrer (name and practice)", value: content.referrer, error: errors["referrer"], required: false,
                                          maxLength: 200),
                      .div(.class("button-row"),
                           .button(.class("button secondary"), .type(.submit), .name("action"), .value("save"), .text("Save draft")),
                           .button(.class("button"), .type(.submit), .name("action"), .value("sign"), .text("Sign the summary"))))))
        )
    }
}

/// The letter to the referrer, printed from the signed summary when the client consented to it.
public enum ReferrerLetterPage {
    public struct Model: Sendable {
        public var clinicName: String
        public var clinicAddress: String
        public var clinicPhone: String
        public var date: String
        public var clientName: String
        public var dateOfBirth: String
        public var facts: DischargeFacts
        public var content: DischargeContent
        public var author: String
        public var credentials: String

        public init(clinicName: String, clinicAddress: String, clinicPhone: String, date: String, clientName: String, dateOfBirth: String,
                    facts: DischargeFacts, content: DischargeContent, author: String, credentials: String) {
            self.clinicName = clinicName
            self.clinicAddress = clinicAddress
            self.clinicPhone = clinicPhone
            self.date = date
            self.clientName = clientName
            self.dateOfBirth = dateOfBirth
            self.facts = facts
            self.content = content
            self.author = author
            self.credentials = credentials
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        let content = model.content
        return .article(.class("letter"),
            .p(.text(model.clinicName), .br(), .text(model.clinicAddress), .br(), .text(model.clinicPhone)),
            .p(.text(model.date)),
            .p(.text("To: \(content.referrer)")),
            .h1(.text("Re: \(model.clientName), born \(model.dateOfBirth)")),
            .p(.text("Thank you for referring this client. With their consent, here is a summary of the interpersonal psychotherapy they received with us.")),
            model.facts.list,
            .h2(.text("The course")), .p(.text(content.summary)),
            .h2(.text("Warning signs and relapse plan")), .p(.text(content.relapsePlan)),
            .h2(.text("Recommendation")), .p(.text(DischargeContent.maintenanceChoices.first { $0.value == content.maintenance }?.label ?? "")),
            .if(!content.referrals.isEmpty, .group(.h2(.text("Referrals")), .p(.text(content.referrals)))),
            .p(.text("With regards,"), .br(), .text(model.author), .br(), .text(model.credentials)))
    }
}
