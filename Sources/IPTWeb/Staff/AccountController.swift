import Fluent
import Foundation
import IPTCore
import Plot
import Vapor

/// A staff member's own account: changing the password.
struct AccountController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "account", use: page)
        routes.post("staff", "account", "password", use: changePassword)
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
        user.passwordHash = try await request.password.async.hash(new)
        try await user.update(on: request.db)
        try await AccountSessions.endAll(of: staff.id, except: staff.sessionID, on: request.db)
        try await request.audit(.update, recordType: "staff-account", recordID: staff.id.uuidString, detail: "password changed")
        return request.redirect(to: "/staff/account?changed=1")
    }

    // Passwords are never put back into the form: a page that echoes them could be cached or shown.
    private func render(_ request: Request, errors: FieldErrors, notice: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
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
            )
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
}
