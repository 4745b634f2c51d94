import Foundation

/// Techniques a note can record (CLINICAL.md section 4).
public enum Technique: String, CaseIterable, Codable, Sendable {
    case exploration
    case encouragementOfAffect = "encouragement-of-affect"
    case clarification
    case communicationAnalysis = "communication-analysis"
    case decisionAnalysis = "decision-analysis"
    case rolePlay = "role-play"
    case workAtHome = "work-at-home"

    public var label: String {
        switch self {
        case .exploration: "Exploration"
        case .encouragementOfAffect: "Encouragement of affect"
        case .clarification: "Clarification"
        case .communicationAnalysis: "Communication analysis"
        case .decisionAnalysis: "Decision analysis"
        case .rolePlay: "Role play"
        case .workAtHome: "Work-at-home task"
        }
    }
}

/// The risk check every note records.
public enum RiskCheck: String, CaseIterable, Codable, Sendable {
    case noneReported = "none-reported"
    case presentNoPlan = "present-no-plan"
    case presentActOnIt = "present-safety-plan"

    public var label: String {
        switch self {
        case .noneReported: "Asked; no thoughts of self-harm or suicide reported"
        case .presentNoPlan: "Thoughts reported without plan or intent; monitored"
        case .presentActOnIt: "Thoughts with plan or intent; safety plan made and escalated"
        }
    }
}

/// The content of a session note. Sections follow the phase: the middle phase asks for the week's
/// events and the focus work; the initial and termination phases for their tasks.
public struct SessionNoteContent: Codable, Sendable, Equatable {
    public var mood: String
    public var interpersonalEvents: String
    public var focusWork: String
    public var techniques: [Technique]
    public var scoresOfTheDay: String
    public var riskCheck: RiskCheck?
    public var riskDetail: String
    public var plan: String

    public init(mood: String = "", interpersonalEvents: String = "", focusWork: String = "", techniques: [Technique] = [],
                scoresOfTheDay: String = "", riskCheck: RiskCheck? = nil, riskDetail: String = "", plan: String = "") {
        self.mood = mood
        self.interpersonalEvents = interpersonalEvents
        self.focusWork = focusWork
        self.techniques = techniques
        self.scoresOfTheDay = scoresOfTheDay
        self.riskCheck = riskCheck
        self.riskDetail = riskDetail
        self.plan = plan
    }

    public static let textLimit = 8_000

    /// The headings of the free-text sections in this phase.
    public static func headings(for phase: Phase) -> [(key: String, label: String)] {
        switch phase {
        case .initial: [("mood", "Symptoms and mood"), ("interpersonalEvents", "Relationships and life events explored"),
                        ("focusWork", "Initial-phase tasks done (inventory, sick role, focus, formulation, contract)"), ("plan", "Plan")]
        case .middle: [("mood", "Mood since the last session"), ("interpersonalEvents", "Interpersonal events linked to the mood"),
                       ("focusWork", "Focus-area work"), ("plan", "Plan and work-at-home task")]
        case .termination: [("mood", "Mood since the last session"), ("interpersonalEvents", "Interpersonal events"),
                            ("focusWork", "Ending work (gains, feelings about ending, warning signs, relapse plan)"), ("plan", "Plan and maintenance decision")]
        }
    }

    /// Reads a note from form fields. A draft may be incomplete; signing needs mood, the risk check
    /// and a plan, so nothing important is skipped.
    public static func read(fields: [String: String], techniques: [String], forSigning: Bool) -> Result<SessionNoteContent, FormRejection> {
        var errors = FieldErrors()
        func text(_ key: String) -> String {
            if TextRules.length(fields[key]) > textLimit { errors.add(key, "Keep this under \(textLimit) characters.") }
            return TextRules.clean(fields[key]) ?? ""
        }
        let content = SessionNoteContent(
            mood: text("mood"), interpersonalEvents: text("interpersonalEvents"), focusWork: text("focusWork"),
            techniques: Technique.allCases.filter { techniques.contains($0.rawValue) }, scoresOfTheDay: text("scoresOfTheDay"),
            riskCheck: fields["riskCheck"].flatMap(RiskCheck.init(rawValue:)), riskDetail: text("riskDetail"), plan: text("plan"))
        if let raw = fields["riskCheck"], !raw.isEmpty, content.riskCheck == nil { errors.add("riskCheck", "Choose one of the listed answers.") }
        if forSigning {
            if content.mood.isEmpty { errors.add("mood", "Write how the client's mood has been before signing.") }
            if content.riskCheck == nil { errors.add("riskCheck", "Record the risk check before signing.") }
            if content.riskCheck != nil && content.riskCheck != .noneReported && content.riskDetail.isEmpty {
                errors.add("riskDetail", "Describe the risk and what was done about it.")
            }
            if content.plan.isEmpty { errors.add("plan", "Write the plan before signing.") }
        }
        return errors.isEmpty ? .success(content) : .failure(FormRejection(errors: errors))
    }
}

/// A note's life: written as a draft, signed by its author, then (for a supervised student when
/// the clinic asks for it) co-signed by the supervisor or returned with comments. A final note is
/// locked; a later change is an amendment beside it.
public enum NoteStatus: String, CaseIterable, Codable, Sendable {
    case draft
    case awaitingCosignature = "awaiting-cosignature"
    case returned
    case final

    public var label: String {
        switch self {
        case .draft: "Draft"
        case .awaitingCosignature: "Awaiting co-signature"
        case .returned: "Returned by the supervisor"
        case .final: "Signed"
        }
    }

    public var isEditable: Bool { self == .draft || self == .returned }
}

public enum NoteRuleViolation: Error, Sendable, Equatable, CustomStringConvertible {
    case locked
    case notAuthor
    case notAwaiting
    case ownNote
    case studentCannotCosign
    case notTheSupervisor
    case commentRequired
    case notSigned

    public var description: String {
        switch self {
        case .locked: "This note is signed and locked. Add an amendment instead; the original stays as it is."
        case .notAuthor: "Only the note's author can edit or sign it."
        case .notAwaiting: "This note is not waiting for a co-signature."
        case .ownNote: "You cannot co-sign your own note."
        case .studentCannotCosign: "A practicum student cannot co-sign notes."
        case .notTheSupervisor: "Only the author's clinical supervisor can co-sign or return this note."
        case .commentRequired: "Say what needs changing when returning a note."
        case .notSigned: "Only a signed note takes amendments; a draft is edited directly."
        }
    }
}

/// The rules of the note's life, free of storage so they can be tested on their own.
public enum NoteWorkflow {
    public struct Actor: Sendable {
        public let id: UUID
        public let role: StaffRole
        public init(id: UUID, role: StaffRole) {
            self.id = id
            self.role = role
        }
    }

    public static func edit(status: NoteStatus, author: UUID, by actor: Actor) -> Result<Void, NoteRuleViolation> {
        guard status.isEditable else { return .failure(.locked) }
        guard actor.id == author else { return .failure(.notAuthor) }
        return .success(())
    }

    /// Signing: final at once, unless the author is a student whose notes need co-signing.
    public static func sign(status: NoteStatus, author: UUID, by actor: Actor, needsCosignature: Bool) -> Result<NoteStatus, NoteRuleViolation> {
        switch edit(status: status, author: author, by: actor) {
        case .failure(let violation): .failure(violation)
        case .success: .success(needsCosignature ? .awaitingCosignature : .final)
        }
    }

    /// Co-signing or returning: only the author's own supervisor, never the author, never a student.
    public static func review(status: NoteStatus, author: UUID, authorsSupervisor: UUID?, by actor: Actor) -> Result<Void, NoteRuleViolation> {
        if actor.id == author { return .failure(.ownNote) }
        if actor.role == .student { return .failure(.studentCannotCosign) }
        guard status == .awaitingCosignature else { return .failure(.notAwaiting) }
        guard actor.id == authorsSupervisor else { return .failure(.notTheSupervisor) }
        return .success(())
    }

    public static func returnNote(status: NoteStatus, author: UUID, authorsSupervisor: UUID?, by actor: Actor, comment: String?) -> Result<NoteStatus, NoteRuleViolation> {
        if case .failure(let violation) = review(status: status, author: author, authorsSupervisor: authorsSupervisor, by: actor) { return .failure(violation) }
        guard TextRules.clean(comment) != nil else { return .failure(.commentRequired) }
        return .success(.returned)
    }

    /// An amendment is allowed only on a final note, by its author or (for a student) the supervisor.
    public static func amend(status: NoteStatus, author: UUID, authorsSupervisor: UUID?, by actor: Actor) -> Result<Void, NoteRuleViolation> {
        guard status == .final else { return .failure(.notSigned) }
        guard actor.id == author || actor.id == authorsSupervisor else { return .failure(.notAuthor) }
        return .success(())
    }
}
