import Crypto
import Foundation
import Vapor

/// Cross-site request forgery protection for every state-changing form.
///
/// Signed-in staff use the synchroniser token stored with their session. Anonymous visitors (the
/// contact, newsletter and sign-in forms) use a double-submit token: a random value in an HttpOnly
/// cookie that the form must echo. A request whose Origin header names another site is refused
/// before either check. The JSON API is exempt because it accepts only application/json, which a
/// cross-site form cannot send; the newsletter confirm and unsubscribe links are exempt because the
/// secret token in their URL is itself the proof, and mail clients post one-click unsubscribes
/// without cookies (RFC 8058).
struct CSRFMiddleware: Middleware {
    let secure: Bool
    /// The site's own origin as configured (IPT_PUBLIC_URL). Behind a reverse proxy the Host header
    /// the app sees is often the upstream's, so the public origin is accepted as well.
    let publicOrigin: String?
    static let fieldName = "_csrf"
    static let exemptPrefixes = ["/api/", "/newsletter/confirm/", "/newsletter/unsubscribe/"]

    static func cookieName(secure: Bool) -> String { secure ? "__Host-ipt_csrf" : "ipt_csrf" }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let cookieName = Self.cookieName(secure: secure)
        let existing = request.sentCookies[cookieName]
        let box = AnonymousTokenBox(existing: existing.flatMap { $0.count >= 32 ? $0 : nil })
        request.storage[AnonymousTokenBox.Key.self] = box

        let isUnsafe = ![.GET, .HEAD, .OPTIONS].contains(request.method)
        let path = request.path
        let checked: EventLoopFuture<Void>
        if isUnsafe, !Self.exemptPrefixes.contains(where: { path.hasPrefix($0) }) {
            checked = request.eventLoop.makeFutureWithTask { try await verify(request, anonymousToken: box.existing) }
        } else {
            checked = request.eventLoop.makeSucceededVoidFuture()
        }
        return checked.flatMap { next.respond(to: request) }.map { response in
            if let issued = box.issued {
                response.cookies[cookieName] = HTTPCookies.Value(
                    string: issued, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .strict)
            }
            return response
        }
    }

    private func verify(_ request: Request, anonymousToken: String?) async throws {
        // A body the app cannot read is refused for what it is (415), not as a forgery. Web forms
        // take only form encodings (JSON goes to /api/, which is exempt from this check).
        if let type = request.headers.contentType, type != .urlEncodedForm, type != .formData {
            throw Abort(.unsupportedMediaType)
        }
        if let origin = request.headers.first(name: .origin), origin != "null" {
            let host = request.headers.first(name: .host) ?? ""
            let originHost = URLComponents(string: origin).map { components in
                [components.host, components.port.map(String.init)].compactMap { $0 }.joined(separator: ":")
            }
            let isPublicOrigin = publicOrigin.map { origin.lowercased() == $0 } ?? false
            guard originHost == host || isPublicOrigin else {
                throw Abort(.forbidden, reason: "This form was sent from another website, so it was refused.")
            }
        }
        _ = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
        let submitted = request.headers.first(name: "X-CSRF-Token")
            ?? (try? request.content.get(String.self, at: Self.fieldName))
        let expected = request.staff?.csrfToken ?? anonymousToken
        guard let submitted, let expected, Self.constantTimeEquals(submitted, expected) else {
            throw Abort(.forbidden, reason: "This form has expired or did not come from this site. Go back, reload the page and try again.")
        }
    }

    /// "https://clinic.example:8443/path" -> "https://clinic.example:8443".
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return nil }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")".lowercased()
    }

    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// Holds the anonymous visitor's token for this request, creating one only if a page needs it
/// (so cached public pages set no cookie).
final class AnonymousTokenBox: @unchecked Sendable {
    struct Key: StorageKey { typealias Value = AnonymousTokenBox }
    let existing: String?
    private(set) var issued: String?

    init(existing: String?) { self.existing = existing }

    func token() -> String {
        if let existing { return existing }
        if let issued { return issued }
        let fresh = SecureToken.make()
        issued = fresh
        return fresh
    }
}

extension Request {
    /// The token a form on this page must carry.
    var csrfToken: String {
        if let staff { return staff.csrfToken }
        return storage[AnonymousTokenBox.Key.self]?.token() ?? ""
    }
}
