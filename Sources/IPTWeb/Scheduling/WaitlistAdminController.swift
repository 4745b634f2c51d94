import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The waitlist for the front desk: in order, with moves up and down and removals, each with a
/// reason kept, sealed, beside the entry (the audit row names it).
struct WaitlistAdminController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.waitlistAdmin, use: list)
        site.post(.waitlistMove, use: move)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageSchedule)
        return try await render(request, errors: FieldErrors())
    }

    /// The list; every showing is audited with its length, a refused change included, as before.
    private func render(_ request: Request, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let entries = try await SchedulingQueries.waitlist(on: request.db)
        let model = WaitlistAdminPage.Model(offerHours: setup.offerHours, entries: entries.map { entry in
            let preference = entry.preference
            let days = preference.days.isEmpty ? "any day" : preference.days.sorted().map(\.name).joined(separator: ", ")
            let parts = preference.parts.isEmpty ? "any time" : DayPart.allCases.filter(preference.parts.contains).map(\.rawValue).joined(separator: ", ")
            let whom = entry.staff?.name ?? (entry.tierCode == "reduced" ? "reduced-rate clinic" : "any registered therapist")
            return WaitlistAdminPage.Entry(id: entry.id?.uuidString ?? "", name: entry.name, email: entry.email,
                                           wants: "\(setup.kind(entry.typeCode)?.name ?? entry.typeCode), \(whom)", when: "\(days); \(parts)",
                                           offerSent: entry.status == .offered)
        }, errors: errors, csrfToken: request.csrfToken)
        return try await request.auditedPage(WaitlistAdminPage.title, recordType: "waitlist", subject: nil, detail: "rows=\(entries.count)",
                                             status: status) { WaitlistAdminPage.view(model) }
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
            errors.add("reason", "Give a short reason (up to 200 characters) for changing the order; it is kept with the waitlist's history.")
        }
        guard let direction = body.direction, ["up", "down", "remove"].contains(direction) else {
            throw Abort(.badRequest, reason: "Choose move up, move down or remove.")
        }
        guard errors.isEmpty, let reason else { return try await render(request, errors: errors, status: .unprocessableEntity) }
        let change = WaitlistChange()
        change.id = UUID()
        change.$entry.id = id
        change.direction = direction
        change.reasonSealed = try request.services.keyRing.seal(reason, WaitlistChange.reasonContext(change.id!))
        change.$staff.id = try request.requireStaff().id
        change.createdAt = request.now
        let now = request.now
        let withdrawn = try await request.db.writeTransaction { db -> Appointment? in
            try await change.create(on: db)
            if direction == "remove" {
                entry.status = WaitlistEntry.Status.removed
                try await entry.update(on: db)
                // An offer out to them is withdrawn with them: its link no longer books the time,
                // which goes to the next person (unless they accepted it a moment ago).
                guard let offerID = entry.$offerAppointment.id,
                      try await db.updateWhileStatus(Appointment.schema, id: offerID, statusIn: [Appointment.Status.offered], set: [
                          ("status", Appointment.Status.expired), ("updated_at", now),
                      ]) else { return nil }
                return try await Appointment.find(offerID, on: db)
            }
            // Swap places with the neighbour in that direction.
            let neighbour = try await WaitlistEntry.query(on: db).filter(\.$status == WaitlistEntry.Status.waiting)
                .filter(\.$position, direction == "up" ? .lessThan : .greaterThan, entry.position)
                .sort(\.$position, direction == "up" ? .descending : .ascending).first()
            guard let neighbour else { return nil }
            let mine = entry.position
            entry.position = neighbour.position
            neighbour.position = mine
            try await entry.update(on: db)
            try await neighbour.update(on: db)
            return nil
        }
        if let withdrawn {
            try await WaitlistService(request: request).offerFreedTime(staffID: withdrawn.$staff.id, start: withdrawn.startsAt, setup: try await request.bookingSetup())
        }
        try await request.audit(.update, recordType: "waitlist-entry", recordID: id.uuidString, detail: "\(direction), reason in waitlist change \(change.id!.uuidString)")
        return request.redirect(to: SitePath.waitlistAdmin.link)
    }
}

/// A clinician's private calendar feed: a secret address that calendar apps poll, showing times and
/// clients' initials only, revocable at any time.
struct CalendarFeedController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.calendarFeed, use: feed)
    }

    func feed(_ request: Request) async throws -> Response {
        guard let raw = request.parameters.get("token"), raw.hasSuffix(".ics"), raw.count <= 100 else { throw Abort(.notFound) }
        let token = String(raw.dropLast(4))
        guard let feed = try await SchedulingQueries.liveFeed(tokenHash: HexDigest.sha256(token), on: request.db), feed.staff.isActive else {
            throw Abort(.notFound)
        }
        let setup = try await request.bookingSetup()
        let now = request.now
        let appointments = try await SchedulingQueries.feedAppointments(of: feed.$staff.id, around: now, on: request.db)
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
