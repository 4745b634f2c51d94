import Fluent
import SQLKit
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Offers freed times to the waitlist, one person at a time, each offer expiring.
struct WaitlistService {
    let request: Request

    /// Offers the time starting at `start` with this clinician to the first waiting person whose
    /// wishes match and who has not already been offered it. Nothing happens if nobody matches.
    func offerFreedTime(staffID: UUID, start: Date, setup: BookingSetup) async throws {
        try await Self.offerFreedTime(staffID: staffID, start: start, setup: setup, database: request.db, services: request.services,
                                      now: request.now, audit: { try await request.audit(.create, recordType: "waitlist-offer", recordID: $0, detail: "offer sent") })
        request.nudgeOutbox()
    }

    static func offerFreedTime(staffID: UUID, start: Date, setup: BookingSetup, database: any Database, services: AppServices, now: Date,
                               audit: @Sendable (String) async throws -> Void) async throws {
        // A time inside the booking notice is not offered: nobody could book it online either, and an
        // offer must be answerable before the appointment starts.
        let noticeEnds = now.addingTimeInterval(TimeInterval(setup.rules.minimumNoticeHours * 3600))
        guard start > noticeEnds, let clinician = try await StaffUser.find(staffID, on: database), clinician.isActive,
              let tier = clinician.feeTier.flatMap(FeeTierCode.init(rawValue:)) else { return }
        let offerEnds = min(now.addingTimeInterval(TimeInterval(setup.offerHours * 3600)),
                            start.addingTimeInterval(-TimeInterval(setup.rules.minimumNoticeHours * 3600)))
        let group = tier == .reduced ? "reduced" : "registered"
        // People already offered this very time (and who let it go) are skipped.
        let previousOffers = try await Appointment.query(on: database)
            .filter(\.$staff.$id == staffID).filter(\.$startsAt == start).filter(\.$source == "waitlist").all()
        let skipped = Set(previousOffers.compactMap(\.id))
        let waiting = try await WaitlistEntry.query(on: database).filter(\.$status == WaitlistEntry.Status.waiting)
            .sort(\.$position).all()
        let clinic = try await services.clinic.current(on: database)
        let context = SchedulingMail.Context(clinic: clinic, zone: setup.zone, baseURL: services.settings.publicBaseURL, now: now,
                                             noticeHours: setup.cancellation.noticeHours)
        for entry in waiting {
            guard entry.$staff.id == staffID || (entry.$staff.id == nil && entry.tierCode == group),
                  let kind = setup.kind(entry.typeCode), kind.offeredBy.contains(tier),
                  entry.preference.accepts(start, in: setup.zone),
                  !(entry.$offerAppointment.id.map(skipped.contains) ?? false)
            else { continue }
            let token = SecureToken.make()
            let offered = try? await database.writeTransaction { db -> UUID? in
                // The freed time must be one the public could book for this kind: within the
                // clinician's hours and not in time off, with its buffers and the day's limits (a
                // 15-minute call freed at 19:30 is no 60-minute assessment in a day ending at 20:00),
                // and at the place that slot is at.
                let day = setup.zone.localDate(of: start)
                let window = Interval(start: setup.zone.startOfDay(day.adding(days: -1)), end: setup.zone.startOfDay(day.adding(days: 2)))
                let calendars = try await SchedulingQueries.calendars(for: [staffID], window: window, now: now, on: db)
                guard let slot = SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: day, through: day, now: now)
                    .first(where: { $0.start == start }) else { return nil }
                guard let details = try? BookingDetails.validate(entry.bookingDraft, today: setup.zone.localDate(of: now)).get() else { return nil }
                let client = try await BookingService.newClient(details, now: now, on: db)
                let appointment = BookingService.newAppointment(staffID: staffID, clientID: try client.requireID(), kind: kind, start: start,
                                                                locationID: slot.locationID, source: "waitlist", now: now)
                appointment.status = Appointment.Status.offered
                appointment.holdExpiresAt = offerEnds
                appointment.confirmTokenHash = HexDigest.sha256(token)
                if let fee = setup.fees.fee(tier: tier, kindCode: kind.code, reductionPercent: client.slidingScalePercent) {
                    appointment.feeCents = fee.cents
                    appointment.currency = fee.currency
                }
                try await appointment.create(on: db)
                entry.status = WaitlistEntry.Status.offered
                entry.$offerAppointment.id = appointment.id
                entry.offerExpiresAt = appointment.holdExpiresAt
                try await entry.update(on: db)
                try await SchedulingMail.offer(to: entry.email, when: DateDisplay.range(start, appointment.endsAt, zone: setup.zone),
                                               clinicianName: clinician.name, token: token, until: DateDisplay.when(offerEnds, zone: setup.zone),
                                               context: context, on: db)
                return appointment.id
            }
            if let id = offered {
                try await audit(id.uuidString)
                return
            }
        }
    }
}

extension WaitlistEntry {
    /// The details a waitlist entry holds, as a booking form would have sent them.
    var bookingDraft: BookingDetailsDraft {
        BookingDetailsDraft(name: name, email: email, phone: phone, dateOfBirth: dateOfBirth, guardianName: guardianName,
                            guardianEmail: guardianEmail, guardianPhone: guardianPhone, consent: true)
    }
}

/// Background upkeep of the schedule: lapsed holds, lapsed waitlist offers (passed to the next
/// person) and the 48- and 24-hour reminders. Runs every minute on every instance; each step is a
/// conditional update, so two instances doing it at once do no harm.
enum ScheduleSweeper {
    static func run(app: Application) async throws {
        let services = app.services
        let now = services.settings.clock.now()
        let database = app.db
        let clinic = try await services.clinic.current(on: database)
        let setup = try await SchedulingQueries.setup(on: database, clinic: clinic)
        try await database.writeTransaction { db in
            try await BookingService.releaseLapsedHolds(staffID: nil, now: now, on: db)
        }
        // Offers that ran out: the person goes back to waiting, the time to the next person.
        let lapsed = try await Appointment.query(on: database).filter(\.$status == Appointment.Status.offered)
            .filter(\.$holdExpiresAt <= now).all()
        for offer in lapsed {
            guard let id = offer.id else { continue }
            let released = try await database.writeTransaction { db -> Bool in
                // One instance passes the offer on: the one whose update expired it (a count and then
                // an update let two instances both pass it on, on PostgreSQL).
                guard try await db.updateWhileStatus(Appointment.schema, id: id, statusIn: [Appointment.Status.offered], set: [
                    ("status", Appointment.Status.expired), ("updated_at", now),
                ]) else { return false }
                try await WaitlistEntry.query(on: db).set(\.$status, to: WaitlistEntry.Status.waiting)
                    .filter(\.$offerAppointment.$id == id).filter(\.$status == WaitlistEntry.Status.offered).update()
                return true
            }
            if released {
                try await WaitlistService.offerFreedTime(staffID: offer.$staff.id, start: offer.startsAt, setup: setup, database: database,
                                                         services: services, now: now, audit: { id in
                    try await app.auditWriter.record(AuditEntry(actorID: nil, actorLabel: "scheduler", action: .create,
                                                                recordType: "waitlist-offer", recordID: id, detail: "offer passed on"))
                })
            }
        }
        try await sendReminders(app: app, setup: setup, clinic: clinic, now: now)
        services.outboxWorker?.nudge()
    }

    static func sendReminders(app: Application, setup: BookingSetup, clinic: ClinicIdentity, now: Date) async throws {
        let services = app.services
        let upcoming = try await Appointment.query(on: app.db).filter(\.$status == Appointment.Status.confirmed)
            .filter(\.$startsAt > now).filter(\.$startsAt <= now.addingTimeInterval(48 * 3600))
            .with(\.$staff).with(\.$client).all()
        let context = SchedulingMail.Context(clinic: clinic, zone: setup.zone, baseURL: services.settings.publicBaseURL, now: now,
                                             noticeHours: setup.cancellation.noticeHours)
        for appointment in upcoming {
            guard let id = appointment.id, let client = appointment.client else { continue }
            let sent = Set(appointment.remindersSent.split(separator: ",").compactMap { Int($0) })
            // Booked, or last moved (a move resets the reminders): a reminder whose moment had passed by then is skipped.
            guard let hours = ReminderSchedule.due(now: now, start: appointment.startsAt, bookedAt: appointment.updatedAt, alreadySent: sent).first
            else { continue }
            let token = try? services.keyRing.openOptional(appointment.manageTokenSealed, Appointment.manageTokenContext(id, client: appointment.$client.id))
            let newValue = (Array(sent) + [hours]).sorted().map(String.init).joined(separator: ",")
            try await app.db.writeTransaction { db in
                // Claimed by the update itself: only the instance whose update changed the row sends
                // the reminder (RETURNING says whether it did, on both engines).
                let claimed = try await (db as! any SQLDatabase).update(Appointment.schema)
                    .set("reminders_sent", to: newValue)
                    .where("id", .equal, id)
                    .where("reminders_sent", .equal, appointment.remindersSent)
                    .returning("id")
                    .all()
                guard !claimed.isEmpty else { return }
                try await SchedulingMail.reminder(appointment, to: client.email, hours: hours,
                                                  clinicianName: appointment.staff.name, manageToken: token ?? nil, context: context, on: db)
            }
        }
    }
}
