import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The formulation (focus chosen with the client, beside the intake's suggestion and its reasons)
/// and the life-events and mood timeline.
struct FormulationController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.formulation, use: show)
        site.post(.formulation, use: save)
        site.get(.timeline, use: timeline)
        site.post(.timeline, use: addEvent)
    }

    static let textLimit = FormulationPage.textLimit

    /// The client's latest completed self-assessment, opened.
    static func selfAssessment(_ context: ChartContext, keyRing: KeyRing, on database: any Database) async throws -> SelfAssessment? {
        guard let record = try await ClinicalQueries.latestSelfAssessment(of: context.clientID, on: database), let sealed = record.answersSealed else { return nil }
        let json = try keyRing.open(sealed, SelfAssessmentRecord.answersContext(record.id!, client: record.$client.id))
        return try JSONDecoder().decode(SelfAssessment.self, from: Data(json.utf8))
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let latest = try await FormulationRow.latest(for: context.clientID, on: request.db)
        var fields: [String: String] = [:]
        if let latest {
            fields = ["primary": latest.primaryFocus, "secondary": latest.secondaryFocus ?? "", "clientAgreed": latest.clientAgreed ? "yes" : "",
                      "text": try request.services.keyRing.open(latest.textSealed, FormulationRow.textContext(latest.id!, client: latest.$client.id))]
        }
        let model = try await formulationModel(request, context: context, fields: fields, errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "formulation", recordID: latest?.id?.uuidString,
                                             subject: context.clientID.uuidString) { FormulationPage.view(model) }
    }

    private func formulationModel(_ request: Request, context: ChartContext, fields: [String: String], errors: FieldErrors) async throws -> FormulationPage.Model {
        let assessment = try await Self.selfAssessment(context, keyRing: request.services.keyRing, on: request.db)
        let versions = try await ClinicalQueries.formulations(of: context.clientID, on: request.db)
        return FormulationPage.Model(
            header: context.header(.formulation, title: "Formulation: \(context.client.name)"), done: request.doneKey,
            hasSelfAssessment: assessment != nil,
            suggestions: (assessment?.suggestions ?? []).map { .init(area: $0.area, reasons: $0.reasons) },
            framework: context.settings.course.framework,
            versions: versions.map { row in
                .init(version: row.version, focus: row.focusAreas.map(\.label).joined(separator: " and "), clientAgreed: row.clientAgreed,
                      saved: DateDisplay.day(context.zone.localDate(of: row.createdAt)), by: row.createdBy.name)
            },
            fields: fields, errors: errors, csrfToken: request.csrfToken)
    }

    func save(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        let areas = context.settings.course.framework.areas
        var errors = FieldErrors()
        let primary = fields["primary"].flatMap(FocusArea.init(rawValue:)).flatMap { areas.contains($0) ? $0 : nil }
        if primary == nil { errors.add("primary", "Choose the primary focus from the clinic's framework.") }
        let secondaryText = TextRules.clean(fields["secondary"])
        let secondary = secondaryText.flatMap(FocusArea.init(rawValue:)).flatMap { areas.contains($0) ? $0 : nil }
        if secondaryText != nil && secondary == nil { errors.add("secondary", "Choose a second focus from the list, or none.") }
        if secondary != nil && secondary == primary { errors.add("secondary", "The second focus must differ from the primary one.") }
        let text = TextRules.clean(fields["text"])
        if text == nil { errors.add("text", "Write the formulation as given to the client.") }
        if TextRules.length(fields["text"]) > Self.textLimit { errors.add("text", "Keep the formulation under \(Self.textLimit) characters.") }
        guard errors.isEmpty, let primary, let text else {
            let model = try await formulationModel(request, context: context, fields: fields, errors: errors)
            return try await request.auditedPage(model.title, recordType: "formulation", subject: context.clientID.uuidString,
                                                 detail: AuditDetail.formReturned, status: .unprocessableEntity) { FormulationPage.view(model) }
        }
        let row = FormulationRow()
        row.id = UUID()
        row.$client.id = context.clientID
        row.version = (try await FormulationRow.latest(for: context.clientID, on: request.db)?.version ?? 0) + 1
        row.framework = context.settings.course.framework.rawValue
        row.primaryFocus = primary.rawValue
        row.secondaryFocus = secondary?.rawValue
        row.textSealed = try request.services.keyRing.seal(text, FormulationRow.textContext(row.id!, client: row.$client.id))
        row.clientAgreed = fields["clientAgreed"] == "yes"
        row.$createdBy.id = context.staff.id
        row.createdAt = request.now
        try await row.createRefusingDuplicates(on: request.db, message: "Someone saved the formulation at the same moment. Reload the page and try again.")
        try await request.audit(.create, recordType: "formulation", recordID: row.id?.uuidString, subject: context.clientID.uuidString, detail: "version \(row.version)")
        return request.redirect(to: SitePath.formulation.link(context.clientID, query: ["done": "saved"]))
    }

    // MARK: Timeline

    struct TimelineEvent {
        let month: LocalDate
        let label: String
        let impact: Int
        let source: String
    }

    func timeline(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let model = try await timelineModel(request, context: context, fields: [:], errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "timeline", subject: context.clientID.uuidString) { TimelinePage.view(model) }
    }

    private func timelineModel(_ request: Request, context: ChartContext, fields: [String: String], errors: FieldErrors) async throws -> TimelinePage.Model {
        let keyRing = request.services.keyRing
        let assessment = try await Self.selfAssessment(context, keyRing: keyRing, on: request.db)
        var events: [TimelineEvent] = (assessment?.events ?? []).map {
            TimelineEvent(month: $0.month, label: $0.kind.label + ($0.note.map { ": \($0)" } ?? ""), impact: $0.impact, source: "Self-assessment")
        }
        for row in try await ClinicalQueries.lifeEvents(of: context.clientID, on: request.db) {
            guard let month = LocalDate(iso: row.month) else { continue }
            let note = try keyRing.openOptional(row.noteSealed, LifeEventRow.noteContext(row.id!, client: row.$client.id))
            let event = try row.event(keyRing)
            events.append(TimelineEvent(month: month, label: (LifeEventKind(rawValue: event.kind)?.label ?? event.kind) + (note.map { ": \($0)" } ?? ""),
                                        impact: event.impact, source: "Added in session"))
        }
        events.sort { $0.month < $1.month }
        let scores = try await ClinicalQueries.depressionScores(of: context.clientID, on: request.db)
            .compactMap { row in try row.total(keyRing).flatMap { total in row.completedAt.map { (date: context.zone.localDate(of: $0), total: total) } } }
        // One list in date order: the onset, the numbered events, the scores.
        var dated: [(date: LocalDate, row: TimelinePage.Row)] = []
        if let onset = assessment?.onset { dated.append((onset, .init(when: MoodTimeline.monthText(onset), what: "Low mood or stress began", emphasised: true, source: "Self-assessment"))) }
        for (number, event) in events.enumerated() {
            let impact = SelfAssessment.impactScale.first { $0.value == event.impact }?.label ?? String(event.impact)
            dated.append((event.month, .init(when: MoodTimeline.monthText(event.month), what: "\(number + 1). \(event.label) (affected them: \(impact))",
                                             emphasised: false, source: event.source)))
        }
        for score in scores { dated.append((score.date, .init(when: DateDisplay.shortDay(score.date), what: "Depression score \(score.total)", emphasised: false, source: "Questionnaire"))) }
        let rows = dated.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element.row)
        return TimelinePage.Model(
            header: context.header(.timeline, title: "Life events and mood: \(context.client.name)"), done: request.doneKey,
            events: events.map { .init(month: $0.month, label: $0.label) }, onset: assessment?.onset, scores: scores, rows: rows,
            fields: fields, errors: errors, csrfToken: request.csrfToken)
    }

    func addEvent(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        let kind = fields["kind"].flatMap(LifeEventKind.init(rawValue:))
        if kind == nil { errors.add("kind", "Choose the kind of event.") }
        let month = SelfAssessment.month(fields["month"])
        if month == nil { errors.add("month", "Enter the month as YYYY-MM.") } else if let month, month > context.zone.localDate(of: request.now) {
            errors.add("month", "The month cannot be in the future.")
        }
        let impact = fields["impact"].flatMap { Int($0) }.flatMap { value in SelfAssessment.impactScale.contains { $0.value == value } ? value : nil }
        if impact == nil { errors.add("impact", "Choose how much it affected them.") }
        if TextRules.length(fields["note"]) > SelfAssessment.Limits.note { errors.add("note", "Keep the note under \(SelfAssessment.Limits.note) characters.") }
        guard errors.isEmpty, let kind, let month, let impact else {
            let model = try await timelineModel(request, context: context, fields: fields, errors: errors)
            return try await request.auditedPage(model.title, recordType: "timeline", subject: context.clientID.uuidString,
                                                 detail: AuditDetail.formReturned, status: .unprocessableEntity) { TimelinePage.view(model) }
        }
        let row = LifeEventRow()
        row.id = UUID()
        row.$client.id = context.clientID
        row.month = month.description
        try row.setEvent(LifeEventRow.Event(kind: kind.rawValue, impact: impact), request.services.keyRing)
        row.noteSealed = try request.services.keyRing.sealOptional(TextRules.clean(fields["note"]), LifeEventRow.noteContext(row.id!, client: row.$client.id))
        row.$createdBy.id = context.staff.id
        row.createdAt = request.now
        try await row.create(on: request.db)
        try await request.audit(.create, recordType: "life-event", recordID: row.id?.uuidString, subject: context.clientID.uuidString)
        return request.redirect(to: SitePath.timeline.link(context.clientID, query: ["done": "saved"]))
    }
}
