import IPTCore
import Plot

/// The whole of a list that Today shows only the first few of: every note a clinician owes, every
/// form sent and not finished. Each row has the same button it has on Today.
public enum TodayListPage {
    public struct List: Sendable {
        public let title: String
        public let crumb: String
        public let intro: String
        public let heading: String
        public let empty: String
        /// The stylesheet's colour for the panel, as on Today.
        public var tone: String? = nil

        public static let notesToWrite = List(
            title: "Notes to write", crumb: "Notes to write",
            intro: "Attended sessions of the last 90 days, up to yesterday, that have no note yet, the oldest first (today's are on "
                + "Today). A note written from a client's chart without choosing a session counts for that client's oldest session "
                + "without one.",
            heading: "Sessions without a note", empty: "Every attended session of the last 90 days has its note.", tone: "attention")
        public static let formsOutstanding = List(
            title: "Forms clients have not finished", crumb: "Forms not finished",
            intro: "Intake forms, questionnaires and self-assessments you sent by link that the client has not finished, "
                + "the first to expire first. A link stops working on its date; send a new one from the appointment.",
            heading: "Waiting for the client", empty: "No form you sent is waiting for a client.")
    }

    public static func view(_ list: List, lines: [TodayPage.Line], csrfToken: String) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("breadcrumb"), .a(.href(SitePath.dashboard.link), .text("Today")), .text(" / \(list.crumb)")),
            .h1(.text(list.title)),
            .p(.text(list.intro)),
            .div(.class("today-grid today-grid-single"),
                 TodayPage.section("today-list", list.heading, lines, tone: lines.isEmpty ? nil : list.tone, csrf: csrfToken,
                                   empty: list.empty, more: nil))
        )
    }
}
