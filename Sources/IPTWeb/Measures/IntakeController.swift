import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Intake by emailed link: contact details for emergencies, how they found the clinic, pronouns, and
/// the consents, each signed by typing one's name; the exact wording's hash is kept with it.
struct IntakeController: SiteRouteCollection {
    /// Sending the forms is staff work: its staff path puts it behind the full sign-in.
    func boot(site: SiteRoutes) throws {
        site.get(.intake, use: form)
        site.post(.intake, use: submit)
        site.post(.appointmentIntake, use: send)
    }

    /// The consents this client must sign: treatment and privacy, and the supervision disclosure
    /// when their clinician is a practicum student.
    static func documents(for clinician: StaffUser, on database: any Database) async throws -> [ConsentDocument] {
        var documents = [ConsentDocument.treatment, ConsentDocument.privacy]
        if clinician.role == StaffRole.student, let supervisorID = clinician.$supervisor.id,
           let supervisor = try await StaffUser.find(supervisorID, on: database) {
            documents.append(.supervision(supervisor: supervisor.name))
        }
        return documents
    }

    private func open(_ request: Request) async throws -> IntakeRecord? {
        guard let token = request.parameters.get("token"), token.count <= 100,
              let record = try await IntakeRecord.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token))
                .with(\.$client).with(\.$clinician).first()
        else { throw Abort(.notFound, reason: "This link is not valid. Please use the most recent email from the clinic.") }
        return record.status == .completed || record.expiresAt <= request.now ? nil : record
    }

    func form(_ request: Request) async throws -> Response {
        guard let record = try await open(request) else {
            return try await request.messagePage(title: "This link has been used or has expired",
                                                 paragraphs: ["Ask the clinic for a new one if you still need to fill in the forms."], status: .gone)
        }
        return try await render(request, record: record, fields: [:], errors: FieldErrors())
    }

    func submit(_ request: Request) async throws -> Response {
        let fields = try FormInput.decode([String: String].self, from: request)
        guard let record = try await open(request), let id = record.id else {
            return try await request.messagePage(title: "Already sent", paragraphs: ["These forms were already sent."], status: .gone)
        }
        let documents = try await Self.documents(for: record.clinician, on: request.db)
        switch IntakeSubmission.validate(fields: fields, clientName: record.client.name, required: documents.map(\.kind)) {
        case .failure(let rejection):
            return try await render(request, record: record, fields: fields, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let intake):
            let sealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(intake), as: UTF8.self), IntakeRecord.detailsContext(id, client: record.$client.id))
            let now = request.now
            let clientID = record.$client.id
            let stored = try await request.db.writeTransaction { db -> Bool in
                guard try await db.updateUnlessStatus(IntakeRecord.schema, id: id, status: "completed", set: [
                    ("details_sealed", sealed), ("status", "completed"), ("completed_at", now),
                ]) else { return false }
                for document in documents {
                    let consent = ConsentRecord()
                    consent.$client.id = clientID
                    consent.$intake.id = id
                    consent.kind = document.kind
                    consent.version = document.version
                    consent.textSHA256 = HexDigest.sha256(document.text)
                    consent.id = UUID()
                    try consent.setTypedName(intake.typedName, request.services.keyRing)
                    consent.signedAt = now
                    try await consent.create(on: db)
                }
                return true
            }
            guard stored else { return try await request.messagePage(title: "Already sent", paragraphs: ["These forms were already sent."], status: .gone) }
            try await request.application.auditWriter.record(AuditEntry(
                actorID: nil, actorLabel: "client via intake link", action: .create, recordType: "intake", recordID: id.uuidString,
                subject: clientID.uuidString, requestID: request.referenceID, detail: "completed; consents: \(documents.map(\.kind.rawValue).joined(separator: ","))"))
            return try await request.messagePage(title: "Thank you, your forms are in", notice: "Your intake forms and consents have reached the clinic.",
                                                 paragraphs: ["You can ask for a copy of what you signed at any time."])
        }
    }

    private func render(_ request: Request, record: IntakeRecord, fields: [String: String], errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = IntakePage.Model(token: request.parameters.get("token") ?? "", documents: try await Self.documents(for: record.clinician, on: request.db),
                                     fields: fields, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, IntakePage.view(model), status: status)
    }

    /// Staff (front desk or clinician) send the intake link from an appointment.
    func send(_ request: Request) async throws -> Response {
        let (appointment, client) = try await request.appointmentForClientForms(.viewSchedule)
        let id = try appointment.requireID()
        let token = SecureToken.make()
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let record = IntakeRecord()
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
                to: client.email, subject: "Your forms before your first session - \(clinic.name)",
                body: """
                Hello,

                Before your first session, please fill in a few details and sign the consents to start:

                \(request.services.settings.publicBaseURL)\(SitePath.intake.link(token))

                The link works for 30 days.

                \(clinic.name)
                \(clinic.phone)
                """, at: now, on: db)
        }
        request.nudgeOutbox()
        try await request.audit(.create, recordType: "intake", recordID: record.id?.uuidString, subject: client.id?.uuidString, detail: "sent")
        return request.redirect(to: SitePath.appointment.link(id, query: ["done": "sent"]))
    }
}
