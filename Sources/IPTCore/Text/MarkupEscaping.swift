/// Escapes text for an HTML or XML attribute value or text node: `&`, `<`, `>` and both quotes.
/// Shared by the QR code's SVG (IPTCore) and every attribute the web pages write (Plot leaves
/// attribute values as given).
public enum MarkupEscaping {
    /// Works on UTF-8 bytes, not characters: a quote followed by a combining mark is one Swift
    /// `Character` that is not equal to `"`, so a character-by-character check let a raw quote
    /// through into an attribute. The five bytes never occur inside a multi-byte sequence.
    public static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        // Most text (names, tokens, paths) has nothing to escape: returned as it is.
        guard utf8.contains(where: needsEscaping) else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): escaped.append(contentsOf: "&#39;".utf8)
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func needsEscaping(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
