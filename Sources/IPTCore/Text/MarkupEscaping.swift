/// Escapes text for an HTML or XML attribute value or text node: `&`, `<`, `>` and both quotes.
/// Shared by the QR code's SVG (IPTCore) and every attribute the web pages write (Plot leaves
/// attribute values as given).
public enum MarkupEscaping {
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
