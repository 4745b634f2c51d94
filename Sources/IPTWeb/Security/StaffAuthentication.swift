import Crypto
import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// The staff member behind a request, once their session cookie has been checked.
struct CurrentStaff: Sendable {
    let id: UUID
    let name: String
    let email: String
    let role: StaffRole
    let sessionID: UUID
    let csrfToken: String
    /// False between the password and the one-time code.
    var secondFactorDone: Bool = true
    /// True when the clinic requires two-factor sign-in for this role and none is set up yet.
    var needsTwoFactorSetup: Bool = false

    var auditLabel: String { "\(name) (\(role.rawValue))" }
}

extension Request {
    private struct CurrentStaffKey: StorageKey { typealias Value = CurrentStaff }

    var staff: CurrentStaff? {
        get { storage[CurrentStaffKey.self] }
        set { storage[CurrentStaffKey.self] = newValue }
    }

    /// The signed-in staff member; throws a redirect-worthy 401 when there is none.
    func requireStaff() throws -> CurrentStaff {
        guard let staff else { throw Abort(.unauthorized) }
        return staff
    }

    /// Asks the access policy, records a refusal in the audit trail, and throws 403 when refused.
    func authorize(_ permission: Permission) async throws -> CurrentStaff {
        let staff = try requireStaff()
        guard AccessPolicy.allows(staff.role, permission) else {
            try await audit(.denied, recordType: "permission", recordID: permission.rawValue)
            throw Abort(.forbidden, reason: "Your role does not give access to this page.")
        }
        return staff
    }

    /// Appends a row to the audit trail on behalf of whoever makes this request.
    func audit(_ action: AuditAction, recordType: String, recordID: String? = nil, subject: String? = nil,
               detail: String? = nil) async throws {
        try await application.auditWriter.record(auditEntry(action, recordType: recordType, recordID: recordID, subject: subject, detail: detail))
    }

    /// The row `audit` appends. Made on the request's own task: `referenceID` caches itself in the
    /// request's storage, which a task running beside it must not write at the same time.
    func auditEntry(_ action: AuditAction, recordType: String, recordID: String? = nil, subject: String? = nil,
                    detail: String? = nil) -> AuditEntry {
        AuditEntry(
            actorID: staff?.id.uuidString,
            actorLabel: staff?.auditLabel ?? "visitor",
            action: action,
            recordType: recordType,
            recordID: recordID,
            subject: subject,
            requestID: referenceID,
            detail: detail
        )
    }

    private struct ReferenceIDKey: StorageKey { typealias Value = String }

    /// The id that audit rows, error pages and API errors carry for this request. Vapor takes a
    /// client's `X-Request-Id` header as the request's id; a visitor's own value is not trusted (it
    /// could copy another request's id or put any text into the append-only trail), so it is used
    /// only from a proxy the clinic runs (IPT_TRUST_PROXY) and only when it looks like an id.
    var referenceID: String {
        if let known = storage[ReferenceIDKey.self] { return known }
        let reference: String
        if headers.first(name: .xRequestId) == nil {
            reference = id
        } else if application.services.settings.trustForwardedFor, Self.looksLikeRequestID(id) {
            reference = id
        } else {
            reference = UUID().uuidString
        }
        storage[ReferenceIDKey.self] = reference
        return reference
    }

    /// ASCII letters, digits, `-`, `.` and `_`, 1 to 64 of them.
    static func looksLikeRequestID(_ value: String) -> Bool {
        (1...64).contains(value.count)
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
    }

    /// The visitor's address for rate limiting: the peer, or, behind a trusted proxy, the last
    /// address the proxy appended to X-Forwarded-For (earlier entries are whatever the client sent).
    var clientAddress: String {
        let trusted = application.services.settings.trustForwardedFor
        let forwardedFor = headers.first(name: "X-Forwarded-For")
        if trusted, let forwarded = forwardedFor?.split(separator: ",").last {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        let peer = remoteAddress?.ipAddress
        if forwardedFor != nil {
            application.services.rateLimits.forwardedForWarning.note(peer: peer, forwardedFor: forwardedFor, trusted: trusted,
                                                                     logger: application.logger)
        }
        return peer ?? "unknown"
    }
}

enum SessionCookie {
    static func name(secure: Bool) -> String { secure ? "__Host-ipt_session" : "ipt_session" }

    static func value(_ token: String, secure: Bool) -> HTTPCookies.Value {
        // No expiry: a browser session cookie; the server enforces the idle and absolute limits.
        HTTPCookies.Value(string: token, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    static func expired(secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
                          isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

}

/// SHA-256 as lowercase hex: what is stored for a secret token (sessions, confirmation links), so a
/// copy of the database does not hand out working tokens; also the audit chain's hash.
enum HexDigest {
    static func sha256(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// The bytes of lowercase or uppercase hex; nil for anything else.
    static func bytes(_ hex: String) -> [UInt8]? {
        let characters = Array(hex.utf8)
        guard characters.count % 2 == 0 else { return nil }
        func value(_ character: UInt8) -> UInt8? {
            switch character {
            case 48...57: character - 48
            case 97...102: character - 87
            case 65...70: character - 55
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let high = value(characters[index]), let low = value(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Lowercase hex of the bytes. By hand: `String(format: "%02x")` per byte cost more than the
    /// hash itself, and this runs on every staff request (session lookup, audit chain).
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var characters: [UInt8] = []
        characters.reserveCapacity(64)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}

/// Loads the staff session named by the cookie, if any, and enforces its lifetime.
struct StaffSessionMiddleware: Middleware {
    let secure: Bool
    let lifetime: SessionLifetime
    let clock: AppClock

    // Visitors carry no session cookie; they pass straight through without a task hop.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard let token = request.sentCookies[SessionCookie.name(secure: secure)], !token.isEmpty else {
            return next.respond(to: request)
        }
        return request.eventLoop.makeFutureWithTask {
            try await respond(to: request, token: token, chainingTo: next)
        }
    }

    private func respond(to request: Request, token: String, chainingTo next: any Responder) async throws -> Response {
        let cookieName = SessionCookie.name(secure: secure)
        var clearCookie = false
        let now = clock.now()
        if let session = try await SignedInSession.find(tokenHash: HexDigest.sha256(token), on: request.inlineReads) {
            if lifetime.isExpired(createdAt: session.createdAt, lastSeenAt: session.lastSeenAt, now: now) || !session.staffIsActive {
                try await SignedInSession.delete(session.sessionID, on: request.db)
                clearCookie = true
            } else {
                // Touch at most once a minute: idle expiry needs minute precision, not a write per page.
                if now.timeIntervalSince(session.lastSeenAt) > 60 {
                    try await SignedInSession.touch(session.sessionID, at: now, on: request.db)
                }
                let clinic = try await request.services.clinic.current(on: request.db)
                request.staff = CurrentStaff(
                    id: session.staffID, name: session.name, email: session.email, role: session.role,
                    sessionID: session.sessionID, csrfToken: session.csrfToken, secondFactorDone: session.secondFactorDone,
                    needsTwoFactorSetup: clinic.requireTwoFactor && session.role.seesHealthInformation && !session.hasTwoFactor)
            }
        } else {
            clearCookie = true
        }
        let response = try await next.respond(to: request).get()
        if clearCookie, response.cookies[cookieName] == nil {
            response.cookies[cookieName] = SessionCookie.expired(secure: secure)
        }
        return response
    }
}

/// Sends anyone without a complete staff session away: to sign-in without one, to the code page
/// between password and code, and to two-factor set-up when the clinic requires it and it is not
/// set up yet.
// Future-based: it only looks at what the session middleware found, and an AsyncMiddleware would
// cost a task hop on every staff request.
struct RequireStaffMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let isRead = request.method == .GET || request.method == .HEAD
        guard let staff = request.staff else {
            if isRead {
                let target = request.path
                return request.eventLoop.makeSucceededFuture(request.redirect(
                    to: SitePath.signIn.link + "?next=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", redirectType: .normal))
            }
            return request.eventLoop.makeFailedFuture(Abort(.unauthorized, reason: "Your session has ended. Sign in again."))
        }
        if !staff.secondFactorDone {
            if isRead { return request.eventLoop.makeSucceededFuture(request.redirect(to: SitePath.twoFactor.link)) }
            return request.eventLoop.makeFailedFuture(Abort(.unauthorized, reason: "Enter the code from your authenticator app first."))
        }
        if staff.needsTwoFactorSetup {
            if isRead { return request.eventLoop.makeSucceededFuture(request.redirect(to: SitePath.twoFactorSetup.link)) }
            return request.eventLoop.makeFailedFuture(Abort(.forbidden, reason: "Set up two-factor sign-in first."))
        }
        return next.respond(to: request)
    }
}

/// The session row and its staff member, read in one statement on every staff request. Plain SQL
/// rather than Fluent models: building and decoding models goes through runtime reflection, which
/// was the largest single cost of an audited staff page (docs/PERFORMANCE.md).
struct SignedInSession {
    let sessionID: UUID
    let csrfToken: String
    let createdAt: Date
    let lastSeenAt: Date
    let secondFactorDone: Bool
    let staffID: UUID
    let name: String
    let email: String
    let role: StaffRole
    let staffIsActive: Bool
    let hasTwoFactor: Bool

    /// The session with this token hash, or nil when there is none or its staff role is unknown.
    static func find(tokenHash: String, on database: any SQLDatabase) async throws -> SignedInSession? {
        guard let row = try await database.raw("""
            SELECT s.id AS session_id, s.csrf_token, s.created_at, s.last_seen_at, s.second_factor_done,
                   u.id AS staff_id, u.name, u.email, u.role, u.is_active, u.totp_enabled_at
            FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id
            WHERE s.token_hash = \(bind: tokenHash)
            """).first(),
              let role = StaffRole(rawValue: try row.decode(column: "role", as: String.self))
        else { return nil }
        return SignedInSession(
            sessionID: try row.decode(column: "session_id", as: UUID.self),
            csrfToken: try row.decode(column: "csrf_token", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            lastSeenAt: try row.decode(column: "last_seen_at", as: Date.self),
            secondFactorDone: try row.decode(column: "second_factor_done", as: Bool.self),
            staffID: try row.decode(column: "staff_id", as: UUID.self),
            name: try row.decode(column: "name", as: String.self),
            email: try row.decode(column: "email", as: String.self),
            role: role,
            staffIsActive: try row.decode(column: "is_active", as: Bool.self),
            hasTwoFactor: try row.decode(column: "totp_enabled_at", as: Date?.self) != nil)
    }

    static func touch(_ sessionID: UUID, at now: Date, on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw(
            "UPDATE staff_sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: sessionID)").run()
    }

    static func delete(_ sessionID: UUID, on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DELETE FROM staff_sessions WHERE id = \(bind: sessionID)").run()
    }
}
