import IPTCore
import Plot

/// Plot writes attribute values exactly as given, so a `"` in a value
/// would end the attribute and let markup in. Every value that is not a constant goes through
/// this before it becomes an attribute.
public func attributeSafe(_ value: String) -> String {
    MarkupEscaping.escape(value)
}

extension Node {
    /// Text, escaped by UTF-8 bytes. Plot's own `.text` escapes by `Character`, and Unicode joins
    /// a "prepend" mark (U+0600 and others) with the character after it: `"\u{600}<b>"` is one
    /// Character followed by `b>`, which Plot wrote out raw, so a name sent through the contact form
    /// became markup on the staff inbox. Internal on purpose: a declaration in a module shadows Plot's
    /// only inside that module, and two public ones would be ambiguous, so each module that still
    /// builds markup declares it (IPTWeb's copy goes once its pages have all moved here).
    static func text(_ text: String) -> Node {
        .raw(MarkupEscaping.escapeText(text))
    }
}
