import Foundation

/// Time-based one-time passwords (RFC 6238) on top of HOTP (RFC 4226), for staff two-factor sign-in.
///
/// The HMAC is injected rather than computed here so this module stays Foundation-only (CryptoKit
/// is not on Linux); the web layer passes swift-crypto's HMAC-SHA1.
public struct TOTPGenerator: Sendable {
    /// Computes HMAC(key, message) with the hash named by `algorithm`.
    public typealias HMAC = @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]

    /// The hash the injected HMAC uses. It only labels the enrolment URI: authenticator apps must
    /// be told which one to use, and SHA1 is the one every app supports.
    public enum Algorithm: String, Sendable {
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case sha512 = "SHA512"
    }

    public let secret: [UInt8]
    public let digits: Int
    /// Step length in seconds, counted from the Unix epoch (RFC 6238's T0 = 0).
    public let period: Int
    public let algorithm: Algorithm
    private let hmac: HMAC

    /// - Parameters:
    ///   - secret: the shared key; RFC 4226 asks for at least 16 bytes, 20 is usual for SHA1.
    ///   - digits: code length, 6...9; 9 is the most a 31-bit truncated value can fill.
    ///   - period: seconds per step, positive.
    public init(secret: [UInt8], digits: Int = 6, period: Int = 30, algorithm: Algorithm = .sha1, hmac: @escaping HMAC) {
        precondition((6...9).contains(digits), "TOTP codes have 6 to 9 digits")
        precondition(period > 0, "the TOTP step must be positive")
        self.secret = secret
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
        self.hmac = hmac
    }

    /// The step number containing `date`; times before 1970 count as step 0 rather than trapping.
    public func counter(at date: Date) -> UInt64 {
        let steps = (date.timeIntervalSince1970 / Double(period)).rounded(.down)
        guard steps.isFinite, steps > 0 else { return 0 }
        return UInt64(exactly: steps) ?? .max
    }

    public func code(at date: Date) -> String {
        code(counter: counter(at: date))
    }

    /// The HOTP value for a counter: HMAC of the big-endian counter, dynamically truncated to 31
    /// bits, reduced modulo 10^digits and zero-padded.
    public func code(counter: UInt64) -> String {
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (8 * (7 - $0))) }
        let digest = hmac(secret, message)
        // A shorter digest means the wrong function was injected, a wiring bug rather than bad input.
        precondition(digest.count >= 20, "the injected HMAC must return at least 20 bytes")
        let offset = Int(digest[digest.count - 1] & 0x0F)
        let truncated = (UInt32(digest[offset] & 0x7F) << 24)
            | (UInt32(digest[offset + 1]) << 16)
            | (UInt32(digest[offset + 2]) << 8)
            | UInt32(digest[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(truncated % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step a submitted code belongs to, or `nil` if it matches none that may still be used.
    ///
    /// Steps within `allowedDrift` of the current one are tried, to forgive a phone clock that is a
    /// little off or a code typed just as it rolled over. Any step at or below `lastUsedCounter` is
    /// refused, so each code signs in once even while it is still displayed; the caller stores the
    /// returned counter as the new `lastUsedCounter`. If the code happens to match two steps, the
    /// later one is returned, so the same code cannot be replayed against the other.
    /// Spaces in the submitted code are ignored; anything else that is not a digit refuses it.
    public func matchingCounter(for code: String, at date: Date, allowedDrift: Int = 1, lastUsedCounter: UInt64?) -> UInt64? {
        let submitted = code.filter { !$0.isWhitespace }
        guard submitted.count == digits, submitted.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        let current = counter(at: date)
        let drift = UInt64(max(0, allowedDrift))
        let lowest = current >= drift ? current - drift : 0
        let highest = current <= UInt64.max - drift ? current + drift : .max
        var match: UInt64?
        for candidate in lowest...highest {
            if let lastUsedCounter, candidate <= lastUsedCounter { continue }
            // Every candidate is computed and compared in full so timing does not hint at which step
            // or which digits were close.
            if Self.constantTimeEquals(self.code(counter: candidate), submitted) { match = candidate }
        }
        return match
    }

    /// The `otpauth://` URI for this generator's secret and settings, to show as a QR code.
    public func otpauthURI(account: String, issuer: String) -> String {
        Self.otpauthURI(secret: secret, account: account, issuer: issuer, algorithm: algorithm, digits: digits, period: period)
    }

    /// The Key URI Format authenticator apps read: `otpauth://totp/Issuer:account?secret=…&issuer=…`.
    /// Issuer and account are percent-encoded separately (spaces as `%20`, never `+`, which apps
    /// would show literally); the issuer is repeated as a parameter because newer apps prefer it to
    /// the label prefix. An empty issuer leaves both out.
    public static func otpauthURI(
        secret: [UInt8],
        account: String,
        issuer: String,
        algorithm: Algorithm = .sha1,
        digits: Int = 6,
        period: Int = 30
    ) -> String {
        let label = issuer.isEmpty ? percentEncode(account) : percentEncode(issuer) + ":" + percentEncode(account)
        var parameters = ["secret=" + Base32.encode(secret)]
        if !issuer.isEmpty { parameters.append("issuer=" + percentEncode(issuer)) }
        parameters += ["algorithm=" + algorithm.rawValue, "digits=\(digits)", "period=\(period)"]
        return "otpauth://totp/" + label + "?" + parameters.joined(separator: "&")
    }

    /// Encodes every byte outside RFC 3986's unreserved set, so `:`, `&`, `=`, `?`, `#`, `/`, `+`
    /// and spaces in a name cannot break the label or the query.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Compares in time that depends only on the lengths, which are public (the digit count).
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// RFC 4648 Base32, the encoding authenticator apps expect for TOTP secrets.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Uppercase and unpadded, as the otpauth Key URI Format asks.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer = 0
        var bitCount = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                output.append(alphabet[(buffer >> bitCount) & 0x1F])
            }
            buffer &= (1 << bitCount) - 1
        }
        if bitCount > 0 { output.append(alphabet[(buffer << (5 - bitCount)) & 0x1F]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes text a person may have copied or typed: any case, whitespace anywhere, optional
    /// trailing `=` padding. Returns `nil` for other characters, for a length no byte string
    /// encodes to, or for non-zero leftover bits, so a mistyped secret is refused, not guessed at.
    public static func decode(_ text: String) -> [UInt8]? {
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]
        var symbols = text.utf8.filter { !whitespace.contains($0) }
        while symbols.last == UInt8(ascii: "=") { symbols.removeLast() }
        guard [0, 2, 4, 5, 7].contains(symbols.count % 8) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(symbols.count * 5 / 8)
        var buffer = 0
        var bitCount = 0
        for symbol in symbols {
            let value: UInt8
            switch symbol {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = symbol - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = symbol - UInt8(ascii: "a")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = symbol - UInt8(ascii: "2") + 26
            default: return nil
            }
            buffer = (buffer << 5) | Int(value)
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> bitCount))
                buffer &= (1 << bitCount) - 1
            }
        }
        guard buffer == 0 else { return nil }
        return output
    }
}
