import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Staff sign-in and sign-out.
struct SignInController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.signIn, use: form)
        site.post(.signIn, use: signIn)
        site.post(.signOut, use: signOut)
    }

    struct FormBody: Content {
        var email: String?
        var password: String?
        var next: String?
    }

    func form(_ request: Request) async throws -> Response {
        if request.staff != nil { return request.redirect(to: SitePath.dashboard.link) }
        return try await render(request, email: nil, next: request.query[String.self, at: "next"], message: nil)
    }

    func signIn(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(FormBody.self, from: request)
        let email = (body.email ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let password = body.password ?? ""
        let services = request.services
        guard !email.isEmpty, !password.isEmpty, email.count <= 254, password.count <= 1_000 else {
            return try await render(request, email: email, next: body.next, message: "Enter your email address and password.",
                                    status: .unprocessableEntity)
        }
        // Counted for any email typed, account or not, so a refusal says nothing about who has one.
        let place = RateLimits.Place(account: email, address: request.clientAddress, device: KnownDevice.id(in: request, for: email))
        if let refusal = try await throttled(request, place: place, next: body.next) { return refusal }
        let user = try await StaffUser.query(on: request.db).filter(\.$email == email).first()
        // Unknown accounts still pay for a hash check, so timing does not tell them apart.
        let hash = user?.passwordHash ?? services.dummyPasswordHash
        let matches = try await request.password.async.verify(password, created: hash)
        guard let user, matches, user.isActive, let userID = user.id else {
            try await services.rateLimits.recordSignInFailure(place, at: request.now, on: request.db)
            try await request.audit(.signInFailed, recordType: "staff-account", recordID: user?.id?.uuidString,
                                    detail: user == nil ? "no such account" : "wrong password or inactive")
            return try await render(request, email: email, next: body.next, message: "That email and password do not match an active staff account.",
                                    status: .unauthorized)
        }
        // Only this place's password failures are forgiven; second-factor failures stay counted.
        try await services.rateLimits.recordSignInSuccess(place, on: request.db)
        return try await startSession(request, user: user, userID: userID, next: body.next)
    }

    /// The refusal page when this place has tried too often, or nil to go on and check the password.
    private func throttled(_ request: Request, place: RateLimits.Place, next: String?) async throws -> Response? {
        let limits = request.services.rateLimits
        let now = request.now
        if let wait = try await limits.signInRetryAfter(place, at: now, on: request.db) {
            if limits.shouldAuditThrottle(account: place.account, at: now) {
                try await request.audit(.signInFailed, recordType: "staff-account", detail: "throttled")
            }
            return try await render(request, email: place.account, next: next,
                                    message: "Too many sign-in attempts from here. Wait \(Self.minutes(wait)) and try again. A device you have signed in on before can still sign in, or the clinic director can reset your password.",
                                    status: .tooManyRequests, retryAfter: wait)
        }
        // bcrypt is the costly part: an address gets a budget of checks a minute, spent before it runs.
        guard try await limits.allowPasswordCheck(from: place.address, at: now, on: request.db) else {
            return try await render(request, email: place.account, next: next,
                                    message: "Too many sign-in attempts from this network. Wait a minute and try again.",
                                    status: .tooManyRequests, retryAfter: 60)
        }
        return nil
    }

    /// The password was right: a new session, and on to the code step or the page asked for.
    private func startSession(_ request: Request, user: StaffUser, userID: UUID, next: String?) async throws -> Response {
        let secure = request.services.settings.secureCookies
        let token = SecureToken.make()
        // With two-factor sign-in set up, the password alone opens only the code page.
        let needsCode = user.totpEnabledAt != nil
        let session = try await AccountSessions.start(for: userID, token: token, replacing: request.sentCookies[SessionCookie.name(secure: secure)],
                                                      secondFactorDone: !needsCode, at: request.now, on: request.db)
        request.staff = CurrentStaff(id: userID, name: user.name, email: user.email, role: user.role,
                                     sessionID: session.id!, csrfToken: session.csrfToken, secondFactorDone: !needsCode)
        try await request.audit(.signIn, recordType: "staff-account", recordID: userID.uuidString,
                                detail: needsCode ? "password accepted, code pending" : nil)
        let destination = Self.safeNext(next)
        let response = request.redirect(to: needsCode ? SitePath.twoFactor.link(query: ["next": destination]) : destination)
        response.cookies[SessionCookie.name(secure: secure)] = SessionCookie.value(token, secure: secure)
        if !needsCode { try KnownDevice.remember(user.email, request: request, on: response) }
        return response
    }

    /// "1 minute", "4 minutes": a wait in whole minutes, rounded up.
    static func minutes(_ seconds: Int) -> String {
        let minutes = max(1, (seconds + 59) / 60)
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }

    func signOut(_ request: Request) async throws -> Response {
        let secure = request.services.settings.secureCookies
        if let staff = request.staff {
            try await request.audit(.signOut, recordType: "staff-account", recordID: staff.id.uuidString)
            try await StaffSession.query(on: request.db).filter(\.$id == staff.sessionID).delete()
        }
        let response = request.redirect(to: SitePath.signIn.link(query: ["signed-out": "1"]))
        response.cookies[SessionCookie.name(secure: secure)] = SessionCookie.expired(secure: secure)
        return response
    }

    /// Only a plain path inside the staff area, in a small ASCII alphabet: an open redirect would
    /// let a phishing link borrow our name, and a line break would end the Location header and let
    /// the rest of the value be read as headers or a second response.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count < 200, next == "/staff" || next.hasPrefix("/staff/") || next.hasPrefix("/staff?"),
              !next.contains("//"), !next.contains("..") else { return SitePath.dashboard.link }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~?=&%".utf8)
        return next.utf8.allSatisfy { allowed.contains($0) } ? next : SitePath.dashboard.link
    }

    private func render(_ request: Request, email: String?, next: String?, message: String?,
                        status: HTTPResponseStatus = .ok, retryAfter: Int? = nil) async throws -> Response {
        let model = SignInPage.Model(email: email, next: Self.safeNext(next), message: message,
                                     signedOut: request.query[String.self, at: "signed-out"] != nil,
                                     passwordReset: request.query[String.self, at: "reset"] != nil, csrfToken: request.csrfToken)
        let response = try await request.page(SignInPage.title, SignInPage.view(model), status: status)
        if let retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retryAfter)) }
        return response
    }
}
