import Fluent
import Foundation
import IPTCore
import IPTPages
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct TodayTests {
    /// A confirmed appointment with the client, `hours` from now (negative for the past).
    static func appointment(_ clinic: TestClinic, clinician: StaffUser, client: ClientRecord, hours: Double,
                            status: Appointment.Status = .confirmed) async throws -> Appointment {
        let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
        let appointment = try BookingService.newAppointment(staffID: clinician.requireID(), clientID: client.requireID(), kind: kind,
                                                            start: clinic.clock.now.addingTimeInterval(hours * 3600), locationID: nil,
                                                            source: "test", now: clinic.clock.now)
        appointment.status = status
        try await appointment.create(on: clinic.db)
        return appointment
    }

    /// A signed note on the client by `author`, naming an appointment (or none, as from the chart),
    /// or amending another note.
    static func note(_ clinic: TestClinic, client: ClientRecord, by author: StaffUser, appointment: UUID? = nil,
                     amends: UUID? = nil) async throws -> SessionNoteRow {
        let note = SessionNoteRow()
        note.$client.id = try client.requireID()
        note.$author.id = try author.requireID()
        note.$appointment.id = appointment
        note.$amends.id = amends
        note.sessionNumber = 1
        note.phase = "initial"
        note.contentSealed = "enc:v1:x"
        note.status = .final
        note.createdAt = clinic.clock.now
        note.updatedAt = clinic.clock.now
        try await note.create(on: clinic.db)
        return note
    }

    static func signIn(_ clinic: TestClinic, _ user: StaffUser) async throws -> Browser {
        let browser = Browser(app: clinic.app)
        try await browser.signIn(email: user.email, password: "correct horse battery")
        return browser
    }

    @Test func the_staff_frame_has_the_grouped_menu_and_search_and_no_public_footer() async throws {
        try await withClinic { clinic in
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let page = try await desk.get("/staff").body.string
            #expect(page.contains(#"class="staff-side""#) && page.contains("Front desk") && page.contains(#"action="/staff/search""#))
            #expect(!page.contains("Need help right now?"), "the crisis footer is for client-facing pages")
            #expect(!page.contains(">Audit trail<"), "the menu holds only what the role may open")
            let home = try await Browser(app: clinic.app).get("/").body.string
            #expect(home.contains("Need help right now?"), "public pages keep it")
        }
    }

    @Test func a_clinician_finds_only_clients_on_their_care_team_and_the_search_is_audited() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let mine = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org", dateOfBirth: "1996-03-04")
            _ = try await clinic.addClient(name: "Riley Other", email: "other@example.org", dateOfBirth: "1996-03-04")
            try await clinic.assignCareTeam(client: mine.requireID(), treating: therapist)
            let browser = try await Self.signIn(clinic, therapist)
            _ = try await browser.get("/staff")

            for query in ["RILEY", "riley@EXAMPLE", "1996-03-04", "555 0100"] {
                let found = try await browser.post("/staff/search", form: ["q": query])
                #expect(found.status == .ok)
                #expect(found.body.string.contains("Riley Tan") && !found.body.string.contains("Riley Other"), "query \(query)")
                #expect(found.body.string.contains("/staff/clients/\(mine.id!.uuidString)/chart"))
            }
            let rows = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "client-search").all()
            #expect(rows.count == 4 && rows.allSatisfy { $0.detail?.contains(mine.id!.uuidString) == true })

            let short = try await browser.post("/staff/search", form: ["q": "r"])
            #expect(short.status == .unprocessableEntity && short.body.string.contains(#"value="r""#), "the input is kept")
        }
    }

    @Test func the_front_desk_finds_anyone_to_book_but_is_given_no_chart() async throws {
        try await withClinic { clinic in
            let client = try await clinic.addClient(name: "Jo Park", email: "jo@example.org")
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            _ = try await desk.get("/staff")
            let found = try await desk.post("/staff/search", form: ["q": "jo park"]).body.string
            #expect(found.contains("Jo Park") && !found.contains("/chart"))
            #expect(found.contains("/staff/appointments/new?client=\(client.id!.uuidString)"))
            let form = try await desk.get("/staff/appointments/new?client=\(client.id!.uuidString)").body.string
            #expect(form.contains(#"<option value="\#(client.id!.uuidString)" selected"#), "the client is chosen on the booking form")
        }
    }

    @Test func today_lists_alerts_sessions_and_the_notes_still_to_write() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let riley = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org")
            let sam = try await clinic.addClient(name: "Sam Lee", email: "sam@example.org")
            for client in [riley, sam] { try await clinic.assignCareTeam(client: client.requireID(), treating: therapist) }
            let pastNoted = try await Self.appointment(clinic, clinician: therapist, client: riley, hours: -72, status: .attended)
            let samSession = try await Self.appointment(clinic, clinician: therapist, client: sam, hours: -48, status: .attended)
            _ = try await Self.note(clinic, client: riley, by: therapist, appointment: pastNoted.id)
            let alert = RiskAlert()
            alert.$client.id = try sam.requireID()
            alert.source = .questionnaire
            alert.$clinician.id = try therapist.requireID()
            alert.status = .open
            alert.createdAt = clinic.clock.now
            try await alert.create(on: clinic.db)

            let browser = try await Self.signIn(clinic, therapist)
            let page = try await browser.get("/staff").body.string
            let notes = try #require(page.range(of: "Notes to write"))
            let afterNotes = String(page[notes.upperBound...])
            #expect(afterNotes.contains("Sam Lee") && !afterNotes.prefix(upTo: afterNotes.range(of: "</section>")!.lowerBound).contains("Riley Tan"),
                    "Sam's session has no note; Riley's is noted")
            #expect(page.range(of: "Open risk alerts")!.lowerBound < notes.lowerBound, "alerts come first")
            #expect(page.contains("/notes/new?appointment=\(samSession.id!.uuidString)"), "the note is written from its appointment")
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "today").count() == 1)
        }
    }

    /// The notes owed are counted from plain rows of the history (docs/PERFORMANCE.md): a note
    /// written from the chart names no appointment and covers the client's oldest session without
    /// one; an amendment covers nothing; another clinician's note covers nothing of this one's.
    @Test func a_note_written_from_the_chart_covers_the_oldest_session_and_an_amendment_covers_none() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let colleague = try await clinic.makeClinician(tier: .full, name: "Cole Colleague", role: .therapist)
            let riley = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org")
            try await clinic.assignCareTeam(client: riley.requireID(), treating: therapist)
            let oldest = try await Self.appointment(clinic, clinician: therapist, client: riley, hours: -24 * 60, status: .attended)
            let middle = try await Self.appointment(clinic, clinician: therapist, client: riley, hours: -24 * 20, status: .attended)
            let latest = try await Self.appointment(clinic, clinician: therapist, client: riley, hours: -24 * 2, status: .attended)
            // A session with another clinician is theirs to write up, not this one's.
            let colleagues = try await Self.appointment(clinic, clinician: colleague, client: riley, hours: -24 * 10, status: .attended)
            let fromChart = try await Self.note(clinic, client: riley, by: therapist)
            _ = try await Self.note(clinic, client: riley, by: therapist, amends: fromChart.requireID())
            _ = try await Self.note(clinic, client: riley, by: colleague)
            _ = try await Self.note(clinic, client: riley, by: therapist, appointment: latest.requireID())

            let page = try await Self.signIn(clinic, therapist).get("/staff").body.string
            let notes = try #require(page.range(of: "Notes to write"))
            let section = String(page[notes.upperBound...].prefix(upTo: page[notes.upperBound...].range(of: "</section>")!.lowerBound))
            #expect(section.contains("appointment=\(middle.id!.uuidString)"), "the middle session is still owed")
            #expect(!section.contains("appointment=\(oldest.id!.uuidString)"), "the chart's note covers the oldest")
            #expect(!section.contains("appointment=\(latest.id!.uuidString)"), "the latest has its own note")
            #expect(!section.contains("appointment=\(colleagues.id!.uuidString)"), "another clinician's session is not owed here")
            let owed = try await TodayQueries.sessionsWithoutNote(of: therapist.requireID(), since: clinic.clock.now.addingTimeInterval(-90 * 86_400),
                                                                 on: clinic.db)
            #expect(owed.map(\.appointmentID) == [middle.id!], "one owed session")
            #expect(try await TodayQueries.owedAppointments(owed, on: clinic.db).first?.clientName == "Riley Tan", "read in full with its client")
        }
    }

    @Test func today_lists_the_oldest_notes_owed_and_links_to_all_of_them() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let riley = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org")
            try await clinic.assignCareTeam(client: riley.requireID(), treating: therapist)
            let owed = TodayPage.shown + 2
            var sessions: [Appointment] = []
            for week in (1...owed).reversed() {
                sessions.append(try await Self.appointment(clinic, clinician: therapist, client: riley, hours: -24 * 7 * Double(week), status: .attended))
            }
            // A session of today is under "Your sessions today", with its note button, and not in the list.
            let thisMorning = try await Self.appointment(clinic, clinician: therapist, client: riley, hours: -2, status: .attended)
            let browser = try await Self.signIn(clinic, therapist)
            let today = try await browser.get("/staff").body.string
            let notes = try #require(today.range(of: "Notes to write"))
            let section = String(today[notes.upperBound...].prefix(upTo: today[notes.upperBound...].range(of: "</section>")!.lowerBound))
            #expect(section.contains(#"<span class="today-count"> \#(owed)</span>"#), "the heading counts them all")
            let listed = sessions.filter { section.contains("appointment=\($0.id!.uuidString)") }
            #expect(listed.map(\.id) == sessions.prefix(TodayPage.shown).map(\.id), "the oldest \(TodayPage.shown), oldest first")
            #expect(section.contains("All \(owed) notes to write") && section.contains(#"href="/staff/notes-to-write""#))

            let all = try await browser.get("/staff/notes-to-write")
            #expect(all.status == .ok)
            let page = all.body.string
            #expect(sessions.allSatisfy { page.contains("appointment=\($0.id!.uuidString)") }, "every owed note, each with its button")
            #expect(!page.contains("appointment=\(thisMorning.id!.uuidString)") && page.contains(#"today-count"> \#(owed)<"#),
                    "the list is the one Today counts: today's session is on Today")
            #expect(today.contains("appointment=\(thisMorning.id!.uuidString)"), "today's session has its note button on Today")
            #expect(page.contains(#"<a href="/staff" aria-current="page">Today</a>"#), "the menu shows the list under Today")
            let positions = sessions.compactMap { page.range(of: "appointment=\($0.id!.uuidString)")?.lowerBound }
            #expect(positions == positions.sorted(), "oldest first")
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "notes-to-write").count() == 1, "the list is a view of records")

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/notes-to-write").status == .forbidden, "the front desk sees no clinical work")
            let other = try await clinic.makeClinician(tier: .full, name: "Oda Other", role: .therapist)
            let otherPage = try await Self.signIn(clinic, other).get("/staff/notes-to-write").body.string
            #expect(!otherPage.contains("Riley Tan") && otherPage.contains("Every attended session of the last 90 days has its note."),
                    "only one's own sessions")
        }
    }

    @Test func today_lists_the_forms_due_first_across_the_three_kinds_and_links_to_all_of_them() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let other = try await clinic.makeClinician(tier: .full, name: "Oda Other", role: .therapist)
            let riley = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org")
            let sam = try await clinic.addClient(name: "Sam Lee", email: "sam@example.org")
            func questionnaire(_ client: ClientRecord, by clinician: StaffUser, expiresInDays days: Double) async throws {
                let response = MeasureResponse()
                response.id = UUID()
                response.sharedWithGuardian = false
                response.$client.id = try client.requireID()
                response.$clinician.id = try clinician.requireID()
                response.instrumentCode = "phq9"
                response.tokenHash = UUID().uuidString
                response.status = .sent
                response.createdAt = clinic.clock.now
                response.expiresAt = clinic.clock.now.addingTimeInterval(days * 86_400)
                try await response.create(on: clinic.db)
            }
            // Twelve out: eleven questionnaires to Riley due in 2..12 days, and an intake to Sam due
            // tomorrow, first of all. One expired and one of another clinician's are not hers.
            for day in 2...12 { try await questionnaire(riley, by: therapist, expiresInDays: Double(day)) }
            try await questionnaire(riley, by: therapist, expiresInDays: -1)
            try await questionnaire(sam, by: other, expiresInDays: 1)
            let intake = IntakeRecord()
            intake.$client.id = try sam.requireID()
            intake.$clinician.id = try therapist.requireID()
            intake.tokenHash = UUID().uuidString
            intake.status = .sent
            intake.createdAt = clinic.clock.now
            intake.expiresAt = clinic.clock.now.addingTimeInterval(86_400)
            try await intake.create(on: clinic.db)

            let (forms, total) = try await TodayQueries.outstandingForms(sentBy: therapist.requireID(), now: clinic.clock.now,
                                                                         instruments: clinic.app.services.instruments, limit: TodayPage.shown, on: clinic.db)
            #expect(total == 12)
            #expect(forms.count == TodayPage.shown && forms.first?.name == "Intake form" && forms.first?.clientName == "Sam Lee")
            #expect(forms.map(\.expiresAt) == (1...10).map { clinic.clock.now.addingTimeInterval(Double($0) * 86_400) },
                    "the ten due first, the first to expire first: the intake tomorrow, then days 2 to 10")

            let browser = try await Self.signIn(clinic, therapist)
            let today = try await browser.get("/staff").body.string
            let heading = try #require(today.range(of: "Forms clients have not finished"))
            let section = String(today[heading.upperBound...].prefix(upTo: today[heading.upperBound...].range(of: "</section>")!.lowerBound))
            #expect(section.contains(#"<span class="today-count"> 12</span>"#))
            #expect(section.components(separatedBy: #"<li class="today-line""#).count - 1 == TodayPage.shown)
            #expect(section.contains("All 12 forms not finished") && section.contains(#"href="/staff/forms-outstanding""#))
            let all = try await browser.get("/staff/forms-outstanding")
            #expect(all.status == .ok)
            #expect(all.body.string.components(separatedBy: #"<li class="today-line""#).count - 1 == 12, "every form out, none expired, none of another's")
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "forms-outstanding").count() == 1)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/forms-outstanding").status == .forbidden)
        }
    }

    @Test func todays_alert_heading_counts_every_open_alert_when_more_are_open_than_listed() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let sam = try await clinic.addClient(name: "Sam Lee", email: "sam@example.org")
            try await clinic.assignCareTeam(client: sam.requireID(), treating: therapist)
            for minute in 0...TodayPage.alertsShown {  // one more than Today lists
                let alert = RiskAlert()
                alert.$client.id = try sam.requireID()
                alert.source = .questionnaire
                alert.$clinician.id = try therapist.requireID()
                alert.status = .open
                alert.createdAt = clinic.clock.now.addingTimeInterval(Double(minute) * 60)
                try await alert.create(on: clinic.db)
            }
            let page = try await Self.signIn(clinic, therapist).get("/staff").body.string
            let heading = try #require(page.range(of: "Open risk alerts"))
            let section = String(page[heading.upperBound...].prefix(upTo: page[heading.upperBound...].range(of: "</section>")!.lowerBound))
            #expect(section.contains(#"<span class="today-count"> \#(TodayPage.alertsShown + 1)</span>"#), "every open alert is counted")
            #expect(section.components(separatedBy: #"<li class="today-line""#).count - 1 == TodayPage.alertsShown, "the oldest 50 are listed")
            #expect(section.contains("All \(TodayPage.alertsShown + 1) open alerts"))
        }
    }

    @Test func the_desk_marks_an_arrival_that_the_clinician_then_sees_and_others_cannot_mark() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let other = try await clinic.makeClinician(tier: .full, name: "Oli Other", role: .therapist)
            let client = try await clinic.addClient(name: "Jo Park", email: "jo@example.org")
            let soon = try await Self.appointment(clinic, clinician: therapist, client: client, hours: 0.5)
            let path = "/staff/appointments/\(soon.id!.uuidString)/arrived"

            let outsider = try await Self.signIn(clinic, other)
            _ = try await outsider.get("/staff")
            #expect(try await outsider.post(path, form: [:]).status == .notFound, "not their calendar")

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let before = try await desk.get("/staff").body.string
            #expect(before.contains("Arrivals today") && before.contains(#"action="\#(path)""#))
            #expect(try await desk.post(path, form: [:]).status == .seeOther)
            let arrived = try await Appointment.find(soon.id, on: clinic.db)
            #expect(arrived?.arrivedAt != nil && arrived?.status == .confirmed)

            let mine = try await Self.signIn(clinic, therapist)
            #expect(try await mine.get("/staff").body.string.contains("Arrived "))
        }
    }

    /// The text of one of Today's panels, from its heading to the end of its section.
    static func panel(_ page: String, _ id: String) -> String {
        guard let start = page.range(of: #"id="\#(id)""#) else { return "" }
        let rest = page[start.upperBound...]
        return String(rest.prefix(upTo: rest.range(of: "</section>")?.lowerBound ?? rest.endIndex))
    }

    @Test func the_front_desk_sees_each_calendars_day_and_holds_and_offers_with_client_clinician_and_state() async throws {
        try await withClinic { clinic in
            let tess = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let oli = try await clinic.makeClinician(tier: .full, name: "Oli Other", role: .therapist)
            func client(_ name: String) async throws -> ClientRecord {
                try await clinic.addClient(name: name, email: name.lowercased().replacingOccurrences(of: " ", with: ".") + "@example.org")
            }
            // Now is 06:06 in Toronto: every time from -6 h to +17 h is today.
            let coming = try await Self.appointment(clinic, clinician: tess, client: client("Ada Coming"), hours: 2)
            _ = try await Self.appointment(clinic, clinician: tess, client: client("Bo Attended"), hours: -2, status: .attended)
            _ = try await Self.appointment(clinic, clinician: oli, client: client("Cy Missed"), hours: -4, status: .noShow)
            _ = try await Self.appointment(clinic, clinician: oli, client: client("Di Cancelled"), hours: 3, status: .cancelled)
            _ = try await Self.appointment(clinic, clinician: tess, client: client("Ed Requested"), hours: 30, status: .requested)
            let held = try await Self.appointment(clinic, clinician: oli, client: client("Flo Held"), hours: 50, status: .held)
            held.holdExpiresAt = clinic.clock.now.addingTimeInterval(1_800)
            try await held.update(on: clinic.db)
            let offered = try await Self.appointment(clinic, clinician: tess, client: client("Gus Offered"), hours: 72, status: .offered)
            offered.holdExpiresAt = clinic.clock.now.addingTimeInterval(86_400)
            try await offered.update(on: clinic.db)

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let page = try await desk.get("/staff").body.string
            let arrivals = Self.panel(page, "today-arrivals")
            #expect(arrivals.contains("Ada Coming") && arrivals.contains("IPT session with Tess Therapist"))
            #expect(arrivals.contains(#"action="/staff/appointments/\#(coming.id!.uuidString)/arrived""#), "the one still to come can be marked arrived")
            #expect(arrivals.contains("Bo Attended") && arrivals.contains("Attended"))
            #expect(arrivals.contains("Cy Missed") && arrivals.contains("with Oli Other") && arrivals.contains("No-show"))
            #expect(!arrivals.contains("Di Cancelled") && !arrivals.contains("Ed Requested"), "cancelled and unconfirmed are not arrivals")
            #expect(arrivals.range(of: "Cy Missed")!.lowerBound < arrivals.range(of: "Bo Attended")!.lowerBound, "in time order")
            let holds = Self.panel(page, "today-holds")
            #expect(holds.contains("Ed Requested") && holds.contains("Needs approval"))
            #expect(holds.contains("Flo Held") && holds.contains("with Oli Other") && holds.contains("Held until"))
            let offers = Self.panel(page, "today-offers")
            #expect(offers.contains("Gus Offered") && offers.contains("Offered with Tess Therapist") && offers.contains("Answer by"))

            let mine = try await Self.signIn(clinic, tess).get("/staff").body.string
            let sessions = Self.panel(mine, "today-sessions")
            #expect(sessions.contains("Ada Coming") && sessions.contains("Confirmed"))
            #expect(sessions.contains("Bo Attended") && sessions.contains("Note to write"), "attended today without a note")
            #expect(!sessions.contains("Cy Missed"), "another clinician's")
        }
    }

    /// Today's caseload reads are answered from their indexes alone (M072): a table lookup for each
    /// of a long-standing clinician's hundreds of rows was half of Today's time at 100,000 clients.
    @Test func todays_caseload_reads_are_answered_from_their_indexes_alone() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let sql = clinic.db as! any SQLDatabase
            let someone = UUID(), clients = [UUID(), UUID()], now = clinic.clock.now
            for (query, index) in [(CareTeamQueries.activeClientsQuery(of: someone, at: now), "care_team_staff"),
                                   (OwedNoteReads.recentClients(of: someone, since: now), "appointments_staff_start"),
                                   (OwedNoteReads.attendedSessions(of: clients), "appointments_client_status_time"),
                                   (OwedNoteReads.notes(by: someone, about: clients), "notes_author")] {
                let plan = try await sql.raw("EXPLAIN QUERY PLAN " + query).all().map { try $0.decode(column: "detail", as: String.self) }
                #expect(plan.contains { $0.contains("USING COVERING INDEX \(index) ") }, "\(plan)")
            }
        }
    }

    /// The widened indexes go back to their old columns and forward again on either engine.
    @Test func the_widened_indexes_revert_and_apply_again() async throws {
        try await withClinic { clinic in
            try await clinic.revertAndApplyAgain(M072CoverTodaysCaseloadReads(), widening: M072CoverTodaysCaseloadReads.indexes)
            let (browser, therapist) = try await clinic.signedIn(as: .therapist)
            #expect(try await browser.get("/staff").status == .ok, "Today reads through the indexes again as \(therapist.name)")
        }
    }
}
