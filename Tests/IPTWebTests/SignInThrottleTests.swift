import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

/// Sign-in that an attacker cannot turn against the clinic: failures count per account and place,
/// with growing refusals; second-factor failures count on their own; sessions change when rights do.
@Suite struct SignInThrottleTests {
    static let password = "correct horse battery"

    private func from(_ address: String) -> HTTPHeaders { ["X-Forwarded-For": address] }

    /// Opens the sign-in page and sends the form, from `address`.
    @discardableResult
    private func signIn(_ browser: Browser, _ email: String, _ password: String, from address: String) async throws -> TestingHTTPResponse {
        try await browser.get("/staff/sign-in", headers: from(address))
        return try await browser.post("/staff/sign-in", form: ["email": email, "password": password], headers: from(address))
    }

    private func code(_ secret: String, at date: Date) throws -> String {
        TOTPGenerator(secret: try #require(Base32.decode(secret)), hmac: TwoFactorCodes.hmacSHA1).code(at: date)
    }

    /// Sets two-factor sign-in up for `user` through the pages; returns the secret.
    private func enrol(_ clinic: TestClinic, _ user: StaffUser) async throws -> String {
        let browser = Browser(app: clinic.app)
        try await signIn(browser, user.email, Self.password, from: "192.0.2.1")
        let page = try await browser.get("/staff/two-factor/setup")
        let (secret, pending) = try TwoFactorTests.setupSecret(in: page.body.string)
        let done = try await browser.post("/staff/two-factor/setup", form: ["code": try code(secret, at: clinic.clock.now), "pending": pending])
        #expect(done.status == .ok)
        clinic.clock.advance(by: 30)
        return secret
    }

    @Test func five_wrong_passwords_from_one_address_do_not_keep_the_real_user_out_from_another() async throws {
        try await withClinic(trustProxy: true) { clinic in
            let director = try await clinic.makeStaff(.admin)
            let attacker = Browser(app: clinic.app)
            for _ in 0..<5 { try await signIn(attacker, director.email, "guess", from: "203.0.113.9") }
            let refused = try await signIn(attacker, director.email, Self.password, from: "203.0.113.9")
            #expect(refused.status == .tooManyRequests, "the guessing address is held back even with the right password")
            #expect(refused.headers.first(name: .retryAfter) == "60")
            #expect(refused.body.string.contains("Wait 1 minute"))

            let clinicDesk = Browser(app: clinic.app)
            let inside = try await signIn(clinicDesk, director.email, Self.password, from: "198.51.100.7")
            #expect(inside.status == .seeOther, "the director at the clinic still gets in")
            #expect(try await clinicDesk.get("/staff", headers: from("198.51.100.7")).status == .ok)
        }
    }

    @Test func a_device_that_signed_in_before_gets_in_from_a_throttled_address() async throws {
        try await withClinic(trustProxy: true) { clinic in
            let director = try await clinic.makeStaff(.admin)
            let laptop = Browser(app: clinic.app)
            #expect(try await signIn(laptop, director.email, Self.password, from: "203.0.113.9").status == .seeOther)
            #expect(laptop.cookies["ipt_device"] != nil, "a complete sign-in marks the device")

            // Someone on the same network (a café, a shared office) guesses.
            let attacker = Browser(app: clinic.app)
            for _ in 0..<8 { try await signIn(attacker, director.email, "guess", from: "203.0.113.9") }
            #expect(try await signIn(attacker, director.email, Self.password, from: "203.0.113.9").status == .tooManyRequests)
            // The laptop, signed out since (only its device cookie is left), signs in from the same address.
            let laptopLater = Browser(app: clinic.app)
            laptopLater.setCookie("ipt_device", try #require(laptop.cookies["ipt_device"]))
            #expect(try await signIn(laptopLater, director.email, Self.password, from: "203.0.113.9").status == .seeOther)

            // The cookie counts only for the account it was issued to, and cannot be made up.
            let forged = Browser(app: clinic.app)
            forged.setCookie("ipt_device", "enc:v1:made-up")
            #expect(try await signIn(forged, director.email, Self.password, from: "203.0.113.9").status == .tooManyRequests)
        }
    }

    @Test func refusals_grow_one_two_then_four_minutes() async throws {
        try await withClinic(trustProxy: true) { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let browser = Browser(app: clinic.app)
            for _ in 0..<5 { try await signIn(browser, user.email, "guess", from: "203.0.113.20") }
            #expect(try await signIn(browser, user.email, "guess", from: "203.0.113.20").headers.first(name: .retryAfter) == "60")
            clinic.clock.advance(by: 61)
            #expect(try await signIn(browser, user.email, "guess", from: "203.0.113.20").status == .unauthorized, "tried again after the wait")
            let second = try await signIn(browser, user.email, Self.password, from: "203.0.113.20")
            #expect(second.status == .tooManyRequests && second.headers.first(name: .retryAfter) == "120")
            clinic.clock.advance(by: 121)
            #expect(try await signIn(browser, user.email, "guess", from: "203.0.113.20").status == .unauthorized)
            #expect(try await signIn(browser, user.email, Self.password, from: "203.0.113.20").headers.first(name: .retryAfter) == "240")
            clinic.clock.advance(by: 241)
            #expect(try await signIn(browser, user.email, Self.password, from: "203.0.113.20").status == .seeOther)
        }
    }

    @Test func unknown_and_known_accounts_are_throttled_alike() async throws {
        try await withClinic(trustProxy: true) { clinic in
            let user = try await clinic.makeStaff(.therapist)
            var answers: [String] = []
            for email in [user.email, "nobody@example.org"] {
                let browser = Browser(app: clinic.app)
                for _ in 0..<5 { try await signIn(browser, email, "guess", from: "203.0.113.30") }
                let refused = try await signIn(browser, email, "guess", from: "203.0.113.30")
                #expect(refused.status == .tooManyRequests)
                answers.append(refused.body.string.replacingOccurrences(of: email, with: "EMAIL")
                    .replacingOccurrences(of: #"value="[^"]*""#, with: "", options: .regularExpression))
            }
            #expect(answers[0] == answers[1], "the refusal says nothing about whether the account exists")
        }
    }

    @Test func a_flood_of_password_checks_from_one_address_is_refused_before_bcrypt_runs() async throws {
        try await withClinic(trustProxy: true) { clinic in
            let user = try await clinic.makeStaff(.receptionist)
            for _ in 0..<30 {
                #expect(try await signIn(Browser(app: clinic.app), user.email, Self.password, from: "203.0.113.40").status == .seeOther)
            }
            let browser = Browser(app: clinic.app)
            // Were the hash checked now, this unreadable hash would make it fail with a 500.
            try await StaffUser.query(on: clinic.db).set(\.$passwordHash, to: "not a bcrypt hash").filter(\.$id == user.id!).update()
            let flood = try await signIn(browser, user.email, Self.password, from: "203.0.113.40")
            #expect(flood.status == .tooManyRequests)
            #expect(flood.body.string.contains("from this network"))
            clinic.clock.advance(by: 61)
            #expect(try await signIn(browser, user.email, Self.password, from: "203.0.113.40").status != .tooManyRequests, "a minute later it counts again")
        }
    }

    @Test func a_correct_password_does_not_reset_second_factor_failures_and_the_code_step_locks_with_growing_waits() async throws {
        try await withClinic(requireTwoFactor: true, trustProxy: true) { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let secret = try await enrol(clinic, user)
            let attacker = Browser(app: clinic.app)
            // Four wrong codes, then the (stolen) password again to start a new round: the count goes on.
            try await signIn(attacker, user.email, Self.password, from: "203.0.113.50")
            try await attacker.get("/staff/two-factor", headers: from("203.0.113.50"))
            for _ in 0..<4 {
                #expect(try await attacker.post("/staff/two-factor", form: ["code": "000000"], headers: from("203.0.113.50")).status == .unauthorized)
            }
            #expect(try await signIn(attacker, user.email, Self.password, from: "203.0.113.50").status == .seeOther)
            try await attacker.get("/staff/two-factor", headers: from("203.0.113.50"))
            #expect(try await attacker.post("/staff/two-factor", form: ["code": "000000"], headers: from("203.0.113.50")).status == .unauthorized)
            let locked = try await attacker.post("/staff/two-factor", form: ["code": try code(secret, at: clinic.clock.now)],
                                                 headers: from("203.0.113.50"))
            #expect(locked.status == .tooManyRequests, "even the right code waits once the step is locked")
            #expect(locked.headers.first(name: .retryAfter) == "60")

            // The person, from elsewhere with the password, meets the same lock on the code step.
            let owner = Browser(app: clinic.app)
            try await signIn(owner, user.email, Self.password, from: "198.51.100.8")
            try await owner.get("/staff/two-factor", headers: from("198.51.100.8"))
            #expect(try await owner.post("/staff/two-factor", form: ["code": try code(secret, at: clinic.clock.now)],
                                         headers: from("198.51.100.8")).status == .tooManyRequests)
            clinic.clock.advance(by: 61)
            #expect(try await attacker.post("/staff/two-factor", form: ["code": "000000"], headers: from("203.0.113.50")).status == .unauthorized)
            #expect(try await attacker.post("/staff/two-factor", form: ["code": "000000"], headers: from("203.0.113.50"))
                .headers.first(name: .retryAfter) == "120", "the next wait is longer")
            clinic.clock.advance(by: 121)
            // Only a right code clears the count.
            let accepted = try await owner.post("/staff/two-factor", form: ["code": try code(secret, at: clinic.clock.now)], headers: from("198.51.100.8"))
            #expect(accepted.status == .seeOther)
            let later = Browser(app: clinic.app)
            clinic.clock.advance(by: 30)
            try await signIn(later, user.email, Self.password, from: "203.0.113.51")
            try await later.get("/staff/two-factor", headers: from("203.0.113.51"))
            for _ in 0..<4 {
                #expect(try await later.post("/staff/two-factor", form: ["code": "000000"], headers: from("203.0.113.51")).status == .unauthorized)
            }
        }
    }

    @Test func turning_on_two_factor_ends_the_accounts_other_sessions() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let other = Browser(app: clinic.app)
            try await other.signIn(email: user.email, password: Self.password)
            #expect(try await other.get("/staff").status == .ok)
            let here = Browser(app: clinic.app)
            try await here.signIn(email: user.email, password: Self.password)
            let page = try await here.get("/staff/two-factor/setup")
            let (secret, pending) = try TwoFactorTests.setupSecret(in: page.body.string)
            #expect(try await here.post("/staff/two-factor/setup", form: ["code": try code(secret, at: clinic.clock.now), "pending": pending]).status == .ok)
            #expect(try await here.get("/staff").status == .ok, "this session goes on")
            #expect(try await other.get("/staff").location?.hasPrefix("/staff/sign-in") == true, "the other session, opened with the password alone, ended")
        }
    }

    @Test func opening_the_setup_page_changes_nothing_and_its_secret_works_only_in_its_own_session() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let browser = Browser(app: clinic.app)
            try await browser.signIn(email: user.email, password: Self.password)
            let first = try await browser.get("/staff/two-factor/setup")
            try await browser.get("/staff/two-factor/setup")
            let stored = try #require(try await StaffUser.find(user.id, on: clinic.db))
            #expect(stored.totpPendingSecret == nil && stored.totpSecret == nil && stored.totpEnabledAt == nil, "a GET stores nothing")

            // The form from another session of the same person does not carry over.
            let (secret, pending) = try TwoFactorTests.setupSecret(in: first.body.string)
            let elsewhere = Browser(app: clinic.app)
            try await elsewhere.signIn(email: user.email, password: Self.password)
            try await elsewhere.get("/staff/two-factor/setup")
            let moved = try await elsewhere.post("/staff/two-factor/setup", form: ["code": try code(secret, at: clinic.clock.now), "pending": pending])
            #expect(moved.location == "/staff/two-factor/setup")
            #expect(try await StaffUser.find(user.id, on: clinic.db)?.totpEnabledAt == nil)

            // The first tab's form still works after a second page was opened.
            let done = try await browser.post("/staff/two-factor/setup", form: ["code": try code(secret, at: clinic.clock.now), "pending": pending])
            #expect(done.status == .ok)
            #expect(try await StaffUser.find(user.id, on: clinic.db)?.totpEnabledAt != nil)
        }
    }

    @Test func changing_the_password_replaces_this_sessions_id_and_the_old_cookie_stops_working() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let laptop = Browser(app: clinic.app)
            try await laptop.signIn(email: user.email, password: Self.password)
            let oldToken = try #require(laptop.cookies["ipt_session"])
            try await laptop.get("/staff/account")
            let changed = try await laptop.post("/staff/account/password", form: [
                "currentPassword": Self.password, "newPassword": "violet kettle harbour 7", "confirmPassword": "violet kettle harbour 7"])
            #expect(changed.status == .seeOther)
            let newToken = try #require(laptop.cookies["ipt_session"])
            #expect(newToken != oldToken, "a new session id")
            #expect(try await laptop.get("/staff/account?changed=1").status == .ok, "this browser stays signed in")
            let copy = Browser(app: clinic.app)
            copy.setCookie("ipt_session", oldToken)
            #expect(try await copy.get("/staff").location?.hasPrefix("/staff/sign-in") == true, "the old id no longer works")
            #expect(try await StaffSession.query(on: clinic.db).count() == 1)
        }
    }
}
