import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Focus-area worksheets, drawn from their templates in IPTCore. Every save is a new version; a
/// role dispute has one worksheet per other person, with the history of its stage.
struct WorksheetController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.worksheets, use: index)
        site.get(.worksheetThread, use: show)
        site.post(.worksheetThread, use: save)
    }

    /// The key for a client's one worksheet of a focus; dispute worksheets use their first version's id.
    static let single = WorksheetsPage.single

    func index(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        let rows = try await ClinicalQueries.worksheets(of: context.clientID, on: request.db)
        let latestByThread = Dictionary(grouping: rows) { "\($0.focus)/\($0.subjectKey)" }.compactMapValues(\.first)
        let sections = try state.focusAreas.map { focus in
            let template = WorksheetTemplate.template(for: focus)
            let threads = try latestByThread.values.filter { $0.focus == focus.rawValue }.sorted { $0.createdAt < $1.createdAt }.map { thread in
                let content = try open(thread, keyRing: request.services.keyRing)
                let stage = content.text["stage"].flatMap(DisputeStage.init(rawValue:))
                return WorksheetsPage.Thread(key: thread.subjectKey, name: template.subjectField.flatMap { content.text[$0] } ?? template.title,
                                             detail: " (version \(thread.version)\(stage.map { ", \($0.label.lowercased())" } ?? ""))")
            }
            return WorksheetsPage.Section(focus: focus, title: template.title, threads: threads, perSubject: template.subjectField != nil)
        }
        let model = WorksheetsPage.Model(header: context.header(.worksheets, title: "Worksheets: \(context.client.name)"), done: request.doneKey, sections: sections)
        return try await request.auditedPage("Worksheets", recordType: "worksheets", subject: context.clientID.uuidString,
                                             detail: "versions=\(rows.count)") { WorksheetsPage.view(model) }
    }

    private func open(_ row: WorksheetRow, keyRing: KeyRing) throws -> WorksheetContent {
        let json = try keyRing.open(row.contentSealed, WorksheetRow.contentContext(row.id!, client: row.$client.id))
        return try JSONDecoder().decode(WorksheetContent.self, from: Data(json.utf8))
    }

    /// The focus named in the path, refused unless the client's formulation has it.
    private func focus(_ request: Request, _ state: CourseState) throws -> FocusArea {
        guard let focus = request.parameters.get("focus").flatMap(FocusArea.init(rawValue:)) else { throw Abort(.notFound) }
        guard state.focusAreas.contains(focus) else {
            throw Abort(.unprocessableEntity, reason: "This client's formulation does not have \(focus.label.lowercased()) as a focus, so there is no \(focus.label.lowercased()) worksheet. Change the formulation first if the focus has changed.")
        }
        return focus
    }

    private func versions(_ context: ChartContext, focus: FocusArea, thread: String, on database: any Database) async throws -> [WorksheetRow] {
        try await ClinicalQueries.worksheetVersions(of: context.clientID, focus: focus, thread: thread, on: database)
    }

    /// The thread in the path: "new" for a dispute not yet saved, "main" for the single worksheet,
    /// or an existing dispute's key. Anything else is missing.
    private func thread(_ request: Request, template: WorksheetTemplate, context: ChartContext) async throws -> (key: String, versions: [WorksheetRow]) {
        let raw = request.parameters.get("thread") ?? ""
        if template.subjectField == nil {
            guard raw == Self.single else { throw Abort(.notFound) }
            return (raw, try await versions(context, focus: template.focus, thread: raw, on: request.db))
        }
        if raw == "new" { return (raw, []) }
        guard UUID(uuidString: raw) != nil else { throw Abort(.notFound) }
        let found = try await versions(context, focus: template.focus, thread: raw, on: request.db)
        guard !found.isEmpty else { throw Abort(.notFound) }
        return (raw, found)
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        let template = WorksheetTemplate.template(for: try focus(request, state))
        let (key, versions) = try await thread(request, template: template, context: context)
        let wanted = request.query[Int.self, at: "version"]
        let shown = wanted.flatMap { number in versions.first { $0.version == number } } ?? versions.last
        let content = try shown.map { try open($0, keyRing: request.services.keyRing) } ?? WorksheetContent()
        let model = try pageModel(request, context: context, template: template, key: key, versions: versions, shown: shown, content: content,
                                  errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "worksheet", recordID: shown?.id?.uuidString,
                                             subject: context.clientID.uuidString) { WorksheetPage.view(model) }
    }

    private func pageModel(_ request: Request, context: ChartContext, template: WorksheetTemplate, key: String, versions: [WorksheetRow],
                           shown: WorksheetRow?, content: WorksheetContent, errors: FieldErrors) throws -> WorksheetPage.Model {
        let zone = context.zone
        // The stage is part of each version's sealed content; it is not kept anywhere in the open.
        let stages = DisputeHistory.changes(try versions.compactMap { row in
            try open(row, keyRing: request.services.keyRing).text["stage"].flatMap(DisputeStage.init(rawValue:))
                .map { StageRecord(date: zone.localDate(of: row.createdAt), session: row.sessionNumber, stage: $0) }
        })
        return WorksheetPage.Model(
            header: context.header(.worksheets, title: "\(template.title): \(context.client.name)"), done: request.doneKey, template: template, key: key,
            stages: stages.map { "\(DateDisplay.day($0.date))\($0.session.map { ", after session \($0)" } ?? ""): \($0.stage.label)" },
            versionCount: versions.count, shownVersion: shown?.version ?? 0,
            earlier: versions.reversed().dropFirst().map { row in
                .init(version: row.version, label: "\(row.version) (\(DateDisplay.shortDay(zone.localDate(of: row.createdAt))), \(row.createdBy.name))")
            },
            isOld: shown != nil && shown?.id != versions.last?.id, content: content, errors: errors, csrfToken: request.csrfToken)
    }

    func save(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        let template = WorksheetTemplate.template(for: try focus(request, state))
        let (key, versions) = try await thread(request, template: template, context: context)
        let (fields, lists) = try request.formBody()
        switch template.read(fields: fields, lists: lists) {
        case .failure(let rejection):
            var typed = WorksheetContent(text: fields, checked: lists)
            typed.text = typed.text.filter { $0.key != "_csrf" }
            let model = try pageModel(request, context: context, template: template, key: key, versions: versions, shown: versions.last, content: typed,
                                      errors: rejection.errors)
            return try await request.auditedPage(model.title, recordType: "worksheet", recordID: versions.last?.id?.uuidString,
                                                 subject: context.clientID.uuidString, detail: AuditDetail.formReturned, status: .unprocessableEntity) { WorksheetPage.view(model) }
        case .success(let content):
            let row = WorksheetRow()
            row.id = UUID()
            row.$client.id = context.clientID
            row.focus = template.focus.rawValue
            row.subjectKey = key == "new" ? row.id!.uuidString : key
            row.version = (versions.last?.version ?? 0) + 1
            row.sessionNumber = state.sessionsHeld > 0 ? state.sessionsHeld : nil
            row.contentSealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), WorksheetRow.contentContext(row.id!, client: row.$client.id))
            row.$createdBy.id = context.staff.id
            row.createdAt = request.now
            try await row.createRefusingDuplicates(on: request.db, message: "Someone saved this worksheet at the same moment. Reload the page and try again.")
            try await request.audit(.create, recordType: "worksheet", recordID: row.id?.uuidString, subject: context.clientID.uuidString,
                                    detail: "version \(row.version)")
            return request.redirect(to: SitePath.worksheetThread.link(context.clientID, template.focus.rawValue, row.subjectKey, query: ["done": "saved"]))
        }
    }
}
