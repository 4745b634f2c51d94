import Foundation

/// Who takes a booking made with "any practicum student" (or any clinician of a group): the
/// visitor picks a time, and among the clinicians free then the clinic shares new clients out
/// evenly instead of filling the first name on the list.
///
/// The rule: the clinician with the fewest booked sessions in the week of the appointment (Monday
/// to Sunday, clinic time); on a tie, the one whose `tieBreak` (their profile's slug) sorts first,
/// then the id, so the same calendar always gives the same answer.
public struct AssignmentCandidate: Sendable, Equatable {
    public let id: UUID
    public let tieBreak: String
    public let bookedThatWeek: Int

    public init(id: UUID, tieBreak: String, bookedThatWeek: Int) {
        self.id = id
        self.tieBreak = tieBreak
        self.bookedThatWeek = bookedThatWeek
    }
}

public enum FairAssignment {
    /// Every candidate, the one to try first first: if the database refuses the first (someone took
    /// that time a moment ago) the next is tried.
    public static func ranked(_ candidates: [AssignmentCandidate]) -> [AssignmentCandidate] {
        candidates.sorted { a, b in
            if a.bookedThatWeek != b.bookedThatWeek { return a.bookedThatWeek < b.bookedThatWeek }
            if a.tieBreak != b.tieBreak { return a.tieBreak < b.tieBreak }
            return a.id < b.id
        }
    }

    public static func pick(_ candidates: [AssignmentCandidate]) -> AssignmentCandidate? {
        ranked(candidates).first
    }
}
