import Foundation
import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct PortalPageTests {
    static let zone = ClinicTimeZone(identifier: "America/Toronto")!
    static let header = PortalHomePage.Header(clientName: "Casey Quinn", guardianFor: nil, csrfToken: "token")

    static func card(_ id: String, allowed: PortalHomePage.Allowed, status: String? = nil, calendar: Bool = true) -> PortalHomePage.Card {
        .init(id: id, title: "Individual session", clinician: "Priya Natarajan",
              when: "Friday, December 11, 2026, 10 a.m. to 10:50 a.m., Eastern Standard Time (America/Toronto)", place: "Main office",
              status: status, allowed: allowed,
              calendar: calendar ? .init(ics: "/portal/appointments/\(id)/calendar.ics", google: "https://calendar.google.com/calendar/render?action=TEMPLATE",
                                         outlook: "https://outlook.live.com/calendar/0/deeplink/compose") : nil)
    }

    static func model(header: PortalHomePage.Header = header, charts: [PortalHomePage.ScoreChart]? = nil) -> PortalHomePage.Model {
        PortalHomePage.Model(
            header: header, notice: "Your appointment is moved. An email with the new time and an updated calendar file is on its way.",
            upcoming: [card("a1", allowed: .moveOrCancel(deadline: "Thursday, December 10, 2026 at 10 a.m., Eastern Standard Time (America/Toronto)")),
                       card("a2", allowed: .lateCancelOnly(noticeHours: 24, fee: "$50.00"))],
            recent: [card("a0", allowed: .nothing, status: "Attended", calendar: false)],
            clinicPhone: "416-555-0100",
            toDos: [.init(label: "GAD-7 questionnaire", detail: "Started; your answers so far are kept.", button: "Carry on", action: .link("/portal/questionnaires/r1")),
                    .init(label: "Intake forms", detail: "Sent Friday, December 4, 2026.", button: "Fill in the intake forms", action: .post("/portal/forms/intake/i1"))],
            bookAgain: [.init(clinician: "Priya Natarajan", href: "/book/times?type=individual&with=priya")],
            charts: charts, zone: zone,
            consents: ["Consent to treatment, version 2026-11, signed on Friday, December 4, 2026"],
            answered: [.init(label: "PHQ-9, Friday, December 4, 2026", score: nil)],
            requests: [.init(text: "A copy of your record, asked Friday, December 4, 2026: waiting for an answer", due: "Sunday, January 3, 2027")],
            mayReadRecord: false)
    }

    @Test func cards_carry_the_actions_the_rules_allow() throws {
        let html = PortalHomePage.view(Self.model()).render()
        #expect(html.contains("/portal/appointments/a1/move") && html.contains("/portal/appointments/a1/cancel"))
        #expect(!html.contains("/portal/appointments/a2/move") && html.contains("/portal/appointments/a2/cancel"))
        #expect(html.contains("late cancellation with a fee of $50.00"))
        #expect(!html.contains("/portal/appointments/a0/cancel"), "a past appointment has no actions")
        #expect(html.contains("Book again with Priya Natarajan"))
        #expect(html.contains("/portal/billing"), "receipts and statements are one link away (issue 17)")
        try Snapshot.check(PortalHomePage.view(Self.model()), named: "portal-home")
    }

    @Test func the_chart_appears_only_when_given_and_a_guardian_sees_for_whom() throws {
        #expect(!PortalHomePage.view(Self.model()).render().contains("Your scores"))
        let points: [(Date, Int)] = [(Date(timeIntervalSince1970: 1_795_000_000), 18), (Date(timeIntervalSince1970: 1_796_200_000), 11)]
        let shared = PortalHomePage.view(Self.model(charts: [.init(instrument: .phq9, points: points)])).render()
        #expect(shared.contains("Your scores") && shared.contains("progress-chart") && shared.contains("18 of 27"))
        let guardian = PortalHomePage.view(Self.model(header: .init(clientName: "Jordan Quinn", guardianFor: "Jordan", csrfToken: "token"))).render()
        #expect(guardian.contains("as a parent or guardian, for <strong>Jordan</strong>"))
        #expect(guardian.contains("Appointments for Jordan") && !guardian.contains("/portal/record-request"))
    }

    @Test func the_cancel_and_move_pages() throws {
        let cancel = PortalCancelPage.Model(header: Self.header, card: Self.card("a2", allowed: .lateCancelOnly(noticeHours: 24, fee: "$50.00")),
                                            clinicPhone: "416-555-0100")
        try Snapshot.check(PortalCancelPage.view(cancel), named: "portal-cancel")
        let move = PortalMovePage.Model(
            header: Self.header, appointmentID: "a1", now: "Friday, December 11, 2026 at 10 a.m., Eastern Standard Time (America/Toronto)",
            clinician: "Priya Natarajan", zoneName: "Eastern Standard Time (America/Toronto)", notice: nil,
            days: [.init(iso: "2026-12-08", label: "Tue Dec 8", count: 3), .init(iso: "2026-12-09", label: "Wed Dec 9", count: 1)],
            chosenDay: "2026-12-08", chosenDayLabel: "Tuesday, December 8, 2026",
            times: [.init(label: "9 a.m.", start: "1796738400"), .init(label: "10 a.m.", start: "1796742000"), .init(label: "2 p.m.", start: "1796756400")],
            clinicPhone: "416-555-0100")
        let html = PortalMovePage.view(move).render()
        #expect(html.contains(#"aria-current="date""#))
        try Snapshot.check(PortalMovePage.view(move), named: "portal-move")
    }

    @Test func the_link_page_explains_the_one_press() throws {
        let html = PortalLinkPage.view(.init(token: "tok", csrfToken: "token")).render()
        #expect(html.contains(#"method="post""#) && html.contains("Sign in to my appointments and forms"))
    }

    @Test func the_care_team_sees_whether_scores_are_shared() throws {
        let off = PortalScoreSharing.view(.init(clientID: "c1", shared: false, csrfToken: "token")).render()
        #expect(off.contains("Not shared") && off.contains(#"value="yes""#) && off.contains("/staff/clients/c1/progress/portal-sharing"))
        let on = PortalScoreSharing.view(.init(clientID: "c1", shared: true, csrfToken: "token")).render()
        #expect(on.contains("Stop showing scores in the portal") && on.contains(#"value="no""#))
    }
}
