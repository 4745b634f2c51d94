import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Issue 6's attack list, for what exists so far (enquiries, subscribers, newsletters, staff, audit).
@Suite struct AttackTests {
    private let script = "<script>alert(1)</script>"

    @Test func script_typed_into_free_text_is_inert_in_the_inbox_the_detail_page_the_audit_view_and_the_newsletter_list() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            #expect(try await ContactTests.sendEnquiry(from: visitor, changing: [
                "name": "\"><img src=x onerror=alert(1)>\(script)",
                "message": "Hello \(script)"
            ]).status == .seeOther)
            let (staff, _) = try await clinic.signedIn(as: .admin)
            let id = try #require(try await Enquiry.query(on: clinic.db).first()?.id)
            try await staff.get("/staff/enquiries/\(id)")
            try await staff.post("/staff/enquiries/\(id)/handle", form: ["note": "Note \(script)"])
            let pages = [
                try await staff.get("/staff/enquiries").body.string,
                try await staff.get("/staff/enquiries/\(id)").body.string,
                try await staff.get("/staff/audit?type=\(script.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").body.string,
            ]
            for html in pages {
                #expect(!html.contains("<script>alert"), "no live script element")
                #expect(!html.contains("<img src=x"), "no live image element")
            }
            #expect(pages[1].contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "shown as text")
        }
    }

    @Test func sql_metacharacters_in_the_audit_filters_find_nothing_and_break_nothing() async throws {
        try await withClinic { clinic in
            try await clinic.app.auditWriter.record(AuditEntry(actorID: "u", actorLabel: "T", action: .view, recordType: "enquiry",
                                                               recordID: nil, subject: "a@b.ca", requestID: nil, detail: nil))
            let (staff, _) = try await clinic.signedIn(as: .admin)
            for probe in ["' OR '1'='1", "\" OR 1=1 --", "a@b.ca'; DROP TABLE audit_events; --", "%", "_"] {
                let encoded = probe.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let response = try await staff.get("/staff/audit?subject=\(encoded)&type=\(encoded)")
                #expect(response.status == .ok)
                #expect(response.body.string.contains("No events match."), "\(probe)")
            }
            #expect(try await AuditEvent.query(on: clinic.db).count() >= 1, "the table is still there")
        }
    }

    @Test func a_disabled_account_loses_its_live_session_at_once() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            #expect(try await browser.get("/staff").status == .ok)
            user.isActive = false
            try await user.update(on: clinic.db)
            #expect(try await browser.get("/staff").status == .seeOther)
            #expect(try await StaffSession.query(on: clinic.db).count() == 0)
            let again = Browser(app: clinic.app)
            try await again.get("/staff/sign-in")
            let response = try await again.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery"])
            #expect(response.status == .unauthorized)
        }
    }

    @Test func the_raw_database_files_contain_none_of_a_messages_words() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let visitor = Browser(app: clinic.app)
            try await ContactTests.sendEnquiry(from: visitor, changing: [
                "message": "Quixotic marmalade lighthouse grief since October"
            ])
            let directory = clinic.app.services.settings.dataDirectory
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("clinic.sqlite") }
            #expect(files.contains("clinic.sqlite"))
            for file in files {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
                for word in ["Quixotic", "marmalade", "lighthouse"] {
                    #expect(bytes.range(of: Data(word.utf8)) == nil, "\(word) found in \(file)")
                }
            }
        }
    }

    @Test func the_raw_database_files_contain_none_of_a_session_notes_words() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            try await browser.get("\(base)/chart")
            try await browser.post("\(base)/contract", form: clinic.contractForm())
            var note = TestClinic.signableNote
            note["mood"] = "Zephyrous periwinkle accordion since the funeral"
            note["plan"] = "Xylophone rehearsal with the sister"
            #expect(try await browser.post("\(base)/notes", form: note).status == .seeOther)
            try await browser.post("\(base)/formulation", form: ["primary": "grief", "text": "Quetzal lantern formulation"])
            try await browser.post("\(base)/inventory", form: ["name": "Wisteria", "relationship": "Sister", "closeness": "1", "conflicts": "Marzipan quarrels"])
            let directory = clinic.app.services.settings.dataDirectory
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("clinic.sqlite") }
            #expect(files.contains("clinic.sqlite"))
            for file in files {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
                for word in ["Zephyrous", "periwinkle", "Xylophone", "Quetzal", "Wisteria", "Marzipan"] {
                    #expect(bytes.range(of: Data(word.utf8)) == nil, "\(word) found in \(file)")
                }
            }
        }
    }

    @Test func a_client_id_in_a_form_body_that_belongs_to_another_clinician_is_refused() async throws {
        try await withClinic { clinic in
            let (_, owner) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: owner)
            let (intruder, intruderUser) = try await clinic.signedIn(as: .therapist)
            try await intruder.get("/staff/appointments/new")
            let before = try await Appointment.query(on: clinic.db).count()
            let start = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let refused = try await intruder.post("/staff/appointments", form: [
                "clinician": intruderUser.id!.uuidString, "client": client.id!.uuidString, "type": "ipt-session",
                "date": start.description, "time": "10:00", "weeks": "1"])
            #expect(refused.status == .unprocessableEntity && refused.body.string.contains("Choose a client from the list"))
            #expect(!refused.body.string.contains("Casey Client"), "the other clinician's client is not named back")
            #expect(try await Appointment.query(on: clinic.db).count() == before)
        }
    }

    @Test func script_typed_into_every_clinical_field_is_inert_on_every_page_and_in_the_record_copy() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: user, attended: 4)
            let base = "/staff/clients/\(client.id!.uuidString)"
            let script = "<script>alert(1)</script><img src=x onerror=alert(2)>"
            try await browser.get("\(base)/chart")
            try await browser.post("\(base)/contract", form: clinic.contractForm())
            try await browser.post("\(base)/formulation", form: ["primary": "role-dispute", "text": script])
            try await browser.post("\(base)/inventory", form: ["name": script, "relationship": script, "closeness": "1", "conflicts": script])
            try await browser.post("\(base)/worksheets/role-dispute/new", form: ["otherPerson": script, "stage": "impasse", "issues": script])
            var note = TestClinic.signableNote
            note["mood"] = script
            note["plan"] = script
            try await browser.post("\(base)/notes", form: note)
            try await browser.post("\(base)/timeline", form: ["kind": "other", "month": "2026-01", "impact": "2", "note": String(script.prefix(60))])
            try await browser.post("\(base)/discharge", form: ["endingReason": "completed", "maintenance": "none", "summary": script, "relapsePlan": script, "action": "save"])
            let sheet = try #require(try await WorksheetRow.query(on: clinic.db).first())
            let noteRow = try #require(try await SessionNoteRow.query(on: clinic.db).first())
            let pages = ["chart", "inventory", "formulation", "worksheets", "worksheets/role-dispute/\(sheet.subjectKey)", "notes",
                         "notes/\(noteRow.id!.uuidString)", "timeline", "discharge", "record"]
            for page in pages {
                let html = try await browser.get("\(base)/\(page)").body.string
                #expect(!html.contains("<script>alert") && !html.contains("<img src=x"), "script runs on \(page)")
            }
            #expect(try await browser.get("\(base)/formulation").body.string.contains("&lt;script&gt;alert(1)"), "shown as text")
            let fhir = try await browser.get("\(base)/record.fhir.json")
            #expect(fhir.headers.contentType?.subType == "fhir+json", "the JSON copy is never served as HTML")
        }
    }

    /// Regression: any appointment, even a hold or a cancelled one, put a clinician in the client's
    /// care team, and a clinician could create one by typing an existing client's details.
    @Test func typing_an_existing_clients_details_or_holding_a_time_does_not_open_their_chart() async throws {
        try await withClinic { clinic in
            let (_, owner) = try await clinic.signedIn(as: .therapist)
            let client = try await clinic.clientSeen(by: owner, email: "casey@example.org")
            let (intruder, intruderUser) = try await clinic.signedIn(as: .therapist)
            try await intruder.get("/staff/appointments/new")
            let start = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let typed = try await intruder.post("/staff/appointments", form: [
                "clinician": intruderUser.id!.uuidString, "client": "", "clientName": client.name, "clientEmail": client.email,
                "clientPhone": "416-555-0100", "clientDateOfBirth": client.dateOfBirth, "type": "ipt-session", "date": start.description,
                "time": "10:00", "weeks": "1"])
            #expect(typed.status == .unprocessableEntity && typed.body.string.contains("Ask the front desk"))
            #expect(try await Appointment.query(on: clinic.db).filter(\.$staff.$id == intruderUser.id!).count() == 0)
            // A hold or a cancelled appointment with the intruder does not make them the client's clinician.
            for status in [Appointment.Status.held, .cancelled, .expired] {
                let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
                let appointment = BookingService.newAppointment(staffID: intruderUser.id!, clientID: client.id!, kind: kind,
                                                                start: clinic.tenOClock(inDays: 10 + (status == .held ? 0 : status == .cancelled ? 1 : 2)),
                                                                locationID: nil, source: "web", now: clinic.clock.now)
                appointment.status = status
                try await appointment.create(on: clinic.db)
                #expect(try await intruder.get("/staff/clients/\(client.id!.uuidString)/chart").status == .notFound, "\(status)")
            }
        }
    }
}
