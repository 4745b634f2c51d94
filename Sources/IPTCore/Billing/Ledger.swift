import Foundation

/// What a charge is for. A charge is the ledger's unit: one per billable appointment (the
/// database keeps it to one), or an adjustment staff add by hand.
public enum ChargeKind: String, Codable, Sendable, CaseIterable {
    case session
    case lateCancellation = "late_cancellation"
    case noShow = "no_show"

    public var label: String {
        switch self {
        case .session: "Session"
        case .lateCancellation: "Late cancellation fee"
        case .noShow: "Missed appointment fee"
        }
    }
}

/// Where a charge stands: open until it goes on an invoice; a waived charge is never invoiced.
public enum ChargeStatus: String, Codable, Sendable, CaseIterable {
    case open, invoiced, waived
}

/// What the calendar knows about a session when it is marked, as plain values.
public struct SessionFacts: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable { case attended, noShow, lateCancelled }
    public var outcome: Outcome
    /// The fee fixed for this appointment when it was booked (the tier's fee then, with any percentage reduction).
    public var bookedFeeCents: Int?
    /// The tier's fee in the schedule now, used when the appointment carries no booked fee.
    public var scheduleFeeCents: Int?
    /// The late-cancellation fee recorded on the appointment when it was cancelled late.
    public var lateFeeCents: Int?
    /// The booking rules' late fee, which also stands for a missed appointment unless the clinic set its own.
    public var policyLateFeeCents: Int?
    public var noShowFeeCents: Int?
    /// An approved sliding-scale rate per session for this client, if one is in force.
    public var slidingRateCents: Int?

    public init(outcome: Outcome, bookedFeeCents: Int?, scheduleFeeCents: Int?, lateFeeCents: Int? = nil,
                policyLateFeeCents: Int? = nil, noShowFeeCents: Int? = nil, slidingRateCents: Int? = nil) {
        self.outcome = outcome
        self.bookedFeeCents = bookedFeeCents
        self.scheduleFeeCents = scheduleFeeCents
        self.lateFeeCents = lateFeeCents
        self.policyLateFeeCents = policyLateFeeCents
        self.noShowFeeCents = noShowFeeCents
        self.slidingRateCents = slidingRateCents
    }
}

public enum ChargeRule {
    /// The charge a marked session creates, or nil when it creates none. A free service (a fee of
    /// zero, such as the consultation) charges nothing for any outcome: a missed free call carries no fee.
    public static func charge(for facts: SessionFacts) -> (kind: ChargeKind, cents: Int)? {
        let sessionFee = facts.bookedFeeCents ?? facts.scheduleFeeCents
        guard let sessionFee, sessionFee > 0 else { return nil }
        switch facts.outcome {
        case .attended:
            // The sliding scale is a per-session amount the director approved; it never raises a fee.
            let cents = facts.slidingRateCents.map { min($0, sessionFee) } ?? sessionFee
            return (.session, cents)
        case .lateCancelled:
            guard let fee = facts.lateFeeCents ?? facts.policyLateFeeCents, fee > 0 else { return nil }
            return (.lateCancellation, fee)
        case .noShow:
            guard let fee = facts.noShowFeeCents ?? facts.policyLateFeeCents, fee > 0 else { return nil }
            return (.noShow, fee)
        }
    }
}

/// A client's reduced rate per session, within the range the clinic allows.
public enum SlidingScaleRule {
    public enum Problem: Error, Equatable {
        case outsideRange(min: Int, max: Int)
        case reviewDateNotAfterToday
    }

    public static func check(amountCents: Int, minCents: Int, maxCents: Int, review: LocalDate, today: LocalDate) -> Problem? {
        guard (minCents...max(minCents, maxCents)).contains(amountCents) else { return .outsideRange(min: minCents, max: maxCents) }
        guard review > today else { return .reviewDateNotAfterToday }
        return nil
    }
}
