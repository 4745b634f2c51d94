import IPTCore
import Plot

/// Markup written straight into one string, for the elements a page repeats hundreds of times (the
/// calendar's free quarter hours: 300 to 400 links on everyone's day). Plot makes a closure for
/// every element and attribute, a buffer and a dictionary for every element, and copies each
/// element's markup into its parent's: building and rendering the calendar was a third of that
/// page's time at 100,000 clients (docs/PERFORMANCE.md, "Runs of 2026-12-07, fourth session").
/// Values are escaped as the module's own `.text` and attribute overrides escape them, so the
/// output is the same bytes Plot writes for the same elements (MarkupWriterTests hold it to that).
/// For flat, repeated runs only; pages are still built with Plot.
public struct MarkupWriter {
    public private(set) var html = ""

    public init(capacity: Int = 0) {
        html.reserveCapacity(capacity)
    }

    /// `<tag name="value" ...>`, every value escaped for an attribute. An empty value writes the
    /// name alone, as Plot writes an attribute kept when empty (`<option value>`, `selected`).
    public mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        begin(tag)
        for (name, value) in attributes { attribute(name, value) }
        end()
    }

    /// A value escaped once, for the start many elements' attribute shares (every free time of a
    /// calendar column links to the same form and is labelled with the same name).
    public struct Escaped: Sendable {
        let markup: String
        public init(_ text: String) { markup = MarkupEscaping.escape(text) }
    }

    /// `<tag`, to be followed by `attribute` and `end`.
    public mutating func begin(_ tag: String) {
        html += "<"
        html += tag
    }

    /// ` name="value"`: the shared start, then `value` escaped; the name alone when both are empty.
    public mutating func attribute(_ name: String, _ value: String, after start: Escaped? = nil) {
        html += " "
        html += name
        guard !value.isEmpty || !(start?.markup.isEmpty ?? true) else { return }
        html += "=\""
        if let start { html += start.markup }
        html += MarkupEscaping.escape(value)
        html += "\""
    }

    /// The `>` that ends an element's start tag.
    public mutating func end() {
        html += ">"
    }

    public mutating func text(_ text: String) {
        html += MarkupEscaping.escapeText(text)
    }

    /// `<tag ...>text</tag>`.
    public mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) {
        open(tag, attributes)
        self.text(text)
        close(tag)
    }

    /// An element with no content or end tag, written as Plot writes one: `<br/>`.
    public mutating func empty(_ tag: String) {
        html += "<"
        html += tag
        html += "/>"
    }

    public mutating func close(_ tag: String) {
        html += "</"
        html += tag
        html += ">"
    }

    public func node<Context>() -> Node<Context> {
        .raw(html)
    }
}
