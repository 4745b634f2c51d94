import Plot

/// Where the visitor is in online booking, shown above every booking page: what, when, who they
/// are, the emailed link, done. An ordered list; the current step carries aria-current="step" and
/// the words "current step", so neither colour nor position alone tells it.
public enum BookingSteps {
    public enum Step: Int, CaseIterable, Sendable {
        case type = 1, time, details, inbox, confirmed

        public var label: String {
            switch self {
            case .type: "Type"
            case .time: "Time"
            case .details: "Your details"
            case .inbox: "Check your inbox"
            case .confirmed: "Confirmed"
            }
        }
    }

    public static func view(_ current: Step) -> Node<HTML.BodyContext> {
        .nav(
            .class("bk-steps"), .ariaLabel("Booking steps"),
            .ol(.forEach(Step.allCases) { step in
                .li(
                    .class(step == current ? "bk-step bk-step-current" : step.rawValue < current.rawValue ? "bk-step bk-step-done" : "bk-step"),
                    .attribute(named: "aria-current", value: step == current ? "step" : nil),
                    .span(.class("bk-step-number"), .text(String(step.rawValue))),
                    .span(.class("bk-step-label"), .text(step.label)),
                    .if(step == current, .span(.class("visually-hidden"), .text(" (current step)"))),
                    .if(step.rawValue < current.rawValue, .span(.class("visually-hidden"), .text(" (done)")))
                )
            })
        )
    }
}
