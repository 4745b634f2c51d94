import Fluent
import SQLKit
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The scheduling feature's reads from the database, kept out of the handlers so each can be
/// called on its own (and on `app.db` in a test).
enum SchedulingQueries {
    static func setup(on database: any Database, clinic: ClinicIdentity) async throws -> BookingSetup {
        let zone = clinic.zone
        async let settingsRow = BookingSettingsRow.query(on: database).first()
        // The types and fees as plain rows: nearly every staff page and the booking pages read them,
        // and a Fluent model of each (found by reflection) was 4% of the calendar's and Today's
        // time (docs/PERFORMANCE.md, "Runs of 2026-12-07, fourth session").
        async let typeRows = RowReader.all("""
            SELECT code, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, offered_by, bookable_online
            FROM \(ident: AppointmentTypeRow.schema) ORDER BY sort_order, id
            """, on: database)
        async let feeRows = RowReader.all("SELECT type_code, tier_code, cents, currency FROM \(ident: AppointmentFee.schema)", on: database)
        let settings = try await settingsRow
        let rules = BookingRules(minimumNoticeHours: settings?.minimumNoticeHours ?? 24, notSameDay: settings?.notSameDay ?? true,
                                 horizonDays: settings?.horizonDays ?? 56, gridMinutes: settings?.gridMinutes ?? 30,
                                 maxPerClinicianPerDay: settings == nil ? 7 : settings?.maxPerDay)
        var prices: [FeeSchedule.Key: Money] = [:]
        for fee in try await feeRows {
            guard let tier = FeeTierCode(rawValue: try fee.decode(column: "tier_code", as: String.self)) else { continue }
            prices[.init(tier: tier, kindCode: try fee.decode(column: "type_code", as: String.self))] =
                Money(cents: try fee.decode(column: "cents", as: Int.self), currency: try fee.decode(column: "currency", as: String.self))
        }
        let kinds = try await typeRows.map { row in
            AppointmentKind(code: try row.decode(column: "code", as: String.self), name: try row.decode(column: "name", as: String.self),
                            durationMinutes: try row.decode(column: "duration_minutes", as: Int.self),
                            bufferBeforeMinutes: try row.decode(column: "buffer_before_minutes", as: Int.self),
                            bufferAfterMinutes: try row.decode(column: "buffer_after_minutes", as: Int.self),
                            offeredBy: AppointmentTypeRow.tiers(try row.decode(column: "offered_by", as: String.self)),
                            bookableOnline: try row.decode(column: "bookable_online", as: Bool.self))
        }
        return BookingSetup(
            zone: zone, rules: rules, holdMinutes: settings?.holdMinutes ?? 15, requireApproval: settings?.requireApproval ?? false,
            cancellation: CancellationPolicy(noticeHours: settings?.cancelNoticeHours ?? 24,
                                             lateFee: settings?.lateCancelFeeCents.map { Money(cents: $0) }),
            offerHours: settings?.offerHours ?? 12,
            kinds: kinds,
            fees: FeeSchedule(prices: prices))
    }

    /// Active clinicians who take new clients and may offer `kind`, for a visitor's choice.
    static func clinicians(for choice: BookingChoice, kind: AppointmentKind, on database: any Database) async throws -> [StaffUser] {
        var query = StaffUser.query(on: database)
            .filter(\.$isActive == true).filter(\.$isPublic == true).filter(\.$acceptingNewClients == true)
        switch choice {
        case .reducedRate: query = query.filter(\.$feeTier == FeeTierCode.reduced.rawValue)
        case .registered: query = query.filter(\.$feeTier ~~ [FeeTierCode.full.rawValue, FeeTierCode.qualifying.rawValue])
        case .member(let slug): query = query.filter(\.$slug == slug)
        }
        return try await query.sort(\.$createdAt).all().filter { member in
            member.feeTier.flatMap(FeeTierCode.init(rawValue:)).map(kind.offeredBy.contains) ?? false
        }
    }

    /// The same clinicians as `clinicians(for:kind:on:)`, as the free-times page needs them: id and
    /// name, read as plain rows. For "any registered psychotherapist" at a large clinic that is
    /// every one of 193, and a Fluent model of each was a seventh of the page (docs/PERFORMANCE.md).
    static func calendarOwners(for choice: BookingChoice, kind: AppointmentKind, on database: any Database) async throws -> [CalendarOwner] {
        let tiers: [String] = switch choice {
        case .reducedRate: [FeeTierCode.reduced.rawValue]
        case .registered: [FeeTierCode.full.rawValue, FeeTierCode.qualifying.rawValue]
        case .member: FeeTierCode.allCases.map(\.rawValue)
        }
        let offered = tiers.filter { FeeTierCode(rawValue: $0).map(kind.offeredBy.contains) ?? false }
        guard !offered.isEmpty else { return [] }
        var query: SQLQueryString = """
            SELECT id, name, slug FROM staff_users WHERE is_active = \(bind: true) AND is_public = \(bind: true)
            AND accepting_new_clients = \(bind: true) AND fee_tier IN (\(binds: offered))
            """
        if case .member(let slug) = choice { query += " AND slug = \(bind: slug)" }
        query += " ORDER BY created_at, id"
        return try await RowReader.all(query, on: database).map { row in
            CalendarOwner(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                          slug: try row.decode(column: "slug", as: String.self))
        }
    }

    /// At most this many clinicians' busy times are read by one statement: about 1,000 rows for a
    /// busy week, a few tenths of a millisecond.
    static let busyTimesBatch = 24

    /// The appointments that may keep `staffIDs` busy during `window`, answered from the index
    /// `appointments_staff_time` alone (M073). The status is checked by the caller, not in SQL:
    /// given "status IN (seven values)", SQLite chose the (status, hold) index and read every
    /// attended appointment the clinic ever had (scripts/bench-scale); cancelled rows in a window
    /// are few. The six columns a calendar is made of are read as plain rows: a large clinic's week
    /// is 8,400 of them, and making a Fluent model of each cost twenty times the query
    /// (docs/PERFORMANCE.md, "slot finding"). No ORDER BY: for a group, SQLite sorted every row in
    /// a temporary tree, while each clinician's rows come from the index in order already and
    /// `BusyIndex` only sorts a list that is not. The last bound keeps the index range short. The id
    /// is read only when one appointment is to be left out.
    static func busyTimesQuery(for staffIDs: [UUID], window: Interval, withIDs: Bool = true) -> SQLQueryString {
        """
        SELECT \(unsafeRaw: withIDs ? "id, " : "")staff_id, status, blocked_from, blocked_until, hold_expires_at FROM appointments
        WHERE staff_id IN (\(binds: staffIDs)) AND blocked_until > \(bind: window.start) AND blocked_from < \(bind: window.end)
        AND blocked_from > \(bind: window.start.addingTimeInterval(-Appointment.longestSpan))
        """
    }

    /// `busyTimesQuery` a batch of clinicians at a time: in one statement, a large clinic's
    /// registered team (193 calendars, 8,400 rows) ran past the inline reader's budget, was stopped
    /// and ran again on the pool, where each row was decoded through Decodable (docs/PERFORMANCE.md,
    /// "Runs of 2026-12-07, fifth session").
    static func busyTimeRows(for staffIDs: [UUID], window: Interval, withIDs: Bool, batchSize: Int = busyTimesBatch,
                             on database: any Database) async throws -> [any SQLRow] {
        var rows: [any SQLRow] = []
        for first in stride(from: 0, to: staffIDs.count, by: batchSize) {
            let batch = Array(staffIDs[first..<min(first + batchSize, staffIDs.count)])
            rows += try await RowReader.all(busyTimesQuery(for: batch, window: window, withIDs: withIDs), on: database)
        }
        return rows
    }

    /// The calendars of these clinicians: weekly hours, exceptions and busy time within `window`.
    /// A hold whose time ran out no longer counts as busy.
    /// `excluding` leaves one appointment out (the one being moved).
    static func calendars(for staffIDs: [UUID], window: Interval, now: Date, excluding: UUID? = nil,
                          on database: any Database) async throws -> [ClinicianCalendar] {
        guard !staffIDs.isEmpty else { return [] }
        // Weekly hours as plain rows too: five or so per clinician, a thousand for a large clinic's
        // team, and as Fluent models they were a quarter of slot finding (docs/PERFORMANCE.md).
        async let availabilityRows = RowReader.all("""
            SELECT staff_id, location_id, weekday, start_minute, end_minute FROM availability WHERE staff_id IN (\(binds: staffIDs))
            """, on: database)
        async let exceptionRows = AvailabilityExceptionRow.query(on: database).filter(\.$staff.$id ~~ staffIDs)
            .filter(\.$endsAt > window.start).filter(\.$startsAt < window.end).all()
        async let appointmentRows = busyTimeRows(for: staffIDs, window: window, withIDs: excluding != nil, on: database)
        let availability = try await availabilityRows.map { row in
            (staffID: try row.decode(column: "staff_id", as: UUID.self), locationID: try row.decode(column: "location_id", as: UUID?.self),
             weekday: try row.decode(column: "weekday", as: Int.self), startMinute: try row.decode(column: "start_minute", as: Int.self),
             endMinute: try row.decode(column: "end_minute", as: Int.self))
        }
        let exceptions = try await exceptionRows
        let appointments = try await appointmentRows.compactMap { row -> (staffID: UUID, busy: BusyTime)? in
            guard let status = Appointment.Status(rawValue: try row.decode(column: "status", as: String.self)), status.occupiesTime else { return nil }
            let holdExpiresAt = try row.decode(column: "hold_expires_at", as: Date?.self)
            if isLapsedHold(status: status, holdExpiresAt: holdExpiresAt, now: now) { return nil }
            if let excluding, try row.decode(column: "id", as: UUID.self) == excluding { return nil }
            let interval = Interval(start: try row.decode(column: "blocked_from", as: Date.self), end: try row.decode(column: "blocked_until", as: Date.self))
            return (try row.decode(column: "staff_id", as: UUID.self), BusyTime(interval: interval, countsTowardDailyCap: status != .blocked))
        }
        // Grouped once: filtering every row again for each clinician cost clinicians x rows, 193 x
        // 10,000 for a large clinic's week.
        let availabilityByStaff = Dictionary(grouping: availability, by: \.staffID)
        let exceptionsByStaff = Dictionary(grouping: exceptions, by: { $0.$staff.id })
        let busyByStaff = Dictionary(grouping: appointments, by: \.staffID).mapValues { $0.map(\.busy) }
        return staffIDs.map { id in
            let weekly = WeeklyAvailability((availabilityByStaff[id] ?? []).compactMap { row in
                guard let weekday = Weekday(rawValue: row.weekday),
                      let start = LocalTime(minuteOfDay: row.startMinute), let end = LocalTime(minuteOfDay: row.endMinute),
                      let range = WallTimeRange(start: start, end: end) else { return nil }
                return .init(weekday: weekday, range: range, locationID: row.locationID)
            })
            let own = (exceptionsByStaff[id] ?? []).compactMap { row -> AvailabilityException? in
                guard case let kind = row.kind, row.startsAt < row.endsAt else { return nil }
                return AvailabilityException(kind: kind, interval: Interval(start: row.startsAt, end: row.endsAt))
            }
            return ClinicianCalendar(clinicianID: id, weekly: weekly, exceptions: own, busy: busyByStaff[id] ?? [])
        }
    }

    /// Booked sessions per clinician starting within `interval` (holds still running count; blocked
    /// time does not), for sharing group bookings out fairly.
    static func bookedCounts(for staffIDs: [UUID], during interval: Interval, now: Date, on database: any Database) async throws -> [UUID: Int] {
        guard !staffIDs.isEmpty else { return [:] }
        let rows = try await Appointment.query(on: database).filter(\.$staff.$id ~~ staffIDs)
            .filter(\.$status ~~ Appointment.Status.occupying.filter { $0 != .blocked })
            .filter(\.$startsAt >= interval.start).filter(\.$startsAt < interval.end).all()
        return rows.filter { !isLapsedHold($0, now: now) }.reduce(into: [:]) { $0[$1.$staff.id, default: 0] += 1 }
    }

    static func isLapsedHold(_ appointment: Appointment, now: Date) -> Bool {
        isLapsedHold(status: appointment.status, holdExpiresAt: appointment.holdExpiresAt, now: now)
    }

    static func isLapsedHold(status: Appointment.Status, holdExpiresAt: Date?, now: Date) -> Bool {
        status == .held && (holdExpiresAt ?? .distantFuture) <= now
    }

    /// Rows every clinic needs before anyone books: a location or two, the appointment kinds with
    /// their fees per tier, and the booking settings.
    static func ensureDefaults(on database: any Database, now: Date) async throws {
        if try await Location.query(on: database).count() == 0 {
            for (index, place) in [("Clinic office", "The address in the page footer", false), ("Video session", "A private video link sent before the session", true)].enumerated() {
                let location = Location()
                location.name = place.0
                location.address = place.1
                location.isOnline = place.2
                location.sortOrder = index
                try await location.create(on: database)
            }
        }
        if try await AppointmentTypeRow.query(on: database).count() == 0 {
            let tiers = try await TeamQueries.tiersByCode(on: database)
            for (index, kind) in AppointmentKind.defaults.enumerated() {
                let row = AppointmentTypeRow()
                row.code = kind.code
                row.name = kind.name
                row.durationMinutes = kind.durationMinutes
                row.bufferBeforeMinutes = kind.bufferBeforeMinutes
                row.bufferAfterMinutes = kind.bufferAfterMinutes
                row.offeredBy = FeeTierCode.allCases.filter(kind.offeredBy.contains).map(\.rawValue).joined(separator: ",")
                row.bookableOnline = kind.bookableOnline
                row.sortOrder = index
                try await row.create(on: database)
                for tier in FeeTierCode.allCases where kind.offeredBy.contains(tier) {
                    let fee = AppointmentFee()
                    fee.typeCode = kind.code
                    fee.tierCode = tier.rawValue
                    // The consultation is free; everything else costs the tier's session fee.
                    fee.cents = kind.code == "consultation" ? 0 : (tiers[tier.rawValue]?.sessionFeeCents ?? 0)
                    fee.currency = tiers[tier.rawValue]?.currency ?? "CAD"
                    try await fee.create(on: database)
                }
            }
        }
        if try await BookingSettingsRow.query(on: database).count() == 0 {
            let settings = BookingSettingsRow()
            let rules = BookingRules()
            settings.minimumNoticeHours = rules.minimumNoticeHours
            settings.notSameDay = rules.notSameDay
            settings.horizonDays = rules.horizonDays
            settings.gridMinutes = rules.gridMinutes
            settings.maxPerDay = rules.maxPerClinicianPerDay
            settings.holdMinutes = 15
            settings.requireApproval = false
            settings.cancelNoticeHours = 24
            settings.lateCancelFeeCents = 5_000
            settings.offerHours = 12
            // PHQ-9 and GAD-7 at least every fourth session, as IPT training practice asks.
            settings.measureEvery = 4
            settings.updatedAt = now
            try await settings.create(on: database)
        }
    }
}

// MARK: the staff calendar

extension SchedulingQueries {
    /// Appointments and blocks of these clinicians that overlap `window`, in order; lapsed holds
    /// and declined requests never held the time, so they are left out.
    /// An appointment as the calendar grid draws it: the columns it uses and the client's name.
    struct CalendarEntry {
        let id: UUID
        let staffID: UUID
        let clientName: String?
        let typeCode: String?
        let blockNote: String?
        let status: Appointment.Status
        let startsAt: Date
        let endsAt: Date
        let holdExpiresAt: Date?
    }

    /// The calendar's appointments in a window, as plain rows with the client's name joined: a
    /// clinician's week as Fluent models, each with its client loaded as a model too, was a third
    /// of the page (docs/PERFORMANCE.md, "Runs of 2026-12-07, third session"). Expired holds and
    /// declined requests are left out here; lapsed holds by the grid.
    static func calendarAppointments(of staffIDs: [UUID], window: Interval, on database: any Database) async throws -> [CalendarEntry] {
        guard !staffIDs.isEmpty else { return [] }
        let hidden = [Appointment.Status.expired.rawValue, Appointment.Status.declined.rawValue]
        return try await RowReader.all("""
            SELECT a.id, a.staff_id, clients.name AS client_name, a.type_code, a.block_note, a.status, a.starts_at, a.ends_at, a.hold_expires_at
            FROM \(ident: Appointment.schema) AS a LEFT JOIN \(ident: ClientRecord.schema) AS clients ON clients.id = a.client_id
            WHERE a.staff_id IN (\(binds: staffIDs)) AND a.starts_at < \(bind: window.end) AND a.ends_at > \(bind: window.start)
                AND a.starts_at > \(bind: window.start.addingTimeInterval(-Appointment.longestSpan))
                AND a.status NOT IN (\(binds: hidden))
            ORDER BY a.starts_at, a.id
            """, on: database).map { row in
                let known = try Appointment.Status.read(from: row)
                return CalendarEntry(id: try row.decode(column: "id", as: UUID.self), staffID: try row.decode(column: "staff_id", as: UUID.self),
                                     clientName: try row.decode(column: "client_name", as: String?.self),
                                     typeCode: try row.decode(column: "type_code", as: String?.self),
                                     blockNote: try row.decode(column: "block_note", as: String?.self), status: known,
                                     startsAt: try row.decode(column: "starts_at", as: Date.self), endsAt: try row.decode(column: "ends_at", as: Date.self),
                                     holdExpiresAt: try row.decode(column: "hold_expires_at", as: Date?.self))
            }
    }

    /// One appointment with everything its page shows.
    static func appointment(_ id: UUID, on database: any Database) async throws -> Appointment? {
        try await Appointment.query(on: database).filter(\.$id == id)
            .with(\.$staff).with(\.$client).with(\.$location).with(\.$series).first()
    }

    /// The client's completed questionnaires, newest first.
    static func completedResponses(of clientID: UUID, on database: any Database) async throws -> [MeasureResponse] {
        try await MeasureResponse.query(on: database).filter(\.$client.$id == clientID)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).all()
    }

    /// The client's completed pre-therapy self-assessments, newest first.
    static func completedSelfAssessments(of clientID: UUID, on database: any Database) async throws -> [SelfAssessmentRecord] {
        try await SelfAssessmentRecord.query(on: database).filter(\.$client.$id == clientID)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).all()
    }

    /// The consents the client signed, oldest first.
    static func consents(of clientID: UUID, on database: any Database) async throws -> [ConsentRecord] {
        try await ConsentRecord.query(on: database).filter(\.$client.$id == clientID).sort(\.$signedAt).all()
    }

    static func locations(on database: any Database) async throws -> [Location] {
        try await Location.query(on: database).sort(\.$sortOrder).all()
    }

    /// The client the clinic already has under these details, if any: the same email and date of
    /// birth, and the same name ignoring case.
    static func existingClient(matching details: BookingDetails, on database: any Database) async throws -> ClientRecord? {
        try await ClientRecord.query(on: database).filter(\.$email == details.email)
            .filter(\.$dateOfBirth == details.dateOfBirth.description).all()
            .first { $0.name.lowercased() == details.name.lowercased() }
    }

    /// The appointment most recently booked for this client with this clinician.
    static func newestAppointment(client clientID: UUID, clinician staffID: UUID, on database: any Database) async throws -> Appointment? {
        try await Appointment.query(on: database).filter(\.$client.$id == clientID).filter(\.$staff.$id == staffID)
            .sort(\.$createdAt, .descending).first()
    }

    // MARK: weekly courses

    static func series(_ id: UUID, on database: any Database) async throws -> AppointmentSeries? {
        try await AppointmentSeries.query(on: database).filter(\.$id == id).with(\.$client).with(\.$staff).first()
    }

    /// The course's sessions in order.
    static func sessions(of seriesID: UUID, on database: any Database) async throws -> [Appointment] {
        try await Appointment.query(on: database).filter(\.$series.$id == seriesID).sort(\.$seriesNumber).all()
    }

    static func lastSession(of seriesID: UUID, on database: any Database) async throws -> Appointment? {
        try await Appointment.query(on: database).filter(\.$series.$id == seriesID).sort(\.$seriesNumber, .descending).first()
    }

    /// Sessions after number `after` that still hold their time and lie ahead.
    static func sessions(of seriesID: UUID, after: Int, startingAfter now: Date, on database: any Database) async throws -> [Appointment] {
        try await Appointment.query(on: database).filter(\.$series.$id == seriesID).filter(\.$seriesNumber > after)
            .filter(\.$status ~~ Appointment.Status.occupying).filter(\.$startsAt > now).all()
    }
}

// MARK: the waitlist and the calendar feed

extension SchedulingQueries {
    /// Everyone still waiting or holding an offer, in the order offers go out.
    static func waitlist(on database: any Database) async throws -> [WaitlistEntry] {
        try await WaitlistEntry.query(on: database)
            .filter(\.$status ~~ [WaitlistEntry.Status.waiting, WaitlistEntry.Status.offered])
            .with(\.$staff).sort(\.$position).all()
    }

    /// The position after the last on the list.
    static func nextWaitlistPosition(on database: any Database) async throws -> Double {
        (try await WaitlistEntry.query(on: database).sort(\.$position, .descending).first()?.position ?? 0) + 1
    }

    /// A calendar feed that has not been revoked, by the hash of its secret.
    static func liveFeed(tokenHash: String, on database: any Database) async throws -> CalendarFeed? {
        try await CalendarFeed.query(on: database).filter(\.$tokenHash == tokenHash).filter(\.$revokedAt == nil).with(\.$staff).first()
    }

    /// What a clinician's feed shows: confirmed, attended and blocked time from a month back to
    /// half a year ahead.
    static func feedAppointments(of staffID: UUID, around now: Date, on database: any Database) async throws -> [Appointment] {
        try await Appointment.query(on: database).filter(\.$staff.$id == staffID)
            .filter(\.$status ~~ [Appointment.Status.confirmed, Appointment.Status.blocked, Appointment.Status.attended])
            .filter(\.$startsAt > now.addingTimeInterval(-30 * 86_400)).filter(\.$startsAt < now.addingTimeInterval(180 * 86_400))
            .with(\.$client).sort(\.$startsAt).all()
    }

    // MARK: hours

    /// A clinician's weekly hours, by day and start.
    static func weeklyHours(of staffID: UUID, on database: any Database) async throws -> [AvailabilityRow] {
        try await AvailabilityRow.query(on: database).filter(\.$staff.$id == staffID).with(\.$location).all()
            .sorted { ($0.weekday, $0.startMinute) < ($1.weekday, $1.startMinute) }
    }

    /// A clinician's time off and extra hours that have not ended yet, soonest first.
    static func upcomingExceptions(of staffID: UUID, now: Date, on database: any Database) async throws -> [AvailabilityExceptionRow] {
        try await AvailabilityExceptionRow.query(on: database).filter(\.$staff.$id == staffID)
            .filter(\.$endsAt > now).sort(\.$startsAt).all()
    }

    // MARK: settings

    static func appointmentTypes(on database: any Database) async throws -> [AppointmentTypeRow] {
        try await AppointmentTypeRow.query(on: database).sort(\.$sortOrder).all()
    }

    static func appointmentType(code: String, on database: any Database) async throws -> AppointmentTypeRow? {
        try await AppointmentTypeRow.query(on: database).filter(\.$code == code).first()
    }

    static func fees(on database: any Database) async throws -> [AppointmentFee] {
        try await AppointmentFee.query(on: database).all()
    }

    static func bookingSettings(on database: any Database) async throws -> BookingSettingsRow? {
        try await BookingSettingsRow.query(on: database).first()
    }
}

extension Appointment.Status {
    /// The status in a plain row's `status` column. A value this version does not know is a
    /// database written by a newer one, not anything a user sent.
    static func read(from row: any SQLRow) throws -> Appointment.Status {
        let status = try row.decode(column: "status", as: String.self)
        guard let known = Appointment.Status(rawValue: status) else {
            throw Abort(.internalServerError, reason: "An appointment has a status this version does not know: \(status).")
        }
        return known
    }
}
