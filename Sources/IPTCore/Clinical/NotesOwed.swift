import Foundation

/// Which attended sessions still need a note. A note written from the appointment names it; a
/// note written from the chart names none, so those are counted against the client's oldest
/// sessions without one (a clinician catching up writes them in order). What is left is owed.
public enum NotesOwed {
    public struct Session: Sendable, Equatable {
        public var appointmentID: UUID
        public var clientID: UUID
        public var startsAt: Date

        public init(appointmentID: UUID, clientID: UUID, startsAt: Date) {
            self.appointmentID = appointmentID
            self.clientID = clientID
            self.startsAt = startsAt
        }
    }

    /// The sessions without a note, oldest first.
    /// - Parameters:
    ///   - sessions: attended sessions.
    ///   - notedAppointments: the appointments a note names.
    ///   - unlinkedNotes: per client, how many notes name no appointment.
    public static func sessionsWithoutNote(_ sessions: [Session], notedAppointments: Set<UUID>, unlinkedNotes: [UUID: Int]) -> [Session] {
        var coverLeft = unlinkedNotes
        // `UUID`'s own order is the order of its text; formatting the text in every comparison was a
        // tenth of Today's time for a clinician of ten years (docs/PERFORMANCE.md).
        return sessions.sorted { ($0.startsAt, $0.appointmentID) < ($1.startsAt, $1.appointmentID) }.filter { session in
            if notedAppointments.contains(session.appointmentID) { return false }
            if let left = coverLeft[session.clientID], left > 0 {
                coverLeft[session.clientID] = left - 1
                return false
            }
            return true
        }
    }
}
