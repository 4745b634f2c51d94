import Foundation

/// How a score changed from the first of a course to the latest, by the conventions in
/// CLINICAL.md section 5, each with the parameters it used so a reader can check it.
public struct ChangeMetrics: Sendable, Equatable {
    public struct ReliableChangeIndex: Sendable, Equatable {
        public let value: Double
        /// The standard deviation of baseline scores and the instrument's reliability that were used.
        public let standardDeviation: Double
        public let reliability: Double
        /// |RCI| > 1.96.
        public var isReliable: Bool { abs(value) > 1.96 }
    }

    public let baseline: Int
    public let latest: Int
    /// A drop of at least half the baseline score; nil when the baseline was not in the clinical range
    /// (above the caseness threshold), where halving a low score says little.
    public let response: Bool?
    /// Below the instrument's remission threshold (PHQ-9: under 5); nil when it has none.
    public let remission: Bool?
    /// A drop of at least the instrument's reliable-change amount (PHQ-9: 6, GAD-7: 4).
    public let reliableImprovement: Bool?
    /// A rise of at least that amount.
    public let reliableDeterioration: Bool?
    /// From above the caseness threshold to not.
    public let recovery: Bool?
    /// Above the caseness threshold at the first and at the latest score; nil when the measure has none.
    public let caseAtStart: Bool?
    public let caseAtEnd: Bool?
    public let rci: ReliableChangeIndex?

    /// Jacobson & Truax (1991): RCI = (x2 - x1) / (sqrt 2 * SD * sqrt(1 - r)). A fall in a symptom
    /// score gives a negative RCI.
    public static func reliableChangeIndex(from baseline: Int, to latest: Int, standardDeviation sd: Double, reliability r: Double) -> ReliableChangeIndex? {
        guard sd > 0, r >= 0, r < 1 else { return nil }
        let standardErrorOfDifference = 2.0.squareRoot() * sd * (1 - r).squareRoot()
        return ReliableChangeIndex(value: Double(latest - baseline) / standardErrorOfDifference, standardDeviation: sd, reliability: r)
    }

    /// How many first scores the clinic needs before their spread is a usable SD for the index.
    public static let minimumBaselines = 10

    /// The sample standard deviation of first scores (one per client), or nil with too few of them.
    public static func baselineStandardDeviation(_ firstScores: [Int]) -> Double? {
        guard firstScores.count >= minimumBaselines else { return nil }
        let values = firstScores.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return variance > 0 ? variance.squareRoot() : nil
    }

    public init(instrument: Instrument, baseline: Int, latest: Int, standardDeviation: Double? = nil, reliability: Double? = nil) {
        self.baseline = baseline
        self.latest = latest
        let drop = baseline - latest
        let criteria = instrument.change
        let clinicalBaseline = criteria?.casenessAbove.map { baseline > $0 } ?? (baseline > 0)
        response = clinicalBaseline ? drop * 2 >= baseline : nil
        remission = criteria?.remissionBelow.map { latest < $0 }
        reliableImprovement = criteria?.reliableDrop.map { drop >= $0 }
        reliableDeterioration = criteria?.reliableDrop.map { -drop >= $0 }
        recovery = criteria?.casenessAbove.map { baseline > $0 && latest <= $0 }
        caseAtStart = criteria?.casenessAbove.map { baseline > $0 }
        caseAtEnd = criteria?.casenessAbove.map { latest > $0 }
        if let standardDeviation, let reliability {
            rci = Self.reliableChangeIndex(from: baseline, to: latest, standardDeviation: standardDeviation, reliability: reliability)
        } else {
            rci = nil
        }
    }
}

extension ChangeMetrics {
    /// NHS Talking Therapies "reliable recovery" on this one measure: a reliable improvement that
    /// also ends at or below the caseness threshold, from a start above it.
    public var reliableRecovery: Bool { recovery == true && reliableImprovement == true }
}

/// Change over a course judged on the depression and the anxiety measure together, as NHS Talking
/// Therapies defines its outcomes (a PHQ-9 and a GAD-7, both scored at the first and the last
/// contact). Where the anxiety measure was not scored twice, every figure falls back to the
/// depression measure alone, and `basis` says so, so a reader can count how often that happened.
public struct PairedChange: Sendable, Equatable {
    public enum Basis: String, Sendable, Equatable {
        case bothMeasures = "both"
        case depressionOnly = "depression"
    }

    public let basis: Basis
    public let depression: ChangeMetrics
    /// nil on the depression-only basis.
    public let anxiety: ChangeMetrics?
    /// A case at the start on either measure (on the depression measure alone without the anxiety one).
    public let caseAtStart: Bool
    /// A case at the start, and below the caseness threshold of every measure used at the end.
    public let recovery: Bool
    /// A reliable drop on at least one measure and a reliable rise on neither.
    public let reliableImprovement: Bool
    /// A reliable rise on at least one measure and a reliable drop on neither: a course that improved
    /// on one measure and worsened on the other counts as neither improved nor deteriorated.
    public let reliableDeterioration: Bool

    /// Recovery that is also a reliable improvement: the headline figure NHS Talking Therapies reports.
    public var reliableRecovery: Bool { recovery && reliableImprovement }

    /// `anxiety` is the change on the anxiety measure over the same course, or nil when it was not
    /// scored at least twice.
    public init(depression: ChangeMetrics, anxiety: ChangeMetrics?) {
        self.depression = depression
        self.anxiety = anxiety
        let measures = [depression] + (anxiety.map { [$0] } ?? [])
        basis = anxiety == nil ? .depressionOnly : .bothMeasures
        caseAtStart = measures.contains { $0.caseAtStart == true }
        recovery = caseAtStart && measures.allSatisfy { $0.caseAtEnd == false }
        let improved = measures.contains { $0.reliableImprovement == true }
        let worsened = measures.contains { $0.reliableDeterioration == true }
        reliableImprovement = improved && !worsened
        reliableDeterioration = worsened && !improved
    }
}
