import IPTCore
import Plot

/// The first step of online booking: what to book and with whom. Each choice is a card: the kind
/// with its length, place and fee; the person or group with an initials avatar, their fee and
/// whether they take new clients (those who do not are shown, but cannot be chosen).
public enum BookPage {
    public struct Kind: Sendable, Equatable {
        public var code: String
        public var name: String
        /// "15 minutes · by phone · free"
        public var facts: String

        public init(code: String, name: String, facts: String) {
            self.code = code
            self.name = name
            self.facts = facts
        }
    }

    public struct Whom: Sendable, Equatable {
        /// "reduced", "registered" or a clinician's slug: what the links carry.
        public var value: String
        public var name: String
        /// "MSW, practicum student" or what the group means.
        public var detail: String
        /// "$50 a session"
        public var fee: String
        /// Two letters for the avatar; a group shows a symbol of several people instead.
        public var initials: String
        public var isGroup: Bool
        public var acceptingNewClients: Bool
        /// The clinician's public profile, nil for a group.
        public var profile: String?

        public init(value: String, name: String, detail: String, fee: String, initials: String, isGroup: Bool, acceptingNewClients: Bool,
                    profile: String?) {
            self.value = value
            self.name = name
            self.detail = detail
            self.fee = fee
            self.initials = initials
            self.isGroup = isGroup
            self.acceptingNewClients = acceptingNewClients
            self.profile = profile
        }

        /// "Priya Natarajan" -> "PN"; honorifics are skipped.
        public static func initials(of name: String) -> String {
            let skip: Set<String> = ["dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx."]
            let words = name.split(separator: " ").filter { !skip.contains($0.lowercased()) }
            let letters = [words.first, words.count > 1 ? words.last : nil].compactMap { $0?.first.map(String.init) }
            return letters.joined().uppercased()
        }
    }

    public struct Model: Sendable {
        public var kinds: [Kind]
        public var whom: [Whom]
        public var chosenKind: String?
        public var chosenWith: String

        public init(kinds: [Kind], whom: [Whom], chosenKind: String?, chosenWith: String) {
            self.kinds = kinds
            self.whom = whom
            self.chosenKind = chosenKind
            self.chosenWith = chosenWith
        }
    }

    public static let title = "Book an appointment"
    public static let description = "Book a free phone consultation or an assessment session online."

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            BookingSteps.view(.type),
            .h1(.text("Book an appointment")),
            .p(.class("lede"), .text("Not sure where to start? Book the free 15-minute consultation: we call you, listen to what brings you and suggest who would suit you. There is no cost and no commitment.")),
            .form(
                .class("form"), .method(.get), .action(SitePath.bookTimes.link),
                .fieldset(
                    .class("field bk-cards"),
                    .element(named: "legend", nodes: [.text("What would you like to book?")]),
                    .forEach(model.kinds) { kind in
                        .div(.class("bk-card"),
                             .input(.type(.radio), .id("field-type-\(kind.code)"), .name("type"), .value(kind.code),
                                    .checked(kind.code == model.chosenKind)),
                             .label(.for("field-type-\(kind.code)"),
                                    .span(.class("bk-card-title"), .text(kind.name)),
                                    .span(.class("bk-card-facts"), .text(kind.facts))))
                    }
                ),
                .fieldset(
                    .class("field bk-cards"),
                    .element(named: "legend", nodes: [.text("With whom?")]),
                    .forEach(model.whom) { person in
                        .div(.class(person.acceptingNewClients ? "bk-card bk-person" : "bk-card bk-person bk-card-off"),
                             .input(.type(.radio), .id("field-with-\(person.value)"), .name("with"), .value(person.value),
                                    .checked(person.value == model.chosenWith && person.acceptingNewClients),
                                    .disabled(!person.acceptingNewClients),
                                    .attribute(named: "aria-describedby", value: "with-\(person.value)-status")),
                             .label(.for("field-with-\(person.value)"),
                                    .span(.class(person.isGroup ? "bk-avatar bk-avatar-group" : "bk-avatar"), .attribute(named: "aria-hidden", value: "true"),
                                          .text(person.isGroup ? "Any" : person.initials)),
                                    .span(.class("bk-card-body"),
                                          .span(.class("bk-card-title"), .text(person.name)),
                                          .span(.class("bk-card-facts"), .text(person.detail)),
                                          .span(.class("bk-card-fee"), .text(person.fee)),
                                          .span(.class(person.acceptingNewClients ? "bk-status bk-status-open" : "bk-status bk-status-closed"),
                                                .id("with-\(person.value)-status"),
                                                .text(person.acceptingNewClients ? "Taking new clients" : person.isGroup ? "Nobody free for new clients just now" : "Not taking new clients")))),
                             .unwrap(person.profile) { .p(.class("bk-card-more small"), .a(.href($0), .text("About \(person.name)"))) })
                    }
                ),
                .button(.class("button"), .type(.submit), .text("Show free times"))
            ),
            .p(.text("Practicum students are in the last year of their training; a registered psychotherapist supervises their work every week.")),
            .p(.text("Nothing suitable? "), .a(.href(SitePath.waitlist.link), .text("Join the waitlist")), .text(" and we will email you when a time opens up."))
        )
    }
}
