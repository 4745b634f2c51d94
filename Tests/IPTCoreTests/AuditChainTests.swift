import Foundation
import IPTCore
import Testing

@Suite struct AuditChainTests {
    /// A stand-in hash for the pure tests: deterministic and sensitive to every character.
    private func hash(_ text: String) -> String {
        var value: UInt64 = 1469598103934665603
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 1099511628211 }
        return String(value, radix: 16)
    }

    private func chain(_ count: Int) -> [(record: AuditRecord, storedPreviousHash: String, storedHash: String)] {
        var rows: [(record: AuditRecord, storedPreviousHash: String, storedHash: String)] = []
        var previous = AuditRecord.genesisHash
        for sequence in 1...count {
            let record = AuditRecord(sequence: Int64(sequence), occurredAtMilliseconds: 1_800_000_000_000 + Int64(sequence),
                                     actorID: "u1", actorLabel: "Ana (admin)", action: .view, recordType: "enquiry",
                                     recordID: "e\(sequence)", subject: "client@example.org", requestID: "r\(sequence)", detail: nil)
            let stored = hash(previous + record.canonicalText)
            rows.append((record, previous, stored))
            previous = stored
        }
        return rows
    }

    @Test func an_untouched_chain_verifies() {
        #expect(AuditChainVerifier.firstBreak(in: chain(5), hash: hash) == nil)
    }

    @Test func editing_one_field_of_a_middle_row_is_reported_at_that_row() {
        var rows = chain(5)
        rows[2].record.subject = "someone-else@example.org"
        #expect(AuditChainVerifier.firstBreak(in: rows, hash: hash)?.sequence == 3)
    }

    @Test func deleting_a_row_is_reported_where_the_sequence_jumps() {
        var rows = chain(5)
        rows.remove(at: 1)
        #expect(AuditChainVerifier.firstBreak(in: rows, hash: hash)?.sequence == 3)
    }

    @Test func a_row_rewritten_with_a_fresh_hash_still_breaks_the_next_link() {
        var rows = chain(4)
        rows[1].record.action = .export
        rows[1].storedHash = hash(rows[1].storedPreviousHash + rows[1].record.canonicalText)
        #expect(AuditChainVerifier.firstBreak(in: rows, hash: hash)?.sequence == 3)
    }

    @Test func canonical_text_cannot_be_forged_by_moving_a_separator_between_fields() {
        let a = AuditRecord(sequence: 1, occurredAtMilliseconds: 0, actorID: "a|b", actorLabel: "c", action: .view,
                            recordType: "t", recordID: nil, subject: nil, requestID: nil, detail: nil)
        let b = AuditRecord(sequence: 1, occurredAtMilliseconds: 0, actorID: "a", actorLabel: "b|c", action: .view,
                            recordType: "t", recordID: nil, subject: nil, requestID: nil, detail: nil)
        #expect(a.canonicalText != b.canonicalText)
    }
}
