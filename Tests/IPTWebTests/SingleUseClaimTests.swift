import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting

/// Runs `attempt` `count` times at once and counts the attempts that won.
func simultaneously(_ count: Int = 16, _ attempt: @escaping @Sendable (Int) async throws -> Bool) async throws -> Int {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<count { group.addTask { try await attempt(index) } }
        var wins = 0
        for try await won in group where won { wins += 1 }
        return wins
    }
}

/// Each secret that works once is claimed by one conditional UPDATE whose returned rows decide; 16
/// simultaneous uses of one secret give exactly one success on SQLite and on PostgreSQL.
@Suite struct SingleUseClaimTests {
    @Test func sixteen_simultaneous_claims_of_one_totp_step_give_one_success() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            user.totpLastCounter = 1_000
            try await user.update(on: clinic.db)
            let id = try user.requireID()
            let app = clinic.app
            let wins = try await simultaneously { _ in try await TwoFactorQueries.claim(counter: 1_001, for: id, on: app.db) }
            #expect(wins == 1)
            #expect(try await StaffUser.find(id, on: clinic.db)?.totpLastCounter == 1_001)
            #expect(try await TwoFactorQueries.claim(counter: 1_000, for: id, on: clinic.db) == false, "an older step never wins")
        }
    }

    @Test func sixteen_simultaneous_uses_of_one_recovery_code_give_one_success() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.therapist)
            let id = try user.requireID()
            let row = RecoveryCode()
            row.$staff.id = id
            row.codeHash = HexDigest.sha256("abcdefghjkmn")
            row.createdAt = clinic.clock.now
            try await row.create(on: clinic.db)
            let app = clinic.app
            let now = clinic.clock.now
            let wins = try await simultaneously { _ in
                try await TwoFactorQueries.useRecoveryCode("ABCD-EFGH-JKMN", for: id, at: now, on: app.db)
            }
            #expect(wins == 1)
        }
    }

    @Test func sixteen_simultaneous_uses_of_one_portal_link_open_one_session() async throws {
        try await withClinic { clinic in
            let client = try await clinic.addClient(name: "Casey Client", email: "casey@example.org")
            let token = SecureToken.make()
            let link = PortalLink()
            link.$client.id = try client.requireID()
            link.asGuardian = false
            link.tokenHash = HexDigest.sha256(token)
            link.expiresAt = clinic.clock.now.addingTimeInterval(600)
            link.createdAt = clinic.clock.now
            try await link.create(on: clinic.db)
            let browser = Browser(app: clinic.app)
            try await browser.get("/portal/sign-in/\(token)")
            let wins = try await simultaneously { _ in
                try await browser.post("/portal/sign-in/\(token)", form: [:]).location == "/portal"
            }
            #expect(wins == 1)
            #expect(try await PortalSession.query(on: clinic.db).count() == 1)
        }
    }

    @Test func sixteen_simultaneous_uses_of_one_password_reset_link_set_one_password() async throws {
        try await withClinic { clinic in
            let user = try await clinic.makeStaff(.admin)
            let token = SecureToken.make()
            let reset = PasswordReset()
            reset.$staff.id = try user.requireID()
            reset.tokenHash = HexDigest.sha256(token)
            reset.expiresAt = clinic.clock.now.addingTimeInterval(600)
            reset.createdAt = clinic.clock.now
            try await reset.create(on: clinic.db)
            let browser = Browser(app: clinic.app)
            try await browser.get("/staff/password-reset/\(token)")
            let passwords = (0..<16).map { "lantern meadow quietly \($0) rowing" }
            let winners = LockedList()
            let wins = try await simultaneously { index in
                let response = try await browser.post("/staff/password-reset/\(token)",
                                                      form: ["newPassword": passwords[index], "confirmPassword": passwords[index]])
                guard response.location == "/staff/sign-in?reset=1" else { return false }
                winners.append(passwords[index])
                return true
            }
            #expect(wins == 1)
            let stored = try #require(try await StaffUser.find(user.id, on: clinic.db)).passwordHash
            let winner = try #require(winners.values.first)
            #expect(try clinic.app.password.verify(winner, created: stored), "the password set is the winner's")
        }
    }

    @Test func sixteen_simultaneous_submissions_of_one_questionnaire_raise_one_alert() async throws {
        try await withClinic { clinic in
            let clinician = try await clinic.makeStaff(.therapist)
            let client = try await clinic.addClient(name: "Casey Client", email: "casey@example.org")
            let token = SecureToken.make()
            let response = MeasureResponse()
            response.sharedWithGuardian = false
            response.$client.id = try client.requireID()
            response.$clinician.id = try clinician.requireID()
            response.instrumentCode = "phq-9"
            response.tokenHash = HexDigest.sha256(token)
            response.status = .sent
            response.createdAt = clinic.clock.now
            response.expiresAt = clinic.clock.now.addingTimeInterval(86_400)
            try await response.create(on: clinic.db)
            let browser = Browser(app: clinic.app)
            try await browser.get("/questionnaire/\(token)")
            let wins = try await simultaneously { _ in
                try await browser.post("/questionnaire/\(token)", form: SafetyAlertTests.phq9WithItem9).status == .ok
            }
            #expect(wins == 1)
            #expect(try await RiskAlert.query(on: clinic.db).count() == 1)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.to == clinician.email }.count == 1, "the clinician is told once")
        }
    }

    @Test func sixteen_simultaneous_submissions_of_one_intake_link_sign_each_consent_once() async throws {
        try await withClinic { clinic in
            let supervisor = try await clinic.makeStaff(.supervisor, name: "Dr. Sam Supervisor")
            let student = try await clinic.makeClinician()
            student.$supervisor.id = supervisor.id
            try await student.update(on: clinic.db)
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 3))
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(try await desk.post("/staff/appointments/\(appointment.id!.uuidString)/intake", form: [:]).status == .seeOther)
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/intake/")
            let client = Browser(app: clinic.app)
            try await client.get(link)
            let fields = ["emergencyName": "Lee Example", "emergencyPhone": "416-555-0188", "consent-treatment": "yes", "consent-privacy": "yes",
                          "consent-supervision": "yes", "typedName": "Robin Example"]
            let wins = try await simultaneously { _ in try await client.post(link, form: fields).status == .ok }
            #expect(wins == 1)
            #expect(try await ConsentRecord.query(on: clinic.db).count() == 3, "each consent signed once")
        }
    }

    @Test func sixteen_simultaneous_submissions_of_one_self_assessment_link_are_recorded_once() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            _ = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 3))
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            try await clinic.assignCareTeam(client: try #require(appointment.$client.id), treating: student)
            let studentBrowser = Browser(app: clinic.app)
            try await studentBrowser.signIn(email: student.email, password: "correct horse battery")
            try await studentBrowser.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(try await studentBrowser.post("/staff/appointments/\(appointment.id!.uuidString)/self-assessment", form: [:]).status == .seeOther)
            try await clinic.deliverMail()
            let link = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/self-assessment/")
            let client = Browser(app: clinic.app)
            try await client.get(link)
            let onset = clinic.toronto.localDate(of: clinic.clock.now).adding(days: -60)
            let fields = ["distress-family": "4", "onset": String(onset.description.prefix(7)), "moodSituations": "When my brother calls."]
            let wins = try await simultaneously { _ in try await client.post(link, form: fields).status == .ok }
            #expect(wins == 1)
            let recorded = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "self-assessment").filter(\.$detail == "completed").count()
            #expect(recorded == 1)
        }
    }

    @Test func sixteen_simultaneous_confirmations_of_one_hold_confirm_it_once() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            #expect(try await browser.post("/book/details", form: BookingForm.fields(student, start: clinic.tenOClock(inDays: 3))).status == .seeOther)
            try await clinic.deliverMail()
            let confirmPath = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/book/confirm/")
            try await browser.get(confirmPath)
            let wins = try await simultaneously { _ in try await browser.post(confirmPath, form: [:]).status == .ok }
            #expect(wins == 1)
            try await clinic.deliverMail()
            let confirmations = clinic.mail.sent.filter { $0.to == "robin@example.org" && $0.textBody.contains("/appointments/") }
            #expect(confirmations.count == 1, "one confirmation, one manage link")
        }
    }

    @Test func sixteen_simultaneous_cancellations_by_one_link_cancel_once() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 5))
            try await browser.get(manage)
            let before = clinic.mail.sent.count
            let wins = try await simultaneously { _ in try await browser.post(manage + "/cancel", form: [:]).status == .ok }
            #expect(wins == 1)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.dropFirst(before).filter { $0.to == "robin@example.org" }.count == 1, "one cancellation email")
            let audits = try await AuditEvent.query(on: clinic.db).filter(\.$detail == "cancelled by the client's link").count()
            #expect(audits == 1)
        }
    }

    @Test func sixteen_simultaneous_newsletter_confirmations_confirm_once() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/newsletter")
            try await browser.post("/newsletter", form: ["email": "reader@example.org", "consent": "yes"])
            try await clinic.deliverMail()
            let confirm = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/newsletter/confirm/")
            try await browser.get(confirm)
            let wins = try await simultaneously { _ in try await browser.post(confirm, form: [:]).location == "/newsletter/confirmed" }
            #expect(wins == 1)
            #expect(try await Subscriber.query(on: clinic.db).first()?.status == .confirmed)
        }
    }
}

/// Strings collected from concurrent tasks.
final class LockedList: Sendable {
    private let box = NIOLockedValueBox<[String]>([])
    var values: [String] { box.withLockedValue { $0 } }
    func append(_ value: String) { box.withLockedValue { $0.append(value) } }
}
