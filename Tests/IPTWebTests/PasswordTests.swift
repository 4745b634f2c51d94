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
