import IPTCore
import Plot

/// The closeness circle as an accessible SVG: three rings around the client, each person on the ring
/// of their level. The table beside it carries the same facts for screen readers.
public enum ClosenessCircle {
    public static let size = 420.0, outer = 195.0

    public static func figure(_ svg: String, caption: String) -> Node<HTML.BodyContext> {
        .element(named: "figure", nodes: [.raw(svg), .element(named: "figcaption", nodes: [.text(caption)])])
    }

    public static func ringName(_ level: Int) -> String {
        switch level {
        case 1: "Inner"
        case 2: "Middle"
        default: "Outer"
        }
    }

    public static func svg(id: String, title: String, people: [(id: String, name: String, level: Int)], draggable: Bool) -> String {
        let centre = size / 2
        let placements = ClosenessCircleLayout.place(levels: people.map(\.level), centre: centre, outer: outer)
        let counts = (1...3).map { level in people.filter { $0.level == level }.count }
        let description = "Inner ring \(counts[0]), middle ring \(counts[1]), outer ring \(counts[2]) people. The table lists them."
        var parts = [##"<svg class="closeness-circle" viewBox="0 0 \##(Int(size)) \##(Int(size))" role="img" aria-labelledby="circle-title-\##(id) circle-desc-\##(id)" xmlns="http://www.w3.org/2000/svg"\##(draggable ? #" data-draggable="true" data-centre="\#(centre)" data-outer="\#(outer)""# : "")>"##,
                     ##"<title id="circle-title-\##(id)">\##(MarkupEscaping.escape(title))</title><desc id="circle-desc-\##(id)">\##(description)</desc>"##]
        for (level, fill) in [(3, "#eef5f4"), (2, "#d9ebe8"), (1, "#bfdcd7")] {
            parts.append(##"<circle cx="\##(centre)" cy="\##(centre)" r="\##(outer * Double(level) / 3)" fill="\##(fill)" stroke="#52605e"/>"##)
        }
        // Each ring named near its outer edge, up and to the left, where the layout puts no one
        // on the first rings (people start at the top and go round clockwise).
        for level in 1...3 {
            let edge = outer * Double(level) / 3 - 12, offset = edge * 0.7071
            parts.append(##"<text class="ring-label" x="\##(centre - offset)" y="\##(centre - offset + 4)" font-size="12" font-style="italic" text-anchor="middle" fill="#33413f">\##(ringName(level))</text>"##)
        }
        parts.append(##"<circle cx="\##(centre)" cy="\##(centre)" r="20" fill="#1f5f5b"/><text x="\##(centre)" y="\##(centre + 4)" font-size="11" text-anchor="middle" fill="#ffffff">Client</text>"##)
        for placement in placements {
            let person = people[placement.index]
            let label = MarkupEscaping.escape(String(person.name.prefix(18)))
            parts.append(##"<g class="person" data-entry="\##(MarkupEscaping.escape(person.id))"><circle cx="\##(placement.x)" cy="\##(placement.y)" r="9" fill="#b4532a" stroke="#ffffff" stroke-width="2"/><text x="\##(placement.x)" y="\##(placement.y > centre + 1 ? placement.y + 24 : placement.y - 13)" font-size="12" text-anchor="middle" fill="#1d2b2a">\##(label)</text></g>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
