import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The client portal, reached by a one-time link sent to the email the clinic has (no passwords,
/// and the same answer whether or not the address is known). A guardian of an IPT-A client signs
/// in with their own email and sees appointments and consents, not the adolescent's answers.
struct PortalController: SiteRouteCollection {
    static let linkMinutes = 20
    static let idleMinutes = 30
    static let cookie = "ipt_portal"

    func boot(site: SiteRoutes) throws {
        site.get(.portal, use: home)
        site.get(.portalSignIn, use: signInForm)
        site.post(.portalSignIn, use: requestLink)
        site.get(.portalSignInLink, use: linkPage)
        site.post(.portalSignInLink, use: useLink)
        site.post(.portalSignOut, use: signOut)
    }

    struct EmailBody: Content {
        var email: String?
    }

    func signInForm(_ request: Request) async throws -> Response {
        try await renderSignIn(request, email: nil, error: nil)
    }

    private func renderSignIn(_ request: Request, email: String?, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        var errors = FieldErrors()
        if let error { errors.add("email", error) }
        let model = PortalSignInPage.Model(email: email, linkMinutes: Self.linkMinutes, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, PortalSignInPage.view(model), status: status)
    }

    func requestLink(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(EmailBody.self, from: request)
        guard request.services.rateLimits.allowPublicForm(.portalSignIn, from: request.clientAddress, at: request.now) else { throw Abort(.tooManyRequests) }
        guard let email = TextRules.clean(body.email), TextRules.length(body.email) <= 254, TextRules.isPlausibleEmail(email) else {
            return try await renderSignIn(request, email: body.email, error: "Enter an email address like name@example.com.", status: .unprocessableEntity)
        }
        let address = email.lowercased()
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        // The client's own address, or a guardian's; either way the same page follows.
        let asClient = try await ClientRecord.query(on: request.db).filter(\.$email == address).all()
        let asGuardian = try await ClientRecord.query(on: request.db).filter(\.$guardianEmail == address).all()
        let targets = asClient.map { ($0, false) } + asGuardian.map { ($0, true) }
        if !targets.isEmpty {
            try await request.db.writeTransaction { db in
                var lines: [String] = []
                for (client, guardian) in targets.prefix(5) {
                    let token = SecureToken.make()
                    let link = PortalLink()
                    link.$client.id = try client.requireID()
                    link.asGuardian = guardian
                    link.tokenHash = HexDigest.sha256(token)
                    link.expiresAt = now.addingTimeInterval(TimeInterval(Self.linkMinutes * 60))
                    link.createdAt = now
                    try await link.create(on: db)
                    lines.append("\(guardian ? "As parent or guardian of \(client.name)" : "For \(client.name)"): \(request.services.settings.publicBaseURL)\(SitePath.portalSignInLink.link(token))")
                }
                try await Outbox.enqueue(
                    to: address, subject: "Your sign-in link - \(clinic.name)",
                    body: """
                    Hello,

                    Here is your link to the clinic's page for your appointments and forms. It works once, for \(Self.linkMinutes) minutes:

                    \(lines.joined(separator: "\n\n"))

                    If you did not ask for it, ignore this email.

                    \(clinic.name)
                    """, at: now, on: db)
            }
            request.nudgeOutbox()
        }
        return try await request.messagePage(title: "Check your inbox", paragraphs: [
            "If the clinic has this address, a sign-in link is on its way. It works once, for \(Self.linkMinutes) minutes.",
        ])
    }

    private func link(_ request: Request) async throws -> PortalLink? {
        guard let token = request.parameters.get("token"), token.count <= 100 else { return nil }
        return try await PortalLink.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).first()
    }

    func linkPage(_ request: Request) async throws -> Response {
        guard let link = try await link(request), link.usedAt == nil, link.expiresAt > request.now else {
            return try await invalid(request)
        }
        let model = PortalLinkPage.Model(token: request.parameters.get("token") ?? "", csrfToken: request.csrfToken)
        return try await request.page("Sign in", PortalLinkPage.view(model))
    }

    private func invalid(_ request: Request) async throws -> Response {
        try await request.messagePage(title: "This sign-in link has expired or was used",
                                      paragraphs: ["Links work once, for \(Self.linkMinutes) minutes. Ask for a new one on the sign-in page."], status: .gone)
    }

    func useLink(_ request: Request) async throws -> Response {
        guard let found = try await link(request), let linkID = found.id else { return try await invalid(request) }
        let now = request.now
        let token = SecureToken.make()
        // Used once: only the request whose update marks it used gets a session.
        let session = try await request.db.writeTransaction { db -> PortalSession? in
            guard try await db.claimUnused(PortalLink.schema, id: linkID, at: now) else { return nil }
            let session = PortalSession()
            session.$client.id = found.$client.id
            session.asGuardian = found.asGuardian
            session.tokenHash = HexDigest.sha256(token)
            session.createdAt = now
            session.lastSeenAt = now
            try await session.create(on: db)
            return session
        }
        guard let session else { return try await invalid(request) }
        try await request.application.auditWriter.record(AuditEntry(
            actorID: nil, actorLabel: session.asGuardian ? "guardian (portal)" : "client (portal)", action: .signIn, recordType: "portal",
            subject: session.$client.id.uuidString, requestID: request.referenceID))
        let response = request.redirect(to: SitePath.portal.link)
        response.cookies[Self.cookie] = HTTPCookies.Value(string: token, path: SitePath.portal.link, isSecure: request.services.settings.secureCookies,
                                                          isHTTPOnly: true, sameSite: .lax)
        return response
    }

    /// The signed-in portal session, if the cookie names a live one (idle sessions end).
    func current(_ request: Request) async throws -> PortalSession? {
        guard let token = request.sentCookies[Self.cookie], token.count <= 100,
              let session = try await PortalSession.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).with(\.$client).first()
        else { return nil }
        guard request.now.timeIntervalSince(session.lastSeenAt) < TimeInterval(Self.idleMinutes * 60) else {
            try await session.delete(on: request.db)
            return nil
        }
        session.lastSeenAt = request.now
        try await session.update(on: request.db)
        return session
    }

    func home(_ request: Request) async throws -> Response {
        guard let session = try await current(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let clientID = try session.client.requireID()
        let data = try await MeasuresQueries.portalHome(clientID, asGuardian: session.asGuardian, now: request.now, on: request.db)
        try await request.application.auditWriter.record(AuditEntry(
            actorID: nil, actorLabel: session.asGuardian ? "guardian (portal)" : "client (portal)", action: .view, recordType: "portal",
            subject: clientID.uuidString, requestID: request.referenceID))
        let model = try homeModel(request, session: session, data: data, zone: try await request.bookingSetup().zone)
        return try await request.page("Your appointments and forms", PortalHomePage.view(model))
    }

    private func homeModel(_ request: Request, session: PortalSession, data: MeasuresQueries.PortalHome, zone: ClinicTimeZone) throws -> PortalHomePage.Model {
        let ring = request.services.keyRing
        let instruments = request.services.instruments
        func day(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        let notice: String? = switch request.query[String.self, at: "done"] {
        case "asked": "Your request for a copy of your record has reached the clinic."
        case "correction": "Your request for a correction has reached the clinic."
        default: nil
        }
        return PortalHomePage.Model(
            clientName: session.client.name, asGuardian: session.asGuardian,
            upcoming: data.upcoming.map { appointment in
                let token = appointment.id.flatMap { try? ring.openOptional(appointment.manageTokenSealed, Appointment.manageTokenContext($0, client: appointment.$client.id)) } ?? nil
                return .init(text: "\(DateDisplay.when(appointment.startsAt, zone: zone)), with \(appointment.staff.name)", manageToken: token)
            },
            consents: data.consents.map { "\($0.kind.title), version \($0.version), signed on \(day($0.signedAt))" },
            waiting: data.waiting.map { response in
                .init(responseID: response.id?.uuidString ?? "",
                      label: "\(instruments.named(response.instrumentCode)?.name ?? response.instrumentCode)\(response.status == .draft ? " (started)" : "")")
            },
            answered: try data.answered.map { response in
                let score = try response.score(ring)
                return .init(label: "\(instruments.named(response.instrumentCode)?.name ?? response.instrumentCode), \(response.completedAt.map(day) ?? "")",
                             score: session.asGuardian ? score.map { "\($0.total) (\($0.band))" } ?? "-" : nil)
            },
            notice: notice,
            requests: data.requests.map { row in
                .init(text: "\(row.kind == RecordRequest.Kind.access ? "A copy of your record" : "A correction"), asked \(day(row.requestedAt)): \(RecordExport.statusLabel(row.status))",
                      due: row.status == RecordRequest.Status.open ? LocalDate(iso: row.dueOn).map(DateDisplay.day) ?? row.dueOn : nil)
            },
            mayReadRecord: data.requests.contains { $0.kind == RecordRequest.Kind.access && $0.status == RecordRequest.Status.provided },
            csrfToken: request.csrfToken)
    }

    func signOut(_ request: Request) async throws -> Response {
        if let token = request.sentCookies[Self.cookie] {
            try await PortalSession.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).delete()
        }
        let response = request.redirect(to: SitePath.portalSignIn.link)
        response.cookies[Self.cookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: SitePath.portal.link, isHTTPOnly: true)
        return response
    }
}
