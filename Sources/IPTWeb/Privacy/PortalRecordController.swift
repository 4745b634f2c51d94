import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The client's side of the right of access and correction, in the portal: ask for a copy, read it
/// once the clinic has released it (and download it as FHIR), ask for a correction. A guardian's
/// portal session does not reach the adolescent's record.
struct PortalRecordController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let portal = routes.grouped("portal")
        portal.post("record-request", use: askForCopy)
        portal.get("record", use: record)
        portal.get("record.fhir.json", use: recordFHIR)
        portal.get("correction", use: correctionForm)
        portal.post("correction", use: askForCorrection)
    }

    /// The client's own portal session; a guardian's, or none, goes back to the sign-in page.
    private func client(_ request: Request) async throws -> (PortalSession, UUID)? {
        guard let session = try await PortalController().current(request), !session.asGuardian else { return nil }
        return (session, try session.client.requireID())
    }

    private func audit(_ request: Request, _ action: AuditAction, _ type: String, clientID: UUID, recordID: String? = nil) async throws {
        try await request.application.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "client (portal)", action: action, recordType: type,
                                                                    recordID: recordID, subject: clientID.uuidString, requestID: request.referenceID))
    }

    func askForCopy(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: "/portal/sign-in") }
        let open = try await RecordRequest.query(on: request.db).filter(\.$client.$id == clientID).filter(\.$kind == RecordRequest.Kind.access)
            .filter(\.$status == RecordRequest.Status.open).count()
        if open == 0 {
            let row = try await RecordRequestsController.create(kind: .access, clientID: clientID, details: "A copy of my whole record", source: "portal", request: request)
            try await audit(request, .create, "record-request", clientID: clientID, recordID: row.id?.uuidString)
        }
        return request.redirect(to: "/portal?done=asked")
    }

    /// The latest copy released to the client, if any.
    private func released(_ clientID: UUID, on db: any Database) async throws -> RecordRequest? {
        try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$kind == RecordRequest.Kind.access)
            .filter(\.$status == RecordRequest.Status.provided).sort(\.$resolvedAt, .descending).first()
    }

    func record(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: "/portal/sign-in") }
        guard let copy = try await released(clientID, on: request.db) else {
            return try await request.messagePage(title: "Your record is not ready yet",
                                                 paragraphs: ["The clinic answers a request for your record within \(RecordRequestDeadline.days) days. You will find it here once it is released."],
                                                 status: .notFound)
        }
        let export = try await RecordExport.load(clientID: clientID, includeNotes: copy.includeNotes, keyRing: request.services.keyRing,
                                              instruments: request.services.instruments,
                                              asOf: copy.resolvedAt, on: request.db)
        try await audit(request, .view, "record-copy", clientID: clientID, recordID: copy.id?.uuidString)
        let clinic = try await request.services.clinic.current(on: request.db)
        let zone = clinic.zone
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("no-print"), .a(.href("/portal"), .text("Back to your appointments")), .text(" · "),
               .a(.href("/portal/record.fhir.json"), .text("Download it as FHIR R4 (JSON), for another health app")), .text(" · "),
               .a(.href("/portal/correction"), .text("Ask for a correction"))),
            export.html(zone: zone, clinicName: clinic.name, now: request.now)
        )
        return .html(PageLayout.render(title: "Your health record", chrome: try await request.chrome(), content: content))
    }

    func recordFHIR(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: "/portal/sign-in") }
        guard let copy = try await released(clientID, on: request.db) else { throw Abort(.notFound, reason: "Your record has not been released yet.") }
        let export = try await RecordExport.load(clientID: clientID, includeNotes: copy.includeNotes, keyRing: request.services.keyRing,
                                              instruments: request.services.instruments,
                                              asOf: copy.resolvedAt, on: request.db)
        try await audit(request, .export, "record-fhir", clientID: clientID, recordID: copy.id?.uuidString)
        let clinic = try await request.services.clinic.current(on: request.db)
        return try export.fhirResponse(now: request.now, zone: clinic.zone)
    }

    func correctionForm(_ request: Request) async throws -> Response {
        guard try await client(request) != nil else { return request.redirect(to: "/portal/sign-in") }
        return try await renderCorrection(request, fields: [:], errors: FieldErrors())
    }

    private func renderCorrection(_ request: Request, fields: [String: String], errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Ask for a correction")),
            .p(.class("lede"), .text("If something in your record is wrong or incomplete, tell us. The clinic answers within \(RecordRequestDeadline.days) days: either the entry is corrected (the old words stay visible, struck through, beside the correction) or, if the clinic believes it is right, you may add a statement of disagreement that stays with your record.")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action("/portal/correction"), .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.textField(name: "where", label: "Which part of the record", value: fields["where"], error: errors["where"], maxLength: 200,
                                      hint: "For example: my phone number, or the note of my session on 3 November."),
                  FormViews.textArea(name: "wrong", label: "What is wrong", value: fields["wrong"], error: errors["wrong"], maxLength: 2_000, rows: 4),
                  FormViews.textArea(name: "should", label: "What it should say", value: fields["should"], error: errors["should"], maxLength: 2_000, rows: 4),
                  .button(.class("button"), .type(.submit), .text("Send the request")))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Ask for a correction" : "Please check: Ask for a correction", chrome: try await request.chrome(),
                                       content: content), status: status)
    }

    func askForCorrection(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: "/portal/sign-in") }
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        for (key, label, limit) in [("where", "Say which part of the record.", 200), ("wrong", "Say what is wrong.", 2_000), ("should", "Say what it should say.", 2_000)] {
            if TextRules.clean(fields[key]) == nil || TextRules.length(fields[key]) > limit { errors.add(key, "\(label) (Up to \(limit) characters.)") }
        }
        guard errors.isEmpty else { return try await renderCorrection(request, fields: fields, errors: errors, status: .unprocessableEntity) }
        let details = "Where: \(TextRules.clean(fields["where"])!)\nWhat is wrong: \(TextRules.clean(fields["wrong"])!)\nWhat it should say: \(TextRules.clean(fields["should"])!)"
        let row = try await RecordRequestsController.create(kind: .correction, clientID: clientID, details: details, source: "portal", request: request)
        try await audit(request, .create, "record-request", clientID: clientID, recordID: row.id?.uuidString)
        return request.redirect(to: "/portal?done=correction")
    }
}
