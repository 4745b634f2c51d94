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
            try await visitor.get("/contact")
            var form = ContactTests.validForm
            form["name"] = "\"><img src=x onerror=alert(1)>\(script)"
            form["message"] = "Hello \(script)"
            #expect(try await visitor.post("/contact", form: form).status == .seeOther)
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
            try await visitor.get("/contact")
            var form = ContactTests.validForm
            form["message"] = "Quixotic marmalade lighthouse grief since October"
            try await visitor.post("/contact", form: form)
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
}
