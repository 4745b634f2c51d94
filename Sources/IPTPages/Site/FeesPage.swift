import Plot

/// The fees: a table of the fee levels (who you see and what one session costs), links to book,
/// then the clinic's own text about payment.
public enum FeesPage {
    public struct Tier: Sendable, Equatable {
        public var label: String
        /// Formatted for display ("$180.00").
        public var fee: String
        public var summary: String

        public init(label: String, fee: String, summary: String) {
            self.label = label
            self.fee = fee
            self.summary = summary
        }
    }

    public struct Model: Sendable, Equatable {
        public var title: String
        public var summary: String?
        public var html: String
        public var tiers: [Tier]

        public init(title: String, summary: String?, html: String, tiers: [Tier]) {
            self.title = title
            self.summary = summary
            self.html = html
            self.tiers = tiers
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            .h1(.text(model.title)),
            .unwrap(model.summary) { .p(.class("lede"), .text($0)) },
            TableViews.scrollable(
                captionID: "fees-caption",
                .table(
                    .class("data-table fit"),
                    .caption(.id("fees-caption"), .text("Fee for one 50-minute session, by who you see")),
                    .thead(.tr(.th(.text("Clinician")), .th(.text("Fee")), .th(.text("What it means")))),
                    .tbody(.forEach(model.tiers) { tier in
                        .tr(
                            .th(.attribute(named: "scope", value: "row"), .text(tier.label)),
                            .td(.text(tier.fee)),
                            .td(.text(tier.summary))
                        )
                    })
                )
            ),
            .p(.class("actions"), .a(.class("button"), .href(BookingCallToAction.link),
                                     .text("Book a free consultation with the reduced-rate clinic")),
               .text(" "), .a(.class("button secondary"), .href(SitePath.book.link), .text("See every booking option"))),
            .div(.class("prose"), .raw(model.html)),
            BookingCallToAction.view()
        )
    }
}
