import Foundation

/// The consents a client signs at intake, each in a fixed, versioned wording; the record keeps the
/// version, the name typed as a signature, the time and a hash of the exact words.
public struct ConsentDocument: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case treatment
        case privacy
        /// Only when the clinician is a practicum student.
        case supervision

        public var title: String {
            switch self {
            case .treatment: "Consent to treatment"
            case .privacy: "Privacy notice"
            case .supervision: "Supervision of a practicum student"
            }
        }
    }

    public let kind: Kind
    public let version: String
    public let text: String

    public static let treatment = ConsentDocument(kind: .treatment, version: "2026-11", text: """
        I agree to take part in Interpersonal Psychotherapy (IPT) with this clinic: a time-limited course of sessions, agreed with my clinician, that looks at how my relationships and life events connect with how I feel. I understand that I can ask questions at any time, that I can stop at any time, and that my clinician will talk with me about other help if IPT is not working for me. I understand that this clinic is not an emergency service.
        """)

    public static let privacy = ConsentDocument(kind: .privacy, version: "2026-11", text: """
        I have read the clinic's privacy notice. I understand that the clinic keeps a record of my care to provide it, as Ontario's Personal Health Information Protection Act allows; that only the people caring for me (and the staff who arrange my appointments) can see it; that I can ask to see or correct it; and that the clinic must share information without my consent only where the law requires it, for example to prevent serious harm.
        """)

    /// The supervision disclosure names the supervisor.
    public static func supervision(supervisor: String) -> ConsentDocument {
        ConsentDocument(kind: .supervision, version: "2026-11", text: """
            I understand that my clinician is a practicum student in the clinic's reduced-rate program, supervised by \(supervisor), a registered psychotherapist. I agree that \(supervisor) will see the information I share and my clinician's notes, and will discuss my care with my clinician to make sure it is safe and good.
            """)
    }
}

/// What a client fills in at intake, as typed.
public struct IntakeSubmission: Sendable, Equatable, Codable {
    public enum HeardFrom: String, CaseIterable, Codable, Sendable {
        case search, doctor, friend, socialMedia = "social-media", school, other

        public var label: String {
            switch self {
            case .search: "A web search"
            case .doctor: "My doctor or another health professional"
            case .friend: "A friend or family member"
            case .socialMedia: "Social media"
            case .school: "A school or counsellor"
            case .other: "Somewhere else"
            }
        }
    }

    public let pronouns: String?
    public let emergencyName: String
    public let emergencyPhone: String
    public let emergencyRelationship: String?
    public let heardFrom: HeardFrom?
    /// The consents signed, by kind.
    public let signedConsents: [ConsentDocument.Kind]
    public let typedName: String

    /// Checks the form. Every consent in `required` must be ticked, and the name typed as a
    /// signature must be the client's name as the clinic has it (letter case and spaces aside).
    public static func validate(fields: [String: String], clientName: String,
                                required: [ConsentDocument.Kind]) -> Result<IntakeSubmission, FormRejection> {
        var errors = FieldErrors()
        func oneLine(_ name: String, limit: Int, label: String, needed: Bool) -> String? {
            guard let value = TextRules.clean(fields[name]) else {
                if needed { errors.add(name, "Enter \(label).") }
                return nil
            }
            if TextRules.length(fields[name]) > limit || TextRules.hasControlCharacters(value, allowLineBreaks: false) {
                errors.add(name, "\(label.prefix(1).uppercased() + label.dropFirst()) must be \(limit) characters or fewer, on one line.")
                return nil
            }
            return value
        }
        let pronouns = oneLine("pronouns", limit: 40, label: "your pronouns", needed: false)
        let emergencyName = oneLine("emergencyName", limit: 120, label: "the name of someone we can call in an emergency", needed: true)
        let emergencyPhone = oneLine("emergencyPhone", limit: 40, label: "their phone number", needed: true)
        if let emergencyPhone, !TextRules.isPlausiblePhone(emergencyPhone) {
            errors.add("emergencyPhone", "Enter a phone number with 7 to 20 digits.")
        }
        let relationship = oneLine("emergencyRelationship", limit: 60, label: "how you know them", needed: false)
        let heardFrom = fields["heardFrom"].flatMap { $0.isEmpty ? nil : IntakeSubmission.HeardFrom(rawValue: $0) }
        if let raw = fields["heardFrom"], !raw.isEmpty, heardFrom == nil { errors.add("heardFrom", "Choose one of the answers given.") }
        for kind in required where fields["consent-\(kind.rawValue)"] != "yes" {
            errors.add("consent-\(kind.rawValue)", "Tick the box to agree to the \(kind.title.lowercased()); we cannot start without it.")
        }
        let typed = oneLine("typedName", limit: 120, label: "your full name as a signature", needed: true)
        func normalised(_ text: String) -> String {
            text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        if let typed, normalised(typed) != normalised(clientName) {
            errors.add("typedName", "Type your full name exactly as you gave it when booking: \(clientName).")
        }
        guard errors.isEmpty, let emergencyName, let emergencyPhone, let typed else { return .failure(FormRejection(errors: errors)) }
        return .success(IntakeSubmission(pronouns: pronouns, emergencyName: emergencyName, emergencyPhone: emergencyPhone,
                                         emergencyRelationship: relationship, heardFrom: heardFrom, signedConsents: required, typedName: typed))
    }
}
