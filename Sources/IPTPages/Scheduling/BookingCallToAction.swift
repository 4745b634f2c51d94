import Plot

/// The close of every public reading page: the next step is the free phone consultation, booked
/// online like any other appointment. Not shown on the booking pages themselves.
public enum BookingCallToAction {
    public static let link = SitePath.book.link(query: ["type": "consultation", "with": "reduced"])

    public static func view() -> Node<HTML.BodyContext> {
        .aside(
            .class("bk-cta"), .ariaLabel("Book a free consultation"),
            .h2(.text("Book a free consultation")),
            .p(.text("A 15-minute phone call, at no cost: tell us what is going on, ask your questions, and we suggest who would suit you. Pick a time online; we call you.")),
            .p(.a(.class("button"), .href(link), .text("Book a free consultation")))
        )
    }
}
