import IPTCore
import Plot

/// The client's own page for a confirmed appointment, opened from the link in their email: the
/// details, and what they may still do under the cancellation policy.
public enum ManageAppointmentPage {
    public enum Policy: Sendable, Equatable {
        /// Free to change or cancel until `noticeHours` before.
        case withinPolicy(noticeHours: Int)
        /// Inside the notice window: cancelling counts as late, with the fee if there is one.
        case late(noticeHours: Int, fee: String?)
        /// Started or past.
        case tooLate
    }

    public struct Model: Sendable, Equatable {
        public var token: String
        public var kindName: String
        public var clinician: String
        public var when: String
        public var place: String?
        public var policy: Policy
        public var clinicPhone: String
        public var csrfToken: String

        public init(token: String, kindName: String, clinician: String, when: String, place: String?, policy: Policy, clinicPhone: String, csrfToken: String) {
            self.token = token
            self.kindName = kindName
            self.clinician = clinician
            self.when = when
            self.place = place
            self.policy = policy
            self.clinicPhone = clinicPhone
            self.csrfToken = csrfToken
        }
    }

    public static let title = "Your appointment"

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text("Your appointment")),
            .dl(.class("details"),
                .dt(.text("Appointment")), .dd(.text(model.kindName)),
                .dt(.text("With")), .dd(.text(model.clinician)),
                .dt(.text("When")), .dd(.text(model.when)),
                .unwrap(model.place) { .group(.dt(.text("Where")), .dd(.text($0))) }),
            choices(model)
        )
    }

    private static func choices(_ model: Model) -> Node<HTML.BodyContext> {
        switch model.policy {
        case .withinPolicy(let hours):
            return .group(
                .p(.text("You can change or cancel free of charge until \(hours) hours before the appointment.")),
                .p(.a(.class("button secondary"), .href(SitePath.manageAppointmentReschedule.link(model.token)), .text("Choose another time"))),
                cancelForm(model, button: "Cancel this appointment"))
        case .late(let hours, let fee):
            return .group(
                .div(.class("notice warning"), .p(.text("The appointment is less than \(hours) hours away. You can still cancel, but it counts as a late cancellation\(fee.map { " with a fee of \($0)" } ?? ""). To change the time, please call us at \(model.clinicPhone)."))),
                cancelForm(model, button: "Cancel anyway (late cancellation)"))
        case .tooLate:
            return .p(.text("This appointment has started or passed, so it can no longer be changed here. Please call us at \(model.clinicPhone)."))
        }
    }

    private static func cancelForm(_ model: Model, button: String) -> Node<HTML.BodyContext> {
        .form(.class("form"), .method(.post), .action(SitePath.manageAppointmentCancel.link(model.token)),
              FormViews.csrf(model.csrfToken),
              .button(.class("button danger"), .type(.submit), .text(button)))
    }
}
