import Foundation

/// What a staff password must be (OWASP ASVS 2.1, NIST 800-63B): long, not a well-known password or
/// a thin variation of one, not the account's own email. No composition rules and no forced
/// rotation: both push people towards predictable passwords.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 12
    /// Bcrypt reads only the first 72 bytes; a longer password would silently lose its tail.
    public static let maximumBytes = 72

    private let common: Set<String>

    /// - Parameter commonPasswords: well-known passwords, compared without regard to case.
    public init(commonPasswords: some Sequence<String>) {
        common = Set(commonPasswords.map { $0.lowercased() })
    }

    /// Reads the shipped list: one password per line, `#` lines are comments.
    public init(listText: String) {
        self.init(commonPasswords: listText.split(whereSeparator: \.isNewline)
            .map(String.init)
            .filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }

    /// Why the password is refused, or nil when it is acceptable.
    public func problem(with password: String, email: String) -> String? {
        if password.unicodeScalars.count < Self.minimumLength {
            return "Use at least \(Self.minimumLength) characters. A few unrelated words make a long password that is easy to remember."
        }
        if password.utf8.count > Self.maximumBytes {
            return "Use at most \(Self.maximumBytes) bytes (about 70 letters); longer passwords are cut short by the way they are stored."
        }
        let lowered = password.lowercased()
        if Set(lowered).count <= 2 {
            return "Use more than one or two different characters."
        }
        if common.contains(lowered) {
            return "This is one of the most common passwords, so it is among the first an attacker tries. Choose another."
        }
        let base = String(lowered.reversed().drop { $0.isNumber || $0.isPunctuation || $0.isSymbol || $0 == " " }.reversed())
        if base.count >= 4, common.contains(base) {
            return "This is a common password with a few digits or symbols added, which attackers try early. Choose another."
        }
        let localPart = email.lowercased().split(separator: "@").first.map(String.init) ?? ""
        if localPart.count >= 4, lowered.contains(localPart) {
            return "Do not use your email address in your password."
        }
        return nil
    }
}
