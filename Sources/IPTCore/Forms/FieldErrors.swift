import Foundation

/// Messages keyed by form field name, in the order the fields were checked, so an error summary
/// lists them in the order they appear on the page.
public struct FieldErrors: Sendable, Equatable {
    public private(set) var entries: [(field: String, message: String)] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    public subscript(field: String) -> String? {
        entries.first { $0.field == field }?.message
    }

    public mutating func add(_ field: String, _ message: String) {
        guard self[field] == nil else { return }
        entries.append((field, message))
    }

    public static func == (lhs: FieldErrors, rhs: FieldErrors) -> Bool {
        lhs.entries.map(\.field) == rhs.entries.map(\.field)
            && lhs.entries.map(\.message) == rhs.entries.map(\.message)
    }
}

/// Small, dependency-free checks shared by every form.
public enum TextRules {
    /// Trims surrounding whitespace and treats an empty result as absent.
    public static func clean(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }

    /// A value's length as limits count it: in Unicode code points of what was sent, before
    /// trimming, which is how JSON Schema's maxLength counts, so the API document and the app agree.
    public static func length(_ value: String?) -> Int {
        value?.unicodeScalars.count ?? 0
    }

    /// A pragmatic address check: one @, a local part of 1 to 64 code points, a dotted domain, no
    /// white space, control characters or the specials that need quoting. Full RFC 5322 parsing
    /// accepts addresses no mail provider issues. Works on code points, as the API document's
    /// pattern does, so a combining mark next to the @ cannot make the two disagree.
    public static func isPlausibleEmail(_ value: String) -> Bool {
        let scalars = Array(value.unicodeScalars)
        guard scalars.count <= 254 else { return false }
        let specials = Set("<>()[]\\,;:\"@".unicodeScalars)
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].count) else { return false }
        let domainLabels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard domainLabels.count >= 2, domainLabels.allSatisfy({ !$0.isEmpty }) else { return false }
        return !(parts[0] + parts[1]).contains { scalar in
            scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F || specials.contains(scalar)
        }
    }

    /// Phone numbers are stored as typed; we only insist on enough digits to be dialable and on
    /// characters a phone number is written with.
    public static func isPlausiblePhone(_ value: String) -> Bool {
        let allowed = Set("0123456789+-(). extEXT".unicodeScalars)
        let digits = value.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.count
        return (7...20).contains(digits) && value.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    /// Rejects control characters other than line breaks and tabs (they have no place in a form and
    /// can corrupt emails and CSV exports).
    public static func hasControlCharacters(_ value: String, allowLineBreaks: Bool) -> Bool {
        value.unicodeScalars.contains { scalar in
            if allowLineBreaks, scalar == "\n" || scalar == "\r" || scalar == "\t" { return false }
            return scalar.value < 0x20 || scalar.value == 0x7F
        }
    }
}
