import Plot

/// The crisis resources a respondent sees on the very page that answers a risk answer, whichever
/// way the questionnaire ends (kept as a draft, missing answers, sent).
public enum CrisisBox {
    public struct Model: Sendable, Equatable {
        /// Adds Kids Help Phone for an IPT-A client.
        public var young: Bool
        /// True when an answer about now (not only the past) alerted the clinician.
        public var clinicianTold: Bool

        public init(young: Bool, clinicianTold: Bool) {
            self.young = young
            self.clinicianTold = clinicianTold
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .div(
            .class("notice warning crisis-now"), .attribute(named: "role", value: "alert"),
            .h2(.text("If you are thinking about ending your life or hurting yourself")),
            .p(.text("You do not have to wait for your next appointment. Help is there right now, at any hour:")),
            .ul(
                .li(.strong(.text("Call or text ")), .a(.href("tel:988"), .text("9-8-8")), .text(", the Suicide Crisis Helpline, in English or French.")),
                .if(model.young, .li(.strong(.text("Kids Help Phone: ")), .a(.href("tel:18006686868"), .text("1-800-668-6868")), .text(", or text CONNECT to 686868."))),
                .li(.strong(.text("If you are in danger now, call ")), .a(.href("tel:911"), .text("911")), .text(" or go to the nearest emergency department."))
            ),
            .if(model.clinicianTold, .p(.text("Your clinician has been told that you may be struggling, and will be in touch.")))
        )
    }
}
