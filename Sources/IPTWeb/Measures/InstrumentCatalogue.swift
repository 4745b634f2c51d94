import Foundation
import IPTCore

/// The questionnaires this clinic uses: the built-in PHQ-9, GAD-7 and PHQ-A, and any licensed
/// instrument the clinic adds as a JSON definition in `<data directory>/instruments/`. A definition
/// that cannot be used stops the start with its reasons, rather than failing when a client answers.
struct InstrumentCatalogue: Sendable {
    let all: [Instrument]

    static let builtInOnly = InstrumentCatalogue(all: Instrument.builtIn)

    func named(_ code: String) -> Instrument? { all.first { $0.code == code } }

    struct DefinitionError: Error, CustomStringConvertible {
        let description: String
    }

    static func load(dataDirectory: String) throws -> InstrumentCatalogue {
        let folder = URL(fileURLWithPath: dataDirectory).appendingPathComponent("instruments")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return .builtInOnly }
        var all = Instrument.builtIn
        for name in names.sorted() where name.hasSuffix(".json") {
            let instrument: Instrument
            do {
                instrument = try Instrument.load(json: try Data(contentsOf: folder.appendingPathComponent(name)))
            } catch {
                throw DefinitionError(description: "The questionnaire definition \(name) cannot be used: \(error)")
            }
            guard !all.contains(where: { $0.code == instrument.code }) else {
                throw DefinitionError(description: "The questionnaire definition \(name) uses the code \(instrument.code), which another instrument already has.")
            }
            all.append(instrument)
        }
        return InstrumentCatalogue(all: all)
    }
}
