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
    /// However busy, a portal session ends twelve hours after sign-in, as a staff session does: a
    /// session kept alive on a shared or lost device does not last for ever.
    static let absoluteHours = 12
    static let cookie = "ipt_portal"
    /// Marks the browser that asked for a sign-in link.
    static let browserCookie = "ipt_portal_asked"

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
        guard try await request.services.rateLimits.allowPublicForm(.portalSignIn, from: request.clientAddress, at: request.now, on: request.db) else { throw Abort(.tooManyRequests) }
        guard let email = TextRules.clean(body.email), TextRules.length(body.email) <= 254, TextRules.isPlausibleEmail(email) else {
            return try await renderSignIn(request, email: body.email, error: "Enter an email address like name@example.com.", status: .unprocessableEntity)
        }
        let address = email.lowercased()
        let now = request.now
        // The browser that asks gets a cookie; the link opened in it signs in at once (see linkPage).
        let browserToken = request.sentCookies[Self.browserCookie].flatMap { $0.count <= 100 ? $0 : nil } ?? SecureToken.make()
        let clinic = try await request.services.clinic.current(on: request.db)
        // The client's own address, or a guardian's; either way the same page follows.
        let asClient = try await ClientRecord.query(on: request.db).filter(\.$email == address).all()
        let today = clinic.zone.localDate(of: now)
        let asGuardian = try await ClientRecord.query(on: request.db).filter(\.$guardianEmail == address).all()
            .filter { Self.guardianMayAct(for: $0, today: today) }
        // A record that holds nothing but times never confirmed is left out: anyone can make one by
        // booking with an address, and five of them pushed a real record out of the email.
        let candidates = asClient.map { ($0, false) } + asGuardian.map { ($0, true) }
        let ids = candidates.compactMap { $0.0.id }
        let statuses = ids.isEmpty ? [] : try await Appointment.query(on: request.db).filter(\.$client.$id ~~ ids).all()
            .map { ($0.$client.id, $0.status) }
        let unconfirmedOnly = Set(ids.filter { id in
            let own = statuses.filter { $0.0 == id }.map(\.1)
            return !own.isEmpty && own.allSatisfy { [.held, .expired].contains($0) }
        })
        let targets = candidates.filter { !unconfirmedOnly.contains($0.0.id ?? UUID()) }
        let names = Dictionary(grouping: targets.map(\.0.name), by: { $0 }).mapValues(\.count)
        if !targets.isEmpty {
            try await request.db.writeTransaction { db in
                var lines: [String] = []
                for (client, guardian) in targets.prefix(5) {
                    let token = SecureToken.make()
                    let link = PortalLink()
                    link.$client.id = try client.requireID()
                    link.asGuardian = guardian
                    link.tokenHash = HexDigest.sha256(token)
                    link.browserHash = HexDigest.sha256(browserToken)
                    link.expiresAt = now.addingTimeInterval(TimeInterval(Self.linkMinutes * 60))
                    link.createdAt = now
                    try await link.create(on: db)
                    // Two records of the same name (a duplicate not yet merged) are told apart.
                    let which = (names[client.name] ?? 0) > 1 ? " (record opened \(DateDisplay.day(clinic.zone.localDate(of: client.createdAt))))" : ""
                    lines.append("\(guardian ? "As parent or guardian of \(client.name)" : "For \(client.name)")\(which): \(request.services.settings.publicBaseURL)\(SitePath.portalSignInLink.link(token))")
                }
                if targets.count > 5 {
                    lines.append("More records use this address than one email lists; please call \(clinic.phone) and we will sort them out.")
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
        let response = try await request.messagePage(title: "Check your inbox", paragraphs: [
            "If the clinic has this address, a sign-in link is on its way. It works once, for \(Self.linkMinutes) minutes.",
            "Open it on this device and you are signed in straight away. On another device, you press one button first.",
        ])
        // Set whether or not the address is known, so the answer reveals nothing.
        response.cookies[Self.browserCookie] = HTTPCookies.Value(
            string: browserToken, expires: now.addingTimeInterval(TimeInterval(Self.linkMinutes * 60)), path: SitePath.portal.link,
            isSecure: request.services.settings.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return response
    }

    private func link(_ request: Request) async throws -> PortalLink? {
        guard let token = request.parameters.get("token"), token.count <= 100 else { return nil }
        return try await PortalLink.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).first()
    }

    /// A sign-in link opened by GET. Mail scanners (Outlook Safe Links and the like) fetch links
    /// before the person does, so a GET alone must not use the link up. It signs in at once only
    /// when it comes from the browser that asked for the link (its cookie, which no scanner has);
    /// anywhere else it shows one button that posts. See docs/DESIGN.md, "Portal sign-in links".
    func linkPage(_ request: Request) async throws -> Response {
        guard let link = try await link(request), link.usedAt == nil, link.expiresAt > request.now else {
            return try await invalid(request)
        }
        if let expected = link.browserHash, let sent = request.sentCookies[Self.browserCookie], sent.count <= 100,
           HexDigest.sha256(sent) == expected {
            return try await signIn(request, with: link)
        }
        let model = PortalLinkPage.Model(token: request.parameters.get("token") ?? "", csrfToken: request.csrfToken)
        return try await request.page("Sign in", PortalLinkPage.view(model))
    }

    private func invalid(_ request: Request) async throws -> Response {
        try await request.messagePage(title: "This sign-in link has expired or was used",
                                      paragraphs: ["Links work once, for \(Self.linkMinutes) minutes. Ask for a new one on the sign-in page."], status: .gone)
    }

    func useLink(_ request: Request) async throws -> Response {
        guard let found = try await link(request) else { return try await invalid(request) }
        return try await signIn(request, with: found)
    }

    /// Claims the link (one conditional UPDATE: of two requests at once, one wins) and opens a session.
    private func signIn(_ request: Request, with found: PortalLink) async throws -> Response {
        guard let linkID = found.id else { return try await invalid(request) }
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
        response.cookies[Self.browserCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: SitePath.portal.link, isHTTPOnly: true)
        return response
    }

    /// What a guardian meets on a page that is the client's alone (their questionnaires, their
    /// record, corrections): a plain 403 that says so, not the sign-in page.
    static func clientsOwn(_ session: PortalSession) -> Abort {
        Abort(.forbidden, reason: "This page is for \(session.client.name) alone. As parent or guardian you see their appointments and consents.")
    }

    /// A parent or guardian acts for a client under 18 only: on the 18th birthday the record is
    /// the young adult's alone, and a session or link the guardian already has stops working.
    static func guardianMayAct(for client: ClientRecord, today: LocalDate) -> Bool {
        guard let born = LocalDate(iso: client.dateOfBirth) else { return false }
        return BookingDetails.age(born: born, on: today) < 18
    }

    /// The signed-in portal session, if the cookie names a live one (idle sessions end).
    func current(_ request: Request) async throws -> PortalSession? {
        guard let token = request.sentCookies[Self.cookie], token.count <= 100,
              let session = try await PortalSession.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).with(\.$client).first()
        else { return nil }
        guard request.now.timeIntervalSince(session.lastSeenAt) < TimeInterval(Self.idleMinutes * 60),
              request.now.timeIntervalSince(session.createdAt) < TimeInterval(Self.absoluteHours * 3600) else {
            try await session.delete(on: request.db)
            return nil
        }
        if session.asGuardian {
            let zone = try await request.services.clinic.current(on: request.db).zone
            guard Self.guardianMayAct(for: session.client, today: zone.localDate(of: request.now)) else {
                try await session.delete(on: request.db)
                return nil
            }
        }
        session.lastSeenAt = request.now
        try await session.update(on: request.db)
        return session
    }

    func home(_ request: Request) async throws -> Response {
        guard let session = try await current(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let clientID = try session.client.requireID()
        let setup = try await request.bookingSetup()
        let data = try await MeasuresQueries.portalHome(clientID, asGuardian: session.asGuardian, now: request.now, on: request.db)
        let appointments = try await PortalQueries.appointments(of: clientID, now: request.now, on: request.db)
        var forms: (intakes: [IntakeRecord], selfAssessments: [SelfAssessmentRecord]) = ([], [])
        if !session.asGuardian { forms = try await PortalQueries.waitingForms(of: clientID, now: request.now, on: request.db) }
        let again = try await PortalQueries.bookAgain(after: appointments.upcoming + appointments.recent, setup: setup, on: request.db)
        // The chart is the client's own: shown only when the care team chose to, never to a guardian.
        let charts: [PortalHomePage.ScoreChart]? = try !session.asGuardian && session.client.scoresInPortal ? scoreCharts(request, data.answered) : nil
        try await request.application.auditWriter.record(AuditEntry(
            actorID: nil, actorLabel: Self.actor(session), action: .view, recordType: "portal",
            subject: clientID.uuidString, requestID: request.referenceID, detail: charts == nil ? nil : "with score chart"))
        var model = try homeModel(request, session: session, data: data, zone: setup.zone)
        model.upcoming = appointments.upcoming.map { Self.card($0, setup: setup, now: request.now, request: request) }
        model.recent = appointments.recent.map { Self.card($0, setup: setup, now: request.now, request: request) }
        model.toDos += Self.formToDos(forms, zone: setup.zone)
        if let again {
            model.bookAgain = [PortalHomePage.BookAgain(clinician: again.0.name,
                                                        href: SitePath.bookTimes.link(query: ["type": again.1.code, "with": again.0.slug]))]
        }
        model.charts = charts
        model.timesNote = "Times are \(setup.zone.displayName(at: request.now))."
        return try await request.page(model.title, PortalHomePage.view(model))
    }

    /// Intake forms and self-assessments waiting, as to-dos whose button posts (the form's link is made then).
    static func formToDos(_ forms: (intakes: [IntakeRecord], selfAssessments: [SelfAssessmentRecord]), zone: ClinicTimeZone) -> [PortalHomePage.ToDo] {
        func sent(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        let intakes = forms.intakes.map { intake in
            PortalHomePage.ToDo(label: "Intake forms", detail: "Sent \(sent(intake.createdAt)): your details and consents, before the first session.",
                                button: "Fill in the intake forms", action: .post(SitePath.portalFormOpen.link("intake", intake.id?.uuidString ?? "")))
        }
        let assessments = forms.selfAssessments.map { form in
            PortalHomePage.ToDo(label: "Self-assessment", detail: "Sent \(sent(form.createdAt)): a few questions to think over before you meet.",
                                button: "Start the self-assessment", action: .post(SitePath.portalFormOpen.link("self-assessment", form.id?.uuidString ?? "")))
        }
        return intakes + assessments
    }

    static func actor(_ session: PortalSession) -> String { session.asGuardian ? "guardian (portal)" : "client (portal)" }

    /// The header every portal page starts with.
    static func header(_ session: PortalSession, request: Request) -> PortalHomePage.Header {
        PortalHomePage.Header(clientName: session.client.name,
                              guardianFor: session.asGuardian ? String(session.client.name.split(separator: " ").first ?? "") : nil,
                              csrfToken: request.csrfToken)
    }

    /// A card for one appointment, with what the cancellation rules allow right now.
    static func card(_ appointment: Appointment, setup: BookingSetup, now: Date, request: Request) -> PortalHomePage.Card {
        let id = appointment.id?.uuidString ?? ""
        let isUpcoming = appointment.status == .confirmed && appointment.startsAt > now
        let allowed: PortalHomePage.Allowed
        if !isUpcoming {
            allowed = .nothing
        } else {
            allowed = switch setup.cancellation.outcome(cancellingAt: now, appointmentStart: appointment.startsAt) {
            case .withinPolicy:
                .moveOrCancel(deadline: shortWhen(appointment.startsAt.addingTimeInterval(-TimeInterval(setup.cancellation.noticeHours * 3600)), zone: setup.zone))
            case .late(let fee): .lateCancelOnly(noticeHours: setup.cancellation.noticeHours, fee: fee?.formatted)
            case .tooLate: .nothing
            }
        }
        let place = AppointmentKind.isByPhone(code: appointment.typeCode) ? "By phone" : appointment.location?.name ?? "At the clinic"
        let calendar = isUpcoming ? PortalCalendarLinks.links(appointment, place: place, clinic: request.services.clinic.lastKnown?.name ?? "", id: id) : nil
        return PortalHomePage.Card(
            id: id, title: setup.kind(appointment.typeCode)?.name ?? "Appointment", clinician: appointment.staff.name,
            when: "\(shortWhen(appointment.startsAt, zone: setup.zone)) to \(DateDisplay.time(appointment.endsAt, zone: setup.zone))", place: place,
            status: appointment.status == .confirmed ? (isUpcoming ? nil : "Booked") : appointment.status.label,
            allowed: allowed, calendar: calendar)
    }

    /// "Sunday, December 6, 2026 at 10 a.m.": the zone is said once on the page, not on every card.
    static func shortWhen(_ instant: Date, zone: ClinicTimeZone) -> String {
        "\(DateDisplay.day(zone.localDate(of: instant))) at \(DateDisplay.time(instant, zone: zone))"
    }

    /// The client's own score charts, one per questionnaire answered, oldest score first.
    private func scoreCharts(_ request: Request, _ answered: [MeasureResponse]) throws -> [PortalHomePage.ScoreChart] {
        let byInstrument = Dictionary(grouping: answered, by: \.instrumentCode)
        return try request.services.instruments.all.compactMap { instrument in
            guard let rows = byInstrument[instrument.code] else { return nil }
            let points = try rows.compactMap { row in try row.total(request.services.keyRing).flatMap { total in row.completedAt.map { ($0, total) } } }
            return PortalHomePage.ScoreChart(instrument: instrument, points: points.sorted { $0.0 < $1.0 })
        }
    }

    private func homeModel(_ request: Request, session: PortalSession, data: MeasuresQueries.PortalHome, zone: ClinicTimeZone) throws -> PortalHomePage.Model {
        let ring = request.services.keyRing
        let instruments = request.services.instruments
        func day(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        let notice: String? = switch request.query[String.self, at: "done"] {
        case "asked": "Your request for a copy of your record has reached the clinic."
        case "correction": "Your request for a correction has reached the clinic."
        case "cancelled": "Your appointment is cancelled. A confirmation is on its way by email."
        case "late-cancelled": "Your appointment is cancelled and recorded as a late cancellation. A confirmation is on its way by email."
        case "moved": "Your appointment is moved. An email with the new time and an updated calendar file is on its way."
        default: nil
        }
        return PortalHomePage.Model(
            header: Self.header(session, request: request), notice: notice, upcoming: [], recent: [], clinicPhone: request.clinicPhone,
            toDos: data.waiting.map { response in
                .init(label: "\(instruments.named(response.instrumentCode)?.name ?? response.instrumentCode) questionnaire",
                      detail: response.status == .draft ? "Started; your answers so far are kept." : "Sent \(day(response.createdAt)). It takes a few minutes.",
                      button: response.status == .draft ? "Carry on" : "Answer now",
                      action: .link(SitePath.portalQuestionnaire.link(response.id?.uuidString ?? "")))
            },
            bookAgain: [], charts: nil, zone: zone,
            consents: data.consents.map { "\($0.kind.title), version \($0.version), signed on \(day($0.signedAt))" },
            answered: try data.answered.map { response in
                let score = try response.score(ring)
                return .init(label: "\(instruments.named(response.instrumentCode)?.name ?? response.instrumentCode), \(response.completedAt.map(day) ?? "")",
                             score: session.asGuardian ? score.map { "\($0.total) (\($0.band))" } ?? "-" : nil)
            },
            requests: try data.requests.map { row in
                // The answer to a correction is the client's to read here, with or without a copy of the record.
                let answer = row.kind == .correction && row.status != .open
                    ? try ring.openOptional(row.responseSealed, RecordRequest.responseContext(row.id!, client: row.$client.id)).flatMap(CorrectionAnswer.decode)?.summary
                    : nil
                return .init(text: "\(row.kind == RecordRequest.Kind.access ? "A copy of your record" : "A correction"), asked \(day(row.requestedAt)): \(RecordExport.statusLabel(row.status))",
                             due: row.status == RecordRequest.Status.open ? LocalDate(iso: row.dueOn).map(DateDisplay.day) ?? row.dueOn : nil,
                             answer: answer, refused: row.kind == .correction && row.status == .refused)
            },
            mayReadRecord: data.requests.contains { $0.kind == RecordRequest.Kind.access && $0.status == RecordRequest.Status.provided })
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
