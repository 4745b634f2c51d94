import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The interpersonal inventory: one entry per important person, and the closeness circle drawn
/// from the entries, now and as first placed, side by side.
struct InventoryController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.inventory, use: show)
        site.post(.inventory, use: add)
        site.get(.inventoryEntry, use: editForm)
        site.post(.inventoryEntry, use: update)
        site.post(.inventoryCloseness, use: move)
    }

    struct Person {
        let id: UUID
        let entry: InventoryEntry
        let first: Int
    }

    static func people(_ context: ChartContext, keyRing: KeyRing, on database: any Database) async throws -> [Person] {
        try await ClinicalQueries.inventory(of: context.clientID, on: database).map { row in
            let json = try keyRing.open(row.detailsSealed, InventoryEntryRow.detailsContext(row.id!, version: row.version, client: row.$client.id))
            var entry = try JSONDecoder().decode(InventoryEntry.self, from: Data(json.utf8))
            entry.closeness = row.closeness
            return Person(id: row.id!, entry: entry, first: row.firstCloseness)
        }
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let people = try await Self.people(context, keyRing: request.services.keyRing, on: request.db)
        let model = inventoryModel(request, context: context, people: people, fields: ["closeness": "2"], errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "inventory", subject: context.clientID.uuidString,
                                             detail: "entries=\(people.count)") { InventoryPage.view(model) }
    }

    private func inventoryModel(_ request: Request, context: ChartContext, people: [Person], fields: [String: String], errors: FieldErrors) -> InventoryPage.Model {
        InventoryPage.Model(
            header: context.header(.inventory, title: "Interpersonal inventory: \(context.client.name)"), done: request.doneKey,
            people: people.map { .init(id: $0.id.uuidString, name: $0.entry.name, relationship: $0.entry.relationship, first: $0.first, now: $0.entry.closeness) },
            fields: fields, errors: errors, csrfToken: request.csrfToken)
    }

    private func entryModel(_ request: Request, context: ChartContext, row: InventoryEntryRow, fields: [String: String], errors: FieldErrors) -> InventoryEntryPage.Model {
        InventoryEntryPage.Model(header: context.header(.inventory, title: "Inventory entry: \(fields["name"] ?? "")"), entryID: row.id!.uuidString,
                                 fields: fields, errors: errors, csrfToken: request.csrfToken)
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
            let model = inventoryModel(request, context: context, people: people, fields: fields, errors: rejection.errors)
            return try await request.auditedPage(model.title, recordType: "inventory", subject: context.clientID.uuidString,
                                                 detail: AuditDetail.formReturned, status: .unprocessableEntity) { InventoryPage.view(model) }
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
            return request.redirect(to: SitePath.inventory.link(context.clientID, query: ["done": "saved"]))
        }
    }

    /// The entry named in the path, only if it belongs to this client: another client's entry
    /// answers like a missing one.
    private func entryRow(_ request: Request, _ context: ChartContext) async throws -> InventoryEntryRow {
        guard let id = request.parameters.get("entry").flatMap(UUID.init(uuidString:)),
              let row = try await ClinicalQueries.inventoryEntry(id, of: context.clientID, on: request.db)
        else { throw Abort(.notFound) }
        return row
    }

    func editForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let row = try await entryRow(request, context)
        let json = try request.services.keyRing.open(row.detailsSealed, InventoryEntryRow.detailsContext(row.id!, version: row.version, client: row.$client.id))
        let entry = try JSONDecoder().decode(InventoryEntry.self, from: Data(json.utf8))
        var fields = ["name": entry.name, "relationship": entry.relationship, "closeness": String(row.closeness), "expectationsMet": entry.expectationsMet]
        for question in InventoryEntry.questions { fields[question.key] = entry.answer(question.key) }
        let model = entryModel(request, context: context, row: row, fields: fields, errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "inventory-entry", recordID: row.id?.uuidString,
                                             subject: context.clientID.uuidString) { InventoryEntryPage.view(model) }
    }

    func update(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let row = try await entryRow(request, context)
        let (fields, _) = try request.formBody()
        switch InventoryEntry.validate(fields: fields) {
        case .failure(let rejection):
            let model = entryModel(request, context: context, row: row, fields: fields, errors: rejection.errors)
            return try await request.auditedPage(model.title, recordType: "inventory-entry", recordID: row.id?.uuidString,
                                                 subject: context.clientID.uuidString, detail: AuditDetail.formReturned, status: .unprocessableEntity) { InventoryEntryPage.view(model) }
        case .success(let entry):
            row.version += 1
            row.closeness = entry.closeness
            row.updatedAt = request.now
            try seal(entry, row: row, keyRing: request.services.keyRing)
            try await row.update(on: request.db)
            try await request.audit(.update, recordType: "inventory-entry", recordID: row.id?.uuidString, subject: context.clientID.uuidString)
            return request.redirect(to: SitePath.inventory.link(context.clientID, query: ["done": "saved"]))
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
        return request.redirect(to: SitePath.inventory.link(context.clientID, query: ["done": "saved"]))
    }
}
