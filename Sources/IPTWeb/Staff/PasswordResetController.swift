import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// "Forgot your password?": an emailed one-time link, valid for an hour, that sets a new password
/// and signs the person out everywhere. The answer is the same whether or not the address has an
/// account.
struct PasswordResetController: RouteCollection {
    static let lifetime: TimeInterval = 60 * 60

    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "password-reset", use: requestForm)
        routes.post("staff", "password-reset", use: requestLink)
        routes.get("staff", "password-reset", ":token", use: newPasswordForm)
        routes.post("staff", "password-reset", ":token", use: setPassword)
    }

    struct RequestBody: Content { var email: String? }
    struct NewPasswordBody: Content {
        var newPassword: String?
        var confirmPassword: String?
    }

    func requestForm(_ request: Request) async throws -> Response {
        try await page(request, title: "Reset your password", errors: FieldErrors(), email: nil, sent: false)
    }

    func requestLink(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(RequestBody.self, from: request)
        guard request.services.rateLimits.allowPublicForm(.passwordReset, from: request.clientAddress, at: request.now) else {
            throw Abort(.tooManyRequests)
        }
        let email = TextRules.clean(body.email)?.lowercased() ?? ""
        guard TextRules.isPlausibleEmail(email) else {
            var errors = FieldErrors()
            errors.add("email", "Enter the email address you sign in with.")
            return try await page(request, title: "Reset your password", errors: errors, email: body.email, sent: false, status: .unprocessableEntity)
        }
        if let user = try await StaffUser.query(on: request.db).filter(\.$email == email).filter(\.$isActive == true).first(),
           let userID = user.id {
            let token = SecureToken.make()
            let now = request.now
            let clinic = try await request.services.clinic.current(on: request.db)
            let link = "\(request.services.settings.publicBaseURL)/staff/password-reset/\(token)"
            try await request.db.writeTransaction { database in
                let reset = PasswordReset()
                reset.$staff.id = userID
                reset.tokenHash = HexDigest.sha256(token)
                reset.expiresAt = now.addingTimeInterval(Self.lifetime)
                reset.createdAt = now
                try await reset.create(on: database)
                try await Outbox.enqueue(to: email, subject: "Reset your password - \(clinic.name)", body: """
                    Hello,

                    Someone, hopefully you, asked to reset the password of your staff account at \(clinic.name).

                    To choose a new password, open this link within one hour:
                    \(link)

                    If you did not ask for this, ignore this email; your password stays as it is.
                    """, at: now, on: database)
            }
            try await request.audit(.update, recordType: "staff-account", recordID: userID.uuidString, detail: "password reset link sent")
            request.nudgeOutbox()
        }
        return try await page(request, title: "Check your inbox", errors: FieldErrors(), email: nil, sent: true)
    }

    private func validReset(_ request: Request) async throws -> PasswordReset? {
        guard let token = request.parameters.get("token"), token.count <= 100 else { return nil }
        guard let reset = try await PasswordReset.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).with(\.$staff).first(),
              reset.usedAt == nil, reset.expiresAt > request.now, reset.staff.isActive
        else { return nil }
        return reset
    }

    func newPasswordForm(_ request: Request) async throws -> Response {
        guard try await validReset(request) != nil else { return try await invalid(request) }
        return try await newPasswordPage(request, errors: FieldErrors())
    }

    func setPassword(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(NewPasswordBody.self, from: request)
        guard let reset = try await validReset(request), let resetID = reset.id, let staffID = reset.staff.id else { return try await invalid(request) }
        var errors = FieldErrors()
        let new = body.newPassword ?? ""
        if let problem = request.services.passwordPolicy.problem(with: new, email: reset.staff.email) {
            errors.add("newPassword", problem)
        } else if new != (body.confirmPassword ?? "") {
            errors.add("confirmPassword", "The two passwords are not the same.")
        }
        guard errors.isEmpty else { return try await newPasswordPage(request, errors: errors, status: .unprocessableEntity) }
        let hash = try await request.password.async.hash(new)
        let now = request.now
        // The link is used up by the same statement that checks it is unused and unexpired, inside
        // the transaction that sets the password: of two submissions only one sets a password.
        let used = try await request.db.writeTransaction { database -> Bool in
            guard try await database.claimUnused(PasswordReset.schema, id: resetID, at: now) else { return false }
            try await StaffUser.query(on: database).set(\.$passwordHash, to: hash)
                .filter(\.$id == staffID).filter(\.$isActive == true).update()
            try await AccountSessions.endAll(of: staffID, on: database)
            return true
        }
        guard used else { return try await invalid(request) }
        try await request.audit(.update, recordType: "staff-account", recordID: staffID.uuidString, detail: "password reset")
        return request.redirect(to: "/staff/sign-in?reset=1")
    }

    private func invalid(_ request: Request) async throws -> Response {
        let response = try await page(request, title: "This link is not valid", errors: FieldErrors(), email: nil, sent: false, linkInvalid: true)
        response.status = .notFound
        return response
    }

    private func page(_ request: Request, title: String, errors: FieldErrors, email: String?, sent: Bool,
                      linkInvalid: Bool = false, status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(title)),
            .if(sent, .p(.text("If that address belongs to a staff account, a link to choose a new password is on its way. It works for one hour."))),
            .if(linkInvalid, .p(.text("It may have expired, been used already, or been copied incompletely. You can ask for a new one."))),
            .if(!sent, .group(
                FormViews.errorSummary(errors),
                .form(
                    .class("form narrow"),
                    .method(.post),
                    .novalidate(),
                    .action("/staff/password-reset"),
                    FormViews.csrf(request.csrfToken),
                    FormViews.textField(name: "email", label: "Email address", value: email, error: errors["email"], type: .email,
                                        autocomplete: "username", maxLength: 254),
                    .button(.class("button"), .type(.submit), .text("Email me a link"))
                )
            )),
            .p(.a(.href("/staff/sign-in"), .text("Back to sign-in")))
        )
        return .html(PageLayout.render(title: title, chrome: chrome, content: content), status: status)
    }

    private func newPasswordPage(_ request: Request, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let token = request.parameters.get("token") ?? ""
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Choose a new password")),
            .p(.text("At least \(PasswordPolicy.minimumLength) characters; several unrelated words work well. You will be signed out everywhere and can then sign in with it.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form narrow"),
                .method(.post),
                .novalidate(),
                .action(attributeSafe("/staff/password-reset/\(token)")),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "newPassword", label: "New password", value: nil, error: errors["newPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                FormViews.textField(name: "confirmPassword", label: "New password again", value: nil, error: errors["confirmPassword"],
                                    type: .password, autocomplete: "new-password", maxLength: 1000),
                .button(.class("button"), .type(.submit), .text("Set my new password"))
            )
        )
        return .html(PageLayout.render(title: "Choose a new password", chrome: chrome, content: content), status: status)
    }
}
