import Foundation
import IPTCore
import Vapor

/// A long-lived cookie set when someone completes a sign-in (password, and the code when they use
/// one): it names the account and a random device id, sealed with the clinic's data key, so it
/// cannot be forged, edited or moved to another account. Sign-in throttling counts a known device
/// as its own place, so failures from an attacker's address never keep the person out of their own
/// browser. It opens nothing by itself: the password (and the code) are still asked every time.
enum KnownDevice {
    static let lifetime: TimeInterval = 180 * 24 * 60 * 60

    static func name(secure: Bool) -> String { secure ? "__Host-ipt_device" : "ipt_device" }

    /// Not a row: a fixed id stands for "the known-device cookie" in the binding, about no client.
    private static let context = SealContext("staff_users", row: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd0, 0x01)),
                                             column: "known_device_cookie", client: nil)

    /// The device id in the request's cookie, if it is valid, unexpired and issued for `account`.
    static func id(in request: Request, for account: String) -> String? {
        let secure = request.services.settings.secureCookies
        guard let sealed = request.sentCookies[name(secure: secure)], sealed.utf8.count <= 1_000,
              sealed.hasPrefix("enc:v1:"),  // the key ring passes unsealed text through as it is
              let plain = try? request.services.keyRing.open(sealed, context) else { return nil }
        let parts = plain.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let issued = TimeInterval(parts[0]), String(parts[2]) == account,
              request.now.timeIntervalSince1970 - issued < lifetime else { return nil }
        return String(parts[1])
    }

    /// Marks this browser as a known device of `account` (keeping its id if it was one already).
    static func remember(_ account: String, request: Request, on response: Response) throws {
        let secure = request.services.settings.secureCookies
        let device = id(in: request, for: account) ?? SecureToken.make(bytes: 16)
        let sealed = try request.services.keyRing.seal("\(Int(request.now.timeIntervalSince1970))|\(device)|\(account)", context)
        response.cookies[name(secure: secure)] = HTTPCookies.Value(string: sealed, maxAge: Int(lifetime), path: "/", isSecure: secure,
                                                                   isHTTPOnly: true, sameSite: .strict)
    }
}
