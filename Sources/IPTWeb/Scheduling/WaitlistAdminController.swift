import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The waitlist for the front desk: in order, with moves up and down and removals, each with a
/// reason kept in the audit trail.
struct WaitlistAdminController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let waitlist = routes.grouped("staff", "waitlist")
        waitlist.get(use: list)
        waitlist.post(":id", "move", use: move)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageSchedule)
        return try await render(request, errors: FieldErrors())
    }

    private func render(_ request: Request, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let entries = try await WaitlistEntry.query(on: request.db)
            .filter(\.$status ~~ [WaitlistEntry.Status.waiting, WaitlistEntry.Status.offered])
            .with(\.$staff).sort(\.$position).all()
        try await request.audit(.view, recordType: "waitlist", detail: "rows=\(entries.count)")
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/calendar"), .text("Back to the calendar"))),
            .h1(.text("Waitlist")),
            .p(.text("When a time frees up, the first matching person in this order gets an offer by email for \(setup.offerHours) hours, then the next.")),
            FormViews.errorSummary(errors),
            .if(entries.isEmpty, .p(.text("Nobody is waiting."))),
            .if(!entries.isEmpty, TableViews.scrollable(captionID: "waitlist-caption", .table(
                .class("data-table"),
                .caption(.id("waitlist-caption"), .text("People waiting, first first")),
                .thead(.tr(.th(.text("#")), .th(.text("Name")), .th(.text("Wants")), .th(.text("When")), .th(.text("Status")), .th(.text("Reorder")))),
                .tbody(.forEach(Array(entries.enumerated())) { index, entry in
                    let id = entry.id?.uuidString ?? ""
                    let preference = entry.preference
                    let days = preference.days.isEmpty ? "any day" : preference.days.sorted().map(\.name).joined(separator: ", ")
                    let parts = preference.parts.isEmpty ? "any time" : DayPart.allCases.filter(preference.parts.contains).map(\.rawValue).joined(separator: ", ")
                    return .tr(
                        .td(.text(String(index + 1))),
                        .td(.text(entry.name), .br(), .span(.class("small"), .text(entry.email))),
                        .td(.text("\(setup.kind(entry.typeCode)?.name ?? entry.typeCode), \(entry.staff?.name ?? (entry.tierCode == "reduced" ? "reduced-rate clinic" : "any registered therapist"))")),
                        .td(.text("\(days); \(parts)")),
                        .td(.text(entry.status == .offered ? "Offer sent" : "Waiting")),
                        .td(.form(.class("inline-form"), .method(.post), .action("/staff/waitlist/\(id)/move"),
                                  FormViews.csrf(request.csrfToken),
                                  .label(.for("reason-\(id)"), .class("visually-hidden"), .text("Reason for the change for \(entry.name)")),
                                  .input(.type(.text), .id("reason-\(id)"), .name("reason"), .attribute(named: "maxlength", value: "200"),
                                         .attribute(named: "placeholder", value: "Reason (required)"), .class("input")),
                                  .button(.class("link-button"), .type(.submit), .name("direction"), .value("up"), .text("Move up")),
                                  .button(.class("link-button"), .type(.submit), .name("direction"), .value("down"), .text("Move down")),
                                  .button(.class("link-button"), .type(.submit), .name("direction"), .value("remove"), .text("Remove"))))
                    )
                })
            )))
        )
        return .html(PageLayout.render(title: "Waitlist", chrome: try await request.chrome(), content: content), status: status)
    }

    struct MoveBody: Content {
        var direction: String?
        var reason: String?
    }

    func move(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageSchedule)
        let body = try FormInput.decode(MoveBody.self, from: request)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let entry = try await WaitlistEntry.find(id, on: request.db) else { throw Abort(.notFound) }
        var errors = FieldErrors()
        let reason = TextRules.clean(body.reason)
        if reason == nil || (reason?.count ?? 0) > 200 || TextRules.hasControlCharacters(reason ?? "", allowLineBreaks: false) {
            errors.add("reason", "Give a short reason (up to 200 characters) for changing the order; it is kept in the audit trail.")
        }
        guard let direction = body.direction, ["up", "down", "remove"].contains(direction) else {
            throw Abort(.badRequest, reason: "Choose move up, move down or remove.")
        }
        guard errors.isEmpty, let reason else { return try await render(request, errors: errors, status: .unprocessableEntity) }
        try await request.db.writeTransaction { db in
            if direction == "remove" {
                entry.status = WaitlistEntry.Status.removed
                try await entry.update(on: db)
                return
            }
            // Swap places with the neighbour in that direction.
            let neighbour = try await WaitlistEntry.query(on: db).filter(\.$status == WaitlistEntry.Status.waiting)
                .filter(\.$position, direction == "up" ? .lessThan : .greaterThan, entry.position)
                .sort(\.$position, direction == "up" ? .descending : .ascending).first()
            guard let neighbour else { return }
            let mine = entry.position
            entry.position = neighbour.position
            neighbour.position = mine
            try await entry.update(on: db)
            try await neighbour.update(on: db)
        }
        try await request.audit(.update, recordType: "waitlist-entry", recordID: id.uuidString, subject: entry.email, detail: "\(direction): \(reason)")
        return request.redirect(to: "/staff/waitlist")
    }
}

/// A clinician's private calendar feed: a secret address that calendar apps poll, showing times and
/// clients' initials only, revocable at any time.
struct CalendarFeedController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("calendar-feed", ":token", use: feed)
    }

    func feed(_ request: Request) async throws -> Response {
        guard let raw = request.parameters.get("token"), raw.hasSuffix(".ics"), raw.count <= 100 else { throw Abort(.notFound) }
        let token = String(raw.dropLast(4))
        guard let feed = try await CalendarFeed.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token))
            .filter(\.$revokedAt == nil).with(\.$staff).first(), feed.staff.isActive else { throw Abort(.notFound) }
        let setup = try await request.bookingSetup()
        let now = request.now
        let appointments = try await Appointment.query(on: request.db).filter(\.$staff.$id == feed.$staff.id)
            .filter(\.$status ~~ [Appointment.Status.confirmed, Appointment.Status.blocked, Appointment.Status.attended])
            .filter(\.$startsAt > now.addingTimeInterval(-30 * 86_400)).filter(\.$startsAt < now.addingTimeInterval(180 * 86_400))
            .with(\.$client).sort(\.$startsAt).all()
        let events = appointments.map { appointment in
            ICalendarEvent(uid: "\(appointment.id?.uuidString.lowercased() ?? "")@iptclinic", start: appointment.startsAt, end: appointment.endsAt,
                           summary: appointment.client.map { "Client \($0.initials)" } ?? (appointment.blockNote ?? "Blocked"),
                           status: .confirmed, sequence: appointment.sequence)
        }
        try await request.application.auditWriter.record(AuditEntry(actorID: feed.$staff.id.uuidString, actorLabel: "calendar feed of \(feed.staff.name)",
                                                                    action: .view, recordType: "calendar-feed", recordID: feed.id?.uuidString,
                                                                    requestID: request.referenceID, detail: "events=\(events.count)"))
        let text = ICalendarWriter.document(events, name: "\(feed.staff.name) - \(setup.kinds.isEmpty ? "" : "clinic calendar")", stamp: now)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}
