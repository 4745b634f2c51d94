import Fluent
import Foundation
import IPTCore
import SQLKit
import Vapor

/// Who may see and change whose calendar. The route's permission is not enough: every
/// appointment is checked against the signed-in person.
struct ScheduleAccess: Sendable {
    let staff: CurrentStaff
    /// Clinicians this person supervises.
    let supervisees: Set<UUID>

    static func load(_ staff: CurrentStaff, on database: any Database) async throws -> ScheduleAccess {
        let supervised = staff.role == .supervisor
            ? try await StaffUser.query(on: database).filter(\.$supervisor.$id == staff.id).all().compactMap(\.id) : []
        return ScheduleAccess(staff: staff, supervisees: Set(supervised))
    }

    var managesAll: Bool { AccessPolicy.allows(staff.role, .manageSchedule) }

    /// Whether a new appointment or block may go into this calendar: one this person manages, of
    /// a clinician who has access (not someone who has left, nor an id that is nobody's).
    func canBookInto(clinicianID: UUID, on database: any Database) async throws -> Bool {
        guard canManage(clinicianID: clinicianID) else { return false }
        return try await StaffUser.query(on: database).filter(\.$id == clinicianID).filter(\.$isActive == true).count() > 0
    }

    func canManage(clinicianID: UUID) -> Bool {
        managesAll || clinicianID == staff.id || supervisees.contains(clinicianID)
    }

    /// Whether this person may open a client's clinical records: the director, or a member of the
    /// client's care team (see `isInCareTeam`). The front desk is kept out by the route's permission.
    func canSeeClient(_ clientID: UUID, at moment: Date, on database: any Database) async throws -> Bool {
        guard staff.role != .admin else { return true }
        return try await isInCareTeam(clientID, at: moment, on: database)
    }

    /// The clients this person may book: everyone for the front desk and the director; for a
    /// clinician, the clients already in a calendar they manage (new clients come in as new).
    func bookableClients(at now: Date, on database: any Database) async throws -> [ClientRecord] {
        if managesAll {
            return try await ClientRecord.query(on: database).sort(\.$name).limit(500).all()
        }
        let clinicianIDs = try await visibleClinicians(at: now, on: database).map(\.id)
        guard !clinicianIDs.isEmpty else { return [] }
        let clientIDs = Set(try await Appointment.query(on: database).filter(\.$staff.$id ~~ clinicianIDs).filter(\.$client.$id != nil)
            .filter(\.$status ~~ Appointment.careStatuses)
            .all().compactMap { $0.$client.id })
        guard !clientIDs.isEmpty else { return [] }
        return try await ClientRecord.query(on: database).filter(\.$id ~~ Array(clientIDs)).sort(\.$name).all()
    }

    /// Appointments that still hold a time for a client: what someone leaving leaves to be moved.
    static let stillBooked = [Appointment.Status.held, .requested, .offered, .confirmed].map(\.rawValue)

    /// The clinicians whose calendars this person may open, in the order they joined.
    func visibleClinicians(at now: Date, on database: any Database) async throws -> [CalendarOwner] {
        // Three plain columns: a Fluent model of each of a large clinic's 193 clinicians was a
        // quarter of everyone's day (docs/PERFORMANCE.md). A clinician's own calendars are asked
        // for by id.
        var query: SQLQueryString = """
            SELECT id, name, slug, is_active FROM staff_users WHERE fee_tier IS NOT NULL
            """
        if !managesAll {
            query += " AND is_active = \(bind: true) AND id IN (\(binds: [staff.id] + Array(supervisees)))"
        }
        query += " ORDER BY created_at, id"  // a total order: everyone's day is paged by position
        let owners = try await RowReader.all(query, on: database).map { row in
            CalendarOwner(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                          slug: try row.decode(column: "slug", as: String.self), isActive: try row.decode(column: "is_active", as: Bool.self))
        }
        // Someone whose access was removed keeps a calendar for those who manage the clinic's while
        // appointments are still booked in it, so the front desk can move them (TeamController).
        // Asked for those people by id through the (clinician, start) index, the status checked
        // here: as one EXISTS beside the active ones PostgreSQL hashed every future appointment of
        // the clinic first, and given the statuses it also read the status index (67,000 rows at
        // 100,000 clients, 11 ms).
        let left = owners.filter { !$0.isActive }.map(\.id)
        guard !left.isEmpty else { return owners }
        let stillBooked = Set(try await RowReader.all("""
            SELECT staff_id, status FROM appointments WHERE staff_id IN (\(binds: left)) AND starts_at > \(bind: now)
            """, on: database).filter { Self.stillBooked.contains(try $0.decode(column: "status", as: String.self)) }
            .map { try $0.decode(column: "staff_id", as: UUID.self) })
        return owners.filter { $0.isActive || stillBooked.contains($0.id) }
    }

    /// The calendars a new appointment, a block or new working hours may go into: those this person
    /// may open, less those of anyone who has left (kept visible only to move what is left in them).
    func bookableClinicians(at now: Date, on database: any Database) async throws -> [CalendarOwner] {
        try await visibleClinicians(at: now, on: database).filter(\.isActive)
    }
}

/// A clinician whose calendar someone may open, as the calendar, its switcher and the API name them.
struct CalendarOwner: Sendable, Equatable {
    let id: UUID
    let name: String
    let slug: String
    /// False for someone who has left whose calendar still holds appointments to move.
    var isActive = true
}

/// Staff booking: single appointments and weekly courses, checked week by week.
struct StaffBooking {
    let request: Request

    struct CourseRequest {
        let clinicianID: UUID
        let clientID: UUID
        let kind: AppointmentKind
        let firstDate: LocalDate
        let time: LocalTime
        let count: Int
        let locationID: UUID?
        let resolution: WeeklySeriesPlanner.Resolution
        /// An existing course these weeks join, and the number of the first of them.
        var joining: (seriesID: UUID, firstNumber: Int)? = nil
        /// Whether the client is emailed the times booked (with a calendar file).
        var emailClient = false
    }

    enum CourseOutcome {
        case booked(seriesID: UUID?, occurrences: [WeeklySeriesPlanner.Occurrence])
        /// Weeks that collide (refuse), or that could not be moved (no free time that week).
        case conflicts([WeeklySeriesPlanner.Occurrence])
    }

    /// Plans every week against the clinician's and the client's calendars, then writes all of them
    /// in one transaction, or none.
    func book(_ course: CourseRequest, setup: BookingSetup) async throws -> CourseOutcome {
        let now = request.now
        let lastDate = course.firstDate.adding(days: 7 * max(course.count - 1, 0) + 7)
        let window = Interval(start: setup.zone.startOfDay(course.firstDate.adding(days: -7)), end: setup.zone.startOfDay(lastDate))
        var calendar = try await SchedulingQueries.calendars(for: [course.clinicianID], window: window, now: now, on: request.db).first
            ?? ClinicianCalendar(clinicianID: course.clinicianID, weekly: WeeklyAvailability())
        // The client's appointments with anyone else count as busy too. The database compares
        // client sessions without buffers; shifting them by this kind's buffers makes the planner's
        // buffered check ask exactly that.
        let clientBusy = try await Appointment.query(on: request.db).filter(\.$client.$id == course.clientID)
            .filter(\.$status ~~ Appointment.Status.occupying).filter(\.$staff.$id != course.clinicianID)
            .filter(\.$endsAt > window.start).filter(\.$startsAt < window.end).all()
        calendar.busy += clientBusy.map { BusyTime(interval: Interval(start: $0.startsAt.addingTimeInterval(TimeInterval(course.kind.bufferAfterMinutes * 60)),
                                                                      end: $0.endsAt.addingTimeInterval(-TimeInterval(course.kind.bufferBeforeMinutes * 60))),
                                                   countsTowardDailyCap: false) }
        // Time off stands in the way of a course like an appointment does.
        calendar.busy += calendar.exceptions.filter { $0.kind == .unavailable }.map { BusyTime(interval: $0.interval, countsTowardDailyCap: false) }
        let plan = WeeklySeriesPlanner(zone: setup.zone).plan(kind: course.kind, firstDate: course.firstDate, time: course.time, count: course.count,
                                                              calendar: calendar, resolution: course.resolution, now: now)
        if plan.contains(where: { $0.planned == nil }) { return .conflicts(plan) }
        let staffID = course.clinicianID
        let clinician = try await StaffUser.find(staffID, on: request.db)
        let client = try await ClientRecord.find(course.clientID, on: request.db)
        let tier = clinician?.feeTier.flatMap(FeeTierCode.init(rawValue:))
        let fee = tier.flatMap { setup.fees.fee(tier: $0, kindCode: course.kind.code, reductionPercent: client?.slidingScalePercent ?? 0) }
        let seriesID: UUID? = course.joining?.seriesID ?? (course.count > 1 ? UUID() : nil)
        let createsSeries = course.joining == nil && seriesID != nil
        let firstNumber = course.joining?.firstNumber ?? 1
        let context = try await BookingService(request: request).mailContext(setup)
        let locationName = try await course.locationID.asyncMap { try await Location.find($0, on: request.db)?.name } ?? nil
        do {
            try await request.db.writeTransaction { db in
                try await BookingService.releaseLapsedHolds(staffID: staffID, now: now, on: db)
                if createsSeries, let seriesID {
                    let series = AppointmentSeries()
                    series.id = seriesID
                    series.$staff.id = staffID
                    series.$client.id = course.clientID
                    series.typeCode = course.kind.code
                    series.weekday = course.firstDate.weekday.rawValue
                    series.startMinute = course.time.minuteOfDay
                    series.createdAt = now
                    try await series.create(on: db)
                }
                var booked: [Appointment] = []
                for occurrence in plan {
                    guard let planned = occurrence.planned else { continue }
                    let appointment = BookingService.newAppointment(staffID: staffID, clientID: course.clientID, kind: course.kind, start: planned.start,
                                                                    locationID: course.locationID, source: "staff", now: now)
                    appointment.$series.id = seriesID
                    appointment.seriesNumber = seriesID == nil ? nil : firstNumber + occurrence.number - 1
                    appointment.feeCents = fee?.cents
                    appointment.currency = fee?.currency
                    try await appointment.create(on: db)
                    booked.append(appointment)
                }
                // In the same transaction: the email goes out if and only if the times were booked.
                if course.emailClient, let client, let clinician {
                    try await SchedulingMail.bookedByClinic(booked, to: client.email, clinicianName: clinician.name, location: locationName,
                                                            fee: fee?.formatted, context: context, on: db)
                }
            }
        } catch let error where OverlapGuard.violated(by: error) != nil {
            // Someone booked one of these times between the plan and the write: plan again.
            throw BookingError.slotUnavailable(alternatives: [])
        }
        if course.emailClient { request.nudgeOutbox() }
        try await request.audit(course.joining == nil ? .create : .update, recordType: seriesID == nil ? "appointment" : "appointment-series",
                                recordID: seriesID?.uuidString, subject: course.clientID.uuidString,
                                detail: "\(plan.count) booked by staff, \(plan.filter(\.isMoved).count) moved")
        return .booked(seriesID: seriesID, occurrences: plan)
    }

    /// Blocked time: no client, no buffers, refused by the database if it overlaps anything.
    func block(clinicianID: UUID, interval: Interval, note: String) async throws -> UUID {
        let now = request.now
        let appointment = Appointment()
        appointment.id = UUID()
        appointment.$staff.id = clinicianID
        appointment.startsAt = interval.start
        appointment.endsAt = interval.end
        appointment.blockedFrom = interval.start
        appointment.blockedUntil = interval.end
        appointment.status = Appointment.Status.blocked
        appointment.sequence = 0
        appointment.remindersSent = ""
        appointment.blockNote = note
        appointment.source = "staff"
        appointment.createdAt = now
        appointment.updatedAt = now
        do {
            try await request.db.writeTransaction { db in
                try await BookingService.releaseLapsedHolds(staffID: clinicianID, now: now, on: db)
                try await appointment.create(on: db)
            }
        } catch let error where OverlapGuard.violated(by: error) != nil {
            throw BookingError.slotUnavailable(alternatives: [])
        }
        try await request.audit(.create, recordType: "blocked-time", recordID: appointment.id?.uuidString, detail: "time blocked")
        return try appointment.requireID()
    }
}

extension Request {
    /// The appointment in the path, with its client, if the signed-in person holds `permission` and
    /// manages its clinician's calendar; what the send-a-form buttons act on.
    func appointmentForClientForms(_ permission: Permission) async throws -> (appointment: Appointment, client: ClientRecord) {
        let access = try await ScheduleAccess.load(try await authorize(permission), on: db)
        guard let id = parameters.get("id").flatMap(UUID.init(uuidString:)),
              let appointment = try await Appointment.query(on: db).filter(\.$id == id).with(\.$client).with(\.$staff).first(),
              access.canManage(clinicianID: appointment.$staff.id), let client = appointment.client else { throw Abort(.notFound) }
        // Clinical forms and answers follow the care team, never the booking: holding the appointment
        // is not enough to read or send them.
        if permission == .viewClinicalRecords { try await requireClinicalAccess(to: try client.requireID()) }
        return (appointment, client)
    }
}
