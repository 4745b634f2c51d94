import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// A staff member's own account: changing the password.
struct AccountController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.account, use: page)
        site.post(.accountPassword, use: changePassword)
        site.post(.accountCalendarFeed, use: newCalendarFeed)
        site.post(.accountCalendarFeedRevoke, use: revokeCalendarFeed)
    }

    /// A new private feed address, shown once; any older one stops working.
    func newCalendarFeed(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let token = SecureToken.make()
        try await StaffQueries.replaceCalendarFeed(of: staff.id, tokenHash: HexDigest.sha256(token), at: request.now, on: request.db)
        try await request.audit(.create, recordType: "calendar-feed", recordID: staff.id.uuidString, detail: "new feed address")
        let url = "\(request.services.settings.publicBaseURL)/calendar-feed/\(token).ics"
        return try await render(request, errors: FieldErrors(), notice: "Your new calendar feed address is below. Copy it into your calendar app now; it is not shown again.",
                                feedURL: url)
    }

    func revokeCalendarFeed(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        try await StaffQueries.revokeCalendarFeeds(of: staff.id, at: request.now, on: request.db)
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
            try await request.audit(.denied, recordType: "staff-account", recordID: staff.id.uuidString, detail: "wrong current password on the account page")
            guard try await request.services.rateLimits.allowAccountPasswordFailure(staff.id, at: request.now, on: request.db) else {
                try await request.db.writeTransaction { database in try await AccountSessions.endAll(of: staff.id, on: database) }
                try await request.audit(.update, recordType: "staff-account", recordID: staff.id.uuidString, detail: "signed out after repeated wrong passwords")
                return request.redirect(to: SitePath.signIn.link)
            }
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
            // A password link still out (a welcome link, a reset asked for) would undo this one.
            try await PasswordReset.query(on: database).set(\.$usedAt, to: now).filter(\.$staff.$id == staff.id).filter(\.$usedAt == nil).update()
            try await AccountSessions.rotate(staff, newToken: token, at: now, on: database)
        }
        try await request.audit(.update, recordType: "staff-account", recordID: staff.id.uuidString, detail: "password changed")
        let response = request.redirect(to: SitePath.account.link(query: ["changed": "1"]))
        let secure = request.services.settings.secureCookies
        response.cookies[SessionCookie.name(secure: secure)] = SessionCookie.value(token, secure: secure)
        return response
    }

    private func render(_ request: Request, errors: FieldErrors, notice: String?, feedURL: String? = nil,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = AccountPage.Model(notice: notice, minimumPasswordLength: PasswordPolicy.minimumLength, feedURL: feedURL,
                                      errors: errors, csrfToken: request.csrfToken)
        return try await request.page(AccountPage.title, AccountPage.view(model), status: status)
    }
}
