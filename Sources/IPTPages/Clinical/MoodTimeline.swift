import IPTCore
import Plot

/// Events as numbered markers and depression scores as a line on one time axis, with a tick for
/// each month; the numbers match the table below the chart, which carries the words.
public enum MoodTimeline {
    public static func monthText(_ date: LocalDate) -> String { "\(DateDisplay.months[date.month - 1].prefix(3)) \(date.year)" }

    /// The first of the month `months` away (the date itself if that month cannot be represented).
    public static func shift(_ date: LocalDate, months: Int) -> LocalDate {
        let index = date.year * 12 + (date.month - 1) + months
        return LocalDate(year: index / 12, month: index % 12 + 1, day: 1) ?? date
    }

    public static func svg(events: [(LocalDate, String)], onset: LocalDate?, scores: [(LocalDate, Int)]) -> String {
        let dates = events.map(\.0) + scores.map(\.0) + (onset.map { [$0] } ?? [])
        guard let earliest = dates.min(), let latest = dates.max() else {
            return ##"<p>No events or scores yet.</p>"##
        }
        // The axis starts at the first event (nothing empty before it) and runs to the first of
        // the month after the last; the ticks mark the first of each month in between.
        let first = earliest, last = shift(latest, months: 1)
        let width = 720.0, left = 40.0, right = 20.0, top = 16.0, plotHeight = 160.0, height = top + plotHeight + 44
        let span = Double(max(last.daysSinceEpoch - first.daysSinceEpoch, 30))
        func x(_ date: LocalDate) -> Double { left + (width - left - right) * Double(date.daysSinceEpoch - first.daysSinceEpoch) / span }
        func y(_ score: Int) -> Double { top + plotHeight * (1 - Double(score) / 27) }
        var parts = [##"<svg class="timeline-chart" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">"##,
                     ##"<title id="timeline-title">Life events and depression scores over time</title><desc id="timeline-desc">\##(events.count) events and \##(scores.count) scores from \##(monthText(earliest)) to \##(monthText(latest)); the table below lists them with the same numbers.</desc>"##,
                     ##"<line x1="\##(left)" y1="\##(top + plotHeight)" x2="\##(width - right)" y2="\##(top + plotHeight)" stroke="#52605e"/>"##]
        for tick in [0, 9, 18, 27] {
            parts.append(##"<text x="\##(left - 6)" y="\##(y(tick) + 4)" font-size="11" text-anchor="end" fill="#1d2b2a">\##(tick)</text><line x1="\##(left)" y1="\##(y(tick))" x2="\##(width - right)" y2="\##(y(tick))" stroke="#e3ded4"/>"##)
        }
        var month = first.day == 1 ? first : shift(first, months: 1)
        let months = (last.year - month.year) * 12 + last.month - month.month
        let every = max(1, months / 12)
        for index in 0...max(months, 0) {
            if index % every == 0 {
                parts.append(##"<line x1="\##(x(month))" y1="\##(top + plotHeight)" x2="\##(x(month))" y2="\##(top + plotHeight + 5)" stroke="#52605e"/><text x="\##(x(month))" y="\##(top + plotHeight + 18)" font-size="11" text-anchor="middle" fill="#1d2b2a">\##(DateDisplay.months[month.month - 1].prefix(3))\##(month.month == 1 || index == 0 ? " \(month.year)" : "")</text>"##)
            }
            month = shift(month, months: 1)
        }
        if let onset {
            parts.append(##"<line x1="\##(x(onset))" y1="\##(top)" x2="\##(x(onset))" y2="\##(top + plotHeight)" stroke="#b4532a" stroke-width="2" stroke-dasharray="5 3"/><text x="\##(x(onset) + 4)" y="\##(top + 10)" font-size="12" fill="#8a3a1a">low mood began</text>"##)
        }
        for (number, event) in events.enumerated() {
            let ex = x(event.0), ey = top + plotHeight - 14 - Double(number % 3) * 22
            parts.append(##"<line x1="\##(ex)" y1="\##(ey)" x2="\##(ex)" y2="\##(top + plotHeight)" stroke="#b4532a"/><circle cx="\##(ex)" cy="\##(ey)" r="9" fill="#b4532a"/><text x="\##(ex)" y="\##(ey + 4)" font-size="11" font-weight="700" text-anchor="middle" fill="#ffffff">\##(number + 1)</text>"##)
        }
        if scores.count > 1 {
            parts.append(##"<polyline points="\##(scores.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " "))" fill="none" stroke="#1f5f5b" stroke-width="2.5"/>"##)
        }
        for score in scores {
            parts.append(##"<circle cx="\##(x(score.0))" cy="\##(y(score.1))" r="4.5" fill="#1f5f5b"/><text x="\##(x(score.0))" y="\##(y(score.1) - 9)" font-size="11" text-anchor="middle" fill="#1d2b2a">\##(score.1)</text>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
