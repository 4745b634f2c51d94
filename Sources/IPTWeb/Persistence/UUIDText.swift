import Foundation

/// A UUID to and from the text SQLite keeps it as ("8-4-4-4-12" hexadecimal).
///
/// Fluent stores a `UUID` in SQLite as its text, and `UUID(uuidString:)` parses it with `sscanf`:
/// a tenth of the Today page's time, which decodes a few thousand ids (docs/PERFORMANCE.md, "Runs of
/// 2026-12-07, third session"). Used by the inline reader's rows, and by the audit view for the ids
/// its rows keep as text; the tests hold it to Foundation's answer, ids and refusals alike.
/// The other way, `uuidString` formats through `snprintf`, which was 4% of the Today page under
/// load: every id bound to an inline read and every sealed value's context goes through `string`.
enum UUIDText {
    /// The id as `uuidString` writes it (upper case), or lower case.
    static func string(_ id: UUID, lowercase: Bool = false) -> String {
        let digits: StaticString = lowercase ? "0123456789abcdef" : "0123456789ABCDEF"
        return withUnsafeBytes(of: id.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var written = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[written] = UInt8(ascii: "-")
                        written += 1
                    }
                    out[written] = digits.utf8Start[Int(byte >> 4)]
                    out[written + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    written += 2
                }
                return written
            }
        }
    }

    static func parse(_ text: String) -> UUID? {
        // Foundation reads a few odd 36-character forms this does not ("+1" or a space inside a
        // pair, through sscanf); those, rare as they are, are left to it, so the answer is always
        // Foundation's.
        if let id = parseCanonical(text) { return id }
        return text.utf8.count == 36 ? UUID(uuidString: text) : nil
    }

    private static func parseCanonical(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { bytes -> UUID? in
            guard bytes.count == 36 else { return nil }
            var out: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
                = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let parsed = withUnsafeMutableBytes(of: &out) { raw -> Bool in
                var index = 0, written = 0
                while index < 36 {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        guard bytes[index] == UInt8(ascii: "-") else { return false }
                        index += 1
                        continue
                    }
                    guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return false }
                    raw[written] = high << 4 | low
                    written += 1
                    index += 2
                }
                return written == 16
            }
            return parsed ? UUID(uuid: out) : nil
        }
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
