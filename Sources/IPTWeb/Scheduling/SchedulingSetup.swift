import Fluent
import Foundation
import IPTCore
import IPTPages

/// The clinic's scheduling configuration, read from the database for one request.
struct BookingSetup: Sendable {
    let zone: ClinicTimeZone
    let rules: BookingRules
    let holdMinutes: Int
    let requireApproval: Bool
    let cancellation: CancellationPolicy
    let offerHours: Int
    let kinds: [AppointmentKind]
    let fees: FeeSchedule

    func kind(_ code: String?) -> AppointmentKind? {
        guard let code else { return nil }
        return kinds.first { $0.code == code }
    }

    var onlineKinds: [AppointmentKind] { kinds.filter(\.bookableOnline) }
}

/// Whom a visitor wants to see.
enum BookingChoice: Equatable, Sendable {
    /// The reduced-rate clinic: any supervised practicum student.
    case reducedRate
    /// Any registered therapist.
    case registered
    /// One named team member, by the slug of their profile.
    case member(String)

    init?(_ value: String?) {
        switch value {
        case "reduced": self = .reducedRate
        case "registered": self = .registered
        case let slug? where !slug.isEmpty && slug.count <= 80 && slug.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }):
            self = .member(slug)
        default: return nil
        }
    }

    var value: String {
        switch self {
        case .reducedRate: "reduced"
        case .registered: "registered"
        case .member(let slug): slug
        }
    }
}
