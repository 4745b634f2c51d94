import Fluent
import Foundation
import SQLKit
import IPTCore
import IPTPages
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
    let accessLog: [AuditQueries.Line]
    let instruments: InstrumentCatalogue
    /// Safety alerts and the follow-up recorded when each was closed (with the clinical writing).
    var safety: [(alert: RiskAlert, followUp: String?)] = []

    /// `asOf`: for a copy released to the client, only clinical writing signed by the time of release,
    /// so what the clinic reviewed is what the client reads; nil (staff) for everything now.
    static func load(clientID: UUID, includeNotes: Bool, keyRing: KeyRing, instruments: InstrumentCatalogue, asOf: Date? = nil,
                     on db: any Database) async throws -> RecordExport {
        let cutoff = asOf ?? .distantFuture
        guard let client = try await ClientRecord.find(clientID, on: db) else { throw Abort(.notFound) }
        let appointments = try await Appointment.query(on: db).filter(\.$client.$id == clientID).sort(\.$startsAt).all()
        // Only the names of the client's clinicians, as plain rows: every staff member as a model
        // was a sixth of the export at a large clinic's 200 staff.
        let clinicianIDs = Array(Set(appointments.map { $0.$staff.id }))
        let names = clinicianIDs.isEmpty ? [:] : Dictionary(try await RowReader.all("""
            SELECT id, name FROM \(ident: StaffUser.schema) WHERE id IN (\(binds: clinicianIDs))
            """, on: db).map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String.self)) },
            uniquingKeysWith: { first, _ in first })
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
        let log = try await AuditQueries.events(aboutClient: clientID, on: db)
        var export = RecordExport(client: client, appointments: appointments, clinicianNames: names, consents: consents, responses: responses,
                                  includesNotes: includeNotes, formulation: formulation, notes: notes, discharge: discharge, corrections: corrections,
                                  accessLog: log, instruments: instruments)
        if includeNotes {
            export.safety = try await RiskAlert.query(on: db).filter(\.$client.$id == clientID).filter(\.$createdAt <= cutoff).sort(\.$createdAt).all()
                .map { alert in
                    let closed = alert.closedAt.map { $0 <= cutoff } ?? false
                    return (alert, closed ? try keyRing.openOptional(alert.followUpSealed, RiskAlert.followUpContext(alert.id!, client: alert.$client.id)) : nil)
                }
        }
        return export
    }

    // MARK: The readable copy

    /// The copy as RecordCopyPage shows it, every date in the clinic's zone.
    func copy(zone: ClinicTimeZone, clinicName: String, now: Date) -> RecordCopyPage.Record {
        func day(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        func when(_ date: Date) -> String { "\(DateDisplay.shortDay(zone.localDate(of: date))), \(DateDisplay.time(date, zone: zone))" }
        var about: [RecordCopyPage.Detail] = [
            .init(label: "Name", value: client.name), .init(label: "Date of birth", value: client.dateOfBirth),
            .init(label: "Email", value: client.email), .init(label: "Phone", value: client.phone),
            .init(label: "Programme", value: Programme(rawValue: client.programme)?.label ?? client.programme),
        ]
        if let guardian = client.guardianName {
            about.append(.init(label: "Parent or guardian", value: [guardian, client.guardianEmail, client.guardianPhone].compactMap { $0 }.joined(separator: ", ")))
        }
        var copy = RecordCopyPage.Record(
            clientName: client.name, clinicName: clinicName, madeOn: day(now), about: about,
            appointments: appointments.map { "\(when($0.startsAt)) with \(clinicianNames[$0.$staff.id] ?? "a clinician"): \($0.status.label)" },
            consents: consents.map { consent, typedName in
                "\(consent.kind.title), version \(consent.version), signed as \"\(typedName)\" on \(day(consent.signedAt))"
            },
            questionnaires: responses.map { opened in
                let (row, answers) = (opened.row, opened.answers)
                let instrument = instruments.named(row.instrumentCode)
                return .init(heading: "\(instrument?.name ?? row.instrumentCode), \(row.completedAt.map(day) ?? "")",
                             score: opened.score.map { "\($0.total) (\($0.band))" } ?? "not scored",
                             answers: instrument.map { instrument in
                                 instrument.items.filter { answers[$0.id] != nil }.map { item in
                                     "\(item.text): \(item.options.first { $0.value == answers[item.id] }?.label ?? "")"
                                 }
                             })
            },
            includesNotes: includesNotes,
            formulation: formulation.map { .init(label: "Formulation (focus: \($0.row.focusAreas.map(\.label).joined(separator: " and ")))", value: $0.text) },
            notes: notes.map { note in
                .init(heading: "Session \(note.row.sessionNumber), \(note.row.signedAt.map(day) ?? "")",
                      sections: Self.noteSections(note.content, replacedBy: note.amendments.last?.content),
                      amendments: note.amendments.map { .init(signed: $0.row.signedAt.map(day) ?? "", reason: $0.reason, sections: Self.noteSections($0.content)) })
            },
            discharge: discharge.map { .init(label: $0.summary, value: $0.relapsePlan) },
            corrections: corrections.map { correction in
                let answer: RecordCopyPage.Answer? = correction.response.flatMap(CorrectionAnswer.decode).map { answer in
                    answer.after.map { .corrected(before: answer.before ?? "", after: $0) } ?? .refused(reason: answer.reason ?? "", statement: answer.statement)
                }
                return .init(heading: "Asked on \(day(correction.request.requestedAt)): \(Self.statusLabel(correction.request.status))",
                             asked: correction.details, answer: answer)
            },
            openings: accessLog.map { .init(when: when($0.occurredAt), who: $0.actorLabel, what: "\($0.action) \($0.recordType)") })
        copy.safetyAlerts = safety.map { item in let (heading, text) = safetyText(item, zone: zone); return .init(label: heading, value: text) }
        copy.dischargeDetails = discharge.map { dischargeText($0).map { .init(label: $0.0, value: $0.1) } } ?? []
        return copy
    }

    static func statusLabel(_ status: RecordRequest.Status) -> String {
        switch status {
        case .open: "waiting for an answer"
        case .provided: "provided"
        case .accepted: "accepted"
        case .refused: "refused"
        }
    }

    /// Every part of a note the client has a right to read, the risk check included.
    static func sections(_ content: SessionNoteContent) -> [(String, String)] {
        [("Mood", content.mood), ("Events", content.interpersonalEvents), ("Work on the focus", content.focusWork),
         ("Techniques", content.techniques.map(\.label).joined(separator: ", ")), ("Scores of the day", content.scoresOfTheDay),
         ("Risk check", [content.riskCheck?.label, content.riskDetail.isEmpty ? nil : content.riskDetail].compactMap { $0 }.joined(separator: ". ")),
         ("Plan", content.plan)]
    }

    /// One safety alert as the copy and the FHIR document name it.
    func safetyText(_ item: (alert: RiskAlert, followUp: String?), zone: ClinicTimeZone) -> (heading: String, text: String) {
        let raisedBy = item.alert.source == .questionnaire ? "an answer to a questionnaire" : "a session note"
        let opened = "\(DateDisplay.day(zone.localDate(of: item.alert.createdAt))), \(DateDisplay.time(item.alert.createdAt, zone: zone))"
        let heading = "Safety alert of \(opened), raised by \(raisedBy)"
        let text = item.followUp.map { "Follow-up: \($0)" } ?? (item.alert.status == .open ? "Follow-up not yet recorded." : "Closed.")
        return (heading, text)
    }

    func dischargeText(_ discharge: DischargeController.Content) -> [(String, String)] {
        [("Reason for ending", DischargeContent.label(DischargeContent.endingReasons, discharge.endingReason)),
         ("Recommendation", DischargeContent.label(DischargeContent.maintenanceChoices, discharge.maintenance)),
         ("Referrals", discharge.referrals.isEmpty ? "None" : discharge.referrals)]
    }

    /// A note's non-empty sections; with `replacedBy`, those an amendment changed are marked.
    static func noteSections(_ content: SessionNoteContent, replacedBy amendment: SessionNoteContent? = nil) -> [RecordCopyPage.NoteSection] {
        let newer = amendment.map { Dictionary(sections($0), uniquingKeysWith: { first, _ in first }) }
        return sections(content).filter { !$0.1.isEmpty }.map { part in
            RecordCopyPage.NoteSection(label: part.0, text: part.1, changed: newer.map { $0[part.0] != part.1 } ?? false)
        }
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
            let rest = dischargeText(discharge).map { "\($0.0): \($0.1)" }.joined(separator: "\n")
            document(id: UUID(), title: "Discharge summary", text: "\(discharge.summary)\nRelapse plan: \(discharge.relapsePlan)\n" + rest, date: nil)
        }
        for item in safety {
            let (heading, body) = safetyText(item, zone: zone)
            document(id: item.alert.id!, title: heading, text: body, date: item.alert.createdAt)
        }
        for correction in corrections {
            document(id: correction.request.id!, title: "Correction request (\(Self.statusLabel(correction.request.status)))",
                     text: correction.details + (correction.response.map { "\nAnswer: " + (CorrectionAnswer.decode($0)?.summary ?? $0) } ?? ""),
                     date: correction.request.requestedAt)
        }
        for event in accessLog {
            add(["resourceType": "AuditEvent", "id": event.id.uuidString.lowercased(),
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
