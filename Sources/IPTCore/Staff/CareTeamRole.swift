/// A person's place on a client's care team (who the clinic decided may open the clinical record).
public enum CareTeamRole: String, Codable, Sendable, CaseIterable {
    /// The clinician treating the client; one at a time.
    case treating
    /// The supervisor of a practicum student who treats the client.
    case supervisor
    /// Anyone else the clinic added, with a reason (a covering clinician, a consultant).
    case member

    public var label: String {
        switch self {
        case .treating: "Treating clinician"
        case .supervisor: "Supervisor"
        case .member: "Care team member"
        }
    }
}
