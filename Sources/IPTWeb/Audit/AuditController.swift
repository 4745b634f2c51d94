import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The admin's view of the audit trail, filterable by person, action and record.
struct AuditController: SiteRouteCollection {
    static let pageSize = 100

    func boot(site: SiteRoutes) throws {
        site.get(.audit, use: list)
        site.get(.auditVerify, use: verify)
    }

    struct Filters {
        var actor: String?
        var action: AuditAction?
        var recordType: String?
        var subject: String?
        var page: Int

        var queryString: String {
            var parts: [String] = []
            if let actor { parts.append("actor=\(actor)") }
            if let action { parts.append("action=\(action.rawValue)") }
            if let recordType { parts.append("type=\(recordType.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
            if let subject { parts.append("subject=\(subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
            return parts.joined(separator: "&")
        }
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewAuditTrail)
        let filters = Filters(
            actor: TextRules.clean(request.query[String.self, at: "actor"]).flatMap { UUID(uuidString: $0)?.uuidString },
            action: request.query[String.self, at: "action"].flatMap(AuditAction.init(rawValue:)),
            recordType: TextRules.clean(request.query[String.self, at: "type"]).map { String($0.prefix(60)) },
            subject: TextRules.clean(request.query[String.self, at: "subject"]).map { String($0.prefix(254)) },
            page: max(1, min(100_000, request.query[Int.self, at: "page"] ?? 1))
        )
        let found = try await AuditQueries.events(matching: filters, size: Self.pageSize, on: request.db)
        let staffList = try await AuditQueries.staffByName(on: request.db)
        let context = try await AuditQueries.clientContext(of: found.rows, on: request.db)
        let zone = try await request.services.clinic.current(on: request.db).timeZone
        // The reason someone gave for opening a chart outside their caseload is kept sealed in its
        // own row, which the trail names; whoever reads the trail reads the reason beside it.
        let reasonIDs = found.rows.filter { $0.recordType == "chart-access-reason" }.compactMap { $0.recordID.flatMap(UUIDText.parse) }
        var reasons: [String: String] = [:]
        if !reasonIDs.isEmpty {
            for grant in try await ChartAccessReason.query(on: request.db).filter(\.$id ~~ reasonIDs).all() {
                guard let id = grant.id else { continue }
                reasons[id.uuidString] = try? request.services.keyRing.open(grant.reasonSealed, ChartAccessReason.reasonContext(id, client: grant.$client.id))
            }
        }
        return try await request.auditedPage(AuditTrailPage.title, recordType: "audit-trail", subject: nil,
                                             detail: filters.queryString.isEmpty ? "unfiltered" : filters.queryString) {
            AuditTrailPage.view(AuditTrailPage.Model(
                staff: staffList.map { .init(id: $0.id.uuidString, label: $0.name) },
                actor: filters.actor, action: filters.action, recordType: filters.recordType, subject: filters.subject,
                events: found.rows.map { event in
                    AuditTrailPage.Event(
                        sequence: event.sequence, when: DateDisplay.dateTime(event.occurredAt, timeZone: zone), who: event.actorLabel,
                        action: event.action, recordType: event.recordType, recordID: event.recordID,
                        recordIDIsUUID: event.recordID.flatMap(UUIDText.parse) != nil,
                        about: event.subject.flatMap(UUIDText.parse).flatMap { context.clientNames[$0] } ?? event.subject ?? "",
                        outsideCareTeam: context.outsideCareTeam(event),
                        detail: event.recordID.flatMap { reasons[$0] }.map { "\(event.detail ?? "reason"): \($0)" } ?? event.detail,
                        requestID: event.requestID)
                },
                filterQuery: filters.queryString, page: filters.page, hasMore: found.hasMore))
        }
    }

    func verify(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewAuditTrail)
        let check = try await AuditCheck.run(request.application, on: request.db)
        return try await request.auditedPage(AuditVerifyPage.title, recordType: "audit-trail", subject: nil,
                                             detail: "chain verification: \(check.isIntact ? "intact" : "broken")",
                                             status: check.isIntact ? .ok : .conflict) {
            AuditVerifyPage.view(broken: check.broken, checkpointProblem: check.checkpointProblem, checkpointSummary: check.checkpointSummary)
        }
    }
}
