import IPTCore
import Plot

/// The kinds of appointment and their fees per tier, one form per kind.
public enum AppointmentTypesPage {
    public struct Kind: Sendable {
        public var code: String
        public var name: String
        /// The form's values by field name (duration, before, after, fee-<tier>), as stored or as typed.
        public var values: [String: String]
        /// The tiers whose clinicians offer it, as stored or as ticked.
        public var offeredBy: Set<FeeTierCode>
        public var bookableOnline: Bool
        /// Errors of this kind's form, keyed "<code>-<field>".
        public var errors: FieldErrors

        public init(code: String, name: String, values: [String: String], offeredBy: Set<FeeTierCode>, bookableOnline: Bool, errors: FieldErrors) {
            self.code = code
            self.name = name
            self.values = values
            self.offeredBy = offeredBy
            self.bookableOnline = bookableOnline
            self.errors = errors
        }
    }

    public struct Model: Sendable {
        public var kinds: [Kind]
        /// The code of the kind just saved.
        public var saved: String?
        public var csrfToken: String

        public init(kinds: [Kind], saved: String?, csrfToken: String) {
            self.kinds = kinds
            self.saved = saved
            self.csrfToken = csrfToken
        }

        public var title: String { kinds.allSatisfy(\.errors.isEmpty) ? "Appointment types" : "Check the values: Appointment types" }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("small"), .a(.href(SitePath.clinicSettings.link), .text("Back to clinic settings"))),
            .h1(.text("Appointment types and fees")),
            .unwrap(model.saved) { code in
                .div(.class("notice success"), .attribute(named: "role", value: "status"),
                     .p(.text("Saved \(code). New bookings use it now; booked appointments keep their times and fees.")))
            },
            .forEach(model.kinds) { kind in form(kind, csrfToken: model.csrfToken) }
        )
    }

    private static func form(_ kind: Kind, csrfToken: String) -> Node<HTML.BodyContext> {
        let errors = kind.errors
        return .section(
            .class("type-card"),
            escapedAttribute("aria-labelledby", "type-\(kind.code)"),
            .h2(.id("type-\(kind.code)"), .text(kind.name)),
            FormViews.errorSummary(errors),
            .form(.class("form"), .method(.post), .action(SitePath.appointmentTypeEdit.link(kind.code)), .novalidate(),
                  FormViews.csrf(csrfToken),
                  .div(.class("inline-form"),
                       FormViews.textField(name: "duration", label: "Length (minutes)", value: kind.values["duration"],
                                           error: errors["\(kind.code)-duration"], type: .number, maxLength: 3),
                       FormViews.textField(name: "before", label: "Buffer before", value: kind.values["before"],
                                           error: errors["\(kind.code)-before"], type: .number, maxLength: 3),
                       FormViews.textField(name: "after", label: "Buffer after", value: kind.values["after"],
                                           error: errors["\(kind.code)-after"], type: .number, maxLength: 3)),
                  .forEach(FeeTierCode.allCases) { tier in
                      .fieldset(
                          .class("field tier"),
                          .element(named: "legend", nodes: [.text(tier.label)]),
                          FormViews.checkbox(name: "offer-\(tier.rawValue)", label: "Clinicians at this level offer it",
                                             checked: kind.offeredBy.contains(tier), error: errors["\(kind.code)-offer-\(tier.rawValue)"]),
                          FormViews.textField(name: "fee-\(tier.rawValue)", label: "Fee (dollars)", value: kind.values["fee-\(tier.rawValue)"],
                                              error: errors["\(kind.code)-fee-\(tier.rawValue)"], required: false, maxLength: 9))
                  },
                  FormViews.checkbox(name: "online", label: "New clients can book it online", checked: kind.bookableOnline, error: nil),
                  .button(.class("button secondary"), .type(.submit), .text("Save \(kind.name)")))
        )
    }
}
