import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The right of access and of correction. Clients ask in the portal (or staff record the request for
/// them); the director sees each request with its 30-day due date, releases a copy of the record
/// (readable page and FHIR Bundle) or accepts or refuses a correction, a refusal carrying the
/// client's statement of disagreement into the record.
struct RecordRequestsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "record", use: staffRecord)
        routes.get("staff", "clients", ":id", "record.fhir.json", use: staffRecordFHIR)
        routes.post("staff", "clients", ":id", "requests", use: recordOnBehalf)
        routes.get("staff", "requests", use: list)
        routes.get("staff", "requests", ":request", use: show)
        routes.post("staff", "requests", ":request", "provide", use: provide)
        routes.post("staff", "requests", ":request", "accept", use: accept)
        routes.post("staff", "requests", ":request", "refuse", use: refuse)
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
        try await request.audit(.export, recordType: "record-copy", recordID: context.clientID.uuidString, subject: context.clientID.uuidString,
                                detail: includeNotes ? "with notes" : "without notes")
        let (_, clinicName) = try await zone(request)
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("no-print"), .a(.href("\(context.base)/chart"), .text("Back to the chart")), .text(" · "),
               .a(.href("\(context.base)/record.fhir.json\(includeNotes ? "" : "?notes=0")"), .text("Download as FHIR R4 (JSON)")), .text(" · "),
               .a(.href("\(context.base)/record\(includeNotes ? "?notes=0" : "")"), .text(includeNotes ? "Without clinical notes" : "With clinical notes"))),
            export.html(zone: context.zone, clinicName: clinicName, now: request.now)
        )
        return try await ChartViews.page(request, title: "Health record", content: content)
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
        return request.redirect(to: "/staff/requests/\(row.id!.uuidString)")
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleRecordRequests)
        let (zone, _) = try await zone(request)
        let today = zone.localDate(of: request.now)
        let rows = try await RecordRequest.query(on: request.db).with(\.$client).sort(\.$requestedAt, .descending).limit(200).all()
        let open = rows.filter { $0.status == RecordRequest.Status.open }.sorted { $0.dueOn < $1.dueOn }
        let done = rows.filter { $0.status != RecordRequest.Status.open }
        try await request.audit(.view, recordType: "record-requests", detail: "open=\(open.count)")
        func table(_ rows: [RecordRequest], id: String, caption: String) -> Node<HTML.BodyContext> {
            TableViews.scrollable(captionID: id, .table(
                .class("data-table"),
                .caption(.id(id), .text(caption)),
                .thead(.tr(.th(.text("Client")), .th(.text("Asks for")), .th(.text("Asked")), .th(.text("Due")), .th(.text("Status")))),
                .tbody(.forEach(rows) { row in
                    let due = LocalDate(iso: row.dueOn)
                    let overdue = row.status == RecordRequest.Status.open && due.map { $0 < today } == true
                    return .tr(.td(.a(.href("/staff/requests/\(row.id!.uuidString)"), .text(row.client.name))),
                               .td(.text(row.kind == RecordRequest.Kind.access ? "A copy of the record" : "A correction")),
                               .td(.text(DateDisplay.shortDay(zone.localDate(of: row.requestedAt)))),
                               .td(.text(due.map(DateDisplay.shortDay) ?? row.dueOn), .if(overdue, .group(.br(), .strong(.class("flag"), .text("Overdue"))))),
                               .td(.text(RecordExport.statusLabel(row.status))))
                })))
        }
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Access and correction requests")),
            .p(.class("lede"), .text("A client may see their record and ask for corrections; the clinic answers within \(RecordRequestDeadline.days) days.")),
            .p(.a(.href("/staff/retention"), .text("Record retention: records past their retention date, holds, destruction"))),
            ChartViews.notice(request),
            .if(open.isEmpty, .p(.text("No request is waiting."))),
            .if(!open.isEmpty, table(open, id: "open-requests", caption: "Waiting, soonest due first")),
            .if(!done.isEmpty, .group(.h2(.text("Answered")), table(done, id: "done-requests", caption: "Answered, newest first")))
        )
        return try await ChartViews.page(request, title: "Requests", content: content)
    }

    private func requestRow(_ request: Request) async throws -> RecordRequest {
        _ = try await request.authorize(.handleRecordRequests)
        guard let id = request.parameters.get("request").flatMap(UUID.init(uuidString:)),
              let row = try await RecordRequest.query(on: request.db).filter(\.$id == id).with(\.$client).first() else { throw Abort(.notFound) }
        return row
    }

    func show(_ request: Request) async throws -> Response {
        let row = try await requestRow(request)
        return try await render(request, row: row, errors: FieldErrors(), fields: [:])
    }

    private func render(_ request: Request, row: RecordRequest, errors: FieldErrors, fields: [String: String],
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let ring = request.services.keyRing
        let details = try ring.open(row.detailsSealed, RecordRequest.detailsContext(row.id!, client: row.$client.id))
        let response = try ring.openOptional(row.responseSealed, RecordRequest.responseContext(row.id!, client: row.$client.id))
        let (zone, _) = try await zone(request)
        try await request.audit(.view, recordType: "record-request", recordID: row.id?.uuidString, subject: row.$client.id.uuidString)
        let isOpen = row.status == RecordRequest.Status.open
        let base = "/staff/requests/\(row.id!.uuidString)"
        let clientBase = "/staff/clients/\(row.$client.id.uuidString)"
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(row.kind == RecordRequest.Kind.access ? "Copy of the record: \(row.client.name)" : "Correction: \(row.client.name)")),
            ChartViews.notice(request),
            .dl(.class("details"),
                .dt(.text("Asked")), .dd(.text("\(DateDisplay.when(row.requestedAt, zone: zone)) (\(row.source == "portal" ? "in the portal" : "recorded by staff"))")),
                .dt(.text("Due")), .dd(.text(LocalDate(iso: row.dueOn).map(DateDisplay.day) ?? row.dueOn)),
                .dt(.text("Status")), .dd(.text(RecordExport.statusLabel(row.status))),
                .dt(.text("What the client asks")), .dd(.text(details)),
                .unwrap(response) { .group(.dt(.text("Answer")), .dd(.text(CorrectionAnswer.decode($0)?.summary ?? $0))) }),
            .p(.a(.href("\(clientBase)/record"), .text("Open the record copy")), .text(" · "),
               .a(.href("\(clientBase)/record.fhir.json"), .text("FHIR R4 (JSON)")), .text(" · "),
               .a(.href("\(clientBase)/notes"), .text("Session notes"))),
            FormViews.errorSummary(errors),
            .if(isOpen && row.kind == RecordRequest.Kind.access, .form(
                .method(.post), .action("\(base)/provide"), .class("form"),
                FormViews.csrf(request.csrfToken),
                FormViews.checkbox(name: "includeNotes", label: "Include the signed session notes, formulation and discharge summary", checked: true, error: nil),
                .p(.class("hint"), .text("The client then reads the copy, and can download it as FHIR, in the portal.")),
                .button(.class("button"), .type(.submit), .text("Release the copy to the client")))),
            .if(isOpen && row.kind == RecordRequest.Kind.correction, .group(
                .h2(.text("Accept")),
                .p(.class("hint"), .text("For a session note, add an amendment to it first (the wrong entry stays, struck through, with the correction beside it); then describe here what was corrected.")),
                .form(.method(.post), .action("\(base)/accept"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textArea(name: "before", label: "The entry as it stood", value: fields["before"], error: errors["before"],
                                         maxLength: Self.detailsLimit, rows: 2, hint: "Kept, struck through, in every copy of the record."),
                      FormViews.textArea(name: "correction", label: "The correction", value: fields["correction"], error: errors["correction"],
                                         maxLength: Self.detailsLimit, rows: 3),
                      .button(.class("button"), .type(.submit), .text("Accept the correction"))),
                .h2(.text("Refuse")),
                .form(.method(.post), .action("\(base)/refuse"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textArea(name: "reason", label: "Why the record is right as it is", value: fields["reason"], error: errors["reason"],
                                         maxLength: Self.detailsLimit, rows: 3),
                      FormViews.textArea(name: "statement", label: "The client's statement of disagreement", value: fields["statement"], error: errors["statement"],
                                         maxLength: Self.detailsLimit, rows: 3, hint: "It is attached to the record and shown with it.", required: false),
                      .button(.class("button secondary"), .type(.submit), .text("Refuse, keeping the statement")))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Request" : "Please check: Request", content: content, status: status)
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
        return request.redirect(to: "/staff/requests?done=saved")
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
        return request.redirect(to: "/staff/requests?done=saved")
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
        return request.redirect(to: "/staff/requests?done=saved")
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
