import Fluent
import Foundation
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct PasswordTests {
    @Test func changing_the_password_needs_the_current_one_applies_the_policy_and_signs_out_other_sessions() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let laptop = Browser(app: clinic.app)
            try await laptop.signIn(email: user.email, password: "correct horse battery")
            let phone = Browser(app: clinic.app)
            try await phone.signIn(email: user.email, password: "correct horse battery")
            try await laptop.get("/staff/account")

            let wrongCurrent = try await laptop.post("/staff/account/password", form: [
                "currentPassword": "nope", "newPassword": "violet kettle harbour 7", "confirmPassword": "violet kettle harbour 7"])
            #expect(wrongCurrent.status == .unprocessableEntity)
            #expect(wrongCurrent.body.string.contains("That is not your current password."))
            #expect(!wrongCurrent.body.string.contains("violet kettle"), "passwords are never echoed")

            let common = try await laptop.post("/staff/account/password", form: [
                "currentPassword": "correct horse battery", "newPassword": "password123456", "confirmPassword": "password123456"])
            #expect(common.status == .unprocessableEntity)

            let changed = try await laptop.post("/staff/account/password", form: [
                "currentPassword": "correct horse battery", "newPassword": "violet kettle harbour 7", "confirmPassword": "violet kettle harbour 7"])
            #expect(changed.status == .seeOther)
            #expect(try await laptop.get("/staff").status == .ok, "this session stays")
            #expect(try await phone.get("/staff").status == .seeOther, "the other session ended")
            let fresh = Browser(app: clinic.app)
            try await fresh.signIn(email: user.email, password: "violet kettle harbour 7")
        }
    }

    @Test func a_reset_link_sets_a_new_password_once_and_ends_every_session() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let signedIn = Browser(app: clinic.app)
            try await signedIn.signIn(email: user.email, password: "correct horse battery")
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/staff/password-reset")
            let known = try await visitor.post("/staff/password-reset", form: ["email": user.email])
            let unknown = try await visitor.post("/staff/password-reset", form: ["email": "nobody@example.org"])
            #expect(known.status == .ok && unknown.status == .ok)
            #expect(known.body.string.contains("If that address belongs to a staff account"))
            #expect(unknown.body.string.contains("If that address belongs to a staff account"))
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.count == 1, "no email to an address without an account")
            let line = try #require(clinic.mail.sent.first?.textBody.split(separator: "\n").first { $0.contains("/staff/password-reset/") })
            let path = String(line[try #require(line.range(of: "/staff/password-reset/")).lowerBound...])

            try await visitor.get(path)
            let weak = try await visitor.post(path, form: ["newPassword": "short", "confirmPassword": "short"])
            #expect(weak.status == .unprocessableEntity)
            let done = try await visitor.post(path, form: ["newPassword": "lantern meadow copper 9", "confirmPassword": "lantern meadow copper 9"])
            #expect(done.location == "/staff/sign-in?reset=1")
            #expect(try await signedIn.get("/staff").status == .seeOther, "every session ended")
            #expect(try await visitor.get(path).status == .notFound, "the link works once")
            try await Browser(app: clinic.app).signIn(email: user.email, password: "lantern meadow copper 9")
        }
    }

    @Test func setting_a_password_ends_every_other_link_to_the_account() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/staff/password-reset")
            for _ in 0..<3 { try await visitor.post("/staff/password-reset", form: ["email": user.email]) }
            try await clinic.deliverMail()
            let paths = try clinic.mail.sent.map { mail in
                let line = try #require(mail.textBody.split(separator: "\n").first { $0.contains("/staff/password-reset/") })
                return String(line[try #require(line.range(of: "/staff/password-reset/")).lowerBound...])
            }
            #expect(paths.count == 3)
            try await visitor.get(paths[0])
            #expect(try await visitor.post(paths[0], form: ["newPassword": "lantern meadow copper 9", "confirmPassword": "lantern meadow copper 9"]).status == .seeOther)
            // The second link set another password over the first before.
            #expect(try await visitor.get(paths[1]).status == .notFound)
            // Changing the password on the account page ends a link still out as well.
            let other = Browser(app: clinic.app)
            try await other.get("/staff/password-reset")
            try await other.post("/staff/password-reset", form: ["email": user.email])
            try await clinic.deliverMail()
            let line = try #require(clinic.mail.sent.last?.textBody.split(separator: "\n").first { $0.contains("/staff/password-reset/") })
            let late = String(line[try #require(line.range(of: "/staff/password-reset/")).lowerBound...])
            let me = Browser(app: clinic.app)
            try await me.signIn(email: user.email, password: "lantern meadow copper 9")
            try await me.get("/staff/account")
            #expect(try await me.post("/staff/account/password", form: ["currentPassword": "lantern meadow copper 9", "newPassword": "harbour violet spruce 4",
                                                                       "confirmPassword": "harbour violet spruce 4"]).status == .seeOther)
            #expect(try await other.get(late).status == .notFound)
        }
    }

    @Test func guessing_the_current_password_on_the_account_page_signs_the_session_out() async throws {
        try await withClinic { clinic in
            let (browser, user) = try await clinic.signedIn(as: .admin)
            try await browser.get("/staff/account")
            let guess = ["currentPassword": "wrong guess", "newPassword": "harbour violet spruce 4", "confirmPassword": "harbour violet spruce 4"]
            for _ in 0..<4 { #expect(try await browser.post("/staff/account/password", form: guess).status == .unprocessableEntity) }
            // The fifth: forty in a row were answered before, unaudited.
            #expect(try await browser.post("/staff/account/password", form: guess).location == "/staff/sign-in")
            #expect(try await browser.get("/staff").status == .seeOther, "the session has ended")
            let denied = try await AuditEvent.query(on: clinic.db).filter(\.$recordID == user.id!.uuidString).filter(\.$action == "denied").count()
            #expect(denied == 5)
        }
    }

    @Test func the_staff_api_is_never_cached() async throws {
        try await withClinic { clinic in
            let (director, _) = try await clinic.signedIn(as: .admin)
            let answer = try await director.get("/api/v1/staff/appointments")
            #expect(answer.headers.first(name: .cacheControl)?.contains("no-store") == true)
        }
    }

    @Test func a_reset_link_expires_after_an_hour() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/staff/password-reset")
            try await visitor.post("/staff/password-reset", form: ["email": user.email])
            try await clinic.deliverMail()
            let line = try #require(clinic.mail.sent.first?.textBody.split(separator: "\n").first { $0.contains("/staff/password-reset/") })
            let path = String(line[try #require(line.range(of: "/staff/password-reset/")).lowerBound...])
            clinic.clock.advance(by: 3601)
            #expect(try await visitor.get(path).status == .notFound)
        }
    }
}
