import Foundation

/// The provider lines of a receipt: an insurer wants to see who provided the service and their
/// registration, and for a student's session who supervised it.
public struct ReceiptProvider: Sendable, Equatable, Codable {
    public var name: String
    public var designation: String
    public var registrationNumber: String
    public var isStudent: Bool
    public var supervisorName: String?
    public var supervisorDesignation: String?
    public var supervisorRegistrationNumber: String?

    public init(name: String, designation: String, registrationNumber: String, isStudent: Bool, supervisorName: String? = nil,
                supervisorDesignation: String? = nil, supervisorRegistrationNumber: String? = nil) {
        self.name = name
        self.designation = designation
        self.registrationNumber = registrationNumber
        self.isStudent = isStudent
        self.supervisorName = supervisorName
        self.supervisorDesignation = supervisorDesignation
        self.supervisorRegistrationNumber = supervisorRegistrationNumber
    }

    /// The lines to print, in order. No diagnosis or clinical detail is ever part of them.
    public var lines: [String] {
        var lines: [String] = []
        let designation = designation.isEmpty ? "" : ", \(designation)"
        lines.append("Provided by: \(name)\(designation)")
        if !registrationNumber.isEmpty { lines.append("Registration number: \(registrationNumber)") }
        if isStudent {
            lines.append("This service was provided by a student therapist under the clinical supervision of a registered clinician.")
            if let supervisorName {
                let supervisorDesignation = (supervisorDesignation ?? "").isEmpty ? "" : ", \(supervisorDesignation ?? "")"
                lines.append("Supervising clinician: \(supervisorName)\(supervisorDesignation)")
                if let number = supervisorRegistrationNumber, !number.isEmpty { lines.append("Supervisor's registration number: \(number)") }
            }
        }
        return lines
    }
}

public enum ServiceDescription {
    /// "Psychotherapy session, 50 minutes": the plain service, never the programme or a diagnosis.
    public static func text(kind: ChargeKind, minutes: Int) -> String {
        switch kind {
        case .session: "Psychotherapy session, \(minutes) minutes"
        case .lateCancellation: "Late cancellation fee (\(minutes)-minute appointment)"
        case .noShow: "Missed appointment fee (\(minutes)-minute appointment)"
        }
    }
}
