import Fluent
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// Retention: the clinic's rule, the report of records kept past it, holds for complaints and legal
/// matters, and destruction as a deliberate, audited act that leaves a tombstone.
struct RetentionController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.retention, use: report)
        site.post(.retentionRule, use: saveRule)
        site.get(.retentionRecord, use: review)
        site.post(.retentionHold, use: hold)
        site.post(.retentionLift, use: lift)
        site.post(.retentionDestroy, use: destroy)
    }

    /// Every table holding a client's rows, children before parents, so deletion never breaks a
    /// foreign key. Session-note amendments point at the note they amend, so they go first.
    static let clientTables = [
        "client_flags", "care_team_members", "chart_access_reasons", "life_events", "discharge_summaries", "worksheets", "formulations", "inventory_entries", "phase_overrides",
        "course_checklist", "treatment_contracts", "record_holds", "record_requests", "risk_alerts", "measure_responses", "consents", "intakes",
        "self_assessments", "portal_links", "portal_sessions", "appointments", "appointment_series",
    ]

    /// The client's accounts: invoices and credit notes, payments and refunds, approved sliding-scale
    /// rates. They follow a merged record like everything else; destroying a record removes them
    /// with their lines, allocations and charges (`PrivacyQueries.destroy`).
    static let billingTables = ["invoices", "payments", "sliding_scale_rates"]

    /// How long after answering an access or correction request the record is kept whatever its
    /// age: the client has six months to complain to the Information and Privacy Commissioner, and
    /// the record must still be there to answer it (PHIPA s. 13(2)).
    static let complaintWindowDays = 183

    /// The latest note, payment or record request of each client that has one.
    static func latestActivity(on db: any Database) async throws -> [(client: UUID, at: Date)] {
        struct Latest: Decodable { let client_id: UUID; let at: Date }
        let sql = db as! any SQLDatabase
        var found: [(client: UUID, at: Date)] = []
        for statement: SQLQueryString in [
            "SELECT client_id, MAX(updated_at) AS at FROM session_notes GROUP BY client_id",
            "SELECT client_id, MAX(created_at) AS at FROM payments GROUP BY client_id",
            "SELECT client_id, MAX(COALESCE(resolved_at, requested_at)) AS at FROM record_requests GROUP BY client_id",
        ] {
            for row in try await sql.raw(statement).all(decoding: Latest.self) { found.append((row.client_id, row.at)) }
        }
        return found
    }

    struct Row {
        let client: ClientRecord
        let lastContact: LocalDate
        let keepUntil: LocalDate
        let held: String?
        /// The first appointment booked after now, in any status: while there is one, the record is kept.
        let nextAppointment: Date?
        let rule: RetentionRule

        func isPast(today: LocalDate) -> Bool { rule.isPast(keepUntil: keepUntil, today: today, hasFutureAppointment: nextAppointment != nil) }
    }

    /// When the clinic last had contact with each client: the latest appointment that has begun, or
    /// questionnaire answered, or the day the record was opened.
    static func rows(rule: RetentionRule, zone: ClinicTimeZone, now: Date, on db: any Database) async throws -> [Row] {
        let clients = try await ClientRecord.query(on: db).all()
        var latest: [UUID: Date] = [:]
        for client in clients { latest[client.id!] = client.createdAt }
        var next: [UUID: Date] = [:]
        for appointment in try await Appointment.query(on: db).filter(\.$client.$id != nil).all() {
            guard let id = appointment.$client.id else { continue }
            if appointment.startsAt <= now {
                latest[id] = max(latest[id] ?? .distantPast, appointment.startsAt)
            } else {
                next[id] = min(next[id] ?? .distantFuture, appointment.startsAt)
            }
        }
        for response in try await MeasureResponse.query(on: db).filter(\.$status == .completed).all() {
            latest[response.$client.id] = max(latest[response.$client.id] ?? .distantPast, response.completedAt ?? response.createdAt)
        }
        // Work on the record after the last session counts as contact too: a note written or
        // amended, a payment, a request for the record.
        for activity in try await Self.latestActivity(on: db) {
            latest[activity.client] = max(latest[activity.client] ?? .distantPast, activity.at)
        }
        let holds = try await RecordHold.query(on: db).filter(\.$liftedAt == nil).all()
        let openRequests = try await RecordRequest.query(on: db).filter(\.$status == RecordRequest.Status.open).all()
        let answered = try await RecordRequest.query(on: db).filter(\.$status != RecordRequest.Status.open)
            .filter(\.$resolvedAt >= now.addingTimeInterval(-Double(Self.complaintWindowDays) * 86_400)).all()
        return clients.map { client in
            let last = zone.localDate(of: latest[client.id!] ?? client.createdAt)
            let recentAnswer = answered.filter { $0.$client.id == client.id }.compactMap(\.resolvedAt).max()
            let held: String? = holds.contains { $0.$client.id == client.id } ? "On hold (complaint or legal matter)"
                : openRequests.contains { $0.$client.id == client.id } ? "Held: an access or correction request is open"
                : recentAnswer.map { "Held: a request was answered on \(DateDisplay.day(zone.localDate(of: $0))); the client may still complain about it" }
            return Row(client: client, lastContact: last, keepUntil: rule.keepUntil(lastContact: last, born: LocalDate(iso: client.dateOfBirth)), held: held,
                       nextAppointment: next[client.id!], rule: rule)
        }
    }

    func report(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleRecordRequests)
        return try await render(request, errors: FieldErrors(), fields: [:])
    }

    private func render(_ request: Request, errors: FieldErrors, fields: [String: String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let settings = try await ClinicalSettingsRow.current(on: request.db)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let today = zone.localDate(of: request.now)
        let all = try await Self.rows(rule: settings.retention, zone: zone, now: request.now, on: request.db)
        let due = all.filter { $0.isPast(today: today) }.sorted { $0.keepUntil < $1.keepUntil }
        let held = all.filter { $0.held != nil && $0.keepUntil >= today }
        let tombstones = try await PrivacyQueries.tombstones(on: request.db)
        try await request.audit(.view, recordType: "retention-report", detail: "past=\(due.count)")
        let model = RetentionPage.Model(
            years: settings.retentionYears, minorsFrom18: settings.retentionMinorsFrom18, notice: PrivacyQueries.doneNotice(request),
            yearsField: fields["years"] ?? String(settings.retentionYears),
            minorsChecked: fields.isEmpty ? settings.retentionMinorsFrom18 : fields["minors"] == "yes", errors: errors,
            due: due.map { row in
                .init(clientID: row.client.id?.uuidString ?? "", name: row.client.name, lastContact: DateDisplay.day(row.lastContact),
                      keptUntil: DateDisplay.day(row.keepUntil), status: row.held ?? "May be destroyed")
            },
            held: held.map { .init(clientID: $0.client.id?.uuidString ?? "", text: "\($0.client.name): \($0.held ?? "")") },
            tombstones: tombstones.map { stone in
                .init(initials: stone.initials, lastContact: stone.lastContact, keptUntil: stone.keptUntil,
                      destroyed: DateDisplay.day(zone.localDate(of: stone.destroyedAt)), destroyedBy: stone.destroyedBy.name, rows: stone.rowsDestroyed)
            },
            csrfToken: request.csrfToken)
        return try await request.page(model.title, RetentionPage.view(model), status: status)
    }

    /// One record's retention: why it may (or may not) be destroyed, the destruction form and the hold.
    func review(_ request: Request) async throws -> Response {
        try await renderReview(request, client: try await client(request), error: nil)
    }

    private func renderReview(_ request: Request, client: ClientRecord, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let settings = try await ClinicalSettingsRow.current(on: request.db)
        let zone = try await request.services.clinic.current(on: request.db).zone
        guard let row = try await Self.rows(rule: settings.retention, zone: zone, now: request.now, on: request.db).first(where: { $0.client.id == client.id }) else {
            throw Abort(.notFound)
        }
        let past = row.isPast(today: zone.localDate(of: request.now))
        var errors = FieldErrors()
        if let error { errors.add("confirm", error) }
        let model = RetentionReviewPage.Model(
            clientID: client.id?.uuidString ?? "", clientName: client.name, lastContact: DateDisplay.day(row.lastContact), keptUntil: DateDisplay.day(row.keepUntil),
            status: row.held ?? (past ? "Past retention"
                : row.nextAppointment.map { "Kept: an appointment is booked for \(DateDisplay.day(zone.localDate(of: $0)))" } ?? "Still within retention"),
            mayDestroy: past && row.held == nil, isHeld: row.held != nil, errors: errors, csrfToken: request.csrfToken)
        return try await request.auditedPage(model.title, recordType: "retention-review", recordID: client.id?.uuidString, subject: client.id?.uuidString,
                                             status: status) { RetentionReviewPage.view(model) }
    }

    func saveRule(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.handleRecordRequests)
        let (fields, _) = try request.formBody()
        guard let years = fields["years"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (1...50).contains(years) else {
            var errors = FieldErrors()
            errors.add("years", "Enter a number of years from 1 to 50.")
            return try await render(request, errors: errors, fields: fields, status: .unprocessableEntity)
        }
        let row = try await ClinicalSettingsRow.current(on: request.db)
        row.retentionYears = years
        row.retentionMinorsFrom18 = fields["minors"] == "yes"
        row.updatedAt = request.now
        try await row.save(on: request.db)
        try await request.audit(.update, recordType: "retention-rule", detail: "years=\(years) minors=\(row.retentionMinorsFrom18)")
        return request.redirect(to: SitePath.retention.link(query: ["done": "saved"]))
    }

    private func client(_ request: Request) async throws -> ClientRecord {
        _ = try await request.authorize(.handleRecordRequests)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)), let client = try await ClientRecord.find(id, on: request.db) else {
            throw Abort(.notFound)
        }
        return client
    }

    func hold(_ request: Request) async throws -> Response {
        let client = try await client(request)
        let (fields, _) = try request.formBody()
        guard let reason = TextRules.clean(fields["reason"]), TextRules.length(fields["reason"]) <= 500 else {
            throw Abort(.unprocessableEntity, reason: "Give the reason for the hold (up to 500 characters). Nothing was changed.")
        }
        let row = RecordHold()
        row.id = UUID()
        row.$client.id = try client.requireID()
        row.reasonSealed = try request.services.keyRing.seal(reason, RecordHold.reasonContext(row.id!, client: row.$client.id))
        row.$createdBy.id = try request.requireStaff().id
        row.createdAt = request.now
        try await row.create(on: request.db)
        try await request.audit(.create, recordType: "record-hold", recordID: row.id?.uuidString, subject: client.id?.uuidString)
        return request.redirect(to: SitePath.retentionRecord.link(try client.requireID()))
    }

    func lift(_ request: Request) async throws -> Response {
        let client = try await client(request)
        let holds = try await PrivacyQueries.activeHolds(of: try client.requireID(), on: request.db)
        for hold in holds {
            hold.liftedAt = request.now
            try await hold.update(on: request.db)
        }
        try await request.audit(.update, recordType: "record-hold", subject: client.id?.uuidString, detail: "lifted \(holds.count)")
        return request.redirect(to: SitePath.retention.link(query: ["done": "saved"]))
    }

    func destroy(_ request: Request) async throws -> Response {
        let client = try await client(request)
        let clientID = try client.requireID()
        let (fields, _) = try request.formBody()
        let settings = try await ClinicalSettingsRow.current(on: request.db)
        let clinic = try await request.services.clinic.current(on: request.db)
        let zone = clinic.zone
        guard let row = try await Self.rows(rule: settings.retention, zone: zone, now: request.now, on: request.db).first(where: { $0.client.id == clientID }) else {
            throw Abort(.notFound)
        }
        guard row.isPast(today: zone.localDate(of: request.now)) else {
            throw Abort(.conflict, reason: row.nextAppointment == nil ? "This record must be kept until \(DateDisplay.day(row.keepUntil)). Nothing was destroyed."
                                                                      : "An appointment is booked for this client, so the record is kept. Nothing was destroyed.")
        }
        if let held = row.held { throw Abort(.conflict, reason: "\(held). Nothing was destroyed.") }
        guard TextRules.clean(fields["confirm"]) == client.name else {
            return try await renderReview(request, client: client, error: "Type the client's full name exactly as shown to confirm. Nothing was destroyed.",
                                          status: .unprocessableEntity)
        }
        let staffID = try request.requireStaff().id
        let now = request.now
        let tombstone = RecordTombstone()
        tombstone.formerClientID = clientID.uuidString
        tombstone.initials = client.initials
        tombstone.lastContact = row.lastContact.description
        tombstone.keptUntil = row.keepUntil.description
        tombstone.destroyedAt = now
        tombstone.$destroyedBy.id = staffID
        let destroyed = try await PrivacyQueries.destroy(client, tombstone: tombstone, now: now, on: request.db)
        try await request.audit(.update, recordType: "record-destroyed", recordID: tombstone.id?.uuidString, subject: clientID.uuidString,
                                detail: "rows=\(destroyed) kept-until=\(row.keepUntil)")
        return request.redirect(to: SitePath.retention.link(query: ["done": "deleted"]))
    }
}
