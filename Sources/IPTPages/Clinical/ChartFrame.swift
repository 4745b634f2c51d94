import IPTCore
import Plot

/// The sections of a client's chart, in the order of the tabs at the top of each of its pages.
public enum ChartSection: String, CaseIterable, Sendable {
    case chart, inventory, formulation, worksheets, notes, timeline, progress, discharge

    public var title: String {
        switch self {
        case .chart: "Chart"
        case .inventory: "Inventory"
        case .formulation: "Formulation"
        case .worksheets: "Worksheets"
        case .notes: "Notes"
        case .timeline: "Timeline"
        case .progress: "Scores"
        case .discharge: "Discharge"
        }
    }

    public var path: SitePath {
        switch self {
        case .chart: .chart
        case .inventory: .inventory
        case .formulation: .formulation
        case .worksheets: .worksheets
        case .notes: .notes
        case .timeline: .timeline
        case .progress: .progress
        case .discharge: .discharge
        }
    }
}

/// What the top of every chart page needs: whose chart, which tab is open, the page's heading.
public struct ChartHeader: Sendable, Equatable {
    public var clientName: String
    public var clientID: String
    public var current: ChartSection
    public var title: String

    public init(clientName: String, clientID: String, current: ChartSection, title: String) {
        self.clientName = clientName
        self.clientID = clientID
        self.current = current
        self.title = title
    }
}

/// The pieces every chart page shares: the breadcrumb, heading and section tabs, and the notice
/// shown after a change (the `done` key of the redirect).
public enum ChartFrame {
    public static func header(_ header: ChartHeader) -> Node<HTML.BodyContext> {
        .group(
            .p(.class("breadcrumb"), .a(.href(SitePath.clients.link), .text("Clients")), .text(" / "), .text(header.clientName)),
            .h1(.text(header.title)),
            .nav(.class("chart-tabs"), .attribute(named: "aria-label", value: "Chart sections"),
                 .ul(.forEach(ChartSection.allCases) { section in
                     .li(.a(.href(section.path.link(header.clientID)),
                            .if(section == header.current, .attribute(named: "aria-current", value: "page")), .text(section.title)))
                 }))
        )
    }

    /// The messages a redirect's `done` key may ask for; an unknown key shows nothing.
    public static let messages = [
        "saved": "Saved.", "signed": "Signed.",
        "saved-unlinked": "Saved, but not linked to the appointment: it was cancelled while the note was being written.", "cosigned": "Co-signed; the note is final.", "returned": "Returned to the student with your comments.",
        "amended": "Amendment added; the original is kept beside it.", "logged": "Supervision session logged.",
        "overridden": "Phase override saved.", "cleared": "The phase follows the sessions held again.", "deleted": "Removed.",
    ]

    public static func notice(_ done: String?) -> Node<HTML.BodyContext> {
        guard let done, let message = messages[done] else { return .empty }
        return .p(.class("notice no-print"), .attribute(named: "role", value: "status"), .text(message))
    }
}
