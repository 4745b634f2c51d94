import Foundation

/// The pre-therapy self-assessment (CLINICAL.md section 1): distress by life area, a few questions
/// to reflect on, the life events of the past year or two, and when low mood or stress began.
public struct SelfAssessment: Codable, Sendable, Equatable {
    public enum Area: String, CaseIterable, Codable, Sendable {
        case work, home, family, romantic, friendships, school, health

        public var label: String {
            switch self {
            case .work: "Work"
            case .home: "Home"
            case .family: "Family"
            case .romantic: "Romantic life"
            case .friendships: "Friendships"
            case .school: "School or studies"
            case .health: "Health"
            }
        }
    }

    public static let distressScale: [(value: Int, label: String)] = [
        (0, "None"), (1, "A little"), (2, "Some"), (3, "A lot"), (4, "A great deal"),
    ]
    public static let impactScale: [(value: Int, label: String)] = [(1, "A little"), (2, "Quite a lot"), (3, "Very much")]

    public enum Course: String, CaseIterable, Codable, Sendable {
        case constant, comesAndGoes = "comes-and-goes", keepsComingBack = "keeps-coming-back", notSure = "not-sure"

        public var label: String {
            switch self {
            case .constant: "It has been there most of the time"
            case .comesAndGoes: "It comes and goes"
            case .keepsComingBack: "It has gone away before and come back"
            case .notSure: "I am not sure"
            }
        }
    }

    public struct Event: Codable, Sendable, Equatable {
        public let kind: LifeEventKind
        /// The first of the month it happened.
        public let month: LocalDate
        public let impact: Int
        public let note: String?
    }

    public var distress: [Area: Int]
    public var moodSituations: String?
    public var course: Course?
    public var relatesToLoss: String?
    public var onset: LocalDate?
    public var longStanding: Bool
    public var events: [Event]

    /// What the clinician's summary lines up: each event with how long before (negative: after) the onset.
    public var suggestions: [FocusSuggestion] {
        FocusSuggester.suggest(events: events.map { ReportedLifeEvent(kind: $0.kind, month: $0.month, impact: $0.impact) },
                               onset: onset, longStanding: longStanding)
    }

    public enum Limits {
        public static let text = 2_000
        public static let note = 200
    }

    /// "2026-07" (as a month input sends it) to the first of that month.
    /// Months before 1900 are refused: nobody's life events are that old, and the charts draw
    /// whole months around each date.
    public static func month(_ text: String?) -> LocalDate? {
        guard let text = TextRules.clean(text), text.count == 7, let date = LocalDate(iso: text + "-01"), date.year >= 1900 else { return nil }
        return date
    }

    /// Checks the form: every rating a value of the scale, every ticked event with a month (not in
    /// the future) and how much it affected them, texts within their limits.
    public static func validate(fields: [String: String], today: LocalDate) -> Result<SelfAssessment, FormRejection> {
        var errors = FieldErrors()
        var distress: [Area: Int] = [:]
        for area in Area.allCases {
            guard let text = fields["distress-\(area.rawValue)"], !text.isEmpty else { continue }
            if let value = Int(text), (0...4).contains(value) { distress[area] = value } else {
                errors.add("distress-\(area.rawValue)", "Choose one of the answers for \(area.label.lowercased()).")
            }
        }
        func text(_ name: String, limit: Int, label: String) -> String? {
            guard let value = TextRules.clean(fields[name]) else { return nil }
            if TextRules.length(fields[name]) > limit || TextRules.hasControlCharacters(value, allowLineBreaks: true) {
                errors.add(name, "\(label) must be \(limit) characters or fewer, in plain text.")
                return nil
            }
            return value
        }
        let situations = text("moodSituations", limit: Limits.text, label: "This answer")
        let loss = text("relatesToLoss", limit: Limits.text, label: "This answer")
        let course = fields["course"].flatMap { $0.isEmpty ? nil : $0 }.map { Course(rawValue: $0) }
        if case .some(.none) = course { errors.add("course", "Choose one of the answers given.") }
        var onset: LocalDate?
        if let raw = TextRules.clean(fields["onset"]) {
            if let month = month(raw), month <= today { onset = month } else {
                errors.add("onset", "Give the month as year and month, for example 2026-05, and not in the future.")
            }
        }
        var events: [Event] = []
        for kind in LifeEventKind.allCases where fields["event-\(kind.rawValue)"] == "yes" {
            let month = month(fields["event-\(kind.rawValue)-month"])
            let impact = fields["event-\(kind.rawValue)-impact"].flatMap(Int.init)
            if month == nil || month! > today {
                errors.add("event-\(kind.rawValue)-month", "\(kind.label): give roughly when, as year and month (for example 2026-05).")
            }
            if impact == nil || !(1...3).contains(impact!) {
                errors.add("event-\(kind.rawValue)-impact", "\(kind.label): say how much it affected you.")
            }
            let note = text("event-\(kind.rawValue)-note", limit: Limits.note, label: "The note")
            if let month, let impact, month <= today, (1...3).contains(impact) {
                events.append(Event(kind: kind, month: month, impact: impact, note: note))
            }
        }
        guard errors.isEmpty else { return .failure(FormRejection(errors: errors)) }
        return .success(SelfAssessment(distress: distress, moodSituations: situations, course: course ?? nil, relatesToLoss: loss,
                                       onset: onset, longStanding: fields["longStanding"] == "yes", events: events))
    }
}
