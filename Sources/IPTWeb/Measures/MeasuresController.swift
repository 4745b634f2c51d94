import Fluent
import SQLKit
import Foundation
import IPTCore
import IPTPages
import Vapor

/// A questionnaire answered by the client through the link emailed to them, or in the portal, or
/// entered by the clinician in session with the client: a draft can be kept, each item is answered
/// once, a missing item is named, and a risk answer shows the crisis resources at once and alerts
/// the clinician (and a student's supervisor) in the same request.
struct MeasuresController: SiteRouteCollection {
    /// The clinician's side (in session) has staff paths, so the full sign-in (second factor
    /// included) is checked before any of it.
    func boot(site: SiteRoutes) throws {
        site.get(.questionnaire, use: form)
        site.post(.questionnaire, use: submit)
        site.get(.portalQuestionnaire, use: form)
        site.post(.portalQuestionnaire, use: submit)
        site.post(.appointmentQuestionnaireInSession, use: startInSession)
        site.get(.appointmentQuestionnaireResponse, use: form)
        site.post(.appointmentQuestionnaireResponse, use: submit)
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

        /// The address the form was opened at, where its answers go back.
        func formAction(_ request: Request) -> String {
            let parameter = { (name: String) in request.parameters.get(name) ?? "" }
            return switch self {
            case .link: SitePath.questionnaire.link(parameter("token"))
            case .portal: SitePath.portalQuestionnaire.link(parameter("response"))
            case .inSession: SitePath.appointmentQuestionnaireResponse.link(parameter("id"), parameter("response"))
            }
        }

        /// Where the respondent goes on from a saved or sent questionnaire; the emailed link has nowhere to go back to.
        func backLink(_ request: Request) -> QuestionnaireOutcomePage.BackLink? {
            switch self {
            case .link: nil
            case .portal: .init(href: SitePath.portal.link, label: "Back to your appointments and forms")
            case .inSession: .init(href: SitePath.appointment.link(request.parameters.get("id") ?? ""), label: "Back to the appointment")
            }
        }

        var howToFinish: String {
            switch self {
            case .link: "Open the same link from your email to finish."
            case .portal: "Open it again from your portal page to finish."
            case .inSession: "Open it again from the appointment to finish."
            }
        }
    }

    private func find(_ request: Request) async throws -> LinkState {
        let response: MeasureResponse?
        switch try Channel.of(request) {
        case .link:
            guard let token = request.parameters.get("token"), token.count <= 100 else { response = nil; break }
            response = try await MeasuresQueries.response(tokenHash: HexDigest.sha256(token), on: request.db)
        case .portal:
            // The client's own session: a guardian's does not answer for the adolescent.
            guard let session = try await PortalController().current(request),
                  let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)) else { throw Abort.redirect(to: SitePath.portalSignIn.link) }
            guard !session.asGuardian else { throw PortalController.clientsOwn(session) }
            response = try await MeasuresQueries.response(id, of: session.$client.id, on: request.db)
        case .inSession:
            let (_, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
            guard let id = request.parameters.get("response").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
            response = try await MeasuresQueries.response(id, of: try client.requireID(), on: request.db)
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
        let response = try await MeasuresQueries.createInSession(instrument, for: appointment, client: client, now: request.now, on: request.db)
        try await request.audit(.create, recordType: "measure-response", recordID: response.id?.uuidString, subject: client.id?.uuidString,
                                detail: "\(instrument.code) in session")
        return request.redirect(to: SitePath.appointmentQuestionnaireResponse.link(try appointment.requireID(), try response.requireID()))
    }

    func form(_ request: Request) async throws -> Response {
        switch try await find(request) {
        case .answered: return try await request.messagePage(title: "Already answered", paragraphs: ["Thank you: these answers have already reached your clinician."], status: .gone)
        case .expired: return try await request.messagePage(title: "This link has expired", paragraphs: ["Your clinician can send you a new one."], status: .gone)
        case .open(let response, let instrument):
            let saved = try MeasuresQueries.answers(of: response, keyRing: request.services.keyRing)
            if !saved.isEmpty {
                // Answers kept earlier are shown again: a view of the record, by whoever opened it.
                try await audit(request, .view, response, detail: "draft answers shown")
            }
            return try await render(request, instrument: instrument, answers: saved, errors: FieldErrors(),
                                    notice: response.status == .draft ? "Your earlier answers are filled in; finish whenever you are ready." : nil)
        }
    }

    /// The answers the form carries, each checked against the instrument's items and options.
    private func answers(in fields: [String: String], for instrument: Instrument) throws -> (answers: [String: Int], errors: FieldErrors) {
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
        return (answers, errors)
    }

    func submit(_ request: Request) async throws -> Response {
        let fields = try FormInput.decode([String: String].self, from: request)
        guard case .open(let response, let instrument) = try await find(request) else {
            return try await request.messagePage(title: "Already answered", paragraphs: ["These answers were already sent, or the link has expired."], status: .gone)
        }
        let (answers, formErrors) = try self.answers(in: fields, for: instrument)
        var errors = formErrors
        let channel = try Channel.of(request)
        // Safety before anything else: whatever was answered, whatever else is wrong with the form.
        let signals = instrument.riskSignals(in: answers)
        _ = try await RiskAlerts.record(signals, response: response, actor: channel.actor, request: request)
        let crisis = signals.isEmpty ? nil
            : CrisisBox.Model(young: response.client.programme == Programme.adolescent.rawValue, clinicianTold: !signals.current.isEmpty)

        let id = try response.requireID()
        let sealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(answers), as: UTF8.self), MeasureResponse.answersContext(id, client: response.$client.id))
        let isDraft = fields["action"] == "draft"
        let score = instrument.score(answers)
        if isDraft || !errors.isEmpty || (try? score.get()) == nil {
            // Not complete: what was answered is kept as a draft, so nothing typed is lost.
            try await MeasuresQueries.keepDraft(id, answers: sealed, on: request.db)
            try await audit(request, .update, response, detail: "draft kept")
        }
        if isDraft && errors.isEmpty {
            return try await outcome(request, .saved(howToFinish: channel.howToFinish), crisis: crisis, channel: channel)
        }
        switch score {
        case .failure(.missing(let items)):
            for item in items { errors.add("item-\(item)", "Please answer this question; every one counts.") }
            return try await render(request, instrument: instrument, answers: answers, errors: errors, crisis: crisis,
                                    notice: "Your answers so far are saved. \(items.count == 1 ? "One question is" : "\(items.count) questions are") still to answer.",
                                    status: .unprocessableEntity)
        case .success(let score) where errors.isEmpty:
            try await RiskAlerts.complete(response, score: score, sealedAnswers: sealed, actor: channel.actor, request: request)
            return try await outcome(request, .sent, crisis: crisis, channel: channel)
        case .failure, .success:
            return try await render(request, instrument: instrument, answers: answers, errors: errors, crisis: crisis, status: .unprocessableEntity)
        }
    }

    /// A row naming whoever acts on the form: the clinician in session, or the client.
    private func audit(_ request: Request, _ action: AuditAction, _ response: MeasureResponse, detail: String) async throws {
        let actor = try Channel.of(request).actor
        try await request.application.auditWriter.record(AuditEntry(
            actorID: actor.id, actorLabel: actor.label, action: action, recordType: "measure-response",
            recordID: response.id?.uuidString, subject: response.$client.id.uuidString, requestID: request.referenceID, detail: detail))
    }

    private func outcome(_ request: Request, _ outcome: QuestionnaireOutcomePage.Outcome, crisis: CrisisBox.Model?, channel: Channel) async throws -> Response {
        let model = QuestionnaireOutcomePage.Model(outcome: outcome, crisis: crisis, back: channel.backLink(request))
        return try await request.page(model.title, QuestionnaireOutcomePage.view(model))
    }

    private func render(_ request: Request, instrument: Instrument, answers: [String: Int], errors: FieldErrors, crisis: CrisisBox.Model? = nil,
                        notice: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let items = instrument.items.map { item in
            QuestionnairePage.Item(id: item.id, text: item.text, options: item.options.map { .init(value: String($0.value), label: $0.label) },
                                   selected: answers[item.id].map(String.init))
        }
        let model = QuestionnairePage.Model(instrumentName: instrument.name, instructions: instrument.instructions, licence: instrument.licence, items: items,
                                            crisis: crisis, notice: notice, action: try Channel.of(request).formAction(request), errors: errors,
                                            csrfToken: request.csrfToken)
        return try await request.page(model.title, QuestionnairePage.view(model), status: status)
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
