import Fluent
import SQLKit
import Foundation
import IPTCore
import IPTPages
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
        case .inSession:
            let (_, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
            guard let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
            response = try await MeasureResponse.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == client.requireID())
                .with(\.$client).with(\.$clinician).first()
        }
        guard let response, let instrument = request.services.instruments.named(response.instrumentCode)
        else { throw Abort(.notFound, reason: "This questionnaire link is not valid. Please use the most recent email from the clinic.") }
        if response.status == .completed { return .answered }
        if response.expiresAt <= request.now { return .expired }
        return .open(response, instrument)
    }

    /// The clinician opens a questionnaire to fill in with the client during the session.
    func startInSession(_ request: Request) async throws -> Response {
        // The care-team check (and the director's reason) happen inside.
        let (appointment, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
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
        response.status = .sent
        response.createdAt = request.now
        response.expiresAt = request.now.addingTimeInterval(86_400)
        try await response.create(on: request.db)
        try await request.audit(.create, recordType: "measure-response", recordID: response.id?.uuidString, subject: client.id?.uuidString,
                                detail: "\(instrument.code) in session")
        return request.redirect(to: "/staff/appointments/\(try appointment.requireID().uuidString)/questionnaires/\(response.id!.uuidString)")
    }

    func form(_ request: Request) async throws -> Response {
        switch try await find(request) {
        case .answered: return try await request.messagePage(title: "Already answered", paragraphs: ["Thank you: these answers have already reached your clinician."], status: .gone)
        case .expired: return try await request.messagePage(title: "This link has expired", paragraphs: ["Your clinician can send you a new one."], status: .gone)
        case .open(let response, let instrument):
            let saved = try draftAnswers(response, request: request)
            return try await render(request, instrument: instrument, answers: saved, errors: FieldErrors(),
                                    notice: response.status == .draft ? "Your earlier answers are filled in; finish whenever you are ready." : nil)
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
            return try await request.messagePage(title: "Already answered", paragraphs: ["These answers were already sent, or the link has expired."], status: .gone)
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
        let channel = try Channel.of(request)
        // Safety before anything else: whatever was answered, whatever else is wrong with the form.
        let signals = instrument.riskSignals(in: answers)
        _ = try await RiskAlerts.record(signals, response: response, actor: channel.actor, request: request)
        let crisis = signals.isEmpty ? nil
            : CrisisViews.box(young: response.client.programme == Programme.adolescent.rawValue, clinicianTold: !signals.current.isEmpty)

        let id = try response.requireID()
        let sealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(answers), as: UTF8.self), MeasureResponse.answersContext(id, client: response.$client.id))
        let isDraft = fields["action"] == "draft"
        let score = instrument.score(answers)
        if isDraft || !errors.isEmpty || (try? score.get()) == nil {
            // Not complete: what was answered is kept as a draft, so nothing typed is lost.
            try await request.db.writeTransaction { db in
                try await MeasureResponse.query(on: db).set(\.$answersSealed, to: sealed).set(\.$status, to: .draft)
                    .filter(\.$id == id).filter(\.$status != .completed).update()
            }
        }
        if isDraft && errors.isEmpty {
            let how: String = switch channel {
            case .link: "Open the same link from your email to finish."
            case .portal: "Open it again from your portal page to finish."
            case .inSession: "Open it again from the appointment to finish."
            }
            let content: Node<HTML.BodyContext> = .group(
                .h1(.text("Answers saved")),
                .unwrap(crisis) { $0 },
                .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Your answers so far are saved."))),
                .p(.text("\(how) Your clinician receives the questionnaire when you press Send.")),
                backLink(request)
            )
            return .html(PageLayout.render(title: "Answers saved", chrome: try await request.chrome(), content: content))
        }
        switch score {
        case .failure(.missing(let items)):
            for item in items { errors.add("item-\(item)", "Please answer this question; every one counts.") }
            return try await render(request, instrument: instrument, answers: answers, errors: errors, crisis: crisis,
                                    notice: "Your answers so far are saved. \(items.count == 1 ? "One question is" : "\(items.count) questions are") still to answer.",
                                    status: .unprocessableEntity)
        case .failure:
            return try await render(request, instrument: instrument, answers: answers, errors: errors, crisis: crisis, status: .unprocessableEntity)
        case .success(let score):
            guard errors.isEmpty else {
                return try await render(request, instrument: instrument, answers: answers, errors: errors, crisis: crisis, status: .unprocessableEntity)
            }
            try await RiskAlerts.complete(response, score: score, sealedAnswers: sealed, actor: channel.actor, request: request)
            return try await renderDone(request, crisis: crisis)
        }
    }

    private func backLink(_ request: Request) -> Node<HTML.BodyContext> {
        if request.url.path.hasPrefix("/staff/") {
            return .p(.a(.href(attributeSafe(request.url.path.components(separatedBy: "/questionnaires/").first ?? "/staff")), .text("Back to the appointment")))
        }
        if request.url.path.hasPrefix("/portal/") { return .p(.a(.href("/portal"), .text("Back to your appointments and forms"))) }
        return .empty
    }

    private func renderDone(_ request: Request, crisis: Node<HTML.BodyContext>?) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Thank you, your answers are sent")),
            .unwrap(crisis) { $0 },
            .p(.text("Your clinician will look at them before your next session.")),
            backLink(request)
        )
        return .html(PageLayout.render(title: "Answers sent", chrome: try await request.chrome(), content: content))
    }

    private func render(_ request: Request, instrument: Instrument, answers: [String: Int], errors: FieldErrors, crisis: Node<HTML.BodyContext>? = nil,
                        notice: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(instrument.name)),
            .unwrap(crisis) { $0 },
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

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
