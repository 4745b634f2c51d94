import Foundation

/// Life events a new client can tick in the pre-therapy self-assessment (CLINICAL.md section 1).
public enum LifeEventKind: String, CaseIterable, Codable, Sendable {
    case deathInFamily = "death-in-family"
    case jobLoss = "job-loss"
    case newJob = "new-job"
    case divorce
    case relationshipBreakdown = "relationship-breakdown"
    case pregnancy
    case miscarriage
    case movingHome = "moving-home"
    case startingSchool = "starting-school"
    case illness
    case retirement
    case infertility
    case becomingCaregiver = "becoming-caregiver"
    case immigration
    case ongoingConflict = "ongoing-conflict"
    case other

    public var label: String {
        switch self {
        case .deathInFamily: "A death in the family or of someone close"
        case .jobLoss: "Losing a job"
        case .newJob: "Starting a new job"
        case .divorce: "Divorce or separation"
        case .relationshipBreakdown: "The end of a relationship"
        case .pregnancy: "Pregnancy or a new baby"
        case .miscarriage: "Miscarriage"
        case .movingHome: "Moving home"
        case .startingSchool: "Starting school, college or university"
        case .illness: "An illness or injury"
        case .retirement: "Retirement"
        case .infertility: "Infertility"
        case .becomingCaregiver: "Becoming a caregiver"
        case .immigration: "Moving to a new country"
        case .ongoingConflict: "An ongoing disagreement with someone close"
        case .other: "Something else"
        }
    }
}

/// The IPT focus areas (CLINICAL.md section 3).
public enum FocusArea: String, CaseIterable, Codable, Sendable {
    case grief
    case roleDispute = "role-dispute"
    case roleTransition = "role-transition"
    case interpersonalSensitivity = "interpersonal-sensitivity"

    public var label: String {
        switch self {
        case .grief: "Grief"
        case .roleDispute: "Role dispute"
        case .roleTransition: "Role transition"
        case .interpersonalSensitivity: "Interpersonal sensitivity"
        }
    }
}

/// One event as the client described it: roughly when (month) and how much it affected them (0 to 3).
public struct ReportedLifeEvent: Sendable, Equatable {
    public let kind: LifeEventKind
    public let month: LocalDate
    public let impact: Int

    public init(kind: LifeEventKind, month: LocalDate, impact: Int) {
        self.kind = kind
        self.month = month
        self.impact = impact
    }
}

/// A suggested focus with the reasons for it, for discussion with the client. It is never applied by
/// itself: the clinician chooses the focus with the client.
public struct FocusSuggestion: Sendable, Equatable {
    public let area: FocusArea
    public let reasons: [String]
    /// How strongly the answers point this way; for ordering only.
    public let weight: Int
}

public enum FocusSuggester {
    /// Events this many days before the onset of low mood, or up to 60 days after it, count as close to it.
    public static let windowBefore = 365
    public static let windowAfter = 60

    static func area(for kind: LifeEventKind) -> FocusArea? {
        switch kind {
        // Infertility is a loss (of a hoped-for child and future), mourned like the others here.
        case .deathInFamily, .miscarriage, .infertility: .grief
        case .ongoingConflict: .roleDispute
        case .jobLoss, .newJob, .divorce, .relationshipBreakdown, .pregnancy, .movingHome, .startingSchool, .illness, .retirement,
             .becomingCaregiver, .immigration: .roleTransition
        case .other: nil
        }
    }

    static func describe(_ event: ReportedLifeEvent, onset: LocalDate?) -> String {
        guard let onset else { return "\(event.kind.label) (no onset was given, so its timing cannot be compared)" }
        let days = onset.daysSinceEpoch - event.month.daysSinceEpoch
        let months = Int((Double(abs(days)) / 30.4).rounded())
        let when: String
        if months == 0 {
            when = "around the time low mood began"
        } else if days > 0 {
            when = "about \(months) month\(months == 1 ? "" : "s") before low mood began"
        } else {
            when = "about \(months) month\(months == 1 ? "" : "s") after low mood began"
        }
        return "\(event.kind.label) \(when)"
    }

    /// Suggestions, strongest first. `onset` is when low mood or stress began; `longStanding` says the
    /// client describes difficulties with relationships going back years.
    public static func suggest(events: [ReportedLifeEvent], onset: LocalDate?, longStanding: Bool) -> [FocusSuggestion] {
        var reasons: [FocusArea: [String]] = [:]
        var weights: [FocusArea: Int] = [:]
        var anyClose = false
        for event in events {
            guard let area = area(for: event.kind), event.impact > 0 else { continue }
            var weight = event.impact
            if let onset {
                let days = onset.daysSinceEpoch - event.month.daysSinceEpoch
                guard days <= windowBefore, days >= -windowAfter else { continue }
                anyClose = true
                // The closer to the onset, the stronger the link.
                weight += days <= 90 ? 3 : (days <= 180 ? 2 : 1)
            }
            reasons[area, default: []].append("\(describe(event, onset: onset)) -> \(area.label.lowercased())")
            weights[area, default: 0] += weight
        }
        if longStanding && (!anyClose || onset == nil) {
            reasons[.interpersonalSensitivity, default: []].append(
                "No life event close to the onset, and long-standing difficulties in relationships -> interpersonal sensitivity")
            weights[.interpersonalSensitivity, default: 0] += 4
        } else if longStanding {
            reasons[.interpersonalSensitivity, default: []].append(
                "Long-standing difficulties in relationships -> interpersonal sensitivity (to weigh against the events)")
            weights[.interpersonalSensitivity, default: 0] += 1
        }
        return FocusArea.allCases.compactMap { area in
            reasons[area].map { FocusSuggestion(area: area, reasons: $0, weight: weights[area] ?? 0) }
        }.sorted { $0.weight == $1.weight ? $0.area.rawValue < $1.area.rawValue : $0.weight > $1.weight }
    }
}
