import Foundation
import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct CalendarPageTests {
    static let monday = LocalDate(year: 2026, month: 11, day: 30)!
    static let nineToFive = [CalendarPage.Span(startMinute: 540, endMinute: 1020)]

    static func session(_ id: String = "a1", at start: Int = 630, minutes: Int = 50, who: String = "Riley Tan") -> CalendarPage.Entry {
        .init(appointmentID: id, statusClass: "confirmed", startMinute: start, endMinute: start + minutes, time: "10:30 a.m.", who: who,
              what: "IPT session", status: "Confirmed", typeIndex: 1, movable: true)
    }

    static let block = CalendarPage.Entry(appointmentID: "a2", statusClass: "blocked", startMinute: 840, endMinute: 900, time: "2 p.m.",
                                          who: "Blocked", what: "Supervision", status: "Blocked time", typeIndex: nil)

    static func model(isDay: Bool, columns: [CalendarPage.Column], clinician: String = "all") -> CalendarPage.Model {
        let days = isDay ? [monday.adding(days: 2)] : (0..<7).map { monday.adding(days: $0) }
        return .init(clinicians: [("s1", "Priya Natarajan"), ("s2", "Daniel Reyes")], offersEveryone: true, clinician: clinician,
                     date: monday.adding(days: 2), today: monday.adding(days: 2), isDay: isDay, days: days,
                     zoneName: "Eastern Standard Time (America/Toronto)", managesAll: true, weekClinician: isDay ? nil : "s1",
                     columns: columns, types: ["Free consultation", "IPT session", "Assessment"], nowMinute: 11 * 60 + 7, csrfToken: "tok")
    }

    @Test func the_week_switches_clinician_by_links_in_a_small_team_and_by_the_list_in_a_large_one() {
        var week = Self.model(isDay: true, columns: [])
        week.isDay = false
        week.weekClinician = "s1"
        let small = CalendarPage.view(week).render()
        #expect(small.contains(#"aria-label="Clinician shown this week""#) && small.contains(#"aria-current="true">Priya Natarajan"#))
        #expect(!CalendarPage.view(Self.model(isDay: true, columns: [])).render().contains("Clinician shown this week"), "the day shows everyone")
        week.clinicians = (1...(CalendarPage.switcherMaxLinks + 1)).map { ("s\($0)", "Clinician \($0)") }
        let large = CalendarPage.view(week).render()
        #expect(!large.contains("Clinician shown this week"), "no screens of names")
        #expect(large.contains(#"<option value="s17">Clinician 17</option>"#), "the form's list still offers every clinician")
    }

    static func day() -> CalendarPage.Model {
        let wednesday = monday.adding(days: 2)
        return model(isDay: true, columns: [
            .init(heading: "Priya O'Neil & \"Nat\" <Natarajan>", headingLink: "/staff/calendar?view=week&date=2026-12-02&clinician=s1", clinicianID: "s1",
                  date: wednesday, isToday: true, hours: nineToFive, timeOff: [], entries: [session(), block]),
            .init(heading: "Daniel Reyes", headingLink: "/staff/calendar?view=week&date=2026-12-02&clinician=s2", clinicianID: "s2",
                  date: wednesday, isToday: true, hours: [], timeOff: [.init(startMinute: 0, endMinute: 1440)], entries: []),
        ])
    }

    static func week() -> CalendarPage.Model {
        model(isDay: false, columns: (0..<7).map { offset in
            let date = monday.adding(days: offset)
            return .init(heading: DateDisplay.shortDay(date), headingLink: "/staff/calendar?view=day&date=\(date)&clinician=all", clinicianID: "s1",
                         date: date, isToday: offset == 2, hours: offset < 5 ? nineToFive : [], timeOff: [],
                         entries: offset == 2 ? [session(), session("a3", at: 660, minutes: 30, who: "Sam Lee"), block] : [])
        })
    }

    @Test func an_appointment_at_half_past_ten_for_fifty_minutes_lands_on_its_rows() throws {
        let html = CalendarPage.view(Self.day()).render()
        // The grid starts at 8:00 in five-minute rows: 10:30 is row 31 and fifty minutes are ten rows.
        #expect(html.contains("cal-at-31 cal-span-10"))
        #expect(CalendarPage.placement(630, 680, first: 480, last: 1080) == "cal-at-31 cal-span-10")
        #expect(html.contains("cal-work cal-at-13 cal-span-96"), "nine to five shaded")
        #expect(html.contains(#"data-move="/staff/appointments/a1/move""#))
        #expect(html.contains("Riley Tan") && html.contains("IPT session") && html.contains("Confirmed"), "text, never colour alone")
        try Snapshot.check(CalendarPage.view(Self.day()), named: "calendar-day")
    }

    @Test func a_clinician_without_hours_that_day_says_so_and_free_times_link_to_the_booking_form() {
        let html = CalendarPage.view(Self.day()).render()
        #expect(html.contains("No hours this day"))
        #expect(html.contains("Time off"))
        #expect(!html.contains(">Free<"))
        #expect(html.contains(#"href="/staff/appointments/new?clinician=s2&amp;date=2026-12-02&amp;time=15%3A00""#))
        #expect(!html.contains("clinician=s1&amp;date=2026-12-02&amp;time=10%3A45"), "no empty-slot link under an appointment")
        #expect(!html.contains("clinician=s2&amp;date=2026-12-02&amp;time=10%3A45"), "nor in the past: it is 11:07 now")
        #expect(html.contains("clinician=s2&amp;date=2026-12-02&amp;time=11%3A15"))
        #expect(html.contains(#"<div class="cal-now cal-at-38 cal-span-1"><span>Now</span></div>"#))
    }

    @Test func the_legend_names_every_colour_and_pattern() {
        let html = CalendarPage.view(Self.day()).render()
        #expect(html.contains(#"class="cal-legend""#))
        for label in ["Free consultation", "IPT session", "Assessment", "Confirmed", "Held, requested or offered", "No-show", "Blocked time",
                      "Working hours", "Outside working hours", "Time off"] {
            #expect(html.contains(label), "legend: \(label)")
        }
        #expect(html.contains("cal-appt cal-type-2 cal-st-confirmed"), "the type's colour is its place in the legend")
    }

    @Test func the_phone_agenda_lists_each_appointment_with_time_client_type_status_and_link() {
        let html = CalendarPage.view(Self.day()).render()
        #expect(html.contains(#"<div class="cal-agenda">"#))
        #expect(html.contains(#"<li class="cal-st-confirmed"><span class="cal-agenda-time">10:30 a.m.</span> <a href="/staff/appointments/a1">Riley Tan</a><span class="small"> IPT session, Confirmed</span></li>"#))
        #expect(html.contains(#"<details class="cal-filters" open="open"><summary>"#), "the filters fold on a phone")
        #expect(html.contains(#"<script src="/js/calendar.js" defer="defer">"#))
    }

    @Test func the_week_shows_days_side_by_side_with_overlaps_in_lanes() throws {
        let html = CalendarPage.view(Self.week()).render()
        #expect(html.contains(#"href="/staff/calendar?view=week&amp;date=2026-11-23&amp;clinician=all""#), "the previous week keeps the filter")
        #expect(html.contains("Week of Monday, November 30, 2026, Priya Natarajan"))
        #expect(html.contains("cal-lane-0-of-2") && html.contains("cal-lane-1-of-2"), "10:30 and 11:00 overlap and sit side by side")
        #expect(html.contains(#"aria-current="true">Priya Natarajan"#))
        #expect(html.components(separatedBy: "No hours this day").count - 1 == 4, "Saturday and Sunday, in the heads and the agenda")
        try Snapshot.check(CalendarPage.view(Self.week()), named: "calendar-week")
    }

    @Test func the_waitlist_link_shows_only_to_those_who_manage_every_calendar() {
        var page = Self.week()
        page.managesAll = false
        #expect(!CalendarPage.view(page).render().contains("/staff/waitlist"))
    }

    @Test func lanes_are_shared_only_within_a_group_of_overlaps() {
        let entries = [Self.session("x", at: 600, minutes: 60), Self.session("y", at: 630, minutes: 60), Self.session("z", at: 720, minutes: 30)]
        #expect(CalendarPage.laneClasses(entries) == ["cal-lane-0-of-2", "cal-lane-1-of-2", ""])
    }
}

@Suite struct AppointmentPageTests {
    static func model(client: AppointmentPage.Client?, showsClinical: Bool, hidden: AppointmentPage.HiddenClinical? = nil,
                      errors: FieldErrors = FieldErrors()) -> AppointmentPage.Model {
        .init(id: "a1", calendarDate: "2026-12-02", clinicianID: "s1", saved: false, errors: errors, alternatives: [],
              when: "Wednesday, December 2, 2026, 10 a.m. to 10:50 a.m., Eastern Standard Time (America/Toronto)", clinician: "Priya Natarajan",
              type: client == nil ? "Supervision" : "IPT session", statusCode: client == nil ? "blocked" : "confirmed",
              statusLabel: client == nil ? "Blocked time" : "Confirmed", client: client, fee: client == nil ? nil : "$60.00", lateFee: nil,
              course: client == nil ? nil : .init(id: "c1", session: 3), booked: "By staff, 2026-11-20 09:15 EST",
              showsClinical: showsClinical, hiddenClinical: hidden, isConfirmedOrAttended: client != nil,
              instruments: [("phq-9", "PHQ-9"), ("gad-7", "GAD-7")], maySetSlidingScale: client != nil,
              consents: client == nil ? [] : ["Consent to treatment, version 2, signed \"Riley Tan\" on 2026-11-21 18:02 EST"],
              selfAssessments: showsClinical ? [.init(id: "sa1", completed: "2026-11-22 10:00 EST")] : [],
              responses: showsClinical ? ["PHQ-9: 14 (moderate), 2026-11-30 08:00 EST"] : [],
              awaitsApproval: false, isChangeable: true, moveDate: "2026-12-02", moveTime: "10:00", mayRecordAttendance: false, csrfToken: "token")
    }

    static let riley = AppointmentPage.Client(id: "cl1", name: "Riley Tan", programme: "Adult IPT", email: "riley@example.net", phone: "416-555-0199",
                                              guardian: nil, slidingScalePercent: 20)

    @Test func the_care_team_sees_the_answers_and_the_forms_to_send_questionnaires() throws {
        let page = Self.model(client: Self.riley, showsClinical: true)
        let html = AppointmentPage.view(page).render()
        #expect(html.contains(#"formaction="/staff/appointments/a1/questionnaire/in-session""#) && html.contains("PHQ-9: 14 (moderate)"))
        try Snapshot.check(AppointmentPage.view(page), named: "appointment-care-team")
    }

    @Test func someone_off_the_care_team_sees_why_the_answers_are_missing() throws {
        let page = Self.model(client: Self.riley, showsClinical: false, hidden: .notOnCareTeam)
        let html = AppointmentPage.view(page).render()
        #expect(!html.contains("/questionnaire") && !html.contains("The client's answers") && html.contains("not on your care team"))
        try Snapshot.check(AppointmentPage.view(page), named: "appointment-not-on-team")
    }

    @Test func blocked_time_has_no_client_forms_and_is_removed_not_cancelled() throws {
        var errors = FieldErrors()
        errors.add("time", "That time overlaps another appointment or blocked time of this clinician.")
        var page = Self.model(client: nil, showsClinical: false, errors: errors)
        page.alternatives = ["Wednesday, December 2, 2026 at 11 a.m., Eastern Standard Time (America/Toronto)"]
        #expect(page.title == "Check the change: Appointment")
        let html = AppointmentPage.view(page).render()
        #expect(html.contains("Remove the block") && !html.contains("Intake and consents") && html.contains("Nearest free times"))
        try Snapshot.check(AppointmentPage.view(page), named: "appointment-block")
    }
}

@Suite struct BookingPageTests {
    static let tuesday = LocalDate(year: 2026, month: 12, day: 1)!

    static func week(chosen: LocalDate = tuesday, slug: String? = nil, empty: Bool = false) -> FreeTimesPage.Model {
        let monday = tuesday.startOfWeek
        return FreeTimesPage.Model(
            kindCode: "consultation", kindName: "Free 15-minute phone consultation", kindFacts: "15 minutes, by phone, free", with: slug ?? "reduced",
            who: "any practicum student (the reduced-rate clinic)", zoneName: "Eastern Standard Time (America/Toronto)",
            week: (0..<7).map { offset in
                let day = monday.adding(days: offset)
                return .init(date: day, freeTimes: empty || offset == 5 || offset == 6 ? 0 : 3, isPast: offset == 0)
            },
            chosenDay: chosen,
            chips: empty ? [] : [
                .init(time: "10 a.m.", start: "1796137200", clinicianSlug: slug, partOfDay: .morning),
                .init(time: "10:30 a.m.", start: "1796139000", clinicianSlug: slug, partOfDay: .morning),
                .init(time: "2 p.m.", start: "1796151600", clinicianSlug: slug, partOfDay: .afternoon),
            ],
            previousWeek: nil, nextWeek: monday.adding(days: 7), nextFreeDay: empty ? monday.adding(days: 9) : nil)
    }

    @Test func the_week_strip_links_free_days_and_greys_the_rest_with_words() throws {
        let html = FreeTimesPage.view(Self.week()).render()
        #expect(html.contains(#"href="/book/times?type=consultation&amp;with=reduced&amp;day=2026-12-02""#))
        #expect(html.contains(#"aria-current="date""#))
        #expect(html.components(separatedBy: "No times").count - 1 == 2, "Saturday and Sunday say so in words")
        #expect(html.contains(">Past<"), "Monday is over")
        #expect(!html.contains("day=2026-12-05"), "a day without times is not a link")
        #expect(html.contains("week=2026-12-07") && !html.contains("week=2026-11-23"))
        #expect(html.contains(">Morning<") && html.contains(">Afternoon<") && !html.contains(">Evening<"))
        #expect(html.contains(#"<li class="bk-step bk-step-current" aria-current="step">"#))
        try Snapshot.check(FreeTimesPage.view(Self.week()), named: "booking-free-times")
    }

    @Test func a_group_chip_names_nobody_and_a_person_chip_names_them() {
        let group = FreeTimesPage.view(Self.week()).render()
        #expect(group.contains(#"href="/book/details?type=consultation&amp;with=reduced&amp;start=1796137200""#))
        let person = FreeTimesPage.view(Self.week(slug: "priya-natarajan")).render()
        #expect(person.contains(#"href="/book/details?type=consultation&amp;with=priya-natarajan&amp;clinician=priya-natarajan&amp;start=1796137200""#))
    }

    @Test func an_empty_week_points_to_the_next_free_day() throws {
        let html = FreeTimesPage.view(Self.week(empty: true)).render()
        #expect(html.contains("No free times from"))
        #expect(html.contains(#"day=2026-12-09""#) && html.contains("Go to the next free day: Wednesday, December 9, 2026"))
        #expect(!html.contains("bk-chip"))
        try Snapshot.check(FreeTimesPage.view(Self.week(empty: true)), named: "booking-free-times-empty-week")
    }

    @Test func the_book_page_shows_fees_avatars_and_who_takes_new_clients() throws {
        let model = BookPage.Model(
            kinds: [.init(code: "consultation", name: "Free 15-minute phone consultation", facts: "15 minutes, by phone, free"),
                    .init(code: "assessment", name: "IPT assessment session", facts: "60 minutes, the fee depends on who you see")],
            whom: [.init(value: "reduced", name: "Any practicum student", detail: "The reduced-rate clinic.", fee: "$50.00 a session", initials: "",
                         isGroup: true, acceptingNewClients: true, profile: nil),
                   .init(value: "priya-natarajan", name: "Priya Natarajan", detail: "MSW candidate", fee: "$50.00 a session",
                         initials: BookPage.Whom.initials(of: "Priya Natarajan"), isGroup: false, acceptingNewClients: true, profile: "/team/priya-natarajan"),
                   .init(value: "miriam-okafor", name: "Dr. Miriam Okafor", detail: "RP", fee: "$180.00 a session",
                         initials: BookPage.Whom.initials(of: "Dr. Miriam Okafor"), isGroup: false, acceptingNewClients: false, profile: "/team/miriam-okafor")],
            chosenKind: "consultation", chosenWith: "reduced")
        let html = BookPage.view(model).render()
        #expect(html.contains(">PN<") && html.contains(">MO<"))
        #expect(html.contains(#"value="miriam-okafor" disabled"#) && html.contains("Not taking new clients"))
        #expect(html.contains("$180.00 a session"))
        try Snapshot.check(BookPage.view(model), named: "booking-start")
    }

    @Test func the_inbox_page_repeats_the_time_the_hold_and_the_address() throws {
        let model = BookingSentPage.Model(held: .init(when: "Tuesday, December 1, 2026, 10 a.m. to 10:15 a.m., Eastern Standard Time (America/Toronto)",
                                                      clinician: "Priya Natarajan", heldUntil: "9:47 a.m.", email: "robin@example.org", byPhone: true),
                                          holdMinutes: 15)
        let html = BookingSentPage.view(model).render()
        #expect(html.contains("robin@example.org") && html.contains("for 15 minutes (until 9:47 a.m.)"))
        #expect(html.contains("By phone"))
        #expect(html.contains(#"<li class="bk-step bk-step-current" aria-current="step"><span class="bk-step-number">4</span>"#))
        try Snapshot.check(BookingSentPage.view(model), named: "booking-check-inbox")
    }

    @Test func the_confirmed_page_offers_three_ways_into_a_calendar_and_what_comes_next() throws {
        let model = ConfirmAppointmentPage.Confirmed(
            what: "Free phone consultation with Priya Natarajan", when: "Tuesday, December 1, 2026, 10 a.m. to 10:15 a.m.",
            place: "By phone: Priya Natarajan calls you at the number you gave.", icsLink: "/appointments/abc/calendar.ics",
            googleLink: "https://calendar.google.com/calendar/render?action=TEMPLATE", outlookLink: "https://outlook.live.com/calendar/0/action/compose?",
            whatNext: ["A confirmation email is on its way."])
        let html = ConfirmAppointmentPage.confirmed(model).render()
        #expect(html.contains(#"href="/appointments/abc/calendar.ics""#) && html.contains("Google Calendar") && html.contains("Outlook"))
        #expect(html.contains("What happens next"))
        try Snapshot.check(ConfirmAppointmentPage.confirmed(model), named: "booking-confirmed")
    }

    @Test func reading_pages_end_with_the_free_consultation() {
        let html = ReadingPage.view(.init(title: "What is IPT", summary: nil, html: "<p>Text</p>")).render()
        #expect(html.hasSuffix(#"<p><a class="button" href="/book?type=consultation&amp;with=reduced">Book a free consultation</a></p></aside>"#))
    }

    static func details(alternatives: [(value: String, label: String)]?) -> BookingDetailsPage.Model {
        .init(kindCode: "consultation", kindName: "Free consultation", with: "reduced", clinicianSlug: "priya-natarajan",
              clinician: "Priya Natarajan, MSW candidate", when: "Tuesday, December 1, 2026, 10 a.m. to 10:20 a.m., Eastern Standard Time (America/Toronto)",
              fee: "Free", supervised: true, start: "1796137200", alternatives: alternatives, zoneName: "Eastern Standard Time (America/Toronto)",
              draft: BookingDetailsDraft(name: "Sam \"Quote\" Lee", email: "sam@example.net"), errors: FieldErrors(), holdMinutes: 15, csrfToken: "token")
    }

    @Test func the_details_form_carries_the_chosen_time_and_keeps_what_was_typed() throws {
        let html = BookingDetailsPage.view(Self.details(alternatives: nil)).render()
        #expect(html.contains(#"<input type="hidden" name="start" value="1796137200"/>"#))
        #expect(html.contains("Sam &quot;Quote&quot; Lee"), "a typed value is escaped inside its attribute")
        try Snapshot.check(BookingDetailsPage.view(Self.details(alternatives: nil)), named: "booking-details")
    }

    @Test func a_taken_time_offers_the_nearest_free_ones_instead() throws {
        let page = Self.details(alternatives: [("1796140800", "Tuesday, December 1, 2026 at 11 a.m., Eastern Standard Time (America/Toronto)")])
        let html = BookingDetailsPage.view(page).render()
        #expect(page.title == "Check your booking: Your details")
        #expect(html.contains("That time is no longer free") && html.contains(#"name="start" value="1796140800" checked"#))
        try Snapshot.check(BookingDetailsPage.view(page), named: "booking-details-taken")
    }

    @Test func inside_the_notice_window_the_client_may_only_cancel_late() throws {
        let page = ManageAppointmentPage.Model(token: "tok-1", kindName: "IPT session", clinician: "Priya Natarajan",
                                               when: "Tuesday, December 1, 2026, 10 a.m. to 10:50 a.m., Eastern Standard Time (America/Toronto)",
                                               place: "Clinic office", policy: .late(noticeHours: 24, fee: "$50.00"), clinicPhone: "416-555-0142",
                                               csrfToken: "token")
        let html = ManageAppointmentPage.view(page).render()
        #expect(!html.contains("/reschedule") && html.contains(#"action="/appointments/tok-1/cancel""#) && html.contains("with a fee of $50.00"))
        try Snapshot.check(ManageAppointmentPage.view(page), named: "booking-manage-late")
    }

    @Test func each_failure_has_its_own_title_and_the_clinic_phone_where_a_call_helps() {
        let used = BookingFailurePage.model(.linkUsed, clinicPhone: "416-555-0142")
        #expect(used.title == "This link has already been used" && used.paragraphs.first?.contains("416-555-0142") == true)
        #expect(BookingFailurePage.model(.slotUnavailable, clinicPhone: "416-555-0142").paragraphs == ["Please choose another time."])
    }
}

@Suite struct SchedulingAdminPageTests {
    @Test func hours_list_the_week_and_the_changes_with_their_forms() throws {
        let page = AvailabilityPage.Model(
            clinicianID: "s1", clinicianName: "Priya Natarajan", clinicians: [("s1", "Priya Natarajan"), ("s2", "Daniel Reyes")],
            zoneName: "Eastern Standard Time (America/Toronto)",
            weekly: [.init(id: "w1", day: "Monday", from: "9 a.m.", until: "5 p.m.", place: "Clinic office")],
            changes: [.init(id: "e1", isExtra: false, when: "Friday, December 25, 2026, 12 a.m. to 12 a.m., Eastern Standard Time (America/Toronto)",
                            note: "Holiday")],
            locations: [("l1", "Clinic office"), ("l2", "Video session")], weeklyFields: [:], changeFields: [:], errors: FieldErrors(), csrfToken: "token")
        let html = AvailabilityPage.view(page).render()
        #expect(html.contains(#"action="/staff/availability/weekly/w1/remove""#) && html.contains(#"value="09:00""#))
        try Snapshot.check(AvailabilityPage.view(page), named: "availability")
    }

    @Test func the_waitlist_lists_people_in_order_with_a_reason_field_each() throws {
        let page = WaitlistAdminPage.Model(offerHours: 12, entries: [
            .init(id: "w1", name: "Wes Waiting", email: "wes@example.net", wants: "Free consultation, reduced-rate clinic", when: "Monday, Wednesday; morning",
                  offerSent: false),
            .init(id: "w2", name: "Ana <Offer>", email: "ana@example.net", wants: "IPT session, Daniel Reyes", when: "any day; any time", offerSent: true),
        ], errors: FieldErrors(), csrfToken: "token")
        let html = WaitlistAdminPage.view(page).render()
        #expect(html.contains("Ana &lt;Offer&gt;") && html.contains("Offer sent"))
        try Snapshot.check(WaitlistAdminPage.view(page), named: "waitlist-admin")
    }
}
