import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// A staff member's own account: changing the password.
struct AccountController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "account", use: page)
        routes.post("staff", "account", "password", use: changePassword)
        routes.post("staff", "account", "calendar-feed", use: newCalendarFeed)
        routes.post("staff", "account", "calendar-feed", "revoke", use: revokeCalendarFeed)
    }

    /// A new private feed address, shown once; any older one stops working.
    func newCalendarFeed(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let token = SecureToken.make()
        let now = request.now
        try await request.db.writeTransaction { db in
            try await CalendarFeed.query(on: db).set(\.$revokedAt, to: now).filter(\.$staff.$id == staff.id).filter(\.$revokedAt == nil).update()
            let feed = CalendarFeed()
            feed.$staff.id = staff.id
            feed.tokenHash = HexDigest.sha256(token)
            feed.createdAt = now
            try await feed.create(on: db)
        }
        try await request.audit(.create, recordType: "calendar-feed", recordID: staff.id.uuidString, detail: "new feed address")
        let url = "\(request.services.settings.publicBaseURL)/calendar-feed/\(token).ics"
        return try await render(request, errors: FieldErrors(), notice: "Your new calendar feed address is below. Copy it into your calendar app now; it is not shown again.",
                                feedURL: url)
    }

    func revokeCalendarFeed(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let now = request.now
        try await request.db.writeTransaction { db in
            try await CalendarFeed.query(on: db).set(\.$revokedAt, to: now).filter(\.$staff.$id == staff.id).filter(\.$revokedAt == nil).update()
        }
        try await request.audit(.update, recordType: "calendar-feed", recordID: staff.id.uuidString, detail: "feed revoked")
        return try await render(request, errors: FieldErrors(), notice: "Your calendar feed is switched off. The old address no longer works.")
    }

    struct PasswordBody: Content {
        var currentPassword: String?
        var newPassword: String?
        var confirmPassword: String?
    }

    func page(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageOwnAccount)
        let changed = request.query[String.self, at: "changed"] != nil
        return try await render(request, errors: FieldErrors(), notice: changed ? "Your password is changed. Any other place you were signed in has been signed out." : nil)
    }

    func changePassword(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.manageOwnAccount)
        let body = try FormInput.decode(PasswordBody.self, from: request)
        guard let user = try await StaffUser.find(staff.id, on: request.db) else { throw Abort(.unauthorized) }
        var errors = FieldErrors()
        let current = body.currentPassword ?? ""
        let new = body.newPassword ?? ""
        let currentMatches = !current.isEmpty && current.utf8.count <= 1_000
            ? try await request.password.async.verify(current, created: user.passwordHash) : false
        if !currentMatches {
            errors.add("currentPassword", "That is not your current password.")
        }
        if let problem = request.services.passwordPolicy.problem(with: new, email: user.email) {
            errors.add("newPassword", problem)
        } else if new != (body.confirmPassword ?? "") {
            errors.add("confirmPassword", "The two new passwords are not the same.")
        }
        guard errors.isEmpty else {
            return try await render(request, errors: errors, notice: nil, status: .unprocessableEntity)
        }
        let hash = try await request.password.async.hash(new)
        let token = SecureToken.make()
        let now = request.now
        try await request.db.writeTransaction { database in
            try await StaffUser.query(on: database).set(\.$passwordHash, to: hash).filter(\.$id == staff.id).update()
            try await AccountSessions.rotate(staff, newToken: token, at: now, on: database)
        }
        try await request.audit(.update, recordType: "staff-account", recordID: staff.id.uuidString, detail: "password changed")
        let response = request.redirect(to: "/staff/account?changed=1")
        let secure = request.services.settings.secureCookies
        response.cookies[SessionCookie.name(secure: secure)] = SessionCookie.value(token, secure: secure)
        return response
    }

    // Passwords are never put back into the form: a page that echoes them could be cached or shown.
    private func render(_ request: Request, errors: FieldErrors, notice: String?, feedURL: String? = nil,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Your account")),
            .unwrap(notice) { .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text($0))) },
            .h2(.text("Change your password")),
            .p(.text("At least \(PasswordPolicy.minimumLength) characters. Several unrelated words are easier to remember than symbols, and harder to guess. Changing it signs you out everywhere else.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action("/staff/account/password"),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "currentPassword", label: "Current password", value: nil, error: errors["currentPassword"],
                                    type: .password, autocomplete: "current-password", maxLength: 1000),
                FormViews.textField(name: "newPassword", label: "New password", value: nil, error: errors["newPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                FormViews.textField(name: "confirmPassword", label: "New password again", value: nil, error: errors["confirmPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                .button(.class("button"), .type(.submit), .text("Change password"))
            ),
            .h2(.text("Calendar feed")),
            .p(.text("A private address your calendar app can subscribe to. It shows your appointments' times and the clients' initials, nothing else. Anyone with the address can read it, so keep it to yourself, and make a new one if it may have leaked.")),
            .unwrap(feedURL) { url in
                .div(.class("field"), .label(.for("feed-url"), .text("Your feed address")),
                     .input(.type(.text), .id("feed-url"), .class("input"), .value(attributeSafe(url)), .readonly(true)))
            },
            .form(.class("form inline-form"), .method(.post), .action("/staff/account/calendar-feed"),
                  FormViews.csrf(request.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text("Make a new feed address"))),
            .form(.class("form inline-form"), .method(.post), .action("/staff/account/calendar-feed/revoke"),
                  FormViews.csrf(request.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text("Switch the feed off")))
        )
        return .html(PageLayout.render(title: "Your account", chrome: chrome, content: content), status: status)
    }
}

enum AccountSessions {
    /// Signs a person out everywhere but here (`except`), e.g. after their password changed.
    static func endAll(of staffID: UUID, except keep: UUID? = nil, on database: any Database) async throws {
        var query = StaffSession.query(on: database).filter(\.$staff.$id == staffID)
        if let keep { query = query.filter(\.$id != keep) }
        try await query.delete()
    }

    /// Replaces this session with a new one (new id, token and CSRF token; same start, so the
    /// 12-hour limit still counts from the sign-in) and ends every other session of the person:
    /// whoever held a copy of the old cookie, here or elsewhere, is signed out.
    static func rotate(_ staff: CurrentStaff, newToken: String, at now: Date, on database: any Database) async throws {
        guard let current = try await StaffSession.find(staff.sessionID, on: database) else { throw Abort(.unauthorized) }
        let replacement = StaffSession(tokenHash: HexDigest.sha256(newToken), staffID: staff.id, csrfToken: SecureToken.make(),
                                       createdAt: current.createdAt, secondFactorDone: current.secondFactorDone)
        replacement.lastSeenAt = now
        try await StaffSession.query(on: database).filter(\.$staff.$id == staff.id).delete()
        try await replacement.create(on: database)
    }
}
