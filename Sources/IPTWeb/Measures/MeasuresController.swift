import Fluent
import SQLKit
import Foundation
import IPTCore
import Plot
import Vapor

/// A questionnaire answered by the client through the link emailed to them, or in the portal, or
/// entered by the clinician in session with the client: a draft can be kept, each item is answered
/// once, a missing item is named, and a risk answer shows the crisis resources at once and alerts
/// the clinician (and a student's supervisor) in the same request.
struct MeasuresController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("questionnaire", ":token", use: form)
        routes.post("questionnaire", ":token", use: submit)
        routes.get("portal", "questionnaires", ":response", use: form)
        routes.post("portal", "questionnaires", ":response", use: submit)
    }

    /// The clinician's side, registered inside the staff area so the full sign-in (second factor
    /// included) is checked before any of it.
    struct InSession: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            let handlers = MeasuresController()
            routes.post("staff", "appointments", ":id", "questionnaire", "in-session", use: handlers.startInSession)
            routes.get("staff", "appointments", ":id", "questionnaires", ":response", use: handlers.form)
            routes.post("staff", "appointments", ":id", "questionnaires", ":response", use: handlers.submit)
        }
    }

    enum LinkState {
        case open(MeasureResponse, Instrument)
        case answered
        case expired
    }

    /// How the answers arrive, which decides who may open the form and who the audit trail names.
    enum Channel {
        case link, portal, inSession(CurrentStaff)

        /// A staff address without a signed-in staff member is refused like every staff page.
        static func of(_ request: Request) throws -> Channel {
            if request.url.path.hasPrefix("/portal/") { return .portal }
            if request.url.path.hasPrefix("/staff/") { return .inSession(try request.requireStaff()) }
            return .link
        }

        var actor: (id: String?, label: String) {
            switch self {
            case .link: (nil, "client via questionnaire link")
            case .portal: (nil, "client (portal)")
            case .inSession(let staff): (staff.id.uuidString, "\(staff.auditLabel), entered in session")
            }
        }
    }

    private func find(_ request: Request) async throws -> LinkState {
        let response: MeasureResponse?
        switch try Channel.of(request) {
        case .link:
            guard let token = request.parameters.get("token"), token.count <= 100 else { response = nil; break }
            response = try await MeasureResponse.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).with(\.$client).with(\.$clinician).first()
        case .portal:
            // The client's own session: a guardian's does not answer for the adolescent.
            guard let session = try await PortalController().current(request), !session.asGuardian,
                  let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)) else { throw Abort.redirect(to: "/portal/sign-in") }
            response = try await MeasureResponse.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == session.$client.id)
                .with(\.$client).with(\.$clinician).first()
        case .inSession(let staff):
            let (_, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
            try await request.requireReasonOutsideCaseload(staff, access: try await ScheduleAccess.load(staff, on: request.db), clientID: try client.requireID(),
                                                           settings: try await ClinicalSettingsRow.current(on: request.db))
            guard let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
            response = try await MeasureResponse.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == client.requireID())
                .with(\.$client).with(\.$clinician).first()
        }
        guard let response, let instrument = request.services.instruments.named(response.instrumentCode)
        else { throw Abort(.notFound, reason: "This questionnaire link is not valid. Please use the most recent email from the clinic.") }
        if response.status == "completed" { return .answered }
        if response.expiresAt <= request.now { return .expired }
        return .open(response, instrument)
    }

    /// The clinician opens a questionnaire to fill in with the client during the session.
    func startInSession(_ request: Request) async throws -> Response {
        let (appointment, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
        let staff = try request.requireStaff()
        try await request.requireReasonOutsideCaseload(staff, access: try await ScheduleAccess.load(staff, on: request.db), clientID: try client.requireID(),
                                                       settings: try await ClinicalSettingsRow.current(on: request.db))
        let fields = try FormInput.decode([String: String].self, from: request)
        guard let instrument = request.services.instruments.named(fields["instrument"] ?? "") else {
            throw Abort(.badRequest, reason: "Choose one of the questionnaires offered.")
        }
        let response = MeasureResponse()
        response.id = UUID()
        response.sharedWithGuardian = false
        response.$client.id = try client.requireID()
        response.$clinician.id = appointment.$staff.id
        response.$appointment.id = appointment.id
        response.instrumentCode = instrument.code
        // No link is sent; the token only satisfies the column and opens nothing.
        response.tokenHash = HexDigest.sha256(SecureToken.make())
        response.status = "sent"
        response.createdAt = request.now
        response.expiresAt = request.now.addingTimeInterval(86_400)
        try await response.create(on: request.db)
        try await request.audit(.create, recordType: "measure-response", recordID: response.id?.uuidString, subject: client.id?.uuidString,
                                detail: "\(instrument.code) in session")
        return request.redirect(to: "/staff/appointments/\(try appointment.requireID().uuidString)/questionnaires/\(response.id!.uuidString)")
    }

    func form(_ request: Request) async throws -> Response {
        switch try await find(request) {
        case .answered: return try await BookingPages.simple(request, title: "Already answered", paragraphs: ["Thank you: these answers have already reached your clinician."], status: .gone)
        case .expired: return try await BookingPages.simple(request, title: "This link has expired", paragraphs: ["Your clinician can send you a new one."], status: .gone)
        case .open(let response, let instrument):
            let saved = try draftAnswers(response, request: request)
            return try await render(request, instrument: instrument, answers: saved, errors: FieldErrors(),
                                    notice: response.status == "draft" ? "Your earlier answers are filled in; finish whenever you are ready." : nil)
        }
    }

    private func draftAnswers(_ response: MeasureResponse, request: Request) throws -> [String: Int] {
        guard let id = response.id, let sealed = response.answersSealed else { return [:] }
        let json = try request.services.keyRing.open(sealed, MeasureResponse.answersContext(id, client: response.$client.id))
        return (try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8))) ?? [:]
    }

    func submit(_ request: Request) async throws -> Response {
        let fields = try FormInput.decode([String: String].self, from: request)
        guard case .open(let response, let instrument) = try await find(request) else {
            return try await BookingPages.simple(request, title: "Already answered", paragraphs: ["These answers were already sent, or the link has expired."], status: .gone)
        }
        var answers: [String: Int] = [:]
        var errors = FieldErrors()
        for (key, value) in fields where key.hasPrefix("item-") {
            let itemID = String(key.dropFirst(5))
            guard let item = instrument.items.first(where: { $0.id == itemID }) else {
                throw Abort(.badRequest, reason: "The form had an answer to a question this questionnaire does not have.")
            }
            guard let number = Int(value), item.options.contains(where: { $0.value == number }) else {
                errors.add(key, "Choose one of the answers given for this question.")
                continue
            }
            answers[itemID] = number
        }
        let id = try response.requireID()
        let sealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(answers), as: UTF8.self), MeasureResponse.answersContext(id, client: response.$client.id))
        if fields["action"] == "draft" {
            guard errors.isEmpty else { return try await render(request, instrument: instrument, answers: answers, errors: errors, status: .unprocessableEntity) }
            try await request.db.writeTransaction { db in
                try await MeasureResponse.query(on: db).set(\.$answersSealed, to: sealed).set(\.$status, to: "draft")
                    .filter(\.$id == id).filter(\.$status != "completed").update()
            }
            let how: String = switch try Channel.of(request) {
            case .link: "Open the same link from your email to finish."
            case .portal: "Open it again from your portal page to finish."
            case .inSession: "Open it again from the appointment to finish."
            }
            return try await BookingPages.simple(request, title: "Answers saved", notice: "Your answers so far are saved.",
                                                 paragraphs: ["\(how) Nothing is sent to your clinician until you press Send."])
        }
        switch instrument.score(answers) {
        case .failure(.missing(let items)):
            for item in items { errors.add("item-\(item)", "Please answer this question; every one counts.") }
            return try await render(request, instrument: instrument, answers: answers, errors: errors, status: .unprocessableEntity)
        case .failure:
            return try await render(request, instrument: instrument, answers: answers, errors: errors, status: .unprocessableEntity)
        case .success(let score):
            guard errors.isEmpty else { return try await render(request, instrument: instrument, answers: answers, errors: errors, status: .unprocessableEntity) }
            let isRisk = !score.riskItems.isEmpty
            try await RiskAlerts.complete(response, instrument: instrument, score: score, sealedAnswers: sealed, actor: try Channel.of(request).actor, request: request)
            let isYoung = response.client.programme == Programme.adolescent.rawValue
            return try await renderDone(request, risk: isRisk, young: isYoung)
        }
    }

    private func renderDone(_ request: Request, risk: Bool, young: Bool) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Thank you, your answers are sent")),
            .if(risk, .div(
                .class("notice warning crisis-now"), .attribute(named: "role", value: "alert"),
                .h2(.text("If you are thinking about ending your life or hurting yourself")),
                .p(.text("You do not have to wait for your next appointment. Help is there right now, at any hour:")),
                .ul(
                    .li(.strong(.text("Call or text ")), .a(.href("tel:988"), .text("9-8-8")), .text(", the Suicide Crisis Helpline, in English or French.")),
                    .if(young, .li(.strong(.text("Kids Help Phone: ")), .a(.href("tel:18006686868"), .text("1-800-668-6868")), .text(", or text CONNECT to 686868."))),
                    .li(.strong(.text("If you are in danger now, call ")), .a(.href("tel:911"), .text("911")), .text(" or go to the nearest emergency department."))
                ),
                .p(.text("Your clinician has been told that you may be struggling, and will be in touch."))
            )),
            .p(.text("Your clinician will look at them before your next session.")),
            .if(request.url.path.hasPrefix("/staff/"), .p(.a(.href(attributeSafe(request.url.path.components(separatedBy: "/questionnaires/").first ?? "/staff")),
                                                               .text("Back to the appointment")))),
            .if(request.url.path.hasPrefix("/portal/"), .p(.a(.href("/portal"), .text("Back to your appointments and forms"))))
        )
        return .html(PageLayout.render(title: "Answers sent", chrome: try await request.chrome(), content: content))
    }

    private func render(_ request: Request, instrument: Instrument, answers: [String: Int], errors: FieldErrors, notice: String? = nil,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(instrument.name)),
            .unwrap(notice) { .div(.class("notice info"), .p(.text($0))) },
            .p(.class("lede"), .text(instrument.instructions)),
            FormViews.errorSummary(errors),
            .form(
                .class("form questionnaire"), .method(.post), .action(attributeSafe(request.url.path)), .novalidate(),
                FormViews.csrf(request.csrfToken),
                .forEach(instrument.items) { item in
                    FormViews.radioGroup(name: "item-\(item.id)", legend: item.text,
                                         options: item.options.map { (String($0.value), $0.label) },
                                         selected: answers[item.id].map(String.init), error: errors["item-\(item.id)"])
                },
                .button(.class("button"), .type(.submit), .name("action"), .value("submit"), .text("Send my answers")),
                .text(" "),
                .button(.class("button secondary"), .type(.submit), .name("action"), .value("draft"), .text("Save and finish later"))
            ),
            .p(.class("small"), .text(instrument.licence))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? instrument.name : "Please check: \(instrument.name)", chrome: try await request.chrome(),
                                       content: content), status: status)
    }
}

/// Completing a questionnaire and raising the alert, in one transaction.
enum RiskAlerts {
    /// An alert still open after this many hours goes to the clinic director as well.
    static let escalateAfterHours = 24

    /// Tells the directors about alerts left open too long; each alert once.
    static func escalate(app: Application, now: Date) async throws {
        let due = try await RiskAlert.query(on: app.db).filter(\.$status == "open").filter(\.$escalatedAt == nil)
            .filter(\.$createdAt <= now.addingTimeInterval(-TimeInterval(escalateAfterHours * 3600))).all()
        guard !due.isEmpty else { return }
        let directors = try await StaffUser.query(on: app.db).filter(\.$role == StaffRole.admin.rawValue).filter(\.$isActive == true).all()
        let clinic = try await app.services.clinic.current(on: app.db)
        for alert in due {
            guard let id = alert.id else { continue }
            try await app.db.writeTransaction { db in
                let claimed = try await (db as! any SQLDatabase).update(RiskAlert.schema).set("escalated_at", to: now)
                    .where("id", .equal, id).where("escalated_at", .is, SQLLiteral.null).returning("id").all()
                guard !claimed.isEmpty else { return }
                for director in directors {
                    try await Outbox.enqueue(
                        to: director.email, subject: "Escalated: a client alert has been open over \(escalateAfterHours) hours - \(clinic.name)",
                        body: """
                        Hello,

                        A safety alert raised by a client's questionnaire has had no recorded follow-up for more than \(escalateAfterHours) hours.

                        Sign in to see it: \(app.services.settings.publicBaseURL)/staff/alerts

                        This email deliberately carries no details.
                        """, at: now, on: db)
                }
            }
        }
        app.services.outboxWorker?.nudge()
    }

    static func complete(_ response: MeasureResponse, instrument: Instrument, score: InstrumentScore, sealedAnswers: String,
                         actor: (id: String?, label: String), request: Request) async throws {
        let id = try response.requireID()
        let now = request.now
        let clinician = response.clinician
        // A practicum student's supervisor is told too.
        let supervisorID = clinician.role == StaffRole.student.rawValue ? clinician.$supervisor.id : nil
        let supervisor = try await supervisorID.asyncMap { try await StaffUser.find($0, on: request.db) } ?? nil
        let clinic = try await request.services.clinic.current(on: request.db)
        let base = request.services.settings.publicBaseURL
        let alertID = UUID()
        let raised = try await request.db.writeTransaction { db -> Bool in
            // Completed once: a second submission changes nothing.
            let fresh = try await MeasureResponse.query(on: db).filter(\.$id == id).filter(\.$status != "completed").first()
            guard let fresh else { throw Abort(.gone, reason: "These answers were already sent.") }
            fresh.answersSealed = sealedAnswers
            try fresh.setScore(MeasureResponse.Score(total: score.total, band: score.band.label), request.services.keyRing)
            fresh.status = "completed"
            fresh.completedAt = now
            try await fresh.update(on: db)
            guard !score.riskItems.isEmpty else { return false }
            let alert = RiskAlert()
            alert.id = alertID
            alert.$client.id = response.$client.id
            alert.$response.id = id
            alert.$clinician.id = try clinician.requireID()
            alert.$supervisor.id = supervisor?.id
            alert.status = "open"
            alert.createdAt = now
            try await alert.create(on: db)
            // No answer, score, name or questionnaire in the email: only that something waits.
            for person in [clinician] + (supervisor.map { [$0] } ?? []) {
                try await Outbox.enqueue(
                    to: person.email, subject: "Action needed: a client alert is waiting - \(clinic.name)",
                    body: """
                    Hello \(TeamQueries.givenName(of: person.name)),

                    A client's questionnaire has raised a safety alert that needs your follow-up today.

                    Sign in to see it: \(base)/staff/alerts

                    This email deliberately carries no details.
                    """, at: now, on: db)
            }
            return true
        }
        request.nudgeOutbox()
        try await request.application.auditWriter.record(AuditEntry(
            actorID: actor.id, actorLabel: actor.label, action: .create, recordType: "measure-response",
            recordID: id.uuidString, subject: response.$client.id.uuidString, requestID: request.referenceID,
            detail: raised ? "completed; risk alert \(alertID.uuidString) raised" : "completed"))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
