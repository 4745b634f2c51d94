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

    static func today(director: Bool) -> TodayPage.Model {
        var model = TodayPage.Model(staffName: "Miriam Okafor", roleName: "Clinic director", day: "Saturday, December 5, 2026",
                                    today: "2026-12-05", csrfToken: "token")
        model.alerts = [.init(when: "Fri Dec 4", who: "Riley Tan", what: "From a questionnaire answer", badge: .init("Open", .alert), link: "/staff/alerts/a1")]
        model.sessions = [
            .init(when: "9 a.m.", who: "Riley Tan", what: "IPT session", badge: .init("Note to write", .attention), link: "/staff/appointments/p1",
                  action: .link("Write note", href: "/staff/clients/c1/notes/new")),
            .init(when: "11 a.m.", who: "Sam Lee", what: "IPT session", badge: .init("Arrived 10:52 a.m.", .ok), link: "/staff/appointments/p2"),
        ]
        model.notesToWrite = []
        model.formsOutstanding = []
        if director {
            model.arrivals = [.init(when: "1 p.m.", who: "Jo Park", what: "IPT session with Daniel Reyes", link: "/staff/appointments/p3",
                                    action: .post("Mark arrived", path: "/staff/appointments/p3/arrived"))]
            model.awaitingConfirmation = []
            model.waitlistOffers = []
            model.possibleDuplicates = 2
            model.clinic = .init(appointmentsToday: 7, openEnquiries: 3, confirmedSubscribers: 40, openRecordRequests: 0, pendingMail: 1, failedMail: 0)
            model.failingJobs = [.init(label: "Safety alert escalation", failuresInARow: 2, lastFailed: "Friday, December 4, 2026 at 9 a.m.", lastWorked: nil)]
        }
        return model
    }

    @Test func today_puts_alerts_first_and_shows_only_the_sections_of_the_role() throws {
        try Snapshot.check(TodayPage.view(Self.today(director: true)), named: "staff-today-director")
        try Snapshot.check(TodayPage.view(Self.today(director: false)), named: "staff-today-clinician")
        let clinician = TodayPage.view(Self.today(director: false)).render()
        #expect(!clinician.contains("Arrivals today") && !clinician.contains("The clinic today") && !clinician.contains("Scheduled work"))
        #expect(clinician.range(of: "Open risk alerts")!.lowerBound < clinician.range(of: "Your sessions today")!.lowerBound, "alerts come first")
        #expect(clinician.contains("Every attended session has its note."), "an empty section says so")
        var quiet = Self.today(director: false)
        quiet.sessions = []
        quiet.formsOutstanding = [.init(when: "Sent Thu Dec 3", who: "Sam Lee", what: "PHQ-9")]
        let sorted = TodayPage.view(quiet).render()
        #expect(sorted.range(of: "Forms clients have not finished")!.lowerBound < sorted.range(of: "Your sessions today")!.lowerBound,
                "sections with something in them come before empty ones")
        let director = TodayPage.view(Self.today(director: true)).render()
        #expect(director.contains(#"action="/staff/appointments/p3/arrived""#) && director.contains("2 possible duplicate clients"))
        #expect(director.contains(#"href="/staff/calendar?view=day&amp;date=2026-12-05""#))
    }

    @Test func a_long_list_on_today_counts_all_and_links_to_the_page_that_shows_them() throws {
        var model = Self.today(director: false)
        model.notesToWrite = (1...TodayPage.shown).map { .init(when: "Mon Nov \($0)", who: "Riley Tan", what: "IPT session") }
        model.notesToWriteTotal = 315
        let page = TodayPage.view(model).render()
        #expect(page.contains(#"Notes to write<span class="today-count"> 315</span>"#), "the heading counts every note owed")
        #expect(page.contains(#"<a href="/staff/notes-to-write">All 315 notes to write</a>"#))
        model.notesToWriteTotal = TodayPage.shown
        #expect(!TodayPage.view(model).render().contains("/staff/notes-to-write"), "no link when every one is shown")
        model.alerts = (1...TodayPage.alertsShown).map { _ in .init(when: "Fri Dec 4", who: "Riley Tan", what: "From a questionnaire answer") }
        model.alertsTotal = 63
        let alerts = TodayPage.view(model).render()
        #expect(alerts.contains(#"Open risk alerts<span class="today-count"> 63</span>"#), "the heading counts every open alert, not the 50 listed")
        #expect(alerts.contains(#"<a href="/staff/alerts">All 63 open alerts</a>"#))

        let lines: [TodayPage.Line] = [.init(when: "Mon Nov 2", who: "Riley Tan", what: "IPT session", link: "/staff/appointments/p1",
                                             action: .link("Write note", href: "/staff/clients/c1/notes/new?appointment=p1"))]
        try Snapshot.check(TodayListPage.view(.notesToWrite, lines: lines, csrfToken: "token"), named: "staff-notes-to-write")
        let none = TodayListPage.view(.formsOutstanding, lines: [], csrfToken: "token").render()
        #expect(none.contains("<h1>Forms clients have not finished</h1>") && none.contains("No form you sent is waiting for a client."))
    }

    @Test func the_client_search_lists_matches_with_where_to_go_next() throws {
        let riley = ClientSearchPage.Result(name: "Riley Tan", dateOfBirth: "Monday, March 4, 1996", email: "riley@example.org", phone: "416-555-0101",
                                            programme: "Adult IPT", chartLink: "/staff/clients/c1/chart", bookLink: nil, next: nil)
        let found = ClientSearchPage.Model(query: "riley", error: nil, results: [riley], truncated: false, scope: .careTeam, csrfToken: "token")
        try Snapshot.check(ClientSearchPage.view(found), named: "staff-client-search")
        var forDesk = riley
        forDesk.chartLink = nil
        forDesk.bookLink = "/staff/appointments/new?client=c1"
        let desk = ClientSearchPage.view(.init(query: "riley", error: nil, results: [forDesk], truncated: true, scope: .wholeClinicForBooking, csrfToken: "t")).render()
        #expect(!desk.contains("/chart") && desk.contains("Book an appointment") && desk.contains("Only the first 1 are shown"))
        let none = ClientSearchPage.view(.init(query: "zed", error: nil, results: [], truncated: false, scope: .careTeam, csrfToken: "t")).render()
        #expect(none.contains("No client matches") && none.contains("care team"))
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
