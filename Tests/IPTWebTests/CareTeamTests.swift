import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Who may open a chart is the care team the clinic assigned: never a booking, never an appointment.
@Suite struct CareTeamTests {
    @Test func a_public_booking_with_an_existing_clients_details_never_reaches_that_clients_record() async throws {
        try await withClinic { clinic in
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let existing = try await clinic.clientSeen(by: therapistUser, name: "Robin Example", email: "robin@example.org")
            try await clinic.addScore(17, client: existing.id!, clinician: therapistUser)
            // Someone who knows Robin's name, email and date of birth books with a student.
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/book/details?type=consultation&with=reduced&clinician=\(student.slug)&start=\(Int(start.timeIntervalSince1970))")
            var fields = BookingForm.fields(student, start: start, dateOfBirth: "1988-08-08")
            fields["name"] = "Robin Example"
            let sent = try await visitor.post("/book/details", form: fields)
            #expect(sent.location == "/book/check-your-inbox", "answered exactly like any booking")
            let booked = try #require(try await Appointment.query(on: clinic.db).filter(\.$staff.$id == student.id!).first())
            #expect(booked.$client.id != existing.id, "a new record, not the existing client's")
            let task = try #require(try await PossibleDuplicate.query(on: clinic.db).first())
            #expect(task.$existing.id == existing.id && task.$client.id == booked.$client.id && task.status == .open)
            #expect(task.reasons.contains("the same email") && task.reasons.contains("the same name and date of birth"))

            // The student holding that appointment sees no clinical information of either record.
            booked.status = Appointment.Status.confirmed
            try await booked.update(on: clinic.db)
            let studentBrowser = Browser(app: clinic.app)
            try await studentBrowser.signIn(email: student.email, password: "correct horse battery")
            let page = try await studentBrowser.get("/staff/appointments/\(booked.id!.uuidString)").body.string
            #expect(!page.contains("PHQ-9") && !page.contains("Send a questionnaire"))
            #expect(page.contains("not on your care team"))
            #expect(try await studentBrowser.post("/staff/appointments/\(booked.id!.uuidString)/questionnaire", form: ["instrument": "phq-9"]).status == .notFound)
            #expect(try await studentBrowser.get("/staff/clients/\(existing.id!.uuidString)/chart").status == .notFound)
            #expect(try await therapist.get("/staff/clients/\(existing.id!.uuidString)/chart").status == .ok)
        }
    }

    @Test func two_bookings_by_the_same_person_at_the_same_moment_are_flagged_as_possible_duplicates() async throws {
        try await withClinic { clinic in
            let first = try await clinic.makeClinician(name: "Pat Student")
            let second = try await clinic.makeClinician(name: "Sam Student")
            let one = Browser(app: clinic.app), two = Browser(app: clinic.app)
            let startOne = clinic.tenOClock(inDays: 3), startTwo = clinic.tenOClock(inDays: 4)
            try await one.get("/book/details?type=consultation&with=reduced&clinician=\(first.slug)&start=\(Int(startOne.timeIntervalSince1970))")
            try await two.get("/book/details?type=consultation&with=reduced&clinician=\(second.slug)&start=\(Int(startTwo.timeIntervalSince1970))")
            async let a = one.post("/book/details", form: BookingForm.fields(first, start: startOne))
            async let b = two.post("/book/details", form: BookingForm.fields(second, start: startTwo))
            let statuses = try await [a.status, b.status]
            #expect(statuses == [.seeOther, .seeOther])
            let records = try await ClientRecord.query(on: clinic.db).filter(\.$email == "robin@example.org").all().compactMap(\.id)
            #expect(records.count == 2, "a public booking never joins an existing record")
            // Flagged once, whichever booking committed first (M066 keeps a second, reversed task out).
            let tasks = try await PossibleDuplicate.query(on: clinic.db).all()
            #expect(tasks.count == 1, "the pair is flagged once")
            #expect(tasks.allSatisfy { Set([$0.$client.id, $0.$existing.id]) == Set(records) })
        }
    }

    @Test func a_pair_of_records_holds_one_possible_duplicate_task_whichever_way_round() async throws {
        try await withClinic { clinic in
            let one = try await clinic.addClient(name: "Robin Example", email: "robin@example.org")
            let two = try await clinic.addClient(name: "Robin Example", email: "robin@example.org")
            func task(_ client: ClientRecord, _ existing: ClientRecord) -> PossibleDuplicate {
                let task = PossibleDuplicate()
                task.$client.id = client.id!
                task.$existing.id = existing.id!
                task.reasons = "the same email"
                task.status = .open
                task.createdAt = clinic.clock.now
                return task
            }
            try await task(two, one).create(on: clinic.db)
            await #expect(throws: (any Error).self, "the reversed pair is the same pair") { try await task(one, two).create(on: clinic.db) }
            // And the check after commit takes the refusal quietly.
            try await DuplicateQueries.recordMatchesAfterCommit(for: one.id!, now: clinic.clock.now, on: clinic.db)
            #expect(try await PossibleDuplicate.query(on: clinic.db).count() == 1)
            // A database from before M066 with the pair flagged both ways keeps the older task.
            // On one connection, so that no other connection's cached schema still holds the index.
            clinic.clock.advance(by: 60)
            let reversed = task(one, two)
            try await clinic.db.withConnection { db in
                try await M066UniqueDuplicatePair().revert(on: db)
                try await reversed.create(on: db)
                try await M066UniqueDuplicatePair().prepare(on: db)
            }
            let left = try await PossibleDuplicate.query(on: clinic.db).all()
            #expect(left.count == 1 && left.first?.$client.id == two.id, "the older task stays")
        }
    }

    @Test func the_front_desk_merges_a_duplicate_or_keeps_it_apart_and_each_is_audited() async throws {
        try await withClinic { clinic in
            let (_, therapistUser) = try await clinic.signedIn(as: .therapist)
            let existing = try await clinic.clientSeen(by: therapistUser, name: "Robin Example", email: "robin@example.org")
            let details = try BookingDetails.validate(
                BookingDetailsDraft(name: "Robin Example", email: "robin@example.org", phone: "416-555-0111", dateOfBirth: "1988-08-08", consent: true),
                today: clinic.toronto.localDate(of: clinic.clock.now)).get()
            let duplicate = try await BookingService.newClient(details, now: clinic.clock.now, on: clinic.db)
            let kind = AppointmentKind(code: "consultation", name: "Consultation", durationMinutes: 30)
            let later = BookingService.newAppointment(staffID: therapistUser.id!, clientID: duplicate.id!, kind: kind, start: clinic.tenOClock(inDays: 9),
                                                      locationID: nil, source: "web", now: clinic.clock.now)
            try await later.create(on: clinic.db)
            // The new record holds a sealed score and someone on its own care team.
            try await clinic.addScore(9, client: duplicate.id!, clinician: therapistUser)
            let (outsider, outsiderUser) = try await clinic.signedIn(as: .therapist)
            try await clinic.assignCareTeam(client: duplicate.id!, treating: outsiderUser)
            let task = try #require(try await PossibleDuplicate.query(on: clinic.db).first())

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let list = try await desk.get("/staff/duplicates")
            #expect(list.status == .ok && list.body.string.contains("the same email"))
            #expect(try await desk.get("/staff").body.string.contains("1 possible duplicate client</a>"))
            let (other, _) = try await clinic.signedIn(as: .therapist)
            #expect(try await other.get("/staff/duplicates").status == .forbidden)

            #expect(try await desk.post("/staff/duplicates/\(task.id!.uuidString)/merge", form: [:]).status == .seeOther)
            #expect(try await ClientRecord.find(duplicate.id, on: clinic.db) == nil)
            #expect(try await Appointment.find(later.id, on: clinic.db)?.$client.id == existing.id)
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "client-merge").count() == 1)
            // Sealed values are bound to their client: the moved score still opens under the existing one.
            let moved = try #require(try await MeasureResponse.query(on: clinic.db).filter(\.$client.$id == existing.id!).first())
            #expect(try moved.total(clinic.app.services.keyRing) == 9)
            // The new record's care team does not come along: a merge grants no one the existing history.
            #expect(try await outsider.get("/staff/clients/\(existing.id!.uuidString)/chart").status == .notFound)
            #expect(try await desk.post("/staff/duplicates/\(task.id!.uuidString)/merge", form: [:]).status == .notFound)

            // Different people with the same household email are kept apart.
            let sibling = try await BookingService.newClient(
                try BookingDetails.validate(BookingDetailsDraft(name: "Sam Example", email: "robin@example.org", phone: "416-555-0112",
                                                                dateOfBirth: "1990-02-02", consent: true),
                                            today: clinic.toronto.localDate(of: clinic.clock.now)).get(), now: clinic.clock.now, on: clinic.db)
            let second = try #require(try await PossibleDuplicate.query(on: clinic.db).filter(\.$client.$id == sibling.id!).first())
            try await desk.get("/staff/duplicates")
            #expect(try await desk.post("/staff/duplicates/\(second.id!.uuidString)/keep-apart", form: [:]).status == .seeOther)
            #expect(try await PossibleDuplicate.find(second.id, on: clinic.db)?.status == .keptApart)
            #expect(try await ClientRecord.find(sibling.id, on: clinic.db) != nil)
        }
    }

    @Test func an_appointment_grants_nothing_until_the_director_assigns_the_care_team_and_ending_it_takes_access_away() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: therapistUser, attended: 2, onCareTeam: false)
            let chart = "/staff/clients/\(client.id!.uuidString)/chart"
            #expect(try await therapist.get(chart).status == .notFound, "attended appointments grant nothing")
            #expect(try await therapist.get("/staff/clients/\(client.id!.uuidString)/care-team").status == .notFound)

            let teamPage = "/staff/clients/\(client.id!.uuidString)/care-team"
            let page = try await director.get(teamPage)
            #expect(page.status == .ok && page.body.string.contains("No one is on this client"))
            #expect(try await director.post("\(teamPage)/treating", form: ["clinician": ""]).status == .unprocessableEntity)
            #expect(try await director.post("\(teamPage)/treating", form: ["clinician": therapistUser.id!.uuidString]).status == .seeOther)
            #expect(try await therapist.get(chart).status == .ok)
            // The therapist may see who is on the team but not change it.
            try await therapist.get(teamPage)
            #expect(try await therapist.post("\(teamPage)/treating", form: ["clinician": therapistUser.id!.uuidString]).status == .forbidden)

            // A covering colleague, added with a reason; then the treating clinician changes.
            let (cover, coverUser) = try await clinic.signedIn(as: .therapist)
            #expect(try await director.post("\(teamPage)/members", form: ["member": coverUser.id!.uuidString, "reason": ""]).status == .unprocessableEntity)
            #expect(try await director.post("\(teamPage)/members", form: ["member": coverUser.id!.uuidString, "reason": "Covering in August"]).status == .seeOther)
            #expect(try await cover.get(chart).status == .ok)
            let membership = try #require(try await CareTeamMember.query(on: clinic.db).filter(\.$staff.$id == coverUser.id!).first())
            clinic.clock.advance(by: 60)
            #expect(try await director.post("\(teamPage)/members/\(membership.id!.uuidString)/end", form: [:]).status == .seeOther)
            #expect(try await cover.get(chart).status == .notFound, "ended: no access")
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "care-team").filter(\.$action == "update").count() == 3)
        }
    }

    @Test func a_student_assigned_as_treating_brings_their_supervisor_and_alerts_follow_the_team() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (supervisor, supervisorUser) = try await clinic.signedIn(as: .supervisor)
            let studentUser = try await clinic.makeClinician()
            studentUser.$supervisor.id = supervisorUser.id
            try await studentUser.update(on: clinic.db)
            let client = try await clinic.addClient(name: "Jo Client", email: "jo@example.org")
            let teamPage = "/staff/clients/\(client.id!.uuidString)/care-team"
            try await director.get(teamPage)
            #expect(try await director.post("\(teamPage)/treating", form: ["clinician": studentUser.id!.uuidString]).status == .seeOther)
            let team = try await CareTeamQueries.active(of: client.id!, at: clinic.clock.now, on: clinic.db)
            #expect(Set(team.map(\.role)) == [.treating, .supervisor])
            #expect(try await supervisor.get("/staff/clients/\(client.id!.uuidString)/chart").status == .ok)
            // A student added as a member (not treating) brings the supervisor too, for co-signing.
            let other = try await clinic.addClient(name: "Lee Client", email: "lee@example.org")
            let otherTeam = "/staff/clients/\(other.id!.uuidString)/care-team"
            #expect(try await director.post("\(otherTeam)/members", form: ["member": studentUser.id!.uuidString, "reason": "Co-therapist"]).status == .seeOther)
            #expect(try await CareTeamQueries.isMember(supervisorUser.id!, of: other.id!, at: clinic.clock.now, on: clinic.db))
        }
    }

    @Test func supervisors_assign_care_teams_only_where_the_clinic_allows_it() async throws {
        try await withClinic { clinic in
            let (supervisor, _) = try await clinic.signedIn(as: .supervisor)
            let (_, therapistUser) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.addClient(name: "Jo Client", email: "jo@example.org")
            let teamPage = "/staff/clients/\(client.id!.uuidString)/care-team"
            try await supervisor.get("/staff")
            #expect(try await supervisor.post("\(teamPage)/treating", form: ["clinician": therapistUser.id!.uuidString]).status == .notFound)
            let settings = try await ClinicalSettingsRow.current(on: clinic.db)
            settings.careTeamAssigners = "supervisor"
            try await settings.save(on: clinic.db)
            #expect(try await supervisor.post("\(teamPage)/treating", form: ["clinician": therapistUser.id!.uuidString]).status == .seeOther)
            #expect(try await CareTeamQueries.treatingClinician(of: client.id!, at: clinic.clock.now, on: clinic.db) == therapistUser.id)
        }
    }

    @Test func the_audit_view_judges_each_opening_by_the_team_as_it_was_then() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: therapistUser)
            let chart = "/staff/clients/\(client.id!.uuidString)/chart"
            #expect(try await therapist.get(chart).status == .ok)
            clinic.clock.advance(by: 60)
            let membership = try #require(try await CareTeamMember.query(on: clinic.db).first())
            membership.endsAt = clinic.clock.now
            try await membership.update(on: clinic.db)
            // An opening while on the team is not flagged even though the membership has ended since.
            let trail = try await director.get("/staff/audit?subject=\(client.id!.uuidString)").body.string
            #expect(!trail.contains("Outside the care team"))
            // A later opening by the director outside her caseload is.
            try await director.post("/staff/clients/\(client.id!.uuidString)/reason", form: ["reason": "Complaint review"])
            #expect(try await director.get(chart).status == .ok)
            let after = try await director.get("/staff/audit?subject=\(client.id!.uuidString)").body.string
            #expect(after.contains("Outside the care team"))
            // The reason given is read beside the opening it explains (it is sealed in its own row).
            #expect(after.contains("outside caseload: Complaint review"))
        }
    }

    @Test func the_directors_reason_applies_to_scores_on_the_appointment_page_and_to_alerts() async throws {
        try await withClinic { clinic in
            let (client, link, _, appointment) = try await RiskRuleTests().openLink(clinic)
            let clientID = try #require(appointment.$client.id)
            try await client.post(link, form: SafetyAlertTests.phq9WithItem9)
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())

            let (director, _) = try await clinic.signedIn(as: .admin)
            let page = try await director.get("/staff/appointments/\(appointment.id!.uuidString)").body.string
            #expect(!page.contains("PHQ-9: 8"), "no scores before a reason")
            #expect(try await director.get("/staff/alerts/\(alert.id!.uuidString)").location?.contains("/reason") == true)
            try await director.post("/staff/clients/\(clientID.uuidString)/reason", form: ["reason": "Escalated alert"])
            #expect(try await director.get("/staff/appointments/\(appointment.id!.uuidString)").body.string.contains("PHQ-9: 8"))
            #expect(try await director.get("/staff/alerts/\(alert.id!.uuidString)").status == .ok)
        }
    }

    @Test func a_guardians_email_or_phone_may_not_be_the_young_persons() {
        let today = LocalDate(year: 2026, month: 12, day: 4)!
        let draft = BookingDetailsDraft(name: "Teen Tester", email: "teen@example.org", phone: "416-555-0100", dateOfBirth: "2011-03-03",
                                        guardianName: "Pat Parent", guardianEmail: "TEEN@example.org", guardianPhone: "(416) 555-0100", consent: true)
        guard case .failure(let rejection) = BookingDetails.validate(draft, today: today) else {
            Issue.record("a guardian sharing the young person's email was accepted")
            return
        }
        #expect(rejection.errors["guardianEmail"] != nil && rejection.errors["guardianPhone"] != nil)
    }

    /// The director's client list: those waiting for a treating clinician, and every client; a
    /// therapist's: their own, with where each course stands.
    @Test func the_client_lists_show_who_waits_for_a_clinician_and_each_ones_own_caseload() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let treated = try await clinic.addClient(name: "Bea Treated", email: "bea@example.org")
            try await clinic.assignCareTeam(client: treated.requireID(), treating: therapist)
            let waiting = try await clinic.addClient(name: "Al Waiting", email: "al@example.org")
            let left = try await clinic.addClient(name: "Cy Left", email: "cy@example.org")
            try await clinic.assignCareTeam(client: left.requireID(), treating: therapist)
            clinic.clock.advance(by: 60)
            let ended = try #require(try await CareTeamMember.query(on: clinic.db).filter(\.$client.$id == left.requireID()).first())
            ended.endsAt = clinic.clock.now
            try await ended.update(on: clinic.db)

            let (director, _) = try await clinic.signedIn(as: .admin)
            let list = try await director.get("/staff/clients").body.string
            let waitingPart = String(list[try #require(list.range(of: "Waiting to be accepted")).upperBound...])
                .components(separatedBy: "Every client of the clinic").first ?? ""
            #expect(waitingPart.contains("Al Waiting") && waitingPart.contains("Cy Left"), "no treating clinician now")
            #expect(!waitingPart.contains("Bea Treated"))
            let everyone = list.components(separatedBy: "Every client of the clinic").last ?? ""
            let order = ["Al Waiting", "Bea Treated", "Cy Left"].map { everyone.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "every client, by name")
            #expect(list.contains("/staff/clients/\(waiting.id!.uuidString)/care-team"), "a waiting client links to the care-team page")

            let mine = try await TodayTests.signIn(clinic, therapist).get("/staff/clients").body.string
            #expect(mine.contains("Bea Treated") && mine.contains("No contract yet"))
            #expect(!mine.contains("Al Waiting") && !mine.contains("Cy Left") && !mine.contains("Waiting to be accepted"))
        }
    }

    /// The director's two lists are read in order through an index, not by sorting every client.
    @Test func the_directors_lists_are_read_through_the_clients_indexes() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let sql = clinic.db as! any SQLDatabase
            for (query, index) in [(ClinicalQueries.everyoneByName, "clients_name_id"),
                                   (ClinicalQueries.newestWithoutTreatingClinician(at: clinic.clock.now), "clients_created_at")] {
                let plan = try await sql.raw("EXPLAIN QUERY PLAN " + query).all().map { try $0.decode(column: "detail", as: String.self) }
                #expect(plan.contains { $0.contains("INDEX \(index)") }, "\(plan)")
                #expect(!plan.contains { $0 == "SCAN clients" }, "not the whole table: \(plan)")
            }
        }
    }

    /// A caseload is the memberships active at the moment: begun, and not yet ended.
    @Test func a_caseload_is_the_memberships_begun_and_not_yet_ended() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let now = clinic.clock.now
            var expected: Set<UUID> = []
            for (name, starts, ends, counted) in [("Current", -60.0, nil, true), ("Ending later", -60, 60, true), ("Ended now", -60, 0, false),
                                                  ("Ended before", -120, -60, false), ("Starting later", 60, nil, false), ("Starting now", 0, nil, true)] as [(String, Double, Double?, Bool)] {
                let client = try await clinic.addClient(name: name, email: "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@example.org")
                let member = CareTeamMember()
                member.$client.id = try client.requireID()
                member.$staff.id = try therapist.requireID()
                member.role = .treating
                member.reason = "Assigned in the test"
                member.startsAt = now.addingTimeInterval(starts)
                member.endsAt = ends.map { now.addingTimeInterval($0) }
                member.createdAt = now
                try await member.create(on: clinic.db)
                if counted { expected.insert(try client.requireID()) }
            }
            let caseload = try await CareTeamQueries.clients(of: therapist.requireID(), at: now, on: clinic.db)
            #expect(caseload == expected)
            #expect(caseload == Set(try await CareTeamQueries.memberships(of: therapist.requireID(), at: now, on: clinic.db).map { $0.$client.id }))
        }
    }
}

@Suite struct MergeTakeoverTests {
    @Test func merging_a_duplicate_signs_its_portal_out_and_ends_its_links() async throws {
        try await withClinic { clinic in
            let (_, therapistUser) = try await clinic.signedIn(as: .therapist)
            let existing = try await clinic.clientSeen(by: therapistUser, name: "Robin Example", email: "robin@example.org")
            try await clinic.addScore(14, client: existing.id!, clinician: therapistUser)
            // Someone books under Robin's name and birth date with their own address.
            let details = try BookingDetails.validate(
                BookingDetailsDraft(name: "Robin Example", email: "mallory@example.net", phone: "416-555-0111", dateOfBirth: "1988-08-08", consent: true),
                today: clinic.toronto.localDate(of: clinic.clock.now)).get()
            let duplicate = try await BookingService.newClient(details, now: clinic.clock.now, on: clinic.db)
            let kind = AppointmentKind(code: "consultation", name: "Consultation", durationMinutes: 30)
            try await BookingService.newAppointment(staffID: therapistUser.id!, clientID: duplicate.id!, kind: kind, start: clinic.tenOClock(inDays: 9),
                                                    locationID: nil, source: "web", now: clinic.clock.now).create(on: clinic.db)
            // ...signs in to the portal by that address, and holds a second, unused link.
            let mallory = Browser(app: clinic.app)
            try await mallory.get("/portal/sign-in")
            try await mallory.post("/portal/sign-in", form: ["email": "mallory@example.net"])
            try await clinic.deliverMail()
            try await mallory.get(try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/"))
            #expect(try await mallory.get("/portal").status == .ok)
            let spare = Browser(app: clinic.app)
            try await spare.get("/portal/sign-in")
            try await spare.post("/portal/sign-in", form: ["email": "mallory@example.net"])
            try await clinic.deliverMail()
            let spareLink = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/")
            // A questionnaire sent to the duplicate's address, still open.
            let open = MeasureResponse()
            open.id = UUID()
            open.$client.id = duplicate.id!
            open.$clinician.id = therapistUser.id!
            open.instrumentCode = "phq-9"
            open.tokenHash = HexDigest.sha256("mallory-token")
            open.status = .sent
            open.sharedWithGuardian = false
            open.createdAt = clinic.clock.now
            open.expiresAt = clinic.clock.now.addingTimeInterval(7 * 86_400)
            try await open.create(on: clinic.db)

            let task = try #require(try await PossibleDuplicate.query(on: clinic.db).first())
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/duplicates")
            #expect(try await desk.post("/staff/duplicates/\(task.id!.uuidString)/merge", form: [:]).status == .seeOther)

            // The session that was the duplicate's does not open the merged record.
            let after = try await mallory.get("/portal")
            #expect(after.status != .ok || !after.body.string.contains("Robin"), "the duplicate's session now opened the existing client's portal")
            #expect(after.location == "/portal/sign-in")
            #expect(try await spare.get(spareLink).location != "/portal", "the duplicate's unused link signs no one in")
            #expect(try await Browser(app: clinic.app).get("/questionnaire/mallory-token").status == .gone)
            #expect(try await MeasureResponse.find(open.id, on: clinic.db)?.$client.id == existing.id, "the form itself moved, closed")
        }
    }
}

@Suite struct GuardianAgeTests {
    @Test func a_guardian_acts_for_a_client_under_18_only() async throws {
        try await withClinic { clinic in
            // Seventeen, turning 18 tomorrow.
            let today = clinic.toronto.localDate(of: clinic.clock.now)
            let born = try #require(LocalDate(year: today.year - 18, month: today.month, day: today.day)).adding(days: 1)
            let jesse = try await clinic.addClient(name: "Jesse Young", email: "jesse@example.org", dateOfBirth: born.description, programme: "adolescent",
                                           guardian: (name: "Hana Parent", email: "hana@example.org"))
            let hana = Browser(app: clinic.app)
            try await hana.get("/portal/sign-in")
            try await hana.post("/portal/sign-in", form: ["email": "hana@example.org"])
            try await clinic.deliverMail()
            let mail = try #require(clinic.mail.sent.last)
            #expect(mail.textBody.contains("As parent or guardian of Jesse Young"))
            try await hana.get(try clinic.link(in: mail, containing: "/portal/sign-in/"))
            #expect(try await hana.get("/portal").status == .ok)
            // The client's own pages tell the guardian so; they used to send them to sign in again.
            let own = try await hana.get("/portal/correction")
            #expect(own.status == .forbidden && own.body.string.contains("This page is for Jesse Young alone"))
            // The birthday, while the guardian's session is open (the record as it will be read
            // tomorrow: born a day earlier is the same as a day later): the session stops, and no
            // new link is sent for Jesse.
            jesse.dateOfBirth = born.adding(days: -1).description
            try await jesse.update(on: clinic.db)
            #expect(try await hana.get("/portal").location == "/portal/sign-in", "the guardian's session outlived the 18th birthday")
            let sent = clinic.mail.sent.count
            let again = Browser(app: clinic.app)
            try await again.get("/portal/sign-in")
            #expect(try await again.post("/portal/sign-in", form: ["email": "hana@example.org"]).status == .ok)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.count == sent, "nothing to send: Jesse's record is Jesse's now")
        }
    }

    @Test func records_that_hold_only_unconfirmed_times_do_not_crowd_a_real_one_out_of_the_sign_in_email() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician()
            _ = try await clinic.addClient(name: "Jesse Young", email: "jesse@example.org", dateOfBirth: "2012-03-04", programme: "adolescent",
                                           guardian: (name: "Hana Parent", email: "hana@example.org"))
            // Five bookings by someone else with Hana's address as the client's, never confirmed.
            let kind = AppointmentKind(code: "consultation", name: "Consultation", durationMinutes: 15)
            for index in 0..<5 {
                let junk = try await clinic.addClient(name: "Junk \(index)", email: "hana@example.org")
                let hold = BookingService.newAppointment(staffID: therapist.id!, clientID: junk.id!, kind: kind, start: clinic.tenOClock(inDays: 3 + index),
                                                         locationID: nil, source: "web", now: clinic.clock.now)
                hold.status = .held
                try await hold.create(on: clinic.db)
            }
            let hana = Browser(app: clinic.app)
            try await hana.get("/portal/sign-in")
            try await hana.post("/portal/sign-in", form: ["email": "hana@example.org"])
            try await clinic.deliverMail()
            let mail = try #require(clinic.mail.sent.last)
            #expect(mail.textBody.contains("As parent or guardian of Jesse Young"))
            #expect(!mail.textBody.contains("Junk"))
        }
    }

    @Test func a_portal_session_kept_busy_still_ends_twelve_hours_after_sign_in() async throws {
        try await withClinic { clinic in
            _ = try await clinic.addClient(name: "Riley Busy", email: "riley@example.org")
            let riley = Browser(app: clinic.app)
            try await riley.get("/portal/sign-in")
            try await riley.post("/portal/sign-in", form: ["email": "riley@example.org"])
            try await clinic.deliverMail()
            try await riley.get(try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/portal/sign-in/"))
            // A page every twenty minutes keeps it from going idle...
            for _ in 0..<35 {
                #expect(try await riley.get("/portal").status == .ok)
                clinic.clock.advance(by: 20 * 60)
            }
            // ...but not past twelve hours.
            clinic.clock.advance(by: 20 * 60)
            #expect(try await riley.get("/portal").location == "/portal/sign-in")
        }
    }
}
