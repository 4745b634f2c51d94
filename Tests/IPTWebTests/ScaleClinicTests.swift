import Fluent
import Foundation
import IPTCore
@testable import IPTWeb
import Testing
import Vapor
import VaporTesting

/// The scale generator (issue 16 §7) at a few hundred clients: what it writes, the product reads.
@Suite struct ScaleClinicTests {
    @Test func a_generated_clinic_has_the_rows_asked_for_opens_a_chart_and_keeps_a_valid_audit_chain() async throws {
        try await withClinic { clinic in
            let size = ScaleClinic.Size(clients: 300)
            let auditBefore = try await AuditEvent.query(on: clinic.db).count()
            try await ScaleClinic.generate(size, app: clinic.app, log: { _ in })

            #expect(try await ClientRecord.query(on: clinic.db).count() == 300)
            #expect(try await MeasureResponse.query(on: clinic.db).count() == 3_000)
            #expect(try await SessionNoteRow.query(on: clinic.db).count() == 600)
            #expect(try await AuditEvent.query(on: clinic.db).count() == auditBefore + 60_000)
            #expect(try await CareTeamMember.query(on: clinic.db).count() == 300)
            #expect(try await ContractRow.query(on: clinic.db).count() == 300)
            #expect(try await FormulationRow.query(on: clinic.db).count() == 300)
            // A summary for every course whose last session was over a week ago; none for the
            // long-term client, whose course goes on.
            let now = clinic.clock.now
            let plan = ScaleClinic.Plan(size: size, now: now, zone: try await clinic.app.services.clinic.current(on: clinic.db).zone,
                                        keyRing: clinic.app.services.keyRing, officeID: nil, session: try await ScaleClinic.kind("ipt-session", on: clinic.db))
            let ended = (2...300).filter { client in
                let course = ScaleClinic.course(ofClient: client, size: size)
                return plan.start(week: course.firstWeek + course.sessions - 1, slot: course.slot).addingTimeInterval(7 * 86_400) < now
            }
            #expect(ended.count > 200)
            #expect(try await DischargeSummaryRow.query(on: clinic.db).count() == ended.count)
            #expect(try await DischargeSummaryRow.query(on: clinic.db).filter(\.$client.$id == ScaleClinic.clientID(1)).count() == 0)
            // Every course's sessions, and the long-term client's 200.
            let expected = (1...300).map { ScaleClinic.course(ofClient: $0, size: size).sessions }.reduce(0, +)
            #expect(try await Appointment.query(on: clinic.db).count() == expected)
            let longTerm = ScaleClinic.clientID(1)
            #expect(try await Appointment.query(on: clinic.db).filter(\.$client.$id == longTerm).count() == 200)
            // Reminders whose moment has passed count as sent, as in a running clinic: none is due
            // for any generated appointment when the clinic first starts.
            for appointment in try await Appointment.query(on: clinic.db).filter(\.$status == .confirmed).all() {
                let sent = Set(appointment.remindersSent.split(separator: ",").compactMap { Int($0) })
                #expect(ReminderSchedule.due(now: now, start: appointment.startsAt, bookedAt: appointment.updatedAt, alreadySent: sent).isEmpty)
            }
            #expect(ScaleClinic.remindersAlreadySent(start: now.addingTimeInterval(72 * 3600), now: now) == "")
            #expect(ScaleClinic.remindersAlreadySent(start: now.addingTimeInterval(30 * 3600), now: now) == "48")
            #expect(ScaleClinic.remindersAlreadySent(start: now.addingTimeInterval(10 * 3600), now: now) == "24,48")

            #expect(try await clinic.auditChainBreak() == nil)

            // The long-term client's clinician signs in with the bench password and opens the chart,
            // its notes (sealed by the generator, opened by the app) and the export.
            let browser = Browser(app: clinic.app)
            try await browser.signIn(email: ScaleClinic.clinicianEmail(1), password: ScaleClinic.benchPassword)
            let chart = try await browser.get("/staff/clients/\(longTerm.uuidString)/chart")
            #expect(chart.status == .ok)
            let notes = try await browser.get("/staff/clients/\(longTerm.uuidString)/notes")
            #expect(notes.status == .ok)
            let note = try await browser.get("/staff/clients/\(longTerm.uuidString)/notes/\(ScaleClinic.id(.note, 1, 0).uuidString)")
            #expect(note.status == .ok && note.body.string.contains("Reviewed symptoms"))
            let export = try await browser.get("/staff/clients/\(longTerm.uuidString)/record")
            #expect(export.status == .ok)
            let caseload = try await browser.get("/staff/clients")
            #expect(caseload.status == .ok)
            let progress = try await browser.get("/staff/clients/\(longTerm.uuidString)/progress")
            #expect(progress.status == .ok)

            // The director's outcomes page counts the generated courses: the last ten years, in
            // three-year views, hold every ended course once.
            let director = Browser(app: clinic.app)
            try await director.signIn(email: ScaleClinic.adminEmail, password: ScaleClinic.benchPassword)
            let outcomes = try await director.get("/staff/outcomes")
            #expect(outcomes.status == .ok)
            let zone = try await clinic.app.services.clinic.current(on: clinic.db).zone
            let today = zone.localDate(of: now)
            func month(_ index: Int) -> String { String(format: "%04d-%02d", index / 12, index % 12 + 1) }
            let thisMonth = today.year * 12 + today.month - 1
            var counted = 0
            for last in stride(from: thisMonth, to: thisMonth - 12 * 11, by: -36) {
                let period = try OutcomesPeriod.parse(from: month(last - 35), to: month(last), today: today).get()
                counted += try await OutcomesQueries.report(on: clinic.db, period: period, zone: zone, scope: .clinic, rule: .recordedByClinician,
                                                            keyRing: clinic.app.services.keyRing, instruments: clinic.app.services.instruments).courses
            }
            #expect(counted == ended.count)

            // The app extends the generated chain, and it still verifies.
            #expect(try await clinic.auditChainBreak() == nil)
        }
    }

    /// The calendar queries bound an appointment's start by `Appointment.longestSpan` (M062), so a
    /// longer row would drop out of the calendars: the database refuses it, on either engine.
    @Test func an_appointment_longer_than_the_longest_span_is_refused_by_the_database() async throws {
        try await withClinic { clinic in
            let clinician = try await clinic.makeClinician(tier: .full, name: "Tess Therapist", role: .therapist)
            let client = try await clinic.addClient(name: "Riley Tan", email: "riley@example.org", dateOfBirth: "1996-03-04")
            let kind = AppointmentKind(code: "ipt-session", name: "IPT session", durationMinutes: 50, bufferAfterMinutes: 10)
            let long = try BookingService.newAppointment(staffID: clinician.requireID(), clientID: client.requireID(), kind: kind,
                                                         start: clinic.clock.now, locationID: nil, source: "test", now: clinic.clock.now)
            long.blockedUntil = long.blockedFrom.addingTimeInterval(Appointment.longestSpan + 60)
            await #expect(throws: (any Error).self) { try await long.create(on: clinic.db) }

            let ordinary = try BookingService.newAppointment(staffID: clinician.requireID(), clientID: client.requireID(), kind: kind,
                                                             start: clinic.clock.now, locationID: nil, source: "test", now: clinic.clock.now)
            try await ordinary.create(on: clinic.db)
            ordinary.blockedUntil = ordinary.blockedFrom.addingTimeInterval(Appointment.longestSpan + 60)
            await #expect(throws: (any Error).self) { try await ordinary.save(on: clinic.db) }
        }
    }
}
