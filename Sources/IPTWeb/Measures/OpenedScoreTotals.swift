import Foundation
import NIOConcurrencyHelpers

/// The totals of sealed scores this instance has already opened. Today's "worsened" check opens the
/// first and last score of every measure of every client on a clinician's team at each view: 80
/// openings (AES-GCM, then JSON) for a caseload of 40, a tenth of the page's time under load
/// (docs/PERFORMANCE.md, "Runs of 2026-12-07, sixth session").
///
/// A total is kept under its sealed text together with the response and client it was opened for,
/// so a value copied into another row is opened, and refused, as before. A completed score is never
/// sealed again in place; a new sealing is a new text and is opened afresh. The totals are numbers
/// already held by this process, which holds the key that opens them; nothing is written anywhere.
final class OpenedScoreTotals: Sendable {
    /// About 5 MB at most. Past it the memory starts over rather than tracking which totals are old.
    static let capacity = 20_000

    private struct Key: Hashable {
        let sealed: String
        let response: UUID
        let client: UUID
    }

    private let totals = NIOLockedValueBox<[Key: Int]>([:])

    /// The total of this sealed score, opened by `open` the first time only.
    func total(sealed: String, response: UUID, client: UUID, open: () throws -> Int) rethrows -> Int {
        let key = Key(sealed: sealed, response: response, client: client)
        if let known = totals.withLockedValue({ $0[key] }) { return known }
        let total = try open()
        totals.withLockedValue { totals in
            if totals.count >= Self.capacity { totals.removeAll(keepingCapacity: true) }
            totals[key] = total
        }
        return total
    }

    var count: Int { totals.withLockedValue { $0.count } }
}
