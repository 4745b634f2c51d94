import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The caseload and the client chart: one screen that says where the course stands, with the
/// contract, the phase and its checklist.
struct ChartController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.clients, use: caseload)
        site.get(.chart, use: show)
        site.get(.chartReason, use: reasonForm)
        site.post(.chartReason, use: giveReason)
        site.get(.contract, use: contractForm)
        site.post(.contract, use: saveContract)
        site.post(.phase, use: overridePhase)
        site.post(.checklist, use: tick)
    }

    // MARK: Caseload

    func caseload(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let settings = try await ClinicalSettingsRow.current(on: request.db)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let caseload = try await ClinicalQueries.caseload(of: staff, mayAssign: settings.mayAssignCareTeam(staff.role), settings: settings, zone: zone,
                                                          now: request.now, on: request.db)
        func row(_ client: ClinicalQueries.Caseload.Client) -> CaseloadPage.Client {
            let contract = caseload.latestContract[client.id]
            // Where each course on the caseload stands: "session 5 of 16, middle phase".
            let standing = caseload.progress[client.id].map { progress in
                progress.isComplete ? "Course complete (\(progress.agreedSessions) sessions)"
                    : "Session \(progress.currentSession) of \(progress.agreedSessions), \(progress.computedPhase.label.lowercased())"
            }
            return CaseloadPage.Client(id: client.id.uuidString, name: client.name,
                                       programme: Programme(rawValue: contract?.programme ?? client.programme)?.label ?? client.programme,
                                       course: standing ?? contract.map { "A \($0.agreedSessions)-session contract from \($0.startDate)" } ?? "No contract yet")
        }
        let model = CaseloadPage.Model(
            mine: caseload.mine.map(row), mineCaption: staff.role == .supervisor ? "Your caseload and your students' clients" : "Your caseload",
            waiting: caseload.waiting.map { .init(id: $0.id.uuidString, name: $0.name, opened: DateDisplay.day(zone.localDate(of: $0.createdAt))) },
            everyone: caseload.everyone.map(row))
        return try await request.auditedPage("Clients", recordType: "caseload", subject: nil, detail: "clients=\(caseload.mine.count)") {
            CaseloadPage.view(model)
        }
    }

    // MARK: The chart

    func show(_ request: Request) async throws -> Response {
        try await render(request, context: try await request.chart(), phaseFields: [:], phaseErrors: FieldErrors())
    }

    private func render(_ request: Request, context: ChartContext, phaseFields: [String: String], phaseErrors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let state = try await CourseState.load(context, on: request.db)
        let facts = try await ClinicalQueries.chartFacts(context.clientID, now: request.now, on: request.db)
        let model = try chartModel(request, context: context, state: state, facts: facts, phaseFields: phaseFields, phaseErrors: phaseErrors)
        return try await request.auditedPage(model.title, recordType: "chart", recordID: context.clientID.uuidString,
                                             subject: context.clientID.uuidString, status: status) { ChartPage.view(model) }
    }

    private func chartModel(_ request: Request, context: ChartContext, state: CourseState, facts: ClinicalQueries.ChartFacts,
                            phaseFields: [String: String], phaseErrors: FieldErrors) throws -> ChartPage.Model {
        let zone = context.zone
        let latestByInstrument = Dictionary(grouping: facts.responses, by: \.instrumentCode)
        let scoreLines: [String] = try request.services.instruments.all.compactMap { instrument in
            func total(_ score: ClinicalQueries.ChartFacts.Score) throws -> Int? {
                try ClinicalQueries.ChartFacts.total(of: score, client: context.clientID, request.services.keyRing)
            }
            guard let rows = latestByInstrument[instrument.code], let first = rows.first, let latest = try total(first) else { return nil }
            var line = "\(instrument.name) \(latest) (\(instrument.band(for: latest)?.label ?? ""))"
            if rows.count > 1, let previous = try total(rows[1]) {
                line += latest < previous ? ", down from \(previous)" : latest > previous ? ", up from \(previous)" : ", unchanged"
            }
            return line
        }
        let progress = state.progress
        let phase = progress?.phase
        let sessionText = progress.map { $0.isComplete ? "Course complete (\($0.agreedSessions) held)" : "Session \($0.currentSession) of \($0.agreedSessions)" }
        func name(_ role: CareTeamMember.Role) -> String? {
            facts.team.first { $0.role == role }?.name
        }
        let summary = ChartPage.Summary(
            programme: Programme(rawValue: state.contract?.programme ?? context.client.programme)?.label ?? context.client.programme,
            phase: (phase?.label ?? "No contract yet") + (progress?.overridden == true ? " (set by hand)" : ""),
            session: sessionText ?? "Not started",
            focus: state.focusAreas.isEmpty ? "Not chosen yet" : state.focusAreas.map(\.label).joined(separator: " and "),
            scores: scoreLines.isEmpty ? "None yet" : scoreLines.joined(separator: "; "), openAlerts: facts.openAlerts.count,
            nextAppointment: facts.next.map { "\(DateDisplay.shortDay(zone.localDate(of: $0.startsAt))), \(DateDisplay.time($0.startsAt, zone: zone)) with \($0.clinicianName)" } ?? "None booked",
            clinician: (name(.treating) ?? "No treating clinician assigned") + (name(.supervisor).map { ", supervised by \($0)" } ?? ""))
        return ChartPage.Model(
            header: context.header(.chart, title: "Chart: \(context.client.name)"), done: request.doneKey,
            alerts: facts.openAlerts.map { alert in
                .init(id: alert.id.uuidString,
                      raised: ", raised \(DateDisplay.when(alert.createdAt, zone: zone)) by \(alert.source == .sessionNote ? "a session note" : "a questionnaire")\(alert.escalatedAt == nil ? "" : ", escalated to the director"). ")
            },
            flags: facts.flags.map { .init(label: $0.kind?.label ?? "Flag", firstRecorded: DateDisplay.day(zone.localDate(of: $0.createdAt))) },
            summary: summary, hasContract: state.contract != nil, phaseLabel: phase?.label,
            tasks: phase?.checklist.map { .init(code: $0.code, label: $0.label, done: state.checklist[$0.code] != nil) } ?? [],
            phaseForm: progress.map { .init(computedPhase: $0.computedPhase.label.lowercased(), selected: phaseFields["phase"] ?? state.override?.phase ?? "") },
            phaseFields: phaseFields, phaseErrors: phaseErrors,
            mayViewAuditTrail: AccessPolicy.allows(context.staff.role, .viewAuditTrail),
            mayHandleRecordRequests: AccessPolicy.allows(context.staff.role, .handleRecordRequests), csrfToken: request.csrfToken)
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
        var errors = FieldErrors()
        if let error { errors.add("reason", error) }
        let model = ChartReasonPage.Model(clientName: client.name, clientID: id.uuidString, next: request.query[String.self, at: "next"] ?? "",
                                          reason: reason, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, ChartReasonPage.view(model), status: status)
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
        let folder = SitePath.clients.link + "/" + id.uuidString + "/"
        let safeNext = next.hasPrefix(folder) && !next.contains("//") ? next : SitePath.chart.link(id)
        return request.redirect(to: safeNext)
    }

    // MARK: Contract

    func contractForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        var fields: [String: String] = [:]
        if let contract = state.contract {
            fields = ["programme": contract.programme, "agreedSessions": String(contract.agreedSessions), "sessionMinutes": String(contract.sessionMinutes),
                      "startDate": contract.startDate, "clientAgreed": contract.clientAgreed ? "yes" : ""]
        } else {
            let programme = Programme(rawValue: context.client.programme) ?? .adult
            let first = try await ClinicalQueries.firstAttended(context.clientID, on: request.db)
            fields = ["programme": programme.rawValue, "agreedSessions": String(context.settings.course.defaultSessions(for: programme)), "sessionMinutes": "50",
                      "startDate": context.zone.localDate(of: first?.startsAt ?? request.now).description]
        }
        let model = try contractModel(request, context: context, state: state, fields: fields, errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "contract", recordID: state.contract?.id?.uuidString,
                                             subject: context.clientID.uuidString) { ContractPage.view(model) }
    }

    private func contractModel(_ request: Request, context: ChartContext, state: CourseState, fields: [String: String],
                               errors: FieldErrors) throws -> ContractPage.Model {
        let versions = try state.contractVersions.map { row in
            ContractPage.Version(version: row.version, programme: Programme(rawValue: row.programme)?.label ?? row.programme, sessions: row.agreedSessions,
                                 minutes: row.sessionMinutes, start: row.startDate, clientAgreed: row.clientAgreed,
                                 reason: try request.services.keyRing.openOptional(row.reasonSealed, ContractRow.reasonContext(row.id!, client: row.$client.id)))
        }
        return ContractPage.Model(header: context.header(.chart, title: "Treatment contract: \(context.client.name)"), versions: versions,
                                  renegotiating: state.contract != nil, settings: context.settings.course, fields: fields, errors: errors,
                                  csrfToken: request.csrfToken)
    }

    func saveContract(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        let (fields, _) = try request.formBody()
        switch TreatmentContract.validate(fields: fields, settings: context.settings.course, isRenegotiation: state.contract != nil,
                                          sessionsHeld: state.sessionsHeld) {
        case .failure(let rejection):
            let model = try contractModel(request, context: context, state: state, fields: fields, errors: rejection.errors)
            return try await request.auditedPage(model.title, recordType: "contract", recordID: state.contract?.id?.uuidString,
                                                 subject: context.clientID.uuidString, detail: AuditDetail.formReturned, status: .unprocessableEntity) { ContractPage.view(model) }
        case .success(let contract):
            let row = ContractRow()
            row.id = UUID()
            row.$client.id = context.clientID
            // The first contract makes the person writing it the treating clinician (a supervisor
            // writing for a student keeps the student); later versions keep whoever it was.
            if let existing = state.contract?.$clinician.id {
                row.$clinician.id = existing
            } else {
                row.$clinician.id = try await ClinicalQueries.treatingClinician(context, on: request.db)
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
            return request.redirect(to: SitePath.chart.link(context.clientID, query: ["done": "saved"]))
        }
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
        return request.redirect(to: SitePath.chart.link(context.clientID, query: ["done": phase == nil ? "cleared" : "overridden"]))
    }

    func tick(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        guard let code = fields["code"], Phase.allCases.flatMap(\.checklist).contains(where: { $0.code == code }) else {
            throw Abort(.unprocessableEntity, reason: "That task is not on any phase's checklist.")
        }
        let existing = try await ClinicalQueries.checklistMark(context.clientID, code: code, on: request.db)
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
        return request.redirect(to: SitePath.chart.link(context.clientID, query: ["done": "saved"]))
    }
}
