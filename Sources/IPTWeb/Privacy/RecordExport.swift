import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// A client's whole record as the right of access gives it: profile, appointments, consents,
/// answers and scores, the clinical notes the clinic releases, corrections and statements of
/// disagreement, and who has opened the record. Rendered as a printable page and as a FHIR R4 Bundle.
struct RecordExport {
    struct Note {
        let row: SessionNoteRow
        let content: SessionNoteContent
        let amendments: [(row: SessionNoteRow, content: SessionNoteContent, reason: String)]
    }

    struct Correction {
        let request: RecordRequest
        let details: String
        let response: String?
    }

    let client: ClientRecord
    let appointments: [Appointment]
    let clinicianNames: [UUID: String]
    let consents: [(row: ConsentRecord, typedName: String)]
    let responses: [OpenedResponse]
    let includesNotes: Bool
    let formulation: (row: FormulationRow, text: String)?
    let notes: [Note]
    let discharge: DischargeController.Content?
    let corrections: [Correction]
    let accessLog: [AuditEvent]
    let instruments: InstrumentCatalogue

    /// `asOf`: for a copy released to the client, only clinical writing signed by the time of release,
    /// so what the clinic reviewed is what the client reads; nil (staff) for everything now.
    static func load(clientID: UUID, includeNotes: Bool, keyRing: KeyRing, instruments: InstrumentCatalogue, asOf: Date? = nil,
                     on db: any Database) async throws -> RecordExport {
        let cutoff = asOf ?? .distantFuture
        guard let client = try await ClientRecord.find(clientID, on: db) else { throw Abort(.notFound) }
        let appointments = try await Appointment.query(on: db).filter(\.$client.$id == clientID).sort(\.$startsAt).all()
        let staff = try await StaffUser.query(on: db).all()
        let names = Dictionary(staff.compactMap { user in user.id.map { ($0, user.name) } }, uniquingKeysWith: { first, _ in first })
        let consents = try await ConsentRecord.query(on: db).filter(\.$client.$id == clientID).sort(\.$signedAt).all()
            .map { (row: $0, typedName: try $0.typedName(keyRing)) }
        let rows = try await MeasureResponse.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == .completed).sort(\.$completedAt).all()
        let responses = try rows.map { try OpenedResponse($0, keyRing: keyRing) }
        var formulation: (FormulationRow, String)?
        var notes: [Note] = []
        var discharge: DischargeController.Content?
        if includeNotes {
            if let latest = try await FormulationRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$createdAt <= cutoff)
                .sort(\.$version, .descending).first() {
                formulation = (latest, try keyRing.open(latest.textSealed, FormulationRow.textContext(latest.id!, client: latest.$client.id)))
            }
            let all = try await SessionNoteRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == NoteStatus.final)
                .filter(\.$signedAt <= cutoff).sort(\.$sessionNumber).sort(\.$createdAt).all()
            for original in all where original.$amends.id == nil {
                let amendments = try all.filter { $0.$amends.id == original.id }.map { row in
                    (row, try NotesController.content(of: row, keyRing: keyRing),
                     try keyRing.openOptional(row.amendmentReasonSealed, SessionNoteRow.reasonContext(row.id!, client: row.$client.id)) ?? "")
                }
                notes.append(Note(row: original, content: try NotesController.content(of: original, keyRing: keyRing), amendments: amendments))
            }
            if let summary = try await DischargeSummaryRow.query(on: db).filter(\.$client.$id == clientID).filter(\.$status == .final)
                .filter(\.$signedAt <= cutoff).first() {
                let json = try keyRing.open(summary.contentSealed, DischargeSummaryRow.contentContext(summary.id!, client: summary.$client.id))
                discharge = try JSONDecoder().decode(DischargeController.Content.self, from: Data(json.utf8))
            }
        }
        let corrections = try await RecordRequest.query(on: db).filter(\.$client.$id == clientID)
            .filter(\.$kind == RecordRequest.Kind.correction).sort(\.$requestedAt).all().map { request in
                Correction(request: request, details: try keyRing.open(request.detailsSealed, RecordRequest.detailsContext(request.id!, client: request.$client.id)),
                           response: try keyRing.openOptional(request.responseSealed, RecordRequest.responseContext(request.id!, client: request.$client.id)))
            }
        let log = try await AuditEvent.query(on: db).filter(\.$subject == clientID.uuidString).sort(\.$sequence).all()
        return RecordExport(client: client, appointments: appointments, clinicianNames: names, consents: consents, responses: responses,
                            includesNotes: includeNotes, formulation: formulation, notes: notes, discharge: discharge, corrections: corrections,
                            accessLog: log, instruments: instruments)
    }

    // MARK: The readable copy

    func html(zone: ClinicTimeZone, clinicName: String, now: Date) -> Node<HTML.BodyContext> {
        func day(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        func when(_ date: Date) -> String { "\(DateDisplay.shortDay(zone.localDate(of: date))), \(DateDisplay.time(date, zone: zone))" }
        return .article(
            .class("record-export"),
            .h1(.text("Health record: \(client.name)")),
            .p(.class("lede"), .text("A copy of the record \(clinicName) keeps about you, made on \(day(now)).")),
            .h2(.text("About you")),
            .dl(.class("details"),
                .dt(.text("Name")), .dd(.text(client.name)),
                .dt(.text("Date of birth")), .dd(.text(client.dateOfBirth)),
                .dt(.text("Email")), .dd(.text(client.email)),
                .dt(.text("Phone")), .dd(.text(client.phone)),
                .dt(.text("Programme")), .dd(.text(Programme(rawValue: client.programme)?.label ?? client.programme)),
                .unwrap(client.guardianName) { .group(.dt(.text("Parent or guardian")), .dd(.text([$0, client.guardianEmail, client.guardianPhone].compactMap { $0 }.joined(separator: ", ")))) }),
            .h2(.text("Appointments")),
            .if(appointments.isEmpty, .p(.text("None."))),
            .ul(.forEach(appointments) { appointment in
                .li(.text("\(when(appointment.startsAt)) with \(clinicianNames[appointment.$staff.id] ?? "a clinician"): \(appointment.status.label)"))
            }),
            .h2(.text("Consents")),
            .if(consents.isEmpty, .p(.text("None."))),
            .ul(.forEach(consents) { consent, typedName in
                .li(.text("\(consent.kind.title), version \(consent.version), signed as \"\(typedName)\" on \(day(consent.signedAt))"))
            }),
            .h2(.text("Questionnaires")),
            .if(responses.isEmpty, .p(.text("None."))),
            .forEach(responses) { opened in
                let (row, answers) = (opened.row, opened.answers)
                let instrument = instruments.named(row.instrumentCode)
                return .section(.class("record-item"),
                    .h3(.text("\(instrument?.name ?? row.instrumentCode), \(row.completedAt.map(day) ?? "")")),
                    .p(.text("Score \(opened.score.map { "\($0.total) (\($0.band))" } ?? "not scored")")),
                    .unwrap(instrument) { instrument in
                        .ul(.forEach(instrument.items.filter { answers[$0.id] != nil }) { item in
                            .li(.text("\(item.text): \(item.options.first { $0.value == answers[item.id] }?.label ?? "")"))
                        })
                    })
            },
            .if(includesNotes, .group(
                .h2(.text("Treatment")),
                .unwrap(formulation) { formulation in
                    .group(.h3(.text("Formulation (focus: \(formulation.row.focusAreas.map(\.label).joined(separator: " and ")))")), .p(.text(formulation.text)))
                },
                .h3(.text("Session notes")),
                .if(notes.isEmpty, .p(.text("None signed."))),
                .forEach(notes) { note in
                    .section(.class("record-item"),
                        .h4(.text("Session \(note.row.sessionNumber), \(note.row.signedAt.map(day) ?? "")")),
                        .div(.class(note.amendments.isEmpty ? "" : "original"), Self.noteText(note.content, replacedBy: note.amendments.last?.content)),
                        .forEach(note.amendments) { amendment in
                            .div(.class("amendment"), .p(.strong(.text("Amended \(amendment.row.signedAt.map(day) ?? ""): ")), .text(amendment.reason)),
                                 Self.noteText(amendment.content))
                        })
                },
                .unwrap(discharge) { summary in
                    .group(.h3(.text("Discharge summary")), .p(.text(summary.summary)), .p(.strong(.text("Relapse plan: ")), .text(summary.relapsePlan)))
                })),
            .if(!includesNotes, .p(.class("hint"), .text("Clinical notes are not part of this copy. Ask the clinic if you would like them."))),
            .h2(.text("Corrections you asked for")),
            .if(corrections.isEmpty, .p(.text("None."))),
            .forEach(corrections) { correction in
                .section(.class("record-item"),
                    .h3(.text("Asked on \(day(correction.request.requestedAt)): \(Self.statusLabel(correction.request.status))")),
                    .p(.strong(.text("What you asked: ")), .text(correction.details)),
                    .unwrap(correction.response.flatMap(CorrectionAnswer.decode)) { answer in
                        answer.after != nil
                            ? .p(.class("correction"), .strong(.text("Corrected: ")), .element(named: "del", nodes: [.text(answer.before ?? "")]),
                                 .text(" "), .element(named: "ins", nodes: [.text(answer.after ?? "")]))
                            : .group(.p(.strong(.text("Refused: ")), .text(answer.reason ?? "")),
                                     .unwrap(answer.statement) { .p(.class("statement"), .strong(.text("Statement of disagreement: ")), .text($0)) })
                    })
            },
            .h2(.text("Who has opened this record")),
            .p(.class("hint"), .text("Every time someone at the clinic viewed, changed or exported part of your record.")),
            TableViews.scrollable(captionID: "access-log", .table(
                .class("data-table"),
                .caption(.id("access-log"), .text("Openings, oldest first")),
                .thead(.tr(.th(.text("When")), .th(.text("Who")), .th(.text("What")))),
                .tbody(.forEach(accessLog) { event in
                    .tr(.td(.text(when(event.occurredAt))), .td(.text(event.actorLabel)), .td(.text("\(event.action) \(event.recordType)")))
                })))
        )
    }

    static func statusLabel(_ status: RecordRequest.Status) -> String {
        switch status {
        case .open: "waiting for an answer"
        case .provided: "provided"
        case .accepted: "accepted"
        case .refused: "refused"
        }
    }

    static func sections(_ content: SessionNoteContent) -> [(String, String)] {
        [("Mood", content.mood), ("Events", content.interpersonalEvents), ("Work on the focus", content.focusWork), ("Plan", content.plan)]
    }

    /// A note's sections; with `replacedBy`, those an amendment changed are struck through (and said
    /// to be, for screen readers), the rest left as they are.
    static func noteText(_ content: SessionNoteContent, replacedBy amendment: SessionNoteContent? = nil) -> Node<HTML.BodyContext> {
        let newer = amendment.map { Dictionary(sections($0), uniquingKeysWith: { first, _ in first }) }
        let parts = sections(content).filter { !$0.1.isEmpty }
        return .dl(.class("details"), .forEach(parts) { part in
            let changed = newer.map { $0[part.0] != part.1 } ?? false
            return .group(.dt(.text(part.0)), .dd(.class(changed ? "changed" : ""),
                                                  .if(changed, .span(.class("visually-hidden"), .text("Struck out by an amendment: "))), .text(part.1)))
        })
    }

    // MARK: FHIR R4

    func fhirBundle(now: Date, zone: ClinicTimeZone) throws -> Data {
        let iso = ISO8601DateFormatter()
        let patientID = client.id!.uuidString.lowercased()
        let patientRef = ["reference": "Patient/\(patientID)"]
        var entries: [[String: Any]] = []
        func add(_ resource: [String: Any]) {
            entries.append(["fullUrl": "urn:uuid:\(resource["id"] as? String ?? UUID().uuidString.lowercased())", "resource": resource])
        }
        var patient: [String: Any] = ["resourceType": "Patient", "id": patientID, "name": [["text": client.name]],
                                      "telecom": [["system": "email", "value": client.email], ["system": "phone", "value": client.phone]]]
        if LocalDate(iso: client.dateOfBirth) != nil { patient["birthDate"] = client.dateOfBirth }
        if let guardian = client.guardianName {
            patient["contact"] = [["relationship": [["text": "Parent or guardian"]], "name": ["text": guardian]]]
        }
        add(patient)
        for appointment in appointments {
            let status: String = switch appointment.status {
            case .attended: "fulfilled"
            case .noShow: "noshow"
            case .cancelled, .lateCancelled, .expired, .declined: "cancelled"
            case .held, .requested, .offered: "pending"
            default: "booked"
            }
            add(["resourceType": "Appointment", "id": appointment.id!.uuidString.lowercased(), "status": status,
                 "start": iso.string(from: appointment.startsAt), "end": iso.string(from: appointment.endsAt),
                 "participant": [["actor": patientRef, "status": "accepted"],
                                 ["actor": ["display": clinicianNames[appointment.$staff.id] ?? "Clinician"], "status": "accepted"]]])
        }
        for (consent, typedName) in consents {
            add(["resourceType": "Consent", "id": consent.id!.uuidString.lowercased(), "status": "active",
                 "scope": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": consent.kind == .privacy ? "patient-privacy" : "treatment"]]],
                 "category": [["coding": [["system": "http://loinc.org", "code": "59284-0"]], "text": consent.kind.title]],
                 "patient": patientRef, "dateTime": iso.string(from: consent.signedAt),
                 "policy": [["uri": "urn:iptclinic:consent:\(consent.kind):\(consent.version)"]],
                 "sourceAttachment": ["title": "Signed as \(typedName); wording SHA-256 \(consent.textSHA256)"]])
        }
        let used = instruments.all.filter { instrument in responses.contains { $0.row.instrumentCode == instrument.code } }
        for instrument in used { entries.append(["fullUrl": FHIRExport.canonical(instrument), "resource": FHIRExport.questionnaire(instrument)]) }
        for opened in responses {
            guard let instrument = instruments.named(opened.row.instrumentCode) else { continue }
            add(FHIRExport.response(opened, instrument: instrument))
        }
        func document(id: UUID, title: String, text: String, date: Date?, replaces: UUID? = nil) {
            var resource: [String: Any] = ["resourceType": "DocumentReference", "id": id.uuidString.lowercased(), "status": "current",
                                           "type": ["text": title], "subject": patientRef, "description": title,
                                           "content": [["attachment": ["contentType": "text/plain; charset=utf-8", "title": title,
                                                                       "data": Data(text.utf8).base64EncodedString()]]]]
            if let date { resource["date"] = iso.string(from: date) }
            if let replaces { resource["relatesTo"] = [["code": "appends", "target": ["reference": "DocumentReference/\(replaces.uuidString.lowercased())"]]] }
            add(resource)
        }
        func text(_ content: SessionNoteContent) -> String {
            Self.sections(content).filter { !$0.1.isEmpty }.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        }
        if let formulation { document(id: formulation.row.id!, title: "Formulation", text: formulation.text, date: formulation.row.createdAt) }
        for note in notes {
            document(id: note.row.id!, title: "Session \(note.row.sessionNumber) note", text: text(note.content), date: note.row.signedAt)
            for amendment in note.amendments {
                document(id: amendment.row.id!, title: "Amendment to the session \(note.row.sessionNumber) note",
                         text: "Reason: \(amendment.reason)\n" + text(amendment.content), date: amendment.row.signedAt, replaces: note.row.id)
            }
        }
        if let discharge {
            document(id: UUID(), title: "Discharge summary", text: "\(discharge.summary)\nRelapse plan: \(discharge.relapsePlan)", date: nil)
        }
        for correction in corrections {
            document(id: correction.request.id!, title: "Correction request (\(Self.statusLabel(correction.request.status)))",
                     text: correction.details + (correction.response.map { "\nAnswer: " + (CorrectionAnswer.decode($0)?.summary ?? $0) } ?? ""),
                     date: correction.request.requestedAt)
        }
        for event in accessLog {
            add(["resourceType": "AuditEvent", "id": event.id!.uuidString.lowercased(),
                 "type": ["system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"],
                 "action": Self.fhirAction(event.action), "recorded": iso.string(from: event.occurredAt),
                 "agent": [["who": ["display": event.actorLabel], "requestor": true]],
                 "source": ["observer": ["display": "iptclinic"]],
                 "entity": [["what": patientRef, "description": event.recordType]]])
        }
        let bundle: [String: Any] = ["resourceType": "Bundle", "type": "collection", "timestamp": iso.string(from: now), "entry": entries]
        return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys, .prettyPrinted])
    }

    static func fhirAction(_ action: String) -> String {
        switch AuditAction(rawValue: action) {
        case .create: "C"
        case .update: "U"
        case .export, .send: "E"
        default: "R"
        }
    }

    /// The copy as a file download of FHIR JSON, never cached.
    func fhirResponse(now: Date, zone: ClinicTimeZone) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "fhir+json", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"health-record.fhir.json\"")
        return Response(status: .ok, headers: headers, body: .init(data: try fhirBundle(now: now, zone: zone)))
    }
}
