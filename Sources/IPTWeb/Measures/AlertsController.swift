import Fluent
import Foundation
import IPTCore
import IPTPages
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

    /// How many questionnaires went out for this appointment, asked through the client's index.
    /// There is no index on the appointment alone, and by it SQLite read the whole table for each
    /// upcoming appointment on every run: at 100,000 clients, 1,400 appointments times 1,000,000
    /// responses, five minutes of a core every five minutes (docs/PERFORMANCE.md).
    static func responsesSent(for appointment: UUID, client: UUID) -> SQLQueryString {
        "SELECT COUNT(*) AS n FROM measure_responses WHERE client_id = \(bind: client) AND appointment_id = \(bind: appointment)"
    }

    /// The client's confirmed and attended appointments before `start`, read through the client's
    /// index; the clinician and the kind are checked by the caller. Given the clinician in SQL too,
    /// SQLite (which keeps no statistics here) chose (clinician, start) and read ten years of that
    /// clinician's appointments for each upcoming session: 3 ms each, 2,800 of them every five
    /// minutes at 100,000 clients, a core busy for 9 s of every 300 (docs/PERFORMANCE.md).
    static func sessionsBefore(_ start: Date, client: UUID) -> SQLQueryString {
        """
        SELECT staff_id, type_code FROM appointments
        WHERE client_id = \(bind: client) AND status IN (\(binds: [Appointment.Status.confirmed.rawValue, Appointment.Status.attended.rawValue]))
        AND starts_at < \(bind: start)
        """
    }

    private static func sendByCadence(_ appointment: Appointment, every: Int, sessions: [String], app: Application, now: Date) async throws {
        guard let client = appointment.client, let appointmentID = appointment.id, let clientID = client.id, appointment.cadenceSentAt == nil else { return }
        guard try await (app.db as! any SQLDatabase).raw(responsesSent(for: appointmentID, client: clientID)).first()?
            .decode(column: "n", as: Int.self) == 0 else { return }
        // This appointment's number among the client's sessions with this clinician.
        let earlier = try await (app.db as! any SQLDatabase).raw(sessionsBefore(appointment.startsAt, client: clientID)).all()
            .filter { row in
                try row.decode(column: "staff_id", as: UUID.self) == appointment.$staff.id
                    && sessions.contains(try row.decode(column: "type_code", as: String?.self) ?? "")
            }.count
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
struct AlertsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.post(.appointmentQuestionnaire, use: sendQuestionnaire)
        site.get(.alerts, use: list)
        site.get(.alert, use: show)
        site.post(.alertClose, use: close)
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
        return request.redirect(to: SitePath.appointment.link(id, query: ["done": "sent"]))
    }

    /// The alerts this person must see (the dashboard counts them too).
    static func visible(_ staff: CurrentStaff, now: Date, on database: any Database) async throws -> QueryBuilder<RiskAlert> {
        try await MeasuresQueries.visibleAlerts(staff, now: now, on: database)
    }

    /// The care-team check for an alert, except for the people it was addressed to while the client
    /// has no care team yet (`MeasuresQueries.visibleAlerts`).
    private func requireAccess(_ request: Request, to alert: RiskAlert, staff: CurrentStaff) async throws {
        if alert.$clinician.id == staff.id || alert.$supervisor.id == staff.id,
           try await CareTeamQueries.active(of: alert.$client.id, at: request.now, on: request.db).isEmpty {
            return
        }
        try await request.requireClinicalAccess(to: alert.$client.id)
    }

    func list(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let open = try await MeasuresQueries.openAlerts(visibleTo: staff, now: request.now, on: request.db)
        try await request.audit(.view, recordType: "risk-alert-list", detail: "open=\(open.count)")
        let zone = (try await request.services.clinic.current(on: request.db)).timeZone
        let rows = open.map { alert in
            AlertListPage.Row(id: alert.id?.uuidString ?? "", raised: DateDisplay.dateTime(alert.createdAt, timeZone: zone),
                              client: alert.client.name, clinician: alert.clinician.name, escalated: alert.escalatedAt != nil)
        }
        return try await request.page("Safety alerts", AlertListPage.view(rows))
    }

    private func find(_ request: Request, staff: CurrentStaff) async throws -> RiskAlert {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let alert = try await MeasuresQueries.alert(id, visibleTo: staff, now: request.now, on: request.db)
        else { throw Abort(.notFound) }
        return alert
    }

    func show(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let alert = try await find(request, staff: staff)
        try await requireAccess(request, to: alert, staff: staff)
        let zone = (try await request.services.clinic.current(on: request.db)).timeZone
        return try await request.auditedPage("Safety alert", recordType: "risk-alert", recordID: alert.id?.uuidString, subject: alert.$client.id.uuidString) {
            AlertPage.view(try pageModel(request, alert: alert, zone: zone, errors: FieldErrors(), assessment: nil, plan: nil))
        }
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
            let zone = (try await request.services.clinic.current(on: request.db)).timeZone
            let model = try pageModel(request, alert: alert, zone: zone, errors: errors, assessment: body.assessment, plan: body.plan)
            return try await request.auditedPage(model.title, recordType: "risk-alert", recordID: id.uuidString, subject: alert.$client.id.uuidString,
                                                 detail: AuditDetail.formReturned, status: .unprocessableEntity) { AlertPage.view(model) }
        }
        let sealed = try request.services.keyRing.seal("Assessment:\n\(assessment)\n\nSafety plan:\n\(plan)", RiskAlert.followUpContext(id, client: alert.$client.id))
        try await MeasuresQueries.closeAlert(id, followUp: sealed, by: staff.id, at: request.now, on: request.db)
        try await request.audit(.update, recordType: "risk-alert", recordID: id.uuidString, subject: alert.$client.id.uuidString, detail: "follow-up recorded, closed")
        return request.redirect(to: SitePath.alerts.link)
    }

    /// Opens the sealed follow-up and answers; called once the view is audited.
    private func pageModel(_ request: Request, alert: RiskAlert, zone: String, errors: FieldErrors, assessment: String?, plan: String?) throws -> AlertPage.Model {
        let ring = request.services.keyRing
        let followUp = try alert.id.flatMap { try ring.openOptional(alert.followUpSealed, RiskAlert.followUpContext($0, client: alert.$client.id)) }
        let origin: AlertPage.Origin
        if let response = alert.response {
            let instrument = request.services.instruments.named(response.instrumentCode)
            let answers = try MeasuresQueries.answers(of: response, keyRing: ring)
            let riskIDs = Set(instrument.map { $0.riskSignals(in: answers) }.map { $0.current + $0.history } ?? [])
            let scored = try response.score(ring).map { "\($0.total) (\($0.band))" } ?? "not finished: the alert came from the answers given so far"
            origin = .questionnaire(summary: "\(instrument?.name ?? response.instrumentCode): \(scored)",
                                    answers: (instrument?.items.filter { riskIDs.contains($0.id) } ?? []).map { item in
                                        AlertPage.Answer(question: item.text, answer: item.options.first { $0.value == answers[item.id] }?.label ?? "")
                                    })
        } else if let note = alert.note {
            origin = .note(clientID: alert.$client.id.uuidString, noteID: note.id?.uuidString ?? "", sessionNumber: note.sessionNumber)
        } else {
            origin = .unknown
        }
        return AlertPage.Model(alertID: alert.id?.uuidString ?? "", clientName: alert.client.name,
                               raised: DateDisplay.dateTime(alert.createdAt, timeZone: zone), clinician: alert.clinician.name, origin: origin,
                               isOpen: alert.status == .open, closedBy: alert.closedBy?.name ?? "a former staff member", followUp: followUp,
                               assessment: assessment, plan: plan, errors: errors, csrfToken: request.csrfToken)
    }
}
