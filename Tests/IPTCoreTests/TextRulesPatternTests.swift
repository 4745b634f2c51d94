import Foundation
import IPTCore
import Testing

/// The API document tells clients what the checks accept with TextRules.Patterns; these tests hold
/// each pattern to its check on the same samples, so neither can change alone.
@Suite struct TextRulesPatternTests {
    /// Samples near each rule's edges: white space around and inside, controls, the specials of an
    /// address, the digit counts either side of the phone limits, letters a phone number may not hold.
    static let samples: [String] = [
        "", " ", "\t\n", "\u{3000}", "a", " a ", "Ana Lima", "Zoë O’Brien", "a\tb", "a\nb", "a\rb", "\na\n",
        "a\u{0}b", "a\u{7F}", "a\u{1B}[31m", "\u{85}a\u{85}", "a\u{2028}b", "a\u{A0}b", "\u{301}",
        "a@b.ca", " a@b.ca ", "first.last+tag@clinic.example.org", "a@b", "a@@b.ca", "a b@c.ca", "a@b..ca",
        "<a>@b.ca", "a@.b.ca", "a@b.ca\r\nBcc: x@y.ca", "@b.ca", "a@b.", "\"a\"@b.ca", "é@b.ca", "a@b\u{301}.ca",
        String(repeating: "l", count: 64) + "@b.ca", String(repeating: "l", count: 65) + "@b.ca",
        "123456", "1234567", " 1234567 ", "(555) 123-4567", "+1 555.123.4567 ext 89", "555-1234 x12",
        String(repeating: "1", count: 20), String(repeating: "1", count: 21), "555-CALL-NOW", "555 123 4567#",
        "1\u{2007}234567", "١٢٣٤٥٦٧", "12345\n67",
    ]

    static func matches(_ pattern: String, _ value: String) throws -> Bool {
        // ICU's $ also matches before a final line break, where ECMA-262's does not: \z pins the end.
        let regex = try NSRegularExpression(pattern: "(?:\(pattern))\\z")
        return regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }

    static let oneLine: @Sendable (String) -> Bool = { TextRules.clean($0).map { !TextRules.hasControlCharacters($0, allowLineBreaks: false) } ?? false }
    static let multiline: @Sendable (String) -> Bool = { TextRules.clean($0).map { !TextRules.hasControlCharacters($0, allowLineBreaks: true) } ?? false }
    static let email: @Sendable (String) -> Bool = { TextRules.clean($0).map(TextRules.isPlausibleEmail) ?? false }
    static let phone: @Sendable (String) -> Bool = { TextRules.clean($0).map(TextRules.isPlausiblePhone) ?? false }

    @Test(arguments: [
        ("text", TextRules.Patterns.text, oneLine),
        ("multilineText", TextRules.Patterns.multilineText, multiline),
        ("email", TextRules.Patterns.email, email),
        ("phone", TextRules.Patterns.phone, phone),
        ("optionalText", TextRules.Patterns.optionalText, { TextRules.clean($0) == nil || oneLine($0) }),
        ("optionalEmail", TextRules.Patterns.optionalEmail, { TextRules.clean($0) == nil || email($0) }),
        ("optionalPhone", TextRules.Patterns.optionalPhone, { TextRules.clean($0) == nil || phone($0) }),
    ] as [(String, String, @Sendable (String) -> Bool)])
    func each_pattern_accepts_exactly_what_its_check_accepts(name: String, pattern: String, check: @Sendable (String) -> Bool) throws {
        for sample in Self.samples {
            #expect(try Self.matches(pattern, sample) == check(sample), "\(name): \(sample.debugDescription)")
        }
    }

    @Test func the_patterns_are_built_from_the_limits() {
        #expect(TextRules.Patterns.email.contains("{1,\(TextRules.Limits.emailLocalPart)}"))
        #expect(TextRules.Patterns.phone.contains("{\(TextRules.Limits.phoneDigits.lowerBound),\(TextRules.Limits.phoneDigits.upperBound)}"))
        #expect(EnquirySubmission.Limits.email == TextRules.Limits.email && BookingDetails.Limits.phone == TextRules.Limits.phone)
    }
}
