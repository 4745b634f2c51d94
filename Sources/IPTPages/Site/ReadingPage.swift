import Plot

/// A page of the public site written in Markdown (what IPT is, the focus areas, the privacy notice):
/// its title, the summary under it, and the text. The HTML comes from the clinic's own Markdown in
/// the repository, rendered once at start-up.
public enum ReadingPage {
    public struct Model: Sendable, Equatable {
        public var title: String
        public var summary: String?
        public var html: String

        public init(title: String, summary: String?, html: String) {
            self.title = title
            self.summary = summary
            self.html = html
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .unwrap(model.summary) { .p(.class("lede"), .text($0)) },
            .div(.class("prose"), .raw(model.html)),
            BookingCallToAction.view()
        )
    }
}
