import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// Staff two-factor sign-in with an authenticator app (TOTP): setting it up with a QR code drawn by
/// the app, entering a code after the password, and one-time recovery codes for a lost phone.
struct TwoFactorController: SiteRouteCollection {
    static let recoveryCodeCount = 10

    func boot(site: SiteRoutes) throws {
        site.get(.twoFactor, use: codeForm)
        site.post(.twoFactor, use: verifyCode)
        site.get(.twoFactorSetup, use: setupForm)
        site.post(.twoFactorSetup, use: confirmSetup)
    }

    struct CodeBody: Content {
        var code: String?
        var next: String?
    }

    // MARK: the code after the password

    func codeForm(_ request: Request) async throws -> Response {
        guard let staff = request.staff else { return request.redirect(to: SitePath.signIn.link) }
        if staff.secondFactorDone { return request.redirect(to: SitePath.dashboard.link) }
        return try await codePage(request, next: request.query[String.self, at: "next"], error: nil)
    }

    func verifyCode(_ request: Request) async throws -> Response {
        guard let staff = request.staff else { throw Abort(.unauthorized, reason: "Your session has ended. Sign in again.") }
        if staff.secondFactorDone { return request.redirect(to: SitePath.dashboard.link) }
        let body = try FormInput.decode(CodeBody.self, from: request)
        let services = request.services
        let now = request.now
        // Counted before the code is checked, by the statement that also refuses it while the step
        // is locked: a burst of guesses sent at once cannot slip past the count.
        guard let attempt = try await SecondFactorThrottle.begin(for: staff.id, at: now, on: request.db) else {
            let until = try await StaffUser.find(staff.id, on: request.db)?.secondFactorRefusedUntil ?? now
            let wait = max(60, Int(until.timeIntervalSince(now).rounded(.up)))
            if services.rateLimits.shouldAuditThrottle(account: "second factor|\(staff.email)", at: now) {
                try await request.audit(.signInFailed, recordType: "staff-account", recordID: staff.id.uuidString, detail: "second factor throttled")
            }
            return try await codePage(request, next: body.next,
                                      error: "Too many wrong codes. Wait \(SignInController.minutes(wait)) and try again, or ask the clinic director for help.",
                                      status: .tooManyRequests, retryAfter: wait)
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
            try await SecondFactorThrottle.failed(attempt: attempt, for: staff.id, at: now, on: request.db)
            try await request.audit(.signInFailed, recordType: "staff-account", recordID: staff.id.uuidString, detail: "wrong second-factor code")
            return try await codePage(request, next: body.next, error: "That code did not work. Codes change every 30 seconds and each works once.",
                                      status: .unauthorized)
        }
        try await SecondFactorThrottle.succeeded(for: staff.id, on: request.db)
        let response = request.redirect(to: SignInController.safeNext(body.next))
        try await TwoFactorQueries.completeSession(request, response: response)
        try KnownDevice.remember(staff.email, request: request, on: response)
        try await request.audit(.signIn, recordType: "staff-account", recordID: staff.id.uuidString, detail: "second factor: \(accepted)")
        return response
    }

    private func codePage(_ request: Request, next: String?, error: String?, status: HTTPResponseStatus = .ok,
                          retryAfter: Int? = nil) async throws -> Response {
        var errors = FieldErrors()
        if let error { errors.add("code", error) }
        let model = TwoFactorCodePage.Model(next: SignInController.safeNext(next), errors: errors, csrfToken: request.csrfToken)
        let response = try await request.page(TwoFactorCodePage.title, TwoFactorCodePage.view(model), status: status)
        if let retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retryAfter)) }
        return response
    }

    // MARK: setting it up

    struct SetupBody: Content {
        var code: String?
        var pending: String?
    }

    /// The secret being set up travels in the form, sealed and bound to this session, until a code
    /// confirms it: opening the page changes nothing (a link, a prefetch or a second tab cannot
    /// replace a secret someone is scanning).
    static func setupContext(_ sessionID: UUID) -> SealContext {
        SealContext("staff_sessions", row: sessionID, column: "two_factor_setup_form", client: nil)
    }

    func setupForm(_ request: Request) async throws -> Response {
        guard let staff = request.staff, staff.secondFactorDone else { return request.redirect(to: SitePath.signIn.link) }
        guard let user = try await StaffUser.find(staff.id, on: request.db) else { throw Abort(.unauthorized) }
        if user.totpEnabledAt != nil { return request.redirect(to: SitePath.account.link) }
        return try await setupPage(request, user: user, secret: TwoFactorCodes.newSecret(), error: nil)
    }

    func confirmSetup(_ request: Request) async throws -> Response {
        guard let staff = request.staff, staff.secondFactorDone else { throw Abort(.unauthorized, reason: "Sign in again.") }
        let ring = request.services.keyRing
        let body = try FormInput.decode(SetupBody.self, from: request)
        guard let user = try await StaffUser.find(staff.id, on: request.db) else { throw Abort(.unauthorized) }
        if user.totpEnabledAt != nil { return request.redirect(to: SitePath.account.link) }
        // Only a secret this app sealed for this session; the key ring passes unsealed text through.
        guard let sealedPending = body.pending, sealedPending.hasPrefix("enc:v1:"), sealedPending.utf8.count <= 400,
              let pending = try? ring.open(sealedPending, Self.setupContext(staff.sessionID)), Base32.decode(pending) != nil else {
            return request.redirect(to: SitePath.twoFactorSetup.link)
        }
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
        let turnedOn = try await TwoFactorQueries.turnOn(for: staff, sealedSecret: sealedSecret, counter: counter, recoveryCodeHashes: hashes,
                                                         at: now, on: request.db)
        guard turnedOn else { return request.redirect(to: SitePath.account.link) }
        try await request.audit(.update, recordType: "staff-account", recordID: staff.id.uuidString, detail: "two-factor sign-in set up")
        let response = try await request.page(TwoFactorDonePage.title, TwoFactorDonePage.view(recoveryCodes: codes))
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    private func setupPage(_ request: Request, user: StaffUser, secret: String, error: String?,
                           status: HTTPResponseStatus = .ok) async throws -> Response {
        let clinic = try await request.services.clinic.current(on: request.db)
        let uri = TwoFactorCodes.provisioningURI(secret: secret, account: user.email, issuer: clinic.name)
        let staff = try request.requireStaff()
        var errors = FieldErrors()
        if let error { errors.add("code", error) }
        // In groups of four, as authenticator apps show keys typed by hand.
        let grouped = stride(from: 0, to: secret.count, by: 4).map { offset -> String in
            let start = secret.index(secret.startIndex, offsetBy: offset)
            return String(secret[start..<secret.index(start, offsetBy: min(4, secret.count - offset))])
        }.joined(separator: " ")
        let model = TwoFactorSetupPage.Model(qrSVG: try TwoFactorCodes.qrSVG(uri), groupedSecret: grouped,
                                             sealedSecret: try request.services.keyRing.seal(secret, Self.setupContext(staff.sessionID)),
                                             errors: errors, csrfToken: request.csrfToken)
        return try await request.page(TwoFactorSetupPage.title, TwoFactorSetupPage.view(model), status: status)
    }
}

enum TwoFactorQueries {
    /// Turns two-factor sign-in on with a confirmed secret and fresh recovery codes, once: of two
    /// tabs confirming at the same moment, one sets the secret (the other gets false).
    static func turnOn(for staff: CurrentStaff, sealedSecret: String, counter: UInt64, recoveryCodeHashes hashes: [String], at now: Date,
                       on database: any Database) async throws -> Bool {
        try await database.writeTransaction { database -> Bool in
            let claimed = try await (database as! any SQLDatabase).update(StaffUser.schema)
                .set("totp_secret", to: sealedSecret)
                .set("totp_pending_secret", to: SQLLiteral.null)
                .set("totp_enabled_at", to: now)
                .set("totp_last_counter", to: Int64(counter))
                .where("id", .equal, staff.id).where("totp_enabled_at", .is, SQLLiteral.null)
                .returning("id").all()
            guard !claimed.isEmpty else { return false }
            // Any other session of the account was opened with the password alone: it ends now.
            try await AccountSessions.endAll(of: staff.id, except: staff.sessionID, on: database)
            try await RecoveryCode.query(on: database).filter(\.$staff.$id == staff.id).delete()
            for hash in hashes {
                let row = RecoveryCode()
                row.$staff.id = staff.id
                row.codeHash = hash
                row.createdAt = now
                try await row.create(on: database)
            }
            return true
        }
    }

    /// Records `counter` as used, only if it is newer than the last one: two requests racing with the
    /// same code cannot both succeed.
    /// One statement decides: the row comes back only to the request whose update moved it. (An
    /// update followed by reading the counter back told every racing request it had won.)
    static func claim(counter: UInt64, for staffID: UUID, on database: any Database) async throws -> Bool {
        let claimed = try await (database as! any SQLDatabase).update(StaffUser.schema)
            .set("totp_last_counter", to: Int64(counter))
            .where("id", .equal, staffID)
            .where(group: { $0.where("totp_last_counter", .is, SQLLiteral.null).orWhere("totp_last_counter", .lessThan, Int64(counter)) })
            .returning("id").all()
        return !claimed.isEmpty
    }

    /// Uses up a matching, unused recovery code: marked used by one conditional update, so the same
    /// code cannot be used twice at once on either engine.
    static func useRecoveryCode(_ typed: String, for staffID: UUID, at now: Date, on database: any Database) async throws -> Bool {
        let normalized = TwoFactorCodes.normalizedRecoveryCode(typed)
        guard normalized.count == 12 else { return false }
        let claimed = try await (database as! any SQLDatabase).update(RecoveryCode.schema)
            .set("used_at", to: now)
            .where("staff_id", .equal, staffID).where("code_hash", .equal, HexDigest.sha256(normalized)).where("used_at", .is, SQLLiteral.null)
            .returning("id").all()
        return !claimed.isEmpty
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

/// Wrong second-factor codes, per account and in the database: a right password never resets them,
/// only a right code does. After `freeFailures` the code step is refused for 1, 2, 4 ... minutes, at
/// most an hour (`BackoffThrottle.refusal`).
enum SecondFactorThrottle {
    static let freeFailures = 5
    static let base: TimeInterval = 60
    static let cap: TimeInterval = 60 * 60

    /// Counts this attempt as a failure up front and answers its number, or nil while the step is
    /// refused. From the `freeFailures`-th attempt on, the same statement refuses the step for the
    /// longest wait until the code is checked, so attempts racing this one are refused.
    static func begin(for staffID: UUID, at now: Date, on database: any Database) async throws -> Int? {
        let row = try await (database as! any SQLDatabase).raw("""
            UPDATE staff_users
            SET second_factor_failures = second_factor_failures + 1,
                second_factor_refused_until = CASE WHEN second_factor_failures + 1 >= \(bind: freeFailures)
                    THEN \(bind: now.addingTimeInterval(cap)) ELSE second_factor_refused_until END
            WHERE id = \(bind: staffID)
              AND (second_factor_failures < \(bind: freeFailures) OR second_factor_refused_until <= \(bind: now))
            RETURNING second_factor_failures
            """).first()
        return try row?.decode(column: "second_factor_failures", as: Int.self)
    }

    /// The attempt was wrong: from the `freeFailures`-th on, the step is refused for its wait.
    static func failed(attempt: Int, for staffID: UUID, at now: Date, on database: any Database) async throws {
        guard let wait = BackoffThrottle.refusal(afterFailures: attempt, freeFailures: freeFailures, base: base, cap: cap) else { return }
        try await (database as! any SQLDatabase).update(StaffUser.schema)
            .set("second_factor_refused_until", to: now.addingTimeInterval(wait))
            .where("id", .equal, staffID).where("second_factor_failures", .equal, attempt)
            .run()
    }

    static func succeeded(for staffID: UUID, on database: any Database) async throws {
        try await (database as! any SQLDatabase).update(StaffUser.schema)
            .set("second_factor_failures", to: 0)
            .set("second_factor_refused_until", to: SQLLiteral.null)
            .where("id", .equal, staffID)
            .run()
    }
}
