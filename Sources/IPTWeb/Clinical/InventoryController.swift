import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The interpersonal inventory: one entry per important person, and the closeness circle drawn
/// from the entries, now and as first placed, side by side.
struct InventoryController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "inventory", use: show)
        routes.post("staff", "clients", ":id", "inventory", use: add)
        routes.get("staff", "clients", ":id", "inventory", ":entry", use: editForm)
        routes.post("staff", "clients", ":id", "inventory", ":entry", use: update)
        routes.post("staff", "clients", ":id", "inventory", ":entry", "closeness", use: move)
    }

    struct Person {
        let id: UUID
        let entry: InventoryEntry
        let first: Int
    }

    static func people(_ context: ChartContext, keyRing: KeyRing, on database: any Database) async throws -> [Person] {
        try await InventoryEntryRow.query(on: database).filter(\.$client.$id == context.clientID).sort(\.$createdAt).all().map { row in
            let json = try keyRing.open(row.detailsSealed, InventoryEntryRow.detailsContext(row.id!, version: row.version, client: row.$client.id))
            var entry = try JSONDecoder().decode(InventoryEntry.self, from: Data(json.utf8))
            entry.closeness = row.closeness
            return Person(id: row.id!, entry: entry, first: row.firstCloseness)
        }
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let people = try await Self.people(context, keyRing: request.services.keyRing, on: request.db)
        try await request.audit(.view, recordType: "inventory", subject: context.clientID.uuidString, detail: "entries=\(people.count)")
        return try await render(request, context: context, people: people, fields: ["closeness": "2"], errors: FieldErrors())
    }

    private func render(_ request: Request, context: ChartContext, people: [Person], fields: [String: String], errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let moved = people.contains { $0.first != $0.entry.closeness }
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "inventory", title: "Interpersonal inventory: \(context.client.name)"),
            ChartViews.notice(request),
            .if(people.isEmpty, .p(.text("No one is in the inventory yet. Add the people who matter most in the client's life, one at a time."))),
            .if(!people.isEmpty, .group(
                .div(.class("circles"),
                     ClosenessCircle.figure(ClosenessCircle.svg(id: "now", title: "Closeness circle now", people: people.map { ($0.id, $0.entry.name, $0.entry.closeness) },
                                                                draggable: true), caption: "Now. Drag a person to another ring, or choose a ring in the table."),
                     .if(moved, ClosenessCircle.figure(ClosenessCircle.svg(id: "start", title: "Closeness circle as first drawn",
                                                                          people: people.map { ($0.id, $0.entry.name, $0.first) }, draggable: false),
                                                      caption: "As first drawn, at intake."))),
                TableViews.scrollable(captionID: "inventory-table", .table(
                    .class("data-table"),
                    .caption(.id("inventory-table"), .text("People in the inventory, with their place on the circle")),
                    .thead(.tr(.th(.text("Person")), .th(.text("Relationship")), .th(.text("At intake")), .th(.text("Now")), .th(.text("Move to")))),
                    .tbody(.forEach(people) { person in
                        .tr(.td(.a(.href("\(context.base)/inventory/\(person.id.uuidString)"), .text(person.entry.name))),
                            .td(.text(person.entry.relationship)),
                            .td(.text(ClosenessCircle.ringName(person.first))), .td(.text(ClosenessCircle.ringName(person.entry.closeness))),
                            .td(.form(.method(.post), .action("\(context.base)/inventory/\(person.id.uuidString)/closeness"), .class("inline-form"),
                                      .id("closeness-\(person.id.uuidString)"),
                                      FormViews.csrf(request.csrfToken),
                                      .label(.class("visually-hidden"), .for("level-\(person.id.uuidString)"), .text("Ring for \(person.entry.name)")),
                                      .select(.id("level-\(person.id.uuidString)"), .attribute(named: "name", value: "closeness"), .class("input"),
                                              .forEach(InventoryEntry.closenessLevels) { level in
                                                  SelectViews.option(value: String(level.value), label: ClosenessCircle.ringName(level.value),
                                                                     selected: level.value == person.entry.closeness)
                                              }),
                                      .button(.class("button small secondary"), .type(.submit), .text("Move")))))
                    })))
            )),
            .h2(.id("add"), .text("Add a person")),
            entryForm(request, action: "\(context.base)/inventory", fields: fields, errors: errors, submit: "Add to the inventory"),
            .script(.src("/js/closeness-circle.js"))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Inventory" : "Please check: Inventory", content: content, status: status)
    }

    private func entryForm(_ request: Request, action: String, fields: [String: String], errors: FieldErrors, submit: String) -> Node<HTML.BodyContext> {
        .group(
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(attributeSafe(action)), .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.textField(name: "name", label: "Name or description", value: fields["name"], error: errors["name"], maxLength: InventoryEntry.nameLimit,
                                      hint: "A first name or a description is enough."),
                  FormViews.textField(name: "relationship", label: "Who they are to the client", value: fields["relationship"], error: errors["relationship"],
                                      maxLength: InventoryEntry.nameLimit),
                  FormViews.radioGroup(name: "closeness", legend: "How close the client feels to them",
                                       options: InventoryEntry.closenessLevels.map { (String($0.value), $0.label) }, selected: fields["closeness"],
                                       error: errors["closeness"]),
                  .forEach(InventoryEntry.questions) { question in
                      FormViews.textArea(name: question.key, label: question.label, value: fields[question.key], error: errors[question.key],
                                         maxLength: InventoryEntry.textLimit, rows: 2, required: false)
                  },
                  FormViews.radioGroup(name: "expectationsMet", legend: "Are the expectations met? (optional)",
                                       options: InventoryEntry.expectationAnswers, selected: fields["expectationsMet"], error: errors["expectationsMet"]),
                  .button(.class("button"), .type(.submit), .text(submit)))
        )
    }

    private func seal(_ entry: InventoryEntry, row: InventoryEntryRow, keyRing: KeyRing) throws {
        row.detailsSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(entry), as: UTF8.self),
                                             InventoryEntryRow.detailsContext(row.id!, version: row.version, client: row.$client.id))
    }

    func add(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        switch InventoryEntry.validate(fields: fields) {
        case .failure(let rejection):
            let people = try await Self.people(context, keyRing: request.services.keyRing, on: request.db)
            return try await render(request, context: context, people: people, fields: fields, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let entry):
            let row = InventoryEntryRow()
            row.id = UUID()
            row.$client.id = context.clientID
            row.version = 1
            row.closeness = entry.closeness
            row.firstCloseness = entry.closeness
            row.$createdBy.id = context.staff.id
            row.createdAt = request.now
            row.updatedAt = request.now
            try seal(entry, row: row, keyRing: request.services.keyRing)
            try await row.create(on: request.db)
            try await request.audit(.create, recordType: "inventory-entry", recordID: row.id?.uuidString, subject: context.clientID.uuidString)
            return request.redirect(to: "\(context.base)/inventory?done=saved")
        }
    }

    /// The entry named in the path, only if it belongs to this client: another client's entry
    /// answers like a missing one.
    private func entryRow(_ request: Request, _ context: ChartContext) async throws -> InventoryEntryRow {
        guard let id = request.parameters.get("entry").flatMap(UUID.init(uuidString:)),
              let row = try await InventoryEntryRow.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == context.clientID).first()
        else { throw Abort(.notFound) }
        return row
    }

    func editForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let row = try await entryRow(request, context)
        let json = try request.services.keyRing.open(row.detailsSealed, InventoryEntryRow.detailsContext(row.id!, version: row.version, client: row.$client.id))
        let entry = try JSONDecoder().decode(InventoryEntry.self, from: Data(json.utf8))
        try await request.audit(.view, recordType: "inventory-entry", recordID: row.id?.uuidString, subject: context.clientID.uuidString)
        var fields = ["name": entry.name, "relationship": entry.relationship, "closeness": String(row.closeness), "expectationsMet": entry.expectationsMet]
        for question in InventoryEntry.questions { fields[question.key] = entry.answer(question.key) }
        return try await renderEdit(request, context: context, row: row, fields: fields, errors: FieldErrors())
    }

    private func renderEdit(_ request: Request, context: ChartContext, row: InventoryEntryRow, fields: [String: String], errors: FieldErrors,
                            status: HTTPResponseStatus = .ok) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "inventory", title: "Inventory entry: \(fields["name"] ?? "")"),
            .p(.a(.href("\(context.base)/inventory"), .text("Back to the inventory"))),
            entryForm(request, action: "\(context.base)/inventory/\(row.id!.uuidString)", fields: fields, errors: errors, submit: "Save changes")
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Inventory entry" : "Please check: Inventory entry", content: content, status: status)
    }

    func update(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let row = try await entryRow(request, context)
        let (fields, _) = try request.formBody()
        switch InventoryEntry.validate(fields: fields) {
        case .failure(let rejection):
            return try await renderEdit(request, context: context, row: row, fields: fields, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let entry):
            row.version += 1
            row.closeness = entry.closeness
            row.updatedAt = request.now
            try seal(entry, row: row, keyRing: request.services.keyRing)
            try await row.update(on: request.db)
            try await request.audit(.update, recordType: "inventory-entry", recordID: row.id?.uuidString, subject: context.clientID.uuidString)
            return request.redirect(to: "\(context.base)/inventory?done=saved")
        }
    }

    func move(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let row = try await entryRow(request, context)
        let (fields, _) = try request.formBody()
        guard let level = fields["closeness"].flatMap({ Int($0) }), (1...3).contains(level) else {
            throw Abort(.unprocessableEntity, reason: "Choose the inner, middle or outer circle.")
        }
        row.closeness = level
        row.updatedAt = request.now
        try await row.update(on: request.db)
        try await request.audit(.update, recordType: "inventory-entry", recordID: row.id?.uuidString, subject: context.clientID.uuidString, detail: "closeness \(level)")
        return request.redirect(to: "\(context.base)/inventory?done=saved")
    }
}

/// The closeness circle as an accessible SVG: three rings around the client, each person on the ring
/// of their level. The table beside it carries the same facts for screen readers.
enum ClosenessCircle {
    static let size = 420.0, outer = 195.0

    static func figure(_ svg: String, caption: String) -> Node<HTML.BodyContext> {
        .element(named: "figure", nodes: [.raw(svg), .element(named: "figcaption", nodes: [.text(caption)])])
    }

    static func ringName(_ level: Int) -> String {
        switch level {
        case 1: "Inner"
        case 2: "Middle"
        default: "Outer"
        }
    }

    static func svg(id: String, title: String, people: [(id: UUID, name: String, level: Int)], draggable: Bool) -> String {
        let centre = size / 2
        let placements = ClosenessCircleLayout.place(levels: people.map(\.level), centre: centre, outer: outer)
        let counts = (1...3).map { level in people.filter { $0.level == level }.count }
        let description = "Inner ring \(counts[0]), middle ring \(counts[1]), outer ring \(counts[2]) people. The table lists them."
        var parts = [##"<svg class="closeness-circle" viewBox="0 0 \##(Int(size)) \##(Int(size))" role="img" aria-labelledby="circle-title-\##(id) circle-desc-\##(id)" xmlns="http://www.w3.org/2000/svg"\##(draggable ? #" data-draggable="true" data-centre="\#(centre)" data-outer="\#(outer)""# : "")>"##,
                     ##"<title id="circle-title-\##(id)">\##(MarkupEscaping.escape(title))</title><desc id="circle-desc-\##(id)">\##(description)</desc>"##]
        for (level, fill) in [(3, "#eef5f4"), (2, "#d9ebe8"), (1, "#bfdcd7")] {
            parts.append(##"<circle cx="\##(centre)" cy="\##(centre)" r="\##(outer * Double(level) / 3)" fill="\##(fill)" stroke="#52605e"/>"##)
        }
        parts.append(##"<circle cx="\##(centre)" cy="\##(centre)" r="20" fill="#1f5f5b"/><text x="\##(centre)" y="\##(centre + 4)" font-size="11" text-anchor="middle" fill="#ffffff">Client</text>"##)
        for placement in placements {
            let person = people[placement.index]
            let label = MarkupEscaping.escape(String(person.name.prefix(18)))
            parts.append(##"<g class="person" data-entry="\##(person.id.uuidString)"><circle cx="\##(placement.x)" cy="\##(placement.y)" r="9" fill="#b4532a" stroke="#ffffff" stroke-width="2"/><text x="\##(placement.x)" y="\##(placement.y - 13)" font-size="12" text-anchor="middle" fill="#1d2b2a">\##(label)</text></g>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
