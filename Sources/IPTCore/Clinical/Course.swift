import Foundation

/// The kinds of IPT course a clinic runs (CLINICAL.md section 2).
public enum Programme: String, CaseIterable, Codable, Sendable {
    case adult
    case adolescent
    case maintenance

    public var label: String {
        switch self {
        case .adult: "Adult IPT"
        case .adolescent: "IPT-A (adolescents)"
        case .maintenance: "Maintenance IPT"
        }
    }
}

/// How the clinic names the problem areas. The four-area framework is the classic one; the
/// three-area one treats interpersonal sensitivity as a complicating factor, not a focus.
public enum FocusFramework: String, CaseIterable, Codable, Sendable {
    case fourAreas = "four-areas"
    case threeAreas = "three-areas"

    public var label: String {
        switch self {
        case .fourAreas: "Four areas (grief, role dispute, role transition, interpersonal sensitivity)"
        case .threeAreas: "Three areas (grief, role dispute, role transition)"
        }
    }

    public var areas: [FocusArea] {
        switch self {
        case .fourAreas: FocusArea.allCases
        case .threeAreas: [.grief, .roleDispute, .roleTransition]
        }
    }
}

public enum Phase: String, CaseIterable, Codable, Sendable {
    case initial
    case middle
    case termination

    public var label: String {
        switch self {
        case .initial: "Initial phase"
        case .middle: "Middle phase"
        case .termination: "Termination phase"
        }
    }

    /// The tasks the phase is for; ticked off on the chart as they are done.
    public var checklist: [ChecklistItem] {
        switch self {
        case .initial: [
            ChecklistItem(code: "initial-diagnosis", label: "Symptoms reviewed, diagnosis named and explained"),
            ChecklistItem(code: "initial-sick-role", label: "Sick role discussed"),
            ChecklistItem(code: "initial-inventory", label: "Interpersonal inventory taken"),
            ChecklistItem(code: "initial-focus", label: "Focus area chosen"),
            ChecklistItem(code: "initial-formulation", label: "Formulation given and agreed with the client"),
            ChecklistItem(code: "initial-contract", label: "Treatment contract agreed"),
        ]
        case .middle: [
            ChecklistItem(code: "middle-mood-events", label: "Sessions link mood to the week's interpersonal events"),
            ChecklistItem(code: "middle-focus-work", label: "Focus-area strategies in use"),
            ChecklistItem(code: "middle-review", label: "Progress reviewed against the contract at the midpoint"),
        ]
        case .termination: [
            ChecklistItem(code: "termination-gains", label: "Gains reviewed and credited to the client"),
            ChecklistItem(code: "termination-feelings", label: "Feelings about ending discussed"),
            ChecklistItem(code: "termination-relapse", label: "Warning signs and a relapse plan written"),
            ChecklistItem(code: "termination-maintenance", label: "Continuation or maintenance decided"),
        ]
        }
    }
}

public struct ChecklistItem: Sendable, Equatable {
    public let code: String
    public let label: String
}

/// The clinic's course rules. Manuals differ on where the phases begin and end, so these are settings.
public struct CourseSettings: Sendable, Equatable {
    public var initialSessions: Int
    public var terminationSessions: Int
    public var adultSessions: Int
    public var adolescentSessions: Int
    public var maintenanceSessions: Int
    public var minimumSessions: Int
    public var maximumSessions: Int
    public var framework: FocusFramework

    public init(initialSessions: Int = 3, terminationSessions: Int = 3, adultSessions: Int = 16, adolescentSessions: Int = 12,
                maintenanceSessions: Int = 12, minimumSessions: Int = 8, maximumSessions: Int = 20, framework: FocusFramework = .fourAreas) {
        self.initialSessions = initialSessions
        self.terminationSessions = terminationSessions
        self.adultSessions = adultSessions
        self.adolescentSessions = adolescentSessions
        self.maintenanceSessions = maintenanceSessions
        self.minimumSessions = minimumSessions
        self.maximumSessions = maximumSessions
        self.framework = framework
    }

    public func defaultSessions(for programme: Programme) -> Int {
        switch programme {
        case .adult: adultSessions
        case .adolescent: adolescentSessions
        case .maintenance: maintenanceSessions
        }
    }

    /// Problems with the settings themselves, so a director cannot save rules that leave no middle phase.
    public func validate() -> FieldErrors {
        var errors = FieldErrors()
        if !(1...6).contains(initialSessions) { errors.add("initialSessions", "The initial phase is 1 to 6 sessions.") }
        if !(1...6).contains(terminationSessions) { errors.add("terminationSessions", "The termination phase is 1 to 6 sessions.") }
        if !(1...40).contains(minimumSessions) { errors.add("minimumSessions", "The shortest course is 1 to 40 sessions.") }
        // Comparisons, not ranges: a range built from what was typed traps when its ends are reversed.
        if maximumSessions < minimumSessions || maximumSessions > 40 { errors.add("maximumSessions", "The longest course is between the shortest and 40 sessions.") }
        // Only when both phases are in range: the sum of two numbers as typed can overflow, which
        // stops the process rather than throwing.
        if (1...6).contains(initialSessions), (1...6).contains(terminationSessions), minimumSessions <= initialSessions + terminationSessions {
            errors.add("minimumSessions", "The shortest course must leave at least one middle session after the initial and termination phases.")
        }
        for (field, value) in [("adultSessions", adultSessions), ("adolescentSessions", adolescentSessions), ("maintenanceSessions", maintenanceSessions)]
        where value < minimumSessions || value > maximumSessions {
            errors.add(field, "Default course lengths must be within the allowed range (\(minimumSessions) to \(maximumSessions)).")
        }
        return errors
    }
}

/// Where a course stands: which session comes next and the phase it belongs to.
public struct CourseProgress: Sendable, Equatable {
    public let sessionsHeld: Int
    public let agreedSessions: Int
    /// The phase the sessions held put the course in, before any override.
    public let computedPhase: Phase
    public let phase: Phase
    public let overridden: Bool

    /// "session 7 of 16": the next session to be held, or the last one once the course is complete.
    public var currentSession: Int { min(sessionsHeld + 1, agreedSessions) }
    public var isComplete: Bool { sessionsHeld >= agreedSessions }
    public var sessionsLeft: Int { max(agreedSessions - sessionsHeld, 0) }

    public init(sessionsHeld: Int, agreedSessions: Int, settings: CourseSettings, override: Phase? = nil) {
        self.sessionsHeld = sessionsHeld
        self.agreedSessions = agreedSessions
        computedPhase = Self.phase(ofSession: min(sessionsHeld + 1, agreedSessions), agreedSessions: agreedSessions, settings: settings)
        phase = override ?? computedPhase
        overridden = override != nil && override != computedPhase
    }

    /// Session n belongs to the initial phase if n is within the first `initialSessions`, to the
    /// termination phase if it is one of the last `terminationSessions`, else to the middle. In a
    /// course too short for both, the initial phase wins: the assessment has to happen first.
    public static func phase(ofSession number: Int, agreedSessions: Int, settings: CourseSettings) -> Phase {
        if number <= settings.initialSessions { return .initial }
        if number > agreedSessions - settings.terminationSessions { return .termination }
        return .middle
    }
}

/// The agreement that frames a course. Renegotiating it (an extension, a maintenance phase)
/// makes a new version; the earlier ones are kept.
public struct TreatmentContract: Codable, Sendable, Equatable {
    public var programme: Programme
    public var agreedSessions: Int
    public var sessionMinutes: Int
    public var startDate: LocalDate
    public var clientAgreed: Bool
    /// Why this version replaced the last one; required for every version after the first.
    public var reason: String?

    public init(programme: Programme, agreedSessions: Int, sessionMinutes: Int, startDate: LocalDate, clientAgreed: Bool, reason: String? = nil) {
        self.programme = programme
        self.agreedSessions = agreedSessions
        self.sessionMinutes = sessionMinutes
        self.startDate = startDate
        self.clientAgreed = clientAgreed
        self.reason = reason
    }

    public enum Limits {
        public static let reason = 1_000
    }

    /// Reads a contract from form fields. `isRenegotiation` is true when a version already exists.
    public static func validate(fields: [String: String], settings: CourseSettings, isRenegotiation: Bool,
                                sessionsHeld: Int) -> Result<TreatmentContract, FormRejection> {
        var errors = FieldErrors()
        let programme = fields["programme"].flatMap(Programme.init(rawValue:))
        if programme == nil { errors.add("programme", "Choose the programme.") }
        let sessions = Int(fields["agreedSessions"]?.trimmingCharacters(in: .whitespaces) ?? "")
        if let sessions {
            if !(settings.minimumSessions...settings.maximumSessions).contains(sessions) {
                errors.add("agreedSessions", "The clinic allows courses of \(settings.minimumSessions) to \(settings.maximumSessions) sessions.")
            } else if sessions < sessionsHeld {
                errors.add("agreedSessions", "\(sessionsHeld) sessions have already been held; the course cannot be shorter than that.")
            }
        } else {
            errors.add("agreedSessions", "Enter the number of sessions as a whole number.")
        }
        let minutes = Int(fields["sessionMinutes"]?.trimmingCharacters(in: .whitespaces) ?? "")
        if minutes.map({ !(20...120).contains($0) }) ?? true { errors.add("sessionMinutes", "Enter the session length in minutes, 20 to 120.") }
        let start = fields["startDate"].flatMap { LocalDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        if start == nil { errors.add("startDate", "Enter the start date as YYYY-MM-DD.") }
        let reason = TextRules.clean(fields["reason"])
        if isRenegotiation && reason == nil { errors.add("reason", "Say why the contract is being renegotiated.") }
        if TextRules.length(fields["reason"]) > Limits.reason { errors.add("reason", "Keep the reason under \(Limits.reason) characters.") }
        guard errors.isEmpty, let programme, let sessions, let minutes, let start else { return .failure(FormRejection(errors: errors)) }
        return .success(TreatmentContract(programme: programme, agreedSessions: sessions, sessionMinutes: minutes, startDate: start,
                                          clientAgreed: fields["clientAgreed"] == "yes", reason: reason))
    }
}
