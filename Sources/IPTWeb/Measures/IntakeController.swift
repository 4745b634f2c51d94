import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// Intake by emailed link: contact details for emergencies, how they found the clinic, pronouns, and
/// the consents, each signed by typing one's name; the exact wording's hash is kept with it.
struct IntakeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("intake", ":token", use: form)
        routes.post("intake", ":token", use: submit)
    }

    /// Sending the forms is staff work: registered inside the staff area, behind the full sign-in.
    struct Sending: RouteCollection {
        func boot(routes: any RoutesBuilder) throws {
            routes.post("staff", "appointments", ":id", "intake", use: IntakeController().send)
        }
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
        let documents = try await Self.documents(for: record.clinician, on: request.db)
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Intake forms")),
            .p(.class("lede"), .text("A few details we need before your first session, and the consents to start. It takes about five minutes.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action(attributeSafe(request.url.path)), .novalidate(),
                FormViews.csrf(request.csrfToken),
                .h2(.text("About you")),
                FormViews.textField(name: "pronouns", label: "Your pronouns", value: fields["pronouns"], error: errors["pronouns"], required: false,
                                    maxLength: 40, hint: "For example she/her, he/him, they/them."),
                FormViews.radioGroup(name: "heardFrom", legend: "How did you hear about the clinic? (optional)",
                                     options: IntakeSubmission.HeardFrom.allCases.map { ($0.rawValue, $0.label) },
                                     selected: fields["heardFrom"], error: errors["heardFrom"]),
                .h2(.text("Someone we can call in an emergency")),
                FormViews.textField(name: "emergencyName", label: "Their name", value: fields["emergencyName"], error: errors["emergencyName"], maxLength: 120),
                FormViews.textField(name: "emergencyPhone", label: "Their phone number", value: fields["emergencyPhone"], error: errors["emergencyPhone"],
                                    type: .tel, maxLength: 40),
                FormViews.textField(name: "emergencyRelationship", label: "How you know them", value: fields["emergencyRelationship"],
                                    error: errors["emergencyRelationship"], required: false, maxLength: 60),
                .h2(.text("Consents")),
                .forEach(documents) { document in
                    .div(.class("consent"),
                         .h3(.text("\(document.kind.title) (version \(document.version))")),
                         .div(.class("message-body"), .text(document.text)),
                         FormViews.checkbox(name: "consent-\(document.kind.rawValue)", label: "I agree", checked: fields["consent-\(document.kind.rawValue)"] == "yes",
                                            error: errors["consent-\(document.kind.rawValue)"]))
                },
                FormViews.textField(name: "typedName", label: "Type your full name to sign", value: fields["typedName"], error: errors["typedName"],
                                    autocomplete: "name", maxLength: 120, hint: "Your typed name, with today's date and time, is your signature."),
                .button(.class("button"), .type(.submit), .text("Sign and send"))
            )
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Intake forms" : "Please check: Intake forms", chrome: try await request.chrome(),
                                       content: content), status: status)
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

                \(request.services.settings.publicBaseURL)/intake/\(token)

                The link works for 30 days.

                \(clinic.name)
                \(clinic.phone)
                """, at: now, on: db)
        }
        request.nudgeOutbox()
        try await request.audit(.create, recordType: "intake", recordID: record.id?.uuidString, subject: client.id?.uuidString, detail: "sent")
        return request.redirect(to: "/staff/appointments/\(id.uuidString)?done=sent")
    }
}
