import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The front desk's list of possible duplicates, with the two records side by side (contact details
/// only, no clinical content) and the choice to merge them or keep them apart.
struct DuplicatesController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.duplicates, use: list)
        site.post(.duplicateMerge, use: merge)
        site.post(.duplicateKeepApart, use: keepApart)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.reconcileClients)
        let (open, counts) = try await DuplicateQueries.openTasks(on: request.db)
        try await request.audit(.view, recordType: "possible-duplicates", detail: "open=\(open.count)")
        let zone = try await request.services.clinic.current(on: request.db).zone
        func record(_ client: ClientRecord) -> DuplicatesPage.Record {
            DuplicatesPage.Record(name: client.name, email: client.email, phone: client.phone, dateOfBirth: client.dateOfBirth,
                                  opened: DateDisplay.day(zone.localDate(of: client.createdAt)), appointments: counts[client.id ?? UUID()] ?? 0)
        }
        let model = DuplicatesPage.Model(
            tasks: open.map { .init(id: $0.id?.uuidString ?? "", reasons: $0.reasons, new: record($0.client), existing: record($0.existing)) },
            done: request.query[String.self, at: "done"].flatMap(DuplicatesPage.Done.init(rawValue:)), csrfToken: request.csrfToken)
        return try await request.page("Possible duplicates", DuplicatesPage.view(model))
    }

    private func openTask(_ request: Request) async throws -> PossibleDuplicate {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let task = try await PossibleDuplicate.find(id, on: request.db) else { throw Abort(.notFound) }
        guard task.status == .open else { throw Abort(.conflict, reason: "Someone has already dealt with this one.") }
        return task
    }

    func merge(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.reconcileClients)
        let task = try await openTask(request)
        let duplicateID = task.$client.id, existingID = task.$existing.id
        do {
            try await DuplicateQueries.merge(duplicateID, into: existingID, keyRing: request.services.keyRing, at: request.now, on: request.db)
        } catch DuplicateQueries.MergeProblem.overlappingAppointments {
            throw Abort(.conflict, reason: "The two records have appointments at overlapping times. Cancel one of them first, then merge.")
        } catch DuplicateQueries.MergeProblem.clinicalRecords {
            throw Abort(.conflict, reason: "The new record already has clinical work of its own (a contract, notes or worksheets), so it cannot be merged here. Ask the clinic director.")
        }
        try await request.audit(.update, recordType: "client-merge", recordID: duplicateID.uuidString, subject: existingID.uuidString,
                                detail: "merged into this record by \(staff.auditLabel)")
        return request.redirect(to: SitePath.duplicates.link(query: ["done": "merged"]))
    }

    func keepApart(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.reconcileClients)
        let task = try await openTask(request)
        let id = try task.requireID()
        guard try await DuplicateQueries.keepApart(id, by: staff.id, at: request.now, on: request.db) else { throw Abort(.conflict, reason: "Someone has already dealt with this one.") }
        try await request.audit(.update, recordType: "possible-duplicate", recordID: id.uuidString, subject: task.$client.id.uuidString,
                                detail: "kept apart from \(task.$existing.id.uuidString)")
        return request.redirect(to: SitePath.duplicates.link(query: ["done": "kept"]))
    }
}
