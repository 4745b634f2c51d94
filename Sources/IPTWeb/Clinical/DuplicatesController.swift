import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// Possible duplicates: records made by a booking that look like an existing client's.
enum DuplicateQueries {
    /// Records a task for each existing client who shares the email, or the name and date of birth.
    static func recordMatches(for client: ClientRecord, now: Date, on db: any Database) async throws {
        let id = try client.requireID()
        let candidates = try await ClientRecord.query(on: db).filter(\.$id != id).group(.or) { group in
            group.filter(\.$email == client.email).filter(\.$dateOfBirth == client.dateOfBirth)
        }.all()
        for existing in candidates {
            var reasons: [String] = []
            if existing.email.lowercased() == client.email.lowercased() { reasons.append("the same email") }
            if existing.dateOfBirth == client.dateOfBirth && existing.name.lowercased() == client.name.lowercased() {
                reasons.append("the same name and date of birth")
            }
            guard !reasons.isEmpty, let existingID = existing.id else { continue }
            let task = PossibleDuplicate()
            task.$client.id = id
            task.$existing.id = existingID
            task.reasons = reasons.joined(separator: ", ")
            task.status = .open
            task.createdAt = now
            try await task.create(on: db)
        }
    }

    /// Tables whose rows follow a client when two records are merged. The duplicate's care-team rows
    /// do not: a front-desk merge must not give anyone the existing client's history.
    static var movedTables: [String] {
        ["session_notes"] + RetentionController.clientTables.filter { !["client_flags", "care_team_members"].contains($0) }
    }

    /// A record a booking made holds appointments, consents and forms at most. One with a course
    /// (contract, formulation, notes, worksheets, a discharge) was worked on as a client in its own
    /// right, and its rows would clash with the existing record's: that is for a person to sort out.
    static let clinicalTables = ["treatment_contracts", "formulations", "course_checklist", "worksheets", "discharge_summaries", "session_notes",
                                 "inventory_entries", "phase_overrides"]

    enum MergeProblem: Error {
        /// The two records have appointments at overlapping times.
        case overlappingAppointments
        /// The new record already has clinical work of its own.
        case clinicalRecords
    }

    /// Moves everything of `duplicate` to `existing` and removes the duplicate record, in one
    /// transaction. Sealed values are bound to their client, so each moved one is sealed again.
    static func merge(_ duplicateID: UUID, into existingID: UUID, keyRing: KeyRing, on db: any Database) async throws {
        do {
            try await db.writeTransaction { db in
                let sql = db as! any SQLDatabase
                for table in clinicalTables {
                    let rows = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                        .where("client_id", .equal, duplicateID).first()?.decode(column: "n", as: Int.self) ?? 0
                    guard rows == 0 else { throw MergeProblem.clinicalRecords }
                }
                for column in SealedColumn.clientBound {
                    try await column.reseal(from: duplicateID, to: existingID, keyRing: keyRing, on: db)
                }
                // A standing flag the existing record already has stays single.
                let kept = try await ClientFlag.query(on: db).filter(\.$client.$id == existingID).all().map(\.kind)
                try await ClientFlag.query(on: db).filter(\.$client.$id == duplicateID).filter(\.$kind ~~ kept).delete()
                try await sql.update("client_flags").set("client_id", to: existingID).where("client_id", .equal, duplicateID).run()
                try await CareTeamMember.query(on: db).filter(\.$client.$id == duplicateID).delete()
                try await PossibleDuplicate.query(on: db).group(.or) { group in
                    group.filter(\.$client.$id == duplicateID).filter(\.$existing.$id == duplicateID)
                }.delete()
                for table in movedTables {
                    try await sql.update(table).set("client_id", to: existingID).where("client_id", .equal, duplicateID).run()
                }
                try await ClientRecord.query(on: db).filter(\.$id == duplicateID).delete()
            }
        } catch where OverlapGuard.violated(by: error) != nil {
            throw MergeProblem.overlappingAppointments
        }
    }
}

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
        let open = try await PossibleDuplicate.query(on: request.db).filter(\.$status == .open).with(\.$client).with(\.$existing)
            .sort(\.$createdAt).limit(200).all()
        let clientIDs = open.flatMap { [$0.$client.id, $0.$existing.id] }
        let appointments = clientIDs.isEmpty ? [] : try await Appointment.query(on: request.db).filter(\.$client.$id ~~ clientIDs).all()
        let counts = Dictionary(grouping: appointments.compactMap { $0.$client.id }, by: { $0 }).mapValues(\.count)
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
            try await DuplicateQueries.merge(duplicateID, into: existingID, keyRing: request.services.keyRing, on: request.db)
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
        let changed = try await (request.db as! any SQLDatabase).update(PossibleDuplicate.schema)
            .set("status", to: PossibleDuplicate.Status.keptApart.rawValue).set("resolved_by_id", to: staff.id).set("resolved_at", to: request.now)
            .where("id", .equal, id).where("status", .equal, PossibleDuplicate.Status.open.rawValue).returning("id").all()
        guard !changed.isEmpty else { throw Abort(.conflict, reason: "Someone has already dealt with this one.") }
        try await request.audit(.update, recordType: "possible-duplicate", recordID: id.uuidString, subject: task.$client.id.uuidString,
                                detail: "kept apart from \(task.$existing.id.uuidString)")
        return request.redirect(to: SitePath.duplicates.link(query: ["done": "kept"]))
    }
}
