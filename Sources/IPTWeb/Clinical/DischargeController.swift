import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The end of the course: a discharge summary assembled from the chart, edited and signed, printable,
/// and a letter to the referrer when the client consented to one.
struct DischargeController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.discharge, use: show)
        site.post(.discharge, use: save)
        site.get(.dischargeLetter, use: letter)
        site.post(.dischargeCosign, use: cosign)
    }

    /// The summary's content as sealed in its row; IPTPages defines it so the page can show it.
    typealias Content = DischargeContent

    private func facts(_ context: ChartContext, state: CourseState, keyRing: KeyRing, on database: any Database) async throws -> DischargeFacts {
        let instrument: Instrument = (state.contract?.programme ?? context.client.programme) == Programme.adolescent.rawValue ? .phqA : .phq9
        let scores = try await ClinicalQueries.totals(of: context.clientID, instrument: instrument, keyRing: keyRing, on: database)
        let change = scores.count >= 2 ? ChangeMetrics(instrument: instrument, baseline: scores.first!, latest: scores.last!) : nil
        let formulation = try state.formulation.map { try keyRing.open($0.textSealed, FormulationRow.textContext($0.id!, client: $0.$client.id)) }
        let clinician = state.clinician.map { person in "\(person.name)" + (state.supervisor.map { ", supervised by \($0.name)" } ?? "") } ?? "Not assigned"
        let scoreText = change.map { change in
            "\(instrument.name) \(change.baseline) at the start, \(change.latest) at the end. Response (a drop of half or more): \(change.response.map { $0 ? "yes" : "no" } ?? "not applicable, the first score was not in the clinical range")."
                + (change.remission.map { " Remission (below \(instrument.change?.remissionBelow ?? 0)): \($0 ? "yes" : "no")." } ?? "")
        } ?? "Fewer than two scores, so no change can be given."
        return DischargeFacts(client: "\(context.client.name), born \(context.client.dateOfBirth)", clinician: clinician, started: state.contract?.startDate,
                              sessions: "\(state.sessionsHeld)\(state.contract.map { " of \($0.agreedSessions) agreed" } ?? "")",
                              focus: state.focusAreas.isEmpty ? "Not chosen" : state.focusAreas.map(\.label).joined(separator: " and "),
                              formulation: formulation, scores: scoreText)
    }

    private func load(_ context: ChartContext, keyRing: KeyRing, on database: any Database) async throws -> (DischargeSummaryRow?, Content) {
        guard let row = try await ClinicalQueries.dischargeSummary(of: context.clientID, on: database) else { return (nil, Content()) }
        let json = try keyRing.open(row.contentSealed, DischargeSummaryRow.contentContext(row.id!, client: row.$client.id))
        return (row, try JSONDecoder().decode(Content.self, from: Data(json.utf8)))
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (row, content) = try await load(context, keyRing: request.services.keyRing, on: request.db)
        let model = try await pageModel(request, context: context, row: row, content: content, errors: FieldErrors())
        return try await request.auditedPage(model.title, recordType: "discharge-summary", recordID: row?.id?.uuidString,
                                             subject: context.clientID.uuidString) { DischargePage.view(model) }
    }

    /// A draft another person is writing and may still finish (see `save`).
    static func someoneElsesDraft(_ status: NoteStatus, author: StaffUser, viewer: UUID) -> Bool {
        status == .draft && author.id != viewer && author.isActive && author.$supervisor.id != viewer
    }

    private func pageModel(_ request: Request, context: ChartContext, row: DischargeSummaryRow?, content: Content,
                           errors: FieldErrors) async throws -> DischargePage.Model {
        let state = try await CourseState.load(context, on: request.db)
        let facts = try await facts(context, state: state, keyRing: request.services.keyRing, on: request.db)
        let awaiting = row?.status == NoteStatus.awaitingCosignature
        let author = try await StaffUser.find(optional: row?.$author.id, on: request.db)
        let cosigner = try await StaffUser.find(optional: row?.$cosignedBy.id, on: request.db)
        let mayCosign = awaiting && author.map { author in
            (try? NoteWorkflow.review(status: .awaitingCosignature, author: author.id!, authorsSupervisor: author.$supervisor.id, by: context.actor).get()) != nil
        } == true
        var model = DischargePage.Model(
            header: context.header(.discharge, title: "Discharge summary: \(context.client.name)"), done: request.doneKey, facts: facts,
            content: content, signed: row?.status == .final || awaiting, awaitingCosignature: awaiting, mayCosign: mayCosign,
            signedBy: "Signed by \(author?.name ?? "") \(row?.signedAt.map { DateDisplay.when($0, zone: context.zone) } ?? "")",
            cosigner: cosigner?.name, errors: errors, csrfToken: request.csrfToken)
        if let row, let author, Self.someoneElsesDraft(row.status, author: author, viewer: context.staff.id) { model.draftedBy = author.name }
        return model
    }

    /// The summary as typed, and what is wrong with it; signing asks for more than saving a draft.
    static func read(_ fields: [String: String], signing: Bool) -> (Content, FieldErrors) {
        var errors = FieldErrors()
        var content = Content()
        content.endingReason = fields["endingReason"] ?? ""
        if !Content.endingReasons.contains(where: { $0.value == content.endingReason }) { errors.add("endingReason", "Choose the reason for ending.") }
        content.maintenance = fields["maintenance"] ?? ""
        if !Content.maintenanceChoices.contains(where: { $0.value == content.maintenance }) { errors.add("maintenance", "Choose a recommendation.") }
        for key in ["summary", "relapsePlan", "referrals"] where TextRules.length(fields[key]) > Content.textLimit {
            errors.add(key, "Keep this under \(Content.textLimit) characters.")
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
        return (content, errors)
    }

    func save(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (existing, _) = try await load(context, keyRing: request.services.keyRing, on: request.db)
        if let existing, existing.status != .draft { throw Abort(.conflict, reason: "The discharge summary is signed and locked.") }
        // A draft is its author's, as a note is: a colleague saving over it would become the author
        // of words they did not write. The author's supervisor may continue a student's draft, and
        // anyone on the care team may take over one whose author has left the clinic.
        if let existing, Self.someoneElsesDraft(existing.status, author: existing.author, viewer: context.staff.id) {
            throw Abort(.forbidden, reason: "\(existing.author.name) is writing this discharge summary. Ask them to finish it, or their supervisor.")
        }
        let (fields, _) = try request.formBody()
        let signing = fields["action"] == "sign"
        let (content, errors) = Self.read(fields, signing: signing)
        guard errors.isEmpty else {
            let model = try await pageModel(request, context: context, row: existing, content: content, errors: errors)
            return try await request.auditedPage(model.title, recordType: "discharge-summary", recordID: existing?.id?.uuidString,
                                                 subject: context.clientID.uuidString, detail: AuditDetail.formReturned, status: .unprocessableEntity) { DischargePage.view(model) }
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
        return request.redirect(to: SitePath.discharge.link(context.clientID, query: ["done": signing ? "signed" : "saved"]))
    }

    /// The student's supervisor co-signs the summary; never the author, never another student.
    func cosign(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        guard let row = try await ClinicalQueries.dischargeSummary(of: context.clientID, on: request.db) else {
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
        return request.redirect(to: SitePath.discharge.link(context.clientID, query: ["done": "cosigned"]))
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
        let model = ReferrerLetterPage.Model(
            clinicName: clinic.name, clinicAddress: clinic.address, clinicPhone: clinic.phone,
            date: row.signedAt.map { DateDisplay.day(context.zone.localDate(of: $0)) } ?? "", clientName: context.client.name,
            dateOfBirth: context.client.dateOfBirth, facts: facts, content: content, author: author?.name ?? "", credentials: author?.credentials ?? "")
        return try await request.auditedPage("Letter to the referrer", recordType: "referrer-letter", recordID: row.id?.uuidString,
                                             subject: context.clientID.uuidString) { ReferrerLetterPage.view(model) }
    }
}
