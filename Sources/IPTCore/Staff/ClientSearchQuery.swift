import Foundation

/// What a person typed into the client search, read as what they most likely meant: a date of
/// birth, an email address, a phone number or words of a name. One box for all four is faster at a
/// front desk than four fields; the reading is kept here so it can be tested without a database.
public enum ClientSearchQuery: Sendable, Equatable {
    /// A date of birth, as the record stores it (ISO: 1990-03-04).
    case dateOfBirth(String)
    /// Part of an email address, lower-cased.
    case email(String)
    /// The digits of (part of) a phone number.
    case phone(String)
    /// Words that must all appear in the name, lower-cased.
    case name([String])

    public static let maximumLength = 100

    public enum Problem: Error, Equatable, Sendable {
        case tooShort
        case tooLong
    }

    /// Reads the query, or says why it cannot be searched. Characters that mean "anything" in SQL
    /// patterns are dropped: a search box is not a pattern language. Control characters (a pasted
    /// tab, a NUL) separate words: a NUL would end the text early for SQLite's FTS5 and is refused
    /// outright by PostgreSQL.
    public static func read(_ raw: String) -> Result<ClientSearchQuery, Problem> {
        let spaced = String(String.UnicodeScalarView(raw.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
        let text = spaced.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= maximumLength else { return .failure(.tooLong) }
        let cleaned = String(text.unicodeScalars.filter { !"%_\\".unicodeScalars.contains($0) })
        if let date = isoDate(cleaned) { return .success(.dateOfBirth(date)) }
        if cleaned.contains("@") {
            let email = cleaned.lowercased().filter { !$0.isWhitespace }
            return email.count >= 3 ? .success(.email(email)) : .failure(.tooShort)
        }
        let digits = cleaned.filter(\.isASCIIDigitCharacter)
        let phoneLike = !cleaned.isEmpty && cleaned.allSatisfy { $0.isASCIIDigitCharacter || " -().+".contains($0) }
        if phoneLike {
            return digits.count >= 3 ? .success(.phone(digits)) : .failure(.tooShort)
        }
        let words = cleaned.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard words.joined().count >= 2 else { return .failure(.tooShort) }
        return .success(.name(words))
    }

    /// 1990-03-04 or 1990/03/04, a real calendar day, as ISO.
    private static func isoDate(_ text: String) -> String? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init)
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              let date = LocalDate(year: year, month: month, day: day)
        else { return nil }
        return date.description
    }
}

private extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
