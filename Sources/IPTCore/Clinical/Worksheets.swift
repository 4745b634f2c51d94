import Foundation

/// The stage of a role dispute (CLINICAL.md section 3). It can change over a course.
public enum DisputeStage: String, CaseIterable, Codable, Sendable {
    case renegotiation
    case impasse
    case dissolution

    public var label: String {
        switch self {
        case .renegotiation: "Renegotiation (both still trying)"
        case .impasse: "Impasse (talk has stopped)"
        case .dissolution: "Dissolution (beyond repair)"
        }
    }
}

/// One saved version of a dispute's stage.
public struct StageRecord: Sendable, Equatable {
    public let date: LocalDate
    public let session: Int?
    public let stage: DisputeStage
    public init(date: LocalDate, session: Int?, stage: DisputeStage) {
        self.date = date
        self.session = session
        self.stage = stage
    }
}

public enum DisputeHistory {
    /// The changes of stage, oldest first: each version whose stage differs from the one before.
    /// Saving the worksheet again without changing the stage is not a change of stage.
    public static func changes(_ versions: [StageRecord]) -> [StageRecord] {
        var result: [StageRecord] = []
        for version in versions where result.last?.stage != version.stage {
            result.append(version)
        }
        return result
    }
}

/// A field of a focus-area worksheet.
public struct WorksheetField: Sendable {
    public enum Kind: Sendable {
        case text(rows: Int)
        case choice([(value: String, label: String)])
        case checklist([(value: String, label: String)])
    }
    public let key: String
    public let label: String
    public let hint: String?
    public let kind: Kind
    public let required: Bool

    init(_ key: String, _ label: String, hint: String? = nil, _ kind: Kind = .text(rows: 4), required: Bool = false) {
        self.key = key
        self.label = label
        self.hint = hint
        self.kind = kind
        self.required = required
    }
}

/// What a worksheet holds: free text and choices by field key, checked items by field key.
public struct WorksheetContent: Codable, Sendable, Equatable {
    public var text: [String: String]
    public var checked: [String: [String]]
    public init(text: [String: String] = [:], checked: [String: [String]] = [:]) {
        self.text = text
        self.checked = checked
    }
}

/// The structured worksheet for each focus area, as data: the web layer draws the form from it and
/// stores each save as a new version.
public struct WorksheetTemplate: Sendable {
    public let focus: FocusArea
    public let title: String
    /// The field that names what one worksheet is about (the other person in a dispute); nil when a
    /// client has one worksheet for the area.
    public let subjectField: String?
    public let fields: [WorksheetField]

    public static let textLimit = 6_000

    public static func template(for focus: FocusArea) -> WorksheetTemplate {
        switch focus {
        case .grief: grief
        case .roleDispute: roleDispute
        case .roleTransition: roleTransition
        case .interpersonalSensitivity: interpersonalSensitivity
        }
    }

    static let grief = WorksheetTemplate(focus: .grief, title: "Grief worksheet", subjectField: nil, fields: [
        WorksheetField("who", "Who or what was lost, and when", .text(rows: 2), required: true),
        WorksheetField("goodSides", "The relationship reconstructed: what was good"),
        WorksheetField("hardSides", "The relationship reconstructed: what was hard or disappointing"),
        WorksheetField("before", "Events before the loss"),
        WorksheetField("during", "Events around the loss (the death, the funeral, how the client heard)"),
        WorksheetField("after", "Events since the loss"),
        WorksheetField("avoidedFeelings", "Feelings that have been avoided", .checklist([
            ("guilt", "Guilt"), ("anger", "Anger"), ("relief", "Relief"), ("sadness", "Sadness"), ("fear", "Fear"),
        ])),
        WorksheetField("avoidedFeelingsNotes", "About those feelings"),
        WorksheetField("newInvolvements", "New interests and involvements"),
        WorksheetField("supportNetwork", "Support network: who can help now"),
    ])

    static let roleDispute = WorksheetTemplate(focus: .roleDispute, title: "Role dispute worksheet", subjectField: "otherPerson", fields: [
        WorksheetField("otherPerson", "The other person in the dispute", hint: "A first name or a role (for example: partner, mother, manager).",
                       .text(rows: 1), required: true),
        WorksheetField("stage", "Stage of the dispute now", .choice(DisputeStage.allCases.map { ($0.rawValue, $0.label) }), required: true),
        WorksheetField("relationshipBefore", "What the relationship was like before the trouble"),
        WorksheetField("whatChanged", "What changed"),
        WorksheetField("issues", "The issues in dispute"),
        WorksheetField("clientExpectations", "What the client expects"),
        WorksheetField("otherExpectations", "What the other person expects"),
        WorksheetField("wishedChange", "What the client wishes would change"),
        WorksheetField("obstacles", "What stands in the way of resolving it"),
        WorksheetField("planKind", "Action plan", .choice([
            ("communicate", "Communicate better"), ("renegotiate", "Renegotiate expectations"), ("end", "End the relationship and grieve it"),
        ])),
        WorksheetField("plan", "Steps in the action plan"),
        WorksheetField("communicationAnalyses", "Communication analyses",
                       hint: "For a recent charged exchange: what was said, what was meant, what was heard, and what could have been said instead.",
                       .text(rows: 8)),
    ])

    static let roleTransition = WorksheetTemplate(focus: .roleTransition, title: "Role transition worksheet", subjectField: nil, fields: [
        WorksheetField("change", "The change of circumstances, and when", .text(rows: 2), required: true),
        WorksheetField("indications", "What points to a transition", .checklist([
            ("timing", "The change came just before or after the rise in distress"),
            ("adjusting", "The client is struggling to adjust, whatever the change"),
            ("positive", "The change was wanted or positive and is still hard"),
            ("support", "Social support was lost with the old role"),
        ])),
        WorksheetField("oldRoleGood", "The old role: what was good"),
        WorksheetField("oldRoleBad", "The old role: what was hard"),
        WorksheetField("newRoleGood", "The new role: what is good or possible"),
        WorksheetField("newRoleBad", "The new role: what is hard"),
        WorksheetField("lost", "What was lost with the change"),
        WorksheetField("skills", "Skills the new role needs"),
        WorksheetField("supports", "Supports to build"),
    ])

    static let interpersonalSensitivity = WorksheetTemplate(focus: .interpersonalSensitivity, title: "Interpersonal sensitivity worksheet",
                                                            subjectField: nil, fields: [
        WorksheetField("examples", "Difficulties the client describes", .checklist([
            ("starting", "Starting relationships"), ("keeping", "Keeping relationships going"), ("feelings", "Expressing feelings"),
            ("needs", "Saying what they need"), ("withdrawal", "Little support, or withdrawing from people"),
        ])),
        WorksheetField("pastRelationships", "Past relationships reviewed"),
        WorksheetField("patterns", "Patterns that repeat"),
        WorksheetField("goals", "Goals: new ways of relating to practise", required: true),
        WorksheetField("isolation", "Steps to reduce isolation"),
    ])

    /// Reads the worksheet from form fields; checklists arrive as lists.
    public func read(fields: [String: String], lists: [String: [String]]) -> Result<WorksheetContent, FormRejection> {
        var errors = FieldErrors()
        var content = WorksheetContent()
        for field in self.fields {
            switch field.kind {
            case .text:
                if TextRules.length(fields[field.key]) > Self.textLimit { errors.add(field.key, "Keep this under \(Self.textLimit) characters.") }
                if let value = TextRules.clean(fields[field.key]) { content.text[field.key] = value }
            case .choice(let options):
                if let value = TextRules.clean(fields[field.key]) {
                    if options.contains(where: { $0.value == value }) { content.text[field.key] = value } else { errors.add(field.key, "Choose one of the listed answers.") }
                }
            case .checklist(let options):
                let allowed = Set(options.map(\.value))
                let chosen = (lists[field.key] ?? []).filter(allowed.contains)
                if !chosen.isEmpty { content.checked[field.key] = options.map(\.value).filter(chosen.contains) }
            }
            if field.required && content.text[field.key] == nil && content.checked[field.key] == nil && errors[field.key] == nil {
                errors.add(field.key, "\(field.label) is needed.")
            }
        }
        return errors.isEmpty ? .success(content) : .failure(FormRejection(errors: errors))
    }

    /// The label shown for a stored value of a choice or checklist field.
    public func display(_ field: WorksheetField, in content: WorksheetContent) -> String? {
        switch field.kind {
        case .text: return content.text[field.key]
        case .choice(let options):
            return content.text[field.key].map { value in options.first { $0.value == value }?.label ?? value }
        case .checklist(let options):
            let chosen = content.checked[field.key] ?? []
            return chosen.isEmpty ? nil : options.filter { chosen.contains($0.value) }.map(\.label).joined(separator: "; ")
        }
    }
}
