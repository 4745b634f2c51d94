/// Plot escapes text nodes but writes attribute values exactly as given, so a `"` in a value
/// would end the attribute and let markup in. Every value that is not a constant goes through
/// this before it becomes an attribute.
func attributeSafe(_ value: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(value.count)
    for character in value {
        switch character {
        case "&": escaped += "&amp;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        default: escaped.append(character)
        }
    }
    return escaped
}
