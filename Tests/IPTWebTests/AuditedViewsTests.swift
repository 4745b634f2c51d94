import Fluent
import Foundation
import IPTCore
import Testing
import Vapor
@testable import IPTWeb

/// Every page that shows a client's health information leaves an audit row, on every path to it:
/// not only the plain opening of a page, but a form sent back with errors (which shows the record
/// again), the new-note form (the last plan and today's scores), and a questionnaire's kept
/// answers, whoever keeps or reopens them.
@Suite struct AuditedViewsTests {
    /// The rows about this client, of this kind, that say a form was returned with errors.
    private func returned(_ recordType: String, client: UUID, on db: any Database) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: db).filter(\.$recordType == recordType).filter(\.$subject == client.uuidString)
            .filter(\.$detail == AuditDetail.formReturned).all()
    }

    /// A therapist signed in, with a client seen three times and a contract agreed.
    private func clientUnderContract(_ clinic: TestClinic) async throws -> (Browser, StaffUser, UUID, String) {
        let (browser, user) = try await clinic.signedIn(as: .therapist)
        let id = try await clinic.clientSeen(by: user, attended: 3).requireID()
        let base = "/staff/clients/\(id.uuidString)"
        try await browser.get("\(base)/chart")
        try await browser.post("\(base)/contract", form: clinic.contractForm())
        return (browser, user, id, base)
    }

    @Test func a_clinical_form_sent_back_with_errors_is_audited_as_a_view() async throws {
        try await withClinic { clinic in
            let (browser, user, id, base) = try await clientUnderContract(clinic)
            #expect(try await browser.post("\(base)/formulation", form: ["primary": "role-dispute", "text": "Arguments since the move."]).status == .seeOther)

            // Each form, sent back: the page shows the record again, so each leaves a row naming
            // the person, the client and what kind of record it was.
            let cases: [(path: String, form: [String: String], recordType: String)] = [
                ("\(base)/formulation", ["primary": "role-dispute", "text": ""], "formulation"),
                ("\(base)/timeline", ["kind": "nonsense"], "timeline"),
                ("\(base)/inventory", ["name": ""], "inventory"),
                ("\(base)/discharge", ["action": "sign"], "discharge-summary"),
                ("\(base)/contract", ["agreedSessions": "0"], "contract"),
                ("\(base)/notes", ["sessionNumber": "1", "action": "sign"], "notes"),
            ]
            for item in cases {
                let before = try await returned(item.recordType, client: id, on: clinic.db).count
                let response = try await browser.post(item.path, form: item.form)
                #expect(response.status == .unprocessableEntity, "\(item.path)")
                let rows = try await returned(item.recordType, client: id, on: clinic.db)
                #expect(rows.count == before + 1, "\(item.path) leaves a row")
                #expect(rows.last?.actorID == user.id?.uuidString)
            }
        }
    }

    @Test func the_new_note_form_shows_the_last_plan_and_is_audited() async throws {
        try await withClinic { clinic in
            let (browser, user, id, base) = try await clientUnderContract(clinic)
            let before = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "notes").filter(\.$detail == "new note form").count()
            #expect(try await browser.get("\(base)/notes/new").status == .ok)
            let rows = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "notes").filter(\.$detail == "new note form").all()
            #expect(rows.count == before + 1 && rows.last?.subject == id.uuidString && rows.last?.actorID == user.id?.uuidString)
        }
    }

    @Test func answers_kept_in_session_and_shown_again_are_audited() async throws {
        try await withClinic { clinic in
            let (student, _, appointment, _) = try await SafetyAlertTests().setUp(clinic)
            try await student.get("/staff/appointments/\(appointment.id!.uuidString)")
            let started = try await student.post("/staff/appointments/\(appointment.id!.uuidString)/questionnaire/in-session", form: ["instrument": "gad-7"])
            let form = try #require(started.location)
            let response = try #require(try await MeasureResponse.query(on: clinic.db).first())
            let startedBy = try #require(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "measure-response")
                .filter(\.$recordID == response.id!.uuidString).filter(\.$action == AuditAction.create.rawValue).first()?.actorID)
            func rows(_ detail: String) async throws -> [AuditEvent] {
                try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "measure-response").filter(\.$detail == detail)
                    .filter(\.$recordID == response.id!.uuidString).all()
            }
            #expect(try await rows("draft answers shown").isEmpty, "nothing kept yet, nothing shown")
            #expect(try await student.post(form, form: ["item-1": "2", "item-2": "1", "action": "draft"]).status == .ok)
            let kept = try await rows("draft kept")
            #expect(kept.count == 1 && kept.first?.actorID == startedBy && kept.first?.action == AuditAction.update.rawValue)
            #expect(kept.first?.subject == response.$client.id.uuidString)
            let page = try await student.get(form)
            #expect(page.status == .ok)
            // The window title (kept in the browser's history) does not say which questionnaire.
            let title = try #require(page.body.string.firstMatch(of: /<title>([^<]*)<\/title>/)?.1)
            #expect(title.hasPrefix("Your questionnaire") && !title.contains("GAD"), "\(title)")
            let shown = try await rows("draft answers shown")
            #expect(shown.count == 1 && shown.first?.actorID == startedBy)
            // An incomplete send keeps what was answered too, and says so in the trail.
            #expect(try await student.post(form, form: ["item-1": "2"]).status == .unprocessableEntity)
            #expect(try await rows("draft kept").count == 2)
        }
    }
}

@Suite struct HostileInputTests {
    @Test func a_huge_phase_length_in_the_clinical_settings_is_a_422_not_a_crash() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/settings/clinical")
            var form = ["initialSessions": "9223372036854775807", "terminationSessions": "3", "minimumSessions": "8", "maximumSessions": "20",
                        "adultSessions": "16", "adolescentSessions": "12", "maintenanceSessions": "12", "framework": "four-areas"]
            let refused = try await director.post("/staff/settings/clinical", form: form)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("9223372036854775807"), "what was typed is shown again")
            form["initialSessions"] = "3"
            form["terminationSessions"] = "-9223372036854775808"
            #expect(try await director.post("/staff/settings/clinical", form: form).status == .unprocessableEntity)
        }
    }

    @Test func a_nul_character_in_a_form_is_dropped_and_the_rest_kept() async throws {
        #expect(FormInput.withoutNUL("reason=a%00b&x=%2500") == "reason=ab&x=%2500", "a literal percent sign followed by 00 stays")
        #expect(FormInput.withoutNUL("reason=a\u{0}b") == "reason=ab")
        #expect(FormInput.withoutNUL("reason=a%%0000b") == "reason=ab", "a NUL taken out must not join its neighbours into another")
        #expect(FormInput.withoutNUL("reason=a%\u{0}00b") == "reason=ab")
        // JSON: the escape goes where it is one; an escaped backslash before the letters stays.
        #expect(APIInput.withoutNUL(#"{"a":"x\u0000y","b":"\u0000\u0000"}"#) == #"{"a":"xy","b":""}"#)
        #expect(APIInput.withoutNUL(#"{"a":"\\u0000"}"#) == #"{"a":"\\u0000"}"#)
        #expect(APIInput.withoutNUL(#"{"a":"\\\u0000"}"#) == #"{"a":"\\"}"#)
        try await withClinic { clinic in
            // The care team's reason is kept in plain text; PostgreSQL refused the NUL with a 500.
            let (director, _) = try await clinic.signedIn(as: .admin)
            let (_, therapistUser) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: therapistUser, attended: 1)
            let (_, coverUser) = try await clinic.signedIn(as: .therapist)
            let teamPage = "/staff/clients/\(client.id!.uuidString)/care-team"
            try await director.get(teamPage)
            let added = try await director.post("\(teamPage)/members", form: ["member": coverUser.id!.uuidString, "reason": "Covering\u{0} in August"])
            #expect(added.status == .seeOther)
            let membership = try #require(try await CareTeamMember.query(on: clinic.db).filter(\.$staff.$id == coverUser.id!).first())
            #expect(membership.reason == "Covering in August")
        }
    }

    @Test func a_long_note_in_a_script_of_two_byte_letters_is_saved_not_refused_as_too_large() async throws {
        try await withClinic { clinic in
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let (_, base, today) = try await ClinicalFormsTests().clientWithTodaysSession(clinic, by: therapistUser, browser: therapist)
            try await therapist.get("\(base)/notes/new?appointment=\(today.id!.uuidString)")
            // Within each field's limit, 84 KB once form-encoded: the 64 KB body limit answered 413
            // and the note was gone.
            let long = String(repeating: "é", count: 7_000)
            let saved = try await therapist.post("\(base)/notes", form: ["sessionNumber": "4", "appointment": today.id!.uuidString,
                                                                          "mood": long, "plan": long, "action": "draft"])
            #expect(saved.status == .seeOther)
            let row = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            #expect(try NotesController.content(of: row, keyRing: clinic.app.services.keyRing).plan == long)
        }
    }

    @Test func a_note_for_an_appointment_cancelled_meanwhile_is_kept_without_the_link() async throws {
        try await withClinic { clinic in
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let (_, base, today) = try await ClinicalFormsTests().clientWithTodaysSession(clinic, by: therapistUser, browser: therapist)
            try await therapist.get("\(base)/notes/new?appointment=\(today.id!.uuidString)")
            today.status = .cancelled
            try await today.update(on: clinic.db)
            // This answered 404 and the note was gone.
            let saved = try await therapist.post("\(base)/notes", form: ["sessionNumber": "4", "appointment": today.id!.uuidString,
                                                                          "mood": "Low after the weekend", "action": "draft"])
            #expect(saved.status == .seeOther && saved.location?.contains("done=saved-unlinked") == true)
            let row = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            #expect(row.$appointment.id == nil)
            #expect(try NotesController.content(of: row, keyRing: clinic.app.services.keyRing).mood == "Low after the weekend")
            #expect(try await therapist.get(try #require(saved.location)).body.string.contains("not linked to the appointment"))
        }
    }

    @Test func the_same_new_note_form_sent_twice_makes_one_note() async throws {
        try await withClinic { clinic in
            let (therapist, therapistUser) = try await clinic.signedIn(as: .therapist)
            let (_, base, today) = try await ClinicalFormsTests().clientWithTodaysSession(clinic, by: therapistUser, browser: therapist)
            let page = try await therapist.get("\(base)/notes/new?appointment=\(today.id!.uuidString)").body.string
            let key = try #require(page.firstMatch(of: /name="formKey" value="([0-9A-F-]+)"/)?.1).description
            var form = ["sessionNumber": "4", "appointment": today.id!.uuidString, "formKey": key, "mood": "First", "action": "draft"]
            let first = try await therapist.post("\(base)/notes", form: form)
            form["mood"] = "Second, with more"
            let second = try await therapist.post("\(base)/notes", form: form)
            #expect(first.status == .seeOther && second.status == .seeOther)
            let rows = try await SessionNoteRow.query(on: clinic.db).all()
            #expect(rows.count == 1, "a double click made two notes for one session")
            #expect(try NotesController.content(of: rows[0], keyRing: clinic.app.services.keyRing).mood == "Second, with more")
            // Signed by the first of two clicks on "Sign": the second lands on the signed note.
            form = TestClinic.signableNote
            form["formKey"] = UUID().uuidString
            let signedFirst = try await therapist.post("\(base)/notes", form: form)
            let signedAgain = try await therapist.post("\(base)/notes", form: form)
            #expect(signedFirst.status == .seeOther && signedAgain.status == .seeOther && signedFirst.location == signedAgain.location)
            #expect(try await SessionNoteRow.query(on: clinic.db).count() == 2)
            // Four at the same moment: the unique key decides. On SQLite this failed three times in
            // four with "database is locked" after five seconds, until the app had a thread pool of
            // its own for blocking calls (`DatabaseSetup.blockingThreads`): waiters on the write
            // lock had taken every thread of the shared one, and the lock's holder could not commit.
            form["formKey"] = UUID().uuidString
            form["action"] = "draft"
            let browser = therapist, path = "\(base)/notes", sent = form
            let made = try await simultaneously(4) { _ in try await browser.post(path, form: sent).status == .seeOther }
            #expect(made == 4)
            #expect(try await SessionNoteRow.query(on: clinic.db).count() == 3)
        }
    }
}
