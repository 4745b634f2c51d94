import Fluent
import Foundation
import IPTCore
import IPTPages

/// The clinic's scheduling configuration, read from the database for one request.
struct BookingSetup: Sendable {
    let zone: ClinicTimeZone
    let rules: BookingRules
    let holdMinutes: Int
    let requireApproval: Bool
    let cancellation: CancellationPolicy
    let offerHours: Int
    let kinds: [AppointmentKind]
    let fees: FeeSchedule

    func kind(_ code: String?) -> AppointmentKind? {
        guard let code else { return nil }
        return kinds.first { $0.code == code }
    }

    var onlineKinds: [AppointmentKind] { kinds.filter(\.bookableOnline) }
}

/// Whom a visitor wants to see.
enum BookingChoice: Equatable, Sendable {
    /// The reduced-rate clinic: any supervised practicum student.
    case reducedRate
    /// Any registered therapist.
    case registered
    /// One named team member, by the slug of their profile.
    case member(String)

    init?(_ value: String?) {
        switch value {
        case "reduced": self = .reducedRate
        case "registered": self = .registered
        case let slug? where !slug.isEmpty && slug.count <= 80 && slug.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }):
            self = .member(slug)
        default: return nil
        }
    }

    var value: String {
        switch self {
        case .reducedRate: "reduced"
        case .registered: "registered"
        case .member(let slug): slug
        }
    }
}

enum SchedulingQueries {
    static func setup(on database: any Database, clinic: ClinicIdentity) async throws -> BookingSetup {
        let zone = clinic.zone
        async let settingsRow = BookingSettingsRow.query(on: database).first()
        async let typeRows = AppointmentTypeRow.query(on: database).sort(\.$sortOrder).all()
        async let feeRows = AppointmentFee.query(on: database).all()
        let settings = try await settingsRow
        let rules = BookingRules(minimumNoticeHours: settings?.minimumNoticeHours ?? 24, notSameDay: settings?.notSameDay ?? true,
                                 horizonDays: settings?.horizonDays ?? 56, gridMinutes: settings?.gridMinutes ?? 30,
                                 maxPerClinicianPerDay: settings == nil ? 7 : settings?.maxPerDay)
        var prices: [FeeSchedule.Key: Money] = [:]
        for fee in try await feeRows {
            guard let tier = FeeTierCode(rawValue: fee.tierCode) else { continue }
            prices[.init(tier: tier, kindCode: fee.typeCode)] = Money(cents: fee.cents, currency: fee.currency)
        }
        return BookingSetup(
            zone: zone, rules: rules, holdMinutes: settings?.holdMinutes ?? 15, requireApproval: settings?.requireApproval ?? false,
            cancellation: CancellationPolicy(noticeHours: settings?.cancelNoticeHours ?? 24,
                                             lateFee: settings?.lateCancelFeeCents.map { Money(cents: $0) }),
            offerHours: settings?.offerHours ?? 12,
            kinds: try await typeRows.map(\.kind),
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

    /// The calendars of these clinicians: weekly hours, exceptions and busy time within `window`.
    /// A hold whose time ran out no longer counts as busy.
    /// `excluding` leaves one appointment out (the one being moved).
    static func calendars(for staffIDs: [UUID], window: Interval, now: Date, excluding: UUID? = nil,
                          on database: any Database) async throws -> [ClinicianCalendar] {
        guard !staffIDs.isEmpty else { return [] }
        async let availabilityRows = AvailabilityRow.query(on: database).filter(\.$staff.$id ~~ staffIDs).all()
        async let exceptionRows = AvailabilityExceptionRow.query(on: database).filter(\.$staff.$id ~~ staffIDs)
            .filter(\.$endsAt > window.start).filter(\.$startsAt < window.end).all()
        async let appointmentRows = Appointment.query(on: database).filter(\.$staff.$id ~~ staffIDs)
            .filter(\.$status ~~ Appointment.Status.occupying)
            .filter(\.$blockedUntil > window.start).filter(\.$blockedFrom < window.end)
            .sort(\.$blockedFrom).all()  // in order, so the slot finder need not sort them
        let availability = try await availabilityRows
        let exceptions = try await exceptionRows
        let appointments = try await appointmentRows
        return staffIDs.map { id in
            let weekly = WeeklyAvailability(availability.filter { $0.$staff.id == id }.compactMap { row in
                guard let weekday = Weekday(rawValue: row.weekday),
                      let start = LocalTime(minuteOfDay: row.startMinute), let end = LocalTime(minuteOfDay: row.endMinute),
                      let range = WallTimeRange(start: start, end: end) else { return nil }
                return .init(weekday: weekday, range: range, locationID: row.$location.id)
            })
            let own = exceptions.filter { $0.$staff.id == id }.compactMap { row -> AvailabilityException? in
                guard case let kind = row.kind, row.startsAt < row.endsAt else { return nil }
                return AvailabilityException(kind: kind, interval: Interval(start: row.startsAt, end: row.endsAt))
            }
            let busy = appointments.filter { $0.$staff.id == id && !isLapsedHold($0, now: now) && $0.id != excluding }.map {
                BusyTime(interval: Interval(start: $0.blockedFrom, end: $0.blockedUntil), countsTowardDailyCap: $0.status != Appointment.Status.blocked)
            }
            return ClinicianCalendar(clinicianID: id, weekly: weekly, exceptions: own, busy: busy)
        }
    }

    static func isLapsedHold(_ appointment: Appointment, now: Date) -> Bool {
        appointment.status == Appointment.Status.held && (appointment.holdExpiresAt ?? .distantFuture) <= now
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
