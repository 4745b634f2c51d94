import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import SQLKit
import Vapor

/// Sending a questionnaire: by the clinician from an appointment, or by the clinic's cadence.
enum Questionnaires {
    /// How long a questionnaire link stays open.
    static let linkDays = 14

    /// Creates the response rows and emails the links (naming no questionnaire), in one transaction.
    /// With `claimingCadence`, the appointment's cadence claim is taken in the same transaction and
    /// nothing is sent (an empty result) when another run took it first.
    static func send(_ instruments: [Instrument], for appointment: Appointment, client: ClientRecord, database: any Database,
                     services: AppServices, now: Date, claimingCadence: Bool = false) async throws -> [MeasureResponse] {
        let clinic = try await services.clinic.current(on: database)
        let base = services.settings.publicBaseURL
        var links: [String] = []
        let responses = try instruments.map { instrument in
            let token = SecureToken.make()
            links.append("\(base)/questionnaire/\(token)")
            let response = MeasureResponse()
            response.sharedWithGuardian = false
            response.id = UUID()
            response.$client.id = try client.requireID()
            response.$clinician.id = appointment.$staff.id
            response.$appointment.id = appointment.id
            response.instrumentCode = instrument.code
            response.tokenHash = HexDigest.sha256(token)
            response.status = .sent
            response.createdAt = now
            response.expiresAt = now.addingTimeInterval(TimeInterval(linkDays * 86_400))
            return response
        }
        let allLinks = links
        let appointmentID = try appointment.requireID()
        let sent = try await database.writeTransaction { db -> Bool in
            let links = allLinks
            if claimingCadence {
                let claimed = try await (db as! any SQLDatabase).update(Appointment.schema).set("cadence_sent_at", to: now)
                    .where("id", .equal, appointmentID).where("cadence_sent_at", .is, SQLLiteral.null).returning("id").all()
                guard !claimed.isEmpty else { return false }
            }
            for response in responses { try await response.create(on: db) }
            // The email names no questionnaire: a mailbox is no place for that.
            let ask = links.count == 1
                ? "please answer a few short questions about the last two weeks. It takes about five minutes, and your clinician will go over it with you:"
                : "please answer \(links.count) short sets of questions about the last two weeks, one per link. Each takes about five minutes, and your clinician will go over them with you:"
            try await Outbox.enqueue(
                to: client.email, subject: "A few questions before your appointment - \(clinic.name)",
                body: """
                Hello,

                Before your next appointment, \(ask)

                \(links.joined(separator: "\n\n"))

                The link\(links.count == 1 ? " works" : "s work") for \(linkDays) days.

                If you are in crisis, call or text 9-8-8 at any time. If you or someone else is in immediate danger, call 911.

                \(clinic.name)
                """, at: now, on: db)
            return true
        }
        return sent ? responses : []
    }

    /// The clinic's cadence (every 4th session unless the clinic changes it): before every Nth session
    /// of a client with a clinician, the PHQ-9 (or the PHQ-A for IPT-A clients) and the GAD-7 go out
    /// 48 hours ahead. Each appointment gets them once.
    static func sendByCadence(app: Application, now: Date) async throws {
        guard let every = try await BookingSettingsRow.query(on: app.db).first()?.measureEvery, every > 0 else { return }
        let sessions = ["ipt-session", "ipt-a-session", "assessment", "maintenance"]
        let soon = try await Appointment.query(on: app.db).filter(\.$status == Appointment.Status.confirmed)
            .filter(\.$startsAt > now).filter(\.$startsAt <= now.addingTimeInterval(48 * 3600))
            .filter(\.$typeCode ~~ sessions).filter(\.$client.$id != nil).with(\.$client).all()
        var firstFailure: (any Error)?
        for appointment in soon {
            // One appointment that cannot be sent must not hold up the others; the job still
            // reports the failure (logged at error level, shown to the director).
            do {
                try await sendByCadence(appointment, every: every, sessions: sessions, app: app, now: now)
            } catch {
                app.logger.error("Questionnaire by cadence failed for one appointment: \(String(describing: type(of: error)))")
                firstFailure = firstFailure ?? error
            }
        }
        app.services.outboxWorker?.nudge()
        if let firstFailure { throw firstFailure }
    }

    private static func sendByCadence(_ appointment: Appointment, every: Int, sessions: [String], app: Application, now: Date) async throws {
        guard let client = appointment.client, let appointmentID = appointment.id, let clientID = client.id, appointment.cadenceSentAt == nil else { return }
        guard try await MeasureResponse.query(on: app.db).filter(\.$appointment.$id == appointmentID).count() == 0 else { return }
        // This appointment's number among the client's sessions with this clinician.
        let earlier = try await Appointment.query(on: app.db).filter(\.$client.$id == clientID).filter(\.$staff.$id == appointment.$staff.id)
            .filter(\.$typeCode ~~ sessions).filter(\.$status ~~ [Appointment.Status.confirmed, Appointment.Status.attended])
            .filter(\.$startsAt < appointment.startsAt).count()
        guard earlier % every == 0 else { return }
        // Depression and anxiety together, as the public pages promise; the PHQ-A for IPT-A clients.
        let instruments: [Instrument] = [client.programme == Programme.adolescent.rawValue ? .phqA : .phq9, .gad7]
        let sent = try await send(instruments, for: appointment, client: client, database: app.db, services: app.services, now: now,
                                  claimingCadence: true)
        for (response, instrument) in zip(sent, instruments) {
            try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "scheduler", action: .create, recordType: "measure-response",
                                                        recordID: response.id?.uuidString, subject: clientID.uuidString,
                                                        detail: "\(instrument.code) sent by cadence (every \(every))"))
        }
    }
}

/// Sending a questionnaire from an appointment, and the risk alerts a clinician must follow up.
struct AlertsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("staff", "appointments", ":id", "questionnaire", use: sendQuestionnaire)
        let alerts = routes.grouped("staff", "alerts")
        alerts.get(use: list)
        alerts.get(":id", use: show)
        alerts.post(":id", "close", use: close)
    }

    struct SendBody: Content {
        var instrument: String?
    }

    func sendQuestionnaire(_ request: Request) async throws -> Response {
        let (appointment, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
        let body = try FormInput.decode(SendBody.self, from: request)
        let id = try appointment.requireID()
        guard let instrument = request.services.instruments.named(body.instrument ?? "") else {
            throw Abort(.badRequest, reason: "Choose one of the questionnaires offered.")
        }
        guard let response = try await Questionnaires.send([instrument], for: appointment, client: client, database: request.db,
                                                           services: request.services, now: request.now).first else { throw Abort(.internalServerError) }
        request.nudgeOutbox()
        try await request.audit(.create, recordType: "measure-response", recordID: response.id?.uuidString, subject: client.id?.uuidString,
                                detail: "\(instrument.code) sent")
        return request.redirect(to: "/staff/appointments/\(id.uuidString)?done=sent")
    }

    /// The alerts this person must see: those about clients on their care team now, and for the
    /// director (to whom alerts escalate), every one.
    static func visible(_ staff: CurrentStaff, now: Date, on database: any Database) async throws -> QueryBuilder<RiskAlert> {
        let query = RiskAlert.query(on: database).with(\.$client).with(\.$clinician)
        guard staff.role != .admin else { return query }
        // Also those addressed to this person: an alert about a client nobody has accepted yet goes
        // to the clinician the answers came from, who must be able to act on it.
        let clients = try await CareTeamQueries.clients(of: staff.id, at: now, on: database)
        return query.group(.or) { group in
            group.filter(\.$client.$id ~~ Array(clients)).filter(\.$clinician.$id == staff.id).filter(\.$supervisor.$id == staff.id)
        }
    }

    /// The care-team check for an alert, except for the people it was addressed to.
    private func requireAccess(_ request: Request, to alert: RiskAlert, staff: CurrentStaff) async throws {
        guard alert.$clinician.id != staff.id, alert.$supervisor.id != staff.id else { return }
        try await request.requireClinicalAccess(to: alert.$client.id)
    }

    func list(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let open = try await Self.visible(staff, now: request.now, on: request.db).filter(\.$status == .open).sort(\.$createdAt).all()
        try await request.audit(.view, recordType: "risk-alert-list", detail: "open=\(open.count)")
        let zone = (try await request.services.clinic.current(on: request.db)).timeZone
        let rows = open.map { alert in
            AlertListPage.Row(id: alert.id?.uuidString ?? "", raised: DateDisplay.dateTime(alert.createdAt, timeZone: zone),
                              client: alert.client.name, clinician: alert.clinician.name, escalated: alert.escalatedAt != nil)
        }
        return .html(PageLayout.render(title: "Safety alerts", chrome: try await request.chrome(), content: AlertListPage.view(rows)))
    }

    private func find(_ request: Request, staff: CurrentStaff) async throws -> RiskAlert {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let alert = try await Self.visible(staff, now: request.now, on: request.db).filter(\.$id == id).with(\.$response).with(\.$note).with(\.$closedBy).first()
        else { throw Abort(.notFound) }
        return alert
    }

    func show(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let alert = try await find(request, staff: staff)
        try await requireAccess(request, to: alert, staff: staff)
        try await request.audit(.view, recordType: "risk-alert", recordID: alert.id?.uuidString, subject: alert.$client.id.uuidString)
        return try await render(request, alert: alert, errors: FieldErrors(), assessment: nil, plan: nil)
    }

    struct CloseBody: Content {
        var assessment: String?
        var plan: String?
    }

    func close(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let alert = try await find(request, staff: staff)
        try await requireAccess(request, to: alert, staff: staff)
        let body = try FormInput.decode(CloseBody.self, from: request)
        guard alert.status == .open, let id = alert.id else { throw Abort(.conflict, reason: "This alert is already closed.") }
        var errors = FieldErrors()
        let assessment = TextRules.clean(body.assessment)
        let plan = TextRules.clean(body.plan)
        if assessment == nil { errors.add("assessment", "Record what you assessed (for example the risk assessment and its outcome); the alert cannot close without it.") }
        if plan == nil { errors.add("plan", "Record the safety plan agreed with the client; the alert cannot close without it.") }
        for (field, value) in [("assessment", assessment), ("plan", plan)] {
            if let value, value.count > 5_000 { errors.add(field, "Keep it under 5,000 characters.") }
        }
        guard errors.isEmpty, let assessment, let plan else {
            return try await render(request, alert: alert, errors: errors, assessment: body.assessment, plan: body.plan, status: .unprocessableEntity)
        }
        let sealed = try request.services.keyRing.seal("Assessment:\n\(assessment)\n\nSafety plan:\n\(plan)", RiskAlert.followUpContext(id, client: alert.$client.id))
        let now = request.now
        try await request.db.writeTransaction { db in
            try await RiskAlert.query(on: db).set(\.$status, to: .closed).set(\.$followUpSealed, to: sealed)
                .set(\.$closedBy.$id, to: staff.id).set(\.$closedAt, to: now)
                .filter(\.$id == id).filter(\.$status == .open).update()
        }
        try await request.audit(.update, recordType: "risk-alert", recordID: id.uuidString, subject: alert.$client.id.uuidString, detail: "follow-up recorded, closed")
        return request.redirect(to: "/staff/alerts")
    }

    private func render(_ request: Request, alert: RiskAlert, errors: FieldErrors, assessment: String?, plan: String?,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let zone = (try await request.services.clinic.current(on: request.db)).timeZone
        let followUp = try alert.id.flatMap { try request.services.keyRing.openOptional(alert.followUpSealed, RiskAlert.followUpContext($0, client: alert.$client.id)) }
        let origin: (summary: Node<HTML.DescriptionListContext>, details: Node<HTML.BodyContext>)
        if let response = alert.response {
            let instrument = request.services.instruments.named(response.instrumentCode)
            let answers: [String: Int] = try response.answersSealed.map { sealed in
                let json = try request.services.keyRing.open(sealed, MeasureResponse.answersContext(try response.requireID(), client: response.$client.id))
                return (try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))) ?? [:]
            } ?? [:]
            let riskIDs = Set(instrument.map { $0.riskSignals(in: answers) }.map { $0.current + $0.history } ?? [])
            let scored = try response.score(request.services.keyRing).map { "\($0.total) (\($0.band))" } ?? "not finished: the alert came from the answers given so far"
            origin = (.group(.dt(.text("Questionnaire")), .dd(.text("\(instrument?.name ?? response.instrumentCode): \(scored)"))),
                      .group(.h2(.text("Answers that raised it")),
                             .ul(.forEach(instrument?.items.filter { riskIDs.contains($0.id) } ?? []) { item in
                                 .li(.text("\(item.text): "), .strong(.text(item.options.first { $0.value == answers[item.id] }?.label ?? "")))
                             })))
        } else if let note = alert.note {
            origin = (.group(.dt(.text("Raised by")),
                             .dd(.a(.href("/staff/clients/\(alert.$client.id.uuidString)/notes/\(note.id?.uuidString ?? "")"),
                                    .text("the session \(note.sessionNumber) note")))),
                      .p(.text("The note's risk check records thoughts with plan or intent.")))
        } else {
            origin = (.empty, .empty)
        }
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/alerts"), .text("All alerts"))),
            .h1(.text("Safety alert: \(alert.client.name)")),
            .dl(.class("details"),
                .dt(.text("Raised")), .dd(.text(DateDisplay.dateTime(alert.createdAt, timeZone: zone))),
                .dt(.text("Clinician")), .dd(.text(alert.clinician.name)),
                origin.summary,
                .dt(.text("Status")), .dd(.text(alert.status == .open ? "Open" : "Closed by \(alert.closedBy?.name ?? "a former staff member")"))),
            origin.details,
            .p(.class("small"), .text("A screening answer is a prompt to assess, not a risk assessment: nothing here decides anything by itself.")),
            .unwrap(followUp) { .group(.h2(.text("Follow-up")), .div(.class("message-body"), .text($0))) },
            .if(alert.status == .open, .group(
                .h2(.text("Record the follow-up")),
                FormViews.errorSummary(errors),
                .form(.class("form"), .method(.post), .action("/staff/alerts/\(alert.id?.uuidString ?? "")/close"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textArea(name: "assessment", label: "What was assessed, and the outcome", value: assessment, error: errors["assessment"], maxLength: 5_000, rows: 5),
                      FormViews.textArea(name: "plan", label: "Safety plan agreed with the client", value: plan, error: errors["plan"], maxLength: 5_000, rows: 5),
                      .button(.class("button"), .type(.submit), .text("Record and close the alert")))
            ))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Safety alert" : "Check the follow-up: Safety alert", chrome: try await request.chrome(),
                                       content: content), status: status)
    }
}
