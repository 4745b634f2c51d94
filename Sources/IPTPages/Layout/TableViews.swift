import IPTCore
import Plot

public enum TableViews {
    /// Wraps a wide table so it scrolls sideways on a phone. The wrapper is focusable and named by
    /// the table's caption, so keyboard users can scroll it too (WCAG 2.1.1).
    public static func scrollable(captionID: String, _ table: Node<HTML.BodyContext>) -> Node<HTML.BodyContext> {
        .div(
            .class("table-scroll"),
            .attribute(named: "tabindex", value: "0"),
            .attribute(named: "role", value: "region"),
            .attribute(named: "aria-labelledby", value: captionID),
            table
        )
    }

    /// "Newer" and "Older" links of a paged list, newest first; nothing at all when the list fits
    /// on one page (an empty navigation landmark only adds noise for screen-reader users).
    public static func pagination(newer: String?, older: String?) -> Node<HTML.BodyContext> {
        guard newer != nil || older != nil else { return .empty }
        return .nav(.class("pagination"), .ariaLabel("Pages"),
                    .unwrap(newer) { .a(.href($0), .text("Newer")) },
                    .unwrap(older) { .a(.href($0), .text("Older")) })
    }
}

public enum SelectViews {
    /// An option with visible text. Plot's `.option` takes attributes only and closes itself
    /// (`<option/>`), which is invalid HTML and drops an empty value.
    public static func option(value: String, label: String, selected: Bool) -> Node<HTML.SelectContext> {
        .element(named: "option", nodes: [
            .attribute(named: "value", value: MarkupEscaping.escape(value), ignoreIfValueIsEmpty: false),
            selected ? .attribute(named: "selected") : .empty,
            .text(label),
        ])
    }

    /// A list's options, the chosen one selected: the same markup as `option` for each, written by
    /// `MarkupWriter`, since some lists name everyone on the staff (195 in a large clinic, on the
    /// audit view and the calendar's clinician filter).
    public static func options(_ options: [(value: String, label: String)], selected: String?) -> Node<HTML.SelectContext> {
        var writer = MarkupWriter(capacity: options.count * 64)
        for option in options {
            if option.value == selected {
                writer.element("option", ["value": option.value, "selected": ""], text: option.label)
            } else {
                writer.element("option", ["value": option.value], text: option.label)
            }
        }
        return writer.node()
    }
}
