import Crypto
import Foundation
import IPTCore

/// The app's side of TOTP: secrets, codes checked with HMAC-SHA1 from swift-crypto (IPTCore
/// stays Foundation-only and takes the HMAC as a function), recovery codes, and the QR code.
enum TwoFactorCodes {
    static let hmacSHA1: TOTPGenerator.HMAC = { key, message in
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// 160 random bits, the size RFC 4226 recommends for SHA-1, as Base32 for apps and storage.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base32.encode((0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The step a typed code belongs to, if it is right for now (one step of drift either way) and
    /// newer than the last step used; nil otherwise.
    static func acceptedCounter(_ code: String, secret: String?, lastUsed: Int64?, at now: Date) -> UInt64? {
        guard let secret, let key = Base32.decode(secret), code.count == 6, code.allSatisfy(\.isNumber) else { return nil }
        let generator = TOTPGenerator(secret: key, hmac: hmacSHA1)
        return generator.matchingCounter(for: code, at: now, allowedDrift: 1, lastUsedCounter: lastUsed.map { UInt64($0) })
    }

    static func provisioningURI(secret: String, account: String, issuer: String) -> String {
        TOTPGenerator.otpauthURI(secret: Base32.decode(secret) ?? [], account: account, issuer: issuer)
    }

    static func qrSVG(_ text: String) throws -> String {
        try QRCode(text: text, correction: .medium).svg(moduleSize: 4, quietZone: 4, title: "QR code to add this account to an authenticator app")
    }

    /// Twelve letters and digits without look-alikes, shown as three groups of four.
    static func newRecoveryCode() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return [characters[0..<4], characters[4..<8], characters[8..<12]].map { String($0) }.joined(separator: "-")
    }

    static func normalizedRecoveryCode(_ typed: String) -> String {
        typed.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}
