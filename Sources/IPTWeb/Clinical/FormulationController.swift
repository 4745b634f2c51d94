import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The formulation (focus chosen with the client, beside the intake's suggestion and its reasons)
/// and the life-events and mood timeline.
struct FormulationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "formulation", use: show)
        routes.post("staff", "clients", ":id", "formulation", use: save)
        routes.get("staff", "clients", ":id", "timeline", use: timeline)
        routes.post("staff", "clients", ":id", "timeline", use: addEvent)
    }

    static let textLimit = 8_000

    /// The client's latest completed self-assessment, opened.
    static func selfAssessment(_ context: ChartContext, keyRing: KeyRing, on database: any Database) async throws -> SelfAssessment? {
        guard let record = try await SelfAssessmentRecord.query(on: database).filter(\.$client.$id == context.clientID)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).first(), let sealed = record.answersSealed else { return nil }
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
        try await request.audit(.view, recordType: "formulation", recordID: latest?.id?.uuidString, subject: context.clientID.uuidString)
        return try await render(request, context: context, fields: fields, errors: FieldErrors())
    }

    private func render(_ request: Request, context: ChartContext, fields: [String: String], errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let assessment = try await Self.selfAssessment(context, keyRing: request.services.keyRing, on: request.db)
        let suggestions = assessment?.suggestions ?? []
        let framework = context.settings.course.framework
        let versions = try await FormulationRow.query(on: request.db).filter(\.$client.$id == context.clientID).sort(\.$version, .descending).with(\.$createdBy).all()
        let areaOptions = framework.areas.map { ($0.rawValue, $0.label) }
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "formulation", title: "Formulation: \(context.client.name)"),
            ChartViews.notice(request),
            .div(.class("side-by-side"),
                 .section(.class("notice info suggestion"),
                          .h2(.text("Suggested by the intake answers")),
                          .p(.text("A suggestion for discussion with the client, worked out from the self-assessment. It is never applied by itself.")),
                          .if(assessment == nil, .p(.text("The client has not completed a self-assessment."))),
                          .if(assessment != nil && suggestions.isEmpty, .p(.text("The answers give no basis for a suggestion."))),
                          .ol(.forEach(suggestions) { suggestion in
                              .li(.strong(.text(suggestion.area.label)),
                                  .if(!framework.areas.contains(suggestion.area), .text(" (outside the clinic's framework: a complicating factor)")),
                                  .ul(.forEach(suggestion.reasons) { .li(.text($0)) }))
                          })),
                 .section(
                    .h2(.text(versions.isEmpty ? "Choose the focus" : "Revise the formulation")),
                    .p(.class("hint"), .text("The clinic uses the \(framework.label.lowercased()) framework. One focus, two at most. Each save is kept as a version.")),
                    FormViews.errorSummary(errors),
                    .form(.method(.post), .action("\(context.base)/formulation"), .class("form"), .novalidate(),
                          FormViews.csrf(request.csrfToken),
                          FormViews.radioGroup(name: "primary", legend: "Primary focus", options: areaOptions, selected: fields["primary"], error: errors["primary"]),
                          FormViews.select(name: "secondary", label: "Second focus (optional)", options: [("", "None")] + areaOptions,
                                           selected: fields["secondary"], error: errors["secondary"]),
                          FormViews.textArea(name: "text", label: "The formulation as agreed with the client", value: fields["text"], error: errors["text"],
                                             maxLength: Self.textLimit, rows: 8,
                                             hint: "Link the episode to the focus in words the client recognises: what happened, how it connects with the mood, what the work will be."),
                          FormViews.checkbox(name: "clientAgreed", label: "The client agrees with this formulation", checked: fields["clientAgreed"] == "yes", error: nil),
                          .button(.class("button"), .type(.submit), .text("Save the formulation"))))),
            .if(!versions.isEmpty, TableViews.scrollable(captionID: "formulation-versions", .table(
                .class("data-table"),
                .caption(.id("formulation-versions"), .text("Versions, newest first")),
                .thead(.tr(.th(.text("Version")), .th(.text("Focus")), .th(.text("Client agreed")), .th(.text("Saved")), .th(.text("By")))),
                .tbody(.forEach(versions) { row in
                    .tr(.td(.text("\(row.version)")), .td(.text(row.focusAreas.map(\.label).joined(separator: " and "))),
                        .td(.text(row.clientAgreed ? "Yes" : "Not yet")),
                        .td(.text(DateDisplay.day(context.zone.localDate(of: row.createdAt)))), .td(.text(row.createdBy.name)))
                }))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Formulation" : "Please check: Formulation", content: content, status: status)
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
            return try await render(request, context: context, fields: fields, errors: errors, status: .unprocessableEntity)
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
        return request.redirect(to: "\(context.base)/formulation?done=saved")
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
        try await request.audit(.view, recordType: "timeline", subject: context.clientID.uuidString)
        return try await renderTimeline(request, context: context, fields: [:], errors: FieldErrors())
    }

    private func renderTimeline(_ request: Request, context: ChartContext, fields: [String: String], errors: FieldErrors,
                                status: HTTPResponseStatus = .ok) async throws -> Response {
        let keyRing = request.services.keyRing
        let assessment = try await Self.selfAssessment(context, keyRing: keyRing, on: request.db)
        var events: [TimelineEvent] = (assessment?.events ?? []).map {
            TimelineEvent(month: $0.month, label: $0.kind.label + ($0.note.map { ": \($0)" } ?? ""), impact: $0.impact, source: "Self-assessment")
        }
        for row in try await LifeEventRow.query(on: request.db).filter(\.$client.$id == context.clientID).all() {
            guard let month = LocalDate(iso: row.month) else { continue }
            let note = try keyRing.openOptional(row.noteSealed, LifeEventRow.noteContext(row.id!, client: row.$client.id))
            let event = try row.event(keyRing)
            events.append(TimelineEvent(month: month, label: (LifeEventKind(rawValue: event.kind)?.label ?? event.kind) + (note.map { ": \($0)" } ?? ""),
                                        impact: event.impact, source: "Added in session"))
        }
        events.sort { $0.month < $1.month }
        let scores = try await MeasureResponse.query(on: request.db).filter(\.$client.$id == context.clientID).filter(\.$status == .completed)
            .filter(\.$instrumentCode ~~ [Instrument.phq9.code, Instrument.phqA.code]).sort(\.$completedAt).all()
            .compactMap { row in try row.total(keyRing).flatMap { total in row.completedAt.map { (context.zone.localDate(of: $0), total) } } }
        // One list in date order: the onset, the numbered events, the scores.
        var dated: [(date: LocalDate, when: String, what: Node<HTML.BodyContext>, source: String)] = []
        if let onset = assessment?.onset { dated.append((onset, MoodTimeline.monthText(onset), .strong(.text("Low mood or stress began")), "Self-assessment")) }
        for (number, event) in events.enumerated() {
            let impact = SelfAssessment.impactScale.first { $0.value == event.impact }?.label ?? String(event.impact)
            dated.append((event.month, MoodTimeline.monthText(event.month), .text("\(number + 1). \(event.label) (affected them: \(impact))"), event.source))
        }
        for score in scores { dated.append((score.0, DateDisplay.shortDay(score.0), .text("Depression score \(score.1)"), "Questionnaire")) }
        let rows = dated.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "timeline", title: "Life events and mood: \(context.client.name)"),
            ChartViews.notice(request),
            .p(.class("hint"), .text("A way to see how events line up with the mood: the events the client reported and those added in session, against the depression questionnaire scores.")),
            .raw(MoodTimeline.svg(events: events.map { ($0.month, $0.label) }, onset: assessment?.onset, scores: scores)),
            TableViews.scrollable(captionID: "timeline-table", .table(
                .class("data-table"),
                .caption(.id("timeline-table"), .text("Events and scores in date order")),
                .thead(.tr(.th(.text("When")), .th(.text("What")), .th(.text("Source")))),
                .tbody(.forEach(rows) { row in .tr(.td(.text(row.when)), .td(row.what), .td(.text(row.source))) }))),
            .h2(.text("Add an event from a session")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action("\(context.base)/timeline"), .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.select(name: "kind", label: "Event", options: LifeEventKind.allCases.map { ($0.rawValue, $0.label) }, selected: fields["kind"], error: errors["kind"]),
                  FormViews.textField(name: "month", label: "Month", value: fields["month"], error: errors["month"], type: .init(rawValue: "month")!, maxLength: 7,
                                      hint: "As YYYY-MM."),
                  FormViews.select(name: "impact", label: "How much it affected them", options: SelfAssessment.impactScale.map { (String($0.value), $0.label) },
                                   selected: fields["impact"], error: errors["impact"]),
                  FormViews.textField(name: "note", label: "A few words", value: fields["note"], error: errors["note"], required: false,
                                      maxLength: SelfAssessment.Limits.note),
                  .button(.class("button"), .type(.submit), .text("Add the event")))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Timeline" : "Please check: Timeline", content: content, status: status)
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
            return try await renderTimeline(request, context: context, fields: fields, errors: errors, status: .unprocessableEntity)
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
        return request.redirect(to: "\(context.base)/timeline?done=saved")
    }
}

/// Events as numbered markers and depression scores as a line on one time axis, with a tick for
/// each month; the numbers match the table below the chart, which carries the words.
enum MoodTimeline {
    static func monthText(_ date: LocalDate) -> String { "\(DateDisplay.months[date.month - 1].prefix(3)) \(date.year)" }

    /// The first of the month `months` away (the date itself if that month cannot be represented).
    static func shift(_ date: LocalDate, months: Int) -> LocalDate {
        let index = date.year * 12 + (date.month - 1) + months
        return LocalDate(year: index / 12, month: index % 12 + 1, day: 1) ?? date
    }

    static func svg(events: [(LocalDate, String)], onset: LocalDate?, scores: [(LocalDate, Int)]) -> String {
        let dates = events.map(\.0) + scores.map(\.0) + (onset.map { [$0] } ?? [])
        guard let earliest = dates.min(), let latest = dates.max() else {
            return ##"<p>No events or scores yet.</p>"##
        }
        // Whole months on the axis, with a month of room on either side.
        let first = shift(earliest, months: -1), last = shift(latest, months: 1)
        let width = 720.0, left = 40.0, right = 20.0, top = 16.0, plotHeight = 160.0, height = top + plotHeight + 44
        let span = Double(max(last.daysSinceEpoch - first.daysSinceEpoch, 30))
        func x(_ date: LocalDate) -> Double { left + (width - left - right) * Double(date.daysSinceEpoch - first.daysSinceEpoch) / span }
        func y(_ score: Int) -> Double { top + plotHeight * (1 - Double(score) / 27) }
        var parts = [##"<svg class="timeline-chart" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">"##,
                     ##"<title id="timeline-title">Life events and depression scores over time</title><desc id="timeline-desc">\##(events.count) events and \##(scores.count) scores from \##(monthText(earliest)) to \##(monthText(latest)); the table below lists them with the same numbers.</desc>"##,
                     ##"<line x1="\##(left)" y1="\##(top + plotHeight)" x2="\##(width - right)" y2="\##(top + plotHeight)" stroke="#52605e"/>"##]
        for tick in [0, 9, 18, 27] {
            parts.append(##"<text x="\##(left - 6)" y="\##(y(tick) + 4)" font-size="11" text-anchor="end" fill="#1d2b2a">\##(tick)</text><line x1="\##(left)" y1="\##(y(tick))" x2="\##(width - right)" y2="\##(y(tick))" stroke="#e3ded4"/>"##)
        }
        var month = first
        let months = (last.year - first.year) * 12 + last.month - first.month
        let every = max(1, months / 12)
        for index in 0...max(months, 0) {
            if index % every == 0 {
                parts.append(##"<line x1="\##(x(month))" y1="\##(top + plotHeight)" x2="\##(x(month))" y2="\##(top + plotHeight + 5)" stroke="#52605e"/><text x="\##(x(month))" y="\##(top + plotHeight + 18)" font-size="11" text-anchor="middle" fill="#1d2b2a">\##(DateDisplay.months[month.month - 1].prefix(3))\##(month.month == 1 || index == 0 ? " \(month.year)" : "")</text>"##)
            }
            month = shift(month, months: 1)
        }
        if let onset {
            parts.append(##"<line x1="\##(x(onset))" y1="\##(top)" x2="\##(x(onset))" y2="\##(top + plotHeight)" stroke="#b4532a" stroke-width="2" stroke-dasharray="5 3"/><text x="\##(x(onset) + 4)" y="\##(top + 10)" font-size="12" fill="#8a3a1a">low mood began</text>"##)
        }
        for (number, event) in events.enumerated() {
            let ex = x(event.0), ey = top + plotHeight - 14 - Double(number % 3) * 22
            parts.append(##"<line x1="\##(ex)" y1="\##(ey)" x2="\##(ex)" y2="\##(top + plotHeight)" stroke="#b4532a"/><circle cx="\##(ex)" cy="\##(ey)" r="9" fill="#b4532a"/><text x="\##(ex)" y="\##(ey + 4)" font-size="11" font-weight="700" text-anchor="middle" fill="#ffffff">\##(number + 1)</text>"##)
        }
        if scores.count > 1 {
            parts.append(##"<polyline points="\##(scores.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " "))" fill="none" stroke="#1f5f5b" stroke-width="2.5"/>"##)
        }
        for score in scores {
            parts.append(##"<circle cx="\##(x(score.0))" cy="\##(y(score.1))" r="4.5" fill="#1f5f5b"/><text x="\##(x(score.0))" y="\##(y(score.1) - 9)" font-size="11" text-anchor="middle" fill="#1d2b2a">\##(score.1)</text>"##)
        }
        parts.append("</svg>")
        return parts.joined()
    }
}
