import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

extension TestClinic {
    /// A client with an attended first appointment with `clinician`, as the calendar would leave it,
    /// and (unless `onCareTeam` is false) accepted with that clinician as the treating one.
    func clientSeen(by clinician: StaffUser, name: String = "Casey Client", email: String? = nil, attended: Int = 1,
                    onCareTeam: Bool = true) async throws -> ClientRecord {
        let details = try BookingDetails.validate(
            BookingDetailsDraft(name: name, email: email ?? "client-\(UUID().uuidString.prefix(6))@example.org", phone: "416-555-0111",
                                dateOfBirth: "1988-08-08", consent: true),
            today: toronto.localDate(of: clock.now)).get()
        let client = try await BookingService.newClient(details, now: clock.now, on: db)
        if onCareTeam { try await assignCareTeam(client: try client.requireID(), treating: clinician) }
        let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
        for week in 0..<max(attended, 1) {
            let appointment = BookingService.newAppointment(staffID: try clinician.requireID(), clientID: try client.requireID(), kind: kind,
                                                            start: tenOClock(inDays: -7 * (week + 1)), locationID: nil, source: "staff", now: clock.now)
            appointment.status = attended > 0 ? Appointment.Status.attended : Appointment.Status.confirmed
            try await appointment.create(on: db)
        }
        return client
    }

    /// A clinical supervisor and a practicum student they supervise, both signed in.
    func supervisedStudent() async throws -> (supervisor: Browser, supervisorUser: StaffUser, student: Browser, studentUser: StaffUser) {
        let (supervisor, supervisorUser) = try await signedIn(as: .supervisor)
        let studentUser = try await makeClinician()
        studentUser.$supervisor.id = supervisorUser.id
        try await studentUser.update(on: db)
        let student = Browser(app: app)
        try await student.signIn(email: studentUser.email, password: "correct horse battery")
        return (supervisor, supervisorUser, student, studentUser)
    }

    /// The contract fields for a course that started well before the attended sessions.
    func contractForm(sessions: Int = 16) -> [String: String] {
        ["programme": "adult", "agreedSessions": String(sessions), "sessionMinutes": "50",
         "startDate": toronto.localDate(of: clock.now).adding(days: -60).description, "clientAgreed": "yes"]
    }

    static let signableNote = ["sessionNumber": "4", "mood": "Lower after the argument on Sunday", "interpersonalEvents": "Row with partner about chores",
                               "focusWork": "Communication analysis of Sunday's exchange", "riskCheck": "none-reported", "plan": "Role play the request", "action": "sign"]
}

@Suite struct ClinicalAccessTests {
    /// Therapist B's client with one of everything, so every clinical route has a real record to aim at.
    func otherCaseload(_ clinic: TestClinic) async throws -> (client: ClientRecord, params: [String: String], owner: Browser) {
        let (owner, ownerUser) = try await clinic.signedIn(as: .therapist)
        let client = try await clinic.clientSeen(by: ownerUser, attended: 4)
        let base = "/staff/clients/\(client.id!.uuidString)"
        try await owner.get("\(base)/chart")
        #expect(try await owner.post("\(base)/contract", form: clinic.contractForm()).status == .seeOther)
        #expect(try await owner.post("\(base)/formulation", form: ["primary": "role-dispute", "text": "Since the move, arguments with a partner."]).status == .seeOther)
        #expect(try await owner.post("\(base)/inventory", form: ["name": "Alex", "relationship": "Partner", "closeness": "1"]).status == .seeOther)
        #expect(try await owner.post("\(base)/worksheets/role-dispute/new", form: ["otherPerson": "Alex", "stage": "impasse"]).status == .seeOther)
        #expect(try await owner.post("\(base)/notes", form: TestClinic.signableNote).status == .seeOther)
        let entry = try #require(try await InventoryEntryRow.query(on: clinic.db).first())
        let sheet = try #require(try await WorksheetRow.query(on: clinic.db).first())
        let note = try #require(try await SessionNoteRow.query(on: clinic.db).first())
        return (client, ["entry": entry.id!.uuidString, "focus": "role-dispute", "thread": sheet.subjectKey, "note": note.id!.uuidString], owner)
    }

    @Test func another_therapists_client_answers_like_a_missing_one_on_every_clinical_route() async throws {
        try await withClinic { clinic in
            let (client, params, owner) = try await otherCaseload(clinic)
            let (intruder, _) = try await clinic.signedIn(as: .therapist)
            try await intruder.get("/staff")
            let routes = clinic.app.routes.all.filter { route in
                route.path.count > 3 && route.path.prefix(3).map(\.description) == ["staff", "clients", ":id"]
            }
            #expect(routes.count >= 20, "the route table lists the clinical routes (\(routes.count))")
            for route in routes {
                func path(_ clientID: String) -> String {
                    "/" + route.path.map { component -> String in
                        let text = component.description
                        guard text.hasPrefix(":") else { return text }
                        let name = String(text.dropFirst())
                        return name == "id" ? clientID : params[name] ?? "x"
                    }.joined(separator: "/")
                }
                let theirs = path(client.id!.uuidString), missing = path(UUID().uuidString)
                let isGet = route.method == .GET
                let probe = isGet ? try await intruder.get(theirs) : try await intruder.post(theirs, form: ["reason": "x", "closeness": "2"])
                let absent = isGet ? try await intruder.get(missing) : try await intruder.post(missing, form: ["reason": "x", "closeness": "2"])
                // 404 as for a missing client; a route this role may not use at all (the director's) is refused by role alike for every id.
                #expect(probe.status == .notFound || (probe.status == .forbidden && absent.status == .forbidden),
                        "\(route.method) \(theirs) answered \(probe.status)")
                #expect(probe.status == absent.status && probe.body.string == absent.body.string, "\(route.method) \(theirs) differs from a missing id")
                if isGet, !theirs.hasSuffix("/reason"), !theirs.hasSuffix("/letter"), !theirs.hasSuffix("/fhir") {
                    // The same page opens for the client's own clinician, so the 404 is about access.
                    #expect(try await owner.get(theirs).status == .ok, "the owner opens \(theirs)")
                }
            }
        }
    }

    @Test func front_desk_sees_no_clinical_content_and_a_chart_view_is_audited_with_the_client() async throws {
        try await withClinic { clinic in
            let (therapist, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/clients/\(client.id!.uuidString)/chart").status == .forbidden)
            #expect(try await desk.get("/staff/clients").status == .forbidden)
            let before = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "chart").count()
            let page = try await therapist.get("/staff/clients/\(client.id!.uuidString)/chart")
            #expect(page.status == .ok && page.body.string.contains("Casey Client"))
            let rows = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "chart").all()
            #expect(rows.count == before + 1)
            #expect(rows.last?.subject == client.id!.uuidString && rows.last?.actorID == user.id!.uuidString)
        }
    }

    @Test func the_director_gives_a_reason_before_opening_a_chart_outside_their_caseload() async throws {
        try await withClinic { clinic in
            let (_, therapist) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: therapist)
            let (director, _) = try await clinic.signedIn(as: .admin)
            let chart = "/staff/clients/\(client.id!.uuidString)/chart"
            let first = try await director.get(chart)
            #expect(first.status == .seeOther)
            let reasonPage = try #require(first.headers.first(name: .location))
            #expect(reasonPage.hasPrefix("/staff/clients/\(client.id!.uuidString)/reason"))
            try await director.get(reasonPage)
            let empty = try await director.post(reasonPage, form: ["reason": "  "])
            #expect(empty.status == .unprocessableEntity)
            let given = try await director.post(reasonPage, form: ["reason": "Complaint review"])
            #expect(given.status == .seeOther && given.headers.first(name: .location) == chart)
            #expect(try await director.get(chart).status == .ok)
            let grant = try #require(try await ChartAccessReason.query(on: clinic.db).first())
            #expect(grant.reasonSealed.hasPrefix("enc:v1:"))
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "chart-access-reason").filter(\.$subject == client.id!.uuidString).count() == 1)
            // A redirect target elsewhere is not followed.
            let elsewhere = try await director.post("/staff/clients/\(client.id!.uuidString)/reason?next=%2F%2Fevil.example", form: ["reason": "Again"])
            #expect(elsewhere.headers.first(name: .location) == chart)
        }
    }
}

@Suite struct ClinicalRecordTests {
    /// The caseload counts every client's sessions held in one statement; each client's count
    /// starts at that client's own contract and takes only attended sessions.
    @Test func sessions_held_are_counted_from_each_clients_own_contract_start() async throws {
        try await withClinic { clinic in
            let (_, user) = try await clinic.signedIn(as: .therapist)
            // Each with a clinician of their own: the same weekly times cannot be one person's twice.
            let early = try await clinic.clientSeen(by: user, name: "Ema Early", attended: 6)
            let late = try await clinic.clientSeen(by: try await clinic.makeClinician(name: "Lee Second"), name: "Lou Late", attended: 6)
            let none = try await clinic.clientSeen(by: try await clinic.makeClinician(name: "Tam Third"), name: "Nat None", attended: 2)
            func contract(_ client: ClientRecord, startingDaysAgo days: Int) throws -> ContractRow {
                let row = ContractRow()
                row.$client.id = try client.requireID()
                row.$clinician.id = try user.requireID()
                row.$createdBy.id = try user.requireID()
                row.version = 1
                row.programme = "adult"
                row.agreedSessions = 16
                row.sessionMinutes = 50
                row.startDate = clinic.toronto.localDate(of: clinic.clock.now).adding(days: -days).description
                row.clientAgreed = true
                row.createdAt = clinic.clock.now
                return row
            }
            // Sessions were 1 to 6 weeks ago: a start 45 days back takes all six, 22 days back the
            // last three, and 1 day back none.
            let contracts = [early.id!: try contract(early, startingDaysAgo: 45), late.id!: try contract(late, startingDaysAgo: 22),
                             none.id!: try contract(none, startingDaysAgo: 1)]
            let lateSession = try #require(try await Appointment.query(on: clinic.db).filter(\.$client.$id == late.id!).sort(\.$startsAt, .descending).first())
            lateSession.status = .noShow
            try await lateSession.save(on: clinic.db)
            let held = try await CourseState.sessionsHeld(since: contracts, zone: clinic.toronto, on: clinic.db)
            #expect(held == [early.id!: 6, late.id!: 2], "a no-show is not a session held; a client with none is absent")
            #expect(try await CourseState.sessionsHeld(clientID: late.id!, since: contracts[late.id!]!, zone: clinic.toronto, on: clinic.db) == 2,
                    "the chart's count of one client agrees")
        }
    }

    @Test func contract_versions_phase_and_checklist() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/contract")
            var bad = clinic.contractForm()
            bad["agreedSessions"] = "40"
            let refused = try await browser.post("\(base)/contract", form: bad)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("value=\"40\""), "input kept")
            #expect(try await ContractRow.query(on: clinic.db).count() == 0)
            #expect(try await browser.post("\(base)/contract", form: clinic.contractForm()).status == .seeOther)
            let chart = try await browser.get("\(base)/chart")
            #expect(chart.body.string.contains("Session 5 of 16") && chart.body.string.contains("Middle phase"))
            #expect(try await browser.get("/staff/clients").body.string.contains("Session 5 of 16, middle phase"), "the caseload says where each course stands")
            // Renegotiation without a reason is refused; with one it is version 2 and version 1 stays.
            var extended = clinic.contractForm(sessions: 20)
            #expect(try await browser.post("\(base)/contract", form: extended).status == .unprocessableEntity)
            extended["reason"] = "Extension agreed after the midpoint review"
            #expect(try await browser.post("\(base)/contract", form: extended).status == .seeOther)
            let versions = try await ContractRow.query(on: clinic.db).sort(\.$version).all()
            #expect(versions.map(\.agreedSessions) == [16, 20] && versions.map(\.version) == [1, 2])
            #expect(try await browser.get("\(base)/chart").body.string.contains("Session 5 of 20"))
            // A phase override needs a reason.
            let noReason = try await browser.post("\(base)/phase", form: ["phase": "initial", "reason": ""])
            #expect(noReason.status == .unprocessableEntity && noReason.body.string.contains("Give a reason"))
            #expect(noReason.body.string.contains(#"<option value="initial" selected"#), "the chosen phase is kept on the form")
            #expect(try await PhaseOverrideRow.query(on: clinic.db).count() == 0)
            #expect(try await browser.post("\(base)/phase", form: ["phase": "initial", "reason": "Inventory not finished"]).status == .seeOther)
            let overridden = try await browser.get("\(base)/chart").body.string
            #expect(overridden.contains("Initial phase (set by hand)") && overridden.contains("Sick role discussed"))
            #expect(try await browser.post("\(base)/checklist", form: ["code": "initial-sick-role", "done": "yes"]).status == .seeOther)
            #expect(try await ChecklistMark.query(on: clinic.db).filter(\.$code == "initial-sick-role").count() == 1)
            #expect(try await browser.get("\(base)/chart").body.string.contains("Mark not done: Sick role discussed"))
            #expect(try await browser.post("\(base)/checklist", form: ["code": "made-up", "done": "yes"]).status == .unprocessableEntity)
        }
    }

    @Test func a_worksheet_needs_the_focus_and_keeps_every_version_with_the_stage_history() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 3)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/chart")
            try await browser.post("\(base)/contract", form: clinic.contractForm())
            // No focus yet: no worksheet.
            let early = try await browser.post("\(base)/worksheets/grief/main", form: ["who": "Father, March"])
            #expect(early.status == .unprocessableEntity && early.body.string.contains("does not have grief"))
            try await browser.post("\(base)/formulation", form: ["primary": "role-dispute", "text": "Arguments with a partner since the move."])
            #expect(try await browser.post("\(base)/worksheets/grief/main", form: ["who": "Father"]).status == .unprocessableEntity)
            #expect(try await WorksheetRow.query(on: clinic.db).count() == 0)
            let missingStage = try await browser.post("\(base)/worksheets/role-dispute/new", form: ["otherPerson": "Alex", "issues": "Chores"])
            #expect(missingStage.status == .unprocessableEntity && missingStage.body.string.contains("Chores"))
            #expect(try await browser.post("\(base)/worksheets/role-dispute/new", form: ["otherPerson": "Alex", "stage": "impasse"]).status == .seeOther)
            let thread = try #require(try await WorksheetRow.query(on: clinic.db).first()).subjectKey
            for stage in ["impasse", "renegotiation"] {
                #expect(try await browser.post("\(base)/worksheets/role-dispute/\(thread)", form: ["otherPerson": "Alex", "stage": stage]).status == .seeOther)
            }
            let rows = try await WorksheetRow.query(on: clinic.db).sort(\.$version).all()
            // The stage is kept only inside the sealed content.
            let stages = try rows.map { row in
                try clinic.app.services.keyRing.open(row.contentSealed, as: WorksheetContent.self, WorksheetRow.contentContext(row.id!, client: row.$client.id)).text["stage"]
            }
            #expect(rows.map(\.version) == [1, 2, 3] && stages == ["impasse", "impasse", "renegotiation"])
            #expect(rows.allSatisfy { $0.contentSealed.hasPrefix("enc:v1:") })
            let page = try await browser.get("\(base)/worksheets/role-dispute/\(thread)").body.string
            #expect(page.contains("Impasse (talk has stopped)") && page.contains("Renegotiation (both still trying)"))
            let old = try await browser.get("\(base)/worksheets/role-dispute/\(thread)?version=1").body.string
            #expect(old.contains("earlier version"))
        }
    }

    @Test func a_signed_note_is_locked_and_an_amendment_keeps_the_original() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/chart")
            try await browser.post("\(base)/contract", form: clinic.contractForm())
            var draft = TestClinic.signableNote
            draft["action"] = "sign"
            draft["plan"] = ""
            let unsigned = try await browser.post("\(base)/notes", form: draft)
            #expect(unsigned.status == .unprocessableEntity && unsigned.body.string.contains("Write the plan before signing"))
            #expect(try await browser.post("\(base)/notes", form: TestClinic.signableNote).status == .seeOther)
            let note = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            #expect(note.status == .final && note.contentSealed.hasPrefix("enc:v1:"))
            let original = note.contentSealed
            var changed = TestClinic.signableNote
            changed["mood"] = "Rewritten"
            let locked = try await browser.post("\(base)/notes/\(note.id!.uuidString)", form: changed)
            #expect(locked.status == .conflict && locked.body.string.contains("signed and locked"))
            #expect(try await SessionNoteRow.find(note.id, on: clinic.db)?.contentSealed == original)
            try await browser.get("\(base)/notes/\(note.id!.uuidString)/amend")
            var amendment = TestClinic.signableNote
            amendment["mood"] = "Lower after the argument on Saturday, not Sunday"
            #expect(try await browser.post("\(base)/notes/\(note.id!.uuidString)/amend", form: amendment).status == .unprocessableEntity, "a reason is required")
            amendment["reason"] = "Wrong day recorded"
            #expect(try await browser.post("\(base)/notes/\(note.id!.uuidString)/amend", form: amendment).status == .seeOther)
            #expect(try await SessionNoteRow.find(note.id, on: clinic.db)?.contentSealed == original, "the original is untouched")
            let page = try await browser.get("\(base)/notes/\(note.id!.uuidString)").body.string
            #expect(page.contains("Original, as signed") && page.contains("argument on Sunday") && page.contains("not Sunday") && page.contains("Wrong day recorded"))
            // An amendment is not amended in turn: corrections all hang off the original.
            let amendmentRow = try #require(try await SessionNoteRow.query(on: clinic.db).filter(\.$amends.$id == note.id!).first())
            #expect(try await browser.get("\(base)/notes/\(amendmentRow.id!.uuidString)/amend").status == .conflict)
            #expect(try await browser.post("\(base)/notes/\(amendmentRow.id!.uuidString)/amend", form: amendment).status == .conflict)
            #expect(try await SessionNoteRow.query(on: clinic.db).count() == 2)
        }
    }

    @Test func a_students_note_is_final_only_once_their_supervisor_co_signs() async throws {
        try await withClinic { clinic in
            let (supervisor, supervisorUser, student, studentUser) = try await clinic.supervisedStudent()
            let client = try await clinic.clientSeen(by: studentUser, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await student.get("\(base)/chart")
            try await student.post("\(base)/contract", form: clinic.contractForm())
            #expect(try await ContractRow.query(on: clinic.db).first()?.$clinician.id == studentUser.id)
            #expect(try await student.post("\(base)/notes", form: TestClinic.signableNote).status == .seeOther)
            let note = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            #expect(note.status == .awaitingCosignature)
            let notePath = "\(base)/notes/\(note.id!.uuidString)"
            #expect(try await student.post("\(notePath)/cosign", form: [:]).status == .forbidden, "not one's own note")
            let (otherSupervisor, _) = try await clinic.signedIn(as: .supervisor)
            try await otherSupervisor.get("/staff")
            #expect(try await otherSupervisor.post("\(notePath)/cosign", form: [:]).status == .notFound, "another supervisor cannot even see the client")
            // Today lists it to co-sign, the queue lists it; returning needs a comment.
            let today = try await supervisor.get("/staff").body.string
            #expect(today.contains("Notes to co-sign") && today.contains(notePath) && today.contains("Casey Client"))
            let queue = try await supervisor.get("/staff/supervision")
            #expect(queue.body.string.contains("Casey Client, session 4"))
            #expect(try await supervisor.post("\(notePath)/return", form: ["comment": " "]).status == .unprocessableEntity)
            #expect(try await supervisor.post("\(notePath)/return", form: ["comment": "Add what you did about the risk"]).status == .seeOther)
            #expect(try await SessionNoteRow.find(note.id, on: clinic.db)?.status == .returned)
            try await student.get(notePath)
            #expect(try await student.post(notePath, form: TestClinic.signableNote).status == .seeOther)
            #expect(try await SessionNoteRow.find(note.id, on: clinic.db)?.status == .awaitingCosignature)
            try await supervisor.get(notePath)
            #expect(try await supervisor.post("\(notePath)/cosign", form: ["onFocus": "yes", "tasksDone": "no"]).status == .seeOther)
            let final = try #require(try await SessionNoteRow.find(note.id, on: clinic.db))
            #expect(final.status == .final && final.$cosignedBy.id == supervisorUser.id && final.fidelityOnFocus == true && final.fidelityTasksDone == false)
            #expect(try await supervisor.post("\(notePath)/cosign", form: [:]).status == .conflict, "nothing left to co-sign")
        }
    }

    @Test func supervision_hours_count_attended_sessions_against_the_log() async throws {
        try await withClinic { clinic in
            let (supervisor, _, _, studentUser) = try await clinic.supervisedStudent()
            _ = try await clinic.clientSeen(by: studentUser, attended: 6)
            try await supervisor.get("/staff/supervision")
            let bad = try await supervisor.post("/staff/supervision/log", form: ["student": studentUser.id!.uuidString, "heldOn": "2026-11-20", "minutes": "5", "format": "individual"])
            #expect(bad.status == .unprocessableEntity)
            #expect(try await supervisor.post("/staff/supervision/log", form: ["student": studentUser.id!.uuidString, "heldOn": "2026-11-20", "minutes": "60",
                                                                               "format": "individual", "clients": "C. C."]).status == .seeOther)
            let totals = try await SupervisionController.totals(for: studentUser.id!, on: clinic.db)
            #expect(totals.directMinutes == 300 && totals.supervisionMinutes == 60)
            #expect(try await supervisor.get("/staff/supervision").body.string.contains("1 to 5.0"))
            let (student, _) = try await clinic.signedIn(as: .student)
            try await student.get("/staff")
            #expect(try await student.post("/staff/supervision/log", form: ["student": studentUser.id!.uuidString, "heldOn": "2026-11-20", "minutes": "60",
                                                                            "format": "group"]).status == .forbidden)
        }
    }

    @Test func the_score_chart_marks_where_the_middle_phase_began() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            // Five sessions held a week apart, the oldest five weeks ago; a score after the 1st and the 5th.
            let client = try await clinic.clientSeen(by: user, attended: 5)
            try await clinic.addScore(17, client: client.id!, clinician: user, weeksLater: -5)
            try await clinic.addScore(9, client: client.id!, clinician: user, weeksLater: 0)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/chart")
            try await browser.post("\(base)/contract", form: clinic.contractForm())
            let html = try await browser.get("\(base)/progress").body.string
            #expect(html.contains(">middle phase</text>"), "the phase mark is drawn between the two scores")
            #expect(html.contains("<td>Initial phase</td>") && html.contains("<td>Middle phase</td>"), "the table names each score's phase")
        }
    }

    @Test func the_audit_view_answers_who_opened_a_chart_and_flags_openings_outside_the_care_team() async throws {
        try await withClinic { clinic in
            let (supervisor, supervisorUser, _, studentUser) = try await clinic.supervisedStudent()
            let client = try await clinic.clientSeen(by: studentUser)
            let chart = "/staff/clients/\(client.id!.uuidString)/chart"
            #expect(try await supervisor.get(chart).status == .ok)
            let (director, directorUser) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/clients/\(client.id!.uuidString)/reason")
            try await director.post("/staff/clients/\(client.id!.uuidString)/reason", form: ["reason": "Complaint review"])
            #expect(try await director.get(chart).status == .ok)
            // Who opened this client's record: the supervisor (care team) and the director (outside it, flagged).
            let byClient = try await director.get("/staff/audit?subject=\(client.id!.uuidString.lowercased())&type=chart")
            let rows = byClient.body.string.components(separatedBy: "<tr>").dropFirst(2)
            #expect(rows.count == 2, "two chart openings about this client")
            let flagged = rows.filter { $0.contains("Outside the care team") }
            #expect(flagged.count == 1 && flagged.first?.contains(directorUser.name) == true)
            #expect(rows.contains { $0.contains(supervisorUser.name) && !$0.contains("Outside the care team") })
            #expect(byClient.body.string.contains("Casey Client"), "the client is named, not only an id")
            // What did this user open: the supervisor's openings.
            let byUser = try await director.get("/staff/audit?actor=\(supervisorUser.id!.uuidString)&type=chart")
            #expect(byUser.body.string.components(separatedBy: "<tr>").count - 2 == 1)
        }
    }

    /// Regression: an event in the year 1 made the timeline's axis trap on every later view.
    @Test func an_event_in_an_impossible_year_is_refused_and_an_old_one_still_draws() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/timeline")
            let ancient = try await browser.post("\(base)/timeline", form: ["kind": "other", "month": "0001-01", "impact": "2"])
            #expect(ancient.status == .unprocessableEntity && ancient.body.string.contains("0001-01"), "refused, input kept")
            #expect(try await browser.post("\(base)/timeline", form: ["kind": "other", "month": "1900-01", "impact": "2"]).status == .seeOther)
            let page = try await browser.get("\(base)/timeline")
            #expect(page.status == .ok && page.body.string.contains("timeline-chart"))
        }
    }

    @Test func a_discharge_draft_is_its_authors_and_a_colleague_reads_it_without_writing_over_it() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/discharge")
            let draft = ["endingReason": "completed", "maintenance": "none", "summary": "Mood lifted", "relapsePlan": "Call if sleep goes", "action": "save"]
            #expect(try await browser.post("\(base)/discharge", form: draft).status == .seeOther)
            // A colleague on the care team.
            let (colleague, colleagueUser) = try await clinic.signedIn(as: .therapist)
            let member = CareTeamMember()
            member.$client.id = client.id!
            member.$staff.id = colleagueUser.id!
            member.role = .member
            member.reason = "Covering"
            member.startsAt = clinic.clock.now.addingTimeInterval(-60)
            member.createdAt = clinic.clock.now
            try await member.create(on: clinic.db)
            let page = try await colleague.get("\(base)/discharge")
            #expect(page.status == .ok && page.body.string.contains("is writing this summary") && page.body.string.contains("Mood lifted"))
            var over = draft
            over["summary"] = "Someone else's words"
            let refused = try await colleague.post("\(base)/discharge", form: over)
            #expect(refused.status == .forbidden, "the colleague became the author of the draft")
            let row = try #require(try await DischargeSummaryRow.query(on: clinic.db).first())
            #expect(row.$author.id == user.id)
            // Once the author has left the clinic, the care team can take it over.
            user.isActive = false
            try await user.update(on: clinic.db)
            #expect(try await colleague.post("\(base)/discharge", form: over).status == .seeOther)
            #expect(try await DischargeSummaryRow.query(on: clinic.db).first()?.$author.id == colleagueUser.id)
        }
    }

    @Test func a_signed_discharge_summary_is_locked() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/discharge")
            let summary = ["endingReason": "completed", "maintenance": "none", "summary": "Mood lifted", "relapsePlan": "Call if sleep goes", "action": "sign"]
            #expect(try await browser.post("\(base)/discharge", form: summary).status == .seeOther)
            let signed = try #require(try await DischargeSummaryRow.query(on: clinic.db).first())
            #expect(signed.status == .final)
            var changed = summary
            changed["summary"] = "Rewritten"
            changed["action"] = "save"
            #expect(try await browser.post("\(base)/discharge", form: changed).status == .conflict)
            let after = try #require(try await DischargeSummaryRow.query(on: clinic.db).first())
            #expect(after.contentSealed == signed.contentSealed && after.status == .final)
        }
    }

    @Test func a_students_discharge_summary_waits_for_the_supervisor() async throws {
        try await withClinic { clinic in
            let (supervisor, supervisorUser, student, studentUser) = try await clinic.supervisedStudent()
            let client = try await clinic.clientSeen(by: studentUser, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await student.get("\(base)/discharge")
            let summary = ["endingReason": "completed", "maintenance": "none", "summary": "Settled in the new city", "relapsePlan": "Call if lonely again",
                           "letterConsent": "yes", "referrer": "Dr. A. Bloom", "action": "sign"]
            #expect(try await student.post("\(base)/discharge", form: summary).status == .seeOther)
            #expect(try await DischargeSummaryRow.query(on: clinic.db).first()?.status == .awaitingCosignature)
            #expect(try await student.get("\(base)/discharge").body.string.contains("Not final"))
            #expect(try await student.get("\(base)/discharge/letter").status == .conflict, "no letter before the co-signature")
            #expect(try await student.post("\(base)/discharge/cosign", form: [:]).status == .forbidden, "not one's own")
            #expect(try await supervisor.get("/staff/supervision").body.string.contains("Casey Client: discharge summary"))
            try await supervisor.get("\(base)/discharge")
            #expect(try await supervisor.post("\(base)/discharge/cosign", form: [:]).status == .seeOther)
            let final = try #require(try await DischargeSummaryRow.query(on: clinic.db).first())
            #expect(final.status == .final && final.$cosignedBy.id == supervisorUser.id)
            #expect(try await student.get("\(base)/discharge/letter").status == .ok)
        }
    }
}
