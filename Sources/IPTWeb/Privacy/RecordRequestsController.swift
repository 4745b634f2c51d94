import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The right of access and of correction. Clients ask in the portal (or staff record the request for
/// them); the director sees each request with its 30-day due date, releases a copy of the record
/// (readable page and FHIR Bundle) or accepts or refuses a correction, a refusal carrying the
/// client's statement of disagreement into the record.
struct RecordRequestsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.clientRecord, use: staffRecord)
        site.get(.clientRecordFHIR, use: staffRecordFHIR)
        site.post(.clientRequests, use: recordOnBehalf)
        site.get(.recordRequests, use: list)
        site.get(.recordRequest, use: show)
        site.post(.recordRequestProvide, use: provide)
        site.post(.recordRequestAccept, use: accept)
        site.post(.recordRequestRefuse, use: refuse)
    }

    static let detailsLimit = 4_000

    private func zone(_ request: Request) async throws -> (ClinicTimeZone, String) {
        let clinic = try await request.services.clinic.current(on: request.db)
        return (clinic.zone, clinic.name)
    }

    // MARK: The export, for staff

    func staffRecord(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let includeNotes = request.query[String.self, at: "notes"] != "0"
        let export = try await RecordExport.load(clientID: context.clientID, includeNotes: includeNotes, keyRing: request.services.keyRing,
                                              instruments: request.services.instruments, on: request.db)
        let (_, clinicName) = try await zone(request)
        let id = context.clientID
        return try await request.auditedPage("Health record", recordType: "record-copy", recordID: id.uuidString, subject: id.uuidString, action: .export,
                                             detail: includeNotes ? "with notes" : "without notes") {
            RecordCopyPage.view(RecordCopyPage.Model(links: [
                .init(href: SitePath.chart.link(id), label: "Back to the chart"),
                .init(href: SitePath.clientRecordFHIR.link(id, query: ["notes": includeNotes ? nil : "0"]), label: "Download as FHIR R4 (JSON)"),
                .init(href: SitePath.clientRecord.link(id, query: ["notes": includeNotes ? "0" : nil]),
                      label: includeNotes ? "Without clinical notes" : "With clinical notes"),
            ], record: export.copy(zone: context.zone, clinicName: clinicName, now: request.now)))
        }
    }

    func staffRecordFHIR(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let includeNotes = request.query[String.self, at: "notes"] != "0"
        let export = try await RecordExport.load(clientID: context.clientID, includeNotes: includeNotes, keyRing: request.services.keyRing,
                                              instruments: request.services.instruments, on: request.db)
        try await request.audit(.export, recordType: "record-fhir", recordID: context.clientID.uuidString, subject: context.clientID.uuidString,
                                detail: includeNotes ? "with notes" : "without notes")
        return try export.fhirResponse(now: request.now, zone: context.zone)
    }

    // MARK: Requests

    static func create(kind: RecordRequest.Kind, clientID: UUID, details: String, source: String, request: Request) async throws -> RecordRequest {
        let (zone, _) = try await RecordRequestsController().zone(request)
        let row = RecordRequest()
        row.id = UUID()
        row.$client.id = clientID
        row.kind = kind
        row.source = source
        row.detailsSealed = try request.services.keyRing.seal(details, RecordRequest.detailsContext(row.id!, client: row.$client.id))
        row.status = RecordRequest.Status.open
        row.requestedAt = request.now
        row.dueOn = RecordRequestDeadline.due(requestedOn: zone.localDate(of: request.now)).description
        row.includeNotes = true
        try await row.create(on: request.db)
        return row
    }

    func recordOnBehalf(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleRecordRequests)
        guard let clientID = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              try await ClientRecord.find(clientID, on: request.db) != nil else { throw Abort(.notFound) }
        let (fields, _) = try request.formBody()
        guard let kind = fields["kind"].flatMap(RecordRequest.Kind.init(rawValue:)) else {
            throw Abort(.unprocessableEntity, reason: "Choose whether the client asks for a copy or for a correction.")
        }
        guard let details = TextRules.clean(fields["details"]), TextRules.length(fields["details"]) <= Self.detailsLimit else {
            throw Abort(.unprocessableEntity, reason: "Write what the client asked for (up to \(Self.detailsLimit) characters).")
        }
        let row = try await Self.create(kind: kind, clientID: clientID, details: details, source: "staff", request: request)
        try await request.audit(.create, recordType: "record-request", recordID: row.id?.uuidString, subject: clientID.uuidString, detail: kind.rawValue)
        return request.redirect(to: SitePath.recordRequest.link(try row.requireID()))
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleRecordRequests)
        let (zone, _) = try await zone(request)
        let today = zone.localDate(of: request.now)
        let rows = try await PrivacyQueries.recentRequests(on: request.db)
        let open = rows.filter { $0.status == RecordRequest.Status.open }.sorted { $0.dueOn < $1.dueOn }
        let done = rows.filter { $0.status != RecordRequest.Status.open }
        try await request.audit(.view, recordType: "record-requests", detail: "open=\(open.count)")
        func row(_ row: RecordRequest) -> RecordRequestListPage.Row {
            let due = LocalDate(iso: row.dueOn)
            return .init(id: row.id?.uuidString ?? "", client: row.client.name,
                         asksFor: row.kind == RecordRequest.Kind.access ? "A copy of the record" : "A correction",
                         asked: DateDisplay.shortDay(zone.localDate(of: row.requestedAt)), due: due.map(DateDisplay.shortDay) ?? row.dueOn,
                         overdue: row.status == RecordRequest.Status.open && due.map { $0 < today } == true, status: RecordExport.statusLabel(row.status))
        }
        let model = RecordRequestListPage.Model(deadlineDays: RecordRequestDeadline.days, notice: PrivacyQueries.doneNotice(request),
                                                open: open.map(row), answered: done.map(row))
        return try await request.page("Requests", RecordRequestListPage.view(model))
    }

    private func requestRow(_ request: Request) async throws -> RecordRequest {
        _ = try await request.authorize(.handleRecordRequests)
        guard let id = request.parameters.get("request").flatMap(UUID.init(uuidString:)),
              let row = try await PrivacyQueries.request(id, on: request.db) else { throw Abort(.notFound) }
        return row
    }

    func show(_ request: Request) async throws -> Response {
        let row = try await requestRow(request)
        return try await render(request, row: row, errors: FieldErrors(), fields: [:])
    }

    private func render(_ request: Request, row: RecordRequest, errors: FieldErrors, fields: [String: String],
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let (zone, _) = try await zone(request)
        let id = try row.requireID()
        return try await request.auditedPage(errors.isEmpty ? "Request" : "Please check: Request", recordType: "record-request", recordID: id.uuidString,
                                             subject: row.$client.id.uuidString, status: status) {
            let ring = request.services.keyRing
            let response = try ring.openOptional(row.responseSealed, RecordRequest.responseContext(id, client: row.$client.id))
            return RecordRequestPage.view(RecordRequestPage.Model(
                requestID: id.uuidString, clientID: row.$client.id.uuidString, clientName: row.client.name,
                kind: row.kind == RecordRequest.Kind.access ? .access : .correction, isOpen: row.status == RecordRequest.Status.open,
                notice: PrivacyQueries.doneNotice(request),
                asked: "\(DateDisplay.when(row.requestedAt, zone: zone)) (\(row.source == "portal" ? "in the portal" : "recorded by staff"))",
                due: LocalDate(iso: row.dueOn).map(DateDisplay.day) ?? row.dueOn, status: RecordExport.statusLabel(row.status),
                details: try ring.open(row.detailsSealed, RecordRequest.detailsContext(id, client: row.$client.id)),
                answer: response.map { CorrectionAnswer.decode($0)?.summary ?? $0 },
                fields: fields, errors: errors, detailsLimit: Self.detailsLimit, csrfToken: request.csrfToken))
        }
    }

    private func resolve(_ row: RecordRequest, status: RecordRequest.Status, response: String?, request: Request) async throws {
        let ring = request.services.keyRing
        let id = try row.requireID()
        let sealed = try ring.sealOptional(response, RecordRequest.responseContext(id, client: row.$client.id))
        let staffID = try request.requireStaff().id
        let now = request.now
        let includeNotes = row.includeNotes
        // Only an open request is answered, once.
        let answered = try await request.db.updateWhileStatus(RecordRequest.schema, id: id, statusIn: [RecordRequest.Status.open], set: [
            ("status", status.rawValue), ("response_sealed", sealed), ("resolved_at", now), ("resolved_by_id", staffID), ("include_notes", includeNotes),
        ])
        guard answered else { throw Abort(.conflict, reason: "This request has already been answered.") }
        try await request.audit(.update, recordType: "record-request", recordID: id.uuidString, subject: row.$client.id.uuidString, detail: status.rawValue)
    }

    func provide(_ request: Request) async throws -> Response {
        let row = try await requestRow(request)
        guard row.kind == RecordRequest.Kind.access else { throw Abort(.unprocessableEntity, reason: "This is not a request for a copy.") }
        let (fields, _) = try request.formBody()
        row.includeNotes = fields["includeNotes"] == "yes"
        try await resolve(row, status: .provided, response: row.includeNotes ? "Released with clinical notes" : "Released without clinical notes", request: request)
        return request.redirect(to: SitePath.recordRequests.link(query: ["done": "saved"]))
    }

    func accept(_ request: Request) async throws -> Response {
        let row = try await requestRow(request)
        guard row.kind == RecordRequest.Kind.correction else { throw Abort(.unprocessableEntity, reason: "This is not a correction request.") }
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        let before = TextRules.clean(fields["before"]), correction = TextRules.clean(fields["correction"])
        if before == nil || TextRules.length(fields["before"]) > Self.detailsLimit { errors.add("before", "Copy the entry as it stood, so it stays visible beside the correction.") }
        if correction == nil || TextRules.length(fields["correction"]) > Self.detailsLimit { errors.add("correction", "Write the correction.") }
        guard errors.isEmpty, let before, let correction else {
            return try await render(request, row: row, errors: errors, fields: fields, status: .unprocessableEntity)
        }
        try await resolve(row, status: .accepted, response: try CorrectionAnswer(before: before, after: correction).encoded(), request: request)
        return request.redirect(to: SitePath.recordRequests.link(query: ["done": "saved"]))
    }

    func refuse(_ request: Request) async throws -> Response {
        let row = try await requestRow(request)
        guard row.kind == RecordRequest.Kind.correction else { throw Abort(.unprocessableEntity, reason: "This is not a correction request.") }
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        let reason = TextRules.clean(fields["reason"])
        if reason == nil || TextRules.length(fields["reason"]) > Self.detailsLimit { errors.add("reason", "Say why the record is right as it is.") }
        if TextRules.length(fields["statement"]) > Self.detailsLimit { errors.add("statement", "Keep the statement under \(Self.detailsLimit) characters.") }
        guard errors.isEmpty, let reason else { return try await render(request, row: row, errors: errors, fields: fields, status: .unprocessableEntity) }
        try await resolve(row, status: .refused, response: try CorrectionAnswer(reason: reason, statement: TextRules.clean(fields["statement"])).encoded(), request: request)
        return request.redirect(to: SitePath.recordRequests.link(query: ["done": "saved"]))
    }
}

/// The answer to a correction request: the entry as it stood and the correction (accepted), or the
/// reason and the client's statement of disagreement (refused).
struct CorrectionAnswer: Codable {
    var before: String?
    var after: String?
    var reason: String?
    var statement: String?

    func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    static func decode(_ text: String) -> CorrectionAnswer? { try? JSONDecoder().decode(CorrectionAnswer.self, from: Data(text.utf8)) }

    var summary: String {
        if let after { return "Was: \(before ?? ""). Now: \(after)." }
        return "Refused: \(reason ?? "")" + (statement.map { " Statement of disagreement: \($0)" } ?? "")
    }
}
