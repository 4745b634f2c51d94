import Fluent
import Foundation
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct EnquiryInboxTests {
    private func sendEnquiry(_ clinic: TestClinic, name: String = "Ana Lima", email: String = "ana@example.org") async throws {
        let browser = Browser(app: clinic.app)
        try await ContactTests.sendEnquiry(from: browser, changing: ["name": name, "email": email])
    }

    @Test func staff_open_an_enquiry_mark_it_handled_with_a_note_and_every_view_is_audited() async throws {
        try await withClinic { clinic in
            try await sendEnquiry(clinic)
            let (browser, user) = try await clinic.signedIn(as: .receptionist)
            let list = try await browser.get("/staff/enquiries?status=open")
            #expect(list.status == .ok)
            #expect(list.body.string.contains("Ana Lima"))
            let enquiry = try #require(try await Enquiry.query(on: clinic.db).first())
            let id = try #require(enquiry.id)
            let page = try await browser.get("/staff/enquiries/\(id)")
            #expect(page.body.string.contains("My mother died in spring"))
            let handled = try await browser.post("/staff/enquiries/\(id)/handle", form: ["note": "Called back, booked a consultation."])
            #expect(handled.status == .seeOther)
            #expect(try await browser.get(try #require(handled.location)).body.string.contains("The enquiry is marked as handled."))
            let stored = try #require(try await Enquiry.find(id, on: clinic.db))
            #expect(stored.status == .handled)
            #expect(stored.$handledBy.id == user.id)
            #expect(try clinic.app.services.keyRing.openOptional(stored.handlingNote, Enquiry.noteContext(id)) == "Called back, booked a consultation.")
            #expect(!(try await browser.get("/staff/enquiries?status=open")).body.string.contains("Ana Lima"))

            let views = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "enquiry").sort(\.$sequence).all()
            #expect(views.map(\.action) == ["view", "update"])
            #expect(views.allSatisfy { $0.subject == "ana@example.org" && $0.actorID == user.id?.uuidString && $0.requestID != nil })
        }
    }

    @Test func a_guessed_id_and_a_malformed_id_both_get_the_same_404() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let guessed = try await browser.get("/staff/enquiries/\(UUID())")
            let malformed = try await browser.get("/staff/enquiries/1%20OR%201=1")
            #expect(guessed.status == .notFound)
            #expect(malformed.status == .notFound)
        }
    }

    @Test func a_practicum_student_cannot_read_the_enquiry_inbox() async throws {
        try await withClinic { clinic in
            try await sendEnquiry(clinic)
            let (browser, _) = try await clinic.signedIn(as: .student)
            let id = try #require(try await Enquiry.query(on: clinic.db).first()?.id)
            #expect(try await browser.get("/staff/enquiries").status == .forbidden)
            let single = try await browser.get("/staff/enquiries/\(id)")
            #expect(single.status == .forbidden)
            #expect(!single.body.string.contains("My mother died"))
        }
    }

    @Test func a_note_over_its_limit_is_refused_with_the_note_kept_and_the_enquiry_left_open() async throws {
        try await withClinic { clinic in
            try await sendEnquiry(clinic)
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let id = try #require(try await Enquiry.query(on: clinic.db).first()?.id)
            try await browser.get("/staff/enquiries/\(id)")
            let note = String(repeating: "n", count: 2_001)
            let response = try await browser.post("/staff/enquiries/\(id)/handle", form: ["note": note])
            #expect(response.status == .unprocessableEntity)
            #expect(response.body.string.contains(note))
            #expect(try await Enquiry.find(id, on: clinic.db)?.status == .open)
        }
    }

    @Test func the_inbox_filters_by_status() async throws {
        try await withClinic { clinic in
            try await sendEnquiry(clinic, name: "Open Person", email: "open@example.org")
            try await sendEnquiry(clinic, name: "Done Person", email: "done@example.org")
            let done = try #require(try await Enquiry.query(on: clinic.db).filter(\.$email == "done@example.org").first())
            done.status = .handled
            try await done.update(on: clinic.db)
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let open = try await browser.get("/staff/enquiries?status=open").body.string
            #expect(open.contains("Open Person") && !open.contains("Done Person"))
            let handled = try await browser.get("/staff/enquiries?status=handled").body.string
            #expect(!handled.contains("Open Person") && handled.contains("Done Person"))
            let all = try await browser.get("/staff/enquiries").body.string
            #expect(all.contains("Open Person") && all.contains("Done Person"))
            #expect(!all.contains(#"class="pagination""#), "no empty page navigation when everything fits on one page")
        }
    }
    @Test func the_inbox_pages_newest_first_fifty_at_a_time() async throws {
        try await withClinic { clinic in
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            for index in 0..<51 {
                let enquiry = Enquiry()
                enquiry.name = String(format: "Person-%03d", index)
                enquiry.email = "p\(index)@example.org"
                enquiry.preferredContact = "email"
                enquiry.message = "sealed elsewhere"
                enquiry.source = "form"
                enquiry.status = index == 0 ? .handled : .open
                enquiry.createdAt = start.addingTimeInterval(Double(index) * 60)
                try await enquiry.create(on: clinic.db)
            }
            let (browser, _) = try await clinic.signedIn(as: .receptionist)
            let first = try await browser.get("/staff/enquiries").body.string
            #expect(first.contains("Person-050") && first.contains("Person-001") && !first.contains("Person-000"))
            #expect(first.range(of: "Person-050")!.lowerBound < first.range(of: "Person-049")!.lowerBound)
            #expect(first.contains("page=2\">Older"))
            let second = try await browser.get("/staff/enquiries?page=2").body.string
            #expect(second.contains("Person-000") && !second.contains("Person-001"))
            #expect(second.contains("<span class=\"status handled\">Handled</span>"))
            #expect(!second.contains(">Older<"))
            let open = try await browser.get("/staff/enquiries?status=open&page=2").body.string
            #expect(open.contains("No enquiries here."))
            let oddPage = try await browser.get("/staff/enquiries?status=handled&page=abc").body.string
            #expect(oddPage.contains("Person-000") && !oddPage.contains("Person-001"), "the filter holds when the page is not a number")
        }
    }
}

@Suite struct EnquiryRaceTests {
    @Test func when_two_people_handle_one_enquiry_the_first_note_stands() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/contact")
            try await visitor.post("/contact", form: ContactTests.validForm)
            let id = try #require(try await Enquiry.query(on: clinic.db).first()?.id)
            let (first, firstUser) = try await clinic.signedIn(as: .receptionist)
            let (second, _) = try await clinic.signedIn(as: .admin)
            try await first.get("/staff/enquiries/\(id)")
            try await second.get("/staff/enquiries/\(id)")
            try await first.post("/staff/enquiries/\(id)/handle", form: ["note": "Called back."])
            let late = try await second.post("/staff/enquiries/\(id)/handle", form: ["note": "Emailed."])
            #expect(late.location == "/staff/enquiries/\(id.uuidString)")
            let stored = try #require(try await Enquiry.find(id, on: clinic.db))
            #expect(try clinic.app.services.keyRing.openOptional(stored.handlingNote, Enquiry.noteContext(id)) == "Called back.")
            #expect(stored.$handledBy.id == firstUser.id)
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$detail == "marked handled").count() == 1)
        }
    }
}

@Suite struct NewsletterPrivacyTests {
    /// Regression: a confirmed address answered faster (no write, no email) than a new one.
    @Test func signing_up_an_already_subscribed_address_does_the_same_work_as_a_new_one() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/newsletter")
            try await browser.post("/newsletter", form: ["email": "old@example.org", "consent": "yes"])
            let subscriber = try #require(try await Subscriber.query(on: clinic.db).first())
            subscriber.status = .confirmed
            try await subscriber.update(on: clinic.db)
            let before = try await OutboxMessage.query(on: clinic.db).count()
            try await browser.post("/newsletter", form: ["email": "old@example.org", "consent": "yes"])
            #expect(try await OutboxMessage.query(on: clinic.db).count() == before + 1)
            try await clinic.deliverMail()
            let notice = try #require(clinic.mail.sent.last)
            #expect(notice.subject.hasPrefix("You already receive our newsletter"))
            #expect(notice.textBody.contains("/newsletter/unsubscribe/"))
            #expect(try await Subscriber.query(on: clinic.db).first()?.status == .confirmed)
        }
    }
}
