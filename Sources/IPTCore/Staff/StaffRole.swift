/// The roles a staff account can hold. A role decides what the account may do; the policy
/// below is the one place that says so.
public enum StaffRole: String, CaseIterable, Codable, Sendable {
    case admin
    case supervisor
    case therapist
    case student
    case receptionist

    public var displayName: String {
        switch self {
        case .admin: "Clinic director (admin)"
        case .supervisor: "Clinical supervisor"
        case .therapist: "Psychotherapist"
        case .student: "Practicum student"
        case .receptionist: "Receptionist"
        }
    }

    /// Roles that see health information; issue 6 makes two-factor sign-in mandatory for them.
    public var seesHealthInformation: Bool {
        self != .receptionist
    }
}

/// Something a staff member may try to do.
public enum Permission: String, CaseIterable, Sendable {
    case viewDashboard
    case manageOwnAccount
    case viewEnquiries
    case handleEnquiries
    case viewSubscribers
    case exportSubscribers
    case sendNewsletter
    case viewAuditTrail
    case editClinicSettings
    /// See the calendar: one's own, or the clinic's for those who manage it.
    case viewSchedule
    /// Book, move and cancel anyone's appointments, block anyone's time, run the waitlist.
    case manageSchedule
    /// Clinical records: questionnaires, scores, risk alerts (each still checked per client).
    case viewClinicalRecords
    /// The custodian's duties over whole records: access and correction requests, retention, destruction.
    case handleRecordRequests
    /// Decide who is on a client's care team. The director always may; a clinic can let supervisors
    /// do it too (a setting, checked beside this policy).
    case assignCareTeam
    /// Merge a new client record into an existing one, or keep them apart (possible duplicates).
    case reconcileClients
    /// Client accounts: charges, invoices, payments, receipts (issue 17). Money and contact details only.
    case handleBilling
    /// Revenue figures, the accountant's export, billing settings, and approving sliding-scale rates.
    case manageBilling
    /// The clinic's team: adding staff accounts, their role, supervisor and public listing, and
    /// removing the access of someone who leaves.
    case manageTeam
}

/// The single authorisation policy every staff handler asks.
public enum AccessPolicy {
    public static func allows(_ role: StaffRole, _ permission: Permission) -> Bool {
        switch permission {
        case .viewDashboard, .manageOwnAccount:
            return true
        case .viewEnquiries, .handleEnquiries:
            // Enquiries arrive before anyone is a client; the front desk triages them and clinicians
            // pick up the ones that need a clinical answer. Students only see clients assigned to them.
            return [.admin, .receptionist, .supervisor, .therapist].contains(role)
        case .viewSubscribers, .exportSubscribers, .sendNewsletter:
            return [.admin, .receptionist].contains(role)
        case .viewAuditTrail, .editClinicSettings, .handleRecordRequests, .assignCareTeam, .manageTeam:
            return role == .admin
        case .reconcileClients:
            // Matching people to records is front-desk work; it shows contact details, no clinical content.
            return [.admin, .receptionist].contains(role)
        case .viewSchedule:
            return true
        case .manageSchedule:
            // The front desk runs the calendar; clinicians manage their own appointments (and a
            // supervisor those of their students), which ScheduleAccess decides per clinician.
            return [.admin, .receptionist].contains(role)
        case .viewClinicalRecords:
            // The front desk runs the calendar but sees no clinical content.
            return role.seesHealthInformation
        case .handleBilling:
            // Clinicians see only their own sessions' billing status (a page of its own), not accounts.
            return [.admin, .receptionist].contains(role)
        case .manageBilling:
            return role == .admin
        }
    }
}
