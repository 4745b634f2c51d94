import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// A client's scores over time: one server-drawn chart per questionnaire with its severity bands,
/// a table of the same numbers for screen readers and print, and the change since the first score
/// with the parameters each measure used.
struct ProgressController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "progress", use: show)
        routes.get("staff", "clients", ":id", "fhir", use: fhir)
        routes.post("staff", "clients", ":id", "responses", ":response", "share", use: share)
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let id = context.clientID
        let responses = try await MeasureResponse.query(on: request.db).filter(\.$client.$id == id).filter(\.$status == .completed)
            .sort(\.$completedAt).all()
        try await request.audit(.view, recordType: "progress", recordID: id.uuidString, subject: id.uuidString, detail: "scores=\(responses.count)")
        let zone = context.zone
        let phaseStarts = try await Self.phaseStarts(clientID: id, zone: zone, on: request.db)
        func phase(at date: Date) -> String { phaseStarts.last { $0.0 <= date }?.1.label ?? "Before the course" }
        let byInstrument = Dictionary(grouping: responses, by: \.instrumentCode)
        // The index's SD is the spread of this clinic's first scores (one per client) on each measure.
        var baselineSD: [String: (sd: Double?, count: Int)] = [:]
        for code in byInstrument.keys {
            let all = try await MeasureResponse.query(on: request.db).filter(\.$instrumentCode == code).filter(\.$status == .completed)
                .sort(\.$completedAt).all()
            var firsts: [UUID: Int] = [:]
            for row in all where firsts[row.$client.id] == nil { if let total = try row.total(request.services.keyRing) { firsts[row.$client.id] = total } }
            baselineSD[code] = (ChangeMetrics.baselineStandardDeviation(Array(firsts.values)), firsts.count)
        }
        let sections: [Node<HTML.BodyContext>] = try request.services.instruments.all.compactMap { instrument in
            guard let rows = byInstrument[instrument.code], !rows.isEmpty else { return nil }
            let points = try rows.compactMap { row in try row.total(request.services.keyRing).flatMap { total in row.completedAt.map { ($0, total) } } }
            let spread = baselineSD[instrument.code]
            let change = points.count >= 2 ? ChangeMetrics(instrument: instrument, baseline: points.first!.1, latest: points.last!.1,
                                                           standardDeviation: spread?.sd, reliability: instrument.change?.reliability) : nil
            let rciText: String? = change.map { change in
                if let rci = change.rci {
                    return String(format: "%.2f", rci.value) + (rci.isReliable ? " (reliable change: beyond 1.96 either way)" : " (within 1.96: not a reliable change)")
                        + String(format: ". Used: SD %.2f, the spread of this clinic's first %@ scores (%d clients), and reliability %.2f", rci.standardDeviation, instrument.name, spread?.count ?? 0, rci.reliability)
                        + (instrument.change?.reliabilitySource.map { " (\($0))" } ?? "") + "."
                }
                if instrument.change?.reliability == nil { return "Not computed: this measure's definition gives no reliability." }
                return "Not computed yet: the SD comes from the first scores of at least \(ChangeMetrics.minimumBaselines) clients; the clinic has \(spread?.count ?? 0)."
            }
            return .section(
                .attribute(named: "aria-labelledby", value: "chart-\(instrument.code)"),
                .h2(.id("chart-\(instrument.code)"), .text(instrument.name)),
                .raw(ProgressChart.svg(instrument: instrument, points: points, zone: zone, phaseStarts: phaseStarts)),
                TableViews.scrollable(captionID: "table-\(instrument.code)", .table(
                    .class("data-table"),
                    .caption(.id("table-\(instrument.code)"), .text("\(instrument.name) scores, oldest first")),
                    .thead(.tr(.th(.text("Date")), .th(.text("Score")), .th(.text("Band")), .th(.text("Phase")))),
                    .tbody(.forEach(points) { point in
                        .tr(.td(.text(DateDisplay.day(zone.localDate(of: point.0)))), .td(.text("\(point.1) of \(instrument.maximumScore)")),
                            .td(.text(instrument.band(for: point.1)?.label ?? "")), .td(.text(phase(at: point.0))))
                    }))),
                .unwrap(change) { change in
                    .dl(.class("details"),
                        .dt(.text("Since the first score")), .dd(.text("\(change.baseline) to \(change.latest)")),
                        .dt(.text("Response (a drop of half or more)")),
                        .dd(.text(change.response.map { $0 ? "Yes" : "No" }
                                  ?? "Not applicable: the first score was not in the clinical range (above \(instrument.change?.casenessAbove ?? 0))")),
                        .unwrap(change.remission) { .group(.dt(.text("Remission (below \(instrument.change?.remissionBelow ?? 0))")), .dd(.text($0 ? "Yes" : "No"))) },
                        .unwrap(change.reliableImprovement) { .group(.dt(.text("Reliable improvement (a drop of \(instrument.change?.reliableDrop ?? 0) or more, the NHS Talking Therapies convention)")), .dd(.text($0 ? "Yes" : "No"))) },
                        .unwrap(change.reliableDeterioration) { .group(.dt(.text("Reliable deterioration (a rise of \(instrument.change?.reliableDrop ?? 0) or more, the same convention)")), .dd(.text($0 ? "Yes" : "No"))) },
                        .unwrap(rciText) { .group(.dt(.text("Reliable Change Index (Jacobson and Truax)")), .dd(.text($0))) })
                }
            )
        }
        let guardianSharing: Node<HTML.BodyContext> = .if(context.client.guardianName != nil && !responses.isEmpty, .section(
            .h2(.text("Shared with the parent or guardian")),
            .p(.class("hint"), .text("A guardian sees appointments and consents in the portal, and a questionnaire's score only when you share it here. Discuss it with the young person first.")),
            .ul(.forEach(responses) { response in
                .li(.form(.method(.post), .action("/staff/clients/\(id.uuidString)/responses/\(response.id!.uuidString)/share"), .class("inline-form"),
                          FormViews.csrf(request.csrfToken),
                          .input(.type(.hidden), .name("share"), .value(response.sharedWithGuardian ? "no" : "yes")),
                          .span(.text("\(request.services.instruments.named(response.instrumentCode)?.name ?? response.instrumentCode), \(response.completedAt.map { DateDisplay.day(zone.localDate(of: $0)) } ?? ""): \(response.sharedWithGuardian ? "shared" : "not shared") ")),
                          .button(.class("button small secondary"), .type(.submit), .text(response.sharedWithGuardian ? "Stop sharing" : "Share with the guardian"))))
            })))
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "progress", title: "Scores: \(context.client.name)"),
            .p(.a(.href("/staff/clients/\(id.uuidString)/fhir"), .text("Download the answers as FHIR R4 (JSON)"))),
            .if(sections.isEmpty, .p(.text("No questionnaire has been answered yet."))),
            .group(sections),
            guardianSharing
        )
        return .html(PageLayout.render(title: "Progress", chrome: try await request.chrome(), content: content))
    }
}

extension ProgressController {
    /// The clinician shares (or stops sharing) one of an adolescent's questionnaires with the guardian.
    func share(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        guard let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)),
              let response = try await MeasureResponse.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == context.clientID).first()
        else { throw Abort(.notFound) }
        guard context.client.guardianName != nil else {
            throw Abort(.unprocessableEntity, reason: "This client has no parent or guardian on file.")
        }
        response.sharedWithGuardian = fields["share"] == "yes"
        try await response.update(on: request.db)
        try await request.audit(.update, recordType: "questionnaire-sharing", recordID: id.uuidString, subject: context.clientID.uuidString,
                                detail: response.sharedWithGuardian ? "shared with guardian" : "not shared")
        return request.redirect(to: "\(context.base)/progress")
    }
}

extension ProgressController {
    /// When each phase of the current course began: the start of the sessions that opened it, as
    /// the contract and the clinic's boundaries place them (an override by hand is not a date, so
    /// it does not move these marks).
    static func phaseStarts(clientID: UUID, zone: ClinicTimeZone, on database: any Database) async throws -> [(Date, Phase)] {
        guard let contract = try await ContractRow.latest(for: clientID, on: database), let start = LocalDate(iso: contract.startDate) else { return [] }
        let settings = try await ClinicalSettingsRow.current(on: database).course
        let sessions = try await Appointment.query(on: database).filter(\.$client.$id == clientID)
            .filter(\.$status == Appointment.Status.attended).filter(\.$startsAt >= zone.startOfDay(start)).sort(\.$startsAt).all()
        var starts: [(Date, Phase)] = [(zone.startOfDay(start), .initial)]
        for (offset, session) in sessions.enumerated() {
            let phase = CourseProgress.phase(ofSession: offset + 1, agreedSessions: contract.agreedSessions, settings: settings)
            if phase != starts.last?.1 { starts.append((session.startsAt, phase)) }
        }
        return starts
    }
}

/// Draws scores over time as an accessible SVG: bands shaded behind, the scores joined by a line,
/// and a dashed mark where each phase of the course began.
enum ProgressChart {
    static let bandColours = ["#e3f1e6", "#f3f6dc", "#fdf3dc", "#fbe5d6", "#fbe9e7"]

    static func svg(instrument: Instrument, points: [(Date, Int)], zone: ClinicTimeZone, phaseStarts: [(Date, Phase)] = []) -> String {
        let width = 680.0, height = 260.0, left = 44.0, right = 190.0, top = 12.0, bottom = 36.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maximum = Double(max(instrument.maximumScore, 1))
        func y(_ score: Double) -> Double { top + plotHeight * (1 - score / maximum) }
        func x(_ index: Int) -> Double { points.count <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1) }
        var parts: [String] = []
        let title = "\(instrument.name) scores over time"
        let description = points.isEmpty ? "No scores." : "\(points.count) scores from \(points.first!.1) to \(points.last!.1); the table below lists them with the phase of the course."
        parts.append(##"<svg class="progress-chart" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-labelledby="svg-title-\##(instrument.code) svg-desc-\##(instrument.code)" xmlns="http://www.w3.org/2000/svg">"##)
        parts.append(##"<title id="svg-title-\##(instrument.code)">\##(MarkupEscaping.escape(title))</title><desc id="svg-desc-\##(instrument.code)">\##(MarkupEscaping.escape(description))</desc>"##)
        for (index, band) in instrument.bands.enumerated() {
            let top = y(Double(band.upper) + (band.upper == instrument.maximumScore ? 0 : 0.5)), bottomEdge = y(Double(band.lower) - (band.lower == 0 ? 0 : 0.5))
            parts.append(##"<rect x="\##(left)" y="\##(top)" width="\##(plotWidth)" height="\##(max(bottomEdge - top, 0))" fill="\##(bandColours[index % bandColours.count])"/>"##)
            parts.append(##"<text x="\##(left + plotWidth + 8)" y="\##((top + bottomEdge) / 2 + 4)" font-size="12" fill="#1d2b2a">\##(MarkupEscaping.escape(band.label)) (\##(band.lower)-\##(band.upper))</text>"##)
        }
        parts.append(##"<line x1="\##(left)" y1="\##(top)" x2="\##(left)" y2="\##(top + plotHeight)" stroke="#52605e"/>"##)
        for tick in stride(from: 0, through: instrument.maximumScore, by: max(instrument.maximumScore / 3, 1)) {
            parts.append(##"<text x="\##(left - 6)" y="\##(y(Double(tick)) + 4)" font-size="12" text-anchor="end" fill="#1d2b2a">\##(tick)</text>"##)
        }
        // Scores are spaced evenly, so a phase mark goes between the last score before it and the first after.
        for (date, phase) in phaseStarts where phase != .initial {
            let before = points.filter { $0.0 < date }.count
            guard before > 0, before < points.count else { continue }
            let mark = (x(before - 1) + x(before)) / 2
            parts.append(##"<line x1="\##(mark)" y1="\##(top)" x2="\##(mark)" y2="\##(top + plotHeight)" stroke="#1d2b2a" stroke-width="1.5" stroke-dasharray="5 4"/><text x="\##(mark + 4)" y="\##(top + 12)" font-size="12" fill="#1d2b2a">\##(phase == .middle ? "middle phase" : "termination")</text>"##)
        }
        if points.count > 1 {
            let line = points.enumerated().map { "\(x($0.offset)),\(y(Double($0.element.1)))" }.joined(separator: " ")
            parts.append(##"<polyline points="\##(line)" fill="none" stroke="#1f5f5b" stroke-width="2.5"/>"##)
        }
        for (index, point) in points.enumerated() {
            parts.append(##"<circle cx="\##(x(index))" cy="\##(y(Double(point.1)))" r="5" fill="#1f5f5b"/>"##)
            let day = zone.localDate(of: point.0)
            parts.append(##"<text x="\##(x(index))" y="\##(height - 12)" font-size="12" text-anchor="middle" fill="#1d2b2a">\##(DateDisplay.months[day.month - 1].prefix(3)) \##(day.day)</text>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
