import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The pre-therapy self-assessment: sent from an appointment, filled in by the client through the
/// emailed link, summarised for the clinician with the events lined up against the onset and a
/// suggested focus that is only ever a suggestion.
struct SelfAssessmentController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("self-assessment", ":token", use: form)
        routes.post("self-assessment", ":token", use: submit)
    }

    private func open(_ request: Request) async throws -> SelfAssessmentRecord? {
        guard let token = request.parameters.get("token"), token.count <= 100,
              let record = try await SelfAssessmentRecord.query(on: request.db).filter(\.$tokenHash == HexDigest.sha256(token)).first()
        else { throw Abort(.notFound, reason: "This link is not valid. Please use the most recent email from the clinic.") }
        return record.status == .completed || record.expiresAt <= request.now ? nil : record
    }

    func form(_ request: Request) async throws -> Response {
        guard try await open(request) != nil else {
            return try await request.messagePage(title: "This link has been used or has expired",
                                                 paragraphs: ["If you still want to send answers, ask your clinician for a new link."], status: .gone)
        }
        return try await render(request, fields: [:], errors: FieldErrors())
    }

    func submit(_ request: Request) async throws -> Response {
        let fields = try FormInput.decode([String: String].self, from: request)
        guard let record = try await open(request), let id = record.id else {
            return try await request.messagePage(title: "Already sent", paragraphs: ["These answers were already sent, or the link has expired."], status: .gone)
        }
        let zone = (try await request.services.clinic.current(on: request.db)).zone
        switch SelfAssessment.validate(fields: fields, today: zone.localDate(of: request.now)) {
        case .failure(let rejection):
            return try await render(request, fields: fields, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let assessment):
            let json = String(decoding: try JSONEncoder().encode(assessment), as: UTF8.self)
            let sealed = try request.services.keyRing.seal(json, SelfAssessmentRecord.answersContext(id, client: record.$client.id))
            let now = request.now
            let stored = try await request.db.writeTransaction { db -> Bool in
                try await db.updateUnlessStatus(SelfAssessmentRecord.schema, id: id, status: "completed", set: [
                    ("answers_sealed", sealed), ("status", "completed"), ("completed_at", now),
                ])
            }
            guard stored else {
                return try await request.messagePage(title: "Already sent", paragraphs: ["These answers were already sent."], status: .gone)
            }
            try await request.application.auditWriter.record(AuditEntry(
                actorID: nil, actorLabel: "client via self-assessment link", action: .create, recordType: "self-assessment",
                recordID: id.uuidString, subject: record.$client.id.uuidString, requestID: request.referenceID, detail: "completed"))
            return try await request.messagePage(title: "Thank you", notice: "Your answers have reached your clinician.",
                                                 paragraphs: ["You will go through them together in your first sessions. If things feel unmanageable before then, the crisis numbers at the bottom of this page are there at any hour."])
        }
    }

    private func render(_ request: Request, fields: [String: String], errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let limits = SelfAssessment.Limits.self
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Before we start")),
            .p(.class("lede"), .text("A few questions to think about before your first sessions. There are no right answers, and you can leave out anything you would rather talk about in person.")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action(attributeSafe(request.url.path)), .novalidate(),
                FormViews.csrf(request.csrfToken),
                .h2(.text("Where do you feel distress or tension?")),
                .forEach(SelfAssessment.Area.allCases) { area in
                    FormViews.radioGroup(name: "distress-\(area.rawValue)", legend: area.label,
                                         options: SelfAssessment.distressScale.map { (String($0.value), $0.label) },
                                         selected: fields["distress-\(area.rawValue)"], error: errors["distress-\(area.rawValue)"])
                },
                .h2(.text("Things to reflect on")),
                FormViews.textArea(name: "moodSituations", label: "Are there situations with other people that change your mood? Which?",
                                   value: fields["moodSituations"], error: errors["moodSituations"], maxLength: limits.text, rows: 4, required: false),
                FormViews.radioGroup(name: "course", legend: "How has the low mood or stress been over time?",
                                     options: SelfAssessment.Course.allCases.map { ($0.rawValue, $0.label) },
                                     selected: fields["course"], error: errors["course"]),
                FormViews.textField(name: "onset", label: "Roughly when did the low mood or stress begin? (year and month)", value: fields["onset"],
                                    error: errors["onset"], type: .month, required: false, maxLength: 7, hint: "For example 2026-05."),
                FormViews.textArea(name: "relatesToLoss", label: "Do you think it is linked to a loss, a death, or a change in your life? How?",
                                   value: fields["relatesToLoss"], error: errors["relatesToLoss"], maxLength: limits.text, rows: 4, required: false),
                FormViews.checkbox(name: "longStanding", label: "Relationships with other people have been hard for me for years, not only lately.",
                                   checked: fields["longStanding"] == "yes", error: nil),
                .h2(.text("What has happened in your life recently?")),
                .p(.text("Tick what applies from the past two years, and say roughly when and how much it affected you.")),
                .forEach(LifeEventKind.allCases) { kind in
                    .fieldset(
                        .class("field event"),
                        .element(named: "legend", nodes: [.text(kind.label)]),
                        FormViews.checkbox(name: "event-\(kind.rawValue)", label: "This happened", checked: fields["event-\(kind.rawValue)"] == "yes", error: nil),
                        .div(.class("inline-form"),
                             FormViews.textField(name: "event-\(kind.rawValue)-month", label: "When (year and month)", value: fields["event-\(kind.rawValue)-month"],
                                                 error: errors["event-\(kind.rawValue)-month"], type: .month, required: false, maxLength: 7),
                             FormViews.select(name: "event-\(kind.rawValue)-impact", label: "How much it affected you",
                                              options: [("", "Choose")] + SelfAssessment.impactScale.map { (String($0.value), $0.label) },
                                              selected: fields["event-\(kind.rawValue)-impact"] ?? "", error: errors["event-\(kind.rawValue)-impact"])),
                        .if(kind == .other, FormViews.textField(name: "event-other-note", label: "What was it?", value: fields["event-other-note"],
                                                                error: errors["event-other-note"], required: false, maxLength: limits.note))
                    )
                },
                .button(.class("button"), .type(.submit), .text("Send my answers"))
            )
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Before we start" : "Please check: Before we start", chrome: try await request.chrome(),
                                       content: content), status: status)
    }
}

/// The clinician's side: sending the link and reading the summary.
struct SelfAssessmentStaffController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("staff", "appointments", ":id", "self-assessment", use: send)
        routes.get("staff", "self-assessments", ":id", use: summary)
    }

    func send(_ request: Request) async throws -> Response {
        let (appointment, client) = try await request.appointmentForClientForms(.viewClinicalRecords)
        let id = try appointment.requireID()
        let token = SecureToken.make()
        let now = request.now
        let clinic = try await request.services.clinic.current(on: request.db)
        let record = SelfAssessmentRecord()
        record.id = UUID()
        record.$client.id = try client.requireID()
        record.$clinician.id = appointment.$staff.id
        record.tokenHash = HexDigest.sha256(token)
        record.status = .sent
        record.createdAt = now
        record.expiresAt = now.addingTimeInterval(30 * 86_400)
        try await request.db.writeTransaction { db in
            try await record.create(on: db)
            try await Outbox.enqueue(
                to: client.email, subject: "Before your first sessions - \(clinic.name)",
                body: """
                Hello,

                Before your first sessions, your clinician would like you to think about a few questions. It takes about ten minutes:

                \(request.services.settings.publicBaseURL)/self-assessment/\(token)

                The link works for 30 days. Leave out anything you would rather talk about in person.

                If you are in crisis, call or text 9-8-8 at any time. If you or someone else is in immediate danger, call 911.

                \(clinic.name)
                """, at: now, on: db)
        }
        request.nudgeOutbox()
        try await request.audit(.create, recordType: "self-assessment", recordID: record.id?.uuidString, subject: client.id?.uuidString, detail: "sent")
        return request.redirect(to: "/staff/appointments/\(id.uuidString)?done=sent")
    }

    func summary(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewClinicalRecords)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let record = try await SelfAssessmentRecord.query(on: request.db).filter(\.$id == id).with(\.$client).with(\.$clinician).first(),
              let sealed = record.answersSealed
        else { throw Abort(.notFound) }
        try await request.requireClinicalAccess(to: record.$client.id)
        let json = try request.services.keyRing.open(sealed, SelfAssessmentRecord.answersContext(id, client: record.$client.id))
        let assessment = try JSONDecoder().decode(SelfAssessment.self, from: Data(json.utf8))
        try await request.audit(.view, recordType: "self-assessment", recordID: id.uuidString, subject: record.$client.id.uuidString)
        let zone = (try await request.services.clinic.current(on: request.db)).timeZone
        func monthText(_ date: LocalDate) -> String { "\(DateDisplay.months[date.month - 1]) \(date.year)" }
        func relative(_ date: LocalDate) -> String {
            guard let onset = assessment.onset else { return "" }
            let months = Int((Double(onset.daysSinceEpoch - date.daysSinceEpoch) / 30.4).rounded())
            return months == 0 ? "at the onset" : (months > 0 ? "\(months) months before the onset" : "\(-months) months after the onset")
        }
        let suggestions = assessment.suggestions
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Self-assessment: \(record.client.name)")),
            .p(.class("lede"), .text("Sent by \(record.clinician.name); answered \(record.completedAt.map { DateDisplay.dateTime($0, timeZone: zone) } ?? "").")),
            .div(.class("notice info suggestion"),
                 .h2(.text("Suggested focus, for discussion")),
                 .p(.text("Worked out from the answers alone; it is not applied. The focus is chosen with the client in the initial sessions.")),
                 .if(suggestions.isEmpty, .p(.text("The answers give no basis for a suggestion."))),
                 .ol(.forEach(suggestions) { suggestion in
                     .li(.strong(.text(suggestion.area.label)), .ul(.forEach(suggestion.reasons) { .li(.text($0)) }))
                 })),
            .h2(.text("Life events and the onset")),
            .p(.text(assessment.onset.map { "Low mood or stress began around \(monthText($0))." } ?? "The client did not say when the low mood or stress began.")),
            .if(!assessment.events.isEmpty, TableViews.scrollable(captionID: "events-caption", .table(
                .class("data-table"),
                .caption(.id("events-caption"), .text("Events, earliest first")),
                .thead(.tr(.th(.text("When")), .th(.text("Event")), .th(.text("Affected them")), .th(.text("Relative to onset")))),
                .tbody(.forEach(assessment.events.sorted { $0.month < $1.month }) { event in
                    .tr(.td(.text(monthText(event.month))), .td(.text(event.kind.label + (event.note.map { ": \($0)" } ?? ""))),
                        .td(.text(SelfAssessment.impactScale.first { $0.value == event.impact }?.label ?? "")), .td(.text(relative(event.month))))
                })))),
            .h2(.text("Distress by area")),
            .ul(.forEach(SelfAssessment.Area.allCases.filter { assessment.distress[$0] != nil }) { area in
                .li(.text("\(area.label): \(SelfAssessment.distressScale.first { $0.value == assessment.distress[area] }?.label ?? "")"))
            }),
            .h2(.text("Reflections")),
            .dl(.class("details"),
                .dt(.text("Situations that change their mood")), .dd(.text(assessment.moodSituations ?? "Not answered")),
                .dt(.text("Over time")), .dd(.text(assessment.course?.label ?? "Not answered")),
                .dt(.text("Linked to a loss or change")), .dd(.text(assessment.relatesToLoss ?? "Not answered")),
                .dt(.text("Long-standing difficulties in relationships")), .dd(.text(assessment.longStanding ? "Yes" : "Not ticked")))
        )
        return .html(PageLayout.render(title: "Self-assessment", chrome: try await request.chrome(), content: content))
    }
}
