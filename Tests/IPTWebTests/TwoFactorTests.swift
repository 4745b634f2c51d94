import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct TwoFactorTests {
    private func code(secret: String, at date: Date) throws -> String {
        let key = try #require(Base32.decode(secret))
        return TOTPGenerator(secret: key, hmac: TwoFactorCodes.hmacSHA1).code(at: date)
    }

    /// Signs in with the password and sets two-factor up; returns the secret and the recovery codes shown.
    private func enrol(_ clinic: TestClinic, _ user: StaffUser) async throws -> (secret: String, recoveryCodes: [String]) {
        let browser = Browser(app: clinic.app)
        try await browser.signIn(email: user.email, password: "correct horse battery")
        let setup = try await browser.get("/staff/two-factor/setup")
        #expect(setup.body.string.contains("<svg"), "a QR code drawn by the app")
        #expect(!setup.body.string.contains(#"aria-label="Staff""#), "no menu whose every item leads back here")
        #expect(setup.body.string.contains("Sign out"))
        let (secret, pending) = try Self.setupSecret(in: setup.body.string)
        let wrong = try await browser.post("/staff/two-factor/setup", form: ["code": "000000", "pending": pending])
        #expect(wrong.status == .unprocessableEntity)
        let done = try await browser.post("/staff/two-factor/setup", form: ["code": try code(secret: secret, at: clinic.clock.now), "pending": pending])
        #expect(done.status == .ok)
        let codes = done.body.string.components(separatedBy: "<code>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        return (secret, codes)
    }

    /// The key the set-up page shows, and the sealed copy its form carries back.
    static func setupSecret(in html: String) throws -> (secret: String, pending: String) {
        let shown = try #require(html.range(of: #"instead: <code>[A-Z2-7 ]+</code>"#, options: .regularExpression))
        let secret = String(html[shown]).replacingOccurrences(of: "instead: <code>", with: "").replacingOccurrences(of: "</code>", with: "")
            .replacingOccurrences(of: " ", with: "")
        var pending = ""
        if let field = html.range(of: #"name="pending" value="[^"]+""#, options: .regularExpression) {
            pending = String(html[field]).components(separatedBy: "value=\"").last.map { String($0.dropLast()) } ?? ""
        }
        return (secret, pending)
    }

    @Test func when_the_clinic_requires_it_clinicians_must_set_it_up_before_anything_else_but_reception_need_not() async throws {
        try await withClinic(requireTwoFactor: true) { clinic in
            let (therapist, _) = try await clinic.signedIn(as: .therapist)
            for path in ["/staff", "/staff/enquiries", "/staff/account"] {
                #expect(try await therapist.get(path).location == "/staff/two-factor/setup", "\(path)")
            }
            let (receptionist, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await receptionist.get("/staff").status == .ok)
        }
    }

    @Test func setting_it_up_shows_ten_recovery_codes_once_and_stores_them_hashed() async throws {
        try await withClinic(requireTwoFactor: true) { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let (_, codes) = try await enrol(clinic, user)
            #expect(codes.count == 10)
            let stored = try await RecoveryCode.query(on: clinic.db).all()
            #expect(stored.count == 10)
            #expect(stored.allSatisfy { row in !codes.contains { row.codeHash.contains($0) } })
            #expect(try await StaffUser.find(user.id, on: clinic.db)?.totpEnabledAt != nil)
        }
    }

    @Test func after_the_password_only_the_code_page_opens_and_a_code_works_once() async throws {
        try await withClinic(requireTwoFactor: true) { clinic in
            let user = try await clinic.makeStaff(.supervisor)
            let (secret, _) = try await enrol(clinic, user)
            clinic.clock.advance(by: 30)

            let browser = Browser(app: clinic.app)
            try await browser.get("/staff/sign-in")
            let password = try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery",
                                                                          "next": "/staff/enquiries"])
            #expect(password.location?.hasPrefix("/staff/two-factor") == true)
            #expect(try await browser.get("/staff/enquiries").location == "/staff/two-factor", "no page before the code")
            let halfToken = try #require(browser.cookies["ipt_session"])
            try await browser.get("/staff/two-factor")
            #expect(try await browser.post("/staff/two-factor", form: ["code": "123456", "next": "/staff/enquiries"]).status == .unauthorized)
            let current = try code(secret: secret, at: clinic.clock.now)
            let accepted = try await browser.post("/staff/two-factor", form: ["code": current, "next": "/staff/enquiries"])
            #expect(accepted.location == "/staff/enquiries")
            #expect(browser.cookies["ipt_session"] != halfToken, "the session id changes when its rights do")
            #expect(try await browser.get("/staff/enquiries").status == .ok)

            // The same code again, in another sign-in within its 30 seconds: refused.
            let second = Browser(app: clinic.app)
            try await second.get("/staff/sign-in")
            try await second.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery"])
            try await second.get("/staff/two-factor")
            #expect(try await second.post("/staff/two-factor", form: ["code": current]).status == .unauthorized)
            clinic.clock.advance(by: 30)
            let next = try code(secret: secret, at: clinic.clock.now)
            #expect(try await second.post("/staff/two-factor", form: ["code": next]).status == .seeOther)
        }
    }

    @Test func a_recovery_code_stands_in_for_the_phone_once() async throws {
        try await withClinic(requireTwoFactor: true) { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let (_, codes) = try await enrol(clinic, user)
            let recovery = try #require(codes.first)
            for attempt in 0..<2 {
                let browser = Browser(app: clinic.app)
                try await browser.get("/staff/sign-in")
                try await browser.post("/staff/sign-in", form: ["email": user.email, "password": "correct horse battery"])
                try await browser.get("/staff/two-factor")
                let response = try await browser.post("/staff/two-factor", form: ["code": recovery.uppercased()])
                #expect(response.status == (attempt == 0 ? .seeOther : .unauthorized))
            }
        }
    }

    /// Regression: staff routes registered outside the staff area (sending intake forms, entering a
    /// questionnaire in session) answered a session that had the password but not the second factor.
    @Test func every_staff_route_from_the_route_table_needs_the_second_factor() async throws {
        try await withClinic(requireTwoFactor: true) { clinic in
            let (half, _) = try await clinic.signedIn(as: .therapist)
            try await half.get("/staff/two-factor/setup")
            let open = ["staff/sign-in", "staff/sign-out", "staff/two-factor", "staff/password-reset"]
            let routes = clinic.app.routes.all.filter { route in
                let path = route.path.map(\.description).joined(separator: "/")
                return path.hasPrefix("staff/") && !open.contains { path.hasPrefix($0) }
            }
            #expect(routes.count > 60)
            for route in routes {
                let path = "/" + route.path.map { $0.description.hasPrefix(":") ? UUID().uuidString : $0.description }.joined(separator: "/")
                if route.method == .GET {
                    #expect(try await half.get(path).location == "/staff/two-factor/setup", "GET \(path)")
                } else {
                    let status = try await half.post(path, form: ["instrument": "phq-9"]).status
                    #expect(status == .forbidden, "\(route.method) \(path) answered \(status)")
                }
            }
        }
    }
}
