import Fluent
import Foundation
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct ContactTests {
    static let validForm = [
        "name": "Ana Lima", "email": "ana@example.org", "phone": "", "preferredContact": "email",
        "message": "My mother died in spring and I cannot sleep.", "consent": "yes",
    ]

    /// Opens the contact page (for its form token) and sends the valid form with `changes` made;
    /// a nil value leaves the field out.
    @discardableResult
    static func sendEnquiry(from browser: Browser, changing changes: [String: String?] = [:]) async throws -> TestingHTTPResponse {
        try await browser.get("/contact")
        var form = validForm
        for (field, value) in changes { form[field] = value }
        return try await browser.post("/contact", form: form)
    }

    @Test func the_same_enquiry_sent_twice_is_stored_and_acknowledged_once() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            #expect(try await Self.sendEnquiry(from: browser).status == .seeOther)
            #expect(try await Self.sendEnquiry(from: browser).status == .seeOther, "the same thanks page")
            #expect(try await Enquiry.query(on: clinic.db).count() == 1)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.subject.hasPrefix("We received your message") }.count == 1)
            // Another message from the same person is another enquiry.
            #expect(try await Self.sendEnquiry(from: browser, changing: ["message": "One more question about fees, please."]).status == .seeOther)
            #expect(try await Enquiry.query(on: clinic.db).count() == 2)
        }
    }

    @Test func a_valid_enquiry_is_stored_and_an_acknowledgement_without_its_message_is_emailed() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/contact")
            let response = try await browser.post("/contact", form: Self.validForm)
            #expect(response.status == .seeOther)
            #expect(response.location == "/contact/thanks")
            let stored = try await Enquiry.query(on: clinic.db).all()
            #expect(stored.count == 1)
            #expect(stored.first?.status == .open)
            try await clinic.deliverMail()
            let email = try #require(clinic.mail.sent.first)
            #expect(email.to == "ana@example.org")
            #expect(!email.textBody.contains("cannot sleep"), "health details never go into email")
            #expect(email.textBody.contains("9-8-8"))
        }
    }

    @Test func an_invalid_enquiry_comes_back_with_a_message_per_field_and_the_input_kept() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let response = try await Self.sendEnquiry(from: browser, changing: ["email": "not-an-email", "consent": nil])
            #expect(response.status == .unprocessableEntity)
            let html = response.body.string
            #expect(html.contains("Enter an email address like name@example.com."))
            #expect(html.contains("Tick the box to let us use your details"))
            #expect(html.contains(#"value="not-an-email""#), "typed input is kept")
            #expect(html.contains("My mother died in spring"), "the message is kept")
            #expect(try await Enquiry.query(on: clinic.db).count() == 0)
        }
    }

    @Test func script_typed_into_a_field_is_shown_as_text_not_run() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let html = try await Self.sendEnquiry(from: browser, changing: [
                "email": "bad",
                "name": "\"><script>alert(1)</script>",
                "message": "</textarea><script>alert(2)</script>"
            ]).body.string
            #expect(!html.contains("<script>"))
            #expect(html.contains(#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#), "kept in the field, escaped")
            #expect(html.contains("&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
        }
    }

    @Test func a_prepend_mark_before_markup_in_a_name_stays_text_on_the_staff_inbox() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            // U+0600 joins the `<` after it into one Character; escaping by Character wrote it raw.
            #expect(try await Self.sendEnquiry(from: visitor, changing: [
                "name": "Ana \u{600}<b>bold</b>"
            ]).status == .seeOther)
            let (staff, _) = try await clinic.signedIn(as: .receptionist)
            let html = try await staff.get("/staff/enquiries").body.string
            #expect(!html.contains("<b>"))
            #expect(html.contains("\u{600}&lt;b&gt;bold&lt;/b&gt;"))
        }
    }

    @Test func a_quote_joined_to_a_combining_mark_cannot_end_the_attribute_it_is_kept_in() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            // Quote + combining accent is one Swift Character; escaping by Character missed it.
            let html = try await Self.sendEnquiry(from: browser, changing: [
                "email": "bad",
                "name": "x\"\u{301} autofocus onfocus=alert(1) y=\"\u{301}"
            ]).body.string
            #expect(html.utf8.firstRange(of: "\"\u{301}".utf8) == nil, "no raw quote byte before the accent")
            #expect(html.contains("value=\"x&quot;\u{301} autofocus onfocus=alert(1) y=&quot;\u{301}\""))
        }
    }

    @Test func a_filled_honeypot_looks_like_success_but_stores_nothing() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let response = try await Self.sendEnquiry(from: browser, changing: ["website": "http://spam.example"])
            #expect(response.status == .seeOther)
            #expect(try await Enquiry.query(on: clinic.db).count() == 0)
            #expect(try await OutboxMessage.query(on: clinic.db).count() == 0)
        }
    }

    @Test func too_many_enquiries_from_one_address_get_429() async throws {
        try await withClinic(publicFormLimit: 2) { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/contact")
            var second = Self.validForm
            second["message"] = "A second, different question."
            #expect(try await browser.post("/contact", form: Self.validForm).status == .seeOther)
            #expect(try await browser.post("/contact", form: second).status == .seeOther)
            let third = try await browser.post("/contact", form: Self.validForm)
            #expect(third.status == .tooManyRequests)
            #expect(third.body.string.contains("Too many attempts"))
            #expect(third.headers.first(name: .retryAfter) == "600")
            #expect(try await Enquiry.query(on: clinic.db).count() == 2)
            // Each form counts on its own: the same visitor can still sign up for the newsletter.
            try await browser.get("/newsletter")
            let signUp = try await browser.post("/newsletter", form: ["email": "reader@example.org", "consent": "yes"])
            #expect(signUp.status == .seeOther)
            #expect(try await Subscriber.query(on: clinic.db).count() == 1)
        }
    }

    @Test func a_form_without_its_csrf_token_or_with_a_wrong_one_is_refused() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/contact")
            let missing = try await browser.post("/contact", form: Self.validForm, includeCSRF: false)
            #expect(missing.status == .forbidden)
            var wrong = Self.validForm
            wrong["_csrf"] = String(repeating: "x", count: 43)
            #expect(try await browser.post("/contact", form: wrong).status == .forbidden)
            #expect(try await Enquiry.query(on: clinic.db).count() == 0)
        }
    }

    @Test func a_form_posted_from_another_site_is_refused_even_with_a_valid_token() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/contact")
            let response = try await browser.post("/contact", form: Self.validForm,
                                                  headers: ["Origin": "https://evil.example", "Host": "clinic.test"])
            #expect(response.status == .forbidden)
            let same = try await browser.post("/contact", form: Self.validForm,
                                              headers: ["Origin": "http://clinic.test", "Host": "clinic.test"])
            #expect(same.status == .seeOther)
            // Behind a reverse proxy the Host is the upstream's; the configured public origin still counts.
            let proxied = try await browser.post("/contact", form: Self.validForm,
                                                 headers: ["Origin": "http://clinic.test", "Host": "127.0.0.1:8080"])
            #expect(proxied.status == .seeOther)
        }
    }

    @Test func an_oversized_body_gets_413_and_a_wrong_content_type_gets_415() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            // Too long for the message, but within the public forms' body limit: the form again, with the message.
            let tooLong = try await Self.sendEnquiry(from: browser, changing: ["message": String(repeating: "a", count: 100_000)])
            #expect(tooLong.status == .unprocessableEntity)
            #expect(try await Self.sendEnquiry(from: browser, changing: [
                "message": String(repeating: "a", count: 300_000)
            ]).status == .payloadTooLarge)
            var headers = HTTPHeaders()
            headers.contentType = .plainText
            headers.add(name: "X-CSRF-Token", value: browser.csrfToken ?? "")
            let wrongType = try await browser.send(.POST, "/contact", headers: headers, body: ByteBuffer(string: "hello"))
            #expect(wrongType.status == .unsupportedMediaType)
            var withoutToken = HTTPHeaders()
            withoutToken.contentType = .plainText
            let plain = try await browser.send(.POST, "/contact", headers: withoutToken, body: ByteBuffer(string: "hello"))
            #expect(plain.status == .unsupportedMediaType, "an unreadable body is a 415, not a forgery")
            // Web forms take form encodings only; JSON belongs to /api/v1.
            let json = try await browser.postJSON("/contact", json: #"{"name":"Ana"}"#)
            #expect(json.status == .unsupportedMediaType)
            #expect(try await Enquiry.query(on: clinic.db).count() == 0)
        }
    }

    @Test func a_malformed_form_body_gets_a_400_page_not_a_crash() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/contact")
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            headers.add(name: "X-CSRF-Token", value: browser.csrfToken ?? "")
            let response = try await browser.send(.POST, "/contact", headers: headers, body: ByteBuffer(string: "name[]=a&name[x]=%%%"))
            #expect(response.status.code >= 400 && response.status.code < 500)
        }
    }
}
