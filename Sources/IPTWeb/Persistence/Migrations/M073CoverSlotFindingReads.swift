import Fluent

/// Slot finding reads each clinician's busy times in the week shown: for "any registered
/// psychotherapist" at a large clinic, 193 calendars and 8,400 appointments. The index on
/// (clinician, blocked from) found them, and each was then looked up in the table for its end,
/// status and hold, 8,400 table pages that another connection's commit had emptied from the
/// reader's cache (see M072). The statement ran past the inline reader's budget, was stopped, and
/// ran again on the pool. Widened, the index answers it alone (docs/PERFORMANCE.md, "Runs of
/// 2026-12-07, fifth session").
struct M073CoverSlotFindingReads: AsyncMigration {
    static let indexes: [WidenedIndex] = [
        // SchedulingQueries.busyTimesQuery: a calendar's busy times in a window.
        WidenedIndex(table: "appointments", name: "appointments_staff_time",
                     before: ["staff_id", "blocked_from"],
                     after: ["staff_id", "blocked_from", "blocked_until", "status", "hold_expires_at", "id"]),
    ]

    func prepare(on database: any Database) async throws {
        try await WidenedIndex.widen(Self.indexes, on: database)
    }

    func revert(on database: any Database) async throws {
        try await WidenedIndex.narrow(Self.indexes, on: database)
    }
}
