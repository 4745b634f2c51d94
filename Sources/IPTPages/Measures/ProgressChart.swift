import Foundation
import IPTCore

/// Draws scores over time as an accessible SVG: bands shaded behind, the scores joined by a line,
/// and a dashed mark where each phase of the course began.
public enum ProgressChart {
    static let bandColours = ["#e3f1e6", "#f3f6dc", "#fdf3dc", "#fbe5d6", "#fbe9e7"]

    /// `compact` draws for a phone: a drawing about as wide as the screen, so 12-unit text stays
    /// about 12 px; the band names sit inside the plot and only a few dates are written.
    public static func svg(instrument: Instrument, points: [(Date, Int)], zone: ClinicTimeZone, phaseStarts: [(Date, Phase)] = [],
                           compact: Bool = false) -> String {
        let width = compact ? 340.0 : 680.0, height = compact ? 240.0 : 260.0, left = compact ? 28.0 : 44.0, right = compact ? 10.0 : 190.0
        let top = 12.0, bottom = 36.0
        let suffix = compact ? "-compact" : ""
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maximum = Double(max(instrument.maximumScore, 1))
        func y(_ score: Double) -> Double { top + plotHeight * (1 - score / maximum) }
        func x(_ index: Int) -> Double { points.count <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(points.count - 1) }
        var parts: [String] = []
        let title = "\(instrument.name) scores over time"
        let description = points.isEmpty ? "No scores." : "\(points.count) scores from \(points.first!.1) to \(points.last!.1); the table below lists them with the phase of the course."
        parts.append(##"<svg class="\##(compact ? "progress-chart-compact" : "progress-chart")" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-labelledby="svg-title-\##(instrument.code)\##(suffix) svg-desc-\##(instrument.code)\##(suffix)" xmlns="http://www.w3.org/2000/svg">"##)
        parts.append(##"<title id="svg-title-\##(instrument.code)\##(suffix)">\##(MarkupEscaping.escape(title))</title><desc id="svg-desc-\##(instrument.code)\##(suffix)">\##(MarkupEscaping.escape(description))</desc>"##)
        for (index, band) in instrument.bands.enumerated() {
            let top = y(Double(band.upper) + (band.upper == instrument.maximumScore ? 0 : 0.5)), bottomEdge = y(Double(band.lower) - (band.lower == 0 ? 0 : 0.5))
            parts.append(##"<rect x="\##(left)" y="\##(top)" width="\##(plotWidth)" height="\##(max(bottomEdge - top, 0))" fill="\##(bandColours[index % bandColours.count])"/>"##)
            let labelX = compact ? left + 4 : left + plotWidth + 8
            parts.append(##"<text x="\##(labelX)" y="\##((top + bottomEdge) / 2 + 4)" font-size="12" fill="#1d2b2a">\##(MarkupEscaping.escape(band.label))\##(compact ? "" : " (\(band.lower)-\(band.upper))")</text>"##)
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
        // On a phone a date under every score would overlap: about five are written, always the last.
        let dateEvery = compact ? max(1, (points.count + 4) / 5) : 1
        for (index, point) in points.enumerated() {
            parts.append(##"<circle cx="\##(x(index))" cy="\##(y(Double(point.1)))" r="5" fill="#1f5f5b"/>"##)
            let day = zone.localDate(of: point.0)
            guard (points.count - 1 - index) % dateEvery == 0 else { continue }
            parts.append(##"<text x="\##(x(index))" y="\##(height - 12)" font-size="12" text-anchor="middle" fill="#1d2b2a">\##(DateDisplay.months[day.month - 1].prefix(3)) \##(day.day)</text>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
