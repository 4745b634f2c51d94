import Foundation

/// A client's money not yet applied to an invoice, payment by payment: what each payment has left
/// after its allocations, with refunds taken from the oldest first (a refund gives back unapplied money).
public enum CreditPools {
    public static func available(unapplied: [(id: UUID, cents: Int)], refundedCents: Int) -> [(id: UUID, cents: Int)] {
        var refund = refundedCents
        var result: [(id: UUID, cents: Int)] = []
        for pool in unapplied where pool.cents > 0 {
            let taken = min(refund, pool.cents)
            refund -= taken
            if pool.cents - taken > 0 { result.append((pool.id, pool.cents - taken)) }
        }
        return result
    }
}
