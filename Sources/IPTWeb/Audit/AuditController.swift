import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The admin's view of the audit trail, filterable by person, action and record.
struct AuditController: RouteCollection {
    static let pageSize = 100

    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "audit", use: list)
        routes.get("staff", "audit", "verify", use: verify)
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
        let found = try await Self.events(matching: filters, on: request.db)
        let shown = found.rows
        let hasMore = found.hasMore
        let staffList = try await StaffUser.query(on: request.db).sort(\.$name).all()
        let clientIDs = Set(shown.compactMap { $0.subject.flatMap(UUID.init(uuidString:)) })
        let teams = try await CareTeamQueries.history(of: Array(clientIDs), on: request.db)
        let clientNames = clientIDs.isEmpty ? [:] : Dictionary(
            try await ClientRecord.query(on: request.db).filter(\.$id ~~ Array(clientIDs)).all().map { ($0.id!, $0.name) }, uniquingKeysWith: { first, _ in first })
        /// A staff member's action on a client's records when they were not in the client's care team
        /// at that moment (a membership that began later or had ended does not count).
        func outsideCareTeam(_ event: AuditEvent) -> Bool {
            guard let client = event.subject.flatMap(UUID.init(uuidString:)), let actor = event.actorID.flatMap(UUID.init(uuidString:)) else { return false }
            let moment = Date(timeIntervalSince1970: Double(event.occurredAtMilliseconds) / 1000)
            return !(teams[client]?.contains { $0.$staff.id == actor && $0.isActive(at: moment) } ?? false)
        }
        let flagged = shown.filter(outsideCareTeam).count
        try await request.audit(.view, recordType: "audit-trail", detail: filters.queryString.isEmpty ? "unfiltered" : filters.queryString)
        let chrome = try await request.chrome()
        let zone = chrome.clinic.timeZone
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Audit trail")),
            .p(.class("lede"), .text("Every sign-in, every record viewed, changed or exported. Rows cannot be edited; each is chained to the one before by a hash.")),
            .p(.a(.href("/staff/audit/verify"), .text("Check the chain now"))),
            .form(
                .class("form filters-form"),
                .method(.get),
                .action("/staff/audit"),
                .div(.class("field"),
                     .label(.for("field-actor"), .text("Who")),
                     .select(.id("field-actor"), .attribute(named: "name", value: "actor"),
                             SelectViews.option(value: "", label: "Anyone", selected: filters.actor == nil),
                             .forEach(staffList) { user in
                                 SelectViews.option(value: user.id?.uuidString ?? "", label: user.name, selected: user.id?.uuidString == filters.actor)
                             })),
                .div(.class("field"),
                     .label(.for("field-action"), .text("Action")),
                     .select(.id("field-action"), .attribute(named: "name", value: "action"),
                             SelectViews.option(value: "", label: "Any action", selected: filters.action == nil),
                             .forEach(AuditAction.allCases) { action in
                                 SelectViews.option(value: action.rawValue, label: action.rawValue, selected: action == filters.action)
                             })),
                FormViews.textField(name: "type", label: "Record type", value: filters.recordType, error: nil, required: false, maxLength: 60,
                                    hint: "For example enquiry, subscriber-list, staff-account"),
                FormViews.textField(name: "subject", label: "About (a client's id or a person's email)", value: filters.subject, error: nil, required: false,
                                    maxLength: 254, hint: "Shows who opened records about this person; a chart's \"Who opened this record\" link fills it in"),
                .button(.class("button"), .type(.submit), .text("Filter"))
            ),
            .if(shown.isEmpty, .p(.text("No events match."))),
            .if(flagged > 0, .div(.class("notice warning"), .p(.text("\(flagged) of these events are by someone outside the client's care team (not the treating clinician, a clinician the client saw, or their supervisor). Check each one has a reason.")))),
            .if(!shown.isEmpty, TableViews.scrollable(captionID: "audit-caption", .table(
                .class("data-table"),
                .caption(.id("audit-caption"), .text("Audit events, newest first")),
                .thead(.tr(.th(.text("#")), .th(.text("When")), .th(.text("Who")), .th(.text("Action")), .th(.text("Record")),
                           .th(.text("About")), .th(.text("Detail")))),
                .tbody(.forEach(shown) { event in
                    .tr(
                        .td(.text(String(event.sequence))),
                        .td(.text(DateDisplay.dateTime(event.occurredAt, timeZone: zone))),
                        .td(.text(event.actorLabel)),
                        .td(.text(event.action)),
                        .td(.text(event.recordType), .unwrap(event.recordID) { id in
                            // A record's UUID is shortened to its first 8 characters (enough to tell
                            // rows apart; the full id is in the title); other ids are shown whole.
                            UUID(uuidString: id) == nil
                                ? .text(" " + id)
                                : .group(.text(" "), .element(named: "abbr", nodes: [.attribute(named: "title", value: id), .text(String(id.prefix(8)))]))
                        }),
                        .td(.text(event.subject.flatMap(UUID.init(uuidString:)).flatMap { clientNames[$0] } ?? event.subject ?? ""),
                            .if(outsideCareTeam(event), .group(.br(), .strong(.class("flag"), .text("Outside the care team"))))),
                        .td(.text(event.detail ?? ""),
                            .unwrap(event.requestID) { requestID in
                                .span(.class("small muted request-id"), .if(event.detail != nil, .br()), .text("Request \(requestID)"))
                            })
                    )
                })
            ))),
            TableViews.pagination(newer: filters.page > 1 ? "/staff/audit?\(filters.queryString)&page=\(filters.page - 1)" : nil,
                                  older: hasMore ? "/staff/audit?\(filters.queryString)&page=\(filters.page + 1)" : nil)
        )
        return .html(PageLayout.render(title: "Audit trail", chrome: chrome, content: content))
    }

    /// The events that match the filters, newest first, one page.
    static func events(matching filters: Filters, on database: any Database) async throws -> PageOfRows<AuditEvent> {
        var query = AuditEvent.query(on: database)
        if let actor = filters.actor { query = query.filter(\.$actorID == actor) }
        if let action = filters.action { query = query.filter(\.$action == action.rawValue) }
        if let type = filters.recordType { query = query.filter(\.$recordType == type) }
        // Clinical events name the client by id (as Foundation writes it), the others by email.
        if let subject = filters.subject { query = query.filter(\.$subject == (UUID(uuidString: subject)?.uuidString ?? subject.lowercased())) }
        return try await query.sort(\.$sequence, .descending).page(filters.page, size: pageSize)
    }

    func verify(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewAuditTrail)
        let broken = try await AuditVerification.firstBreak(on: request.db)
        try await request.audit(.view, recordType: "audit-trail", detail: "chain verification: \(broken == nil ? "intact" : "broken")")
        let chrome = try await request.chrome()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Audit chain check")),
            .unwrap(broken, { broken in
                .div(.class("notice error"), .attribute(named: "role", value: "alert"),
                     .p(.text("The chain is broken at row \(broken.sequence): \(broken.reason). Treat this as a possible privacy breach and keep a copy of the database.")))
            }, else: .div(.class("notice success"), .attribute(named: "role", value: "status"),
                          .p(.text("Every row matches its hash and links to the row before.")))),
            .p(.a(.href("/staff/audit"), .text("Back to the audit trail")))
        )
        return .html(PageLayout.render(title: "Audit chain check", chrome: chrome, content: content), status: broken == nil ? .ok : .conflict)
    }
}
