import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// Focus-area worksheets, drawn from their templates in IPTCore. Every save is a new version; a
/// role dispute has one worksheet per other person, with the history of its stage.
struct WorksheetController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "worksheets", use: index)
        routes.get("staff", "clients", ":id", "worksheets", ":focus", ":thread", use: show)
        routes.post("staff", "clients", ":id", "worksheets", ":focus", ":thread", use: save)
    }

    /// The key for a client's one worksheet of a focus; dispute worksheets use their first version's id.
    static let single = "main"

    func index(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        let rows = try await WorksheetRow.query(on: request.db).filter(\.$client.$id == context.clientID).sort(\.$version, .descending).all()
        try await request.audit(.view, recordType: "worksheets", subject: context.clientID.uuidString, detail: "versions=\(rows.count)")
        let latestByThread = Dictionary(grouping: rows) { "\($0.focus)/\($0.subjectKey)" }.compactMapValues(\.first)
        var sections: [Node<HTML.BodyContext>] = []
        for focus in state.focusAreas {
            let template = WorksheetTemplate.template(for: focus)
            let threads = latestByThread.values.filter { $0.focus == focus.rawValue }.sorted { $0.createdAt < $1.createdAt }
            var items: [Node<HTML.ListContext>] = []
            for thread in threads {
                let content = try open(thread, keyRing: request.services.keyRing)
                let name = template.subjectField.flatMap { content.text[$0] } ?? template.title
                let stage = content.text["stage"].flatMap(DisputeStage.init(rawValue:))
                items.append(.li(.a(.href("\(context.base)/worksheets/\(focus.rawValue)/\(thread.subjectKey)"), .text(name)),
                                 .text(" (version \(thread.version)\(stage.map { ", \($0.label.lowercased())" } ?? ""))")))
            }
            sections.append(.section(
                .h2(.text(template.title)),
                .if(items.isEmpty, .p(.text("Not started."))),
                .ul(.group(items)),
                .if(template.subjectField != nil || threads.isEmpty,
                    .p(.a(.class("button secondary"), .href("\(context.base)/worksheets/\(focus.rawValue)/\(template.subjectField == nil ? Self.single : "new")"),
                          .text(template.subjectField == nil ? "Start the worksheet" : "Add a dispute"))))))
        }
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "worksheets", title: "Worksheets: \(context.client.name)"),
            ChartViews.notice(request),
            .if(state.focusAreas.isEmpty, .p(.text("Worksheets follow the focus. Choose the focus in the formulation first."), .text(" "),
                                             .a(.href("\(context.base)/formulation"), .text("Go to the formulation")))),
            .group(sections)
        )
        return try await ChartViews.page(request, title: "Worksheets", content: content)
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
        try await WorksheetRow.query(on: database).filter(\.$client.$id == context.clientID).filter(\.$focus == focus.rawValue)
            .filter(\.$subjectKey == thread).sort(\.$version).with(\.$createdBy).all()
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
        try await request.audit(.view, recordType: "worksheet", recordID: shown?.id?.uuidString, subject: context.clientID.uuidString)
        return try await render(request, context: context, template: template, key: key, versions: versions, shown: shown, content: content,
                                errors: FieldErrors())
    }

    private func render(_ request: Request, context: ChartContext, template: WorksheetTemplate, key: String, versions: [WorksheetRow],
                        shown: WorksheetRow?, content: WorksheetContent, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let isOld = shown != nil && shown?.id != versions.last?.id
        // The stage is part of each version's sealed content; it is not kept anywhere in the open.
        let stages = DisputeHistory.changes(try versions.compactMap { row in
            try open(row, keyRing: request.services.keyRing).text["stage"].flatMap(DisputeStage.init(rawValue:)).map { StageRecord(date: context.zone.localDate(of: row.createdAt), session: row.sessionNumber, stage: $0) }
        })
        let action = "\(context.base)/worksheets/\(template.focus.rawValue)/\(key)"
        let fieldNodes: [Node<HTML.FormContext>] = template.fields.map { field in
            switch field.kind {
            case .text(let rows):
                rows == 1
                    ? FormViews.textField(name: field.key, label: field.label, value: content.text[field.key], error: errors[field.key], required: field.required,
                                          maxLength: WorksheetTemplate.textLimit, hint: field.hint)
                    : FormViews.textArea(name: field.key, label: field.label, value: content.text[field.key], error: errors[field.key],
                                         maxLength: WorksheetTemplate.textLimit, rows: rows, hint: field.hint, required: field.required)
            case .choice(let options):
                FormViews.radioGroup(name: field.key, legend: field.label, options: options, selected: content.text[field.key], error: errors[field.key])
            case .checklist(let options):
                FormViews.checkboxGroup(name: "\(field.key)[]", id: field.key, legend: field.label, options: options, selected: Set(content.checked[field.key] ?? []))
            }
        }
        let page: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "worksheets", title: "\(template.title): \(context.client.name)"),
            ChartViews.notice(request),
            .p(.a(.href("\(context.base)/worksheets"), .text("All worksheets"))),
            .if(!stages.isEmpty, .section(
                .h2(.text("Stage of the dispute over the course")),
                .ol(.class("stage-history"), .forEach(stages) { record in
                    .li(.text("\(DateDisplay.day(record.date))\(record.session.map { ", after session \($0)" } ?? ""): \(record.stage.label)"))
                }))),
            .if(!versions.isEmpty, .p(.class("hint"), .text("Version \(shown?.version ?? 0) of \(versions.count). Earlier versions: "),
                                     .group(versions.reversed().dropFirst().map { row in
                                         .group(.a(.href("\(action)?version=\(row.version)"), .text("\(row.version) (\(DateDisplay.shortDay(context.zone.localDate(of: row.createdAt))), \(row.createdBy.name))")), .text(" "))
                                     }))),
            .if(isOld, .group(
                .p(.class("notice"), .text("You are reading an earlier version. It cannot be changed; "), .a(.href(action), .text("open the current version")), .text(" to edit.")),
                .dl(.class("details"), .forEach(template.fields) { field in
                    .group(.dt(.text(field.label)), .dd(.text(template.display(field, in: content) ?? "")))
                }))),
            .if(!isOld, .group(
                FormViews.errorSummary(errors),
                .form(.method(.post), .action(action), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      .group(fieldNodes),
                      .button(.class("button"), .type(.submit), .text(versions.isEmpty ? "Save the worksheet" : "Save as a new version")))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? template.title : "Please check: \(template.title)", content: page, status: status)
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
            return try await render(request, context: context, template: template, key: key, versions: versions, shown: versions.last, content: typed,
                                    errors: rejection.errors, status: .unprocessableEntity)
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
            return request.redirect(to: "\(context.base)/worksheets/\(template.focus.rawValue)/\(row.subjectKey)?done=saved")
        }
    }
}
