import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct StaffAccessTests {
    @Test func an_unsigned_visitor_is_sent_to_sign_in_from_every_staff_page() async throws {
        try await withClinic { clinic in
            let paths = clinic.app.routes.all
                .filter { $0.method == .GET }
                .map { "/" + $0.path.map { $0.description.hasPrefix(":") ? UUID().uuidString : $0.description }.joined(separator: "/") }
                // Sign-in and the password-reset pages are for people who are not signed in.
                .filter { $0.hasPrefix("/staff") && $0 != "/staff/sign-in" && !$0.hasPrefix("/staff/password-reset") }
            #expect(paths.count >= 7, "the staff area's pages are all checked")
            for path in paths {
                let response = try await Browser(app: clinic.app).get(path)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.location?.hasPrefix("/staff/sign-in") == true, "\(path)")
            }
            let post = try await Browser(app: clinic.app).post("/staff/enquiries/\(UUID())/handle", form: ["note": "x"], includeCSRF: false)
            #expect(post.status == .forbidden || post.status == .unauthorized)
        }
    }

    @Test func a_receptionist_cannot_open_the_audit_view_and_the_refusal_is_audited() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .receptionist)
            let response = try await browser.get("/staff/audit")
            #expect(response.status == .forbidden)
            #expect(!response.body.string.contains("Audit events"))
            let denied = try await AuditEvent.query(on: clinic.db).filter(\.$action == "denied").all()
            #expect(denied.count == 1)
            #expect(denied.first?.actorID == user.id?.uuidString)
            #expect(try await browser.get("/staff/settings").status == .forbidden)
            // The director sees the refusal with the permission named in full and the request's id.
            let (director, _) = try await clinic.signedIn(as: .admin)
            let trail = try await director.get("/staff/audit?action=denied").body.string
            #expect(trail.contains("permission viewAuditTrail"))
            #expect(trail.contains("Request \(try #require(denied.first?.requestID))"))
        }
    }

    @Test func the_session_id_changes_at_sign_in_and_a_planted_id_is_worthless() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let browser = Browser(app: clinic.app)
            browser.setCookie("ipt_session", "planted-by-an-attacker-0123456789abcdef")
            try await browser.signIn(email: user.email, password: "correct horse battery")
            let issued = try #require(browser.cookies["ipt_session"])
            #expect(issued != "planted-by-an-attacker-0123456789abcdef")
            let attacker = Browser(app: clinic.app)
            attacker.setCookie("ipt_session", "planted-by-an-attacker-0123456789abcdef")
            #expect(try await attacker.get("/staff").status == .seeOther)
            #expect(try await browser.get("/staff").status == .ok)

            // Signing in again replaces the session rather than adding to it.
            try await browser.signIn(email: user.email, password: "correct horse battery")
            #expect(browser.cookies["ipt_session"] != issued)
            #expect(try await StaffSession.query(on: clinic.db).count() == 1)
        }
    }

    @Test func session_cookies_are_http_only_and_same_site_lax() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let browser = Browser(app: clinic.app)
            try await browser.get("/staff/sign-in")
            let response = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery"])
            let cookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("ipt_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.lowercased().contains("samesite=lax"))
        }
    }

    @Test func secure_deployments_use_host_prefixed_secure_cookies_and_hsts() {
        #expect(SessionCookie.name(secure: true) == "__Host-ipt_session")
        let cookie = SessionCookie.value("t", secure: true)
        #expect(cookie.isSecure && cookie.isHTTPOnly && cookie.path == "/")
        let response = Response()
        SecurityHeadersMiddleware.apply(to: response, path: "/", secure: true)
        #expect(response.headers.first(name: "Strict-Transport-Security")?.contains("max-age=") == true)
    }

    @Test func sign_out_destroys_the_session() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let token = try #require(browser.cookies["ipt_session"])
            try await browser.get("/staff")
            try await browser.post("/staff/sign-out", form: [:])
            #expect(try await StaffSession.query(on: clinic.db).count() == 0)
            let replay = Browser(app: clinic.app)
            replay.setCookie("ipt_session", token)
            #expect(try await replay.get("/staff").status == .seeOther)
        }
    }

    @Test func a_session_ends_after_thirty_idle_minutes_and_after_twelve_hours_however_busy() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .therapist)
            clinic.clock.advance(by: 29 * 60)
            #expect(try await browser.get("/staff").status == .ok)
            clinic.clock.advance(by: 31 * 60)
            #expect(try await browser.get("/staff").status == .seeOther)

            let (busy, _) = try await clinic.signedIn(as: .therapist)
            for _ in 0..<25 {
                clinic.clock.advance(by: 29 * 60)
                _ = try await busy.get("/staff")
            }
            #expect(try await busy.get("/staff").status == .seeOther, "12 hours is the absolute limit")
        }
    }

    @Test func a_wrong_password_and_an_unknown_email_get_the_same_answer() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let browser = Browser(app: clinic.app)
            try await browser.get("/staff/sign-in")
            let wrong = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "not the password"])
            let unknown = try await browser.post("/staff/sign-in", form: ["email": "nobody@example.org", "password": "not the password"])
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            let message = "That email and password do not match an active staff account."
            #expect(wrong.body.string.contains(message) && unknown.body.string.contains(message))
            #expect(try await AuditEvent.query(on: clinic.db).filter(\.$action == "sign-in-failed").count() == 2)
        }
    }

    @Test func sign_in_is_throttled_per_account_and_address_after_five_failures_even_with_the_right_password() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let browser = Browser(app: clinic.app)
            try await browser.get("/staff/sign-in")
            for _ in 0..<5 {
                _ = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "guess"])
            }
            let blocked = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery"])
            #expect(blocked.status == .tooManyRequests)
            for _ in 0..<3 {
                _ = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "guess"])
            }
            let throttled = try await AuditEvent.query(on: clinic.db).filter(\.$detail == "throttled").count()
            #expect(throttled == 1, "a flood of refused attempts writes one audit row per window")
            clinic.clock.advance(by: 15 * 60 + 1)
            let later = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery"])
            #expect(later.status == .seeOther)
        }
    }

    @Test func a_staff_form_with_the_anonymous_token_instead_of_the_session_token_is_refused() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let anonymousToken = try #require(browser.cookies["ipt_csrf"])
            let response = try await browser.post("/staff/settings", form: ["_csrf": anonymousToken, "name": "Hijacked"])
            #expect(response.status == .forbidden)
        }
    }

    @Test func staff_pages_are_never_cached_and_public_pages_set_no_session() async throws {
        try await withClinic { clinic in
            let (browser, _) = try await clinic.signedIn(as: .admin)
            let page = try await browser.get("/staff")
            #expect(page.headers.first(name: .cacheControl) == "no-store")
            let visitor = try await Browser(app: clinic.app).get("/")
            #expect(visitor.headers[.setCookie].isEmpty, "a cached public page sets no cookie")
        }
    }

    @Test func only_a_staff_path_is_accepted_as_the_place_to_go_after_sign_in() {
        #expect(SignInController.safeNext("/staff/enquiries") == "/staff/enquiries")
        #expect(SignInController.safeNext("https://evil.example/staff") == "/staff")
        #expect(SignInController.safeNext("//evil.example") == "/staff")
        #expect(SignInController.safeNext("/staff\\@evil") == "/staff")
        #expect(SignInController.safeNext(nil) == "/staff")
        #expect(SignInController.safeNext("/staff/audit?action=view&page=2") == "/staff/audit?action=view&page=2")
        #expect(SignInController.safeNext("/staffing-agency.example") == "/staff")
        #expect(SignInController.safeNext("/staff/../contact") == "/staff")
        #expect(SignInController.safeNext("/staff\r\nSet-Cookie: x=y") == "/staff")
        #expect(SignInController.safeNext("/staff/\u{00e9}") == "/staff")
    }

    /// Regression: a line break in `next` reached the Location header (response splitting).
    @Test func a_line_break_smuggled_into_next_never_reaches_a_header_or_the_form() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let browser = Browser(app: clinic.app)
            let page = try await browser.get("/staff/sign-in?next=/staff%0D%0ASet-Cookie:%20x=y")
            #expect(!page.body.string.contains("\r\n"))
            #expect(page.body.string.contains(#"name="next" value="/staff""#))
            let response = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery",
                                                                          "next": "/staff\r\nX-Injected: 1"])
            #expect(response.location == "/staff")
            #expect(response.headers.first(name: "X-Injected") == nil)
        }
    }

    @Test func an_admin_changes_the_clinic_details_and_the_public_footer_shows_them_at_once() async throws {
        try await withClinic { clinic in
            _ = try await Browser(app: clinic.app).get("/")
            let (browser, _) = try await clinic.signedIn(as: .admin)
            try await browser.get("/staff/settings")
            let bad = try await browser.post("/staff/settings", form: ["name": "Lakeside IPT", "phone": "416-555-0100",
                                                                       "email": "hi@lakeside.example", "address": "1 Lake Rd", "timeZone": "Mars/Base"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains(#"value="Mars/Base""#))
            let good = try await browser.post("/staff/settings", form: ["name": "Lakeside IPT", "phone": "416-555-0100",
                                                                        "email": "hi@lakeside.example", "address": "1 Lake Rd", "timeZone": "America/Vancouver"])
            #expect(good.status == .seeOther)
            let home = try await Browser(app: clinic.app).get("/")
            #expect(home.body.string.contains("Lakeside IPT"))
            #expect(home.body.string.contains("America/Vancouver"))
            // Turning the two-factor requirement on and off: the trail says so, not just that the
            // clinic's details were edited.
            var on = ["name": "Lakeside IPT", "phone": "416-555-0100", "email": "hi@lakeside.example", "address": "1 Lake Rd", "timeZone": "America/Vancouver"]
            on["requireTwoFactor"] = "yes"
            #expect(try await browser.post("/staff/settings", form: on).status == .seeOther)
            let rows = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "clinic-profile").sort(\.$sequence).all()
            #expect(rows.suffix(2).map(\.detail) == [nil, "two-factor sign-in required"], "a details-only save says nothing more")
        }
    }

    @Test func the_menu_marks_the_page_being_read_and_shows_each_role_only_its_own_items() async throws {
        try await withClinic { clinic in
            let (admin, _) = try await clinic.signedIn(as: .admin)
            let enquiries = try await admin.get("/staff/enquiries").body.string
            #expect(enquiries.contains(#"<a href="/staff/enquiries" aria-current="page">Enquiries</a>"#))
            #expect(enquiries.contains(#"<a href="/staff/subscribers">Subscribers</a>"#))
            #expect(enquiries.contains(#"<a href="/staff/audit">Audit trail</a>"#))
            let subscribers = try await admin.get("/staff/subscribers").body.string
            #expect(subscribers.contains(#"<a href="/staff/subscribers" aria-current="page">Subscribers</a>"#))
            #expect(subscribers.contains(#"<a href="/staff/enquiries">Enquiries</a>"#))
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let deskPage = try await desk.get("/staff/enquiries").body.string
            #expect(deskPage.contains(#"<a href="/staff/enquiries" aria-current="page">Enquiries</a>"#))
            #expect(!deskPage.contains("/staff/audit"))
        }
    }
}
