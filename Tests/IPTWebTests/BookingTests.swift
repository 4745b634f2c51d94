import Fluent
import Foundation
import IPTCore
import IPTPages
@testable import IPTWeb
import SQLKit
import Testing
import Vapor
import VaporTesting

extension TestClinic {
    /// A public clinician taking new clients, working every day from 9:00 to 17:00 Toronto time.
    func makeClinician(tier: FeeTierCode = .reduced, name: String = "Pat Student", role: StaffRole = .student,
                       slug: String? = nil) async throws -> StaffUser {
        let user = try await makeStaff(role, name: name)
        user.slug = slug ?? "clinician-\(UUID().uuidString.prefix(8).lowercased())"
        user.feeTier = tier.rawValue
        user.isPublic = true
        user.acceptingNewClients = true
        user.credentials = "Practicum student"
        try await user.update(on: db)
        for day in Weekday.allCases {
            let row = AvailabilityRow()
            row.$staff.id = try user.requireID()
            row.weekday = day.rawValue
            row.startMinute = 9 * 60
            row.endMinute = 17 * 60
            try await row.create(on: db)
        }
        return user
    }

    var toronto: ClinicTimeZone { ClinicTimeZone(identifier: "America/Toronto")! }

    /// 10:00 Toronto time, `days` days from the test clock's today.
    func tenOClock(inDays days: Int, minute: Int = 600) -> Date {
        toronto.instant(toronto.localDate(of: clock.now).adding(days: days), minute)!
    }

    /// Books `start` with the clinician as a visitor would, confirms by the emailed link and returns
    /// the manage link from the confirmation email.
    func bookAndConfirm(_ browser: Browser, _ clinician: StaffUser, start: Date, type: String = "consultation") async throws -> String {
        try await browser.get("/waitlist")  // any public form page hands out the CSRF token
        let sent = try await browser.post("/book/details", form: BookingForm.fields(clinician, start: start, type: type))
        #expect(sent.status == .seeOther)
        try await deliverMail()
        let confirmPath = try link(in: try #require(mail.sent.last), containing: "/book/confirm/")
        try await browser.get(confirmPath)
        #expect(try await browser.post(confirmPath, form: [:]).status == .ok)
        try await deliverMail()
        return try link(in: try #require(mail.sent.last), containing: "/appointments/")
    }

    /// The link in the last email to this address that contains `path`.
    func link(in email: OutgoingEmail, containing path: String) throws -> String {
        let pattern = "http://clinic\\.test\(path)[A-Za-z0-9_\\-/]+"
        let range = try #require(email.textBody.range(of: pattern, options: .regularExpression), "no \(path) link in \(email.subject)")
        return String(email.textBody[range]).replacingOccurrences(of: "http://clinic.test", with: "")
    }
}

enum BookingForm {
    static func fields(_ clinician: StaffUser, start: Date, type: String = "consultation", with: String = "reduced",
                       email: String = "robin@example.org", dateOfBirth: String = "1990-04-23") -> [String: String] {
        ["type": type, "with": with, "clinician": clinician.slug, "start": String(Int(start.timeIntervalSince1970)),
         "name": "Robin Example", "email": email, "phone": "416-555-0199", "dateOfBirth": dateOfBirth, "consent": "yes"]
    }
}

@Suite struct BookingTests {
    @Test func the_free_times_pages_plain_list_of_clinicians_is_the_same_as_the_booking_rules_list() async throws {
        try await withClinic { clinic in
            var made: [StaffUser] = []
            for tier in FeeTierCode.allCases {
                for variant in 0..<4 {
                    let user = try await clinic.makeClinician(tier: tier, name: "C \(tier.rawValue) \(variant)", role: tier == .reduced ? .student : .therapist)
                    switch variant {
                    case 1: user.isActive = false
                    case 2: user.isPublic = false
                    case 3: user.acceptingNewClients = false
                    default: break
                    }
                    try await user.update(on: clinic.db)
                    made.append(user)
                }
            }
            let desk = try await clinic.makeStaff(.receptionist)
            let kinds = [AppointmentKind(code: "any", name: "Any", durationMinutes: 30),
                         AppointmentKind(code: "full-only", name: "Full only", durationMinutes: 50, offeredBy: [.full]),
                         AppointmentKind(code: "reduced-only", name: "Reduced only", durationMinutes: 50, offeredBy: [.reduced])]
            let choices: [BookingChoice] = [.reducedRate, .registered] + (made + [desk]).map { .member($0.slug) }
            var nonEmpty = 0
            for kind in kinds {
                for choice in choices {
                    let rules = try await SchedulingQueries.clinicians(for: choice, kind: kind, on: clinic.db).compactMap(\.id)
                    let plain = try await SchedulingQueries.calendarOwners(for: choice, kind: kind, on: clinic.db).map(\.id)
                    #expect(Set(plain) == Set(rules) && plain.count == rules.count, "\(choice) \(kind.code)")
                    if !rules.isEmpty { nonEmpty += 1 }
                }
            }
            #expect(nonEmpty >= 6, "the comparison covers lists with people in them")
        }
    }

    @Test func a_visitor_books_confirms_by_email_and_gets_an_ics_and_a_manage_link() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            let times = try await browser.get("/book/times?type=consultation&with=reduced&day=\(clinic.toronto.localDate(of: start))")
            #expect(times.status == .ok)
            #expect(times.body.string.contains("start=\(Int(start.timeIntervalSince1970))"), "the 10:00 slot is offered")
            #expect(times.body.string.contains("Eastern Standard Time (America/Toronto)"), "the zone is named")
            try await browser.get("/book/details?type=consultation&with=reduced&clinician=\(student.slug)&start=\(Int(start.timeIntervalSince1970))")
            let sent = try await browser.post("/book/details", form: BookingForm.fields(student, start: start))
            #expect(sent.status == .seeOther)
            #expect(sent.location == "/book/check-your-inbox")
            let held = try #require(try await Appointment.query(on: clinic.db).first())
            #expect(held.status == .held)
            #expect(held.startsAt == start)
            #expect(held.feeCents == 0, "the consultation is free")

            try await clinic.deliverMail()
            let holdEmail = try #require(clinic.mail.sent.last)
            #expect(holdEmail.to == "robin@example.org")
            #expect(holdEmail.textBody.contains("Eastern Standard Time"))
            let confirmPath = try clinic.link(in: holdEmail, containing: "/book/confirm/")
            let page = try await browser.get(confirmPath)
            #expect(page.status == .ok)
            #expect(try await Appointment.query(on: clinic.db).first()?.status == .held, "opening the link changes nothing")
            let confirmed = try await browser.post(confirmPath, form: [:])
            #expect(confirmed.status == .ok)
            #expect(confirmed.body.string.contains("Your appointment is confirmed"))
            #expect(try await Appointment.query(on: clinic.db).first()?.status == .confirmed)

            try await clinic.deliverMail()
            let confirmation = try #require(clinic.mail.sent.last)
            #expect(confirmation.subject.hasPrefix("Your appointment is confirmed"))
            let ics = try #require(confirmation.attachment)
            #expect(ics.content.contains("DTSTART:\(ICalendarWriter.utc(start))"))
            #expect(confirmation.rfc5322.contains("Content-Type: multipart/mixed"))
            let manage = try clinic.link(in: confirmation, containing: "/appointments/")
            #expect(try await browser.get(manage).body.string.contains("Cancel this appointment"))

            // The confirmation link works once.
            let again = try await browser.post(confirmPath, form: [:])
            #expect(again.status == .gone)
        }
    }

    @Test func fifty_concurrent_bookings_of_one_slot_give_one_success_and_forty_nine_conflicts() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 4)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let browser = Browser(app: clinic.app)
                        try await browser.get("/waitlist")  // any public form page hands out the CSRF token
                        return try await browser.post("/book/details", form: BookingForm.fields(student, start: start, email: "racer\(index)@example.org")).status
                    }
                }
                return try await group.reduce(into: [HTTPResponseStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .seeOther }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 49, "\(statuses.filter { $0 != .conflict && $0 != .seeOther })")
            let live = try await Appointment.query(on: clinic.db).filter(\.$status == .held).count()
            #expect(live == 1)
        }
    }

    @Test func the_loser_of_a_race_sees_the_nearest_free_times_with_the_input_kept() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 4)
            let first = Browser(app: clinic.app)
            let second = Browser(app: clinic.app)
            try await first.get("/waitlist")
            try await second.get("/waitlist")
            #expect(try await first.post("/book/details", form: BookingForm.fields(student, start: start, email: "a@example.org")).status == .seeOther)
            let lost = try await second.post("/book/details", form: BookingForm.fields(student, start: start, email: "b@example.org"))
            #expect(lost.status == .conflict)
            let html = lost.body.string
            #expect(html.contains("That time is no longer free"))
            #expect(html.contains(#"value="b@example.org""#), "typed input kept")
            // 9:30 is free (the consultation is 15 minutes plus a 15-minute buffer), as is 10:30.
            #expect(html.contains(#"value="\#(Int(start.timeIntervalSince1970) - 1800)""#))
            #expect(html.contains(#"value="\#(Int(start.timeIntervalSince1970) + 1800)""#))
        }
    }

    @Test func bad_times_and_links_get_clear_4xx_answers_and_nothing_is_saved() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")  // any public form page hands out the CSRF token
            // In the past, at 3 a.m. (outside hours), inside the notice period, and an impossible timestamp.
            for start in [clinic.tenOClock(inDays: -2), clinic.tenOClock(inDays: 3, minute: 180), clinic.clock.now.addingTimeInterval(3600)] {
                let response = try await browser.post("/book/details", form: BookingForm.fields(student, start: start))
                #expect(response.status == .conflict)
            }
            var fields = BookingForm.fields(student, start: clinic.tenOClock(inDays: 3))
            fields["start"] = "99999999999999"
            #expect(try await browser.post("/book/details", form: fields).status == .badRequest)
            fields["start"] = "tomorrow"
            #expect(try await browser.post("/book/details", form: fields).status == .badRequest)
            var bad = BookingForm.fields(student, start: clinic.tenOClock(inDays: 3), dateOfBirth: "2027-02-30")
            bad["consent"] = nil
            let invalid = try await browser.post("/book/details", form: bad)
            #expect(invalid.status == .unprocessableEntity)
            #expect(invalid.body.string.contains("Enter the date of birth as year-month-day"))
            #expect(invalid.body.string.contains("Tick the box to agree"))
            #expect(try await browser.get("/book/times?type=nothing&with=reduced").status == .badRequest)
            #expect(try await browser.get("/book/times?type=consultation&with=no-such-person").status == .notFound)
            #expect(try await Appointment.query(on: clinic.db).count() == 0)
            #expect(try await ClientRecord.query(on: clinic.db).count() == 0)
            #expect(try await browser.get("/book/confirm/not-a-real-token").status == .notFound)
            #expect(try await browser.post("/book/confirm/not-a-real-token", form: [:]).status == .notFound)
            #expect(try await browser.get("/appointments/not-a-real-token").status == .notFound)
        }
    }

    @Test func an_adolescent_is_routed_to_ipt_a_and_must_name_a_guardian() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")  // any public form page hands out the CSRF token
            let fifteen = clinic.toronto.localDate(of: clinic.clock.now).adding(days: -15 * 365).description
            let refused = try await browser.post("/book/details", form: BookingForm.fields(student, start: start, dateOfBirth: fifteen))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("parent"))
            var fields = BookingForm.fields(student, start: start, dateOfBirth: fifteen)
            fields["guardianName"] = "Jo Example"
            fields["guardianPhone"] = "416-555-0123"
            #expect(try await browser.post("/book/details", form: fields).status == .seeOther)
            let client = try #require(try await ClientRecord.query(on: clinic.db).first())
            #expect(client.programme == "adolescent")
            #expect(client.guardianName == "Jo Example")
        }
    }

    @Test func an_expired_hold_cannot_be_confirmed_and_frees_the_time() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")  // any public form page hands out the CSRF token
            #expect(try await browser.post("/book/details", form: BookingForm.fields(student, start: start)).status == .seeOther)
            try await clinic.deliverMail()
            let confirmPath = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/book/confirm/")
            clinic.clock.advance(by: 16 * 60)
            #expect(try await browser.get(confirmPath).status == .gone)
            #expect(try await browser.post(confirmPath, form: [:]).status == .gone)
            // Someone else can now book the time.
            let other = Browser(app: clinic.app)
            try await other.get("/waitlist")
            #expect(try await other.post("/book/details", form: BookingForm.fields(student, start: start, email: "next@example.org")).status == .seeOther)
        }
    }

    @Test func cancelling_outside_the_window_is_free_inside_it_is_late_and_the_waitlist_gets_the_time() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 5)
            // Someone waits for any reduced-rate consultation, any time.
            let waiting = Browser(app: clinic.app)
            try await waiting.get("/waitlist")
            let joined = try await waiting.post("/waitlist", form: [
                "with": "reduced", "type": "consultation", "name": "Wren Waiting", "email": "wren@example.org", "phone": "416-555-0177",
                "dateOfBirth": "1985-01-02", "consent": "yes"])
            #expect(joined.status == .seeOther)

            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: start)
            try await browser.get(manage)
            let cancelled = try await browser.post(manage + "/cancel", form: [:])
            #expect(cancelled.status == .ok)
            let appointment = try #require(try await Appointment.query(on: clinic.db).filter(\.$source == "web").first())
            #expect(appointment.status == .cancelled)
            #expect(appointment.lateFeeCents == nil)
            #expect(try await browser.post(manage + "/cancel", form: [:]).status == .notFound, "the link dies with the appointment")

            try await clinic.deliverMail()
            let offer = try #require(clinic.mail.sent.first { $0.to == "wren@example.org" && $0.subject.hasPrefix("A time has opened up") })
            let accept = try clinic.link(in: offer, containing: "/book/confirm/")
            try await waiting.get(accept)
            #expect(try await waiting.post(accept, form: [:]).status == .ok)
            let booked = try #require(try await Appointment.query(on: clinic.db).filter(\.$source == "waitlist").first())
            #expect(booked.status == .confirmed)
            #expect(booked.startsAt == start)
            #expect(try await WaitlistEntry.query(on: clinic.db).first()?.status == .booked)
        }
    }

    @Test func a_late_cancellation_records_the_policy_fee() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: start, type: "assessment")
            clinic.clock.advance(by: start.timeIntervalSince(clinic.clock.now) - 10 * 3600)
            let page = try await browser.get(manage)
            #expect(page.body.string.contains("late cancellation"))
            #expect(try await browser.get(manage + "/reschedule").status == .conflict, "no online moves inside the window")
            #expect(try await browser.post(manage + "/cancel", form: [:]).status == .ok)
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            #expect(appointment.status == .lateCancelled)
            #expect(appointment.lateFeeCents == 5_000)
        }
    }

    @Test func a_client_reschedules_by_link_and_gets_the_new_time_with_a_newer_ics() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 4)
            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: start)
            let later = clinic.tenOClock(inDays: 5, minute: 14 * 60)
            let page = try await browser.get(manage + "/reschedule")
            #expect(page.body.string.contains("value=\"\(Int(later.timeIntervalSince1970))\""))
            let moved = try await browser.post(manage + "/reschedule", form: ["start": String(Int(later.timeIntervalSince1970))])
            #expect(moved.status == .ok)
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            #expect(appointment.startsAt == later)
            #expect(appointment.sequence == 1)
            try await clinic.deliverMail()
            let changed = try #require(clinic.mail.sent.last)
            #expect(changed.subject.hasPrefix("Your appointment has changed"))
            #expect(changed.attachment?.content.contains("SEQUENCE:1") == true)
        }
    }
}

@Suite struct CalendarReadTests {
    /// The calendars are read as plain rows (docs/PERFORMANCE.md): each clinician gets their own
    /// weekly hours with the place each is at, or none.
    @Test func weekly_hours_come_back_per_clinician_with_their_place() async throws {
        try await withClinic { clinic in
            let ada = try await clinic.makeClinician(name: "Ada Alpha")
            let bea = try await clinic.makeClinician(name: "Bea Beta")
            let office = Location()
            office.name = "Office"
            office.address = "1 Main St"
            office.isOnline = false
            office.sortOrder = 9
            try await office.create(on: clinic.db)
            let evening = AvailabilityRow()
            evening.$staff.id = try bea.requireID()
            evening.$location.id = office.id
            evening.weekday = Weekday.tuesday.rawValue
            evening.startMinute = 18 * 60
            evening.endMinute = 20 * 60
            try await evening.create(on: clinic.db)
            let window = Interval(start: clinic.clock.now, end: clinic.clock.now.addingTimeInterval(7 * 86_400))
            let calendars = try await SchedulingQueries.calendars(for: [ada.requireID(), bea.requireID()], window: window, now: clinic.clock.now,
                                                                  on: clinic.db)
            #expect(calendars.map(\.clinicianID) == [ada.id!, bea.id!])
            #expect(calendars[0].weekly.entries.count == 7 && calendars[0].weekly.entries.allSatisfy { $0.locationID == nil })
            let tuesday = calendars[1].weekly.entries.filter { $0.weekday == .tuesday }
            #expect(tuesday.contains { $0.locationID == office.id && $0.range.start.minuteOfDay == 18 * 60 && $0.range.end.minuteOfDay == 20 * 60 })
            #expect(calendars[1].weekly.entries.count == 8, "every day from 9 to 5, and Tuesday evening at the office")
        }
    }

    /// Each clinician's busy times come back as theirs, whatever order they were booked in, and
    /// lapsed holds, cancellations and the appointment being moved do not count.
    @Test func busy_times_come_back_per_clinician_without_what_no_longer_occupies_time() async throws {
        try await withClinic { clinic in
            let ada = try await clinic.makeClinician(name: "Ada Alpha")
            let bea = try await clinic.makeClinician(name: "Bea Beta")
            let client = try await clinic.addClient(name: "Cal Client", email: "cal@example.org")
            func book(_ who: StaffUser, hours: Double, _ status: Appointment.Status = .confirmed, holdMinutes: Double? = nil) async throws -> Appointment {
                let appointment = try await TodayTests.appointment(clinic, clinician: who, client: client, hours: hours, status: status)
                if let holdMinutes {
                    appointment.holdExpiresAt = clinic.clock.now.addingTimeInterval(holdMinutes * 60)
                    try await appointment.update(on: clinic.db)
                }
                return appointment
            }
            // Booked out of order, so the rows' order on disk is not the times' order.
            let late = try await book(ada, hours: 50)
            let early = try await book(ada, hours: 26)
            let moving = try await book(ada, hours: 74)
            _ = try await book(ada, hours: 28, .cancelled)
            _ = try await book(ada, hours: 30, .held, holdMinutes: -5)
            let held = try await book(bea, hours: 27, .held, holdMinutes: 20)
            _ = try await book(bea, hours: 24 * 9)  // outside the window
            let window = Interval(start: clinic.clock.now, end: clinic.clock.now.addingTimeInterval(7 * 86_400))
            let calendars = try await SchedulingQueries.calendars(for: [ada.requireID(), bea.requireID()], window: window, now: clinic.clock.now,
                                                                  excluding: moving.id, on: clinic.db)
            #expect(Set(calendars[0].busy.map(\.interval.start)) == [early.blockedFrom, late.blockedFrom])
            #expect(calendars[0].busy.count == 2)
            #expect(calendars[1].busy.map(\.interval) == [Interval(start: held.blockedFrom, end: held.blockedUntil)])
            // Read a clinician at a time, the rows are the same as read all at once.
            func starts(batchSize: Int) async throws -> [Date] {
                try await SchedulingQueries.busyTimeRows(for: [ada.requireID(), bea.requireID()], window: window, withIDs: false, batchSize: batchSize,
                                                         on: clinic.db).map { try $0.decode(column: "blocked_from", as: Date.self) }.sorted()
            }
            let oneByOne = try await starts(batchSize: 1)
            #expect(oneByOne.count == 6, "Ada's five, a lapsed hold and a cancellation among them, and Bea's hold")
            #expect(try await starts(batchSize: SchedulingQueries.busyTimesBatch) == oneByOne)
        }
    }

    /// Slot finding reads busy times from the index alone (M073): for a group at 100,000 clients
    /// a table lookup for each of 8,400 appointments was most of the page.
    @Test func busy_times_are_answered_from_their_index_alone() async throws {
        try await withClinic { clinic in
            guard DatabaseEngine(of: clinic.db) == .sqlite else { return }
            let window = Interval(start: clinic.clock.now, end: clinic.clock.now.addingTimeInterval(7 * 86_400))
            let plan = try await (clinic.db as! any SQLDatabase).raw("EXPLAIN QUERY PLAN " + SchedulingQueries.busyTimesQuery(for: [UUID(), UUID()], window: window))
                .all().map { try $0.decode(column: "detail", as: String.self) }
            #expect(plan.contains { $0.contains("USING COVERING INDEX appointments_staff_time ") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "no sort: \(plan)")
        }
    }

    /// The widened index goes back to its old columns and forward again on either engine.
    @Test func the_busy_times_index_reverts_and_applies_again() async throws {
        try await withClinic { clinic in
            try await clinic.revertAndApplyAgain(M073CoverSlotFindingReads(), widening: M073CoverSlotFindingReads.indexes)
            _ = try await clinic.makeClinician(name: "Pat Student")
            #expect(try await Browser(app: clinic.app).get("/book/times?type=consultation&with=reduced").status == .ok)
        }
    }

    /// The booking setup reads the types and fees as plain rows; they say what the models say,
    /// a type offered by no tier and a fee in another currency included.
    @Test func the_types_and_fees_read_as_plain_rows_are_what_the_models_hold() async throws {
        try await withClinic { clinic in
            let odd = AppointmentTypeRow()
            odd.code = "walk-and-talk"
            odd.name = "Walk & talk"
            odd.durationMinutes = 45
            odd.bufferBeforeMinutes = 5
            odd.bufferAfterMinutes = 10
            odd.offeredBy = ""
            odd.bookableOnline = false
            odd.sortOrder = 99
            try await odd.create(on: clinic.db)
            let fee = AppointmentFee()
            fee.typeCode = "walk-and-talk"
            fee.tierCode = FeeTierCode.full.rawValue
            fee.cents = 12_345
            fee.currency = "USD"
            try await fee.create(on: clinic.db)

            let setup = try await SchedulingQueries.setup(on: clinic.db, clinic: ClinicIdentity.defaults)
            let types = try await AppointmentTypeRow.query(on: clinic.db).sort(\.$sortOrder).all()
            #expect(types.count > 1, "the clinic's own types and the new one")
            #expect(setup.kinds == types.map(\.kind))
            var prices: [FeeSchedule.Key: Money] = [:]
            for row in try await AppointmentFee.query(on: clinic.db).all() {
                guard let tier = FeeTierCode(rawValue: row.tierCode) else { continue }
                prices[.init(tier: tier, kindCode: row.typeCode)] = Money(cents: row.cents, currency: row.currency)
            }
            #expect(setup.fees == FeeSchedule(prices: prices))
            #expect(setup.kind("walk-and-talk")?.offeredBy.isEmpty == true && setup.kind("walk-and-talk")?.bufferAfterMinutes == 10)
        }
    }
}

@Suite struct DoubleBookingGuardTests {
    /// The database itself refuses overlaps, whatever the app checked before: rows written straight
    /// through the models, with no slot finder in the way.
    @Test func the_database_refuses_overlapping_appointments_for_a_clinician_and_for_a_client() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let other = try await clinic.makeClinician(name: "Other Student")
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            let start = clinic.tenOClock(inDays: 3)
            let details = try BookingDetails.validate(
                BookingDetailsDraft(name: "Ana Lima", email: "ana@example.org", phone: "416-555-0100", dateOfBirth: "1980-01-01", consent: true),
                today: clinic.toronto.localDate(of: clinic.clock.now)).get()
            let client = try await BookingService.newClient(details, now: clinic.clock.now, on: clinic.db)
            let first = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                      start: start, locationID: nil, source: "test", now: clinic.clock.now)
            try await first.create(on: clinic.db)

            // Same clinician, starting inside the first one's buffer.
            let clash = BookingService.newAppointment(staffID: try student.requireID(), clientID: nil, kind: kind,
                                                      start: start.addingTimeInterval(55 * 60), locationID: nil, source: "test", now: clinic.clock.now)
            do {
                try await clash.create(on: clinic.db)
                Issue.record("an overlapping appointment was stored")
            } catch {
                #expect(OverlapGuard.violated(by: error) == .clinician)
            }
            // Same client with another clinician at the same time.
            let elsewhere = BookingService.newAppointment(staffID: try other.requireID(), clientID: try client.requireID(), kind: kind,
                                                          start: start.addingTimeInterval(30 * 60), locationID: nil, source: "test", now: clinic.clock.now)
            do {
                try await elsewhere.create(on: clinic.db)
                Issue.record("a client was booked in two places at once")
            } catch {
                #expect(OverlapGuard.violated(by: error) == .client)
            }
            // Right after the buffer is fine, and a cancelled appointment frees its time.
            let next = BookingService.newAppointment(staffID: try student.requireID(), clientID: nil, kind: kind,
                                                     start: start.addingTimeInterval(60 * 60), locationID: nil, source: "test", now: clinic.clock.now)
            try await next.create(on: clinic.db)
            first.status = Appointment.Status.cancelled
            try await first.update(on: clinic.db)
            let replacement = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                            start: start, locationID: nil, source: "test", now: clinic.clock.now)
            try await replacement.create(on: clinic.db)
            // Moving a row onto another is refused too.
            next.startsAt = start.addingTimeInterval(30 * 60)
            next.blockedFrom = start.addingTimeInterval(30 * 60)
            do {
                try await next.update(on: clinic.db)
                Issue.record("an update created an overlap")
            } catch {
                #expect(OverlapGuard.violated(by: error) == .clinician)
            }
        }
    }
}

@Suite struct BookingAPITests {
    struct Slots: Decodable {
        struct Slot: Decodable { let clinician: String; let start: Date; let end: Date }
        let timeZone: String
        let slots: [Slot]
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    @Test func booking_by_json_finds_a_slot_holds_it_confirms_and_cancels_with_the_emailed_tokens() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician(slug: "api-student")
            let browser = Browser(app: clinic.app)
            let types = try await browser.get("/api/v1/appointment-types")
            #expect(types.status == .ok)
            #expect(types.body.string.contains(#""code":"consultation""#))
            #expect(try await browser.get("/api/v1/slots?type=consultation&with=api-student&days=true").status == .badRequest)
            let found = try await browser.get("/api/v1/slots?type=consultation&with=api-student&days=7")
            #expect(found.status == .ok)
            let slots = try Self.decoder.decode(Slots.self, from: Data(found.body.readableBytesView))
            #expect(slots.timeZone == "America/Toronto")
            let slot = try #require(slots.slots.first)
            #expect(slot.clinician == student.slug)

            let request = """
            {"type":"consultation","clinician":"api-student","start":"\(ISO8601DateFormatter().string(from: slot.start))",
             "name":"Jo Json","email":"jo@example.org","phone":"416-555-0100","dateOfBirth":"1991-02-03","consent":true}
            """
            let held = try await browser.postJSON("/api/v1/bookings", json: request)
            #expect(held.status == .accepted)
            #expect(held.body.string.contains(#""status":"received""#))
            let again = try await browser.postJSON("/api/v1/bookings", json: request.replacingOccurrences(of: "jo@example.org", with: "al@example.org"))
            #expect(again.status == .conflict)
            #expect(again.body.string.contains(#""alternatives":[{"#))

            try await clinic.deliverMail()
            let confirmToken = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/book/confirm/")
                .replacingOccurrences(of: "/book/confirm/", with: "")
            let confirmed = try await browser.postJSON("/api/v1/bookings/confirm", json: #"{"token":"\#(confirmToken)"}"#)
            #expect(confirmed.status == .ok)
            #expect(try await browser.postJSON("/api/v1/bookings/confirm", json: #"{"token":"\#(confirmToken)"}"#).status == .gone)
            #expect(try await browser.postJSON("/api/v1/bookings/confirm", json: #"{"token":"nope"}"#).status == .notFound)
            // A token the document allows (one or more characters) is looked up, whatever it holds: one
            // made of NUL alone (dropped before decoding) answers 404 like any unknown one, not 400.
            #expect(try await browser.postJSON("/api/v1/bookings/confirm", json: #"{"token":"\u0000"}"#).status == .notFound)
            #expect(try await browser.postJSON("/api/v1/bookings/cancel", json: #"{"": [], "token":"\u0000\u0000"}"#).status == .notFound)
            #expect(try await browser.postJSON("/api/v1/bookings/confirm", json: #"{}"#).status == .badRequest)
            #expect(try await browser.postJSON("/api/v1/bookings/confirm", json: #"{"token":"\#(String(repeating: "a", count: 101))"}"#).status == .badRequest)
            try await clinic.deliverMail()
            let manageToken = try clinic.link(in: try #require(clinic.mail.sent.last), containing: "/appointments/")
                .replacingOccurrences(of: "/appointments/", with: "")
            let cancelled = try await browser.postJSON("/api/v1/bookings/cancel", json: #"{"token":"\#(manageToken)"}"#)
            #expect(cancelled.status == .ok)
            #expect(cancelled.body.string.contains(#""status":"cancelled""#))
        }
    }

    @Test func the_staff_calendar_api_needs_a_session_and_shows_only_what_the_person_may_see() async throws {
        try await withClinic { clinic in
            let anonymous = Browser(app: clinic.app)
            #expect(try await anonymous.get("/api/v1/staff/appointments").status == .unauthorized)
            let mine = try await clinic.makeClinician(name: "Mine Student")
            let theirs = try await clinic.makeClinician(name: "Their Student")
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            for clinician in [mine, theirs] {
                try await BookingService.newAppointment(staffID: try clinician.requireID(), clientID: nil, kind: kind, start: clinic.tenOClock(inDays: 1),
                                                        locationID: nil, source: "test", now: clinic.clock.now).create(on: clinic.db)
            }
            let browser = Browser(app: clinic.app)
            try await browser.signIn(email: mine.email, password: "correct horse battery")
            let listed = try await browser.get("/api/v1/staff/appointments")
            #expect(listed.status == .ok)
            #expect(listed.body.string.contains("Mine Student"))
            #expect(!listed.body.string.contains("Their Student"))
            #expect(try await browser.get("/api/v1/staff/appointments?from=2026-13-01").status == .badRequest)
            let backwards = try await browser.get("/api/v1/staff/appointments?from=2026-12-31&to=2026-01-01")
            #expect(backwards.status == .ok)
            #expect(backwards.body.string == "[]")
        }
    }
}

@Suite struct BookingApprovalTests {
    @Test func with_staff_approval_on_a_request_waits_for_the_front_desk_then_is_confirmed_by_email() async throws {
        try await withClinic { clinic in
            try await BookingSettingsRow.query(on: clinic.db).set(\.$requireApproval, to: true).update()
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 3)
            let visitor = Browser(app: clinic.app)
            try await visitor.get("/waitlist")
            let sent = try await visitor.post("/book/details", form: BookingForm.fields(student, start: start))
            #expect(sent.location == "/book/requested")
            let requested = try #require(try await Appointment.query(on: clinic.db).first())
            #expect(requested.status == .requested)
            #expect(requested.holdExpiresAt == nil, "a request waits for staff, it does not lapse")
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.last?.subject.hasPrefix("We received your appointment request") == true)

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let page = try await desk.get("/staff/appointments/\(requested.id!.uuidString)")
            #expect(page.body.string.contains("Approve and send the confirmation"))
            let approved = try await desk.post("/staff/appointments/\(requested.id!.uuidString)/approve", form: ["decision": "approve"])
            #expect(approved.status == .seeOther)
            #expect(try await Appointment.find(requested.id, on: clinic.db)?.status == .confirmed)
            try await clinic.deliverMail()
            let confirmation = try #require(clinic.mail.sent.last)
            #expect(confirmation.subject.hasPrefix("Your appointment is confirmed"))
            #expect(confirmation.attachment != nil)
            #expect(try await desk.post("/staff/appointments/\(requested.id!.uuidString)/approve", form: ["decision": "approve"]).status == .conflict)
        }
    }
}


/// Findings of the review of the booking code, each pinned by a test.
@Suite struct BookingReviewTests {
    @Test func asking_for_a_time_that_overlaps_your_own_appointment_answers_as_usual_and_explains_by_email() async throws {
        try await withClinic { clinic in
            let first = try await clinic.makeClinician(name: "First Student")
            let second = try await clinic.makeClinician(name: "Second Student")
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            #expect(try await browser.post("/book/details", form: BookingForm.fields(first, start: start)).location == "/book/check-your-inbox")
            // Same person, same time, another clinician: the page cannot tell this from a hold.
            let again = try await browser.post("/book/details", form: BookingForm.fields(second, start: start))
            #expect(again.status == .seeOther)
            #expect(again.location == "/book/check-your-inbox")
            #expect(try await Appointment.query(on: clinic.db).count() == 1)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.last?.subject.hasPrefix("About the time you asked for") == true)
        }
    }

    @Test func a_parent_booking_for_two_children_with_one_address_gets_two_client_records() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let today = clinic.toronto.localDate(of: clinic.clock.now)
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            for (name, age, day) in [("Sam Child", 14, 3), ("Alex Child", 16, 4)] {
                var fields = BookingForm.fields(student, start: clinic.tenOClock(inDays: day), email: "parent@example.org",
                                                dateOfBirth: today.adding(days: -age * 366).description)
                fields["name"] = name
                fields["guardianName"] = "Pat Parent"
                fields["guardianPhone"] = "416-555-0123"
                #expect(try await browser.post("/book/details", form: fields).status == .seeOther)
            }
            let clients = try await ClientRecord.query(on: clinic.db).sort(\.$name).all()
            #expect(clients.map(\.name) == ["Alex Child", "Sam Child"])
        }
    }

    @Test func a_client_can_move_their_appointment_by_half_an_hour() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let start = clinic.tenOClock(inDays: 4)
            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: start, type: "assessment")
            // The 60-minute assessment plus its buffer would overlap itself at 10:30 if its own time counted.
            let later = start.addingTimeInterval(1800)
            let page = try await browser.get(manage + "/reschedule")
            #expect(page.body.string.contains("value=\"\(Int(later.timeIntervalSince1970))\""))
            #expect(try await browser.post(manage + "/reschedule", form: ["start": String(Int(later.timeIntervalSince1970))]).status == .ok)
            #expect(try await Appointment.query(on: clinic.db).first()?.startsAt == later)
        }
    }

    @Test func no_offer_goes_out_for_a_time_inside_the_notice_and_nothing_is_confirmed_once_it_has_begun() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let waiting = Browser(app: clinic.app)
            try await waiting.get("/waitlist")
            try await waiting.post("/waitlist", form: ["with": "reduced", "type": "consultation", "name": "Wren Waiting", "email": "wren@example.org",
                                                       "phone": "416-555-0177", "dateOfBirth": "1985-01-02", "consent": "yes"])
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: start)
            // Two hours before: a late cancellation, and too late to offer the time to anyone.
            clinic.clock.advance(by: start.timeIntervalSince(clinic.clock.now) - 2 * 3600)
            try await browser.get(manage)
            #expect(try await browser.post(manage + "/cancel", form: [:]).status == .ok)
            try await clinic.deliverMail()
            #expect(!clinic.mail.sent.contains { $0.to == "wren@example.org" })
            #expect(try await WaitlistEntry.query(on: clinic.db).first()?.status == .waiting)
        }
    }

    @Test func staff_cancelling_an_offer_puts_the_person_back_on_the_waitlist_without_a_cancellation_email() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let waiting = Browser(app: clinic.app)
            try await waiting.get("/waitlist")
            try await waiting.post("/waitlist", form: ["with": "reduced", "type": "consultation", "name": "Wren Waiting", "email": "wren@example.org",
                                                       "phone": "416-555-0177", "dateOfBirth": "1985-01-02", "consent": "yes"])
            let browser = Browser(app: clinic.app)
            let manage = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 5))
            try await browser.get(manage)
            try await browser.post(manage + "/cancel", form: [:])
            let offer = try #require(try await Appointment.query(on: clinic.db).filter(\.$status == .offered).first())
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/\(offer.id!.uuidString)")
            try await desk.post("/staff/appointments/\(offer.id!.uuidString)/cancel", form: [:])
            #expect(try await WaitlistEntry.query(on: clinic.db).first()?.status == .waiting)
            try await clinic.deliverMail()
            #expect(!clinic.mail.sent.contains { $0.to == "wren@example.org" && $0.subject.hasPrefix("Your appointment is cancelled") })
        }
    }

    @Test func emails_and_calendar_files_do_not_name_the_kind_of_therapy() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let browser = Browser(app: clinic.app)
            _ = try await clinic.bookAndConfirm(browser, therapist, start: clinic.tenOClock(inDays: 3), type: "assessment")
            let confirmation = try #require(clinic.mail.sent.last)
            for revealing in ["IPT assessment", "IPT session", "IPT-A", "adolescent"] {
                #expect(!confirmation.textBody.contains(revealing))
                #expect(confirmation.attachment?.content.contains(revealing) == false)
            }
        }
    }
}

// MARK: booking by day (issue 15)

extension TestClinic {
    /// A confirmed appointment written straight to the database, to fill a clinician's week.
    func addBooked(_ clinician: StaffUser, at start: Date, email: String) async throws {
        let client = try await addClient(name: "Booked Before", email: email)
        let kind = AppointmentKind.defaults[0]
        let appointment = BookingService.newAppointment(staffID: try clinician.requireID(), clientID: try client.requireID(), kind: kind,
                                                        start: start, locationID: nil, source: "test", now: clock.now)
        try await appointment.create(on: db)
    }
}

extension BookingTests {
    @Test func a_chosen_day_shows_its_times_as_chips_and_the_week_as_links() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician(slug: "one-student")
            let day = clinic.toronto.localDate(of: clinic.tenOClock(inDays: 3))
            let html = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=one-student&day=\(day)").body.string
            let ten = Int(clinic.tenOClock(inDays: 3).timeIntervalSince1970)
            #expect(html.contains(#"class="bk-chip" href="/book/details?type=consultation&amp;with=one-student&amp;clinician=\#(student.slug)&amp;start=\#(ten)""#))
            #expect(!html.contains("start=\(Int(clinic.tenOClock(inDays: 4).timeIntervalSince1970))"), "another day's times are not listed")
            #expect(html.contains(#"aria-current="date""#), "the chosen day is marked")
            #expect(html.contains("day=\(day.adding(days: day.weekday == .sunday ? -1 : 1))"), "the other days of the week are links")
            #expect(html.contains("week=\(day.startOfWeek.adding(days: 7))"), "next week")
            #expect(html.contains(#"aria-current="step""#) && html.contains("Choose a time"))
            // 9:00 to 16:30 every 30 minutes: sixteen chips, each time once.
            #expect(html.components(separatedBy: #"class="bk-chip""#).count - 1 == 16)
        }
    }

    @Test func a_day_without_times_is_greyed_with_words_and_the_week_opens_on_a_free_day() async throws {
        try await withClinic { clinic in
            _ = try await clinic.makeClinician(slug: "one-student")
            let html = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=one-student").body.string
            // Today cannot be booked (not the same day, 24 hours' notice): it reads "No times" or "Past", never a link.
            let today = clinic.toronto.localDate(of: clinic.clock.now)
            #expect(!html.contains("day=\(today)\""))
            #expect(html.contains(#"<span class="bk-day bk-day-none">"#))
            #expect(html.contains("No times"))
            #expect(html.contains(#"class="bk-day bk-day-chosen""#), "with no day asked, the first free day is chosen")
        }
    }

    @Test func weeks_of_time_off_open_the_page_on_the_first_free_day_after_them_and_an_asked_week_links_to_it() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician(slug: "one-student")
            let today = clinic.toronto.localDate(of: clinic.clock.now)
            let back = today.startOfWeek.adding(days: 21)  // the Monday three weeks on
            let off = AvailabilityExceptionRow()
            off.$staff.id = try student.requireID()
            off.kind = .unavailable
            off.startsAt = clinic.toronto.startOfDay(today)
            off.endsAt = clinic.toronto.startOfDay(back)
            off.note = "Leave"
            try await off.create(on: clinic.db)

            let opened = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=one-student").body.string
            let ten = Int(clinic.toronto.instant(back, 10 * 60)!.timeIntervalSince1970)
            #expect(opened.contains("start=\(ten)"), "the first free day, three weeks on, is chosen and its times shown")
            #expect(opened.components(separatedBy: #"class="bk-chip""#).count - 1 == 16)

            let asked = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=one-student&week=\(today.adding(days: 7))").body.string
            #expect(asked.contains("No free times") && asked.contains("day=\(back)") && asked.contains("Go to the next free day"))
            #expect(!asked.contains(#"class="bk-chip""#))

            let lastDay = today.adding(days: BookingRules().horizonDays)
            let beyond = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=one-student&week=\(lastDay.adding(days: 30))")
            #expect(beyond.status == .ok, "a week past the horizon shows the last bookable week")
        }
    }

    @Test func any_practicum_student_shows_one_set_of_times() async throws {
        try await withClinic { clinic in
            _ = try await clinic.makeClinician(name: "Amara Student", slug: "amara-student")
            _ = try await clinic.makeClinician(name: "Ben Student", slug: "ben-student")
            let day = clinic.toronto.localDate(of: clinic.tenOClock(inDays: 3))
            let html = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=reduced&day=\(day)").body.string
            let ten = Int(clinic.tenOClock(inDays: 3).timeIntervalSince1970)
            #expect(html.components(separatedBy: "start=\(ten)").count - 1 == 1, "two students free at ten make one chip")
            #expect(!html.contains("clinician="), "the group's chips name nobody; the server picks")
            #expect(html.components(separatedBy: #"class="bk-chip""#).count - 1 == 16)
            #expect(!html.contains("Amara Student") && !html.contains("Ben Student"))
        }
    }

    @Test func the_student_with_fewer_sessions_that_week_gets_the_booking() async throws {
        try await withClinic { clinic in
            let amara = try await clinic.makeClinician(name: "Amara Student", slug: "amara-student")
            let ben = try await clinic.makeClinician(name: "Ben Student", slug: "ben-student")
            // Amara already has a session that week; on a tie she would come first (by slug).
            try await clinic.addBooked(amara, at: clinic.tenOClock(inDays: 3, minute: 14 * 60), email: "earlier@example.org")
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            let form = try await browser.get("/book/details?type=consultation&with=reduced&start=\(Int(start.timeIntervalSince1970))")
            #expect(form.status == .ok)
            #expect(!form.body.string.contains(#"name="clinician""#), "nobody is picked before the person books")
            var fields = BookingForm.fields(amara, start: start)
            fields["clinician"] = nil
            let sent = try await browser.post("/book/details", form: fields)
            #expect(sent.status == .seeOther)
            let held = try #require(try await Appointment.query(on: clinic.db).filter(\.$status == .held).first())
            #expect(held.$staff.id == ben.id, "Ben had fewer sessions that week")
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.last?.textBody.contains("Ben Student") == true, "the email names who was picked")

            // Ben is now busy at ten: the next person booking ten goes to Amara, not a conflict.
            let second = Browser(app: clinic.app)
            try await second.get("/waitlist")
            var other = fields
            other["email"] = "someone.else@example.org"
            other["name"] = "Sam Other"
            #expect(try await second.post("/book/details", form: other).status == .seeOther)
            let both = try await Appointment.query(on: clinic.db).filter(\.$status == .held).all()
            #expect(Set(both.map(\.$staff.id)) == Set([amara.id!, ben.id!]))
            // Nobody is left at ten: a third gets the nearest times, as one set.
            let third = Browser(app: clinic.app)
            try await third.get("/waitlist")
            other["email"] = "third@example.org"
            other["name"] = "Third Person"
            let lost = try await third.post("/book/details", form: other)
            #expect(lost.status == .conflict)
            #expect(lost.body.string.contains("That time is no longer free"))
        }
    }

    @Test func an_under_18_without_parent_fields_is_refused_beside_the_field_with_input_kept() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            let born = clinic.toronto.localDate(of: clinic.clock.now).adding(days: -15 * 365)
            let refused = try await browser.post("/book/details", form: BookingForm.fields(student, start: clinic.tenOClock(inDays: 3), dateOfBirth: born.description))
            #expect(refused.status == .unprocessableEntity)
            let html = refused.body.string
            #expect(html.contains(#"id="error-guardianName""#) && html.contains("For someone under 18, enter a parent"))
            #expect(html.contains(#"id="error-guardianEmail""#))
            #expect(html.contains(#"value="Robin Example""#) && html.contains(#"value="\#(born)""#), "what was typed is kept")
            #expect(html.contains(#"id="bk-guardian""#) && html.contains("optional: needed only if the person is under 18"))
            #expect(try await Appointment.query(on: clinic.db).count() == 0)
        }
    }

    @Test func the_date_of_birth_hint_describes_a_typed_field() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let html = try await Browser(app: clinic.app).get(
                "/book/details?type=consultation&with=reduced&clinician=\(student.slug)&start=\(Int(clinic.tenOClock(inDays: 3).timeIntervalSince1970))").body.string
            #expect(html.contains(#"type="text" id="field-dateOfBirth""#), "a typed field, not a date picker")
            #expect(html.contains("Type it as year-month-day"))
            #expect(html.contains(#"src="/js/booking.js""#))
        }
    }

    @Test func the_phone_consultation_says_by_phone_in_email_and_calendar_and_carries_no_late_fee() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician(name: "Pat Student")
            let start = clinic.tenOClock(inDays: 3)
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            #expect(try await browser.post("/book/details", form: BookingForm.fields(student, start: start)).status == .seeOther)
            let inbox = try await browser.get("/book/check-your-inbox").body.string
            #expect(inbox.contains("robin@example.org"), "the address the link went to")
            #expect(inbox.contains("15 minutes") && inbox.contains(DateDisplay.range(start, start.addingTimeInterval(900), zone: clinic.toronto)))
            #expect(inbox.contains(#"aria-current="step""#))
            try await clinic.deliverMail()
            let hold = try #require(clinic.mail.sent.last)
            #expect(hold.textBody.contains("by phone"))
            let confirmPath = try clinic.link(in: hold, containing: "/book/confirm/")
            try await browser.get(confirmPath)
            let confirmed = try await browser.post(confirmPath, form: [:]).body.string
            #expect(confirmed.contains("Add to your calendar"))
            #expect(confirmed.contains("https://calendar.google.com/calendar/render?action=TEMPLATE"))
            #expect(confirmed.contains("https://outlook.live.com/calendar/0/action/compose"))
            #expect(confirmed.contains("location=By%20phone"))
            #expect(!confirmed.contains("consultation&amp;") && !confirmed.contains("Pat%20Student"), "the calendar links carry no type and no clinician")
            #expect(confirmed.contains("What happens next"))
            try await clinic.deliverMail()
            let email = try #require(clinic.mail.sent.last)
            #expect(email.textBody.contains("By phone"))
            #expect(!email.textBody.contains("carry a fee") && !email.textBody.lowercased().contains("late cancellation")
                   && !email.textBody.lowercased().contains("late-cancellation"), "no late-cancellation fee for a free call")
            let ics = try #require(email.attachment).content
            #expect(ics.contains("LOCATION:By phone"))
            #expect(ics.contains("DESCRIPTION:By phone"))
            // The .ics download from the confirmed page says the same.
            let manage = try clinic.link(in: email, containing: "/appointments/")
            let file = try await browser.get(manage + "/calendar.ics")
            #expect(file.status == .ok)
            #expect(file.headers.contentType?.subType == "calendar")
            #expect(file.body.string.contains("LOCATION:By phone") && file.body.string.contains("DTSTART:\(ICalendarWriter.utc(start))"))
            #expect(confirmed.contains(manage + "/calendar.ics"))
            // So does the page the manage link opens: it said "Clinic office".
            let page = try await browser.get(manage).body.string
            #expect(page.contains("By phone") && !page.contains("Clinic office"))
        }
    }

    @Test func a_paid_assessment_keeps_the_late_cancellation_notice() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let manage = try await clinic.bookAndConfirm(Browser(app: clinic.app), student, start: clinic.tenOClock(inDays: 3), type: "assessment")
            let email = try #require(clinic.mail.sent.last)
            #expect(email.textBody.contains("later cancellations may carry a fee"))
            #expect(!email.textBody.contains("By phone"))
            #expect(!manage.isEmpty)
        }
    }

    @Test func the_booking_page_shows_fee_avatar_and_whether_each_clinician_takes_new_clients() async throws {
        try await withClinic { clinic in
            _ = try await clinic.makeClinician(name: "Amara Student", slug: "amara-student")
            let full = try await clinic.makeClinician(tier: .full, name: "Dr. Jordan Full", role: .therapist, slug: "jordan-full")
            full.acceptingNewClients = false
            try await full.update(on: clinic.db)
            let html = try await Browser(app: clinic.app).get("/book").body.string
            #expect(html.contains(">AS<") && html.contains(">JF<"), "initials avatars")
            #expect(html.contains("$50.00 a session") && html.contains("$180.00 a session"))
            #expect(html.contains("Not taking new clients"))
            #expect(html.contains(#"value="jordan-full" disabled"#), "cannot be chosen")
            #expect(html.contains(#"aria-current="step""#))
        }
    }
}
