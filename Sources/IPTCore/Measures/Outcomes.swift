import Foundation

// The clinic's outcomes: what its ended courses achieved, aggregated from the very ChangeMetrics
// that each client's chart shows, so one client's chart and the clinic's report cannot disagree.

/// Whether the treating clinician is registered or a practicum student (the reduced-rate clinic).
public enum ClinicianTier: String, CaseIterable, Codable, Sendable {
    case registered
    case practicum

    public var label: String { self == .registered ? "Registered clinicians" : "Practicum students" }
}

/// How a course ended, as the report counts it.
public enum CourseEnding: String, CaseIterable, Codable, Sendable {
    /// The contract's sessions were held, or the client and clinician agreed to end.
    case completed
    /// Dropout, as the clinic's rule defines it.
    case endedEarly = "ended-early"
    /// Referred on, or another reason that is neither.
    case endedOtherwise = "ended-otherwise"

    public var label: String {
        switch self {
        case .completed: "Completed"
        case .endedEarly: "Ended early (dropout)"
        case .endedOtherwise: "Ended another way (referred on or other)"
        }
    }
}

/// How the clinic defines dropout (a setting: services count it differently).
public enum DropoutRule: Sendable, Equatable {
    /// The clinician recorded on the discharge summary that the client ended early.
    case recordedByClinician
    /// Any course not completed that held fewer than this many sessions, whatever was recorded
    /// (NHS Talking Therapies-style: an unplanned end before enough sessions to count as treatment).
    case fewerSessionsThan(Int)

    public var storedKind: String {
        switch self {
        case .recordedByClinician: "recorded"
        case .fewerSessionsThan: "sessions"
        }
    }

    public init(storedKind: String?, sessions: Int?) {
        if storedKind == "sessions", let sessions, sessions > 0 { self = .fewerSessionsThan(sessions) } else { self = .recordedByClinician }
    }

    public var explanation: String {
        switch self {
        case .recordedByClinician:
            "A course counts as ended early when the clinician recorded on the discharge summary that the client ended early."
        case let .fewerSessionsThan(sessions):
            "A course counts as ended early when it was not completed and held fewer than \(sessions) sessions, whatever reason was recorded."
        }
    }

    /// Completed: the reason says so, or the contract's sessions were all held. Otherwise the rule
    /// decides between ended early and ended another way.
    public func classify(recordedReason: String?, sessionsAttended: Int, agreedSessions: Int) -> CourseEnding {
        if recordedReason == "completed" || (agreedSessions > 0 && sessionsAttended >= agreedSessions) { return .completed }
        switch self {
        case .recordedByClinician:
            return recordedReason == "ended-early" ? .endedEarly : .endedOtherwise
        case let .fewerSessionsThan(sessions):
            return sessionsAttended < sessions ? .endedEarly : .endedOtherwise
        }
    }
}

/// One ended course, as plain values the report needs; nothing that names the client.
public struct EndedCourse: Sendable, Equatable {
    public var programme: Programme
    public var focusAreas: [FocusArea]
    public var tier: ClinicianTier
    /// The treating clinician's name (broken down for the director only).
    public var clinician: String
    public var sessionsAttended: Int
    /// Attended sessions with a completed questionnaire on the course's measure.
    public var sessionsWithMeasure: Int
    public var agreedSessions: Int
    public var instrument: Instrument
    /// The first score of the course, and the last one before it ended (nil with only one score).
    public var baseline: Int?
    public var end: Int?
    public var ending: CourseEnding

    /// The anxiety measure (GAD-7) over the same course, first and last score; nil where it was not
    /// scored (then the paired figures fall back to the depression measure alone).
    public var anxietyInstrument: Instrument
    public var anxietyBaseline: Int?
    public var anxietyEnd: Int?

    public init(programme: Programme, focusAreas: [FocusArea], tier: ClinicianTier, clinician: String, sessionsAttended: Int, sessionsWithMeasure: Int,
                agreedSessions: Int, instrument: Instrument, baseline: Int?, end: Int?, ending: CourseEnding,
                anxietyInstrument: Instrument = .gad7, anxietyBaseline: Int? = nil, anxietyEnd: Int? = nil) {
        self.programme = programme
        self.focusAreas = focusAreas
        self.tier = tier
        self.clinician = clinician
        self.sessionsAttended = sessionsAttended
        self.sessionsWithMeasure = sessionsWithMeasure
        self.agreedSessions = agreedSessions
        self.instrument = instrument
        self.baseline = baseline
        self.end = end
        self.ending = ending
        self.anxietyInstrument = anxietyInstrument
        self.anxietyBaseline = anxietyBaseline
        self.anxietyEnd = anxietyEnd
    }

    /// The same metrics the client's chart shows, or nil without both a first and an end score.
    public var change: ChangeMetrics? {
        guard let baseline, let end else { return nil }
        return ChangeMetrics(instrument: instrument, baseline: baseline, latest: end)
    }

    /// The change on the depression and anxiety measures together (NHS Talking Therapies), built by
    /// the same function the client's chart uses; nil without both depression scores.
    public var pairedChange: PairedChange? {
        guard let change else { return nil }
        let anxiety = anxietyBaseline.flatMap { first in anxietyEnd.map { ChangeMetrics(instrument: anxietyInstrument, baseline: first, latest: $0) } }
        return PairedChange(depression: change, anxiety: anxiety)
    }

    /// The first score was above the measure's caseness threshold.
    public var clinicalBaseline: Bool {
        guard let baseline else { return false }
        return instrument.change?.casenessAbove.map { baseline > $0 } ?? (baseline > 0)
    }
}

/// A share that respects the small-group rule: a count out of fewer than `OutcomeFigures.minimumGroup`
/// is never shown as a percentage.
public struct Share: Sendable, Equatable {
    public let count: Int
    public let of: Int

    public init(_ count: Int, of total: Int) {
        self.count = count
        self.of = total
    }

    public var isReportable: Bool { of >= OutcomeFigures.minimumGroup }
    /// Rounded to a whole percent; nil when too few to report.
    public var percent: Int? { isReportable ? Int((Double(count) * 100 / Double(of)).rounded()) : nil }
    public var text: String { percent.map { "\($0)%" } ?? OutcomeFigures.tooFew }
}

/// The figures of one group of ended courses.
public struct OutcomeFigures: Sendable, Equatable {
    /// Fewer courses than this are "too few to report": a percentage of three people can point at one.
    public static let minimumGroup = 5
    public static let tooFew = "too few to report"

    public let label: String
    public let courses: Int
    public let withBaseline: Share
    public let clinicalBaseline: Share
    public let withEndScore: Share
    /// Of the courses with a first score in the clinical range and an end score.
    public let response: Share
    /// Of courses with both depression scores.
    public let remission: Share
    /// The next two are of courses with both depression scores, judged on both measures where the
    /// anxiety measure was scored twice (`PairedChange`).
    public let reliableImprovement: Share
    public let reliableDeterioration: Share
    /// Of courses that were a case at the start on either measure, with both scores (NHS Talking Therapies).
    public let reliableRecovery: Share
    /// Courses whose paired figures used both measures, of those with both depression scores.
    public let bothMeasures: Share
    /// Baseline minus end (a fall is a positive number), with its sample standard deviation.
    public let meanDrop: Double?
    public let dropSpread: Double?
    public let sessionsMeasured: Share
    public let completed: Share
    public let endedEarly: Share

    /// Whether the group is large enough for any figure.
    public var isReportable: Bool { courses >= Self.minimumGroup }

    public init(label: String, courses group: [EndedCourse]) {
        self.label = label
        courses = group.count
        let n = group.count
        withBaseline = Share(group.filter { $0.baseline != nil }.count, of: n)
        clinicalBaseline = Share(group.filter(\.clinicalBaseline).count, of: n)
        let changes = group.compactMap(\.change)
        withEndScore = Share(changes.count, of: n)
        let clinical = changes.filter { $0.response != nil }
        response = Share(clinical.filter { $0.response == true }.count, of: clinical.count)
        remission = Share(changes.filter { $0.remission == true }.count, of: changes.filter { $0.remission != nil }.count)
        let paired = group.compactMap(\.pairedChange)
        reliableImprovement = Share(paired.filter(\.reliableImprovement).count, of: paired.count)
        reliableDeterioration = Share(paired.filter(\.reliableDeterioration).count, of: paired.count)
        let cases = paired.filter(\.caseAtStart)
        reliableRecovery = Share(cases.filter(\.reliableRecovery).count, of: cases.count)
        bothMeasures = Share(paired.filter { $0.basis == .bothMeasures }.count, of: paired.count)
        let drops = changes.map { Double($0.baseline - $0.latest) }
        if n >= Self.minimumGroup, drops.count >= Self.minimumGroup {
            let mean = drops.reduce(0, +) / Double(drops.count)
            meanDrop = mean
            dropSpread = (drops.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(drops.count - 1)).squareRoot()
        } else {
            meanDrop = nil
            dropSpread = nil
        }
        sessionsMeasured = Share(group.reduce(0) { $0 + min($1.sessionsWithMeasure, $1.sessionsAttended) }, of: group.reduce(0) { $0 + $1.sessionsAttended })
        completed = Share(group.filter { $0.ending == .completed }.count, of: n)
        endedEarly = Share(group.filter { $0.ending == .endedEarly }.count, of: n)
    }
}

/// The report for one programme: the whole, then its breakdowns.
public struct ProgrammeOutcomes: Sendable, Equatable {
    public let programme: Programme
    public let overall: OutcomeFigures
    public let byFocus: [OutcomeFigures]
    public let byTier: [OutcomeFigures]
    /// Empty unless the reader may see clinicians named (the director).
    public let byClinician: [OutcomeFigures]
    public let bySessions: [OutcomeFigures]
}

public enum OutcomesReport {
    /// The sessions-attended bands the report breaks courses into.
    public static let sessionBands: [(label: String, range: ClosedRange<Int>)] = [
        ("0 to 4 sessions", 0...4), ("5 to 8 sessions", 5...8), ("9 to 12 sessions", 9...12), ("13 to 16 sessions", 13...16), ("17 or more sessions", 17...Int.max),
    ]

    /// "Grief", or "Grief and role dispute" for a two-area formulation; "No focus recorded" without one.
    public static func focusLabel(_ areas: [FocusArea]) -> String {
        guard !areas.isEmpty else { return "No focus recorded" }
        let ordered = FocusArea.allCases.filter(areas.contains)
        return ordered.enumerated().map { $0.offset == 0 ? $0.element.label : $0.element.label.lowercased() }.joined(separator: " and ")
    }

    /// The adult and adolescent reports (maintenance courses have their own aims and are left out).
    public static func programmes(_ courses: [EndedCourse], namingClinicians: Bool) -> [ProgrammeOutcomes] {
        [Programme.adult, .adolescent].map { programme in
            let group = courses.filter { $0.programme == programme }
            let focusKeys = Dictionary(grouping: group) { focusLabel($0.focusAreas) }
            let focusOrder = FocusArea.allCases.map { focusLabel([$0]) }
            let byFocus = focusKeys.keys.sorted { lhs, rhs in
                let l = focusOrder.firstIndex(of: lhs) ?? focusOrder.count, r = focusOrder.firstIndex(of: rhs) ?? focusOrder.count
                return l == r ? lhs < rhs : l < r
            }.map { OutcomeFigures(label: $0, courses: focusKeys[$0] ?? []) }
            let byTier = ClinicianTier.allCases.map { tier in OutcomeFigures(label: tier.label, courses: group.filter { $0.tier == tier }) }
            let byClinician = namingClinicians
                ? Dictionary(grouping: group, by: \.clinician).sorted { $0.key < $1.key }.map { OutcomeFigures(label: $0.key, courses: $0.value) } : []
            let bySessions = sessionBands.map { band in OutcomeFigures(label: band.label, courses: group.filter { band.range.contains($0.sessionsAttended) }) }
            return ProgrammeOutcomes(programme: programme, overall: OutcomeFigures(label: programme.label, courses: group),
                                     byFocus: byFocus, byTier: byTier, byClinician: byClinician, bySessions: bySessions)
        }
    }

    /// The middle value (the mean of the two middle ones for an even count); nil when fewer than the
    /// small-group minimum, because a median of three waits describes three people.
    public static func median(_ values: [Double]) -> Double? {
        guard values.count >= OutcomeFigures.minimumGroup else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }
}
