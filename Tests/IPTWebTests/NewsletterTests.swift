import Fluent
import Foundation
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct NewsletterTests {
    private func signUp(_ browser: Browser, _ email: String) async throws -> TestingHTTPResponse {
        try await browser.get("/newsletter")
        return try await browser.post("/newsletter", form: ["email": email, "consent": "yes"])
    }

    private func link(in email: OutgoingEmail, prefix: String) throws -> String {
        let line = try #require(email.textBody.split(separator: "\n").first { $0.contains(prefix) })
        let url = String(line).trimmingCharacters(in: .whitespaces)
        return String(url[try #require(url.range(of: prefix)).lowerBound...])
    }

    @Test func sign_up_stores_the_consent_record_and_confirming_by_the_emailed_link_subscribes() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let response = try await signUp(browser, "Reader@Example.org")
            #expect(response.location == "/newsletter/check-your-inbox")
            let subscriber = try #require(try await Subscriber.query(on: clinic.db).first())
            #expect(subscriber.email == "reader@example.org")
            #expect(subscriber.status == .pending)
            #expect(subscriber.consentWording == IPTCoreConsent.wording)
            #expect(subscriber.consentSource.contains("/newsletter"))
            try await clinic.deliverMail()
            let confirmPath = try link(in: try #require(clinic.mail.sent.last), prefix: "/newsletter/confirm/")
            let page = try await browser.get(confirmPath)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Yes, subscribe me"))
            // Loading the link alone must not subscribe: mail scanners open links.
            #expect(try await Subscriber.query(on: clinic.db).first()?.status == .pending)
            let confirmed = try await browser.post(confirmPath, form: [:], includeCSRF: false)
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.headers.first(name: .location) == "/newsletter/confirmed")
            #expect(try await browser.get("/newsletter/confirmed").body.string.contains("Your subscription is confirmed."))
            #expect(try await Subscriber.query(on: clinic.db).first()?.status == .confirmed)
            #expect(try await browser.post(confirmPath, form: [:], includeCSRF: false).status == .notFound, "a link works once")
        }
    }

    @Test func the_answer_is_the_same_for_a_new_a_pending_and_a_subscribed_address() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let first = try await signUp(browser, "same@example.org")
            let pendingAgain = try await signUp(browser, "same@example.org")
            let subscriber = try #require(try await Subscriber.query(on: clinic.db).first())
            subscriber.status = .confirmed
            try await subscriber.update(on: clinic.db)
            let alreadySubscribed = try await signUp(browser, "same@example.org")
            for response in [first, pendingAgain, alreadySubscribed] {
                #expect(response.status == .seeOther)
                #expect(response.location == "/newsletter/check-your-inbox")
            }
            #expect(try await Subscriber.query(on: clinic.db).count() == 1)
        }
    }

    @Test func a_confirmation_link_expires_after_48_hours() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            _ = try await signUp(browser, "late@example.org")
            try await clinic.deliverMail()
            let confirmPath = try link(in: try #require(clinic.mail.sent.last), prefix: "/newsletter/confirm/")
            clinic.clock.advance(by: 48 * 3600 + 1)
            #expect(try await browser.post(confirmPath, form: [:], includeCSRF: false).status == .notFound)
            #expect(try await Subscriber.query(on: clinic.db).first()?.status == .pending)
        }
    }

    @Test func sign_up_without_ticking_consent_is_refused_with_the_address_kept() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/newsletter")
            let response = try await browser.post("/newsletter", form: ["email": "keep@example.org"])
            #expect(response.status == .unprocessableEntity)
            #expect(response.body.string.contains(#"value="keep@example.org""#))
            #expect(try await Subscriber.query(on: clinic.db).count() == 0)
        }
    }

    @Test func a_sent_newsletter_carries_one_click_unsubscribe_that_works_without_signing_in_two_months_later() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            _ = try await signUp(visitor, "reader@example.org")
            try await clinic.deliverMail()
            let confirmPath = try link(in: try #require(clinic.mail.sent.last), prefix: "/newsletter/confirm/")
            try await visitor.post(confirmPath, form: [:], includeCSRF: false)

            let (staff, _) = try await clinic.signedIn(as: .receptionist)
            let compose = try await staff.get("/staff/newsletters")
            let sendKey = try #require(Self.hiddenField("sendKey", in: compose.body.string))
            let form = ["subject": "Autumn news", "body": "## Hello\n\nNew **groups**. <script>alert(1)</script>", "intent": "send", "sendKey": sendKey]
            let sent = try await staff.post("/staff/newsletters", form: form)
            #expect(sent.status == .seeOther)
            // Pressing Send again with the same form sends nothing more.
            try await staff.post("/staff/newsletters", form: form)
            #expect(try await OutboxMessage.query(on: clinic.db).filter(\.$subject == "Autumn news").count() == 1)
            #expect(try await NewsletterIssue.query(on: clinic.db).count() == 1)
            try await clinic.deliverMail()
            let issue = try #require(clinic.mail.sent.last)
            #expect(issue.subject == "Autumn news")
            let header = try #require(issue.extraHeaders["List-Unsubscribe"])
            #expect(issue.extraHeaders["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
            let path = String(header.dropFirst("<http://clinic.test".count).dropLast())
            #expect(issue.rfc5322.contains("List-Unsubscribe: <http://clinic.test/newsletter/unsubscribe/"))
            let html = try #require(issue.htmlBody)
            #expect(html.contains("<h2>Hello</h2>") && html.contains("<strong>groups</strong>"), "Markdown is formatted")
            #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"), "typed markup stays text")
            #expect(issue.rfc5322.contains("Content-Type: multipart/alternative; boundary="))
            #expect(issue.textBody.contains("## Hello"), "the plain-text part is the text as written")

            clinic.clock.advance(by: 61 * 24 * 3600)
            // A mail client's one-click POST: no cookies, no CSRF token.
            let mailClient = Browser(app: clinic.app)
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            let response = try await mailClient.send(.POST, path, headers: headers, body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
            #expect(response.status == .ok)
            let subscriber = try #require(try await Subscriber.query(on: clinic.db).first())
            #expect(subscriber.status == .unsubscribed)
            #expect(subscriber.unsubscribedAt != nil)
        }
    }

    @Test func subscribers_export_as_csv_with_the_consent_record_and_the_export_is_audited() async throws {
        try await withClinic { clinic in
            let visitor = Browser(app: clinic.app)
            _ = try await signUp(visitor, "=cmd@example.org")
            _ = try await signUp(visitor, "b@example.org")
            let (staff, user) = try await clinic.signedIn(as: .receptionist)
            let list = try await staff.get("/staff/subscribers")
            #expect(list.status == .ok)
            #expect(list.body.string.contains("b@example.org"))
            let csv = try await staff.get("/staff/subscribers.csv")
            #expect(csv.status == .ok)
            #expect(csv.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
            let body = csv.body.string
            #expect(body.hasPrefix("email,status,consent_at,consent_version,consent_wording"))
            #expect(body.contains("'=cmd@example.org"), "a formula-like cell is defused")
            #expect(body.contains(IPTCoreConsent.wording))
            let exports = try await AuditEvent.query(on: clinic.db).filter(\.$action == "export").all()
            #expect(exports.count == 1)
            #expect(exports.first?.actorID == user.id?.uuidString)
        }
    }
}

extension NewsletterTests {
    static func hiddenField(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value="([^"]+)""#, options: .regularExpression) else { return nil }
        return String(html[range]).components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }
}

import IPTCore
enum IPTCoreConsent {
    static var wording: String { NewsletterConsent.current.wording }
}

@Suite struct NewsletterComposeTests {
    @Test func with_no_confirmed_subscribers_there_is_nothing_to_send() async throws {
        try await withClinic { clinic in
            let (staff, _) = try await clinic.signedIn(as: .admin)
            let page = try await staff.get("/staff/newsletters")
            #expect(!page.body.string.contains(#"value="send""#))
            let key = try #require(NewsletterTests.hiddenField("sendKey", in: page.body.string))
            let response = try await staff.post("/staff/newsletters", form: ["subject": "Hi", "body": "Text", "intent": "send", "sendKey": key])
            #expect(response.status == .unprocessableEntity)
            #expect(response.body.string.contains("no confirmed subscribers yet"))
            #expect(try await NewsletterIssue.query(on: clinic.db).count() == 0)
        }
    }
}
