import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The pre-therapy self-assessment: sent from an appointment, filled in by the client through the
/// emailed link, summarised for the clinician with the events lined up against the onset and a
/// suggested focus that is only ever a suggestion.
struct SelfAssessmentController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.selfAssessment, use: form)
        site.post(.selfAssessment, use: submit)
    }

    private func open(_ request: Request) async throws -> SelfAssessmentRecord? {
        guard let token = request.parameters.get("token"), token.count <= 100,
              let record = try await SelfAssessmentRecord.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).first()
        else { throw Abort(.notFound, reason: "This link is not valid. Please use the most recent email from the clinic.") }
        return record.status == .completed || record.expiresAt <= request.now ? nil : record
    }

    func form(_ request: Request) async throws -> Response {
        guard try await open(request) != nil else {
            return try await request.messagePage(title: "This link has been used or has expired",
                                                 paragraphs: ["If you still want to send answers, ask your clinician for a new link."], status: .gone)
        }
        return try await render(request, fields: [:], errors: FieldErrors())
    }

    func submit(_ request: Request) async throws -> Response {
        let fields = try FormInput.decode([String: String].self, from: request)
        guard let record = try await open(request), let id = record.id else {
            return try await request.messagePage(title: "Already sent", paragraphs: ["These answers were already sent, or the link has expired."], status: .gone)
        }
        let zone = (try await request.services.clinic.current(on: request.db)).zone
        switch SelfAssessment.validate(fields: fields, today: zone.localDate(of: request.now)) {
        case .failure(let rejection):
            return try await render(request, fields: fields, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let assessment):
            let json = String(decoding: try JSONEncoder().encode(assessment), as: UTF8.self)
            let sealed = try request.services.keyRing.seal(json, SelfAssessmentRecord.answersContext(id, client: record.$client.id))
            let now = request.now
            let stored = try await request.db.writeTransaction { db -> Bool in
                try await db.updateUnlessStatus(SelfAssessmentRecord.schema, id: id, status: "completed", set: [
                    ("answers_sealed", sealed), ("status", "completed"), ("completed_at", now),
                ])
            }
            guard stored else {
                return try await request.messagePage(title: "Already sent", paragraphs: ["These answers were already sent."], status: .gone)
            }
            try await request.application.auditWriter.record(AuditEntry(
                actorID: nil, actorLabel: "client via self-assessment link", action: .create, recordType: "self-assessment",
                recordID: id.uuidString, subject: record.$client.id.uuidString, requestID: request.referenceID, detail: "completed"))
            return try await request.messagePage(title: "Thank you", notice: "Your answers have reached your clinician.",
                                                 paragraphs: ["You will go through them together in your first sessions. If things feel unmanageable before then, the crisis numbers at the bottom of this page are there at any hour."])
        }
    }

    private func render(_ request: Request, fields: [String: String], errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = SelfAssessmentPage.Model(token: request.parameters.get("token") ?? "", fields: fields, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, SelfAssessmentPage.view(model), status: status)
    }
}

/// The clinician's side: sending the link and reading the summary.
struct SelfAssessmentStaffController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.post(.appointmentSelfAssessment, use: send)
        site.get(.selfAssessmentView, use: summary)
    }

    func send(_ request: Request) async throws -> Response {
        let (appointment, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
        let id = try appointment.requireID()
        let token = SecureToken.make()
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let record = SelfAssessmentRecord()
        record.id = UUID()
        record.$client.id = try client.requireID()
        record.$clinician.id = appointment.$staff.id
        record.tokenHash = HexDigest.sha256(token)
        record.status = .sent
        record.createdAt = now
        record.expiresAt = now.addingTimeInterval(30 * 86_400)
        try await request.db.writeTransaction { db in
            try await record.create(on: db)
            try await Outbox.enqueue(
                to: client.email, subject: "Before your first sessions - \(clinic.name)",
                body: """
                Hello,

                Before your first sessions, your clinician would like you to think about a few questions. It takes about ten minutes:

                \(request.services.settings.publicBaseURL)\(SitePath.selfAssessment.link(token))

                The link works for 30 days. Leave out anything you would rather talk about in person.

                If you are in crisis, call or text 9-8-8 at any time. If you or someone else is in immediate danger, call 911.

                \(clinic.name)
                """, at: now, on: db)
        }
        request.nudgeOutbox()
        try await request.audit(.create, recordType: "self-assessment", recordID: record.id?.uuidString, subject: client.id?.uuidString, detail: "sent")
        return request.redirect(to: SitePath.appointment.link(id, query: ["done": "sent"]))
    }

    func summary(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewClinicalRecords)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let record = try await MeasuresQueries.selfAssessment(id, on: request.db), let sealed = record.answersSealed
        else { throw Abort(.notFound) }
        try await request.requireClinicalAccess(to: record.$client.id)
        let zone = (try await request.services.clinic.current(on: request.db)).timeZone
        return try await request.auditedPage("Self-assessment", recordType: "self-assessment", recordID: id.uuidString, subject: record.$client.id.uuidString) {
            let json = try request.services.keyRing.open(sealed, SelfAssessmentRecord.answersContext(id, client: record.$client.id))
            let model = SelfAssessmentSummaryPage.Model(
                clientName: record.client.name, clinicianName: record.clinician.name,
                answered: record.completedAt.map { DateDisplay.dateTime($0, timeZone: zone) } ?? "",
                assessment: try JSONDecoder().decode(SelfAssessment.self, from: Data(json.utf8)))
            return SelfAssessmentSummaryPage.view(model)
        }
    }
}
