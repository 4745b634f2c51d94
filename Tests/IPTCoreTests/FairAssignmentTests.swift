import Foundation
import IPTCore
import Testing

@Suite struct FairAssignmentTests {
    let a = UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!
    let b = UUID(uuidString: "00000000-0000-0000-0000-00000000000B")!
    let c = UUID(uuidString: "00000000-0000-0000-0000-00000000000C")!

    @Test func the_student_with_the_fewest_sessions_that_week_is_picked() {
        let picked = FairAssignment.pick([
            AssignmentCandidate(id: a, tieBreak: "amara", bookedThatWeek: 4),
            AssignmentCandidate(id: b, tieBreak: "ben", bookedThatWeek: 1),
            AssignmentCandidate(id: c, tieBreak: "chloe", bookedThatWeek: 2),
        ])
        #expect(picked?.id == b)
    }

    @Test func ties_go_to_the_first_slug_whatever_the_input_order() {
        let candidates = [
            AssignmentCandidate(id: c, tieBreak: "chloe", bookedThatWeek: 1),
            AssignmentCandidate(id: a, tieBreak: "amara", bookedThatWeek: 1),
            AssignmentCandidate(id: b, tieBreak: "ben", bookedThatWeek: 3),
        ]
        #expect(FairAssignment.pick(candidates)?.id == a)
        #expect(FairAssignment.pick(candidates.reversed())?.id == a)
        #expect(FairAssignment.ranked(candidates).map(\.id) == [a, c, b], "the fallback order when the first is taken")
    }

    @Test func nobody_free_means_no_pick() {
        #expect(FairAssignment.pick([]) == nil)
    }

    @Test func bookings_spread_evenly_when_each_pick_is_counted() {
        var counts = [a: 0, b: 0, c: 0]
        let slugs = [a: "amara", b: "ben", c: "chloe"]
        for _ in 0..<9 {
            let picked = FairAssignment.pick(counts.map { AssignmentCandidate(id: $0.key, tieBreak: slugs[$0.key]!, bookedThatWeek: $0.value) })!
            counts[picked.id, default: 0] += 1
        }
        #expect(counts.values.allSatisfy { $0 == 3 })
    }
}
