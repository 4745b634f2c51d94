import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct StaffPageTests {
    @Test func sign_in_shows_why_it_did_not_work_and_keeps_the_destination() throws {
        let page = SignInPage.Model(email: "dana@clinic.example", next: "/staff/enquiries", message: "That email and password do not match an active staff account.",
                                    signedOut: true, passwordReset: false, csrfToken: "token")
        try Snapshot.check(SignInPage.view(page), named: "staff-sign-in")
        #expect(!SignInPage.view(page).render().contains("You are signed out."), "the error replaces the notice")
    }

    @Test func the_password_reset_pages_ask_answer_and_refuse_a_bad_link() throws {
        try Snapshot.check(PasswordResetPage.view(.init(stage: .asking, email: nil, errors: FieldErrors(), csrfToken: "token")), named: "staff-password-reset")
        let sent = PasswordResetPage.Model(stage: .sent, email: nil, errors: FieldErrors(), csrfToken: "token")
        #expect(sent.title == "Check your inbox" && !PasswordResetPage.view(sent).render().contains("<form"))
        try Snapshot.check(NewPasswordPage.view(.init(token: "abc_DEF-123", minimumLength: 12, errors: FieldErrors(), csrfToken: "token")),
                           named: "staff-new-password")
    }

    @Test func the_two_factor_pages_ask_for_a_code_and_set_it_up() throws {
        var errors = FieldErrors()
        errors.add("code", "That code did not work. Codes change every 30 seconds and each works once.")
        try Snapshot.check(TwoFactorCodePage.view(.init(next: "/staff", errors: errors, csrfToken: "token")), named: "staff-two-factor")
        try Snapshot.check(TwoFactorSetupPage.view(.init(qrSVG: "<svg></svg>", groupedSecret: "ABCD EFGH", sealedSecret: "enc:v1:\"sealed\"",
                                                         errors: FieldErrors(), csrfToken: "token")), named: "staff-two-factor-setup")
        #expect(TwoFactorDonePage.view(recoveryCodes: ["abcd-efgh-ijkl"]).render().contains("<code>abcd-efgh-ijkl</code>"))
    }

    static func dashboard(failing: [DashboardPage.FailingJob] = [], enquiries: Int? = 3) -> DashboardPage.Model {
        .init(staffName: "Miriam Okafor", roleName: "Clinic director", failingJobs: failing, today: "2026-12-04", appointmentsToday: 5,
              openAlerts: 1, bookingRequests: 2, notesToCosign: 0, notesReturned: 0, possibleDuplicates: 1, openRecordRequests: 0,
              openEnquiries: enquiries, confirmedSubscribers: nil, pendingMail: 4, failedMail: 0,
              worsened: [.init(clientID: "c1", clientName: "Riley Tan", instrument: "PHQ-9", from: 8, to: 16)], seesClients: true)
    }

    @Test func the_dashboard_shows_what_needs_attention_and_only_what_the_role_may_see() throws {
        let page = Self.dashboard(failing: [.init(label: "Safety alert escalation", failuresInARow: 2, lastFailed: "Friday, December 4, 2026 at 9 a.m.", lastWorked: nil)])
        try Snapshot.check(DashboardPage.view(page), named: "staff-dashboard")
        let html = DashboardPage.view(Self.dashboard(enquiries: nil)).render()
        #expect(!html.contains("open enquiries") && !html.contains("confirmed subscribers") && !html.contains("Scheduled work"))
        #expect(html.contains(#"href="/staff/calendar?view=day&amp;date=2026-12-04""#))
    }

    @Test func the_account_page_shows_a_new_feed_address_once() throws {
        let page = AccountPage.Model(notice: "Your new calendar feed address is below.", minimumPasswordLength: 12,
                                     feedURL: "https://clinic.example/calendar-feed/abc.ics", errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(AccountPage.view(page), named: "staff-account")
    }

    @Test func clinic_settings_show_the_values_and_the_other_settings_pages() throws {
        let page = ClinicSettingsPage.Model(name: "Harbourview IPT", phone: "416-555-0142", email: "hello@clinic.example", address: "200 Example Street",
                                            timeZone: "America/Toronto", requireTwoFactor: true, saved: true, errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(ClinicSettingsPage.view(page), named: "staff-clinic-settings")
    }
}
