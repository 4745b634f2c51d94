import Foundation

/// One important person in the client's life, with the inventory's questions (CLINICAL.md section 4).
public struct InventoryEntry: Codable, Sendable, Equatable {
    public var name: String
    public var relationship: String
    /// 1 is the innermost circle (closest), 3 the outermost.
    public var closeness: Int
    public var contact: String
    public var activities: String
    public var satisfying: String
    public var unsatisfying: String
    public var clientExpectations: String
    public var otherExpectations: String
    public var expectationsMet: String
    public var canTalkAbout: String
    public var cannotTalkAbout: String
    public var conflicts: String
    public var changesAtOnset: String
    public var wishedChanges: String

    public static let closenessLevels: [(value: Int, label: String)] = [
        (1, "Inner circle: closest"), (2, "Middle circle: close"), (3, "Outer circle: important but less close"),
    ]

    public static let expectationAnswers: [(value: String, label: String)] = [("met", "Met"), ("partly", "Partly met"), ("not-met", "Not met")]

    /// The free-text questions, in the order the form asks them.
    public static let questions: [(key: String, label: String)] = [
        ("contact", "How often they are in touch"),
        ("activities", "What they do together"),
        ("satisfying", "What is satisfying about the relationship"),
        ("unsatisfying", "What is unsatisfying"),
        ("clientExpectations", "What the client expects of them"),
        ("otherExpectations", "What they expect of the client"),
        ("canTalkAbout", "What can be talked about"),
        ("cannotTalkAbout", "What cannot be talked about"),
        ("conflicts", "Conflicts, and how they end"),
        ("changesAtOnset", "What changed around the time the symptoms began"),
        ("wishedChanges", "What the client would like to change"),
    ]

    public static let nameLimit = 80
    public static let textLimit = 2_000

    public static func validate(fields: [String: String]) -> Result<InventoryEntry, FormRejection> {
        var errors = FieldErrors()
        let name = TextRules.clean(fields["name"])
        if name == nil { errors.add("name", "Enter a name or a description (for example: older sister).") }
        if TextRules.length(fields["name"]) > nameLimit { errors.add("name", "Keep the name under \(nameLimit) characters.") }
        let relationship = TextRules.clean(fields["relationship"])
        if relationship == nil { errors.add("relationship", "Say who they are to the client.") }
        if TextRules.length(fields["relationship"]) > nameLimit { errors.add("relationship", "Keep this under \(nameLimit) characters.") }
        let closeness = fields["closeness"].flatMap { Int($0) }.flatMap { (1...3).contains($0) ? $0 : nil }
        if closeness == nil { errors.add("closeness", "Choose how close they are.") }
        let met = TextRules.clean(fields["expectationsMet"]) ?? ""
        if !met.isEmpty && !expectationAnswers.contains(where: { $0.value == met }) { errors.add("expectationsMet", "Choose one of the listed answers.") }
        var answers: [String: String] = [:]
        for question in questions {
            if TextRules.length(fields[question.key]) > textLimit { errors.add(question.key, "Keep this under \(textLimit) characters.") }
            answers[question.key] = TextRules.clean(fields[question.key]) ?? ""
        }
        guard errors.isEmpty, let name, let relationship, let closeness else { return .failure(FormRejection(errors: errors)) }
        return .success(InventoryEntry(
            name: name, relationship: relationship, closeness: closeness, contact: answers["contact"]!, activities: answers["activities"]!,
            satisfying: answers["satisfying"]!, unsatisfying: answers["unsatisfying"]!, clientExpectations: answers["clientExpectations"]!,
            otherExpectations: answers["otherExpectations"]!, expectationsMet: met, canTalkAbout: answers["canTalkAbout"]!,
            cannotTalkAbout: answers["cannotTalkAbout"]!, conflicts: answers["conflicts"]!, changesAtOnset: answers["changesAtOnset"]!,
            wishedChanges: answers["wishedChanges"]!))
    }

    public func answer(_ key: String) -> String {
        switch key {
        case "contact": contact
        case "activities": activities
        case "satisfying": satisfying
        case "unsatisfying": unsatisfying
        case "clientExpectations": clientExpectations
        case "otherExpectations": otherExpectations
        case "canTalkAbout": canTalkAbout
        case "cannotTalkAbout": cannotTalkAbout
        case "conflicts": conflicts
        case "changesAtOnset": changesAtOnset
        case "wishedChanges": wishedChanges
        default: ""
        }
    }
}

/// Places people on the closeness circle: the client at the centre, each person on the ring of
/// their level, spread evenly around it so no two labels sit on top of each other.
public enum ClosenessCircleLayout {
    public struct Placement: Sendable, Equatable {
        public let index: Int
        public let x: Double
        public let y: Double
    }

    /// Ring radii as fractions of the outer radius: level n sits midway in its band.
    public static func radius(ofLevel level: Int, outer: Double) -> Double {
        outer * (Double(level) - 0.5) / 3
    }

    /// `levels[i]` is the level of person i; the result keeps that order.
    public static func place(levels: [Int], centre: Double, outer: Double) -> [Placement] {
        var result: [Placement] = []
        for level in 1...3 {
            let onRing = levels.enumerated().filter { $0.element == level }.map(\.offset)
            // Each ring starts at a different angle so people on neighbouring rings do not line up.
            let start = -Double.pi / 2 + Double(level - 1) * 0.45
            for (position, index) in onRing.enumerated() {
                let angle = start + 2 * Double.pi * Double(position) / Double(max(onRing.count, 1))
                let r = radius(ofLevel: level, outer: outer)
                result.append(Placement(index: index, x: centre + r * cos(angle), y: centre + r * sin(angle)))
            }
        }
        return result.sorted { $0.index < $1.index }
    }

    /// The level a point dropped on the circle falls in (dragging), or nil outside the circle.
    public static func level(atX x: Double, y: Double, centre: Double, outer: Double) -> Int? {
        let distance = ((x - centre) * (x - centre) + (y - centre) * (y - centre)).squareRoot()
        guard distance <= outer else { return nil }
        return min(Int(distance / (outer / 3)) + 1, 3)
    }
}

/// Supervision hours for a practicum student or RP(Qualifying) (CLINICAL.md section 7): the college
/// expects about one hour of supervision for every 4.5 hours with clients, towards 450 and 100.
public struct SupervisionTotals: Sendable, Equatable {
    public static let directHoursPerSupervisionHour = 4.5
    public static let directHoursGoal = 450.0
    public static let supervisionHoursGoal = 100.0

    public let directMinutes: Int
    public let supervisionMinutes: Int

    public init(directMinutes: Int, supervisionMinutes: Int) {
        self.directMinutes = directMinutes
        self.supervisionMinutes = supervisionMinutes
    }

    public var directHours: Double { Double(directMinutes) / 60 }
    public var supervisionHours: Double { Double(supervisionMinutes) / 60 }

    /// Direct hours per supervision hour; nil before any supervision.
    public var directPerSupervisionHour: Double? { supervisionMinutes == 0 ? nil : Double(directMinutes) / Double(supervisionMinutes) }

    public var meetsRatio: Bool { Double(directMinutes) <= Double(supervisionMinutes) * Self.directHoursPerSupervisionHour }

    /// Supervision minutes still owed to bring the ratio back to 1 to 4.5.
    public var supervisionMinutesOwed: Int {
        max(Int((Double(directMinutes) / Self.directHoursPerSupervisionHour).rounded(.up)) - supervisionMinutes, 0)
    }

    public var directProgress: Double { min(directHours / Self.directHoursGoal, 1) }
    public var supervisionProgress: Double { min(supervisionHours / Self.supervisionHoursGoal, 1) }
}
