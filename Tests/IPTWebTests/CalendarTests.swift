import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

@Suite struct CalendarTests {
    /// A client and, for the course, the form a receptionist would send.
    static func courseForm(clinician: StaffUser, client: ClientRecord, first: LocalDate, onConflict: String) -> [String: String] {
        ["clinician": clinician.id!.uuidString, "client": client.id!.uuidString, "type": "ipt-session", "date": first.description,
         "time": "10:00", "weeks": "16", "onConflict": onConflict]
    }

    @Test func a_sixteen_week_course_with_a_clash_in_week_eleven_is_refused_or_booked_with_that_week_moved() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let client = try await makeClient(clinic)
            let other = try await makeClient(clinic, email: "other@example.org")
            let first = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 7).startOfWeek
            // Week 11 already has an appointment at 10:30 with someone else.
            let clashStart = clinic.toronto.instant(first.adding(days: 70), 10 * 60 + 30)!
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            try await BookingService.newAppointment(staffID: therapist.requireID(), clientID: other.requireID(), kind: kind, start: clashStart,
                                                    locationID: nil, source: "test", now: clinic.clock.now).create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/new")

            let refused = try await desk.post("/staff/appointments", form: Self.courseForm(clinician: therapist, client: client, first: first, onConflict: "refuse"))
            #expect(refused.status == .conflict)
            #expect(refused.body.string.contains("week 11"))
            #expect(try await Appointment.query(on: clinic.db).filter(\.$client.$id == client.id!).count() == 0, "nothing half-booked")

            let moved = try await desk.post("/staff/appointments", form: Self.courseForm(clinician: therapist, client: client, first: first, onConflict: "move"))
            #expect(moved.status == .seeOther)
            #expect(moved.location?.contains("moved=11") == true)
            let course = try await Appointment.query(on: clinic.db).filter(\.$client.$id == client.id!).sort(\.$seriesNumber).all()
            #expect(course.count == 16)
            #expect(course.map(\.seriesNumber) == Array(1...16).map { Optional($0) })
            for appointment in course where appointment.seriesNumber != 11 {
                #expect(clinic.toronto.wallClock(of: appointment.startsAt).minuteOfDay == 600, "10:00 every week, DST or not")
            }
            let eleventh = course[10]
            #expect(clinic.toronto.localDate(of: eleventh.startsAt).startOfWeek == first.adding(days: 70))
            #expect(eleventh.startsAt != clinic.toronto.instant(first.adding(days: 70), 600)!)
            let seriesPage = try await desk.get(moved.location!)
            #expect(seriesPage.status == .ok)
            #expect(seriesPage.body.string.contains("Week 11 moved"))

            // Each session can be cancelled on its own; shortening cancels the rest.
            try await desk.post("/staff/appointments/\(course[2].id!.uuidString)/cancel", form: [:])
            #expect(try await Appointment.find(course[2].id, on: clinic.db)?.status == .cancelled)
            try await desk.post("/staff/series/\(course[0].$series.id!.uuidString)/shorten", form: ["after": "12"])
            let live = try await Appointment.query(on: clinic.db).filter(\.$client.$id == client.id!).filter(\.$status == .confirmed).count()
            #expect(live == 11, "16 minus the cancelled third, minus weeks 13 to 16")
            try await desk.post("/staff/series/\(course[0].$series.id!.uuidString)/extend", form: ["count": "2"])
            let extended = try await Appointment.query(on: clinic.db).filter(\.$series.$id == course[0].$series.id!).sort(\.$seriesNumber, .descending).first()
            #expect(extended?.seriesNumber == 18)
        }
    }

    @Test func each_appointment_is_checked_against_who_is_asking() async throws {
        try await withClinic { clinic in
            let mine = try await clinic.makeClinician(name: "Sam Student")
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            let appointment = BookingService.newAppointment(staffID: try mine.requireID(), clientID: try client.requireID(), kind: kind,
                                                            start: clinic.tenOClock(inDays: 2), locationID: nil, source: "test", now: clinic.clock.now)
            try await appointment.create(on: clinic.db)
            let path = "/staff/appointments/\(appointment.id!.uuidString)"

            let (otherStudent, _) = try await clinic.signedIn(as: .student)
            #expect(try await otherStudent.get(path).status == .notFound, "another student's appointment looks like no appointment")
            #expect(try await otherStudent.get("/staff/calendar?clinician=\(mine.id!.uuidString)").status == .notFound)
            #expect(try await otherStudent.post(path + "/cancel", form: [:]).status == .notFound)
            #expect(try await Appointment.find(appointment.id, on: clinic.db)?.status == .confirmed)
            #expect(try await otherStudent.get("/staff/waitlist").status == .forbidden)

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let page = try await desk.get(path)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Casey Client"))
            let week = try await desk.get("/staff/calendar?date=\(clinic.toronto.localDate(of: appointment.startsAt))")
            #expect(week.body.string.contains("Casey Client"))

            let audit = try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "appointment").filter(\.$action == "view").count()
            #expect(audit >= 1, "opening an appointment is audited")
        }
    }

    @Test func the_client_gets_the_times_the_clinic_booked_in_one_email_when_the_box_is_ticked() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let client = try await makeClient(clinic)
            let first = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 7).startOfWeek
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let form = try await desk.get("/staff/appointments/new")
            #expect(form.body.string.contains(#"name="emailClient" value="yes" checked"#), "ticked unless the desk unticks it")
            var fields = Self.courseForm(clinician: therapist, client: client, first: first, onConflict: "refuse")
            fields["weeks"] = "3"
            fields["emailClient"] = "yes"
            #expect(try await desk.post("/staff/appointments", form: fields).status == .seeOther)
            try await clinic.deliverMail()
            let sent = clinic.mail.sent.filter { $0.to == "casey@example.org" }
            #expect(sent.count == 1, "one email for the whole course")
            let email = try #require(sent.first)
            #expect(email.subject.hasPrefix("Your 3 appointments are booked"))
            #expect(email.textBody.contains("Tess Therapist") && email.textBody.contains("/portal"))
            #expect(!email.textBody.contains("IPT"), "nothing clinical in a mailbox")
            let calendar = try #require(email.attachment?.content)
            #expect(calendar.components(separatedBy: "BEGIN:VEVENT").count - 1 == 3, "a calendar file with all three")

            // Unticked: booked, and nobody is emailed.
            let other = try await makeClient(clinic, email: "quiet@example.org")
            var quiet = Self.courseForm(clinician: therapist, client: other, first: first.adding(days: 1), onConflict: "refuse")
            quiet["weeks"] = "1"
            try await desk.get("/staff/appointments/new")
            #expect(try await desk.post("/staff/appointments", form: quiet).status == .seeOther)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.to == "quiet@example.org" }.isEmpty)
            #expect(try await Appointment.query(on: clinic.db).filter(\.$client.$id == other.id!).count() == 1)
        }
    }

    @Test func a_client_is_told_the_new_time_when_the_clinic_moves_an_appointment_it_booked() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            let booked = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                       start: clinic.tenOClock(inDays: 3), locationID: nil, source: "staff", now: clinic.clock.now)
            try await booked.create(on: clinic.db)
            #expect(booked.status == .confirmed && booked.manageTokenSealed == nil, "booked by the clinic: no link of its own")
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let path = "/staff/appointments/\(booked.id!.uuidString)"
            try await desk.get(path)
            let day = clinic.toronto.localDate(of: booked.startsAt).adding(days: 1)
            #expect(try await desk.post(path + "/move", form: ["date": day.description, "time": "11:00"]).status == .seeOther)
            try await clinic.deliverMail()
            let told = try #require(clinic.mail.sent.last { $0.to == "casey@example.org" })
            #expect(told.subject.hasPrefix("Your appointment has changed"))
            #expect(told.textBody.contains("11 a.m.") && told.textBody.contains("/portal"), "the new time, and where to change it")
            #expect(!told.textBody.contains("/appointments/"), "no manage link was ever made for it")
            #expect(told.attachment?.content.contains("/portal") == true, "the calendar file points to the portal, not to a link it never had")
        }
    }

    @Test func staff_moves_refuse_overlaps_and_blocked_time_is_not_bookable() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            let first = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                      start: clinic.tenOClock(inDays: 3), locationID: nil, source: "test", now: clinic.clock.now)
            try await first.create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let day = clinic.toronto.localDate(of: first.startsAt).adding(days: 1)
            try await desk.get("/staff/calendar/block")
            let blocked = try await desk.post("/staff/calendar/block", form: ["clinician": student.id!.uuidString, "date": day.description,
                                                                            "from": "09:00", "until": "12:00", "note": "Supervision"])
            #expect(blocked.status == .seeOther)
            let clash = try await desk.post("/staff/appointments/\(first.id!.uuidString)/move", form: ["date": day.description, "time": "10:00"])
            #expect(clash.status == .conflict)
            #expect(clash.body.string.contains("overlaps"))
            #expect(clash.body.string.contains(#"value="10:00""#), "the typed time is kept")
            let bad = try await desk.post("/staff/appointments/\(first.id!.uuidString)/move", form: ["date": "2027-02-31", "time": "25:00"])
            #expect(bad.status == .unprocessableEntity)
            let ok = try await desk.post("/staff/appointments/\(first.id!.uuidString)/move", form: ["date": day.description, "time": "13:00"])
            #expect(ok.status == .seeOther)
            #expect(try await Appointment.find(first.id, on: clinic.db)?.startsAt == clinic.toronto.instant(day, 13 * 60))
            // Online, the blocked morning offers nothing.
            let times = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=reduced&from=\(day)")
            let morning = clinic.toronto.instant(day, 10 * 60)!
            #expect(!times.body.string.contains("start=\(Int(morning.timeIntervalSince1970))"))
        }
    }

    @Test func the_calendar_feed_shows_initials_only_and_stops_when_revoked() async throws {
        try await withClinic { clinic in
            let (browser, me) = try await clinic.signedIn(as: .therapist)
            me.feeTier = FeeTierCode.full.rawValue
            try await me.update(on: clinic.db)
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            try await BookingService.newAppointment(staffID: try me.requireID(), clientID: try client.requireID(), kind: kind,
                                                    start: clinic.tenOClock(inDays: 2), locationID: nil, source: "test", now: clinic.clock.now).create(on: clinic.db)
            try await browser.get("/staff/account")
            let page = try await browser.post("/staff/account/calendar-feed", form: [:])
            let url = try #require(page.body.string.range(of: #"http://clinic\.test/calendar-feed/[A-Za-z0-9_\-]+\.ics"#, options: .regularExpression)
                .map { String(page.body.string[$0]) })
            let path = url.replacingOccurrences(of: "http://clinic.test", with: "")
            let anonymous = Browser(app: clinic.app)
            let feed = try await anonymous.get(path)
            #expect(feed.status == .ok)
            #expect(feed.headers.contentType?.subType == "calendar")
            #expect(feed.body.string.contains("SUMMARY:Client C. C."))
            #expect(!feed.body.string.contains("Casey"), "no names in the feed")
            #expect(!feed.body.string.contains("casey@example.org"))
            try await browser.post("/staff/account/calendar-feed/revoke", form: [:])
            #expect(try await anonymous.get(path).status == .notFound)
        }
    }

    @Test func removing_someone_with_an_offer_out_withdraws_it_and_passes_the_time_on() async throws {
        try await withClinic { clinic in
            let desk = try await twoWaitingAndAFreedConsultation(clinic)
            let offer = try #require(clinic.mail.sent.first { $0.to == "wait0@example.org" && $0.subject.hasPrefix("A time has opened up") })
            let first = try #require(try await WaitlistEntry.query(on: clinic.db).filter(\.$email == "wait0@example.org").first())
            try await desk.get("/staff/waitlist")
            #expect(try await desk.post("/staff/waitlist/\(first.id!.uuidString)/move", form: ["direction": "remove", "reason": "Found care elsewhere"]).status == .seeOther)
            // The removed person's link no longer books the time...
            let accept = try clinic.link(in: offer, containing: "/book/confirm/")
            let browser = Browser(app: clinic.app)
            try await browser.get(accept)
            #expect(try await browser.post(accept, form: [:]).status != .ok, "the offer of someone taken off the list still booked")
            #expect(try await WaitlistEntry.find(first.id, on: clinic.db)?.status == .removed)
            // ...which went to the next person at once.
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.contains { $0.to == "wait1@example.org" && $0.subject.hasPrefix("A time has opened up") })
        }
    }

    @Test func a_freed_time_is_offered_only_where_the_waiting_persons_appointment_fits_the_clinicians_hours() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            // Waiting for an hour-long assessment; the freed time is a 15-minute call at 16:30,
            // and the day ends at 17:00.
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            #expect(try await browser.post("/waitlist", form: [
                "with": "reduced", "type": "assessment", "name": "Long Wait", "email": "long@example.org", "phone": "416-555-0177",
                "dateOfBirth": "1985-01-02", "consent": "yes"]).status == .seeOther)
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "consultation", name: "Consultation", durationMinutes: 15)
            let call = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                     start: clinic.tenOClock(inDays: 4, minute: 16 * 60 + 30), locationID: nil, source: "staff", now: clinic.clock.now)
            try await call.create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/\(call.id!.uuidString)")
            try await desk.post("/staff/appointments/\(call.id!.uuidString)/cancel", form: [:])
            try await clinic.deliverMail()
            #expect(!clinic.mail.sent.contains { $0.to == "long@example.org" }, "an assessment running past the end of the day was offered")
            #expect(try await WaitlistEntry.query(on: clinic.db).first()?.status == .waiting)
        }
    }

    @Test func a_lapsed_offer_passes_to_the_next_person_and_reminders_go_48_and_24_hours_before() async throws {
        try await withClinic { clinic in
            _ = try await twoWaitingAndAFreedConsultation(clinic)
            #expect(clinic.mail.sent.contains { $0.to == "wait0@example.org" && $0.subject.hasPrefix("A time has opened up") })
            #expect(!clinic.mail.sent.contains { $0.to == "wait1@example.org" })

            clinic.clock.advance(by: 13 * 3600)
            try await ScheduleSweeper.run(app: clinic.app)
            try await clinic.deliverMail()
            let secondOffer = try #require(clinic.mail.sent.first { $0.to == "wait1@example.org" })
            #expect(secondOffer.subject.hasPrefix("A time has opened up"))
            let entries = try await WaitlistEntry.query(on: clinic.db).sort(\.$position).all()
            #expect(entries.map(\.status) == [.waiting, .offered], "the first person keeps their place for the next opening")

            // Accept, then the reminders: 48 hours before, then 24.
            let accept = try clinic.link(in: secondOffer, containing: "/book/confirm/")
            let browser = Browser(app: clinic.app)
            try await browser.get(accept)
            #expect(try await browser.post(accept, form: [:]).status == .ok)
            let booked = try #require(try await Appointment.query(on: clinic.db).filter(\.$status == .confirmed).first())
            clinic.clock.advance(by: booked.startsAt.timeIntervalSince(clinic.clock.now) - 47 * 3600)
            try await ScheduleSweeper.run(app: clinic.app)
            try await ScheduleSweeper.run(app: clinic.app)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.filter { $0.to == "wait1@example.org" && $0.subject.contains("in two days") }.count == 1)
            clinic.clock.advance(by: 24 * 3600)
            try await ScheduleSweeper.run(app: clinic.app)
            try await clinic.deliverMail()
            let reminder = try #require(clinic.mail.sent.last { $0.to == "wait1@example.org" && $0.subject.contains("tomorrow") })
            #expect(reminder.textBody.contains("Eastern Standard Time"))
            #expect(reminder.textBody.contains("/appointments/"), "the reminder carries the manage link")
        }
    }

    @Test func the_same_person_joining_the_waitlist_twice_keeps_one_place() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            try await browser.get("/waitlist")
            var form = ["with": "registered", "type": "assessment", "name": "Person", "email": "p@example.org", "phone": "416-555-0100",
                        "dateOfBirth": "1970-05-05", "consent": "yes", "days[]": "1"]
            #expect(try await browser.post("/waitlist", form: form).status == .seeOther)
            form["email"] = "P@Example.org"
            form["days[]"] = "3"
            form["phone"] = "416-555-0199"
            #expect(try await browser.post("/waitlist", form: form).status == .seeOther, "sent again: the same answer")
            let entries = try await WaitlistEntry.query(on: clinic.db).all()
            #expect(entries.count == 1, "a second entry would get a second offer")
            // Public input does not rewrite the entry: anyone knowing the address and birth date could.
            #expect(entries.first?.preference == WaitlistPreference(days: [.monday], parts: []) && entries.first?.phone == "416-555-0100")
            // A brother on the same family address is someone else.
            form["name"] = "Brother"
            form["dateOfBirth"] = "1975-01-01"
            #expect(try await browser.post("/waitlist", form: form).status == .seeOther)
            #expect(try await WaitlistEntry.query(on: clinic.db).count() == 2)
        }
    }

    @Test func reordering_the_waitlist_needs_a_reason_and_is_audited() async throws {
        try await withClinic { clinic in
            for index in 0..<2 {
                let browser = Browser(app: clinic.app)
                try await browser.get("/waitlist")
                try await browser.post("/waitlist", form: ["with": "registered", "type": "assessment", "name": "Person \(index)",
                                                           "email": "p\(index)@example.org", "phone": "416-555-0100", "dateOfBirth": "1970-05-05", "consent": "yes"])
            }
            let entries = try await WaitlistEntry.query(on: clinic.db).sort(\.$position).all()
            #expect(entries.count == 2)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/waitlist")
            let noReason = try await desk.post("/staff/waitlist/\(entries[1].id!.uuidString)/move", form: ["direction": "up", "reason": ""])
            #expect(noReason.status == .unprocessableEntity)
            let moved = try await desk.post("/staff/waitlist/\(entries[1].id!.uuidString)/move", form: ["direction": "up", "reason": "Urgent referral from GP"])
            #expect(moved.status == .seeOther)
            let order = try await WaitlistEntry.query(on: clinic.db).sort(\.$position).all().map(\.name)
            #expect(order == ["Person 1", "Person 0"])
            // The reason is kept sealed beside the entry; the trail, which is never deleted, names
            // the change and not what the desk wrote (it can be about someone's health).
            let change = try #require(try await WaitlistChange.query(on: clinic.db).first())
            #expect(change.$entry.id == entries[1].id && change.direction == "up" && change.$staff.id != nil)
            #expect(try clinic.app.services.keyRing.open(change.reasonSealed, WaitlistChange.reasonContext(change.id!)) == "Urgent referral from GP")
            // The whole phrase: its spaces never occur in the sealed text's base64, where two letters
            // such as "GP" turn up by chance in about one run in fifty.
            #expect(!change.reasonSealed.contains("Urgent referral from GP"))
            let audited = try #require(try await AuditEvent.query(on: clinic.db).filter(\.$recordType == "waitlist-entry").filter(\.$action == "update").first())
            #expect(audited.detail == "up, reason in waitlist change \(change.id!.uuidString)")
            #expect(audited.subject == nil, "no address in the permanent trail")
            let rejected = try await AuditEvent.query(on: clinic.db).all()
            #expect(!rejected.contains { ($0.detail ?? "").contains("referral") || ($0.subject ?? "").contains("@") })
        }
    }

    @Test func a_clinician_sets_weekly_hours_and_time_off_and_online_times_follow() async throws {
        try await withClinic { clinic in
            let (browser, me) = try await clinic.signedIn(as: .student)
            me.feeTier = FeeTierCode.reduced.rawValue
            me.isPublic = true
            me.acceptingNewClients = true
            me.slug = "hours-student"
            try await me.update(on: clinic.db)
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            try await browser.get("/staff/availability")
            let bad = try await browser.post("/staff/availability/weekly", form: ["clinician": me.id!.uuidString, "weekday": "\(day.weekday.rawValue)",
                                                                                 "from": "12:00", "until": "10:00"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("The end must be after the start"))
            let added = try await browser.post("/staff/availability/weekly", form: ["clinician": me.id!.uuidString, "weekday": "\(day.weekday.rawValue)",
                                                                                   "from": "10:00", "until": "12:00"])
            #expect(added.status == .seeOther)
            let times = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=hours-student&from=\(day)")
            let ten = Int(clinic.toronto.instant(day, 600)!.timeIntervalSince1970)
            #expect(times.body.string.contains("start=\(ten)"))
            // Time off that morning takes the times away.
            let off = try await browser.post("/staff/availability/exceptions", form: ["clinician": me.id!.uuidString, "kind": "unavailable",
                                                                                     "date": day.description, "from": "00:00", "until": "24:00", "note": "Conference"])
            #expect(off.status == .seeOther)
            let after = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=hours-student&from=\(day)")
            #expect(!after.body.string.contains("start=\(ten)"))
            // Another student cannot touch these hours.
            let (other, _) = try await clinic.signedIn(as: .student)
            let row = try #require(try await AvailabilityRow.query(on: clinic.db).filter(\.$staff.$id == me.id!).first())
            try await other.get("/staff/account")
            #expect(try await other.post("/staff/availability/weekly/\(row.id!.uuidString)/remove", form: [:]).status == .notFound)
            #expect(try await other.get("/staff/availability?clinician=\(me.id!.uuidString)").status == .notFound)
            #expect(try await AvailabilityRow.query(on: clinic.db).filter(\.$staff.$id == me.id!).count() == 1)
        }
    }
}

@Suite struct CalendarReviewTests {
    @Test func extending_a_course_by_one_week_leaves_the_clients_other_appointments_alone() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            let oneOff = BookingService.newAppointment(staffID: try therapist.requireID(), clientID: try client.requireID(), kind: kind,
                                                       start: clinic.tenOClock(inDays: 2, minute: 15 * 60), locationID: nil, source: "staff", now: clinic.clock.now)
            try await oneOff.create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/new")
            var form = CalendarTests.courseForm(clinician: therapist, client: client,
                                                first: clinic.toronto.localDate(of: clinic.clock.now).adding(days: 7).startOfWeek, onConflict: "refuse")
            form["weeks"] = "4"
            let booked = try await desk.post("/staff/appointments", form: form)
            let seriesPath = try #require(booked.location)
            try await desk.post(seriesPath + "/extend", form: ["count": "1"])
            let seriesID = try #require(try await Appointment.query(on: clinic.db).filter(\.$series.$id != nil).first()?.$series.id)
            let numbers = try await Appointment.query(on: clinic.db).filter(\.$series.$id == seriesID).sort(\.$seriesNumber).all().map(\.seriesNumber)
            #expect(numbers == [1, 2, 3, 4, 5])
            #expect(try await Appointment.find(oneOff.id, on: clinic.db)?.$series.id == nil, "the one-off stays out of the course")
            #expect(try await AppointmentSeries.query(on: clinic.db).count() == 1)
        }
    }

    @Test func a_course_is_refused_over_time_off() async throws {
        try await withClinic { clinic in
            let therapist = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let client = try await makeClient(clinic)
            let first = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 7).startOfWeek
            let off = AvailabilityExceptionRow()
            off.$staff.id = try therapist.requireID()
            off.kind = .unavailable
            off.startsAt = clinic.toronto.startOfDay(first.adding(days: 28))
            off.endsAt = clinic.toronto.startOfDay(first.adding(days: 35))
            off.note = "Holiday"
            try await off.create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/new")
            let refused = try await desk.post("/staff/appointments", form: CalendarTests.courseForm(clinician: therapist, client: client, first: first, onConflict: "refuse"))
            #expect(refused.status == .conflict)
            #expect(refused.body.string.contains("week 5"))
        }
    }

    @Test func a_student_cannot_book_or_even_list_another_clinicians_client() async throws {
        try await withClinic { clinic in
            let other = try await clinic.makeClinician(name: "Other Student")
            let client = try await makeClient(clinic, email: "private@example.org")
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            try await BookingService.newAppointment(staffID: try other.requireID(), clientID: try client.requireID(), kind: kind,
                                                    start: clinic.tenOClock(inDays: 2), locationID: nil, source: "staff", now: clinic.clock.now).create(on: clinic.db)
            let (student, me) = try await clinic.signedIn(as: .student)
            me.feeTier = FeeTierCode.reduced.rawValue
            try await me.update(on: clinic.db)
            let form = try await student.get("/staff/appointments/new")
            #expect(!form.body.string.contains("private@example.org"))
            let attempt = try await student.post("/staff/appointments", form: [
                "clinician": me.id!.uuidString, "client": client.id!.uuidString, "type": "ipt-session",
                "date": clinic.toronto.localDate(of: clinic.clock.now).adding(days: 5).description, "time": "10:00", "weeks": "1", "onConflict": "refuse"])
            #expect(attempt.status == .unprocessableEntity)
            #expect(try await Appointment.query(on: clinic.db).filter(\.$staff.$id == me.id!).count() == 0)
        }
    }

    @Test func an_attended_appointment_cannot_be_cancelled_or_moved_by_a_direct_request() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let client = try await makeClient(clinic)
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50)
            let past = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                     start: clinic.tenOClock(inDays: 1), locationID: nil, source: "staff", now: clinic.clock.now)
            past.status = Appointment.Status.attended
            try await past.create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            try await desk.get("/staff/appointments/\(past.id!.uuidString)")
            try await desk.post("/staff/appointments/\(past.id!.uuidString)/cancel", form: [:])
            #expect(try await Appointment.find(past.id, on: clinic.db)?.status == .attended)
            let move = try await desk.post("/staff/appointments/\(past.id!.uuidString)/move",
                                           form: ["date": clinic.toronto.localDate(of: clinic.clock.now).adding(days: 9).description, "time": "10:00"])
            #expect(move.status == .conflict)
            // A location that does not exist is a form error, not a database error.
            let form = try await desk.post("/staff/appointments", form: [
                "clinician": student.id!.uuidString, "client": client.id!.uuidString, "type": "ipt-session", "location": UUID().uuidString,
                "date": clinic.toronto.localDate(of: clinic.clock.now).adding(days: 5).description, "time": "10:00", "weeks": "1", "onConflict": "refuse"])
            #expect(form.status == .unprocessableEntity)
        }
    }
}

@Suite struct BookingSettingsTests {
    @Test func an_admin_changes_the_booking_rules_and_online_times_follow() async throws {
        try await withClinic { clinic in
            _ = try await clinic.makeClinician(slug: "rules-student")
            let (admin, _) = try await clinic.signedIn(as: .admin)
            try await admin.get("/staff/settings/booking")
            var form = ["minimumNoticeHours": "24", "horizonDays": "56", "gridMinutes": "7", "maxPerDay": "0", "holdMinutes": "15",
                        "cancelNoticeHours": "48", "lateFeeDollars": "60", "offerHours": "12", "measureEvery": "0", "notSameDay": "yes"]
            let refused = try await admin.post("/staff/settings/booking", form: form)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("divides the day evenly"))
            #expect(refused.body.string.contains(#"value="60""#), "typed values are kept")
            form["gridMinutes"] = "60"
            #expect(try await admin.post("/staff/settings/booking", form: form).status == .seeOther)
            let settings = try #require(try await BookingSettingsRow.query(on: clinic.db).first())
            #expect(settings.gridMinutes == 60 && settings.cancelNoticeHours == 48 && settings.lateCancelFeeCents == 6_000 && settings.maxPerDay == nil)
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let times = try await Browser(app: clinic.app).get("/book/times?type=consultation&with=rules-student&from=\(day)").body.string
            #expect(times.contains("start=\(Int(clinic.toronto.instant(day, 600)!.timeIntervalSince1970))"))
            #expect(!times.contains("start=\(Int(clinic.toronto.instant(day, 630)!.timeIntervalSince1970))"), "no half hours on a 60-minute grid")
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/settings/booking").status == .forbidden)
        }
    }
}

@Suite struct FeesAndTypesTests {
    @Test func an_admin_edits_a_type_and_its_fees_and_online_booking_follows() async throws {
        try await withClinic { clinic in
            _ = try await clinic.makeClinician(slug: "fees-student")
            let (admin, _) = try await clinic.signedIn(as: .admin)
            try await admin.get("/staff/settings/appointment-types")
            var form = ["duration": "30", "before": "0", "after": "0", "offer-reduced": "yes", "fee-reduced": "12.345", "online": "yes"]
            let refused = try await admin.post("/staff/settings/appointment-types/consultation", form: form)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("enter an amount in dollars"))
            form["fee-reduced"] = "25"
            #expect(try await admin.post("/staff/settings/appointment-types/consultation", form: form).status == .seeOther)
            let setup = try await SchedulingQueries.setup(on: clinic.db, clinic: .defaults)
            #expect(setup.kind("consultation")?.durationMinutes == 30)
            #expect(setup.kind("consultation")?.offeredBy == [.reduced])
            #expect(setup.fees.fee(tier: .reduced, kindCode: "consultation")?.cents == 2_500)
            #expect(setup.fees.fee(tier: .full, kindCode: "consultation") == nil)
            // Unticking online booking takes it off the public pages.
            form["online"] = nil
            try await admin.post("/staff/settings/appointment-types/consultation", form: form)
            #expect(try await Browser(app: clinic.app).get("/book/times?type=consultation&with=reduced").status == .badRequest)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            #expect(try await desk.get("/staff/settings/appointment-types").status == .forbidden)
        }
    }

    @Test func the_director_sets_a_sliding_scale_that_lowers_the_fee_and_the_desk_cannot() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let browser = Browser(app: clinic.app)
            _ = try await clinic.bookAndConfirm(browser, student, start: clinic.tenOClock(inDays: 3), type: "assessment")
            let appointment = try #require(try await Appointment.query(on: clinic.db).first())
            let full = try #require(appointment.feeCents)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let deskPage = try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(!deskPage.body.string.contains("Set the reduction"))
            // The desk could take a fee to nothing here; a price is the director's decision.
            #expect(try await desk.post("/staff/appointments/\(appointment.id!.uuidString)/sliding-scale", form: ["percent": "100"]).status == .forbidden)
            #expect(try await Appointment.find(appointment.id, on: clinic.db)?.feeCents == full)
            let (director, _) = try await clinic.signedIn(as: .admin)
            try await director.get("/staff/appointments/\(appointment.id!.uuidString)")
            #expect(try await director.post("/staff/appointments/\(appointment.id!.uuidString)/sliding-scale", form: ["percent": "150"]).status == .unprocessableEntity)
            #expect(try await director.post("/staff/appointments/\(appointment.id!.uuidString)/sliding-scale", form: ["percent": "40"]).status == .seeOther)
            #expect(try await Appointment.find(appointment.id, on: clinic.db)?.feeCents == (full * 60 + 49) / 100)
            #expect(try await ClientRecord.query(on: clinic.db).first()?.slidingScalePercent == 40)
            let (studentBrowser, _) = try await clinic.signedIn(as: .student)
            #expect(try await studentBrowser.post("/staff/appointments/\(appointment.id!.uuidString)/sliding-scale", form: ["percent": "90"]).status == .forbidden)
        }
    }
}

/// The calendar as a time grid: empty times book, dragging moves, and access is unchanged.
@Suite struct CalendarGridTests {
    static let json: HTTPHeaders = ["Accept": "application/json"]

    @Test func an_empty_time_on_the_grid_opens_the_new_appointment_form_prefilled() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician(name: "Sam Student")
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let id = student.id!.uuidString
            let page = try await desk.get("/staff/calendar?view=day&clinician=\(id)&date=\(day)")
            #expect(page.status == .ok)
            let slot = "/staff/appointments/new?clinician=\(id)&amp;date=\(day)&amp;time=10%3A30"
            #expect(page.body.string.contains(#"href="\#(slot)""#), "each free quarter hour links to the form")
            let form = try await desk.get(slot.replacingOccurrences(of: "&amp;", with: "&"))
            #expect(form.status == .ok)
            let html = form.body.string
            #expect(html.contains(#"name="time" value="10:30""#) || html.contains(#"value="10:30""#))
            #expect(html.contains(#"value="\#(day)""#))
            #expect(html.contains(#"<option value="\#(id)" selected"#))
        }
    }

    @Test func working_hours_time_off_and_a_day_without_hours_show_on_the_grid() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician(name: "Sam Student")
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let off = AvailabilityExceptionRow()
            off.$staff.id = try student.requireID()
            off.kind = .unavailable
            off.startsAt = clinic.toronto.startOfDay(day.adding(days: 1))
            off.endsAt = clinic.toronto.startOfDay(day.adding(days: 2))
            off.note = "Conference"
            try await off.create(on: clinic.db)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let id = student.id!.uuidString
            let working = try await desk.get("/staff/calendar?view=day&clinician=\(id)&date=\(day)").body.string
            #expect(working.contains("9 a.m. to 5 p.m."), "the day's hours are named in the column head")
            #expect(working.contains("cal-work cal-at-13 cal-span-96"), "9:00 to 17:00 shaded on a grid that starts at 8:00")
            let away = try await desk.get("/staff/calendar?view=day&clinician=\(id)&date=\(day.adding(days: 1))").body.string
            #expect(away.contains("No hours this day"))
            #expect(away.contains("Time off"))
            #expect(!away.contains(">Free<"))
        }
    }

    @Test func dragging_an_appointment_moves_it_and_a_clash_answers_with_the_free_times_nearby() async throws {
        try await withClinic { clinic in
            let student = try await clinic.makeClinician()
            let client = try await makeClient(clinic)
            let other = try await makeClient(clinic, email: "other@example.org")
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            let mine = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                     start: clinic.tenOClock(inDays: 3), locationID: nil, source: "test", now: clinic.clock.now)
            try await mine.create(on: clinic.db)
            try await BookingService.newAppointment(staffID: try student.requireID(), clientID: try other.requireID(), kind: kind,
                                                    start: clinic.tenOClock(inDays: 3, minute: 14 * 60), locationID: nil, source: "test",
                                                    now: clinic.clock.now).create(on: clinic.db)
            let day = clinic.toronto.localDate(of: mine.startsAt)
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let grid = try await desk.get("/staff/calendar?view=day&date=\(day)").body.string
            let movePath = "/staff/appointments/\(mine.id!.uuidString)/move"
            #expect(grid.contains(#"data-move="\#(movePath)""#), "a future appointment can be dragged")

            let clash = try await desk.post(movePath, form: ["date": day.description, "time": "14:15"], headers: Self.json)
            #expect(clash.status == .conflict)
            #expect(clash.headers.contentType == .json)
            let refusal = try clash.content.decode(CalendarController.MoveAnswer.Reply.self)
            #expect(!refusal.ok && refusal.message.contains("overlaps"))
            #expect(!refusal.alternatives.isEmpty, "the free times nearby come with the refusal")
            #expect(refusal.alternatives.allSatisfy { LocalDate(iso: $0.date) != nil && LocalTime(formValue: $0.time) != nil && !$0.label.isEmpty })
            #expect(try await Appointment.find(mine.id, on: clinic.db)?.startsAt == clinic.tenOClock(inDays: 3))

            let moved = try await desk.post(movePath, form: ["date": day.description, "time": "11:30"], headers: Self.json)
            #expect(moved.status == .ok)
            #expect(try moved.content.decode(CalendarController.MoveAnswer.Reply.self).ok)
            #expect(try await Appointment.find(mine.id, on: clinic.db)?.startsAt == clinic.tenOClock(inDays: 3, minute: 11 * 60 + 30))

            // One of the alternatives offered really is free: moving there succeeds.
            let alternative = try #require(refusal.alternatives.first)
            let taken = try await desk.post(movePath, form: ["date": alternative.date, "time": alternative.time], headers: Self.json)
            #expect(taken.status == .ok)

            // Without the JSON header the same move answers as before, with the form page.
            let page = try await desk.post(movePath, form: ["date": day.description, "time": "14:15"])
            #expect(page.status == .conflict)
            #expect(page.body.string.contains(#"value="14:15""#))

            // Someone else's appointment stays out of reach, JSON or not.
            let (stranger, _) = try await clinic.signedIn(as: .student)
            try await stranger.get("/staff/account")
            #expect(try await stranger.post(movePath, form: ["date": day.description, "time": "16:00"], headers: Self.json).status == .notFound)
            #expect(try await Appointment.find(mine.id, on: clinic.db)?.startsAt != clinic.tenOClock(inDays: 3, minute: 16 * 60))
        }
    }

    /// What each appointment shows on the grid, and which are left off it.
    @Test func the_week_names_each_appointments_client_and_kind_and_leaves_off_lapsed_expired_and_declined() async throws {
        try await withClinic { clinic in
            let ada = try await clinic.makeClinician(name: "Ada Alpha")
            let bea = try await clinic.makeClinician(name: "Bea Beta")
            func client(_ name: String) async throws -> UUID {
                try await clinic.addClient(name: name, email: name.lowercased().replacingOccurrences(of: " ", with: ".") + "@example.org").requireID()
            }
            let booked = try await clinic.addAppointment(client: client("Cal Confirmed"), clinician: ada, start: clinic.tenOClock(inDays: 1))
            let held = try await clinic.addAppointment(client: client("Hal Held"), clinician: ada, start: clinic.tenOClock(inDays: 1, minute: 720), status: .held)
            held.holdExpiresAt = clinic.clock.now.addingTimeInterval(3_600)
            try await held.update(on: clinic.db)
            let lapsed = try await clinic.addAppointment(client: client("Lou Lapsed"), clinician: ada, start: clinic.tenOClock(inDays: 1, minute: 840), status: .held)
            lapsed.holdExpiresAt = clinic.clock.now.addingTimeInterval(-60)
            try await lapsed.update(on: clinic.db)
            try await clinic.addAppointment(client: client("Eve Expired"), clinician: ada, start: clinic.tenOClock(inDays: 1, minute: 900), status: .expired)
            try await clinic.addAppointment(client: client("Dee Declined"), clinician: ada, start: clinic.tenOClock(inDays: 1, minute: 960), status: .declined)
            try await clinic.addAppointment(client: client("Bo Other"), clinician: bea, start: clinic.tenOClock(inDays: 1))
            let block = try await clinic.addAppointment(client: client("Nobody"), clinician: ada, start: clinic.tenOClock(inDays: 2), status: .blocked)
            block.$client.id = nil
            block.typeCode = nil
            block.blockNote = "Team meeting"
            try await block.update(on: clinic.db)

            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let day = clinic.toronto.localDate(of: clinic.clock.now)
            let week = try await desk.get("/staff/calendar?view=week&clinician=\(ada.id!.uuidString)&date=\(day)").body.string
            #expect(week.contains("Cal Confirmed") && week.contains("/staff/appointments/\(booked.id!.uuidString)"))
            #expect(week.contains("Hal Held"), "a hold still running")
            #expect(week.contains("Blocked") && week.contains("Team meeting"))
            for gone in ["Lou Lapsed", "Eve Expired", "Dee Declined", "Bo Other"] { #expect(!week.contains(gone), "\(gone) is not on Ada's week") }
            #expect(week.range(of: "Cal Confirmed")!.lowerBound < week.range(of: "Hal Held")!.lowerBound, "in time order")
        }
    }

    @Test func the_week_shows_one_clinician_with_a_switcher_and_the_day_shows_everyone() async throws {
        try await withClinic { clinic in
            let first = try await clinic.makeClinician(name: "Ada Alpha")
            let second = try await clinic.makeClinician(name: "Bea Beta")
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let everyone = try await desk.get("/staff/calendar?date=\(day)").body.string
            #expect(everyone.contains("Ada Alpha") && everyone.contains("Bea Beta"))
            #expect(everyone.contains("clinician=\(second.id!.uuidString)&amp;date=\(day)&amp;time=09%3A00"), "the day view has a column per clinician")
            let week = try await desk.get("/staff/calendar?view=week&clinician=\(first.id!.uuidString)&date=\(day)").body.string
            #expect(week.contains(#"aria-current="true">Ada Alpha"#))
            #expect(!week.contains("clinician=\(second.id!.uuidString)&amp;date=\(day)&amp;time="), "only Ada's times in her week")
        }
    }

    /// Whose calendars a person may open is asked of the database by id for a clinician (a large
    /// clinic's 193 need not be read to keep one): a supervisor gets their own and their
    /// supervisees', a therapist their own, the desk everyone's.
    @Test func a_supervisor_sees_their_own_and_their_supervisees_calendars_and_a_therapist_only_their_own() async throws {
        try await withClinic { clinic in
            let supervisor = try await clinic.makeClinician(tier: .full, name: "Sue Supervisor", role: .supervisor)
            let student = try await clinic.makeClinician(name: "Stu Student")
            student.$supervisor.id = supervisor.id
            try await student.save(on: clinic.db)
            let other = try await clinic.makeClinician(tier: .full, name: "Oda Other", role: .therapist)
            let inactive = try await clinic.makeClinician(name: "Ina Inactive")
            inactive.isActive = false
            try await inactive.save(on: clinic.db)
            func visible(_ user: StaffUser) async throws -> Set<UUID> {
                let staff = CurrentStaff(id: try user.requireID(), name: user.name, email: user.email, role: user.role, sessionID: UUID(), csrfToken: "")
                return Set(try await ScheduleAccess.load(staff, on: clinic.db).visibleClinicians(at: clinic.clock.now, on: clinic.db).map(\.id))
            }
            #expect(try await visible(supervisor) == [supervisor.id!, student.id!])
            #expect(try await visible(other) == [other.id!])
            let desk = try await clinic.makeStaff(.receptionist)
            #expect(try await visible(desk) == [supervisor.id!, student.id!, other.id!], "everyone active with a calendar")
            let browser = Browser(app: clinic.app)
            try await browser.signIn(email: supervisor.email, password: "correct horse battery")
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            let page = try await browser.get("/staff/calendar?view=day&date=\(day)").body.string
            #expect(page.contains("Stu Student") && page.contains("Sue Supervisor") && !page.contains("Oda Other"))
        }
    }

    @Test func everyones_day_in_a_large_clinic_shows_eight_clinicians_a_page_and_the_date_links_keep_the_page() async throws {
        try await withClinic { clinic in
            var staff: [StaffUser] = []
            for number in 1...12 { staff.append(try await clinic.makeClinician(name: "Clinician \(String(format: "%02d", number))")) }
            let (desk, _) = try await clinic.signedIn(as: .receptionist)
            let day = clinic.toronto.localDate(of: clinic.clock.now).adding(days: 3)
            func columns(_ page: String) -> Set<UUID> {
                Set(staff.compactMap { member in page.contains("clinician=\(member.id!.uuidString)&amp;date=\(day)&amp;time=") ? member.id : nil })
            }
            let first = try await desk.get("/staff/calendar?view=day&date=\(day)").body.string
            #expect(columns(first).count == CalendarController.dayColumnsPerPage)
            #expect(first.contains("Clinicians 1 to 8 of 12") && first.contains("page=2") && !first.contains("Previous clinicians"))
            let second = try await desk.get("/staff/calendar?view=day&date=\(day)&clinician=all&page=2").body.string
            #expect(columns(second).count == 4 && columns(first).isDisjoint(with: columns(second)), "the other four, once each")
            #expect(second.contains("Clinicians 9 to 12 of 12") && second.contains("Previous clinicians") && !second.contains("Next clinicians"))
            #expect(second.contains(#"name="page" value="2""#), "choosing another date in the form stays on these clinicians")
            #expect(second.contains("date=\(day.adding(days: 1))&amp;clinician=all&amp;page=2"), "the next day stays on these clinicians")
            for odd in ["0", "99", "two", "-3"] {
                let page = try await desk.get("/staff/calendar?view=day&date=\(day)&page=\(odd)")
                #expect(page.status == .ok && columns(page.body.string).count >= 2, "page=\(odd) shows a page, not an error")
            }
            let one = try await desk.get("/staff/calendar?view=day&date=\(day)&clinician=\(staff[11].id!.uuidString)").body.string
            #expect(columns(one) == [staff[11].id!] && !one.contains("Clinicians 1 to"), "one clinician's day needs no pages")
        }
    }
}

/// A client made the way a booking makes one (the calendar's suites share it).
/// Two people on the reduced-rate waitlist for a consultation (wait0@, then wait1@), and a
/// consultation in four days that the front desk cancels, freeing its time; returns the desk.
private func twoWaitingAndAFreedConsultation(_ clinic: TestClinic) async throws -> Browser {
    let student = try await clinic.makeClinician()
    for (index, name) in ["First Waiting", "Second Waiting"].enumerated() {
        let browser = Browser(app: clinic.app)
        try await browser.get("/waitlist")
        #expect(try await browser.post("/waitlist", form: [
            "with": "reduced", "type": "consultation", "name": name, "email": "wait\(index)@example.org", "phone": "416-555-0177",
            "dateOfBirth": "1985-01-02", "consent": "yes"]).status == .seeOther)
    }
    let client = try await makeClient(clinic)
    let kind = AppointmentKind(code: "consultation", name: "Consultation", durationMinutes: 15, bufferAfterMinutes: 15)
    let appointment = BookingService.newAppointment(staffID: try student.requireID(), clientID: try client.requireID(), kind: kind,
                                                    start: clinic.tenOClock(inDays: 4), locationID: nil, source: "staff", now: clinic.clock.now)
    try await appointment.create(on: clinic.db)
    let (desk, _) = try await clinic.signedIn(as: .receptionist)
    try await desk.get("/staff/appointments/\(appointment.id!.uuidString)")
    try await desk.post("/staff/appointments/\(appointment.id!.uuidString)/cancel", form: [:])
    try await clinic.deliverMail()
    return desk
}

private func makeClient(_ clinic: TestClinic, email: String = "casey@example.org") async throws -> ClientRecord {
    let details = try BookingDetails.validate(
        BookingDetailsDraft(name: "Casey Client", email: email, phone: "416-555-0111", dateOfBirth: "1988-08-08", consent: true),
        today: clinic.toronto.localDate(of: clinic.clock.now)).get()
    return try await BookingService.newClient(details, now: clinic.clock.now, on: clinic.db)
}
