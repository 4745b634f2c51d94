/// Escapes text for an HTML or XML attribute value or text node: `&`, `<`, `>` and both quotes.
/// Shared by the QR code's SVG (IPTCore) and every attribute the web pages write (Plot leaves
/// attribute values as given).
public enum MarkupEscaping {
    /// Works on UTF-8 bytes, not characters: a quote followed by a combining mark is one Swift
    /// `Character` that is not equal to `"`, so a character-by-character check let a raw quote
    /// through into an attribute. The five bytes never occur inside a multi-byte sequence.
    public static func escape(_ text: String) -> String {
        escape(text, quotes: true)
    }

    /// For a text node, where quotes need no escaping: only `&`, `<` and `>`.
    public static func escapeText(_ text: String) -> String {
        escape(text, quotes: false)
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        let utf8 = text.utf8
        // Most text (names, tokens, paths) has nothing to escape: returned as it is.
        // Scanned in place where the text is contiguous (native strings are): the generic walk
        // over `utf8` was most of the calendar's escaping time.
        let clean = utf8.withContiguousStorageIfAvailable { bytes in !bytes.contains { needsEscaping($0, quotes: quotes) } }
            ?? !utf8.contains { needsEscaping($0, quotes: quotes) }
        guard !clean else { return text }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\"") where quotes: escaped.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'") where quotes: escaped.append(contentsOf: "&#39;".utf8)
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func needsEscaping(_ byte: UInt8, quotes: Bool) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || (quotes && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")))
    }
}
