import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// "Forgot your password?": an emailed one-time link, valid for an hour, that sets a new password
/// and signs the person out everywhere. The answer is the same whether or not the address has an
/// account.
struct PasswordResetController: SiteRouteCollection {
    static let lifetime: TimeInterval = 60 * 60

    func boot(site: SiteRoutes) throws {
        site.get(.passwordReset, use: requestForm)
        site.post(.passwordReset, use: requestLink)
        site.get(.passwordResetLink, use: newPasswordForm)
        site.post(.passwordResetLink, use: setPassword)
    }

    struct RequestBody: Content { var email: String? }
    struct NewPasswordBody: Content {
        var newPassword: String?
        var confirmPassword: String?
    }

    func requestForm(_ request: Request) async throws -> Response {
        try await page(request, .asking, errors: FieldErrors(), email: nil)
    }

    func requestLink(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(RequestBody.self, from: request)
        guard try await request.services.rateLimits.allowPublicForm(.passwordReset, from: request.clientAddress, at: request.now, on: request.db) else {
            throw Abort(.tooManyRequests)
        }
        let email = TextRules.clean(body.email)?.lowercased() ?? ""
        guard TextRules.isPlausibleEmail(email) else {
            var errors = FieldErrors()
            errors.add("email", "Enter the email address you sign in with.")
            return try await page(request, .asking, errors: errors, email: body.email, status: .unprocessableEntity)
        }
        if let user = try await StaffUser.query(on: request.db).filter(\.$email == email).filter(\.$isActive == true).first(),
           let userID = user.id {
            let token = SecureToken.make()
            let now = request.now
            let clinic = try await request.services.clinic.current(on: request.db)
            let link = request.services.settings.publicBaseURL + SitePath.passwordResetLink.link(token)
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
        return try await page(request, .sent, errors: FieldErrors(), email: nil)
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
            // Every other link to this account stops too: a second one asked for meanwhile, or a
            // welcome link, would set another password over the one just chosen.
            try await TeamChanges.endLinksAndSessions(of: staffID, at: now, on: database)
            return true
        }
        guard used else { return try await invalid(request) }
        try await request.audit(.update, recordType: "staff-account", recordID: staffID.uuidString, detail: "password reset")
        return request.redirect(to: SitePath.signIn.link(query: ["reset": "1"]))
    }

    private func invalid(_ request: Request) async throws -> Response {
        try await page(request, .linkInvalid, errors: FieldErrors(), email: nil, status: .notFound)
    }

    private func page(_ request: Request, _ stage: PasswordResetPage.Stage, errors: FieldErrors, email: String?,
                      status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = PasswordResetPage.Model(stage: stage, email: email, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, PasswordResetPage.view(model), status: status)
    }

    private func newPasswordPage(_ request: Request, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = NewPasswordPage.Model(token: request.parameters.get("token") ?? "", minimumLength: PasswordPolicy.minimumLength,
                                          errors: errors, csrfToken: request.csrfToken)
        return try await request.page(NewPasswordPage.title, NewPasswordPage.view(model), status: status)
    }
}
