import IPTCore

/// Plot escapes text nodes but writes attribute values exactly as given, so a `"` in a value
/// would end the attribute and let markup in. Every value that is not a constant goes through
/// this before it becomes an attribute.
func attributeSafe(_ value: String) -> String {
    MarkupEscaping.escape(value)
}
