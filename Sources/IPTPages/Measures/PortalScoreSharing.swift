import Plot

/// On the client's progress page: whether the client sees their own score chart in the portal,
/// with one button to change it. Off until someone on the care team turns it on.
public enum PortalScoreSharing {
    public struct Model: Sendable, Equatable {
        public var clientID: String
        public var shared: Bool
        public var csrfToken: String

        public init(clientID: String, shared: Bool, csrfToken: String) {
            self.clientID = clientID
            self.shared = shared
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .section(
            .class("portal-sharing"), .attribute(named: "aria-labelledby", value: "portal-sharing"),
            .h2(.id("portal-sharing"), .text("The client's portal")),
            .p(.strong(.text(model.shared ? "Shared: " : "Not shared: ")),
               .text(model.shared
                     ? "the client sees these charts (not the change figures) when they sign in to the portal."
                     : "the client does not see their scores in the portal.")),
            .p(.class("hint"), .text("Share when seeing the numbers helps the work, and talk them over together first.")),
            .form(.method(.post), .action(SitePath.progressPortalSharing.link(model.clientID)), .class("inline-form"),
                  FormViews.csrf(model.csrfToken),
                  .input(.type(.hidden), .name("share"), .value(model.shared ? "no" : "yes")),
                  .button(.class(model.shared ? "button secondary" : "button"), .type(.submit),
                          .text(model.shared ? "Stop showing scores in the portal" : "Show these scores in the client's portal")))
        )
    }
}
