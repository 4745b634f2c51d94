import Fluent
import Foundation
import IPTCore
import Vapor

/// FHIR R4 export of a client's questionnaires: each instrument as a Questionnaire (with its LOINC
/// code where one exists) and each set of answers as a QuestionnaireResponse, in a collection Bundle.
enum FHIRExport {
    static let answerSystem = "urn:iptclinic:answer-value"

    static func canonical(_ instrument: Instrument) -> String { "urn:iptclinic:questionnaire:\(instrument.code)" }

    static func questionnaire(_ instrument: Instrument) -> [String: Any] {
        var resource: [String: Any] = [
            "resourceType": "Questionnaire",
            "id": instrument.code,
            "url": canonical(instrument),
            "version": instrument.version,
            "name": instrument.code.filter { $0.isLetter || $0.isNumber }.uppercased(),
            "title": instrument.name,
            "status": "active",
            "description": instrument.instructions,
            "copyright": instrument.licence,
            "item": instrument.items.map { item -> [String: Any] in
                [
                    "linkId": item.id,
                    "text": item.text,
                    "type": "choice",
                    "required": !item.optional,
                    "answerOption": item.options.map { ["valueCoding": ["system": answerSystem, "code": String($0.value), "display": $0.label]] },
                ]
            } + [["linkId": "total", "text": "Total score", "type": "integer", "readOnly": true]],
        ]
        if let loinc = instrument.loinc {
            resource["code"] = [["system": "http://loinc.org", "code": loinc]]
        }
        return resource
    }

    static func response(_ opened: OpenedResponse, instrument: Instrument) -> [String: Any] {
        let (response, answers) = (opened.row, opened.answers)
        let formatter = ISO8601DateFormatter()
        var items: [[String: Any]] = instrument.items.compactMap { item in
            guard let value = answers[item.id], let option = item.options.first(where: { $0.value == value }) else { return nil }
            return ["linkId": item.id, "answer": [["valueCoding": ["system": answerSystem, "code": String(value), "display": option.label]]]]
        }
        if let total = opened.score?.total { items.append(["linkId": "total", "answer": [["valueInteger": total]]]) }
        return [
            "resourceType": "QuestionnaireResponse",
            "id": response.id?.uuidString.lowercased() ?? UUID().uuidString.lowercased(),
            "questionnaire": "\(canonical(instrument))|\(instrument.version)",
            "status": "completed",
            "subject": ["reference": "Patient/\(response.$client.id.uuidString.lowercased())"],
            "authored": formatter.string(from: response.completedAt ?? response.createdAt),
            "item": items,
        ]
    }

    static func bundle(responses: [OpenedResponse], instruments: InstrumentCatalogue, now: Date) throws -> Data {
        let used = instruments.all.filter { instrument in responses.contains { $0.row.instrumentCode == instrument.code } }
        var entries: [[String: Any]] = used.map { ["fullUrl": canonical($0), "resource": questionnaire($0)] }
        for opened in responses {
            guard let instrument = instruments.named(opened.row.instrumentCode) else { continue }
            let resource = response(opened, instrument: instrument)
            entries.append(["fullUrl": "urn:uuid:\(resource["id"] as? String ?? "")", "resource": resource])
        }
        let bundle: [String: Any] = ["resourceType": "Bundle", "type": "collection", "timestamp": ISO8601DateFormatter().string(from: now), "entry": entries]
        return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys, .prettyPrinted])
    }
}

extension ProgressController {
    /// The same records as the progress page, as a FHIR R4 Bundle for another system (or the client).
    func fhir(_ request: Request) async throws -> Response {
        // The same check as every page of the chart, the director's reason included.
        let id = try await request.chart().clientID
        let rows = try await MeasureResponse.query(on: request.db).filter(\.$client.$id == id).filter(\.$status == .completed).sort(\.$completedAt).all()
        let ring = request.services.keyRing
        let withAnswers = try rows.map { try OpenedResponse($0, keyRing: ring) }
        try await request.audit(.export, recordType: "fhir-bundle", recordID: id.uuidString, subject: id.uuidString, detail: "responses=\(rows.count)")
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "fhir+json", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"questionnaires.fhir.json\"")
        return Response(status: .ok, headers: headers, body: .init(data: try FHIRExport.bundle(responses: withAnswers, instruments: request.services.instruments, now: request.now)))
    }
}
