import Foundation
import IPTCore
import Plot

/// A client's scores over time: per questionnaire a chart with its bands, the same numbers in a
/// table, and the change since the first score; then, for a client with a guardian, which scores
/// the guardian may see.
public enum ProgressPage {
    public struct Point: Sendable, Equatable {
        public var date: Date
        public var score: Int
        /// The phase of the course on that day.
        public var phase: String

        public init(date: Date, score: Int, phase: String) {
            self.date = date
            self.score = score
            self.phase = phase
        }
    }

    public struct Detail: Sendable, Equatable {
        public var term: String
        public var description: String

        public init(term: String, description: String) {
            self.term = term
            self.description = description
        }
    }

    public struct Section: Sendable {
        public var instrument: Instrument
        public var points: [Point]
        /// The change since the first score, as term and description; nil with fewer than two scores.
        public var change: [Detail]?

        public init(instrument: Instrument, points: [Point], change: [Detail]?) {
            self.instrument = instrument
            self.points = points
            self.change = change
        }
    }

    public struct Shared: Sendable, Equatable {
        public var responseID: String
        /// "PHQ-A, Friday, December 4, 2026".
        public var label: String
        public var shared: Bool

        public init(responseID: String, label: String, shared: Bool) {
            self.responseID = responseID
            self.label = label
            self.shared = shared
        }
    }

    public struct Model: Sendable {
        public var clientID: String
        public var clientName: String
        public var zone: ClinicTimeZone
        public var phaseStarts: [(Date, Phase)]
        public var sections: [Section]
        /// Shown only for a client with a parent or guardian on file who has answered something.
        public var guardianSharing: [Shared]?
        public var csrfToken: String

        public init(clientID: String, clientName: String, zone: ClinicTimeZone, phaseStarts: [(Date, Phase)], sections: [Section],
                    guardianSharing: [Shared]?, csrfToken: String) {
            self.clientID = clientID
            self.clientName = clientName
            self.zone = zone
            self.phaseStarts = phaseStarts
            self.sections = sections
            self.guardianSharing = guardianSharing
            self.csrfToken = csrfToken
        }
    }

    public static func view(_ model: Model) -> Node<HTML.BodyContext> {
        .group(
            ChartFrame.header(ChartHeader(clientName: model.clientName, clientID: model.clientID, current: .progress,
                                          title: "Scores: \(model.clientName)")),
            .if(model.sections.isEmpty, .p(.text("No questionnaire has been answered yet."))),
            .forEach(model.sections) { section(model, $0) },
            .unwrap(model.guardianSharing) { sharing(model, $0) },
            // For another system, not for reading: a quiet link at the foot of the page.
            .p(.class("note-export hint"), .text("For another system: "),
               .a(.href(SitePath.clientFHIR.link(model.clientID)), .text("download the answers as FHIR R4 (JSON)")), .text("."))
        )
    }

    private static func section(_ model: Model, _ section: Section) -> Node<HTML.BodyContext> {
        let instrument = section.instrument
        return .section(
            .attribute(named: "aria-labelledby", value: "chart-\(instrument.code)"),
            .h2(.id("chart-\(instrument.code)"), .text(instrument.name)),
            // Two drawings of the same scores; the style sheet shows the one that fits the screen.
            .div(.class("note-progress"),
                 .raw(ProgressChart.svg(instrument: instrument, points: section.points.map { ($0.date, $0.score) }, zone: model.zone, phaseStarts: model.phaseStarts)),
                 .raw(ProgressChart.svg(instrument: instrument, points: section.points.map { ($0.date, $0.score) }, zone: model.zone, phaseStarts: model.phaseStarts,
                                        compact: true))),
            TableViews.scrollable(captionID: "table-\(instrument.code)", .table(
                .class("data-table"),
                .caption(.id("table-\(instrument.code)"), .text("\(instrument.name) scores, oldest first")),
                .thead(.tr(.th(.text("Date")), .th(.text("Score")), .th(.text("Band")), .th(.text("Phase")))),
                .tbody(.forEach(section.points) { point in
                    .tr(.td(.text(DateDisplay.day(model.zone.localDate(of: point.date)))), .td(.text("\(point.score) of \(instrument.maximumScore)")),
                        .td(.text(instrument.band(for: point.score)?.label ?? "")), .td(.text(point.phase)))
                }))),
            .unwrap(section.change) { details in
                .dl(.class("details"), .forEach(details) { .group(.dt(.text($0.term)), .dd(.text($0.description))) })
            }
        )
    }

    private static func sharing(_ model: Model, _ responses: [Shared]) -> Node<HTML.BodyContext> {
        .section(
            .h2(.text("Shared with the parent or guardian")),
            .p(.class("hint"), .text("A guardian sees appointments and consents in the portal, and a questionnaire's score only when you share it here. Discuss it with the young person first.")),
            .ul(.forEach(responses) { response in
                .li(.form(.method(.post), .action(SitePath.responseShare.link(model.clientID, response.responseID)), .class("inline-form"),
                          FormViews.csrf(model.csrfToken),
                          .input(.type(.hidden), .name("share"), .value(response.shared ? "no" : "yes")),
                          .span(.text("\(response.label): \(response.shared ? "shared" : "not shared") ")),
                          .button(.class("button small secondary"), .type(.submit), .text(response.shared ? "Stop sharing" : "Share with the guardian"))))
            }))
    }
}
