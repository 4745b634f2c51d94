import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The caseload and the client chart: one screen that says where the course stands, with the
/// contract, the phase and its checklist.
struct ChartController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", use: caseload)
        routes.get("staff", "clients", ":id", "chart", use: show)
        routes.get("staff", "clients", ":id", "reason", use: reasonForm)
        routes.post("staff", "clients", ":id", "reason", use: giveReason)
        routes.get("staff", "clients", ":id", "contract", use: contractForm)
        routes.post("staff", "clients", ":id", "contract", use: saveContract)
        routes.post("staff", "clients", ":id", "phase", use: overridePhase)
        routes.post("staff", "clients", ":id", "checklist", use: tick)
    }

    // MARK: Caseload

    func caseload(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let clientIDs = try await CareTeamQueries.clients(of: staff.id, at: request.now, on: request.db)
        let mine = clientIDs.isEmpty ? [] : try await ClientRecord.query(on: request.db).filter(\.$id ~~ Array(clientIDs)).sort(\.$name).all()
        let everyone = staff.role == .admin ? try await ClientRecord.query(on: request.db).sort(\.$name).limit(500).all() : []
        let listed = clientIDs.union(everyone.compactMap(\.id))
        let contracts = listed.isEmpty ? [] : try await ContractRow.query(on: request.db).filter(\.$client.$id ~~ Array(listed)).sort(\.$version, .descending).all()
        let latestContract = Dictionary(contracts.map { ($0.$client.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Where each course on the caseload stands: "session 5 of 16, middle phase". A caseload is a few
        // dozen clients, so one count per contract is fine.
        let settings = try await ClinicalSettingsRow.current(on: request.db)
        let clinic = try await request.services.clinic.current(on: request.db)
        let zone = clinic.zone
        var standing: [UUID: String] = [:]
        for (clientID, contract) in latestContract where clientIDs.contains(clientID) {
            let held = try await CourseState.sessionsHeld(clientID: clientID, since: contract, zone: zone, on: request.db)
            let progress = CourseProgress(sessionsHeld: held, agreedSessions: contract.agreedSessions, settings: settings.course)
            standing[clientID] = progress.isComplete ? "Course complete (\(contract.agreedSessions) sessions)"
                : "Session \(progress.currentSession) of \(contract.agreedSessions), \(progress.computedPhase.label.lowercased())"
        }
        // Clients nobody has accepted yet, for those who assign care teams.
        let mayAssign = settings.mayAssignCareTeam(staff.role)
        let treated = mayAssign ? Set(try await CareTeamMember.query(on: request.db).filter(\.$role == .treating).filter(\.$startsAt <= request.now)
            .group(.or) { $0.filter(\.$endsAt == nil).filter(\.$endsAt > request.now) }.all().map { $0.$client.id }) : []
        let waiting = mayAssign ? try await ClientRecord.query(on: request.db).sort(\.$createdAt, .descending).limit(500).all()
            .filter { !treated.contains($0.id ?? UUID()) } : []
        try await request.audit(.view, recordType: "caseload", detail: "clients=\(mine.count)")
        func table(_ clients: [ClientRecord], caption: String, id: String) -> Node<HTML.BodyContext> {
            TableViews.scrollable(captionID: id, .table(
                .class("data-table"),
                .caption(.id(id), .text(caption)),
                .thead(.tr(.th(.text("Client")), .th(.text("Programme")), .th(.text("Course")))),
                .tbody(.forEach(clients) { client in
                    let contract = client.id.flatMap { latestContract[$0] }
                    return .tr(.td(.a(.href("/staff/clients/\(client.id!.uuidString)/chart"), .text(client.name))),
                               .td(.text(Programme(rawValue: contract?.programme ?? client.programme)?.label ?? client.programme)),
                               .td(.text(client.id.flatMap { standing[$0] } ?? contract.map { "A \($0.agreedSessions)-session contract from \($0.startDate)" } ?? "No contract yet")))
                })))
        }
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Clients")),
            .if(mine.isEmpty, .p(.text("No client is on your care teams yet. The clinic director adds you to a client's care team when the client is accepted."))),
            .if(!mine.isEmpty, table(mine, caption: staff.role == .supervisor ? "Your caseload and your students' clients" : "Your caseload", id: "caseload")),
            .if(!waiting.isEmpty, .group(
                .h2(.text("Waiting to be accepted")),
                .p(.class("hint"), .text("No treating clinician yet, so no one but the director can open these charts. Name one on the care-team page.")),
                .ul(.forEach(waiting.prefix(50)) { client in
                    .li(.a(.href("/staff/clients/\(client.id?.uuidString ?? "")/care-team"), .text(client.name)),
                        .text(", record opened \(DateDisplay.day(zone.localDate(of: client.createdAt)))"))
                }))),
            .if(!everyone.isEmpty, .group(
                .h2(.text("Every client of the clinic")),
                .p(.class("hint"), .text("Opening a chart that is not on your caseload asks for a reason, which is kept in the audit trail.")),
                table(everyone, caption: "All clients", id: "all-clients")))
        )
        return try await ChartViews.page(request, title: "Clients", content: content)
    }

    // MARK: The chart

    func show(_ request: Request) async throws -> Response {
        try await render(request, context: try await request.chart(), phaseFields: [:], phaseErrors: FieldErrors())
    }

    private func render(_ request: Request, context: ChartContext, phaseFields: [String: String], phaseErrors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let db = request.db
        let state = try await CourseState.load(context, on: db)
        let responses = try await MeasureResponse.query(on: db).filter(\.$client.$id == context.clientID).filter(\.$status == .completed)
            .sort(\.$completedAt, .descending).all()
        let openAlerts = try await RiskAlert.query(on: db).filter(\.$client.$id == context.clientID).filter(\.$status == .open)
            .with(\.$note).sort(\.$createdAt).all()
        let alerts = openAlerts.count
        let flags = try await ClientFlag.query(on: db).filter(\.$client.$id == context.clientID).sort(\.$createdAt).all()
        let team = try await CareTeamQueries.active(of: context.clientID, at: request.now, on: db)
        let teamPeople = team.isEmpty ? [] : try await StaffUser.query(on: db).filter(\.$id ~~ team.map { $0.$staff.id }).all()
        let next = try await Appointment.query(on: db).filter(\.$client.$id == context.clientID).filter(\.$startsAt > request.now)
            .filter(\.$status ~~ [Appointment.Status.confirmed, Appointment.Status.requested]).sort(\.$startsAt).first()
        let nextClinician = try await StaffUser.find(optional: next?.$staff.id, on: db)
        try await request.audit(.view, recordType: "chart", recordID: context.clientID.uuidString, subject: context.clientID.uuidString)

        let latestByInstrument = Dictionary(grouping: responses, by: \.instrumentCode)
        let scoreLines: [String] = try request.services.instruments.all.compactMap { instrument in
            guard let rows = latestByInstrument[instrument.code], let latest = try rows.first?.total(request.services.keyRing) else { return nil }
            var line = "\(instrument.name) \(latest) (\(instrument.band(for: latest)?.label ?? ""))"
            if rows.count > 1, let previous = try rows[1].total(request.services.keyRing) {
                line += latest < previous ? ", down from \(previous)" : latest > previous ? ", up from \(previous)" : ", unchanged"
            }
            return line
        }
        let progress = state.progress
        let phase = progress?.phase
        let programme = Programme(rawValue: state.contract?.programme ?? context.client.programme)?.label ?? context.client.programme
        let phaseText = (phase?.label ?? "No contract yet") + (progress?.overridden == true ? " (set by hand)" : "")
        let sessionText: String
        if let progress {
            sessionText = progress.isComplete ? "Course complete (\(progress.agreedSessions) held)" : "Session \(progress.currentSession) of \(progress.agreedSessions)"
        } else {
            sessionText = "Not started"
        }
        let focusText = state.focusAreas.isEmpty ? "Not chosen yet" : state.focusAreas.map(\.label).joined(separator: " and ")
        let nextText = next.map { "\(DateDisplay.shortDay(context.zone.localDate(of: $0.startsAt))), \(DateDisplay.time($0.startsAt, zone: context.zone)) with \(nextClinician?.name ?? "")" } ?? "None booked"
        func name(_ role: CareTeamMember.Role) -> String? {
            team.first { $0.role == role }.flatMap { member in teamPeople.first { $0.id == member.$staff.id }?.name }
        }
        let clinicianText = (name(.treating) ?? "No treating clinician assigned") + (name(.supervisor).map { ", supervised by \($0)" } ?? "")
        let alertNode: Node<HTML.BodyContext> = alerts > 0 ? .a(.href("/staff/alerts"), .strong(.text("\(alerts) open"))) : .text("None")
        // Safety first, above everything else on the chart: each open alert and each standing flag.
        let safety: Node<HTML.BodyContext> = .if(!openAlerts.isEmpty || !flags.isEmpty, .section(
            .class("safety-banner"), .attribute(named: "aria-labelledby", value: "safety-heading"),
            .h2(.id("safety-heading"), .text("Safety")),
            .ul(
                .forEach(openAlerts) { alert in
                    .li(.class("safety-alert"), .strong(.text("Open alert")),
                        .text(", raised \(DateDisplay.when(alert.createdAt, zone: context.zone)) by \(alert.source == .sessionNote ? "a session note" : "a questionnaire")\(alert.escalatedAt == nil ? "" : ", escalated to the director"). "),
                        .a(.href("/staff/alerts/\(alert.id?.uuidString ?? "")"), .text("Record the follow-up")))
                },
                .forEach(flags) { flag in
                    .li(.class("safety-flag"), .strong(.text(flag.kind.label)),
                        .text(", first recorded \(DateDisplay.day(context.zone.localDate(of: flag.createdAt))). A standing history item: it does not raise an alert each time."))
                })
        ))
        let items: [(String, Node<HTML.BodyContext>)] = [
            ("Programme", .text(programme)), ("Phase", .text(phaseText)), ("Session", .text(sessionText)), ("Focus", .text(focusText)),
            ("Latest scores", .text(scoreLines.isEmpty ? "None yet" : scoreLines.joined(separator: "; "))), ("Open risk alerts", alertNode),
            ("Next appointment", .text(nextText)), ("Clinician", .text(clinicianText)),
        ]
        let summary: Node<HTML.BodyContext> = .div(.class("chart-summary"), .forEach(items) { item in
            .div(.class(item.0 == "Open risk alerts" && alerts > 0 ? "summary-item alert-cell" : "summary-item"),
                 .p(.class("summary-label"), .text(item.0)), .p(.class("summary-value"), item.1))
        })
        let checklist: Node<HTML.BodyContext> = .unwrap(phase) { phase in
            .section(
                .h2(.text("\(phase.label): tasks")),
                .ul(.class("checklist"), .forEach(phase.checklist) { item in
                    let mark = state.checklist[item.code]
                    return .li(
                        .form(.method(.post), .action("\(context.base)/checklist"), .class("inline-form"),
                              FormViews.csrf(request.csrfToken),
                              .input(.type(.hidden), .name("code"), .value(item.code)),
                              .input(.type(.hidden), .name("done"), .value(mark == nil ? "yes" : "no")),
                              .span(.class(mark == nil ? "task" : "task done"), .text(mark == nil ? "To do: " : "Done: "), .text(item.label)),
                              .text(" "),
                              .button(.class("button small secondary"), .type(.submit),
                                      .text(mark == nil ? "Mark done" : "Mark not done"),
                                      .attribute(named: "aria-label", value: "\(mark == nil ? "Mark done" : "Mark not done"): \(item.label)"))))
                }))
        }
        let phaseForm: Node<HTML.BodyContext> = .unwrap(progress) { progress in
            .details(
                .if(!phaseErrors.isEmpty, .attribute(named: "open", value: "open")),
                .summary(.text("Set the phase by hand")),
                .p(.class("hint"), .text("The phase follows the sessions held (\(progress.computedPhase.label.lowercased()) now). Override it only with a reason, for example when the initial phase needs another session.")),
                FormViews.errorSummary(phaseErrors),
                .form(.method(.post), .action("\(context.base)/phase"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.select(name: "phase", label: "Phase", options: [("", "Follow the sessions held")] + Phase.allCases.map { ($0.rawValue, $0.label) },
                                       selected: phaseFields["phase"] ?? state.override?.phase ?? "", error: phaseErrors["phase"]),
                      FormViews.textArea(name: "reason", label: "Reason", value: phaseFields["reason"], error: phaseErrors["reason"], maxLength: 1_000, rows: 3),
                      .button(.class("button"), .type(.submit), .text("Save phase")))
            )
        }
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "chart", title: "Chart: \(context.client.name)"),
            ChartViews.notice(request),
            safety,
            summary,
            .p(.a(.class("button"), .href("\(context.base)/notes/new"), .text("Write a session note")), .text(" "),
               .a(.class("button secondary"), .href("\(context.base)/contract"), .text(state.contract == nil ? "Agree the treatment contract" : "Contract"))),
            checklist,
            phaseForm,
            .p(.a(.href("\(context.base)/care-team"), .text("Care team")), .text(" · "),
               .a(.href("\(context.base)/record"), .text("A copy of the whole record (right of access)")),
               .if(AccessPolicy.allows(context.staff.role, .viewAuditTrail),
                   .group(.text(" · "), .a(.href("/staff/audit?subject=\(context.clientID.uuidString)"), .text("Who opened this record"))))),
            .if(AccessPolicy.allows(context.staff.role, .handleRecordRequests), .details(
                .summary(.text("Record a request from the client (copy or correction)")),
                .form(.method(.post), .action("\(context.base)/requests"), .class("form"),
                      FormViews.csrf(request.csrfToken),
                      FormViews.radioGroup(name: "kind", legend: "The client asks for", options: [("access", "A copy of the record"), ("correction", "A correction")],
                                           selected: "access", error: nil),
                      FormViews.textArea(name: "details", label: "What they asked, and how they would like the answer", value: nil, error: nil, maxLength: 4_000, rows: 3),
                      .button(.class("button secondary"), .type(.submit), .text("Record the request")))))
        )
        return try await ChartViews.page(request, title: phaseErrors.isEmpty ? "Chart" : "Please check: Chart", content: content, status: status)
    }

    // MARK: Reason for opening a chart outside one's caseload

    func reasonForm(_ request: Request) async throws -> Response {
        try await renderReason(request, error: nil, reason: nil)
    }

    private func reasonTarget(_ request: Request) async throws -> (UUID, ClientRecord) {
        let staff = try await request.authorize(.viewClinicalRecords)
        guard staff.role == .admin, let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let client = try await ClientRecord.find(id, on: request.db) else { throw Abort(.notFound) }
        return (id, client)
    }

    private func renderReason(_ request: Request, error: String?, reason: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let (id, client) = try await reasonTarget(request)
        let next = request.query[String.self, at: "next"] ?? ""
        var errors = FieldErrors()
        if let error { errors.add("reason", error) }
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Why are you opening this chart?")),
            .p(.text("\(client.name) is not on your caseload. The clinic asks for a reason, which is kept in the audit trail with every page you open in this chart for the next hour.")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action("/staff/clients/\(id.uuidString)/reason?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"),
                  .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.textArea(name: "reason", label: "Reason", value: reason, error: errors["reason"], maxLength: 500, rows: 3,
                                     hint: "For example: a complaint review, a records request, or cover while the clinician is away."),
                  .button(.class("button"), .type(.submit), .text("Open the chart")))
        )
        return try await ChartViews.page(request, title: error == nil ? "Reason needed" : "Please check: Reason needed", content: content, status: status)
    }

    func giveReason(_ request: Request) async throws -> Response {
        let (id, _) = try await reasonTarget(request)
        let (fields, _) = try request.formBody()
        guard let reason = TextRules.clean(fields["reason"]), TextRules.length(fields["reason"]) <= 500 else {
            return try await renderReason(request, error: "Write a reason of up to 500 characters.", reason: fields["reason"], status: .unprocessableEntity)
        }
        let staff = try request.requireStaff()
        let grant = ChartAccessReason()
        grant.id = UUID()
        grant.$staff.id = staff.id
        grant.$client.id = id
        grant.reasonSealed = try request.services.keyRing.seal(reason, ChartAccessReason.reasonContext(grant.id!, client: grant.$client.id))
        grant.createdAt = request.now
        grant.expiresAt = request.now.addingTimeInterval(3_600)
        try await grant.create(on: request.db)
        // The reason itself may name health matters, so the trail keeps it sealed in its own row and
        // points to it.
        try await request.audit(.create, recordType: "chart-access-reason", recordID: grant.id?.uuidString, subject: id.uuidString, detail: "outside caseload")
        let next = request.query[String.self, at: "next"].flatMap { $0.removingPercentEncoding ?? $0 } ?? ""
        let safeNext = next.hasPrefix("/staff/clients/\(id.uuidString)/") && !next.contains("//") ? next : "/staff/clients/\(id.uuidString)/chart"
        return request.redirect(to: safeNext)
    }

    // MARK: Contract

    func contractForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        try await request.audit(.view, recordType: "contract", recordID: state.contract?.id?.uuidString, subject: context.clientID.uuidString)
        var fields: [String: String] = [:]
        if let contract = state.contract {
            fields = ["programme": contract.programme, "agreedSessions": String(contract.agreedSessions), "sessionMinutes": String(contract.sessionMinutes),
                      "startDate": contract.startDate, "clientAgreed": contract.clientAgreed ? "yes" : ""]
        } else {
            let programme = Programme(rawValue: context.client.programme) ?? .adult
            // The assessment sessions are the course's first sessions, so the course starts with the
            // first one attended, not on the day the contract is written.
            let first = try await Appointment.query(on: request.db).filter(\.$client.$id == context.clientID)
                .filter(\.$status == Appointment.Status.attended).sort(\.$startsAt).first()
            fields = ["programme": programme.rawValue, "agreedSessions": String(context.settings.course.defaultSessions(for: programme)), "sessionMinutes": "50",
                      "startDate": context.zone.localDate(of: first?.startsAt ?? request.now).description]
        }
        return try await renderContract(request, context: context, state: state, fields: fields, errors: FieldErrors())
    }

    private func renderContract(_ request: Request, context: ChartContext, state: CourseState, fields: [String: String], errors: FieldErrors,
                                status: HTTPResponseStatus = .ok) async throws -> Response {
        let settings = context.settings.course
        let renegotiating = state.contract != nil
        var history: [(ContractRow, String?)] = []
        for row in state.contractVersions {
            history.append((row, try request.services.keyRing.openOptional(row.reasonSealed, ContractRow.reasonContext(row.id!, client: row.$client.id))))
        }
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "chart", title: "Treatment contract: \(context.client.name)"),
            .if(!history.isEmpty, TableViews.scrollable(captionID: "contract-versions", .table(
                .class("data-table"),
                .caption(.id("contract-versions"), .text("Versions of the contract, newest first")),
                .thead(.tr(.th(.text("Version")), .th(.text("Programme")), .th(.text("Sessions")), .th(.text("Length")), .th(.text("Start")),
                           .th(.text("Client agreed")), .th(.text("Why it changed")))),
                .tbody(.forEach(history) { row, reason in
                    .tr(.td(.text("\(row.version)")), .td(.text(Programme(rawValue: row.programme)?.label ?? row.programme)), .td(.text("\(row.agreedSessions)")),
                        .td(.text("\(row.sessionMinutes) minutes")), .td(.text(row.startDate)), .td(.text(row.clientAgreed ? "Yes" : "Not yet")),
                        .td(.text(reason ?? "First contract")))
                })))),
            .h2(.text(renegotiating ? "Renegotiate the contract" : "Agree the contract")),
            .p(.class("hint"), .text("The clinic allows \(settings.minimumSessions) to \(settings.maximumSessions) sessions: \(settings.adultSessions) is usual for adults, \(settings.adolescentSessions) for IPT-A. \(renegotiating ? "A renegotiation (an extension, or maintenance sessions after remission) becomes a new version; the earlier ones are kept." : "")")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action("\(context.base)/contract"), .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.radioGroup(name: "programme", legend: "Programme", options: Programme.allCases.map { ($0.rawValue, $0.label) },
                                       selected: fields["programme"], error: errors["programme"]),
                  FormViews.textField(name: "agreedSessions", label: "Number of sessions", value: fields["agreedSessions"], error: errors["agreedSessions"],
                                      type: .number, maxLength: 2),
                  FormViews.textField(name: "sessionMinutes", label: "Session length in minutes", value: fields["sessionMinutes"],
                                      error: errors["sessionMinutes"], type: .number, maxLength: 3),
                  FormViews.textField(name: "startDate", label: "Start date", value: fields["startDate"], error: errors["startDate"], type: .date, maxLength: 10,
                                      hint: "Sessions attended from this date on count towards the course."),
                  FormViews.checkbox(name: "clientAgreed", label: "The client has agreed to this contract", checked: fields["clientAgreed"] == "yes", error: nil),
                  .if(renegotiating, FormViews.textArea(name: "reason", label: "Why the contract is being renegotiated", value: fields["reason"],
                                                        error: errors["reason"], maxLength: TreatmentContract.Limits.reason, rows: 3)),
                  .button(.class("button"), .type(.submit), .text(renegotiating ? "Save as a new version" : "Save the contract")))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Treatment contract" : "Please check: Treatment contract", content: content, status: status)
    }

    func saveContract(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        let (fields, _) = try request.formBody()
        switch TreatmentContract.validate(fields: fields, settings: context.settings.course, isRenegotiation: state.contract != nil,
                                          sessionsHeld: state.sessionsHeld) {
        case .failure(let rejection):
            return try await renderContract(request, context: context, state: state, fields: fields, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let contract):
            let row = ContractRow()
            row.id = UUID()
            row.$client.id = context.clientID
            // The first contract makes the person writing it the treating clinician (a supervisor
            // writing for a student keeps the student); later versions keep whoever it was.
            if let existing = state.contract?.$clinician.id {
                row.$clinician.id = existing
            } else {
                row.$clinician.id = try await treatingClinician(context, on: request.db)
            }
            row.version = (state.contract?.version ?? 0) + 1
            row.programme = contract.programme.rawValue
            row.agreedSessions = contract.agreedSessions
            row.sessionMinutes = contract.sessionMinutes
            row.startDate = contract.startDate.description
            row.clientAgreed = contract.clientAgreed
            row.reasonSealed = try request.services.keyRing.sealOptional(contract.reason, ContractRow.reasonContext(row.id!, client: row.$client.id))
            row.$createdBy.id = context.staff.id
            row.createdAt = request.now
            try await row.createRefusingDuplicates(on: request.db, message: "Someone saved a new version of the contract at the same moment. Reload the page and try again.")
            try await request.audit(.create, recordType: "contract", recordID: row.id?.uuidString, subject: context.clientID.uuidString,
                                    detail: "version \(row.version)")
            return request.redirect(to: "\(context.base)/chart?done=saved")
        }
    }

    /// Who treats the client when the first contract is written: the writer if they see the client
    /// themselves, else the clinician of the client's appointments that the writer supervises.
    private func treatingClinician(_ context: ChartContext, on database: any Database) async throws -> UUID {
        let clinicians = try await Appointment.query(on: database).filter(\.$client.$id == context.clientID).sort(\.$startsAt).all().map { $0.$staff.id }
        if clinicians.contains(context.staff.id) || context.staff.role != .supervisor && context.staff.role != .admin { return context.staff.id }
        return clinicians.first { context.access.supervisees.contains($0) } ?? clinicians.first ?? context.staff.id
    }

    // MARK: Phase and checklist

    func overridePhase(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        let phase = TextRules.clean(fields["phase"])
        var errors = FieldErrors()
        if let phase, Phase(rawValue: phase) == nil { errors.add("phase", "Choose one of the listed phases.") }
        let reason = TextRules.clean(fields["reason"])
        if reason == nil || TextRules.length(fields["reason"]) > 1_000 {
            errors.add("reason", "Give a reason (up to 1,000 characters) for setting the phase by hand. Nothing was changed.")
        }
        guard try await ContractRow.latest(for: context.clientID, on: request.db) != nil else {
            throw Abort(.unprocessableEntity, reason: "Agree the treatment contract first; the phase follows from it.")
        }
        guard errors.isEmpty, let reason else {
            return try await render(request, context: context, phaseFields: fields, phaseErrors: errors, status: .unprocessableEntity)
        }
        let row = PhaseOverrideRow()
        row.id = UUID()
        row.$client.id = context.clientID
        row.phase = phase
        row.reasonSealed = try request.services.keyRing.seal(reason, PhaseOverrideRow.reasonContext(row.id!, client: row.$client.id))
        row.$createdBy.id = context.staff.id
        row.createdAt = request.now
        try await row.create(on: request.db)
        try await request.audit(.update, recordType: "phase", recordID: row.id?.uuidString, subject: context.clientID.uuidString, detail: phase == nil ? "override lifted" : "override set")
        return request.redirect(to: "\(context.base)/chart?done=\(phase == nil ? "cleared" : "overridden")")
    }

    func tick(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        guard let code = fields["code"], Phase.allCases.flatMap(\.checklist).contains(where: { $0.code == code }) else {
            throw Abort(.unprocessableEntity, reason: "That task is not on any phase's checklist.")
        }
        let existing = try await ChecklistMark.query(on: request.db).filter(\.$client.$id == context.clientID).filter(\.$code == code).first()
        if fields["done"] == "yes", existing == nil {
            let mark = ChecklistMark()
            mark.$client.id = context.clientID
            mark.code = code
            mark.$doneBy.id = context.staff.id
            mark.doneAt = request.now
            try await mark.createRefusingDuplicates(on: request.db, message: "That task was just marked done.")
        } else if fields["done"] == "no", let existing {
            try await existing.delete(on: request.db)
        }
        try await request.audit(.update, recordType: "checklist", recordID: code, subject: context.clientID.uuidString, detail: fields["done"] == "yes" ? "done" : "not done")
        return request.redirect(to: "\(context.base)/chart?done=saved")
    }
}
