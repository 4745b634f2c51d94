import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// Session notes structured by phase: drafted, signed and locked; a practicum student's note waits
/// for the supervisor's co-signature; a change after signing is an amendment shown beside the original.
struct NotesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "clients", ":id", "notes", use: index)
        routes.get("staff", "clients", ":id", "notes", "new", use: newForm)
        routes.post("staff", "clients", ":id", "notes", use: create)
        routes.get("staff", "clients", ":id", "notes", ":note", use: show)
        routes.post("staff", "clients", ":id", "notes", ":note", use: update)
        routes.post("staff", "clients", ":id", "notes", ":note", "cosign", use: cosign)
        routes.post("staff", "clients", ":id", "notes", ":note", "return", use: returnNote)
        routes.get("staff", "clients", ":id", "notes", ":note", "amend", use: amendForm)
        routes.post("staff", "clients", ":id", "notes", ":note", "amend", use: amend)
    }

    // MARK: Reading

    static func content(of note: SessionNoteRow, keyRing: KeyRing) throws -> SessionNoteContent {
        let json = try keyRing.open(note.contentSealed, SessionNoteRow.contentContext(note.id!, client: note.$client.id))
        return try JSONDecoder().decode(SessionNoteContent.self, from: Data(json.utf8))
    }

    static func fields(of content: SessionNoteContent) -> [String: String] {
        ["mood": content.mood, "interpersonalEvents": content.interpersonalEvents, "focusWork": content.focusWork,
         "scoresOfTheDay": content.scoresOfTheDay, "riskCheck": content.riskCheck?.rawValue ?? "", "riskDetail": content.riskDetail, "plan": content.plan]
    }

    /// Whether this author's signed notes wait for a supervisor: a practicum student, when the clinic asks.
    static func needsCosignature(author: StaffUser, settings: ClinicalSettingsRow) -> Bool {
        author.role == StaffRole.student && settings.cosignStudents
    }

    /// The note named in the path, only if it belongs to this client.
    private func noteRow(_ request: Request, _ context: ChartContext) async throws -> SessionNoteRow {
        guard let id = request.parameters.get("note").flatMap(UUID.init(uuidString:)),
              let note = try await SessionNoteRow.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == context.clientID)
                .with(\.$author).first()
        else { throw Abort(.notFound) }
        return note
    }

    func index(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let notes = try await SessionNoteRow.query(on: request.db).filter(\.$client.$id == context.clientID).filter(\.$amends.$id == nil)
            .sort(\.$sessionNumber, .descending).sort(\.$createdAt, .descending).with(\.$author).all()
        let amended = Set(try await SessionNoteRow.query(on: request.db).filter(\.$client.$id == context.clientID).filter(\.$amends.$id != nil).all()
            .compactMap { $0.$amends.id })
        try await request.audit(.view, recordType: "notes", subject: context.clientID.uuidString, detail: "notes=\(notes.count)")
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "notes", title: "Session notes: \(context.client.name)"),
            ChartViews.notice(request),
            .p(.a(.class("button"), .href("\(context.base)/notes/new"), .text("Write a session note"))),
            .if(notes.isEmpty, .p(.text("No notes yet."))),
            .if(!notes.isEmpty, TableViews.scrollable(captionID: "notes-table", .table(
                .class("data-table"),
                .caption(.id("notes-table"), .text("Notes, latest session first")),
                .thead(.tr(.th(.text("Session")), .th(.text("Phase")), .th(.text("Author")), .th(.text("Status")), .th(.text("Written")))),
                .tbody(.forEach(notes) { note in
                    .tr(.td(.a(.href("\(context.base)/notes/\(note.id!.uuidString)"), .text("Session \(note.sessionNumber)"))),
                        .td(.text(Phase(rawValue: note.phase)?.label ?? note.phase)), .td(.text(note.author.name)),
                        .td(.text(note.status.label + (amended.contains(note.id!) ? ", amended" : ""))),
                        .td(.text(DateDisplay.day(context.zone.localDate(of: note.createdAt)))))
                }))))
        )
        return try await ChartViews.page(request, title: "Session notes", content: content)
    }

    // MARK: Writing

    func newForm(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        guard state.contract != nil else {
            return try await ChartViews.page(request, title: "Contract first", content: .group(
                ChartViews.header(context, current: "notes", title: "Session note: \(context.client.name)"),
                .p(.text("Notes count sessions against the treatment contract. Agree the contract first.")),
                .p(.a(.class("button"), .href("\(context.base)/contract"), .text("Agree the treatment contract")))))
        }
        let session = max(state.sessionsHeld, 1)
        var fields = ["sessionNumber": String(session)]
        fields["scoresOfTheDay"] = try await scoresOfTheDay(context, instruments: request.services.instruments, keyRing: request.services.keyRing, on: request.db, now: request.now)
        return try await renderForm(request, context: context, state: state, action: "\(context.base)/notes", fields: fields, techniques: [],
                                    errors: FieldErrors(), title: "New session note")
    }

    /// Scores completed today, so the note carries the day's measures without retyping.
    private func scoresOfTheDay(_ context: ChartContext, instruments: InstrumentCatalogue, keyRing: KeyRing, on database: any Database, now: Date) async throws -> String {
        let today = context.zone.startOfDay(context.zone.localDate(of: now))
        let rows = try await MeasureResponse.query(on: database).filter(\.$client.$id == context.clientID).filter(\.$status == .completed)
            .filter(\.$completedAt >= today).all()
        return try rows.compactMap { row in
            guard let instrument = instruments.named(row.instrumentCode), let total = try row.total(keyRing) else { return nil }
            return "\(instrument.name) \(total) (\(instrument.band(for: total)?.label ?? ""))"
        }.joined(separator: "; ")
    }

    private func renderForm(_ request: Request, context: ChartContext, state: CourseState, action: String, fields: [String: String],
                            techniques: Set<String>, errors: FieldErrors, title: String, amendment: Bool = false, comment: String? = nil,
                            status: HTTPResponseStatus = .ok) async throws -> Response {
        let session = fields["sessionNumber"].flatMap { Int($0) } ?? max(state.sessionsHeld, 1)
        let phase = state.contract.map { CourseProgress.phase(ofSession: session, agreedSessions: $0.agreedSessions, settings: context.settings.course) } ?? .initial
        let content: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "notes", title: "\(title): \(context.client.name)"),
            .p(.class("lede"), .text("\(phase.label). Focus: \(state.focusAreas.isEmpty ? "not chosen yet" : state.focusAreas.map(\.label).joined(separator: " and ")).")),
            .unwrap(comment) { .div(.class("notice warning"), .h2(.text("Your supervisor's comments")), .p(.text($0))) },
            FormViews.errorSummary(errors),
            .form(.method(.post), .action(attributeSafe(action)), .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  .if(!amendment, FormViews.textField(name: "sessionNumber", label: "Session number", value: fields["sessionNumber"], error: errors["sessionNumber"],
                                                      type: .number, maxLength: 2, hint: "Sessions held under the contract so far: \(state.sessionsHeld).")),
                  .group(SessionNoteContent.headings(for: phase).map { heading in
                      FormViews.textArea(name: heading.key, label: heading.label, value: fields[heading.key], error: errors[heading.key],
                                         maxLength: SessionNoteContent.textLimit, rows: 4, required: heading.key == "mood" || heading.key == "plan")
                  }),
                  FormViews.checkboxGroup(name: "techniques[]", id: "techniques", legend: "Techniques used",
                                          options: Technique.allCases.map { ($0.rawValue, $0.label) }, selected: techniques),
                  FormViews.textField(name: "scoresOfTheDay", label: "Measure scores of the day", value: fields["scoresOfTheDay"], error: errors["scoresOfTheDay"],
                                      required: false, maxLength: SessionNoteContent.textLimit),
                  FormViews.radioGroup(name: "riskCheck", legend: "Risk check", options: RiskCheck.allCases.map { ($0.rawValue, $0.label) },
                                       selected: fields["riskCheck"], error: errors["riskCheck"]),
                  FormViews.textArea(name: "riskDetail", label: "Risk: what was said and done", value: fields["riskDetail"], error: errors["riskDetail"],
                                     maxLength: SessionNoteContent.textLimit, rows: 3, required: false),
                  .if(amendment, FormViews.textArea(name: "reason", label: "Why the note is being amended", value: fields["reason"], error: errors["reason"],
                                                    maxLength: 1_000, rows: 3)),
                  .div(.class("button-row"),
                       .if(!amendment, .button(.class("button secondary"), .type(.submit), .name("action"), .value("save"), .text("Save draft"))),
                       .button(.class("button"), .type(.submit), .name("action"), .value("sign"), .text(amendment ? "Sign the amendment" : "Sign the note"))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? title : "Please check: \(title)", content: content, status: status)
    }

    /// Reads the note form (the button pressed says whether to sign); the session number must be
    /// within the contract.
    private func read(_ request: Request, state: CourseState) throws -> (fields: [String: String], techniques: [String], signing: Bool,
                                                                        result: Result<(Int, SessionNoteContent), FormRejection>) {
        let (fields, lists) = try request.formBody()
        let forSigning = fields["action"] == "sign"
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

    func create(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let state = try await CourseState.load(context, on: request.db)
        guard let contract = state.contract else { throw Abort(.unprocessableEntity, reason: "Agree the treatment contract before writing notes.") }
        let (fields, techniques, signing, result) = try read(request, state: state)
        switch result {
        case .failure(let rejection):
            return try await renderForm(request, context: context, state: state, action: "\(context.base)/notes", fields: fields, techniques: Set(techniques),
                                        errors: rejection.errors, title: "New session note", status: .unprocessableEntity)
        case .success(let (session, content)):
            guard let author = try await StaffUser.find(context.staff.id, on: request.db) else { throw Abort(.forbidden) }
            let note = SessionNoteRow()
            note.id = UUID()
            note.$client.id = context.clientID
            note.$author.id = context.staff.id
            note.sessionNumber = session
            note.phase = CourseProgress.phase(ofSession: session, agreedSessions: contract.agreedSessions, settings: context.settings.course).rawValue
            try store(content, in: note, keyRing: request.services.keyRing)
            note.status = signing ? (Self.needsCosignature(author: author, settings: context.settings) ? NoteStatus.awaitingCosignature : .final)
                : NoteStatus.draft
            note.signedAt = signing ? request.now : nil
            note.createdAt = request.now
            note.updatedAt = request.now
            try await note.create(on: request.db)
            try await request.audit(.create, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString, detail: note.status.rawValue)
            try await RiskAlerts.record(note: note, content: content, actor: (context.staff.id.uuidString, context.staff.auditLabel), request: request)
            return request.redirect(to: "\(context.base)/notes/\(note.id!.uuidString)?done=\(signing ? "signed" : "saved")")
        }
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        let content = try Self.content(of: note, keyRing: request.services.keyRing)
        try await request.audit(.view, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString)
        let comment = try request.services.keyRing.openOptional(note.reviewCommentSealed, SessionNoteRow.commentContext(note.id!, client: note.$client.id))
        if note.status.isEditable && note.$author.id == context.staff.id {
            let state = try await CourseState.load(context, on: request.db)
            var fields = Self.fields(of: content)
            fields["sessionNumber"] = String(note.sessionNumber)
            return try await renderForm(request, context: context, state: state, action: "\(context.base)/notes/\(note.id!.uuidString)", fields: fields,
                                        techniques: Set(content.techniques.map(\.rawValue)), errors: FieldErrors(),
                                        title: "Session \(note.sessionNumber) note (\(note.status.label.lowercased()))",
                                        comment: note.status == .returned ? comment : nil)
        }
        return try await renderReadOnly(request, context: context, note: note, content: content, comment: comment)
    }

    /// The note's sections; with `replacedBy`, the sections an amendment changed are marked, so the
    /// original shows exactly what was struck and nothing else.
    private func describe(_ content: SessionNoteContent, phase: Phase, replacedBy amendment: SessionNoteContent? = nil) -> Node<HTML.BodyContext> {
        let values = Self.fields(of: content)
        let newer = amendment.map(Self.fields(of:))
        func cell(_ key: String, _ text: String) -> Node<HTML.DescriptionListContext> {
            let changed = newer.map { $0[key] != values[key] } ?? false
            return .dd(.class(changed ? "changed" : ""), .if(changed, .span(.class("visually-hidden"), .text("Struck out by an amendment: "))), .text(text))
        }
        let techniques = content.techniques.isEmpty ? "None recorded" : content.techniques.map(\.label).joined(separator: ", ")
        let techniquesChanged = amendment.map { $0.techniques != content.techniques } ?? false
        return .dl(.class("details note"),
                   .group(SessionNoteContent.headings(for: phase).map { heading in
                       .group(.dt(.text(heading.label)), cell(heading.key, values[heading.key].flatMap { $0.isEmpty ? nil : $0 } ?? "Not written"))
                   }),
                   .dt(.text("Techniques")), .dd(.class(techniquesChanged ? "changed" : ""), .text(techniques)),
                   .dt(.text("Scores of the day")), cell("scoresOfTheDay", content.scoresOfTheDay.isEmpty ? "None" : content.scoresOfTheDay),
                   .dt(.text("Risk check")), cell("riskCheck", (content.riskCheck?.label ?? "Not recorded") + (content.riskDetail.isEmpty ? "" : ". \(content.riskDetail)")))
    }

    private func renderReadOnly(_ request: Request, context: ChartContext, note: SessionNoteRow, content: SessionNoteContent, comment: String?) async throws -> Response {
        let keyRing = request.services.keyRing
        let phase = Phase(rawValue: note.phase) ?? .middle
        let amendments = try await SessionNoteRow.query(on: request.db).filter(\.$amends.$id == note.id!).sort(\.$createdAt).with(\.$author).all()
        let cosigner = try await StaffUser.find(optional: note.$cosignedBy.id, on: request.db)
        let supervisorID = note.author.$supervisor.id
        let mayReview = (try? NoteWorkflow.review(status: note.status, author: note.$author.id, authorsSupervisor: supervisorID, by: context.actor).get()) != nil
        let mayAmend = (try? NoteWorkflow.amend(status: note.status, author: note.$author.id, authorsSupervisor: supervisorID, by: context.actor).get()) != nil
            && note.$amends.id == nil
        var amendmentNodes: [Node<HTML.BodyContext>] = []
        var latestAmendment: SessionNoteContent?
        for amendment in amendments {
            let reason = try keyRing.openOptional(amendment.amendmentReasonSealed, SessionNoteRow.reasonContext(amendment.id!, client: amendment.$client.id)) ?? ""
            amendmentNodes.append(.section(.class("amendment"),
                .h3(.text("Amendment by \(amendment.author.name), \(amendment.signedAt.map { DateDisplay.when($0, zone: context.zone) } ?? "") (\(amendment.status.label.lowercased()))")),
                .p(.strong(.text("Reason: ")), .text(reason)),
                describe(try Self.content(of: amendment, keyRing: keyRing), phase: phase)))
            latestAmendment = try Self.content(of: amendment, keyRing: keyRing)
        }
        let page: Node<HTML.BodyContext> = .group(
            ChartViews.header(context, current: "notes", title: "Session \(note.sessionNumber) note: \(context.client.name)"),
            ChartViews.notice(request),
            .p(.class("lede"), .text("\(phase.label). Written by \(note.author.name)."),
               .unwrap(note.signedAt) { .text(" Signed \(DateDisplay.when($0, zone: context.zone))") },
               .if(note.status != .final, .text(" (\(note.status.label.lowercased()))")),
               .unwrap(cosigner) { person in .text(", co-signed by \(person.name)\(note.cosignedAt.map { " " + DateDisplay.when($0, zone: context.zone) } ?? "")") },
               .text(".")),
            .if(note.status == .awaitingCosignature, .p(.class("notice warning"), .text("Not final: this note waits for the supervisor's co-signature."))),
            .div(.class(amendments.isEmpty ? "" : "original-and-amendments"),
                 .section(.class(amendments.isEmpty ? "" : "original"),
                          .if(!amendments.isEmpty, .h2(.text("Original, as signed"))),
                          describe(content, phase: phase, replacedBy: latestAmendment)),
                 .group(amendmentNodes)),
            .unwrap(comment) { .div(.class("notice"), .h2(.text("Supervisor's comments")), .p(.text($0))) },
            .if(mayAmend, .p(.a(.class("button secondary"), .href("\(context.base)/notes/\(note.id!.uuidString)/amend"), .text("Amend this note")))),
            .if(mayReview, .section(.class("review"),
                .h2(.text("Supervision")),
                .form(.method(.post), .action("\(context.base)/notes/\(note.id!.uuidString)/cosign"), .class("form"),
                      FormViews.csrf(request.csrfToken),
                      FormViews.radioGroup(name: "onFocus", legend: "Fidelity: was the session on the focus? (optional)",
                                           options: [("yes", "Yes"), ("no", "No")], selected: nil, error: nil),
                      FormViews.radioGroup(name: "tasksDone", legend: "Fidelity: were the phase's tasks done? (optional)",
                                           options: [("yes", "Yes"), ("no", "No")], selected: nil, error: nil),
                      .button(.class("button"), .type(.submit), .text("Co-sign"))),
                .form(.method(.post), .action("\(context.base)/notes/\(note.id!.uuidString)/return"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textArea(name: "comment", label: "Or return it with comments", value: nil, error: nil, maxLength: 4_000, rows: 3),
                      .button(.class("button secondary"), .type(.submit), .text("Return to the student")))))
        )
        return try await ChartViews.page(request, title: "Session note", content: page)
    }

    func update(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        let state = try await CourseState.load(context, on: request.db)
        if case .failure(let violation) = NoteWorkflow.edit(status: note.status, author: note.$author.id, by: context.actor) {
            throw Abort(violation == .locked ? .conflict : .forbidden, reason: violation.description)
        }
        let (fields, techniques, signing, result) = try read(request, state: state)
        switch result {
        case .failure(let rejection):
            return try await renderForm(request, context: context, state: state, action: "\(context.base)/notes/\(note.id!.uuidString)", fields: fields,
                                        techniques: Set(techniques), errors: rejection.errors, title: "Session note", status: .unprocessableEntity)
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
            try await request.audit(.update, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString, detail: newStatus.rawValue)
            try await RiskAlerts.record(note: note, content: content, actor: (context.staff.id.uuidString, context.staff.auditLabel), request: request)
            return request.redirect(to: "\(context.base)/notes/\(id.uuidString)?done=\(signing ? "signed" : "saved")")
        }
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
        return request.redirect(to: "/staff/supervision?done=cosigned")
    }

    func returnNote(_ request: Request) async throws -> Response {
        let context = try await request.chart()
        let note = try await noteRow(request, context)
        let (fields, _) = try request.formBody()
        switch NoteWorkflow.returnNote(status: note.status, author: note.$author.id, authorsSupervisor: note.author.$supervisor.id, by: context.actor,
                                       comment: fields["comment"]) {
        case .failure(let violation):
            throw Abort(violation == .commentRequired ? .unprocessableEntity : violation == .notAwaiting ? .conflict : .forbidden, reason: violation.description)
        case .success(let status):
            guard TextRules.length(fields["comment"]) <= 4_000 else { throw Abort(.unprocessableEntity, reason: "Keep the comments under 4,000 characters.") }
            let comment = try request.services.keyRing.seal(TextRules.clean(fields["comment"]) ?? "", SessionNoteRow.commentContext(note.id!, client: note.$client.id))
            let returned = try await request.db.updateWhileStatus(SessionNoteRow.schema, id: try note.requireID(), statusIn: [NoteStatus.awaitingCosignature], set: [
                ("status", status.rawValue), ("review_comment_sealed", comment), ("updated_at", request.now),
            ])
            guard returned else { throw Abort(.conflict, reason: NoteRuleViolation.notAwaiting.description) }
            try await request.audit(.update, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString, detail: "returned")
            return request.redirect(to: "/staff/supervision?done=returned")
        }
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
        try await request.audit(.view, recordType: "session-note", recordID: note.id?.uuidString, subject: context.clientID.uuidString)
        return try await renderForm(request, context: context, state: state, action: "\(context.base)/notes/\(note.id!.uuidString)/amend", fields: fields,
                                    techniques: Set(try Self.content(of: note, keyRing: request.services.keyRing).techniques.map(\.rawValue)),
                                    errors: FieldErrors(), title: "Amend the session \(note.sessionNumber) note", amendment: true)
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
            return try await renderForm(request, context: context, state: state, action: "\(context.base)/notes/\(note.id!.uuidString)/amend", fields: typed,
                                        techniques: Set(lists["techniques"] ?? []), errors: errors, title: "Amend the session \(note.sessionNumber) note",
                                        amendment: true, status: .unprocessableEntity)
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
        return request.redirect(to: "\(context.base)/notes/\(note.id!.uuidString)?done=amended")
    }
}
