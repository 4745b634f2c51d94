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

    /// A pragmatic address check: one @, a non-empty local part, a dotted domain, no spaces or
    /// control characters. Full RFC 5322 parsing accepts addresses no mail provider issues.
    public static func isPlausibleEmail(_ value: String) -> Bool {
        guard value.count <= 254 else { return false }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else {
            return false
        }
        return !value.unicodeScalars.contains { scalar in
            scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
                || "<>()[]\\,;:\"".unicodeScalars.contains(scalar)
        }
    }

    /// Phone numbers are stored as typed; we only insist on enough digits to be dialable.
    public static func isPlausiblePhone(_ value: String) -> Bool {
        let allowed = Set("0123456789+-(). ext")
        let digits = value.filter(\.isNumber).count
        return (7...20).contains(digits) && value.lowercased().allSatisfy { allowed.contains($0) }
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
