import Foundation
import IPTCore
import Testing

@Suite struct ClientSearchQueryTests {
    @Test func a_query_is_read_as_a_birth_date_an_email_a_phone_or_a_name() {
        #expect(ClientSearchQuery.read("1996-03-04") == .success(.dateOfBirth("1996-03-04")))
        #expect(ClientSearchQuery.read(" 1996/3/4 ") == .success(.dateOfBirth("1996-03-04")))
        #expect(ClientSearchQuery.read("1996-02-30") == .success(.phone("19960230")), "not a calendar day: read as digits")
        #expect(ClientSearchQuery.read("Riley@Example.org") == .success(.email("riley@example.org")))
        #expect(ClientSearchQuery.read("(416) 555-0101") == .success(.phone("4165550101")))
        #expect(ClientSearchQuery.read("Riley  TAN") == .success(.name(["riley", "tan"])))
    }

    @Test func pattern_characters_are_dropped_and_too_little_or_too_much_is_refused() {
        #expect(ClientSearchQuery.read("%_") == .failure(.tooShort), "wildcards alone would list everyone")
        #expect(ClientSearchQuery.read("ri%ley") == .success(.name(["riley"])))
        #expect(ClientSearchQuery.read("r") == .failure(.tooShort))
        #expect(ClientSearchQuery.read("41") == .failure(.tooShort))
        #expect(ClientSearchQuery.read(String(repeating: "a", count: 101)) == .failure(.tooLong))
        #expect(ClientSearchQuery.read("ri\u{0}ley") == .success(.name(["ri", "ley"])), "a NUL separates words")
        #expect(ClientSearchQuery.read("riley\ttan\u{7}") == .success(.name(["riley", "tan"])))
        #expect(ClientSearchQuery.read("\u{0}\u{0}") == .failure(.tooShort))
    }

    @Test func each_role_searches_what_it_may_see() {
        #expect(ClientSearchScope.of(.therapist) == .careTeam && ClientSearchScope.of(.student) == .careTeam)
        #expect(ClientSearchScope.of(.supervisor) == .careTeam)
        #expect(ClientSearchScope.of(.admin) == .wholeClinicWithCharts)
        #expect(ClientSearchScope.of(.receptionist) == .wholeClinicForBooking && !ClientSearchScope.of(.receptionist).opensCharts)
    }
}

@Suite struct NotesOwedTests {
    let riley = UUID()
    let sam = UUID()

    func session(_ client: UUID, day: Double) -> NotesOwed.Session {
        NotesOwed.Session(appointmentID: UUID(), clientID: client, startsAt: Date(timeIntervalSince1970: day * 86_400))
    }

    @Test func a_session_named_by_a_note_is_not_owed() {
        let first = session(riley, day: 1), second = session(riley, day: 8)
        let owed = NotesOwed.sessionsWithoutNote([second, first], notedAppointments: [first.appointmentID], unlinkedNotes: [:])
        #expect(owed == [second])
    }

    @Test func notes_written_from_the_chart_cover_the_clients_oldest_sessions_only() {
        let sessions = [session(riley, day: 1), session(riley, day: 8), session(riley, day: 15), session(sam, day: 2)]
        let owed = NotesOwed.sessionsWithoutNote(sessions, notedAppointments: [], unlinkedNotes: [riley: 2])
        #expect(owed == [sessions[3], sessions[2]], "Riley's third session and Sam's only one, oldest first")
    }

    /// Sessions at the same moment are ordered by their appointment's id compared as a `UUID`,
    /// which must be the order of the ids' text (the lists Today links to were ordered by the text).
    @Test func sessions_at_the_same_moment_follow_their_ids_text() {
        let sessions = (0..<200).map { _ in session(riley, day: 1) }
        let owed = NotesOwed.sessionsWithoutNote(sessions, notedAppointments: [], unlinkedNotes: [:])
        #expect(owed.map(\.appointmentID.uuidString) == sessions.map(\.appointmentID.uuidString).sorted())
        let edges = [UUID(uuidString: "00000000-0000-0000-0000-0000000000FF")!, UUID(uuidString: "FF000000-0000-0000-0000-000000000000")!,
                     UUID(uuidString: "0A000000-0000-0000-0000-000000000000")!, UUID(uuidString: "A0000000-0000-0000-0000-000000000000")!]
        #expect(edges.sorted().map(\.uuidString) == edges.map(\.uuidString).sorted())
    }
}

@Suite struct JobFreshnessTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func a_job_is_stale_only_after_its_allowance_from_its_last_success_or_the_start() {
        #expect(JobFreshness.allowance(interval: 60) == 600 && JobFreshness.allowance(interval: 300) == 1_500)
        #expect(!JobFreshness.isStale(lastSucceeded: nil, interval: 60, runningSince: start, now: start.addingTimeInterval(599)),
                "a fresh start is given the allowance before its first run")
        #expect(JobFreshness.isStale(lastSucceeded: nil, interval: 60, runningSince: start, now: start.addingTimeInterval(601)))
        #expect(!JobFreshness.isStale(lastSucceeded: start.addingTimeInterval(400), interval: 60, runningSince: start,
                                      now: start.addingTimeInterval(900)))
        #expect(!JobFreshness.isStale(lastSucceeded: start.addingTimeInterval(-86_400), interval: 60, runningSince: start,
                                      now: start.addingTimeInterval(60)), "an old success from before this start does not count against it")
    }
}
