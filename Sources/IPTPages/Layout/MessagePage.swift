import Plot

/// A short page that tells someone what happened: a link used or expired, answers saved, a request
/// received. The same shape everywhere, so a visitor always finds the way on.
public enum MessagePage {
    public struct Model: Sendable, Equatable {
        public var title: String
        /// A confirmation shown above the text, announced to screen readers.
        public var notice: String?
        public var paragraphs: [String]

        public init(title: String, notice: String? = nil, paragraphs: [String]) {
            self.title = title
            self.notice = notice
            self.paragraphs = paragraphs
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .unwrap(model.notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .forEach(model.paragraphs) { .p(.text($0)) },
            .p(.a(.href("/book"), .text("Book an appointment")), .text(" or "), .a(.href("/"), .text("go to the home page")))
        )
    }
}
