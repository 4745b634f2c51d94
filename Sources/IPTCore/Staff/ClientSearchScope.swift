/// Which clients a staff member's search may return, and where a result leads. Decided by the
/// role alone, here, so the search page, the header that offers it and the tests read one rule.
public enum ClientSearchScope: Sendable, Equatable {
    /// Clinicians find the clients whose care team they are on, and open the chart.
    case careTeam
    /// The director finds anyone and opens the chart (giving a reason there where the clinic asks).
    case wholeClinicWithCharts
    /// The front desk finds anyone for booking; contact details and appointments, never a chart.
    case wholeClinicForBooking

    public static func of(_ role: StaffRole) -> ClientSearchScope {
        switch role {
        case .admin: .wholeClinicWithCharts
        case .receptionist: .wholeClinicForBooking
        case .therapist, .student, .supervisor: .careTeam
        }
    }

    public var opensCharts: Bool { self != .wholeClinicForBooking }
}
