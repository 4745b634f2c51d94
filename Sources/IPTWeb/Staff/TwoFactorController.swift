import Fluent
import Foundation
import IPTCore
import Plot
import Vapor

/// Staff two-factor sign-in with an authenticator app (TOTP): setting it up with a QR code drawn by
/// the app, entering a code after the password, and one-time recovery codes for a lost phone.
struct TwoFactorController: RouteCollection {
    static let recoveryCodeCount = 10

    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "two-factor", use: codeForm)
        routes.post("staff", "two-factor", use: verifyCode)
        routes.get("staff", "two-factor", "setup", use: setupForm)
        routes.post("staff", "two-factor", "setup", use: confirmSetup)
    }

    struct CodeBody: Content {
        var code: String?
        var next: String?
    }

    // MARK: the code after the password

    func codeForm(_ request: Request) async throws -> Response {
        guard let staff = request.staff else { return request.redirect(to: "/staff/sign-in") }
        if staff.secondFactorDone { return request.redirect(to: "/staff") }
        return try await codePage(request, next: request.query[String.self, at: "next"], error: nil)
    }

    func verifyCode(_ request: Request) async throws -> Response {
        guard let staff = request.staff else { throw Abort(.unauthorized, reason: "Your session has ended. Sign in again.") }
        if staff.secondFactorDone { return request.redirect(to: "/staff") }
        let body = try FormInput.decode(CodeBody.self, from: request)
        let services = request.services
        let now = request.now
        let address = request.clientAddress
        if services.rateLimits.signInBlocked(address: address, account: staff.email, at: now) {
            return try await codePage(request, next: body.next, error: "Too many attempts. Wait 15 minutes and try again.", status: .tooManyRequests)
        }
        guard let user = try await StaffUser.find(staff.id, on: request.db) else { throw Abort(.unauthorized) }
        let typed = (body.code ?? "").filter { !$0.isWhitespace && $0 != "-" }
        let accepted: String?
        let secret = try services.keyRing.openOptional(user.totpSecret, StaffUser.totpContext(staff.id, pending: false))
        if let counter = TwoFactorCodes.acceptedCounter(typed, secret: secret, lastUsed: user.totpLastCounter, at: now),
           try await TwoFactorQueries.claim(counter: counter, for: staff.id, on: request.db) {
            accepted = "authenticator code"
        } else if try await TwoFactorQueries.useRecoveryCode(typed, for: staff.id, at: now, on: request.db) {
            accepted = "recovery code"
        } else {
            accepted = nil
        }
        guard let accepted else {
            services.rateLimits.recordSignInFailure(address: address, account: staff.email, at: now)
            try await request.audit(.signInFailed, recordType: "staff-account", recordID: staff.id.uuidString, detail: "wrong second-factor code")
            return try await codePage(request, next: body.next, error: "That code did not work. Codes change every 30 seconds and each works once.",
                                      status: .unauthorized)
        }
        services.rateLimits.recordSignInSuccess(account: staff.email)
        let response = request.redirect(to: SignInController.safeNext(body.next))
        try await TwoFactorQueries.completeSession(request, response: response)
        try await request.audit(.signIn, recordType: "staff-account", recordID: staff.id.uuidString, detail: "second factor: \(accepted)")
        return response
    }

    private func codePage(_ request: Request, next: String?, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        var errors = FieldErrors()
        if let error { errors.add("code", error) }
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Enter your sign-in code")),
            .p(.text("Open your authenticator app and type the 6-digit code it shows for this clinic. Lost your phone? Type one of your recovery codes instead.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action("/staff/two-factor"),
                FormViews.csrf(request.csrfToken),
                .input(.type(.hidden), .name("next"), .value(attributeSafe(SignInController.safeNext(next)))),
                FormViews.textField(name: "code", label: "Code", value: nil, error: errors["code"], autocomplete: "one-time-code",
                                    maxLength: 20, hint: "6 digits, or a recovery code like abcd-efgh-ijkl"),
                .button(.class("button"), .type(.submit), .text("Continue"))
            ),
            .form(.class("inline"), .method(.post), .action("/staff/sign-out"), FormViews.csrf(request.csrfToken),
                  .button(.class("link-button"), .type(.submit), .text("Cancel and sign out")))
        )
        return .html(PageLayout.render(title: "Enter your sign-in code", chrome: chrome, content: content), status: status)
    }

    // MARK: setting it up

    func setupForm(_ request: Request) async throws -> Response {
        guard let staff = request.staff, staff.secondFactorDone else { return request.redirect(to: "/staff/sign-in") }
        guard let user = try await StaffUser.find(staff.id, on: request.db) else { throw Abort(.unauthorized) }
        if user.totpEnabledAt != nil { return request.redirect(to: "/staff/account") }
        // A fresh secret each time the page is opened until one is confirmed: a secret shown once
        // and abandoned is never the one that counts.
        let secret = TwoFactorCodes.newSecret()
        user.totpPendingSecret = try request.services.keyRing.seal(secret, StaffUser.totpContext(staff.id, pending: true))
        try await user.update(on: request.db)
        return try await setupPage(request, user: user, secret: secret, error: nil)
    }

    func confirmSetup(_ request: Request) async throws -> Response {
        guard let staff = request.staff, staff.secondFactorDone else { throw Abort(.unauthorized, reason: "Sign in again.") }
        let ring = request.services.keyRing
        guard let user = try await StaffUser.find(staff.id, on: request.db),
              let pending = try ring.openOptional(user.totpPendingSecret, StaffUser.totpContext(staff.id, pending: true)) else {
            return request.redirect(to: "/staff/two-factor/setup")
        }
        let body = try FormInput.decode(CodeBody.self, from: request)
        let now = request.now
        let typed = (body.code ?? "").filter { !$0.isWhitespace }
        guard let counter = TwoFactorCodes.acceptedCounter(typed, secret: pending, lastUsed: nil, at: now) else {
            return try await setupPage(request, user: user, secret: pending,
                                       error: "That code did not match. Check the phone's clock is right and type the code shown now.",
                                       status: .unprocessableEntity)
        }
        let codes = (0..<Self.recoveryCodeCount).map { _ in TwoFactorCodes.newRecoveryCode() }
        // 60 random bits each: a fast hash is enough (nobody can guess through a hash that wide), and
        // a code typed at sign-in is then found by one lookup instead of ten bcrypt checks.
        let hashes = codes.map { HexDigest.sha256(TwoFactorCodes.normalizedRecoveryCode($0)) }
        let sealedSecret = try ring.seal(pending, StaffUser.totpContext(staff.id, pending: false))
        try await request.db.writeTransaction { database in
            user.totpSecret = sealedSecret
            user.totpPendingSecret = nil
            user.totpEnabledAt = now
            user.totpLastCounter = Int64(counter)
            try await user.update(on: database)
            try await RecoveryCode.query(on: database).filter(\.$staff.$id == staff.id).delete()
            for hash in hashes {
                let row = RecoveryCode()
                row.$staff.id = staff.id
                row.codeHash = hash
                row.createdAt = now
                try await row.create(on: database)
            }
        }
        try await request.audit(.update, recordType: "staff-account", recordID: staff.id.uuidString, detail: "two-factor sign-in set up")
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Two-factor sign-in is on")),
            .div(.class("notice success"), .attribute(named: "role", value: "status"),
                 .p(.text("From now on you will enter a code from your app after your password."))),
            .h2(.text("Your recovery codes")),
            .p(.text("Each works once if you lose your phone. Print them or keep them somewhere safe away from your phone: they are shown only now.")),
            .ul(.class("recovery-codes"), .forEach(codes) { .li(.element(named: "code", nodes: [.text($0)])) }),
            .p(.a(.class("button"), .href("/staff"), .text("Continue to the dashboard")))
        )
        let response = Response.html(PageLayout.render(title: "Two-factor sign-in is on", chrome: chrome, content: content))
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    private func setupPage(_ request: Request, user: StaffUser, secret: String, error: String?,
                           status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let uri = TwoFactorCodes.provisioningURI(secret: secret, account: user.email, issuer: chrome.clinic.name)
        let qr = try TwoFactorCodes.qrSVG(uri)
        var errors = FieldErrors()
        if let error { errors.add("code", error) }
        let grouped = stride(from: 0, to: secret.count, by: 4).map { offset -> String in
            let start = secret.index(secret.startIndex, offsetBy: offset)
            return String(secret[start..<secret.index(start, offsetBy: min(4, secret.count - offset))])
        }.joined(separator: " ")
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Set up two-factor sign-in")),
            .p(.text("The clinic asks everyone who can see health information to sign in with a password and a code from an authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis).")),
            .ol(
                .li(.text("In your app, add an account and scan this code:")),
                .li(.text("Type the 6-digit code the app then shows."))
            ),
            .div(.class("qr-code"), .raw(qr)),
            .p(.text("Cannot scan? Enter this key in the app instead: "), .element(named: "code", nodes: [.text(grouped)])),
            FormViews.errorSummary(errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action("/staff/two-factor/setup"),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "code", label: "Code from the app", value: nil, error: errors["code"],
                                    autocomplete: "one-time-code", maxLength: 20),
                .button(.class("button"), .type(.submit), .text("Turn on two-factor sign-in"))
            )
        )
        return .html(PageLayout.render(title: "Set up two-factor sign-in", chrome: chrome, content: content), status: status)
    }
}

enum TwoFactorQueries {
    /// Records `counter` as used, only if it is newer than the last one: two requests racing with the
    /// same code cannot both succeed.
    static func claim(counter: UInt64, for staffID: UUID, on database: any Database) async throws -> Bool {
        try await StaffUser.query(on: database)
            .filter(\.$id == staffID)
            .group(.or) { $0.filter(\.$totpLastCounter == nil).filter(\.$totpLastCounter < Int64(counter)) }
            .set(\.$totpLastCounter, to: Int64(counter))
            .update()
        return try await StaffUser.find(staffID, on: database)?.totpLastCounter == Int64(counter)
    }

    /// Uses up a matching, unused recovery code, inside a write transaction so the same code
    /// cannot be used twice at once.
    static func useRecoveryCode(_ typed: String, for staffID: UUID, at now: Date, on database: any Database) async throws -> Bool {
        let normalized = TwoFactorCodes.normalizedRecoveryCode(typed)
        guard normalized.count == 12 else { return false }
        let hash = HexDigest.sha256(normalized)
        return try await database.writeTransaction { transaction in
            guard let code = try await RecoveryCode.query(on: transaction)
                .filter(\.$staff.$id == staffID).filter(\.$codeHash == hash).filter(\.$usedAt == nil).first()
            else { return false }
            code.usedAt = now
            try await code.update(on: transaction)
            return true
        }
    }

    /// Marks the session complete under a new token: the id changes when the session's rights do.
    static func completeSession(_ request: Request, response: Response) async throws {
        guard let staff = request.staff else { return }
        let token = SecureToken.make()
        try await StaffSession.query(on: request.db)
            .filter(\.$id == staff.sessionID)
            .set(\.$secondFactorDone, to: true)
            .set(\.$tokenHash, to: HexDigest.sha256(token))
            .update()
        let secure = request.services.settings.secureCookies
        response.cookies[SessionCookie.name(secure: secure)] = SessionCookie.value(token, secure: secure)
    }
}
