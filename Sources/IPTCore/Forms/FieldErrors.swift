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
    /// Limits of the fields the public forms share (contact, booking, waitlist, newsletter). The
    /// checks below, the forms' maxlength and the API document's maxLength and patterns all read
    /// them, so the document cannot promise a value the app refuses.
    public enum Limits {
        /// A person's name: a client's or a parent's or guardian's.
        public static let name = 120
        /// A whole address: RFC 5321's longest path less its angle brackets.
        public static let email = 254
        /// The part before the @ (RFC 5321).
        public static let emailLocalPart = 64
        /// A phone number as typed, separators and an extension included.
        public static let phone = 40
        /// Digits in a phone number: fewer cannot be dialled, more is not a phone number.
        public static let phoneDigits = 7...20
    }

    /// What a phone number may be written with: digits, separators, a leading + and an extension.
    public static let phoneCharacters = "0123456789+-(). extEXT"
    /// Characters an address would need quoting for: a plausible one has none but its single @.
    public static let emailSpecials = "<>()[]\\,;:\"@"

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
        guard scalars.count <= Limits.email else { return false }
        let specials = Set(emailSpecials.unicodeScalars)
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...Limits.emailLocalPart).contains(parts[0].count) else { return false }
        let domainLabels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard domainLabels.count >= 2, domainLabels.allSatisfy({ !$0.isEmpty }) else { return false }
        return !(parts[0] + parts[1]).contains { scalar in
            scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F || specials.contains(scalar)
        }
    }

    /// Phone numbers are stored as typed; we only insist on enough digits to be dialable and on
    /// characters a phone number is written with.
    public static func isPlausiblePhone(_ value: String) -> Bool {
        let allowed = Set(phoneCharacters.unicodeScalars)
        let digits = value.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.count
        return Limits.phoneDigits.contains(digits) && value.unicodeScalars.allSatisfy { allowed.contains($0) }
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

extension TextRules {
    /// The checks above as ECMA-262 regular expressions (JSON Schema's `pattern`), for the API
    /// document: a client or a fuzzer that follows them and the limits gets no 422 for the form of a
    /// value. Kept beside the checks and built from the same limits; TextRulesPatternTests runs each
    /// against its check on the same samples, so a change to one shows in the other.
    ///
    /// The checks trim white space first (`clean`: Foundation's whitespacesAndNewlines, Unicode's
    /// White_Space) and refuse control characters; limits count code points of the value as sent.
    public enum Patterns {
        static let space = #"\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"#
        static let controls = #"\u0000-\u001F\u007F"#
        /// `hasControlCharacters(_:allowLineBreaks: true)` lets tab, line feed and carriage return through.
        static let controlsButLineBreaks = #"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F"#
        static let visible = "[^\(space)\(controls)]"
        /// Any code point an address may hold outside its @ and dots (`emailSpecials`, space, controls);
        /// left open so each use closes it with or without the dot.
        static let emailCharacter = #"[^@<>()\[\]\\,;:"\#(space)\#(controls)"#
        static let phoneDigits = "{\(Limits.phoneDigits.lowerBound),\(Limits.phoneDigits.upperBound)}"
        /// `phoneCharacters` as a character class.
        static let phoneCharacter = #"[0-9+\-(). eExXtT]"#

        /// A one-line field (a name): something visible, no control characters.
        public static let text = "^[\(space)]*\(visible)(?:[^\(controls)]*\(visible))?[\(space)]*$"
        /// A message: as `text`, but line breaks and tabs may stand inside.
        public static let multilineText = "^[\(space)]*\(visible)(?:[^\(controlsButLineBreaks)]*\(visible))?[\(space)]*$"
        /// `isPlausibleEmail`, after trimming.
        public static let email = "^[\(space)]*\(emailCharacter)]{1,\(Limits.emailLocalPart)}@\(emailCharacter).]+(?:\\.\(emailCharacter).]+)+[\(space)]*$"
        /// `isPlausiblePhone`, after trimming: the look-ahead counts the digits.
        public static let phone = "^(?=(?:[^0-9]*[0-9])\(phoneDigits)[^0-9]*$)[\(space)]*\(phoneCharacter)*[\(space)]*$"
        /// Optional fields: empty, or only white space, counts as not given.
        public static let optionalText = optional(text)
        public static let optionalEmail = optional(email)
        public static let optionalPhone = optional(phone)
        /// A phone number given, not left empty: what an enquiry that asks for a call needs.
        public static let hasDigit = "[0-9]"

        /// `pattern`, or nothing but white space.
        static func optional(_ pattern: String) -> String {
            "^(?:[\(space)]*|\(pattern.dropFirst().dropLast()))$"
        }
    }
}
