import IPTCore
import Plot

/// The HTML part of each newsletter copy: the formatted text, then why the reader gets it and how
/// to stop.
public enum NewsletterEmail {
    /// `formattedHTML` is the Markdown as HTML, with markup typed into it already escaped.
    public static func html(formattedHTML: String, unsubscribeURL: String, clinic: ClinicIdentity) -> String {
        let footer: Node<HTML.BodyContext> = .group(
            .hr(),
            .p(.small(.text("You receive this because you subscribed to the \(clinic.name) newsletter. "),
                      .a(.href(unsubscribeURL), .text("Unsubscribe at any time")),
                      .text(". \(clinic.name), \(clinic.address)")))
        )
        return HTML(
            .lang(.english),
            .head(.encoding(.utf8), .element(named: "title", nodes: [.text(clinic.name)])),
            .body(.div(.raw(formattedHTML)), footer)
        ).render()
    }
}
