import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import IPTCore
import IPTPages
import SQLKit
import Vapor

/// Why a booking step was refused. Each maps to a clear page or JSON answer with a 4xx status; one
/// that no handler catches still becomes that 4xx, never a 500.
enum BookingError: AbortError, Equatable {
    /// The time is no longer free (taken meanwhile, past, outside hours or rules); nearby free times.
    case slotUnavailable(alternatives: [Slot])
    /// The client already has an appointment overlapping this one.
    case clientBusy
    /// No appointment answers to this link.
    case linkInvalid
    /// The link did its job already, or the appointment was cancelled.
    case linkUsed
    /// The hold or offer ran out before it was confirmed.
    case holdExpired
    /// Inside the notice window, or the appointment has begun: the client must call.
    case tooLateToChange

    var status: HTTPResponseStatus {
        switch self {
        case .slotUnavailable, .clientBusy, .tooLateToChange: .conflict
        case .linkInvalid: .notFound
        case .linkUsed, .holdExpired: .gone
        }
    }

    var reason: String {
        switch self {
        case .linkInvalid: "No appointment answers to this link."
        case .linkUsed: "This appointment was already confirmed, cancelled or changed."
        case .holdExpired: "The time was not confirmed in time and has been released."
        case .tooLateToChange: "It is too close to the appointment, or past it, to change it here."
        case .clientBusy: "There is already an appointment at that time."
        case .slotUnavailable: "That time is no longer free."
        }
    }
}

extension Appointment.Status {
    /// Appointments that can still be moved or cancelled; attended and no-show ones are history.
    var isChangeable: Bool { [.held, .requested, .offered, .confirmed, .blocked].contains(self) }
}

/// Which rule of the database refused a write.
enum OverlapGuard {
    case clinician
    case client

    /// Recognises the exclusion constraints (PostgreSQL) and the triggers (SQLite) of M014.
    static func violated(by error: any Error) -> OverlapGuard? {
        var name: String?
        if let postgres = error as? PSQLError {
            guard postgres.serverInfo?[.sqlState] == "23P01" else { return nil }
            name = postgres.serverInfo?[.constraintName]
        } else if let sqlite = error as? SQLiteError {
            name = sqlite.message
        }
        guard let name else { return nil }
        if name.contains("appointments_client_no_overlap") { return .client }
        if name.contains("appointments_no_overlap") { return .clinician }
        return nil
    }
}

/// The booking steps, each one transaction, with the database as the last word on overlaps.
struct BookingService {
    let request: Request

    var database: any Database { request.db }
    var now: Date { request.now }

    func mailContext(_ setup: BookingSetup) async throws -> SchedulingMail.Context {
        SchedulingMail.Context(clinic: try await request.services.clinic.current(on: database), zone: setup.zone,
                               baseURL: request.services.settings.publicBaseURL, now: now, noticeHours: setup.cancellation.noticeHours)
    }

    /// Free times of `kind` for these clinicians near `target`, closest first.
    func alternatives(kind: AppointmentKind, clinicianIDs: [UUID], near target: Date, setup: BookingSetup, rules: BookingRules? = nil,
                      count: Int = 3) async throws -> [Slot] {
        let day = setup.zone.localDate(of: target)
        let from = day.adding(days: -3)
        let through = day.adding(days: 7)
        let window = Interval(start: setup.zone.startOfDay(from).addingTimeInterval(-86_400), end: setup.zone.startOfDay(through.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: clinicianIDs, window: window, now: now, on: database)
        return SlotFinder(zone: setup.zone, rules: rules ?? setup.rules)
            .slots(kind: kind, calendars: calendars, from: from, through: through, now: now)
            .filter { $0.start != target }
            .sorted { abs($0.start.timeIntervalSince(target)) < abs($1.start.timeIntervalSince(target)) }
            .prefix(count).sorted { $0.start < $1.start }
    }

    /// Whether `start` is one of the free times the public may book with this clinician.
    /// `moving` is the appointment being rescheduled: its own time does not stand in its way.
    func publicSlot(kind: AppointmentKind, clinician: StaffUser, start: Date, setup: BookingSetup, moving: UUID? = nil) async throws -> Slot? {
        guard let id = clinician.id else { return nil }
        let day = setup.zone.localDate(of: start)
        let window = Interval(start: setup.zone.startOfDay(day.adding(days: -1)), end: setup.zone.startOfDay(day.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: [id], window: window, now: now, excluding: moving, on: database)
        return SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: day, through: day, now: now)
            .first { $0.start == start }
    }

    /// The candidates free at `start`, in the order to try them: the fair rule of `FairAssignment`
    /// (fewest booked sessions that week, then by slug).
    func fairlyRanked(kind: AppointmentKind, candidates: [StaffUser], start: Date, setup: BookingSetup) async throws -> [StaffUser] {
        let ids = candidates.compactMap(\.id)
        guard !ids.isEmpty else { return [] }
        let day = setup.zone.localDate(of: start)
        let window = Interval(start: setup.zone.startOfDay(day.adding(days: -1)), end: setup.zone.startOfDay(day.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: ids, window: window, now: now, on: database)
        let free = Set(SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: day, through: day, now: now)
            .filter { $0.start == start }.map(\.clinicianID))
        let monday = day.startOfWeek
        let week = Interval(start: setup.zone.startOfDay(monday), end: setup.zone.startOfDay(monday.adding(days: 7)))
        let counts = try await SchedulingQueries.bookedCounts(for: Array(free), during: week, now: now, on: database)
        let byID = Dictionary(uniqueKeysWithValues: candidates.compactMap { member in member.id.map { ($0, member) } })
        return FairAssignment.ranked(free.compactMap { id in
            byID[id].map { AssignmentCandidate(id: id, tieBreak: $0.slug, bookedThatWeek: counts[id] ?? 0) }
        }).compactMap { byID[$0.id] }
    }

    /// Books `start` with the first of the fairly ranked candidates whose hold the database accepts:
    /// each attempt is `requestBooking`'s one transaction, so two people racing for the same
    /// clinician still cannot both have them; the loser moves on to the next free candidate.
    func requestFairly(kind: AppointmentKind, candidates: [StaffUser], start: Date, details: BookingDetails, source: String,
                       setup: BookingSetup) async throws -> (RequestOutcome, StaffUser) {
        for clinician in try await fairlyRanked(kind: kind, candidates: candidates, start: start, setup: setup) {
            do {
                return (try await requestBooking(kind: kind, clinician: clinician, start: start, details: details, source: source, setup: setup), clinician)
            } catch BookingError.slotUnavailable {
                continue
            }
        }
        throw BookingError.slotUnavailable(alternatives: try await alternatives(kind: kind, clinicianIDs: candidates.compactMap(\.id), near: start,
                                                                                setup: setup, count: 3 * max(1, candidates.count)))
    }

    enum RequestOutcome {
        /// Held for the client to confirm by the emailed link.
        case held(Appointment)
        /// Waiting for staff approval (clinic setting).
        case requested(Appointment)
        /// The address already has an appointment then; it was told by email. Callers answer as for
        /// a hold, so the answer does not reveal who is a client.
        case toldByEmail
    }

    /// A visitor asks for a time: checked against the calendar, then written with the hold (or the
    /// request for approval) and its email in one transaction.
    func requestBooking(kind: AppointmentKind, clinician: StaffUser, start: Date, details: BookingDetails, source: String,
                        setup: BookingSetup) async throws -> RequestOutcome {
        let clinicianID = try clinician.requireID()
        guard let slot = try await publicSlot(kind: kind, clinician: clinician, start: start, setup: setup) else {
            throw BookingError.slotUnavailable(alternatives: try await alternatives(kind: kind, clinicianIDs: [clinicianID], near: start, setup: setup))
        }
        let context = try await mailContext(setup)
        let token = SecureToken.make()
        let tier = clinician.feeTier.flatMap(FeeTierCode.init(rawValue:))
        let now = self.now
        let approval = setup.requireApproval
        do {
            let appointment = try await database.writeTransaction { db -> Appointment in
                // Every lapsed hold, not only this clinician's: the client's own lapsed hold elsewhere
                // must not look like a clash.
                try await Self.releaseLapsedHolds(staffID: nil, now: now, on: db)
                // The same person (name, email and date of birth all alike) already has a time then:
                // they are told by email, at the address on file, and nothing is booked. Nothing is
                // attached either way, and the page reads the same.
                if try await Self.samePersonBusy(details, during: kind.occupied(at: slot.start), on: db) { throw SamePersonBusy() }
                let client = try await Self.newClient(details, now: now, on: db)
                let appointment = Self.newAppointment(staffID: clinicianID, clientID: try client.requireID(), kind: kind, start: slot.start,
                                                      locationID: slot.locationID, source: source, now: now)
                appointment.status = (approval ? Appointment.Status.requested : .held)
                appointment.holdExpiresAt = approval ? nil : now.addingTimeInterval(TimeInterval(setup.holdMinutes * 60))
                appointment.confirmTokenHash = approval ? nil : HexDigest.sha256(token)
                if let tier, let fee = setup.fees.fee(tier: tier, kindCode: kind.code, reductionPercent: client.slidingScalePercent) {
                    appointment.feeCents = fee.cents
                    appointment.currency = fee.currency
                }
                try await appointment.create(on: db)
                let when = DateDisplay.range(slot.start, slot.end, zone: setup.zone)
                if approval {
                    try await SchedulingMail.requestReceived(to: details.email, when: when, clinicianName: clinician.name, context: context, on: db)
                } else {
                    try await SchedulingMail.holdRequest(to: details.email, when: when, clinicianName: clinician.name, token: token,
                                                         minutes: setup.holdMinutes, byPhone: kind.isByPhone, context: context, on: db)
                }
                return appointment
            }
            request.nudgeOutbox()
            try await request.audit(.create, recordType: "appointment", recordID: appointment.id?.uuidString,
                                    subject: appointment.$client.id?.uuidString, detail: "requested online (\(appointment.status))")
            if let clientID = appointment.$client.id {
                // The booking is made and told; a failed second look for duplicates must not turn
                // that into an error page (the person would book again). It is logged, without
                // anything about the person.
                do {
                    try await DuplicateQueries.recordMatchesAfterCommit(for: clientID, now: now, on: database)
                } catch {
                    request.logger.warning("possible-duplicate check after a booking failed: \(String(reflecting: type(of: error)))")
                }
            }
            return approval ? .requested(appointment) : .held(appointment)
        } catch let error where OverlapGuard.violated(by: error) != nil || error is SamePersonBusy {
            if error is SamePersonBusy || OverlapGuard.violated(by: error) == .client {
                try await SchedulingMail.overlapsExisting(to: details.email, context: context, on: database)
                request.nudgeOutbox()
                return approval ? .requested(Appointment()) : .toldByEmail
            }
            throw BookingError.slotUnavailable(alternatives: try await alternatives(kind: kind, clinicianIDs: [clinicianID], near: start, setup: setup))
        }
    }

    private struct SamePersonBusy: Error {}

    /// Whether a client with exactly these details has an appointment occupying part of `window`.
    static func samePersonBusy(_ details: BookingDetails, during window: Interval, on db: any Database) async throws -> Bool {
        let same = try await ClientRecord.query(on: db).filter(\.$email == details.email).filter(\.$dateOfBirth == details.dateOfBirth.description).all()
            .filter { $0.name.lowercased() == details.name.lowercased() }.compactMap(\.id)
        guard !same.isEmpty else { return false }
        return try await Appointment.query(on: db).filter(\.$client.$id ~~ same).filter(\.$status ~~ Appointment.Status.occupying)
            .filter(\.$blockedFrom < window.end).filter(\.$blockedUntil > window.start).count() > 0
    }

    static func newAppointment(staffID: UUID, clientID: UUID?, kind: AppointmentKind, start: Date, locationID: UUID?, source: String,
                               now: Date) -> Appointment {
        let appointment = Appointment()
        appointment.id = UUID()
        appointment.$staff.id = staffID
        appointment.$client.id = clientID
        appointment.typeCode = kind.code
        appointment.$location.id = locationID
        appointment.startsAt = start
        appointment.endsAt = kind.session(at: start).end
        appointment.blockedFrom = kind.occupied(at: start).start
        appointment.blockedUntil = kind.occupied(at: start).end
        appointment.status = Appointment.Status.confirmed
        appointment.sequence = 0
        appointment.remindersSent = ""
        appointment.source = source
        appointment.createdAt = now
        appointment.updatedAt = now
        return appointment
    }

    /// Holds past their time are let go before a write that may need their slot; the database
    /// would otherwise (rightly) still see them as taking it.
    static func releaseLapsedHolds(staffID: UUID?, now: Date, on db: any Database) async throws {
        var query = Appointment.query(on: db)
            .set(\.$status, to: Appointment.Status.expired)
            .set(\.$updatedAt, to: now)
            .filter(\.$status == Appointment.Status.held)
            .filter(\.$holdExpiresAt <= now)
        if let staffID { query = query.filter(\.$staff.$id == staffID) }
        try await query.update()
    }

    /// A new client record for these details, always. A booking never joins an existing record by
    /// itself: whoever types an existing client's name, email and date of birth would otherwise reach
    /// that client's chart through the appointment. When the details look like an existing client's
    /// (the same email, or the same name and date of birth) a "possible duplicate" task goes to the
    /// front desk, who merge the two or keep them apart. The person booking is answered the same way
    /// whether or not anything matched.
    static func newClient(_ details: BookingDetails, now: Date, consented: Bool = true, on db: any Database) async throws -> ClientRecord {
        let client = ClientRecord()
        client.id = UUID()
        client.name = details.name
        client.email = details.email
        client.phone = details.phone
        client.dateOfBirth = details.dateOfBirth.description
        client.programme = details.programme.rawValue
        client.guardianName = details.guardian?.name
        client.guardianEmail = details.guardian?.email
        client.guardianPhone = details.guardian?.phone
        client.slidingScalePercent = 0
        // Staff booking by phone records no consent; intake takes it.
        client.privacyConsentVersion = consented ? PrivacyNotice.version : nil
        client.privacyConsentAt = consented ? now : nil
        client.createdAt = now
        try await client.create(on: db)
        try await DuplicateQueries.recordMatches(for: client, now: now, on: db)
        return client
    }

    /// The appointment a confirmation link names, whatever its state.
    func appointment(confirmToken token: String) async throws -> Appointment {
        guard token.count <= 100, let appointment = try await Appointment.query(on: database)
            .filter(\.$confirmTokenHash == HexDigest.sha256(token)).with(\.$staff).with(\.$client).first()
        else { throw BookingError.linkInvalid }
        return appointment
    }

    /// The client confirms a hold, or accepts a waitlist offer.
    func confirm(token: String, setup: BookingSetup) async throws -> Appointment {
        let found = try await appointment(confirmToken: token)
        guard let id = found.id else { throw BookingError.linkInvalid }
        return try await confirm(id, accepting: [.held, .offered], by: "the client's link", setup: setup)
    }

    /// Confirms the appointment if it is in one of `accepting` (staff approve `.requested`), in one
    /// transaction with its email.
    func confirm(_ id: UUID, accepting: Set<Appointment.Status>, by who: String, setup: BookingSetup) async throws -> Appointment {
        let context = try await mailContext(setup)
        let manageToken = SecureToken.make()
        let now = self.now
        let keyRing = request.services.keyRing
        let confirmed = try await database.writeTransaction { db -> Appointment in
            let before = try await Appointment.query(on: db).filter(\.$id == id).first()
            // Confirmed by the update that checks the status, the hold's expiry and the start: of two
            // clicks (or a client and the front desk) only one gets a row back, sends the email and
            // makes the manage link. A lapsed hold is marked expired by the sweeper or the next
            // booking of that time; and nothing is confirmed once its time has come.
            let claimed = try await (db as! any SQLDatabase).update(Appointment.schema)
                .set("status", to: Appointment.Status.confirmed)
                .set("hold_expires_at", to: SQLLiteral.null)
                .set("updated_at", to: now)
                .where("id", .equal, id)
                .where("status", .in, accepting.map(\.rawValue))
                .where(group: { $0.where("hold_expires_at", .is, SQLLiteral.null).orWhere("hold_expires_at", .greaterThan, now) })
                .where("starts_at", .greaterThan, now)
                // Nobody confirms a time with a clinician who has left (TeamController).
                .where(SQLQueryString("staff_id IN (SELECT id FROM staff_users WHERE is_active = \(bind: true))"))
                .returning("id").all()
            guard !claimed.isEmpty else {
                guard let before else { throw BookingError.linkInvalid }
                if try await StaffUser.query(on: db).filter(\.$id == before.$staff.id).filter(\.$isActive == true).count() == 0 {
                    throw BookingError.holdExpired
                }
                let lapsed = before.status == Appointment.Status.expired
                    || (accepting.contains(before.status) && ((before.holdExpiresAt ?? .distantFuture) <= now || before.startsAt <= now))
                throw lapsed ? BookingError.holdExpired : BookingError.linkUsed
            }
            guard let appointment = try await Appointment.query(on: db).filter(\.$id == id).with(\.$staff).with(\.$client).with(\.$location).first()
            else { throw BookingError.linkInvalid }
            appointment.manageTokenHash = HexDigest.sha256(manageToken)
            appointment.manageTokenSealed = try keyRing.seal(manageToken, Appointment.manageTokenContext(id, client: appointment.$client.id))
            try await appointment.update(on: db)
            if before?.status == .offered {
                try await WaitlistEntry.query(on: db).set(\.$status, to: WaitlistEntry.Status.booked)
                    .filter(\.$offerAppointment.$id == id).update()
            }
            if let client = appointment.client {
                try await SchedulingMail.confirmed(
                    appointment, to: client.email,
                    clinicianName: appointment.staff.name, location: appointment.location?.name, manageToken: manageToken,
                    fee: appointment.feeCents.map { Money(cents: $0, currency: appointment.currency ?? "CAD").formatted },
                    context: context, on: db)
            }
            return appointment
        }
        request.nudgeOutbox()
        try await request.audit(.update, recordType: "appointment", recordID: id.uuidString, subject: confirmed.$client.id?.uuidString,
                                detail: "confirmed by \(who)")
        return confirmed
    }

    /// The appointment a client's manage link names.
    func appointment(manageToken token: String) async throws -> Appointment {
        guard token.count <= 100, let appointment = try await Appointment.query(on: database)
            .filter(\.$manageTokenHash == HexDigest.sha256(token)).with(\.$staff).with(\.$client).with(\.$location).first()
        else { throw BookingError.linkInvalid }
        return appointment
    }

    enum CancelOutcome: Equatable {
        case cancelled
        case lateCancelled(fee: Money?)
    }

    /// Cancels by the client's link: free outside the notice window, recorded as late (with the
    /// policy's fee) inside it. The freed time then goes to the waitlist.
    func cancelByClient(token: String, setup: BookingSetup) async throws -> CancelOutcome {
        try await cancelByClient(try await appointment(manageToken: token), setup: setup, by: "the client's link")
    }

    /// The same rules for an appointment the caller already found as the client's own (the portal
    /// finds it by the signed-in client rather than by a link).
    func cancelByClient(_ found: Appointment, setup: BookingSetup, by who: String) async throws -> CancelOutcome {
        guard found.status == Appointment.Status.confirmed else { throw BookingError.linkUsed }
        let outcome: CancelOutcome
        switch setup.cancellation.outcome(cancellingAt: now, appointmentStart: found.startsAt) {
        case .tooLate: throw BookingError.tooLateToChange
        case .late(let fee): outcome = .lateCancelled(fee: found.feeCents == 0 ? nil : fee)
        case .withinPolicy: outcome = .cancelled
        }
        try await cancel(found, outcome: outcome, setup: setup, by: who)
        return outcome
    }

    /// Cancels and tells the client; shared by the client's link and the staff calendar.
    func cancel(_ appointment: Appointment, outcome: CancelOutcome, setup: BookingSetup, by who: String, notify: Bool = true) async throws {
        let id = try appointment.requireID()
        let context = try await mailContext(setup)
        let now = self.now
        try await database.writeTransaction { db in
            guard let current = try await Appointment.query(on: db).filter(\.$id == id).with(\.$staff).with(\.$client).first(),
                  case let previous = current.status, previous.isChangeable else { throw BookingError.linkUsed }
            // Claimed while the status is still the one read: a second cancellation at the same
            // moment (two clicks, or the client and the front desk) gets no row back and changes nothing.
            let claimed = try await (db as! any SQLDatabase).update(Appointment.schema)
                .set("cancelled_at", to: now)
                .where("id", .equal, id).where("status", .equal, previous.rawValue)
                .returning("id").all()
            guard !claimed.isEmpty else { throw BookingError.linkUsed }
            switch outcome {
            case .cancelled:
                current.status = Appointment.Status.cancelled
            case .lateCancelled(let fee):
                current.status = Appointment.Status.lateCancelled
                current.lateFeeCents = fee?.cents
            }
            current.cancelledAt = now
            current.updatedAt = now
            current.sequence += 1
            current.manageTokenHash = nil
            current.manageTokenSealed = nil
            try await current.update(on: db)
            if case .lateCancelled = outcome {
                try await BillingQueries.recordCharge(for: id, policyLateFeeCents: setup.cancellation.lateFee?.cents, at: now, on: db)
            }
            if previous == .offered {
                // The offer is withdrawn: the person keeps their place for the next opening.
                try await WaitlistEntry.query(on: db).set(\.$status, to: WaitlistEntry.Status.waiting)
                    .filter(\.$offerAppointment.$id == id).filter(\.$status == WaitlistEntry.Status.offered).update()
            }
            // Only a confirmed appointment was ever announced to the client, so only it is un-announced.
            if notify, previous == .confirmed, let client = current.client {
                let lateFee: String? = if case .lateCancelled(let fee?) = outcome { fee.formatted } else { nil }
                try await SchedulingMail.cancelled(current, to: client.email,
                                                   clinicianName: current.staff.name, lateFee: lateFee, context: context, on: db)
            }
        }
        request.nudgeOutbox()
        try await request.audit(.update, recordType: "appointment", recordID: id.uuidString, subject: appointment.$client.id?.uuidString,
                                detail: "cancelled by \(who)\(outcome == .cancelled ? "" : " (late)")")
        if appointment.startsAt > now {
            try await WaitlistService(request: request).offerFreedTime(staffID: appointment.$staff.id, start: appointment.startsAt, setup: setup)
        }
    }

    /// Moves a confirmed appointment to another free time (the client's link, public rules) and
    /// sends the new time with an updated calendar file.
    func reschedule(token: String, to start: Date, setup: BookingSetup) async throws -> Appointment {
        try await reschedule(try await appointment(manageToken: token), to: start, setup: setup, by: "the client's link", manageToken: token)
    }

    /// The same rules for an appointment the caller already found as the client's own (the portal).
    func reschedule(_ found: Appointment, to start: Date, setup: BookingSetup, by who: String, manageToken token: String? = nil) async throws -> Appointment {
        guard found.status == Appointment.Status.confirmed, let kind = setup.kind(found.typeCode) else { throw BookingError.linkUsed }
        guard setup.cancellation.outcome(cancellingAt: now, appointmentStart: found.startsAt) == .withinPolicy else {
            throw BookingError.tooLateToChange
        }
        guard let slot = try await publicSlot(kind: kind, clinician: found.staff, start: start, setup: setup, moving: found.id) else {
            throw BookingError.slotUnavailable(alternatives: try await alternatives(kind: kind, clinicianIDs: [found.$staff.id], near: start, setup: setup))
        }
        let oldStart = found.startsAt
        let moved = try await move(found, to: slot.start, kind: kind, setup: setup, by: who, manageToken: token)
        try await WaitlistService(request: request).offerFreedTime(staffID: found.$staff.id, start: oldStart, setup: setup)
        return moved
    }

    /// Moves an appointment; the database refuses an overlap. Tells the client when it was confirmed.
    func move(_ appointment: Appointment, to start: Date, kind: AppointmentKind, setup: BookingSetup, by who: String,
              manageToken: String? = nil) async throws -> Appointment {
        let id = try appointment.requireID()
        let context = try await mailContext(setup)
        let now = self.now
        let keyRing = request.services.keyRing
        do {
            let moved = try await database.writeTransaction { db -> Appointment in
                try await Self.releaseLapsedHolds(staffID: appointment.$staff.id, now: now, on: db)
                guard let current = try await Appointment.query(on: db).filter(\.$id == id).with(\.$staff).with(\.$client).with(\.$location).first(),
                      current.status.isChangeable == true else { throw BookingError.linkUsed }
                // Moved by the update that checks nothing changed it since it was read (a cancellation
                // committing in between on PostgreSQL): a cancelled appointment is never moved, nor
                // its client told it moved after being told it was cancelled.
                let moved = try await (db as! any SQLDatabase).update(Appointment.schema)
                    .set("starts_at", to: start).set("ends_at", to: kind.session(at: start).end)
                    .set("blocked_from", to: kind.occupied(at: start).start).set("blocked_until", to: kind.occupied(at: start).end)
                    .set("sequence", to: current.sequence + 1).set("reminders_sent", to: "").set("updated_at", to: now)
                    .where("id", .equal, id).where("status", .equal, current.status.rawValue).where("sequence", .equal, current.sequence)
                    .returning("id").all()
                guard !moved.isEmpty else { throw BookingError.linkUsed }
                current.startsAt = start
                current.endsAt = kind.session(at: start).end
                current.blockedFrom = kind.occupied(at: start).start
                current.blockedUntil = kind.occupied(at: start).end
                current.sequence += 1
                current.remindersSent = ""
                current.updatedAt = now
                // A confirmed appointment was announced to the client, so its new time is too, whoever
                // moved it and however it was booked (as a cancellation is).
                if current.status == Appointment.Status.confirmed, let client = current.client {
                    let token = try manageToken ?? keyRing.openOptional(current.manageTokenSealed, Appointment.manageTokenContext(id, client: current.$client.id))
                    try await SchedulingMail.confirmed(
                        current, to: client.email, clinicianName: current.staff.name, location: current.location?.name,
                        manageToken: token, fee: current.feeCents.map { Money(cents: $0, currency: current.currency ?? "CAD").formatted },
                        context: context, changed: true, on: db)
                }
                return current
            }
            request.nudgeOutbox()
            try await request.audit(.update, recordType: "appointment", recordID: id.uuidString, subject: appointment.$client.id?.uuidString,
                                    detail: "moved by \(who)")
            return moved
        } catch let error where OverlapGuard.violated(by: error) != nil || error is SamePersonBusy {
            if error is SamePersonBusy || OverlapGuard.violated(by: error) == .client { throw BookingError.clientBusy }
            throw BookingError.slotUnavailable(alternatives: try await alternatives(
                kind: kind, clinicianIDs: [appointment.$staff.id], near: start, setup: setup, rules: .staff))
        }
    }
}

/// The version of the privacy notice a client agrees to when booking; bump it when the notice changes.
enum PrivacyNotice {
    static let version = "2026-11"
}
