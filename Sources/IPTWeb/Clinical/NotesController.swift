import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Session notes structured by phase: drafted, signed and locked; a practicum student's note waits
/// for the supervisor's co-signature; a change after signing is an amendment shown beside the original.
struct NotesController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.notes, use: index)
        site.get(.noteNew, use: newForm)
        site.post(.notes, use: create)
        site.get(.note, use: show)
        site.post(.note, use: update)
        site.post(.noteDrafts, use: autosaveNew)
        site.post(.noteDraft, use: autosave)
        site.post(.noteCosign, use: cosign)
        site.post(.noteReturn, use: returnNote)
        site.get(.noteAmend, use: amendForm)
        site.post(.noteAmend, use: amend)
    }

    // MARK: Reading

    static func content(of note: SessionNoteRow, keyRing: KeyRing) throws -> SessionNoteContent {
        let json = try keyRing.open(note.contentSealed, SessionNoteRow.contentContext(note.id!, client: note.$client.id))
        return try JSONDecoder().decode(SessionNoteContent.self, from: Data(json.utf8))
    }

    static func fields(of content: SessionNoteContent) -> [String: String] {
        NotePage.fields(of: content)
    }

    /// Whether this author's signed notes wait for a supervisor: a practicum student, when the clinic asks.
    static func needsCosignature(author: StaffUser, settings: ClinicalSettingsRow) -> Bool {
        author.role == StaffRole.student && settings.cosignStudents
    }

    /// The note named in the path, only if it belongs to this client.
    private func noteRow(_ request: Request, _ context: ChartContext) async throws -> SessionNoteRow {
        guard let id = request.parameters.get("note").flatMap(UUID.init(uuidString:)),
              let note = try await ClinicalQueries.note(id, of: context.clientID, on: request.db)
        else { throw Abort(.notFound) }
        return note
    }

    func index(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let (notes, amended) = try await ClinicalQueries.notes(of: context.clientID, on: request.db)
        let state = try await CourseState.load(context, on: request.db)
        let unwritten = try await state.contract.flatMap { LocalDate(iso: $0.startDate) }.asyncMap {
            try await ClinicalQueries.sessionsWithoutNote(of: context.clientID, since: context.zone.startOfDay($0), until: request.now.addingTimeInterval(12 * 3_600),
                                                          on: request.db)
        } ?? []
        let model = NotesListPage.Model(
            header: context.header(.notes, title: "Session notes: \(context.client.name)"), done: request.doneKey,
            notes: notes.map { note in
                .init(id: note.id?.uuidString ?? "", sessionNumber: note.sessionNumber, phase: Phase(rawValue: note.phase)?.label ?? note.phase,
                      author: note.author.name, status: note.status.label + (amended.contains(note.id!) ? ", amended" : ""),
                      written: DateDisplay.day(context.zone.localDate(of: note.createdAt)))
            },
            unwritten: unwritten.map { .init(appointmentID: $0.0.id!.uuidString, when: DateDisplay.when($0.0.startsAt, zone: context.zone), sessionNumber: $0.1) })
        return try await request.auditedPage("Session notes", recordType: "notes", subject: context.clientID.uuidString,
                                             detail: "notes=\(notes.count)") { NotesListPage.view(model) }
    }

    // MARK: Writing

    func newForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        guard let contract = state.contract else {
            return try await request.page("Contract first", NoteFormPage.contractFirst(context.header(.notes, title: "Session note: \(context.client.name)")))
        }
        var fields: [String: String] = ["sessionNumber": String(max(state.sessionsHeld, 1)), "formKey": UUID().uuidString]
        if let raw = request.query[String.self, at: "appointment"] {
            let appointment = try await linkedAppointment(raw, context, on: request.db)
            // One note per session: the appointment's note, once begun, is where writing continues.
            if let existing = try await ClinicalQueries.note(forAppointment: try appointment.requireID(), of: context.clientID, on: request.db) {
                return request.redirect(to: SitePath.note.link(context.clientID, existing.id!))
            }
            fields["appointment"] = raw
            fields["sessionNumber"] = String(try await CourseState.sessionNumber(of: appointment, under: contract, zone: context.zone, on: request.db))
        }
        fields["scoresOfTheDay"] = try await scoresOfTheDay(context, instruments: request.services.instruments, keyRing: request.services.keyRing, on: request.db, now: request.now)
        let model = try await formModel(request, context: context, state: state, action: SitePath.notes.link(context.clientID), fields: fields, techniques: [],
                                        errors: FieldErrors(), name: "New session note", draftAction: SitePath.noteDrafts.link(context.clientID))
        // The form shows the last note's plan and today's scores, so opening it is a view of the record.
        return try await request.auditedPage(model.title, recordType: "notes", subject: context.clientID.uuidString, detail: "new note form") {
            NoteFormPage.view(model)
        }
    }

    /// The appointment a note is written from: this client's, and one that took place or is about to
    /// (a cancelled one has no session to write about). Anything else answers as not found.
    private func linkedAppointment(_ raw: String?, _ context: ChartContext, on database: any Database) async throws -> Appointment {
        guard let id = raw.flatMap(UUID.init(uuidString:)),
              let appointment = try await Appointment.find(id, on: database),
              appointment.$client.id == context.clientID,
              [.confirmed, .attended, .held, .requested].contains(appointment.status)
        else { throw Abort(.notFound) }
        return appointment
    }

    /// Scores completed today, so the note carries the day's measures without retyping.
    private func scoresOfTheDay(_ context: ChartContext, instruments: InstrumentCatalogue, keyRing: KeyRing, on database: any Database, now: Date) async throws -> String {
        let today = context.zone.startOfDay(context.zone.localDate(of: now))
        let rows = try await ClinicalQueries.completedResponses(of: context.clientID, since: today, on: database)
        return try rows.compactMap { row in
            guard let instrument = instruments.named(row.instrumentCode), let total = try row.total(keyRing) else { return nil }
            return "\(instrument.name) \(total) (\(instrument.band(for: total)?.label ?? ""))"
        }.joined(separator: "; ")
    }

    private func formModel(_ request: Request, context: ChartContext, state: CourseState, action: String, fields: [String: String],
                           techniques: Set<String>, errors: FieldErrors, name: String, amendment: Bool = false, comment: String? = nil,
                           draftAction: String? = nil, noteID: UUID? = nil, savedAt: Date? = nil) async throws -> NoteFormPage.Model {
        let session = fields["sessionNumber"].flatMap { Int($0) } ?? max(state.sessionsHeld, 1)
        let phase = state.contract.map { CourseProgress.phase(ofSession: session, agreedSessions: $0.agreedSessions, settings: context.settings.course) } ?? .initial
        let appointment = try await fields["appointment"].flatMap(UUID.init(uuidString:)).asyncMap { try await Appointment.find($0, on: request.db) } ?? nil
        let previous = try await ClinicalQueries.previousNote(of: context.clientID, before: session, excluding: noteID, on: request.db)
        let previousPlan = try previous.map { ($0.sessionNumber, try Self.content(of: $0, keyRing: request.services.keyRing).plan) }
        return NoteFormPage.Model(
            header: context.header(.notes, title: "\(name): \(context.client.name)"), phase: phase,
            focus: state.focusAreas.isEmpty ? "not chosen yet" : state.focusAreas.map(\.label).joined(separator: " and "), comment: comment,
            action: action, amendment: amendment, sessionsHeld: state.sessionsHeld, fields: fields, techniques: techniques, errors: errors,
            csrfToken: request.csrfToken, name: name,
            appointment: appointment.flatMap { row in row.$client.id == context.clientID ? (row.id!.uuidString, DateDisplay.when(row.startsAt, zone: context.zone)) : nil },
            previousPlan: previousPlan.flatMap { $0.1.isEmpty ? nil : (session: $0.0, plan: $0.1) },
            draftAction: draftAction, savedAt: savedAt.map { DateDisplay.time($0, zone: context.zone) })
    }

    /// The form again, with what was typed and what is wrong.
    private func renderRejected(_ model: NoteFormPage.Model, _ context: ChartContext, _ request: Request) async throws -> Response {
        try await request.auditedPage(model.title, recordType: "notes", subject: context.clientID.uuidString, detail: AuditDetail.formReturned,
                                      status: .unprocessableEntity) { NoteFormPage.view(model) }
    }

    /// Reads the note form (the button pressed says whether to sign, unless only a draft is being
    /// kept); the session number must be within the contract.
    private func read(_ request: Request, state: CourseState, draftOnly: Bool) throws -> (fields: [String: String], techniques: [String], signing: Bool,
                                                                                         result: Result<(Int, SessionNoteContent), FormRejection>) {
        let (fields, lists) = try request.formBody()
        let forSigning = !draftOnly && fields["action"] == "sign"
        let techniques = lists["techniques"] ?? []
        var errors = FieldErrors()
        let agreed = state.contract?.agreedSessions ?? 0
        let session = fields["sessionNumber"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if session.map({ $0 < 1 || $0 > agreed }) ?? true { errors.add("sessionNumber", "Enter a session number from 1 to \(agreed), the sessions in the contract.") }
        switch SessionNoteContent.read(fields: fields, techniques: techniques, forSigning: forSigning) {
        case .failure(let rejection):
            for entry in rejection.errors.entries { errors.add(entry.field, entry.message) }
            return (fields, techniques, forSigning, .failure(FormRejection(errors: errors)))
        case .success(let content):
            guard errors.isEmpty, let session else { return (fields, techniques, forSigning, .failure(FormRejection(errors: errors))) }
            return (fields, techniques, forSigning, .success((session, content)))
        }
    }

    private func store(_ content: SessionNoteContent, in note: SessionNoteRow, keyRing: KeyRing) throws {
        note.contentSealed = try keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), SessionNoteRow.contentContext(note.id!, client: note.$client.id))
    }

    /// What a save came to: the note written (and whether it was signed), or the form to show again.
    enum Saved {
        /// `unlinked`: the appointment the form named could not be linked (cancelled meanwhile), so
        /// the note was kept without it rather than lost.
        case saved(UUID, signed: Bool, unlinked: Bool = false)
        case rejected(NoteFormPage.Model)
    }

    func create(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        return try await respond(to: try await saveNew(request, context, draftOnly: false), context, request)
    }

    func update(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        return try await respond(to: try await saveExisting(request, context, note: note, draftOnly: false), context, request)
    }

    private func respond(to saved: Saved, _ context: ChartContext, _ request: Request) async throws -> Response {
        switch saved {
        case .rejected(let model): return try await renderRejected(model, context, request)
        case .saved(let id, let signed, let unlinked):
            let done = unlinked ? "saved-unlinked" : signed ? "signed" : "saved"
            return request.redirect(to: SitePath.note.link(context.clientID, id, query: ["done": done]))
        }
    }

    /// The draft kept as the clinician types (note-autosave.js): the same save as the "Save draft"
    /// button, so the same checks, sealing, audit and risk rule apply, answered in JSON.
    func autosaveNew(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        return try await autosaveAnswer(request, context) { try await saveNew(request, context, draftOnly: true) }
    }

    func autosave(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        return try await autosaveAnswer(request, context) { try await saveExisting(request, context, note: note, draftOnly: true) }
    }

    struct AutosaveAnswer: Content {
        var savedAt: String?
        var note: String?
        var draftAction: String?
        var error: String?
    }

    private func autosaveAnswer(_ request: Request, _ context: ChartContext, _ save: () async throws -> Saved) async throws -> Response {
        let answer: AutosaveAnswer, status: HTTPResponseStatus
        do {
            switch try await save() {
            case .saved(let id, _, _):
                answer = AutosaveAnswer(savedAt: DateDisplay.time(request.now, zone: context.zone), note: SitePath.note.link(context.clientID, id),
                                        draftAction: SitePath.noteDraft.link(context.clientID, id))
                status = .ok
            case .rejected(let model):
                answer = AutosaveAnswer(error: "Not saved: " + (model.errors.entries.first?.message ?? "check the form."))
                status = .unprocessableEntity
            }
        } catch let abort as Abort where abort.status != .internalServerError {
            answer = AutosaveAnswer(error: "Not saved: " + abort.reason)
            status = abort.status
        }
        let response = Response(status: status)
        try response.content.encode(answer, as: .json)
        return response
    }

    /// The note this new-note form already made, if it was sent before.
    private func noteMade(byForm key: String, _ context: ChartContext, on db: any Database) async throws -> SessionNoteRow? {
        return try await SessionNoteRow.query(on: db).filter(\.$formKey == key).filter(\.$client.$id == context.clientID).with(\.$author).first()
    }

    private func saveNew(_ request: Request, _ context: ChartContext, draftOnly: Bool) async throws -> Saved {
        let formKey = try request.formBody().fields["formKey"].flatMap { UUID(uuidString: $0) == nil ? nil : $0 }
        guard let formKey else { return try await createNote(request, context, formKey: nil, draftOnly: draftOnly) }
        return try await saveNew(request, context, formKey: formKey, draftOnly: draftOnly)
    }

    private func saveNew(_ request: Request, _ context: ChartContext, formKey: String, draftOnly: Bool) async throws -> Saved {
        if let made = try await noteMade(byForm: formKey, context, on: request.db) {
            // Signed by the first post (a double click on "Sign"): that note is the answer.
            guard made.status.isEditable else { return .saved(try made.requireID(), signed: made.signedAt != nil) }
            return try await saveExisting(request, context, note: made, draftOnly: draftOnly)
        }
        do {
            return try await createNote(request, context, formKey: formKey, draftOnly: draftOnly)
        } catch let error where (error as? any DatabaseError)?.isConstraintFailure == true {
            // The same form, sent twice at once: the other post made the note; this one saves into
            // it, or, if it was signed, lands on it.
            guard let made = try await noteMade(byForm: formKey, context, on: request.db) else { throw error }
            guard made.status.isEditable else { return .saved(try made.requireID(), signed: made.signedAt != nil) }
            return try await saveExisting(request, context, note: made, draftOnly: draftOnly)
        }
    }

    private func createNote(_ request: Request, _ context: ChartContext, formKey: String?, draftOnly: Bool) async throws -> Saved {
        let state = try await CourseState.load(context, on: request.db)
        guard let contract = state.contract else { throw Abort(.unprocessableEntity, reason: "Agree the treatment contract before writing notes.") }
        let (fields, techniques, signing, result) = try read(request, state: state, draftOnly: draftOnly)
        // An appointment cancelled while the note was being written no longer takes a note; the
        // text is kept all the same, without the link, and the page says so.
        let named = fields["appointment"].flatMap { $0.isEmpty ? nil : $0 }
        let appointment = await named.asyncMap { try? await linkedAppointment($0, context, on: request.db) } ?? nil
        switch result {
        case .failure(let rejection):
            return .rejected(try await formModel(request, context: context, state: state, action: SitePath.notes.link(context.clientID), fields: fields,
                                                 techniques: Set(techniques), errors: rejection.errors, name: "New session note",
                                                 draftAction: SitePath.noteDrafts.link(context.clientID)))
        case .success(let (session, content)):
            guard let author = try await StaffUser.find(context.staff.id, on: request.db) else { throw Abort(.forbidden) }
            let note = SessionNoteRow()
            note.id = UUID()
            note.$client.id = context.clientID
            note.$author.id = context.staff.id
            note.$appointment.id = try appointment?.requireID()
            note.formKey = formKey
            note.sessionNumber = session
            note.phase = CourseProgress.phase(ofSession: session, agreedSessions: contract.agreedSessions, settings: context.settings.course).rawValue
            try store(content, in: note, keyRing: request.services.keyRing)
            note.status = signing ? (Self.needsCosignature(author: author, settings: context.settings) ? NoteStatus.awaitingCosignature : .final)
                : NoteStatus.draft
            note.signedAt = signing ? request.now : nil
            note.createdAt = request.now
            note.updatedAt = request.now
            try await note.create(on: request.db)
            try await request.audit(.create, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString,
                                    detail: note.status.rawValue + (draftOnly ? " (autosave)" : ""))
            try await RiskAlerts.record(note: note, content: content, actor: (context.staff.id.uuidString, context.staff.auditLabel), request: request)
            return .saved(note.id!, signed: signing, unlinked: named != nil && appointment == nil)
        }
    }

    private func saveExisting(_ request: Request, _ context: ChartContext, note: SessionNoteRow, draftOnly: Bool) async throws -> Saved {
        let state = try await CourseState.load(context, on: request.db)
        if case .failure(let violation) = NoteWorkflow.edit(status: note.status, author: note.$author.id, by: context.actor) {
            throw Abort(violation == .locked ? .conflict : .forbidden, reason: violation.description)
        }
        let (fields, techniques, signing, result) = try read(request, state: state, draftOnly: draftOnly)
        switch result {
        case .failure(let rejection):
            var typed = fields
            typed["appointment"] = note.$appointment.id?.uuidString
            return .rejected(try await formModel(request, context: context, state: state, action: SitePath.note.link(context.clientID, note.id!), fields: typed,
                                                 techniques: Set(techniques), errors: rejection.errors, name: "Session note",
                                                 draftAction: SitePath.noteDraft.link(context.clientID, note.id!), noteID: note.id))
        case .success(let (session, content)):
            let agreed = state.contract?.agreedSessions ?? session
            let phase = CourseProgress.phase(ofSession: session, agreedSessions: agreed, settings: context.settings.course).rawValue
            let newStatus = signing ? (Self.needsCosignature(author: note.author, settings: context.settings) ? NoteStatus.awaitingCosignature : .final) : note.status
            let id = try note.requireID()
            let sealed = try request.services.keyRing.seal(String(decoding: try JSONEncoder().encode(content), as: UTF8.self), SessionNoteRow.contentContext(id, client: note.$client.id))
            let now = request.now
            // Written only while still editable, so a note signed meanwhile in another tab is never overwritten.
            var values: [(String, any Encodable & Sendable)] = [("session_number", session), ("phase", phase), ("content_sealed", sealed),
                                                                ("status", newStatus.rawValue), ("updated_at", now)]
            if signing { values.append(("signed_at", now)) }
            let written = try await request.db.updateWhileStatus(SessionNoteRow.schema, id: id, statusIn: [NoteStatus.draft, NoteStatus.returned],
                                                                 set: values)
            guard written else { throw Abort(.conflict, reason: NoteRuleViolation.locked.description) }
            try await request.audit(.update, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString,
                                    detail: newStatus.rawValue + (draftOnly ? " (autosave)" : ""))
            try await RiskAlerts.record(note: note, content: content, actor: (context.staff.id.uuidString, context.staff.auditLabel), request: request)
            return .saved(id, signed: signing)
        }
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        let content = try Self.content(of: note, keyRing: request.services.keyRing)
        let comment = try request.services.keyRing.openOptional(note.reviewCommentSealed, SessionNoteRow.commentContext(note.id!, client: note.$client.id))
        // The author's own unsigned note opens as the form, everyone else's (or a signed one) to read.
        if note.status.isEditable && note.$author.id == context.staff.id {
            let state = try await CourseState.load(context, on: request.db)
            var fields = Self.fields(of: content)
            fields["sessionNumber"] = String(note.sessionNumber)
            fields["appointment"] = note.$appointment.id?.uuidString
            var model = try await formModel(request, context: context, state: state, action: SitePath.note.link(context.clientID, note.id!), fields: fields,
                                            techniques: Set(content.techniques.map(\.rawValue)), errors: FieldErrors(),
                                            name: "Session \(note.sessionNumber) note (\(note.status.label.lowercased()))",
                                            comment: note.status == .returned ? comment : nil,
                                            draftAction: SitePath.noteDraft.link(context.clientID, note.id!), noteID: note.id, savedAt: note.updatedAt)
            model.done = request.doneKey
            return try await request.auditedPage(model.title, recordType: "session-note", recordID: note.id?.uuidString,
                                                 subject: context.clientID.uuidString) { NoteFormPage.view(model) }
        }
        let model = try await readOnlyModel(request, context: context, note: note, content: content, comment: comment)
        return try await request.auditedPage(model.title, recordType: "session-note", recordID: note.id?.uuidString,
                                             subject: context.clientID.uuidString) { NotePage.view(model) }
    }

    private func readOnlyModel(_ request: Request, context: ChartContext, note: SessionNoteRow, content: SessionNoteContent,
                               comment: String?, reviewErrors: FieldErrors = FieldErrors(), typedComment: String? = nil) async throws -> NotePage.Model {
        let keyRing = request.services.keyRing, zone = context.zone
        let amendments = try await ClinicalQueries.amendments(of: note.id!, on: request.db)
        let cosigner = try await StaffUser.find(optional: note.$cosignedBy.id, on: request.db)
        let supervisorID = note.author.$supervisor.id
        let mayReview = (try? NoteWorkflow.review(status: note.status, author: note.$author.id, authorsSupervisor: supervisorID, by: context.actor).get()) != nil
        let mayAmend = (try? NoteWorkflow.amend(status: note.status, author: note.$author.id, authorsSupervisor: supervisorID, by: context.actor).get()) != nil
            && note.$amends.id == nil
        return NotePage.Model(
            header: context.header(.notes, title: "Session \(note.sessionNumber) note: \(context.client.name)"), done: request.doneKey,
            noteID: note.id!.uuidString, phase: Phase(rawValue: note.phase) ?? .middle, author: note.author.name,
            signed: note.signedAt.map { DateDisplay.when($0, zone: zone) },
            unfinishedStatus: note.status == .final ? nil : note.status.label.lowercased(),
            cosigned: cosigner.map { "\($0.name)\(note.cosignedAt.map { " " + DateDisplay.when($0, zone: zone) } ?? "")" },
            awaitingCosignature: note.status == .awaitingCosignature, content: content,
            amendments: try amendments.map { amendment in
                NotePage.Amendment(
                    heading: "Amendment by \(amendment.author.name), \(amendment.signedAt.map { DateDisplay.when($0, zone: zone) } ?? "") (\(amendment.status.label.lowercased()))",
                    reason: try keyRing.openOptional(amendment.amendmentReasonSealed, SessionNoteRow.reasonContext(amendment.id!, client: amendment.$client.id)) ?? "",
                    content: try Self.content(of: amendment, keyRing: keyRing))
            },
            comment: comment, mayAmend: mayAmend, mayReview: mayReview, csrfToken: request.csrfToken,
            reviewErrors: reviewErrors, typedComment: typedComment)
    }

    // MARK: Supervision

    func cosign(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        if case .failure(let violation) = NoteWorkflow.review(status: note.status, author: note.$author.id, authorsSupervisor: note.author.$supervisor.id, by: context.actor) {
            throw Abort(violation == .notAwaiting ? .conflict : .forbidden, reason: violation.description)
        }
        let (fields, _) = try request.formBody()
        func yesNo(_ value: String?) -> Bool? { value == "yes" ? true : value == "no" ? false : nil }
        // Only a note still waiting is co-signed: a return or another co-signature in between wins.
        let cosigned = try await request.db.updateWhileStatus(SessionNoteRow.schema, id: try note.requireID(), statusIn: [NoteStatus.awaitingCosignature], set: [
            ("status", NoteStatus.final), ("cosigned_by_id", context.staff.id), ("cosigned_at", request.now),
            ("fidelity_on_focus", yesNo(fields["onFocus"])), ("fidelity_tasks_done", yesNo(fields["tasksDone"])), ("updated_at", request.now),
        ])
        guard cosigned else { throw Abort(.conflict, reason: NoteRuleViolation.notAwaiting.description) }
        try await request.audit(.update, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString, detail: "co-signed")
        return request.redirect(to: SitePath.supervision.link(query: ["done": "cosigned"]))
    }

    func returnNote(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        let (fields, _) = try request.formBody()
        switch NoteWorkflow.returnNote(status: note.status, author: note.$author.id, authorsSupervisor: note.author.$supervisor.id, by: context.actor,
                                       comment: fields["comment"]) {
        case .failure(.commentRequired):
            return try await rejectReturn(request, context, note: note, typed: fields["comment"], message: NoteRuleViolation.commentRequired.description)
        case .failure(let violation):
            throw Abort(violation == .notAwaiting ? .conflict : .forbidden, reason: violation.description)
        case .success(let status):
            guard TextRules.length(fields["comment"]) <= 4_000 else {
                return try await rejectReturn(request, context, note: note, typed: fields["comment"], message: "Keep the comments under 4,000 characters.")
            }
            let comment = try request.services.keyRing.seal(TextRules.clean(fields["comment"]) ?? "", SessionNoteRow.commentContext(note.id!, client: note.$client.id))
            let returned = try await request.db.updateWhileStatus(SessionNoteRow.schema, id: try note.requireID(), statusIn: [NoteStatus.awaitingCosignature], set: [
                ("status", status.rawValue), ("review_comment_sealed", comment), ("updated_at", request.now),
            ])
            guard returned else { throw Abort(.conflict, reason: NoteRuleViolation.notAwaiting.description) }
            try await request.audit(.update, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString, detail: "returned")
            return request.redirect(to: SitePath.supervision.link(query: ["done": "returned"]))
        }
    }

    /// The supervisor stays on the note, with the message beside the comment box and what was typed kept.
    private func rejectReturn(_ request: Request, _ context: ChartContext, note: SessionNoteRow, typed: String?, message: String) async throws -> Response {
        var errors = FieldErrors()
        errors.add("comment", message)
        let content = try Self.content(of: note, keyRing: request.services.keyRing)
        let comment = try request.services.keyRing.openOptional(note.reviewCommentSealed, SessionNoteRow.commentContext(note.id!, client: note.$client.id))
        let model = try await readOnlyModel(request, context: context, note: note, content: content, comment: comment, reviewErrors: errors, typedComment: typed)
        return try await request.auditedPage("Please check: " + model.title, recordType: "session-note", recordID: note.id?.uuidString,
                                             subject: context.clientID.uuidString, status: .unprocessableEntity) { NotePage.view(model) }
    }

    // MARK: Amendments

    func amendForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        if case .failure(let violation) = NoteWorkflow.amend(status: note.status, author: note.$author.id, authorsSupervisor: note.author.$supervisor.id, by: context.actor) {
            throw Abort(.forbidden, reason: violation.description)
        }
        // Amendments hang off the signed original, never off each other, so the original and every
        // correction to it are read side by side.
        guard note.$amends.id == nil else { throw Abort(.conflict, reason: "This is an amendment. Amend the original note instead.") }
        let state = try await CourseState.load(context, on: request.db)
        var fields = Self.fields(of: try Self.content(of: note, keyRing: request.services.keyRing))
        fields["sessionNumber"] = String(note.sessionNumber)
        let model = try await formModel(request, context: context, state: state, action: SitePath.noteAmend.link(context.clientID, note.id!), fields: fields,
                              techniques: Set(try Self.content(of: note, keyRing: request.services.keyRing).techniques.map(\.rawValue)),
                              errors: FieldErrors(), name: "Amend the session \(note.sessionNumber) note", amendment: true)
        return try await request.auditedPage(model.title, recordType: "session-note", recordID: note.id?.uuidString,
                                             subject: context.clientID.uuidString) { NoteFormPage.view(model) }
    }

    func amend(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        if case .failure(let violation) = NoteWorkflow.amend(status: note.status, author: note.$author.id, authorsSupervisor: note.author.$supervisor.id, by: context.actor) {
            throw Abort(.forbidden, reason: violation.description)
        }
        // Amendments hang off the signed original, never off each other, so the original and every
        // correction to it are read side by side.
        guard note.$amends.id == nil else { throw Abort(.conflict, reason: "This is an amendment. Amend the original note instead.") }
        let state = try await CourseState.load(context, on: request.db)
        let (fields, lists) = try request.formBody()
        var errors = FieldErrors()
        let reason = TextRules.clean(fields["reason"])
        if reason == nil || TextRules.length(fields["reason"]) > 1_000 { errors.add("reason", "Say why the note is being amended (up to 1,000 characters).") }
        let read = SessionNoteContent.read(fields: fields, techniques: lists["techniques"] ?? [], forSigning: true)
        if case .failure(let rejection) = read { for entry in rejection.errors.entries { errors.add(entry.field, entry.message) } }
        guard errors.isEmpty, case .success(let content) = read, let reason else {
            var typed = fields
            typed["sessionNumber"] = String(note.sessionNumber)
            return try await renderRejected(try await formModel(request, context: context, state: state, action: SitePath.noteAmend.link(context.clientID, note.id!),
                                                      fields: typed, techniques: Set(lists["techniques"] ?? []), errors: errors,
                                                      name: "Amend the session \(note.sessionNumber) note", amendment: true), context, request)
        }
        guard let author = try await StaffUser.find(context.staff.id, on: request.db) else { throw Abort(.forbidden) }
        let amendment = SessionNoteRow()
        amendment.id = UUID()
        amendment.$client.id = context.clientID
        amendment.$author.id = context.staff.id
        amendment.$amends.id = note.id
        amendment.sessionNumber = note.sessionNumber
        amendment.phase = note.phase
        try store(content, in: amendment, keyRing: request.services.keyRing)
        amendment.amendmentReasonSealed = try request.services.keyRing.seal(reason, SessionNoteRow.reasonContext(amendment.id!, client: amendment.$client.id))
        amendment.status = (Self.needsCosignature(author: author, settings: context.settings) ? NoteStatus.awaitingCosignature : .final)
        amendment.signedAt = request.now
        amendment.createdAt = request.now
        amendment.updatedAt = request.now
        try await amendment.create(on: request.db)
        try await request.audit(.create, recordType: "session-note-amendment", recordID: amendment.id?.uuidString, subject: context.clientID.uuidString,
                                detail: "amends \(note.id!.uuidString)")
        try await RiskAlerts.record(note: amendment, content: content, actor: (context.staff.id.uuidString, context.staff.auditLabel), request: request)
        return request.redirect(to: SitePath.note.link(context.clientID, note.id!, query: ["done": "amended"]))
    }
}
