import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The end of the course: a discharge summary assembled from the chart, edited and signed, printable,
/// and a letter to the referrer when the client consented to one.
struct DischargeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "discharge", use: show)
        routes.post("staff", "clients", ":id", "discharge", use: save)
        routes.get("staff", "clients", ":id", "discharge", "letter", use: letter)
        routes.post("staff", "clients", ":id", "discharge", "cosign", use: cosign)
    }

    struct Content: Codable {
        var endingReason: String = "completed"
        var summary: String = ""
        var relapsePlan: String = ""
        var maintenance: String = "none"
        var referrals: String = ""
        var letterConsent: Bool = false
        var referrer: String = ""
    }

    static let endingReasons: [(value: String, label: String)] = [
        ("completed", "Course completed as agreed"), ("ended-early", "The client ended early"),
        ("referred", "Referred to another service"), ("other", "Other (see the summary)"),
    ]
    static let maintenanceChoices: [(value: String, label: String)] = [
        ("none", "No further sessions recommended"), ("continuation", "Continuation sessions"),
        ("maintenance", "Maintenance IPT (monthly, under a new contract)"), ("other-treatment", "Another treatment, as the course did not help enough"),
    ]
    static let textLimit = 8_000

    /// Facts from the chart, shown above the editable parts and printed with them.
    struct Facts {
        let client: String
        let clinician: String
        let started: String?
        let sessionsHeld: Int
        let agreed: Int?
        let focus: String
        let formulation: String?
        let change: (Instrument, ChangeMetrics)?
    }

    private func facts(_ context: ChartContext, state: CourseState, keyRing: KeyRing, on database: any Database) async throws -> Facts {
        let instrument: Instrument = (state.contract?.programme ?? context.client.programme) == Programme.adolescent.rawValue ? .phqA : .phq9
        let scores = try await MeasureResponse.query(on: database).filter(\.$client.$id == context.clientID).filter(\.$status == .completed)
            .filter(\.$instrumentCode == instrument.code).sort(\.$completedAt).all().compactMap { try $0.total(keyRing) }
        let change = scores.count >= 2 ? (instrument, ChangeMetrics(instrument: instrument, baseline: scores.first!, latest: scores.last!)) : nil
        let formulation = try state.formulation.map { try keyRing.open($0.textSealed, FormulationRow.textContext($0.id!, client: $0.$client.id)) }
        let clinician = state.clinician.map { person in "\(person.name)" + (state.supervisor.map { ", supervised by \($0.name)" } ?? "") } ?? "Not assigned"
        return Facts(client: "\(context.client.name), born \(context.client.dateOfBirth)", clinician: clinician, started: state.contract?.startDate,
                     sessionsHeld: state.sessionsHeld, agreed: state.contract?.agreedSessions,
                     focus: state.focusAreas.isEmpty ? "Not chosen" : state.focusAreas.map(\.label).joined(separator: " and "),
                     formulation: formulation, change: change)
    }

    private func factsList(_ facts: Facts) -> Node<HTML.BodyContext> {
        .dl(.class("details"),
            .dt(.text("Client")), .dd(.text(facts.client)),
            .dt(.text("Clinician")), .dd(.text(facts.clinician)),
            .dt(.text("Course started")), .dd(.text(facts.started ?? "No contract")),
            .dt(.text("Sessions held")), .dd(.text("\(facts.sessionsHeld)\(facts.agreed.map { " of \($0) agreed" } ?? "")")),
            .dt(.text("Focus")), .dd(.text(facts.focus)),
            .dt(.text("Formulation")), .dd(.text(facts.formulation ?? "None recorded")),
            .dt(.text("Scores")), .dd(.text(facts.change.map { instrument, change in
                "\(instrument.name) \(change.baseline) at the start, \(change.latest) at the end. Response (a drop of half or more): \(change.response.map { $0 ? "yes" : "no" } ?? "not applicable, the first score was not in the clinical range")."
                    + (change.remission.map { " Remission (below \(instrument.change?.remissionBelow ?? 0)): \($0 ? "yes" : "no")." } ?? "")
            } ?? "Fewer than two scores, so no change can be given.")))
    }

    private func load(_ context: ChartContext, keyRing: KeyRing, on database: any Database) async throws -> (DischargeSummaryRow?, Content) {
        guard let row = try await DischargeSummaryRow.query(on: database).filter(\.$client.$id == context.clientID).first() else { return (nil, Content()) }
        let json = try keyRing.open(row.contentSealed, DischargeSummaryRow.contentContext(row.id!, client: row.$client.id))
        return (row, try JSONDecoder().decode(Content.self, from: Data(json.utf8)))
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (row, content) = try await load(context, keyRing: request.services.keyRing, on: request.db)
        try await request.audit(.view, recordType: "discharge-summary", recordID: row?.id?.uuidString, subject: context.clientID.uuidString)
        return try await render(request, context: context, row: row, content: content, errors: FieldErrors())
    }

    private func render(_ request: Request, context: ChartContext, row: DischargeSummaryRow?, content: Content, errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let state = try await CourseState.load(context, on: request.db)
        let facts = try await facts(context, state: state, keyRing: request.services.keyRing, on: request.db)
        let signed = row?.status == .final || row?.status == NoteStatus.awaitingCosignature
        let awaiting = row?.status == NoteStatus.awaitingCosignature
        let author = try await StaffUser.find(optional: row?.$author.id, on: request.db)
        let cosigner = try await StaffUser.find(optional: row?.$cosignedBy.id, on: request.db)
        let mayCosign = awaiting && author.map { author in
            (try? NoteWorkflow.review(status: .awaitingCosignature, author: author.id!, authorsSupervisor: author.$supervisor.id, by: context.actor).get()) != nil
        } == true
        func label(_ options: [(value: String, label: String)], _ value: String) -> String { options.first { $0.value == value }?.label ?? value }
        let page: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "discharge", title: "Discharge summary: \(context.client.name)"),
            ChartViews.notice(request),
            factsList(facts),
            .if(signed, .group(
                .dl(.class("details"),
                    .dt(.text("Reason for ending")), .dd(.text(label(Self.endingReasons, content.endingReason))),
                    .dt(.text("Summary of the course")), .dd(.text(content.summary)),
                    .dt(.text("Warning signs and relapse plan")), .dd(.text(content.relapsePlan)),
                    .dt(.text("Recommendation")), .dd(.text(label(Self.maintenanceChoices, content.maintenance))),
                    .dt(.text("Referrals")), .dd(.text(content.referrals.isEmpty ? "None" : content.referrals))),
                .p(.text("Signed by \(author?.name ?? "") \(row?.signedAt.map { DateDisplay.when($0, zone: context.zone) } ?? "")"),
                   .unwrap(cosigner) { .text(", co-signed by \($0.name)") },
                   .text(". Signed summaries are locked; use your browser's print command for a paper copy.")),
                .if(awaiting, .p(.class("notice warning"), .text("Not final: this summary waits for the supervisor's co-signature."))),
                .if(mayCosign, .form(.method(.post), .action("\(context.base)/discharge/cosign"), .class("form no-print"),
                                     FormViews.csrf(request.csrfToken),
                                     .button(.class("button"), .type(.submit), .text("Co-sign the summary")))),
                .if(content.letterConsent && !awaiting, .p(.class("no-print"), .a(.class("button secondary"), .href("\(context.base)/discharge/letter"), .text("Letter to the referrer")))))),
            .if(!signed, .group(
                FormViews.errorSummary(errors),
                .form(.method(.post), .action("\(context.base)/discharge"), .class("form no-print-form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.radioGroup(name: "endingReason", legend: "Reason for ending", options: Self.endingReasons, selected: content.endingReason, error: errors["endingReason"]),
                      FormViews.textArea(name: "summary", label: "Summary of the course", value: content.summary, error: errors["summary"], maxLength: Self.textLimit, rows: 6,
                                         hint: "What the work on the focus achieved, in words the client would recognise."),
                      FormViews.textArea(name: "relapsePlan", label: "Warning signs and relapse plan", value: content.relapsePlan, error: errors["relapsePlan"],
                                         maxLength: Self.textLimit, rows: 4),
                      FormViews.radioGroup(name: "maintenance", legend: "Recommendation", options: Self.maintenanceChoices, selected: content.maintenance, error: errors["maintenance"]),
                      FormViews.textArea(name: "referrals", label: "Referrals", value: content.referrals, error: errors["referrals"], maxLength: Self.textLimit, rows: 2, required: false),
                      FormViews.checkbox(name: "letterConsent", label: "The client consents to a letter to the referrer", checked: content.letterConsent, error: nil),
                      FormViews.textField(name: "referrer", label: "Referrer (name and practice)", value: content.referrer, error: errors["referrer"], required: false, maxLength: 200),
                      .div(.class("button-row"),
                           .button(.class("button secondary"), .type(.submit), .name("action"), .value("save"), .text("Save draft")),
                           .button(.class("button"), .type(.submit), .name("action"), .value("sign"), .text("Sign the summary"))))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Discharge summary" : "Please check: Discharge summary", content: page, status: status)
    }

    func save(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (existing, _) = try await load(context, keyRing: request.services.keyRing, on: request.db)
        if let existing, existing.status != .draft { throw Abort(.conflict, reason: "The discharge summary is signed and locked.") }
        let (fields, _) = try request.formBody()
        let signing = fields["action"] == "sign"
        var errors = FieldErrors()
        var content = Content()
        content.endingReason = fields["endingReason"] ?? ""
        if !Self.endingReasons.contains(where: { $0.value == content.endingReason }) { errors.add("endingReason", "Choose the reason for ending.") }
        content.maintenance = fields["maintenance"] ?? ""
        if !Self.maintenanceChoices.contains(where: { $0.value == content.maintenance }) { errors.add("maintenance", "Choose a recommendation.") }
        for key in ["summary", "relapsePlan", "referrals"] where TextRules.length(fields[key]) > Self.textLimit {
            errors.add(key, "Keep this under \(Self.textLimit) characters.")
        }
        content.summary = TextRules.clean(fields["summary"]) ?? ""
        content.relapsePlan = TextRules.clean(fields["relapsePlan"]) ?? ""
        content.referrals = TextRules.clean(fields["referrals"]) ?? ""
        content.letterConsent = fields["letterConsent"] == "yes"
        content.referrer = TextRules.clean(fields["referrer"]) ?? ""
        if TextRules.length(fields["referrer"]) > 200 { errors.add("referrer", "Keep this under 200 characters.") }
        if signing {
            if content.summary.isEmpty { errors.add("summary", "Write the summary before signing.") }
            if content.relapsePlan.isEmpty { errors.add("relapsePlan", "Write the relapse plan before signing.") }
            if content.letterConsent && content.referrer.isEmpty { errors.add("referrer", "Name the referrer the letter goes to.") }
        }
        guard errors.isEmpty else {
            return try await render(request, context: context, row: existing, content: content, errors: errors, status: .unprocessableEntity)
        }
        let row = existing ?? DischargeSummaryRow()
        if row.id == nil {
            row.id = UUID()
            row.$client.id = context.clientID
            row.createdAt = request.now
        }
        let sealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), DischargeSummaryRow.contentContext(row.id!, client: row.$client.id))
        // A practicum student's signed summary waits for the supervisor, like their notes.
        let author = try await StaffUser.find(context.staff.id, on: request.db)
        let needsCosignature = author.map { NotesController.needsCosignature(author: $0, settings: context.settings) } ?? false
        let status: NoteStatus = signing ? (needsCosignature ? .awaitingCosignature : .final) : .draft
        if existing == nil {
            row.$author.id = context.staff.id
            row.contentSealed = sealed
            row.status = status
            row.signedAt = signing ? request.now : nil
            row.updatedAt = request.now
            try await row.createRefusingDuplicates(on: request.db, message: "Someone else has just started this discharge summary. Reload the page to see it.")
        } else {
            // A summary signed meanwhile (another tab, another person) is never overwritten.
            let saved = try await request.db.updateWhileStatus(DischargeSummaryRow.schema, id: row.id!, statusIn: [NoteStatus.draft], set: [
                ("author_id", context.staff.id), ("content_sealed", sealed), ("status", status), ("signed_at", signing ? request.now : nil),
                ("updated_at", request.now),
            ])
            guard saved else { throw Abort(.conflict, reason: "The discharge summary is signed and locked.") }
        }
        try await request.audit(existing == nil ? .create : .update, recordType: "discharge-summary", recordID: row.id?.uuidString,
                                subject: context.clientID.uuidString, detail: row.status.rawValue)
        return request.redirect(to: "\(context.base)/discharge?done=\(signing ? "signed" : "saved")")
    }

    /// The student's supervisor co-signs the summary; never the author, never another student.
    func cosign(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        guard let row = try await DischargeSummaryRow.query(on: request.db).filter(\.$client.$id == context.clientID).with(\.$author).first() else {
            throw Abort(.notFound)
        }
        let status = row.status
        if case .failure(let violation) = NoteWorkflow.review(status: status, author: row.$author.id, authorsSupervisor: row.author.$supervisor.id, by: context.actor) {
            throw Abort(violation == .notAwaiting ? .conflict : .forbidden, reason: violation.description)
        }
        let done = try await request.db.updateWhileStatus(DischargeSummaryRow.schema, id: try row.requireID(), statusIn: [NoteStatus.awaitingCosignature], set: [
            ("status", "final"), ("cosigned_by_id", context.staff.id), ("cosigned_at", request.now), ("updated_at", request.now),
        ])
        guard done else { throw Abort(.conflict, reason: NoteRuleViolation.notAwaiting.description) }
        try await request.audit(.update, recordType: "discharge-summary", recordID: row.id?.uuidString, subject: context.clientID.uuidString, detail: "co-signed")
        return request.redirect(to: "\(context.base)/discharge?done=cosigned")
    }

    func letter(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (row, content) = try await load(context, keyRing: request.services.keyRing, on: request.db)
        guard let row, row.status == .final else { throw Abort(.conflict, reason: "Sign the discharge summary first.") }
        guard content.letterConsent else { throw Abort(.forbidden, reason: "The client has not consented to a letter to the referrer.") }
        let state = try await CourseState.load(context, on: request.db)
        let facts = try await facts(context, state: state, keyRing: request.services.keyRing, on: request.db)
        let clinic = try await request.services.clinic.current(on: request.db)
        let author = try await StaffUser.find(row.$author.id, on: request.db)
        try await request.audit(.view, recordType: "referrer-letter", recordID: row.id?.uuidString, subject: context.clientID.uuidString)
        let page: Node<HTML.BodyContext> = .article(.class("letter"),
            .p(.text(clinic.name), .br(), .text(clinic.address), .br(), .text(clinic.phone)),
            .p(.text(row.signedAt.map { DateDisplay.day(context.zone.localDate(of: $0)) } ?? "")),
            .p(.text("To: \(content.referrer)")),
            .h1(.text("Re: \(context.client.name), born \(context.client.dateOfBirth)")),
            .p(.text("Thank you for referring this client. With their consent, here is a summary of the interpersonal psychotherapy they received with us.")),
            factsList(facts),
            .h2(.text("The course")), .p(.text(content.summary)),
            .h2(.text("Warning signs and relapse plan")), .p(.text(content.relapsePlan)),
            .h2(.text("Recommendation")), .p(.text(Self.maintenanceChoices.first { $0.value == content.maintenance }?.label ?? "")),
            .if(!content.referrals.isEmpty, .group(.h2(.text("Referrals")), .p(.text(content.referrals)))),
            .p(.text("With regards,"), .br(), .text(author?.name ?? ""), .br(), .text(author?.credentials ?? "")))
        return try await ChartViews.page(request, title: "Letter to the referrer", content: page)
    }
}
