import IPTCore
import IPTPages
import Plot
import Testing

/// `MarkupWriter` writes repeated elements without Plot's tree; what it writes must be what Plot
/// writes for the same elements, escaping included (the page snapshots hold the calendar to it too).
@Suite struct MarkupWriterTests {
    static let hostile = "\u{600}<b>\"O'Neil\" & Co</b> &amp; é"

    @Test func it_writes_what_plot_writes_for_the_same_elements() {
        var writer = MarkupWriter()
        writer.open("a", ["class": "cal-slot cal-at-3", "href": "/staff/appointments/new?clinician=\(Self.hostile)&date=2026-12-08",
                          "aria-label": "Book \(Self.hostile)"])
        writer.open("span")
        writer.text("+ \(Self.hostile)")
        writer.close("span")
        writer.close("a")
        writer.text(Self.hostile)
        // As IPTPages builds it: attribute values through `attributeSafe`, text escaped by bytes.
        let plot: Node<HTML.BodyContext> = .group(
            .a(.class("cal-slot cal-at-3"),
               .attribute(named: "href", value: attributeSafe("/staff/appointments/new?clinician=\(Self.hostile)&date=2026-12-08")),
               .attribute(named: "aria-label", value: attributeSafe("Book \(Self.hostile)")),
               .span(.raw(MarkupEscaping.escapeText("+ \(Self.hostile)")))),
            .raw(MarkupEscaping.escapeText(Self.hostile)))
        #expect(writer.html == plot.render())
        #expect(!writer.html.contains("<b>"), "nothing given gets out as markup: \(writer.html)")
        #expect(writer.html.contains(#"aria-label="Book \#u{600}&lt;b&gt;&quot;O&#39;Neil&quot; &amp; Co"#), "quotes in a value are escaped")
    }

    @Test func an_empty_element_is_written_as_plot_writes_it() {
        var writer = MarkupWriter()
        writer.empty("br")
        #expect(writer.html == Node<HTML.BodyContext>.br().render())
    }

    @Test func its_node_renders_inside_a_plot_element_as_written() {
        var writer = MarkupWriter()
        writer.open("span")
        writer.text("a < b")
        writer.close("span")
        let html = Node<HTML.BodyContext>.div(.class("x"), writer.node()).render()
        #expect(html == #"<div class="x"><span>a &lt; b</span></div>"#)
    }

    @Test func a_lists_options_are_what_one_option_at_a_time_writes() {
        let choices: [(value: String, label: String)] = [("", "Anyone"), ("s1", Self.hostile), ("s2", "Daniel Reyes"), (Self.hostile, "Odd value")]
        for selected in [nil, "", "s2", Self.hostile] as [String?] {
            let quick = Node<HTML.BodyContext>.select(SelectViews.options(choices, selected: selected)).render()
            let plot = Node<HTML.BodyContext>.select(.forEach(choices) { SelectViews.option(value: $0.value, label: $0.label, selected: $0.value == selected) }).render()
            #expect(quick == plot, "selected \(selected ?? "nil")")
        }
        #expect(Node<HTML.BodyContext>.select(SelectViews.options(choices, selected: "s2")).render()
            .contains(#"<option value>Anyone</option><option value="s1">"#), "an empty value is written as Plot writes it")
    }
}
