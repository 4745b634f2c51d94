import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

/// The everyday clinical forms (issue 15, section 5): notes written from an appointment and kept as
/// drafts while typing, the supervisor's return, and what a student sees waiting.
@Suite struct ClinicalFormsTests {
    /// A client with `attended` sessions and a contract, plus today's confirmed session.
    func clientWithTodaysSession(_ clinic: TestClinic, by clinician: StaffUser, browser: Browser, attended: Int = 3)
        async throws -> (client: ClientRecord, base: String, today: Appointment) {
        let client = try await clinic.clientSeen(by: clinician, attended: attended)
        let base = "/staff/clients/\(client.id!.uuidString)"
        try await browser.get("\(base)/chart")
        #expect(try await browser.post("\(base)/contract", form: clinic.contractForm()).status == .seeOther)
        let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
        let today = BookingService.newAppointment(staffID: try clinician.requireID(), clientID: try client.requireID(), kind: kind,
                                                  start: clinic.clock.now.addingTimeInterval(-1_800), locationID: nil, source: "staff", now: clinic.clock.now)
        today.status = .confirmed
        try await today.create(on: clinic.db)
        return (client, base, today)
    }

    @Test func a_note_written_from_an_appointment_is_linked_to_it_and_numbered_from_the_course() async throws {
        try await withClinic { clinic in
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let (_, base, today) = try await clientWithTodaysSession(clinic, by: therapistUser, browser: therapist)
            // The appointment page offers the note.
            let appointmentPage = try await therapist.get("/staff/appointments/\(today.id!.uuidString)").body.string
            #expect(appointmentPage.contains("\(base)/notes/new?appointment=\(today.id!.uuidString)"))
            // Three sessions held: the chart says session 4 is next, and the form numbers this one 4.
            #expect(try await therapist.get("\(base)/chart").body.string.contains("Session 4 of 16"))
            let form = try await therapist.get("\(base)/notes/new?appointment=\(today.id!.uuidString)")
            #expect(form.status == .ok)
            #expect(form.body.string.contains(#"name="sessionNumber" value="4""#))
            #expect(form.body.string.contains(#"name="appointment" value="\#(today.id!.uuidString)""#))
            var note = TestClinic.signableNote
            note["appointment"] = today.id!.uuidString
            #expect(try await therapist.post("\(base)/notes", form: note).status == .seeOther)
            let saved = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            #expect(saved.$appointment.id == today.id && saved.sessionNumber == 4)
            // Opening the appointment's note again goes to the note, not to a second one.
            let again = try await therapist.get("\(base)/notes/new?appointment=\(today.id!.uuidString)")
            #expect(again.status == .seeOther && again.headers.first(name: .location)?.hasSuffix(saved.id!.uuidString) == true)
            // Another client's appointment cannot be attached.
            let other = try await clinic.clientSeen(by: try await clinic.makeClinician(), name: "Other Client")
            let foreign = try #require(try await Appointment.query(on: clinic.db).filter(\.$client.$id == other.id!).first())
            #expect(try await therapist.get("\(base)/notes/new?appointment=\(foreign.id!.uuidString)").status == .notFound)
        }
    }

    @Test func the_draft_saved_while_typing_is_sealed_audited_and_finished_by_the_form() async throws {
        try await withClinic { clinic in
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let (client, base, today) = try await clientWithTodaysSession(clinic, by: therapistUser, browser: therapist)
            let form = try await therapist.get("\(base)/notes/new?appointment=\(today.id!.uuidString)").body.string
            #expect(form.contains(#"data-draft-action="\#(base)/notes/drafts""#) && form.contains("/js/note-autosave.js"))
            let draft = ["sessionNumber": "4", "appointment": today.id!.uuidString, "mood": "Tired but hopeful", "plan": ""]
            let first = try await therapist.post("\(base)/notes/drafts", form: draft)
            #expect(first.status == .ok && first.headers.contentType == .json)
            let answer = try JSONDecoder().decode(NotesController.AutosaveAnswer.self, from: Data(first.body.string.utf8))
            let row = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            #expect(row.status == .draft && row.$appointment.id == today.id && answer.savedAt != nil)
            #expect(answer.note == "\(base)/notes/\(row.id!.uuidString)" && answer.draftAction == "\(base)/notes/\(row.id!.uuidString)/draft")
            // Sealed at rest: the stored column is not the text.
            #expect(!row.contentSealed.contains("Tired but hopeful"))
            #expect(try NotesController.content(of: row, keyRing: clinic.app.services.keyRing).mood == "Tired but hopeful")
            // The next save updates the same draft, even with a sign button's value in the body.
            var more = draft
            more["mood"] = "Tired but hopeful; slept better"
            more["action"] = "sign"
            #expect(try await therapist.post(try #require(answer.draftAction), form: more).status == .ok)
            #expect(try await SessionNoteRow.query(on: clinic.db).count() == 1)
            let updated = try #require(try await SessionNoteRow.find(row.id, on: clinic.db))
            #expect(updated.status == .draft, "a draft save never signs")
            // Each save is audited against the client.
            let audits = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "session-note").filter(\.$recordID == row.id!.uuidString).all()
            #expect(audits.filter { $0.detail?.contains("autosave") == true }.count == 2 && audits.allSatisfy { $0.subject == client.id!.uuidString })
            // Reloading finds the draft in the form.
            let reloaded = try await therapist.get(try #require(answer.note)).body.string
            #expect(reloaded.contains("slept better") && reloaded.contains("Saved at"))
            // A session number outside the contract is refused with the reason, and nothing changes.
            more["sessionNumber"] = "40"
            let refused = try await therapist.post(try #require(answer.draftAction), form: more)
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("session number"))
            // Someone else's client answers as missing.
            let (stranger, _) = try await clinic.signedIn(as: .therapist)
            try await stranger.get("/staff")
            #expect(try await stranger.post(try #require(answer.draftAction), form: more).status == .notFound)
        }
    }

    @Test func a_risk_answer_in_a_draft_saved_while_typing_opens_an_alert() async throws {
        try await withClinic { clinic in
            let (_, supervisorUser, student, studentUser) = try await clinic.supervisedStudent()
            let (_, base, _) = try await clientWithTodaysSession(clinic, by: studentUser, browser: student)
            try await student.get("\(base)/notes/new")
            var draft = ["sessionNumber": "4", "mood": "Very low"]
            #expect(try await student.post("\(base)/notes/drafts", form: draft).status == .ok)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 0)
            let noteID = try #require(try await SessionNoteRow.query(on: clinic.db).first()?.id)
            draft["riskCheck"] = "present-safety-plan"
            draft["riskDetail"] = "Plan described; safety plan made."
            #expect(try await student.post("\(base)/notes/\(noteID.uuidString)/draft", form: draft).status == .ok)
            let alert = try #require(try await RiskAlert.query(on: clinic.db).first())
            #expect(alert.source == .sessionNote && alert.$note.id == noteID && alert.status == .open && alert.$supervisor.id == supervisorUser.id)
            // Typing on opens nothing new.
            draft["riskDetail"] = "Plan described; safety plan made; crisis line given."
            #expect(try await student.post("\(base)/notes/\(noteID.uuidString)/draft", form: draft).status == .ok)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)
        }
    }

    @Test func a_note_returned_without_a_comment_stays_on_the_note_with_the_message_beside_the_field() async throws {
        try await withClinic { clinic in
            let (supervisor, _, student, studentUser) = try await clinic.supervisedStudent()
            let client = try await clinic.clientSeen(by: studentUser, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await student.get("\(base)/chart")
            try await student.post("\(base)/contract", form: clinic.contractForm())
            #expect(try await student.post("\(base)/notes", form: TestClinic.signableNote).status == .seeOther)
            let note = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            let notePath = "\(base)/notes/\(note.id!.uuidString)"
            // The student sees the note waiting, on the supervision page.
            let mine = try await student.get("/staff/supervision").body.string
            #expect(mine.contains("Your notes waiting for co-signature") && mine.contains("Casey Client, session 4"))
            try await supervisor.get(notePath)
            let refused = try await supervisor.post("\(notePath)/return", form: ["comment": "   "])
            #expect(refused.status == .unprocessableEntity)
            let page = refused.body.string
            #expect(page.contains(#"id="error-comment""#) && page.contains("Session 4 note") && page.contains("/cosign"))
            let tooLong = try await supervisor.post("\(notePath)/return", form: ["comment": String(repeating: "x", count: 4_001)])
            #expect(tooLong.status == .unprocessableEntity && tooLong.body.string.contains("xxxxxxxxxx"), "what was typed is kept")
            #expect(try await SessionNoteRow.find(note.id, on: clinic.db)?.status == .awaitingCosignature)
            // Once co-signed it no longer waits.
            #expect(try await supervisor.post("\(notePath)/cosign", form: [:]).status == .seeOther)
            #expect(!(try await student.get("/staff/supervision").body.string.contains("Casey Client, session 4")))
        }
    }

    @Test func the_demo_seed_gives_riley_an_inventory_notes_and_scores_sealed_like_real_records() async throws {
        try await withClinic(seedDemo: true) { clinic in
            let riley = try #require(try await ClientRecord.query(on: clinic.db).filter(\.$name == "Riley Tan").first())
            let keyRing = clinic.app.services.keyRing
            let people = try await InventoryEntryRow.query(on: clinic.db).filter(\.$client.$id == riley.id!).all()
            #expect(people.count >= 4 && people.contains { $0.closeness != $0.firstCloseness })
            #expect(people.allSatisfy { !$0.detailsSealed.contains("Sister") })
            let notes = try await SessionNoteRow.query(on: clinic.db).filter(\.$client.$id == riley.id!).sort(\.$sessionNumber).all()
            #expect(notes.map(\.sessionNumber) == [1, 2, 3] && notes.allSatisfy { $0.status == .final && $0.$cosignedBy.id != nil && $0.$appointment.id != nil })
            #expect(try notes.allSatisfy { try !NotesController.content(of: $0, keyRing: keyRing).plan.isEmpty })
            let scores = try await MeasureResponse.query(on: clinic.db).filter(\.$client.$id == riley.id!).all()
            #expect(Set(scores.map(\.instrumentCode)) == [Instrument.phq9.code, Instrument.gad7.code] && scores.count == 8)
            #expect(try await WorksheetRow.query(on: clinic.db).filter(\.$client.$id == riley.id!).count() == 1)
            #expect(try await FormulationRow.query(on: clinic.db).filter(\.$client.$id == riley.id!).count() == 1)
            // The other clients and the front desk's lists.
            let teen = try #require(try await ClientRecord.query(on: clinic.db).filter(\.$name == "Jesse Nakamura").first())
            #expect(teen.programme == Programme.adolescent.rawValue && teen.guardianName != nil)
            #expect(try await WaitlistEntry.query(on: clinic.db).count() == 2)
            // The open ones: DemoOutcomes adds the handled enquiries of its ended courses.
            let enquiries = try await Enquiry.query(on: clinic.db).filter(\.$status == .open).all()
            #expect(enquiries.count == 2 && enquiries.allSatisfy { !$0.message.contains("teen") && !$0.message.contains("couples") })
            // Daniel has a session today whose note is still to write, numbered as the chart counts.
            let theo = try #require(try await ClientRecord.query(on: clinic.db).filter(\.$name == "Theo Lambert").first())
            let contract = try #require(try await ContractRow.query(on: clinic.db).filter(\.$client.$id == theo.id!).first())
            let held = try await CourseState.sessionsHeld(clientID: theo.id!, since: contract, zone: clinic.toronto, on: clinic.db)
            let today = try #require(try await Appointment.query(on: clinic.db).filter(\.$client.$id == theo.id!)
                .filter(\.$status == Appointment.Status.confirmed).sort(\.$startsAt).first())
            #expect(try await CourseState.sessionNumber(of: today, under: contract, zone: clinic.toronto, on: clinic.db) == held + 1)
        }
    }
}
