import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The client's side of the right of access and correction, in the portal: ask for a copy, read it
/// once the clinic has released it (and download it as FHIR), ask for a correction. A guardian's
/// portal session does not reach the adolescent's record.
struct PortalRecordController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.post(.portalRecordRequest, use: askForCopy)
        site.get(.portalRecord, use: record)
        site.get(.portalRecordFHIR, use: recordFHIR)
        site.get(.portalCorrection, use: correctionForm)
        site.post(.portalCorrection, use: askForCorrection)
    }

    /// The client's own portal session; none goes back to the sign-in page. A guardian is told the
    /// page is the client's own, rather than sent to sign in again as if signed out.
    private func client(_ request: Request) async throws -> (PortalSession, UUID)? {
        guard let session = try await PortalController().current(request) else { return nil }
        guard !session.asGuardian else { throw PortalController.clientsOwn(session) }
        return (session, try session.client.requireID())
    }

    private func audit(_ request: Request, _ action: AuditAction, _ type: String, clientID: UUID, recordID: String? = nil) async throws {
        try await request.application.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "client (portal)", action: action, recordType: type,
                                                                    recordID: recordID, subject: clientID.uuidString, requestID: request.referenceID))
    }

    func askForCopy(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        if try await !PrivacyQueries.hasOpenAccessRequest(clientID, on: request.db) {
            let row = try await RecordRequestsController.create(kind: .access, clientID: clientID, details: "A copy of my whole record", source: "portal", request: request)
            try await audit(request, .create, "record-request", clientID: clientID, recordID: row.id?.uuidString)
        }
        return request.redirect(to: SitePath.portal.link(query: ["done": "asked"]))
    }

    func record(_ request: Request) async throws -> Response {
        guard let (session, clientID) = try await client(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        guard let copy = try await PrivacyQueries.releasedCopy(of: clientID, on: request.db) else {
            return try await request.messagePage(title: "Your record is not ready yet",
                                                 paragraphs: ["The clinic answers a request for your record within \(RecordRequestDeadline.days) days. You will find it here once it is released."],
                                                 status: .notFound)
        }
        let export = try await RecordExport.load(clientID: clientID, includeNotes: copy.includeNotes, keyRing: request.services.keyRing,
                                              instruments: request.services.instruments,
                                              asOf: copy.resolvedAt, on: request.db)
        try await audit(request, .view, "record-copy", clientID: clientID, recordID: copy.id?.uuidString)
        let clinic = try await request.services.clinic.current(on: request.db)
        let model = RecordCopyPage.Model(links: [
            .init(href: SitePath.portal.link, label: "Back to your appointments"),
            .init(href: SitePath.portalRecordFHIR.link, label: "Download it as FHIR R4 (JSON), for another health app"),
            .init(href: SitePath.portalCorrection.link, label: "Ask for a correction"),
        ], record: export.copy(zone: clinic.zone, clinicName: clinic.name, now: request.now))
        return try await request.page("Your health record", .group(PortalHomePage.header(PortalController.header(session, request: request)),
                                                                   RecordCopyPage.view(model)))
    }

    func recordFHIR(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        guard let copy = try await PrivacyQueries.releasedCopy(of: clientID, on: request.db) else { throw Abort(.notFound, reason: "Your record has not been released yet.") }
        let export = try await RecordExport.load(clientID: clientID, includeNotes: copy.includeNotes, keyRing: request.services.keyRing,
                                              instruments: request.services.instruments,
                                              asOf: copy.resolvedAt, on: request.db)
        try await audit(request, .export, "record-fhir", clientID: clientID, recordID: copy.id?.uuidString)
        let clinic = try await request.services.clinic.current(on: request.db)
        return try export.fhirResponse(now: request.now, zone: clinic.zone)
    }

    func correctionForm(_ request: Request) async throws -> Response {
        guard try await client(request) != nil else { return request.redirect(to: SitePath.portalSignIn.link) }
        return try await renderCorrection(request, fields: [:], errors: FieldErrors())
    }

    private func renderCorrection(_ request: Request, fields: [String: String], errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = CorrectionRequestPage.Model(deadlineDays: RecordRequestDeadline.days, fields: fields, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, CorrectionRequestPage.view(model), status: status)
    }

    func askForCorrection(_ request: Request) async throws -> Response {
        guard let (_, clientID) = try await client(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        for (key, label, limit) in [("where", "Say which part of the record.", 200), ("wrong", "Say what is wrong.", 2_000), ("should", "Say what it should say.", 2_000)] {
            if TextRules.clean(fields[key]) == nil || TextRules.length(fields[key]) > limit { errors.add(key, "\(label) (Up to \(limit) characters.)") }
        }
        guard errors.isEmpty else { return try await renderCorrection(request, fields: fields, errors: errors, status: .unprocessableEntity) }
        let details = "Where: \(TextRules.clean(fields["where"])!)\nWhat is wrong: \(TextRules.clean(fields["wrong"])!)\nWhat it should say: \(TextRules.clean(fields["should"])!)"
        let row = try await RecordRequestsController.create(kind: .correction, clientID: clientID, details: details, source: "portal", request: request)
        try await audit(request, .create, "record-request", clientID: clientID, recordID: row.id?.uuidString)
        return request.redirect(to: SitePath.portal.link(query: ["done": "correction"]))
    }
}
