import Foundation

/// A questionnaire as data: items, answers, how it is scored, its severity bands and which answers
/// are a risk signal. The PHQ-9, GAD-7 and PHQ-A ship built in (free to reproduce); a clinic that
/// holds a licence for another instrument loads its definition from JSON.
public struct Instrument: Codable, Sendable, Equatable {
    public struct Option: Codable, Sendable, Equatable {
        public let value: Int
        public let label: String

        public init(_ value: Int, _ label: String) {
            self.value = value
            self.label = label
        }
    }

    public struct Item: Codable, Sendable, Equatable {
        public let id: String
        public let text: String
        public let options: [Option]
        /// Counted in the total. The PHQ-9's difficulty question and the PHQ-A's yes/no questions are not.
        public let scored: Bool
        /// An answer of at least this value is a risk signal (PHQ-9 item 9: 1, "several days").
        public let riskAtOrAbove: Int?
        /// Answering it is optional (it is reported if left out, but the total does not need it).
        public let optional: Bool
        /// What a risk answer to this item means; absent (a clinic's older definition) is `.current`.
        public let riskKind: RiskKind?

        public init(id: String, text: String, options: [Option], scored: Bool = true, riskAtOrAbove: Int? = nil, optional: Bool = false,
                    riskKind: RiskKind? = nil) {
            self.id = id
            self.text = text
            self.options = options
            self.scored = scored
            self.riskAtOrAbove = riskAtOrAbove
            self.optional = optional
            self.riskKind = riskKind
        }
    }

    /// A current risk answer ("thoughts in the past two weeks", "in the past month") alerts the
    /// clinician every time it is given. A history answer ("ever attempted") describes the past: it is
    /// recorded once as a standing flag on the chart, because an alert with a 24-hour escalation at
    /// every administration would bury the alerts that are about now.
    public enum RiskKind: String, Codable, Sendable {
        case current
        case history
    }

    public struct Band: Codable, Sendable, Equatable {
        public let lower: Int
        public let upper: Int
        public let label: String

        public init(_ lower: Int, _ upper: Int, _ label: String) {
            self.lower = lower
            self.upper = upper
            self.label = label
        }
    }

    /// The conventions for change over a course (CLINICAL.md section 5).
    public struct ChangeCriteria: Codable, Sendable, Equatable {
        /// Remission when the score falls below this (PHQ-9: 5).
        public let remissionBelow: Int?
        /// Reliable improvement when the score drops by at least this (PHQ-9: 6, GAD-7: 4).
        public let reliableDrop: Int?
        /// A "case" when the score is above this (PHQ-9: 9, GAD-7: 7).
        public let casenessAbove: Int?
        /// The reliability (r) the Reliable Change Index uses, and where it comes from.
        public let reliability: Double?
        public let reliabilitySource: String?

        public init(remissionBelow: Int?, reliableDrop: Int?, casenessAbove: Int?, reliability: Double? = nil, reliabilitySource: String? = nil) {
            self.remissionBelow = remissionBelow
            self.reliableDrop = reliableDrop
            self.casenessAbove = casenessAbove
            self.reliability = reliability
            self.reliabilitySource = reliabilitySource
        }
    }

    public let code: String
    public let name: String
    public let version: String
    public let instructions: String
    public let items: [Item]
    public let bands: [Band]
    public let change: ChangeCriteria?
    /// LOINC code of the panel, where one exists.
    public let loinc: String?
    public let licence: String

    public init(code: String, name: String, version: String, instructions: String, items: [Item], bands: [Band],
                change: ChangeCriteria?, loinc: String?, licence: String) {
        self.code = code
        self.name = name
        self.version = version
        self.instructions = instructions
        self.items = items
        self.bands = bands
        self.change = change
        self.loinc = loinc
        self.licence = licence
    }

    public var maximumScore: Int {
        items.filter(\.scored).reduce(0) { $0 + ($1.options.map(\.value).max() ?? 0) }
    }

    public func band(for total: Int) -> Band? {
        bands.first { (($0.lower)...($0.upper)).contains(total) }
    }

    /// Why a definition cannot be used, or nil when it can.
    public var definitionProblems: [String] {
        var problems: [String] = []
        if code.isEmpty || name.isEmpty { problems.append("The instrument needs a code and a name.") }
        if items.isEmpty { problems.append("The instrument has no items.") }
        if Set(items.map(\.id)).count != items.count { problems.append("Two items share an id.") }
        for item in items where item.options.isEmpty || Set(item.options.map(\.value)).count != item.options.count {
            problems.append("Item \(item.id) needs answer options with distinct values.")
        }
        // The bands must cover every possible total exactly once.
        let covered = bands.flatMap { Array($0.lower...max($0.lower, $0.upper)) }
        if bands.contains(where: { $0.lower > $0.upper }) || covered.sorted() != Array(0...maximumScore) {
            problems.append("The bands must cover every total from 0 to \(maximumScore) exactly once.")
        }
        return problems
    }

    /// A clinic's own instrument from its JSON definition; refused with the reasons when it is unusable.
    public static func load(json: Data) throws -> Instrument {
        struct Unusable: Error, CustomStringConvertible { let description: String }
        let instrument: Instrument
        do {
            instrument = try JSONDecoder().decode(Instrument.self, from: json)
        } catch {
            throw Unusable(description: "The definition is not valid JSON of the expected shape.")
        }
        let problems = instrument.definitionProblems
        guard problems.isEmpty else { throw Unusable(description: problems.joined(separator: " ")) }
        return instrument
    }
}

/// The result of scoring one set of answers.
public struct InstrumentScore: Sendable, Equatable {
    public let total: Int
    public let band: Instrument.Band
    /// Items whose answer reached their risk threshold (a trigger for the safety workflow).
    public let riskItems: [String]
    /// Optional items left without an answer.
    public let unansweredOptional: [String]
}

public enum ScoringProblem: Error, Sendable, Equatable {
    /// Items that must be answered and were not; a missing item is never counted as 0.
    case missing([String])
    /// An answer to an item the instrument does not have.
    case unknownItem(String)
    /// A value that is not one of the item's options.
    case notAnOption(item: String, value: Int)
}

/// The risk answers among some answers, sorted by what they mean. Works on any subset of the items,
/// so a draft or a form sent with questions left blank is checked like a complete one.
public struct RiskSignals: Sendable, Equatable {
    /// Items whose answer calls for an alert now.
    public let current: [String]
    /// Items whose answer records a standing history flag.
    public let history: [String]

    public var isEmpty: Bool { current.isEmpty && history.isEmpty }

    public init(current: [String], history: [String]) {
        self.current = current
        self.history = history
    }
}

extension Instrument {
    /// The risk answers among `answers`, whatever else is missing. Answers to unknown items or with
    /// values that are not options are ignored here (the form refuses them separately).
    public func riskSignals(in answers: [String: Int]) -> RiskSignals {
        var current: [String] = [], history: [String] = []
        for item in items {
            guard let threshold = item.riskAtOrAbove, let value = answers[item.id], value >= threshold,
                  item.options.contains(where: { $0.value == value }) else { continue }
            if item.riskKind == .history { history.append(item.id) } else { current.append(item.id) }
        }
        return RiskSignals(current: current, history: history)
    }

    /// Required items without an answer, in the instrument's order.
    public func missingItems(in answers: [String: Int]) -> [String] {
        items.filter { !$0.optional && answers[$0.id] == nil }.map(\.id)
    }

    /// Scores a complete set of answers (item id to option value).
    public func score(_ answers: [String: Int]) -> Result<InstrumentScore, ScoringProblem> {
        let known = Set(items.map(\.id))
        if let unknown = answers.keys.sorted().first(where: { !known.contains($0) }) { return .failure(.unknownItem(unknown)) }
        for item in items {
            if let value = answers[item.id], !item.options.contains(where: { $0.value == value }) {
                return .failure(.notAnOption(item: item.id, value: value))
            }
        }
        let missing = missingItems(in: answers)
        guard missing.isEmpty else { return .failure(.missing(missing)) }
        let total = items.filter(\.scored).reduce(0) { $0 + (answers[$1.id] ?? 0) }
        guard let band = band(for: total) else { return .failure(.missing([])) }
        let signals = riskSignals(in: answers)
        return .success(InstrumentScore(total: total, band: band, riskItems: signals.current + signals.history,
                                        unansweredOptional: items.filter { $0.optional && answers[$0.id] == nil }.map(\.id)))
    }
}
