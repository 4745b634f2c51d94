import IPTCore
import Plot

/// One appointment or block for the staff who manage its clinician's calendar: the details, the
/// client's contact, and the forms to approve, move, cancel or mark it. The client's questionnaires
/// and forms appear only when the viewer is on the client's care team (`showsClinical`).
public enum AppointmentPage {
    public struct Client: Sendable, Equatable {
        public var id: String
        public var name: String
        public var programme: String
        public var email: String
        public var phone: String
        /// The guardian's name, email and phone joined, for a young client.
        public var guardian: String?
        public var slidingScalePercent: Int

        public init(id: String, name: String, programme: String, email: String, phone: String, guardian: String?, slidingScalePercent: Int) {
            self.id = id
            self.name = name
            self.programme = programme
            self.email = email
            self.phone = phone
            self.guardian = guardian
            self.slidingScalePercent = slidingScalePercent
        }
    }

    /// Why a clinician sees the appointment without the client's answers.
    public enum HiddenClinical: Sendable, Equatable {
        /// The director: she may open the chart after giving a reason.
        case notOnCaseload
        case notOnCareTeam
    }

    public struct SelfAssessment: Sendable, Equatable {
        public var id: String
        public var completed: String

        public init(id: String, completed: String) {
            self.id = id
            self.completed = completed
        }
    }

    /// The weekly course an appointment belongs to, and its place in it.
    public struct Course: Sendable, Equatable {
        public var id: String
        public var session: Int

        public init(id: String, session: Int) {
            self.id = id
            self.session = session
        }
    }

    public struct Model: Sendable {
        public var id: String
        /// The day and clinician the calendar link goes back to.
        public var calendarDate: String
        public var clinicianID: String
        public var saved: Bool
        public var errors: FieldErrors
        /// The nearest free times, written out, when a move collided.
        public var alternatives: [String]
        public var when: String
        public var clinician: String
        public var type: String
        public var statusCode: String
        public var statusLabel: String
        /// Nil for blocked time.
        public var client: Client?
        public var fee: String?
        public var lateFee: String?
        public var course: Course?
        public var booked: String
        public var showsClinical: Bool
        public var hiddenClinical: HiddenClinical?
        /// Confirmed or attended: questionnaires and intake forms can be sent.
        public var isConfirmedOrAttended: Bool
        public var instruments: [(value: String, label: String)]
        public var maySetSlidingScale: Bool
        /// Each signed consent, written out.
        public var consents: [String]
        public var selfAssessments: [SelfAssessment]
        /// Each completed questionnaire with its score, written out.
        public var responses: [String]
        public var awaitsApproval: Bool
        public var isChangeable: Bool
        public var moveDate: String
        public var moveTime: String
        public var mayRecordAttendance: Bool
        public var csrfToken: String

        public init(id: String, calendarDate: String, clinicianID: String, saved: Bool, errors: FieldErrors, alternatives: [String],
                    when: String, clinician: String, type: String, statusCode: String, statusLabel: String, client: Client?,
                    fee: String?, lateFee: String?, course: Course?, booked: String, showsClinical: Bool,
                    hiddenClinical: HiddenClinical?, isConfirmedOrAttended: Bool, instruments: [(value: String, label: String)],
                    maySetSlidingScale: Bool, consents: [String], selfAssessments: [SelfAssessment], responses: [String],
                    awaitsApproval: Bool, isChangeable: Bool, moveDate: String, moveTime: String, mayRecordAttendance: Bool, csrfToken: String) {
            self.id = id
            self.calendarDate = calendarDate
            self.clinicianID = clinicianID
            self.saved = saved
            self.errors = errors
            self.alternatives = alternatives
            self.when = when
            self.clinician = clinician
            self.type = type
            self.statusCode = statusCode
            self.statusLabel = statusLabel
            self.client = client
            self.fee = fee
            self.lateFee = lateFee
            self.course = course
            self.booked = booked
            self.showsClinical = showsClinical
            self.hiddenClinical = hiddenClinical
            self.isConfirmedOrAttended = isConfirmedOrAttended
            self.instruments = instruments
            self.maySetSlidingScale = maySetSlidingScale
            self.consents = consents
            self.selfAssessments = selfAssessments
            self.responses = responses
            self.awaitsApproval = awaitsApproval
            self.isChangeable = isChangeable
            self.moveDate = moveDate
            self.moveTime = moveTime
            self.mayRecordAttendance = mayRecordAttendance
            self.csrfToken = csrfToken
        }

        public var title: String { errors.isEmpty ? "Appointment" : "Check the change: Appointment" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.calendar.link(query: ["date": model.calendarDate, "clinician": model.clinicianID])),
                                   .text("Back to the calendar"))),
            .h1(.text(model.client.map { "Appointment: \($0.name)" } ?? "Blocked time")),
            .if(model.saved, .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved.")))),
            FormViews.errorSummary(model.errors),
            .if(!model.alternatives.isEmpty,
                .div(.class("notice warning"), .p(.text("Nearest free times: " + model.alternatives.joined(separator: "; ") + ".")))),
            details(model),
            clientForms(model),
            answers(model),
            .if(model.awaitsApproval, .form(.class("form"), .method(.post), .action(SitePath.appointmentApprove.link(model.id)),
                                            FormViews.csrf(model.csrfToken),
                                            .button(.class("button"), .type(.submit), .name("decision"), .value("approve"), .text("Approve and send the confirmation")),
                                            .text(" "),
                                            .button(.class("button secondary"), .type(.submit), .name("decision"), .value("decline"), .text("Decline")))),
            .if(model.isChangeable, changeForms(model)),
            // Marked already: a wrong mark is corrected here (the charge follows it until invoiced).
            .if(!model.isChangeable && model.mayRecordAttendance, .group(.h2(.text("Correct the mark")), markForm(model)))
        )
    }

    private static func details(_ model: Model) -> Node<HTML.BodyContext> {
        .dl(.class("details"),
            .dt(.text("When")), .dd(.text(model.when)),
            .dt(.text("Clinician")), .dd(.text(model.clinician)),
            .dt(.text("Type")), .dd(.text(model.type)),
            .dt(.text("Status")), .dd(.span(.class("status \(model.statusCode)"), .text(model.statusLabel))),
            .unwrap(model.client) { client in
                .group(.dt(.text("Client")), .dd(.text(client.name),
                                                 .if(model.showsClinical, .group(.text(" "), .a(.href(SitePath.chart.link(client.id)), .text("Open the chart"))))),
                       // The note is written from the session it records (numbered from the course).
                       .if(model.showsClinical && ["confirmed", "attended"].contains(model.statusCode),
                           .group(.dt(.text("Session note")),
                                  .dd(.a(.class("button small"), .href(SitePath.noteNew.link(client.id, query: ["appointment": model.id])),
                                         .text("Write note"))))),
                       .dt(.text("Programme")), .dd(.text(client.programme)),
                       .dt(.text("Email")), .dd(.a(.href("mailto:\(client.email)"), .text(client.email))),
                       .dt(.text("Phone")), .dd(.text(client.phone)),
                       .unwrap(client.guardian) { .group(.dt(.text("Parent or guardian")), .dd(.text($0))) })
            },
            .unwrap(model.fee) { .group(.dt(.text("Fee")), .dd(.text($0))) },
            .unwrap(model.lateFee) { .group(.dt(.text("Late-cancellation fee")), .dd(.text($0))) },
            .unwrap(model.course) { course in
                .group(.dt(.text("Course")), .dd(.a(.href(SitePath.series.link(course.id)), .text("Session \(course.session) of a weekly course"))))
            },
            .dt(.text("Booked")), .dd(.text(model.booked)))
    }

    /// The forms about the client: questionnaires, the sliding scale, intake and consents, or the
    /// note that says why the client's answers are not shown.
    private static func clientForms(_ model: Model) -> Node<HTML.BodyContext> {
        guard let client = model.client else { return .empty }
        let offersMeasures = model.showsClinical && model.isConfirmedOrAttended
        return .group(
            .if(offersMeasures,
                .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentQuestionnaire.link(model.id)),
                      FormViews.csrf(model.csrfToken),
                      FormViews.select(name: "instrument", label: "Send a questionnaire to the client", options: model.instruments, selected: "phq-9", error: nil),
                      .button(.class("button secondary"), .type(.submit), .text("Send the link")),
                      .button(.class("button secondary"), .type(.submit), escapedAttribute("formaction", SitePath.appointmentQuestionnaireInSession.link(model.id)),
                              .text("Fill it in now, with the client")))),
            .if(offersMeasures,
                .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentSelfAssessment.link(model.id)),
                      FormViews.csrf(model.csrfToken),
                      .button(.class("button secondary"), .type(.submit), .text("Send the pre-therapy self-assessment")))),
            .if(model.maySetSlidingScale,
                .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentSlidingScale.link(model.id)), .novalidate(),
                      FormViews.csrf(model.csrfToken),
                      FormViews.textField(name: "percent", label: "Sliding-scale reduction for this client (%)",
                                          value: String(client.slidingScalePercent), error: model.errors["percent"], type: .number, maxLength: 3),
                      .button(.class("button secondary"), .type(.submit), .text("Set the reduction")))),
            .h2(.text("Intake and consents")),
            .if(model.consents.isEmpty, .p(.text("No consents signed yet."))),
            .ul(.forEach(model.consents) { .li(.text($0)) }),
            .if(model.isConfirmedOrAttended, .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentIntake.link(model.id)),
                  FormViews.csrf(model.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text(model.consents.isEmpty ? "Send the intake forms" : "Send the intake forms again")))),
            .unwrap(model.hiddenClinical) { hidden in
                .div(.class("notice info"),
                     .p(.text(hidden == .notOnCaseload
                              ? "This client is not on your caseload, so their questionnaires and forms are not shown here. "
                              : "This client is not on your care team, so their questionnaires and forms are not shown here. The clinic director assigns care teams.")),
                     .if(hidden == .notOnCaseload, .p(.a(.href(SitePath.chart.link(client.id)), .text("Open the chart (you will be asked for a reason)")))))
            }
        )
    }

    private static func answers(_ model: Model) -> Node<HTML.BodyContext> {
        guard !model.responses.isEmpty || !model.selfAssessments.isEmpty else { return .empty }
        return .group(
            .h2(.text("The client's answers")),
            .p(.a(.href(SitePath.progress.link(model.client?.id ?? "")), .text("Scores over time"))),
            .ul(.forEach(model.selfAssessments) { record in
                    .li(.a(.href(SitePath.selfAssessmentView.link(record.id)), .text("Pre-therapy self-assessment, \(record.completed)")))
                },
                .forEach(model.responses) { .li(.text($0)) }))
    }

    private static func changeForms(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h2(.text("Move")),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentMove.link(model.id)),
                  FormViews.csrf(model.csrfToken),
                  FormViews.textField(name: "date", label: "New date", value: model.moveDate, error: model.errors["date"], type: .date, maxLength: 10),
                  FormViews.textField(name: "time", label: "New start time", value: model.moveTime, error: model.errors["time"], type: .time, maxLength: 5),
                  .button(.class("button secondary"), .type(.submit), .text("Move"))),
            .h2(.text("Cancel or mark")),
            .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentCancel.link(model.id)),
                  FormViews.csrf(model.csrfToken),
                  .if(model.client != nil, FormViews.checkbox(name: "late", label: "Count as a late cancellation (the policy fee applies)", checked: false, error: nil)),
                  .button(.class("button danger"), .type(.submit), .text(model.client == nil ? "Remove the block" : "Cancel the appointment"))),
            .if(model.mayRecordAttendance, markForm(model))
        )
    }

    /// The marks, less the one the appointment already has (a correction offers the others).
    private static func markForm(_ model: Model) -> Node<HTML.BodyContext> {
        let marks = [("attended", "Mark attended"), ("no_show", "Mark no-show"), ("late_cancelled", "Mark late-cancelled")]
            .filter { $0.0 != model.statusCode }
        return .form(.class("form inline-form"), .method(.post), .action(SitePath.appointmentStatus.link(model.id)),
                     FormViews.csrf(model.csrfToken),
                     .forEach(marks) { mark in
                         .group(.button(.class("button secondary"), .type(.submit), .name("status"), .value(mark.0), .text(mark.1)), .text(" "))
                     })
    }
}
