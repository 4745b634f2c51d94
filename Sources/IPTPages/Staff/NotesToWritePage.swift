import IPTCore
import Plot

/// All the notes a clinician owes: each attended session of the last 90 days without one, the
/// oldest first, each with the button that writes it. Today lists the first few and links here.
public enum NotesToWritePage {
    public static let title = "Notes to write"

    public static func view(_ lines: [TodayPage.Line], csrfToken: String) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("breadcrumb"), .a(.href(SitePath.dashboard.link), .text("Today")), .text(" / Notes to write")),
            .h1(.text(title)),
            .p(.text("Attended sessions of the last 90 days that have no note yet, the oldest first. A note written from a client's "
                     + "chart without choosing a session counts for that client's oldest session without one.")),
            .div(.class("today-grid today-grid-single"),
                 TodayPage.section("notes-all", "Sessions without a note", lines, tone: lines.isEmpty ? nil : "attention", csrf: csrfToken,
                                   empty: "Every attended session of the last 90 days has its note.", more: nil))
        )
    }
}
