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

    /// Another stand-in for the keyed hash: differs from `hash` for every input.
    private func keyed(_ text: String) -> String { hash("key|" + text) }

    private var hashing: AuditChainVerifier.Hashing { .init(keyedFrom: 1, plain: hash, keyed: keyed) }

    private func chain(_ count: Int, keyedFrom: Int64 = 1) -> [(record: AuditRecord, storedPreviousHash: String, storedHash: String)] {
        let hashing = AuditChainVerifier.Hashing(keyedFrom: keyedFrom, plain: hash, keyed: keyed)
        var rows: [(record: AuditRecord, storedPreviousHash: String, storedHash: String)] = []
        var previous = AuditRecord.genesisHash
        for sequence in 1...count {
            let record = AuditRecord(sequence: Int64(sequence), occurredAtMilliseconds: 1_800_000_000_000 + Int64(sequence),
                                     actorID: "u1", actorLabel: "Ana (admin)", action: .view, recordType: "enquiry",
                                     recordID: "e\(sequence)", subject: "client@example.org", requestID: "r\(sequence)", detail: nil)
            let stored = hashing.hash(sequence: Int64(sequence), previous + record.canonicalText)
            rows.append((record, previous, stored))
            previous = stored
        }
        return rows
    }

    @Test func an_untouched_chain_verifies() {
        #expect(AuditChainVerifier.firstBreak(in: chain(5), hashing: hashing) == nil)
    }

    @Test func editing_one_field_of_a_middle_row_is_reported_at_that_row() {
        var rows = chain(5)
        rows[2].record.subject = "someone-else@example.org"
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: hashing)?.sequence == 3)
    }

    @Test func deleting_a_row_is_reported_where_the_sequence_jumps() {
        var rows = chain(5)
        rows.remove(at: 1)
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: hashing)?.sequence == 3)
    }

    @Test func a_row_rewritten_with_a_fresh_hash_still_breaks_the_next_link() {
        var rows = chain(4)
        rows[1].record.action = .export
        rows[1].storedHash = keyed(rows[1].storedPreviousHash + rows[1].record.canonicalText)
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: hashing)?.sequence == 3)
    }

    @Test func canonical_text_cannot_be_forged_by_moving_a_separator_between_fields() {
        let a = AuditRecord(sequence: 1, occurredAtMilliseconds: 0, actorID: "a|b", actorLabel: "c", action: .view,
                            recordType: "t", recordID: nil, subject: nil, requestID: nil, detail: nil)
        let b = AuditRecord(sequence: 1, occurredAtMilliseconds: 0, actorID: "a", actorLabel: "b|c", action: .view,
                            recordType: "t", recordID: nil, subject: nil, requestID: nil, detail: nil)
        #expect(a.canonicalText != b.canonicalText)
    }

    @Test func a_chain_keyed_part_way_verifies_with_plain_links_before_the_boundary_and_keyed_after() {
        let rows = chain(6, keyedFrom: 4)
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: .init(keyedFrom: 4, plain: hash, keyed: keyed)) == nil)
        // Read with the boundary elsewhere, the same rows fail where the hashing changes.
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: .init(keyedFrom: 7, plain: hash, keyed: keyed))?.sequence == 4)
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: .init(keyedFrom: 1, plain: hash, keyed: keyed))?.sequence == 1)
    }

    @Test func rewriting_every_row_without_the_key_is_caught_at_the_first_keyed_row() {
        // Someone with the database but not the key edits row 2 and recomputes every later link
        // with the only hash they can compute.
        var rows = chain(5)
        rows[1].record.detail = "changed"
        var previous = rows[0].storedHash
        for index in 1..<rows.count {
            rows[index].storedPreviousHash = previous
            rows[index].storedHash = hash(previous + rows[index].record.canonicalText)
            previous = rows[index].storedHash
        }
        #expect(AuditChainVerifier.firstBreak(in: rows, hashing: hashing)?.sequence == 2)
    }

    private func checkpoint(_ sequence: Int64, hash: String, keyedFrom: Int64 = 1) -> AuditCheckpoint {
        AuditCheckpoint(sequence: sequence, hash: hash, keyedFrom: keyedFrom, writtenAtMilliseconds: 1_800_000_000_000)
    }

    @Test func checkpoints_that_match_the_trail_find_nothing() {
        let rows = chain(5)
        let stored = { (sequence: Int64) in rows.first { $0.record.sequence == sequence }?.storedHash }
        let checkpoints = [checkpoint(3, hash: rows[2].storedHash), checkpoint(5, hash: rows[4].storedHash), checkpoint(0, hash: AuditRecord.genesisHash)]
        #expect(AuditCheckpointCheck.firstBreak(checkpoints: checkpoints, storedHash: stored, lastSequence: 5, keyedFrom: 1) == nil)
    }

    @Test func a_tail_removed_with_its_head_is_found_by_a_checkpoint_past_the_end() {
        let rows = chain(5)
        let kept = Array(rows.prefix(3))
        let stored = { (sequence: Int64) in kept.first { $0.record.sequence == sequence }?.storedHash }
        let broken = AuditCheckpointCheck.firstBreak(checkpoints: [checkpoint(5, hash: rows[4].storedHash)], storedHash: stored,
                                                     lastSequence: 3, keyedFrom: 1)
        #expect(broken?.sequence == 4)
        #expect(broken?.reason.contains("records 5 rows but the trail ends at 3") == true)
    }

    @Test func a_row_that_differs_from_its_checkpoint_and_a_moved_boundary_are_found() {
        let rows = chain(5)
        let stored = { (sequence: Int64) in rows.first { $0.record.sequence == sequence }?.storedHash }
        #expect(AuditCheckpointCheck.firstBreak(checkpoints: [checkpoint(4, hash: "0" + rows[3].storedHash.dropFirst())], storedHash: stored,
                                                lastSequence: 5, keyedFrom: 1)?.sequence == 4)
        #expect(AuditCheckpointCheck.firstBreak(checkpoints: [checkpoint(4, hash: rows[3].storedHash)], storedHash: stored,
                                                lastSequence: 5, keyedFrom: 6)?.reason.contains("was moved") == true)
    }

    @Test func a_checkpoint_signs_every_field_and_names_its_file_by_time_and_row() {
        let base = checkpoint(12, hash: String(repeating: "a", count: 64))
        var other = base
        other.keyedFrom = 2
        #expect(base.signedText != other.signedText)
        other = base
        other.writtenAtMilliseconds += 1
        #expect(base.signedText != other.signedText)
        #expect(base.signedText.hasPrefix("audit-checkpoint/v1|12|"))
        #expect(base.fileName == "audit-checkpoint-20270115T080000Z-12.json")
    }
}
