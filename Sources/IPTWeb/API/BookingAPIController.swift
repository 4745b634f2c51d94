import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Booking over JSON: the same steps and rules as the web pages, described in OpenAPIDocument.
struct BookingAPIController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.apiAppointmentTypes, use: appointmentTypes)
        site.get(.apiSlots, use: slots)
        site.post(.apiBookings, use: requestBooking)
        site.post(.apiBookingsConfirm, use: confirm)
        site.post(.apiBookingsCancel, use: cancel)
        site.get(.apiStaffAppointments, use: staffAppointments)
    }

    /// Bounds of the API's own inputs, read by the handlers below and by OpenAPIDocument, so the
    /// document states the limits the handlers apply.
    enum Limits {
        /// The days one slot search may cover (`days`).
        static let slotSearchDays = 1...28
        /// A confirmation or cancellation token, in code points as JSON Schema's maxLength counts.
        static let token = 100
        /// The most days of the staff calendar one request returns.
        static let staffCalendarDays = 31
    }

    struct KindOut: Content {
        var code: String
        var name: String
        var durationMinutes: Int
        var bookableOnline: Bool
        /// Fee in cents by tier code.
        var feesCents: [String: Int]
        var currency: String
    }

    func appointmentTypes(_ request: Request) async throws -> [KindOut] {
        let setup = try await request.bookingSetup()
        return setup.kinds.map { kind in
            var fees: [String: Int] = [:]
            for tier in FeeTierCode.allCases {
                if let fee = setup.fees.fee(tier: tier, kindCode: kind.code) { fees[tier.rawValue] = fee.cents }
            }
            return KindOut(code: kind.code, name: kind.name, durationMinutes: kind.durationMinutes, bookableOnline: kind.bookableOnline,
                           feesCents: fees, currency: "CAD")
        }
    }

    struct SlotOut: Content {
        var clinician: String
        var clinicianName: String
        var start: Date
        var end: Date
    }

    struct SlotsOut: Content {
        var timeZone: String
        var slots: [SlotOut]
    }

    func slots(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        guard let kind = setup.kind(request.query[String.self, at: "type"]), kind.bookableOnline else {
            throw Abort(.badRequest, reason: "type must be the code of an appointment type that can be booked online.")
        }
        guard let choice = BookingChoice(request.query[String.self, at: "with"]) else {
            throw Abort(.badRequest, reason: "with must be reduced, registered or a team member's slug.")
        }
        let today = setup.zone.localDate(of: request.now)
        var from = today
        if let text = request.query[String.self, at: "from"] {
            guard let date = LocalDate(iso: text) else { throw Abort(.badRequest, reason: "from must be a date as YYYY-MM-DD.") }
            from = max(date, today)
        }
        // Read as text: a value that is not a whole number must be refused, not taken as absent.
        let daysText = request.query[String.self, at: "days"]
        guard let days = daysText.map({ Int($0) }) ?? 14, Limits.slotSearchDays.contains(days) else {
            throw Abort(.badRequest, reason: "days must be a whole number between \(Limits.slotSearchDays.lowerBound) and \(Limits.slotSearchDays.upperBound).")
        }
        let clinicians = try await SchedulingQueries.clinicians(for: choice, kind: kind, on: request.db)
        if case .member = choice, clinicians.isEmpty { throw Abort(.notFound) }
        let through = from.adding(days: days - 1)
        let window = Interval(start: setup.zone.startOfDay(from).addingTimeInterval(-86_400), end: setup.zone.startOfDay(through.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: clinicians.compactMap(\.id), window: window, now: request.now, on: request.db)
        let found = SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: from, through: through, now: request.now)
        let byID = Dictionary(uniqueKeysWithValues: clinicians.compactMap { member in member.id.map { ($0, member) } })
        let out = SlotsOut(timeZone: setup.zone.timeZone.identifier, slots: found.compactMap { slot in
            byID[slot.clinicianID].map { SlotOut(clinician: $0.slug, clinicianName: $0.name, start: slot.start, end: slot.end) }
        })
        return try await out.encodeResponse(for: request)
    }

    struct BookingIn: Content {
        var type: String?
        var clinician: String?
        var start: String?
        var name: String?
        var email: String?
        var phone: String?
        var dateOfBirth: String?
        var guardianName: String?
        var guardianEmail: String?
        var guardianPhone: String?
        var consent: Bool?
    }

    struct BookingOut: Content {
        var status: String
        var message: String
    }

    struct ConflictOut: Content {
        var error: String
        var alternatives: [SlotOut]
    }

    func requestBooking(_ request: Request) async throws -> Response {
        let body = try APIInput.decode(BookingIn.self, request)
        try await APIInput.checkRate(request, .booking)
        let setup = try await request.bookingSetup()
        guard let kind = setup.kind(body.type), kind.bookableOnline,
              let slug = BookingChoice(body.clinician).flatMap({ if case .member(let slug) = $0 { slug } else { nil } }),
              let startText = body.start, let start = try? Date(startText, strategy: .iso8601) else {
            throw Abort(.badRequest, reason: "type, clinician (a team member's slug) and start (an ISO 8601 time) are required.")
        }
        guard let clinician = try await SchedulingQueries.clinicians(for: .member(slug), kind: kind, on: request.db).first else {
            throw Abort(.notFound)
        }
        let draft = BookingDetailsDraft(name: body.name, email: body.email, phone: body.phone, dateOfBirth: body.dateOfBirth,
                                        guardianName: body.guardianName, guardianEmail: body.guardianEmail, guardianPhone: body.guardianPhone,
                                        consent: body.consent ?? false)
        switch BookingDetails.validate(draft, today: setup.zone.localDate(of: request.now)) {
        case .failure(let rejection):
            return try await APIInput.failure(rejection, request)
        case .success(let details):
            do {
                // One answer whatever happened next (held, waiting for approval, or the address already
                // booked then): the email says which, so the API reveals nothing about who is a client.
                _ = try await BookingService(request: request).requestBooking(kind: kind, clinician: clinician, start: start, details: details,
                                                                              source: "api", setup: setup)
                return try await BookingOut(status: "received", message: "Check the email address given: it says what happens next.")
                    .encodeResponse(status: .accepted, for: request)
            } catch BookingError.slotUnavailable(let alternatives) {
                return try await ConflictOut(error: "That time is no longer free.", alternatives: alternatives.map {
                    SlotOut(clinician: clinician.slug, clinicianName: clinician.name, start: $0.start, end: $0.end)
                }).encodeResponse(status: .conflict, for: request)
            }
        }
    }

    struct TokenIn: Content {
        var token: String?
    }

    struct AppointmentOut: Content {
        var status: String
        var start: Date
        var end: Date
        var clinicianName: String
        var lateFeeCents: Int?
    }

    private func token(_ request: Request) throws -> String {
        let body = try APIInput.decode(TokenIn.self, request)
        guard let token = body.token else { throw Abort(.badRequest, reason: "token is required.") }
        guard token.unicodeScalars.count <= Limits.token else {
            throw Abort(.badRequest, reason: "token is at most \(Limits.token) characters long.")
        }
        // A token made only of NUL is empty once they are dropped, yet the document allows it: like
        // any token no email carried, it answers to nothing.
        guard !token.isEmpty else { throw Abort(.notFound, reason: APIInput.message(.linkInvalid)) }
        return token
    }

    func confirm(_ request: Request) async throws -> Response {
        let token = try token(request)
        let setup = try await request.bookingSetup()
        do {
            let appointment = try await BookingService(request: request).confirm(token: token, setup: setup)
            return try await AppointmentOut(status: appointment.status.rawValue, start: appointment.startsAt, end: appointment.endsAt,
                                            clinicianName: appointment.staff.name, lateFeeCents: nil).encodeResponse(for: request)
        } catch let error as BookingError {
            throw Abort(error.status, reason: APIInput.message(error))
        }
    }

    func cancel(_ request: Request) async throws -> Response {
        let token = try token(request)
        let setup = try await request.bookingSetup()
        let service = BookingService(request: request)
        do {
            let appointment = try await service.appointment(manageToken: token)
            let outcome = try await service.cancelByClient(token: token, setup: setup)
            let fee: Int? = if case .lateCancelled(let fee) = outcome { fee?.cents } else { nil }
            return try await AppointmentOut(status: outcome == .cancelled ? "cancelled" : "late_cancelled", start: appointment.startsAt,
                                            end: appointment.endsAt, clinicianName: appointment.staff.name, lateFeeCents: fee).encodeResponse(for: request)
        } catch let error as BookingError {
            throw Abort(error.status, reason: APIInput.message(error))
        }
    }

    struct StaffAppointmentOut: Content {
        var id: UUID
        var clinician: String
        var clinicianName: String
        var client: String?
        var type: String?
        var status: String
        var start: Date
        var end: Date
    }

    /// The signed-in staff member's view of the calendar: the clinicians they may see, a range of
    /// at most `Limits.staffCalendarDays` days.
    func staffAppointments(_ request: Request) async throws -> [StaffAppointmentOut] {
        guard let staff = request.staff, staff.secondFactorDone, !staff.needsTwoFactorSetup else { throw Abort(.unauthorized) }
        guard AccessPolicy.allows(staff.role, .viewSchedule) else { throw Abort(.forbidden) }
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let setup = try await request.bookingSetup()
        func date(_ name: String) throws -> LocalDate? {
            try request.query[String.self, at: name].map { text in
                guard let date = LocalDate(iso: text) else { throw Abort(.badRequest, reason: "\(name) must be a date as YYYY-MM-DD.") }
                return date
            }
        }
        let askedFrom = try date("from")
        let askedTo = try date("to")
        let from = askedFrom ?? askedTo?.adding(days: -6) ?? setup.zone.localDate(of: request.now)
        // At most Limits.staffCalendarDays are returned; a range that ends before it starts holds nothing.
        let to = min(askedTo ?? from.adding(days: 6), from.adding(days: Limits.staffCalendarDays - 1))
        guard from <= to else { return [] }
        let visible = try await access.visibleClinicians(at: request.now, on: request.db)
        let ids = visible.map(\.id)
        let names = Dictionary(uniqueKeysWithValues: visible.map { ($0.id, $0) })
        let rows = ids.isEmpty ? [] : try await Appointment.query(on: request.db).filter(\.$staff.$id ~~ ids)
            .filter(\.$startsAt >= setup.zone.startOfDay(from)).filter(\.$startsAt < setup.zone.startOfDay(to.adding(days: 1)))
            .filter(\.$status !~ [Appointment.Status.expired, Appointment.Status.declined])
            .with(\.$client).sort(\.$startsAt).all()
        try await request.audit(.view, recordType: "calendar", detail: "api \(from) to \(to) rows=\(rows.count)")
        return rows.compactMap { row in
            guard let id = row.id, let member = names[row.$staff.id] else { return nil }
            return StaffAppointmentOut(id: id, clinician: member.slug, clinicianName: member.name, client: row.client?.name, type: row.typeCode,
                                       status: row.status.rawValue, start: row.startsAt, end: row.endsAt)
        }
    }
}

/// JSON input rules shared by the API controllers.
enum APIInput {
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) throws -> T {
        guard request.headers.contentType == .json else { throw Abort(.unsupportedMediaType) }
        do {
            // PostgreSQL refuses NUL in text: it is dropped from the body before decoding, as it is
            // from forms (an unknown field holding one changes nothing; a known one loses it).
            if let body = request.body.string, body.contains("\\u0000") {
                let decoder = try ContentConfiguration.global.requireDecoder(for: .json)
                return try decoder.decode(T.self, from: ByteBuffer(string: withoutNUL(body)), headers: request.headers)
            }
            return try request.content.decode(T.self)
        } catch {
            throw Abort(.badRequest, reason: "The body must be a JSON object with the documented fields.")
        }
    }

    /// The JSON text without the escape for NUL, `\u0000`, where it is one: an escaped backslash
    /// before it (`\\u0000`, a backslash then the letters u0000) is text and stays.
    static func withoutNUL(_ json: String) -> String {
        var text = json
        while true {
            let next = text.replacingOccurrences(of: #"((?:^|[^\\])(?:\\\\)*)\\u0000"#, with: "$1", options: .regularExpression)
            if next == text { return text }
            text = next
        }
    }

    static func checkRate(_ request: Request, _ form: PublicForm) async throws {
        guard try await request.services.rateLimits.allowPublicForm(form, from: request.clientAddress, at: request.now, on: request.db) else {
            throw Abort(.tooManyRequests)
        }
    }

    static func failure(_ rejection: FormRejection, _ request: Request) async throws -> Response {
        let fields = Dictionary(rejection.errors.entries.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
        return try await APIController.ValidationFailure(error: "Some fields need attention.", fields: fields)
            .encodeResponse(status: .unprocessableEntity, for: request)
    }

    static func message(_ error: BookingError) -> String {
        switch error {
        case .linkInvalid: "No appointment answers to this token."
        case .linkUsed: "This token has been used, or the appointment was cancelled."
        case .holdExpired: "The hold ran out before it was confirmed."
        case .tooLateToChange: "The appointment is too close, or past, to change it online."
        case .clientBusy: "This email already has an appointment at that time."
        case .slotUnavailable: "That time is no longer free."
        }
    }
}
