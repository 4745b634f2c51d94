import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import SQLKit
import Vapor

/// Retention: the clinic's rule, the report of records kept past it, holds for complaints and legal
/// matters, and destruction as a deliberate, audited act that leaves a tombstone.
struct RetentionController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "retention", use: report)
        routes.post("staff", "retention", "rule", use: saveRule)
        routes.get("staff", "retention", ":id", use: review)
        routes.post("staff", "retention", ":id", "hold", use: hold)
        routes.post("staff", "retention", ":id", "lift", use: lift)
        routes.post("staff", "retention", ":id", "destroy", use: destroy)
    }

    /// Every table holding a client's rows, children before parents, so deletion never breaks a
    /// foreign key. Session-note amendments point at the note they amend, so they go first.
    static let clientTables = [
        "client_flags", "care_team_members", "chart_access_reasons", "life_events", "discharge_summaries", "worksheets", "formulations", "inventory_entries", "phase_overrides",
        "course_checklist", "treatment_contracts", "record_holds", "record_requests", "risk_alerts", "measure_responses", "consents", "intakes",
        "self_assessments", "portal_links", "portal_sessions", "appointments", "appointment_series",
    ]

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
        let holds = try await RecordHold.query(on: db).filter(\.$liftedAt == nil).all()
        let openRequests = try await RecordRequest.query(on: db).filter(\.$status == RecordRequest.Status.open).all()
        return clients.map { client in
            let last = zone.localDate(of: latest[client.id!] ?? client.createdAt)
            let held: String? = holds.contains { $0.$client.id == client.id } ? "On hold (complaint or legal matter)"
                : openRequests.contains { $0.$client.id == client.id } ? "Held: an access or correction request is open" : nil
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
        let clinic = try await request.services.clinic.current(on: request.db)
        let zone = clinic.zone
        let today = zone.localDate(of: request.now)
        let all = try await Self.rows(rule: settings.retention, zone: zone, now: request.now, on: request.db)
        let due = all.filter { $0.isPast(today: today) }.sorted { $0.keepUntil < $1.keepUntil }
        let held = all.filter { $0.held != nil && $0.keepUntil >= today }
        let tombstones = try await RecordTombstone.query(on: request.db).sort(\.$destroyedAt, .descending).limit(100).with(\.$destroyedBy).all()
        try await request.audit(.view, recordType: "retention-report", detail: "past=\(due.count)")
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Record retention")),
            ChartViews.notice(request),
            .p(.class("lede"), .text("Records are kept \(settings.retentionYears) years after the last contact\(settings.retentionMinorsFrom18 ? ", or for someone seen as a minor, \(settings.retentionYears) years after their 18th birthday if that is later" : ""). Check your college's rule.")),
            FormViews.errorSummary(errors),
            .details(
                .summary(.text("Change the rule")),
                .form(.method(.post), .action("/staff/retention/rule"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textField(name: "years", label: "Years after the last contact", value: fields["years"] ?? String(settings.retentionYears),
                                          error: errors["years"], type: .number, maxLength: 2, hint: "10 for most colleges in Ontario; 7 for social workers."),
                      FormViews.checkbox(name: "minors", label: "For minors, count from the 18th birthday when that is later",
                                         checked: fields.isEmpty ? settings.retentionMinorsFrom18 : fields["minors"] == "yes", error: nil),
                      .button(.class("button"), .type(.submit), .text("Save the rule")))),
            .h2(.text("Past retention")),
            .if(due.isEmpty, .p(.text("No record is past its retention date."))),
            .if(!due.isEmpty, TableViews.scrollable(captionID: "past-retention", .table(
                .class("data-table"),
                .caption(.id("past-retention"), .text("Records past their retention date, longest overdue first")),
                .thead(.tr(.th(.text("Client")), .th(.text("Last contact")), .th(.text("Kept until")), .th(.text("Status")))),
                .tbody(.forEach(due) { row in
                    .tr(.td(.a(.href("/staff/retention/\(row.client.id!.uuidString)"), .text(row.client.name))),
                        .td(.text(DateDisplay.day(row.lastContact))), .td(.text(DateDisplay.day(row.keepUntil))),
                        .td(.text(row.held ?? "May be destroyed")))
                })))),
            .if(!held.isEmpty, .group(
                .h2(.text("On hold")),
                .ul(.forEach(held) { row in
                    .li(.text("\(row.client.name): \(row.held ?? "")"),
                        .form(.method(.post), .action("/staff/retention/\(row.client.id!.uuidString)/lift"), .class("inline-form"),
                              FormViews.csrf(request.csrfToken), .button(.class("button small secondary"), .type(.submit), .text("Lift the hold"))))
                }))),
            .h2(.text("Destroyed records")),
            .if(tombstones.isEmpty, .p(.text("None."))),
            .if(!tombstones.isEmpty, TableViews.scrollable(captionID: "tombstones", .table(
                .class("data-table"),
                .caption(.id("tombstones"), .text("Tombstones, newest first")),
                .thead(.tr(.th(.text("Initials")), .th(.text("Last contact")), .th(.text("Kept until")), .th(.text("Destroyed")), .th(.text("By")), .th(.text("Rows")))),
                .tbody(.forEach(tombstones) { stone in
                    .tr(.td(.text(stone.initials)), .td(.text(stone.lastContact)), .td(.text(stone.keptUntil)),
                        .td(.text(DateDisplay.day(zone.localDate(of: stone.destroyedAt)))), .td(.text(stone.destroyedBy.name)), .td(.text("\(stone.rowsDestroyed)")))
                }))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Record retention" : "Please check: Record retention", content: content, status: status)
    }

    /// One record's retention: why it may (or may not) be destroyed, the destruction form and the hold.
    func review(_ request: Request) async throws -> Response {
        try await renderReview(request, client: try await client(request), error: nil)
    }

    private func renderReview(_ request: Request, client: ClientRecord, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let settings = try await ClinicalSettingsRow.current(on: request.db)
        let clinicIdentity = try await request.services.clinic.current(on: request.db)
        let zone = clinicIdentity.zone
        guard let row = try await Self.rows(rule: settings.retention, zone: zone, now: request.now, on: request.db).first(where: { $0.client.id == client.id }) else {
            throw Abort(.notFound)
        }
        let past = row.isPast(today: zone.localDate(of: request.now))
        var errors = FieldErrors()
        if let error { errors.add("confirm", error) }
        try await request.audit(.view, recordType: "retention-review", recordID: client.id?.uuidString, subject: client.id?.uuidString)
        let base = "/staff/retention/\(client.id!.uuidString)"
        let content: Node<HTML.BodyContext> = .group(
            .p(.a(.href("/staff/retention"), .text("Record retention"))),
            .h1(.text("Retention: \(client.name)")),
            .dl(.class("details"),
                .dt(.text("Last contact")), .dd(.text(DateDisplay.day(row.lastContact))),
                .dt(.text("Kept until")), .dd(.text(DateDisplay.day(row.keepUntil))),
                .dt(.text("Status")), .dd(.text(row.held ?? (past ? "Past retention"
                    : row.nextAppointment.map { "Kept: an appointment is booked for \(DateDisplay.day(zone.localDate(of: $0)))" } ?? "Still within retention")))),
            FormViews.errorSummary(errors),
            .if(past && row.held == nil, .form(
                .method(.post), .action("\(base)/destroy"), .class("form"), .novalidate(),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "confirm", label: "Type the client's full name to destroy the record", value: nil, error: errors["confirm"], maxLength: 120,
                                    hint: "Everything about this client is deleted, including every email to them and the enquiries and waitlist entries made with their address. A tombstone (initials, dates, who destroyed it) and the audit trail remain."),
                .button(.class("button danger"), .type(.submit), .text("Destroy this record")))),
            .if(row.held == nil, .form(
                .method(.post), .action("\(base)/hold"), .class("form"), .novalidate(),
                FormViews.csrf(request.csrfToken),
                FormViews.textField(name: "reason", label: "Put the record on hold: the reason", value: nil, error: nil, maxLength: 500,
                                    hint: "A complaint, a legal matter: nothing is destroyed until the hold is lifted."),
                .button(.class("button secondary"), .type(.submit), .text("Hold")))),
            .if(row.held != nil, .form(.method(.post), .action("\(base)/lift"), .class("inline-form"),
                                       FormViews.csrf(request.csrfToken), .button(.class("button secondary"), .type(.submit), .text("Lift the hold"))))
        )
        return try await ChartViews.page(request, title: error == nil ? "Retention" : "Please check: Retention", content: content, status: status)
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
        return request.redirect(to: "/staff/retention?done=saved")
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
        return request.redirect(to: "/staff/retention/\(client.id!.uuidString)")
    }

    func lift(_ request: Request) async throws -> Response {
        let client = try await client(request)
        let holds = try await RecordHold.query(on: request.db).filter(\.$client.$id == client.id!).filter(\.$liftedAt == nil).all()
        for hold in holds {
            hold.liftedAt = request.now
            try await hold.update(on: request.db)
        }
        try await request.audit(.update, recordType: "record-hold", subject: client.id?.uuidString, detail: "lifted \(holds.count)")
        return request.redirect(to: "/staff/retention?done=saved")
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
        // The client's addresses, less any another client also uses (a parent's address for two
        // children): what arrived from or went to a shared address may be about the other client.
        let others = try await ClientRecord.query(on: request.db).filter(\.$id != clientID).all()
        let shared = Set(others.flatMap { [$0.email, $0.guardianEmail].compactMap { $0?.lowercased() } })
        let addresses = Set([client.email, client.guardianEmail].compactMap { $0?.lowercased() }).subtracting(shared).sorted()
        let destroyed = try await request.db.writeTransaction { db -> Int in
            // Checked again inside the write: a request or a hold that arrived a moment ago still wins.
            let openRequests = try await RecordRequest.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == RecordRequest.Status.open).count()
            let holds = try await RecordHold.query(on: db).filter(\.$client.$id == clientID).filter(\.$liftedAt == nil).count()
            guard openRequests == 0, holds == 0 else { throw Abort(.conflict, reason: "The record is held. Nothing was destroyed.") }
            let booked = try await Appointment.query(on: db).filter(\.$client.$id == clientID).filter(\.$startsAt > now).count()
            guard booked == 0 else { throw Abort(.conflict, reason: "An appointment is booked for this client, so the record is kept. Nothing was destroyed.") }
            let sql = db as! any SQLDatabase
            var count = 0
            // What the clinic holds under the client's address goes with the record: every email to
            // it (waiting ones carry links; sent ones still say who was written to, when and about
            // what), the enquiries it sent, and the waitlist entries made with it. Waitlist entries
            // first: an offer points at an appointment.
            if !addresses.isEmpty {
                for (table, column) in [("outbox_messages", "recipient"), ("enquiries", "email"), ("waitlist_entries", "email"), ("waitlist_entries", "guardian_email")] {
                    let matching = SQLBinaryExpression(SQLFunction("LOWER", args: SQLIdentifier(column)), .in, SQLGroupExpression(addresses.map { SQLBind($0) }))
                    let countRow = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).where(matching).first()
                    count += try countRow?.decode(column: "n", as: Int.self) ?? 0
                    try await sql.delete(from: table).where(matching).run()
                }
            }
            func delete(_ table: String, column: String = "client_id") async throws {
                let countRow = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                    .where(SQLIdentifier(column), .equal, SQLBind(clientID)).first()
                count += try countRow?.decode(column: "n", as: Int.self) ?? 0
                try await sql.delete(from: table).where(SQLIdentifier(column), .equal, SQLBind(clientID)).run()
            }
            // Alerts may point at session notes, and duplicate tasks at either record: both before their targets.
            try await delete("risk_alerts")
            try await delete("possible_duplicates")
            try await delete("possible_duplicates", column: "existing_client_id")
            // Amendments first: they point at the notes they amend.
            let amendments = try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$amends.$id != nil).all()
            for amendment in amendments { try await amendment.delete(on: db) }
            count += amendments.count
            try await delete("session_notes")
            for table in Self.clientTables { try await delete(table) }
            try await delete("clients", column: "id")
            tombstone.rowsDestroyed = count
            try await tombstone.create(on: db)
            return count
        }
        try await request.audit(.update, recordType: "record-destroyed", recordID: tombstone.id?.uuidString, subject: clientID.uuidString,
                                detail: "rows=\(destroyed) kept-until=\(row.keepUntil)")
        return request.redirect(to: "/staff/retention?done=deleted")
    }
}
