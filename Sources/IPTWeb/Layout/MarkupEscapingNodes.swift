import IPTCore
import Plot

/// Plot writes attribute values exactly as given, so a `"` in a value
/// would end the attribute and let markup in. Every value that is not a constant goes through
/// this before it becomes an attribute.
func attributeSafe(_ value: String) -> String {
    MarkupEscaping.escape(value)
}

extension Node {
    /// Text, escaped by UTF-8 bytes. Plot's own `.text` escapes by `Character`, and Unicode joins
    /// a "prepend" mark (U+0600 and others) with the character after it: `"\u{600}<b>"` is one
    /// Character followed by `b>`, which Plot wrote out raw, so a name sent through the contact form
    /// became markup on the staff inbox. Declared here so every `.text(…)` in this module uses it.
    static func text(_ text: String) -> Node {
        .raw(MarkupEscaping.escapeText(text))
    }
}
