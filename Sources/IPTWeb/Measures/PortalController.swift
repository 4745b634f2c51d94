import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The client portal, reached by a one-time link sent to the email the clinic has (no passwords,
/// and the same answer whether or not the address is known). A guardian of an IPT-A client signs
/// in with their own email and sees appointments and consents, not the adolescent's answers.
struct PortalController: RouteCollection {
    static let linkMinutes = 20
    static let idleMinutes = 30
    static let cookie = "ipt_portal"

    func boot(routes: any RoutesBuilder) throws {
        let portal = routes.grouped("portal")
        portal.get(use: home)
        portal.get("sign-in", use: signInForm)
        portal.post("sign-in", use: requestLink)
        portal.get("sign-in", ":token", use: linkPage)
        portal.post("sign-in", ":token", use: useLink)
        portal.post("sign-out", use: signOut)
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
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Your appointments and forms")),
            .p(.class("lede"), .text("Enter the email address you gave the clinic. We send a link that signs you in once, for \(Self.linkMinutes) minutes.")),
            FormViews.errorSummary(errors),
            .form(.class("form narrow"), .method(.post), .action("/portal/sign-in"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.textField(name: "email", label: "Email address", value: email, error: errors["email"], type: .email,
                                      autocomplete: "email", maxLength: 254),
                  .button(.class("button"), .type(.submit), .text("Email me a sign-in link")))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Sign in" : "Check the address: Sign in", chrome: try await request.chrome(), content: content),
                     status: status)
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
                    lines.append("\(guardian ? "As parent or guardian of \(client.name)" : "For \(client.name)"): \(request.services.settings.publicBaseURL)/portal/sign-in/\(token)")
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
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Sign in")),
            .form(.class("form"), .method(.post), .action(attributeSafe(request.url.path)),
                  FormViews.csrf(request.csrfToken),
                  .button(.class("button"), .type(.submit), .text("Continue to my appointments and forms")))
        )
        return .html(PageLayout.render(title: "Sign in", chrome: try await request.chrome(), content: content))
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
        let response = request.redirect(to: "/portal")
        response.cookies[Self.cookie] = HTTPCookies.Value(string: token, path: "/portal", isSecure: request.services.settings.secureCookies,
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
        guard let session = try await current(request) else { return request.redirect(to: "/portal/sign-in") }
        let client = session.client
        let clientID = try client.requireID()
        let setup = try await request.bookingSetup()
        let upcoming = try await Appointment.query(on: request.db).filter(\.$client.$id == clientID)
            .filter(\.$status == Appointment.Status.confirmed).filter(\.$startsAt > request.now).with(\.$staff).sort(\.$startsAt).all()
        let consents = try await ConsentRecord.query(on: request.db).filter(\.$client.$id == clientID).sort(\.$signedAt).all()
        // A guardian sees what concerns them (appointments, consents), not the adolescent's answers.
        let answered = try await MeasureResponse.query(on: request.db).filter(\.$client.$id == clientID)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).all()
            .filter { !session.asGuardian || $0.sharedWithGuardian }
            .map { ($0, try $0.score(request.services.keyRing)) }
        try await request.application.auditWriter.record(AuditEntry(
            actorID: nil, actorLabel: session.asGuardian ? "guardian (portal)" : "client (portal)", action: .view, recordType: "portal",
            subject: clientID.uuidString, requestID: request.referenceID))
        let ring = request.services.keyRing
        let waiting = session.asGuardian ? [] : try await MeasureResponse.query(on: request.db).filter(\.$client.$id == clientID)
            .filter(\.$status ~~ [.sent, .draft]).filter(\.$expiresAt > request.now).sort(\.$createdAt).all()
        let requests = session.asGuardian ? [] : try await RecordRequest.query(on: request.db).filter(\.$client.$id == clientID)
            .sort(\.$requestedAt, .descending).all()
        let notice: String? = switch request.query[String.self, at: "done"] {
        case "asked": "Your request for a copy of your record has reached the clinic."
        case "correction": "Your request for a correction has reached the clinic."
        default: nil
        }
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(session.asGuardian ? "\(client.name): appointments and consents" : "Your appointments and forms")),
            .h2(.text("Coming up")),
            .if(upcoming.isEmpty, .p(.text("No appointments booked."))),
            .ul(.forEach(upcoming) { appointment in
                let token = appointment.id.flatMap { try? ring.openOptional(appointment.manageTokenSealed, Appointment.manageTokenContext($0, client: appointment.$client.id)) } ?? nil
                return .li(.text("\(DateDisplay.when(appointment.startsAt, zone: setup.zone)), with \(appointment.staff.name)"),
                           .unwrap(token) { .group(.text(" - "), .a(.href(attributeSafe("/appointments/\($0)")), .text("cancel or change"))) })
            }),
            .h2(.text("Consents signed")),
            .if(consents.isEmpty, .p(.text("None yet."))),
            .ul(.forEach(consents) { consent in
                .li(.text("\(consent.kind.title), version \(consent.version), signed on \(DateDisplay.day(setup.zone.localDate(of: consent.signedAt)))"))
            }),
            .if(!waiting.isEmpty, .group(
                .h2(.text("Questionnaires waiting for you")),
                .ul(.forEach(waiting) { response in
                    .li(.a(.href("/portal/questionnaires/\(response.id!.uuidString)"),
                           .text("\(request.services.instruments.named(response.instrumentCode)?.name ?? response.instrumentCode)\(response.status == .draft ? " (started)" : "")")))
                }))),
            .if(!session.asGuardian || !answered.isEmpty, .group(
                .h2(.text(session.asGuardian ? "Questionnaires the clinician shared with you" : "Questionnaires you answered")),
                .if(answered.isEmpty, .p(.text("None yet."))),
                .ul(.forEach(answered) { response, score in
                    .li(.text("\(request.services.instruments.named(response.instrumentCode)?.name ?? response.instrumentCode), \(response.completedAt.map { DateDisplay.day(setup.zone.localDate(of: $0)) } ?? "")"),
                        .if(session.asGuardian, .text(": score \(score.map { "\($0.total) (\($0.band))" } ?? "-")")))
                }))),
            .if(!session.asGuardian, .group(
                .h2(.text("Your record")),
                .unwrap(notice) { .p(.class("notice"), .attribute(named: "role", value: "status"), .text($0)) },
                .if(requests.isEmpty, .p(.text("You can ask for a copy of everything the clinic keeps about you, and for corrections. The clinic answers within 30 days."))),
                .ul(.forEach(requests) { row in
                    .li(.text("\(row.kind == RecordRequest.Kind.access ? "A copy of your record" : "A correction"), asked \(DateDisplay.day(setup.zone.localDate(of: row.requestedAt))): \(RecordExport.statusLabel(row.status))"),
                        .if(row.status == RecordRequest.Status.open, .text(", due by \(LocalDate(iso: row.dueOn).map(DateDisplay.day) ?? row.dueOn)")))
                }),
                .if(requests.contains { $0.kind == RecordRequest.Kind.access && $0.status == RecordRequest.Status.provided },
                    .p(.a(.class("button"), .href("/portal/record"), .text("Read your record")))),
                .div(.class("button-row"),
                     .form(.class("inline-form"), .method(.post), .action("/portal/record-request"), FormViews.csrf(request.csrfToken),
                           .button(.class("button secondary"), .type(.submit), .text("Ask for a copy of my record"))),
                     .a(.class("button secondary"), .href("/portal/correction"), .text("Ask for a correction"))))),
            .form(.class("form inline-form"), .method(.post), .action("/portal/sign-out"), FormViews.csrf(request.csrfToken),
                  .button(.class("button secondary"), .type(.submit), .text("Sign out")))
        )
        return .html(PageLayout.render(title: "Your appointments and forms", chrome: try await request.chrome(), content: content))
    }

    func signOut(_ request: Request) async throws -> Response {
        if let token = request.sentCookies[Self.cookie] {
            try await PortalSession.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).delete()
        }
        let response = request.redirect(to: "/portal/sign-in")
        response.cookies[Self.cookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/portal", isHTTPOnly: true)
        return response
    }
}
