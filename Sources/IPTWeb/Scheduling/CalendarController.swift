import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The staff calendar: day and week views per clinician or for the whole clinic, appointments
/// created, moved, cancelled and marked, time blocked. No clinical content appears here, so the
/// front desk can run it.
struct CalendarController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.calendar, use: show)
        site.get(.calendarBlock, use: blockForm)
        site.post(.calendarBlock, use: block)
        site.get(.appointmentNew, use: newForm)
        site.post(.appointments, use: create)
        site.get(.appointment, use: detail)
        site.post(.appointmentMove, use: move)
        site.post(.appointmentCancel, use: cancel)
        site.post(.appointmentStatus, use: mark)
        site.post(.appointmentApprove, use: approve)
        site.post(.appointmentSlidingScale, use: slidingScale)
        site.get(.series, use: seriesDetail)
        site.post(.seriesExtend, use: extendSeries)
        site.post(.seriesShorten, use: shortenSeries)
    }

    // MARK: views

    /// Everyone's day shows this many clinicians side by side at most: as many as fit beside the
    /// menu on a 1366-pixel screen with room for a name and a time, so a large clinic's day is
    /// readable without scrolling sideways and costs the same to draw whatever the size of the
    /// staff; the rest are a link away.
    static let dayColumnsPerPage = 8

    func show(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let setup = try await request.bookingSetup()
        let zone = setup.zone
        let visible = try await access.visibleClinicians(at: request.now, on: request.db)
        let today = zone.localDate(of: request.now)
        let date = request.query[String.self, at: "date"].flatMap(LocalDate.init(iso:)) ?? today
        let requested = request.query[String.self, at: "clinician"]
        var shown = visible
        if let requested, requested != "all" {
            guard let id = UUID(uuidString: requested), let one = visible.first(where: { $0.id == id }) else { throw Abort(.notFound) }
            shown = [one]
        } else if !access.managesAll {
            // The signed-in clinician's own calendar comes first.
            shown = visible.filter { $0.id == staff.id } + visible.filter { $0.id != staff.id }
        }
        // Everyone's day side by side unless one calendar was asked for; one calendar reads best by week.
        let isDay = request.query[String.self, at: "view"].map { $0 == "day" } ?? (shown.count > 1)
        if !isDay { shown = Array(shown.prefix(1)) }  // the week view shows one clinician (see CalendarPage.switcher)
        var columnPage: CalendarPage.ColumnPage?
        if isDay && shown.count > Self.dayColumnsPerPage {
            let per = Self.dayColumnsPerPage
            let pages = (shown.count + per - 1) / per
            let number = min(max(request.query[Int.self, at: "page"] ?? 1, 1), pages)
            let start = (number - 1) * per
            let slice = Array(shown[start..<min(start + per, shown.count)])
            func link(_ number: Int) -> String {
                SitePath.calendar.link(query: ["view": "day", "date": date.description, "clinician": requested ?? "all", "page": String(number)])
            }
            columnPage = .init(first: start + 1, last: start + slice.count, total: shown.count, number: number,
                               previous: number > 1 ? link(number - 1) : nil, next: number < pages ? link(number + 1) : nil)
            shown = slice
        }
        let first = isDay ? date : date.startOfWeek
        let days = (0..<(isDay ? 1 : 7)).map { first.adding(days: $0) }
        let window = Interval(start: zone.startOfDay(first), end: zone.startOfDay(days.last!.adding(days: 1)))
        let ids = shown.map(\.id)
        let appointments = try await SchedulingQueries.calendarAppointments(of: ids, window: window, on: request.db)
        let calendars = try await SchedulingQueries.calendars(for: ids, window: window, now: request.now, on: request.db)
        let model = CalendarPage.Model(
            clinicians: visible.map { ($0.id.uuidString, $0.isActive ? $0.name : "\($0.name) (no longer has access)") }, offersEveryone: access.managesAll || visible.count > 1,
            clinician: requested ?? "all", date: date, today: today, isDay: isDay, days: days, zoneName: zone.displayName(at: window.start),
            managesAll: access.managesAll, weekClinician: isDay ? nil : shown.first?.id.uuidString,
            columns: CalendarGrid(setup: setup, now: request.now, appointments: appointments, calendars: calendars)
                .columns(shown, days: days, isDay: isDay, filter: requested ?? "all"),
            types: setup.kinds.map(\.name), nowMinute: zone.wallClock(of: request.now).minuteOfDay, csrfToken: request.csrfToken,
            columnPage: columnPage)
        return try await request.auditedPage("Calendar", recordType: "calendar", subject: nil,
                                             detail: "\(isDay ? "day" : "week") of \(first) clinicians=\(ids.count) rows=\(appointments.count)") {
            CalendarPage.view(model)
        }
    }

    /// The appointment in the path, if the signed-in person manages its clinician's calendar.
    private func managedAppointment(_ request: Request) async throws -> Appointment {
        let access = try await ScheduleAccess.load(try await request.authorize(.viewSchedule), on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let appointment = try await SchedulingQueries.appointment(id, on: request.db),
              access.canManage(clinicianID: appointment.$staff.id)
        else {
            // Someone else's appointment answers exactly like one that does not exist.
            throw Abort(.notFound)
        }
        return appointment
    }

    func detail(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        let model = try await detailModel(request, appointment: appointment, errors: FieldErrors(), saved: request.query[String.self, at: "done"] != nil)
        return try await request.auditedPage(model.title, recordType: "appointment", recordID: appointment.id?.uuidString,
                                             subject: appointment.$client.id?.uuidString) { AppointmentPage.view(model) }
    }

    private func renderDetail(_ request: Request, appointment: Appointment, errors: FieldErrors, moveDate: String? = nil, moveTime: String? = nil,
                              alternatives: [Slot] = [], status: HTTPResponseStatus) async throws -> Response {
        let model = try await detailModel(request, appointment: appointment, errors: errors, saved: false, moveDate: moveDate, moveTime: moveTime,
                                          alternatives: alternatives)
        return try await request.auditedPage(model.title, recordType: "appointment", recordID: appointment.id?.uuidString,
                                             subject: appointment.$client.id?.uuidString, detail: AuditDetail.formReturned, status: status) { AppointmentPage.view(model) }
    }

    private func detailModel(_ request: Request, appointment: Appointment, errors: FieldErrors, saved: Bool,
                             moveDate: String? = nil, moveTime: String? = nil, alternatives: [Slot] = []) async throws -> AppointmentPage.Model {
        let setup = try await request.bookingSetup()
        let zone = setup.zone
        let clientID = appointment.$client.id
        // The client's questionnaires and self-assessments show here only to their care team (and the
        // director once she has given a reason): holding the appointment is not enough.
        let clinicalRole = request.staff.map { AccessPolicy.allows($0.role, .viewClinicalRecords) } ?? false
        let clinical = try await clientID.asyncMap { try await request.mayViewClinicalInformation(of: $0) } ?? false
        let keyRing = request.services.keyRing
        let responses = clinical && clientID != nil
            ? try await SchedulingQueries.completedResponses(of: clientID!, on: request.db).map { ($0, try $0.score(keyRing)) } : []
        let consents = clientID == nil ? [] : try await SchedulingQueries.consents(of: clientID!, on: request.db).map { ($0, try $0.typedName(keyRing)) }
        let selfAssessments = clinical && clientID != nil ? try await SchedulingQueries.completedSelfAssessments(of: clientID!, on: request.db) : []
        func listed(_ date: Date) -> String { DateDisplay.dateTime(date, timeZone: zone.timeZone.identifier) }
        let current = appointment.status
        let wall = zone.wallClock(of: appointment.startsAt)
        let client = appointment.client.map { client in
            AppointmentPage.Client(
                id: client.id?.uuidString ?? "", name: client.name, programme: Programme(rawValue: client.programme)?.label ?? client.programme,
                email: client.email, phone: client.phone,
                guardian: client.guardianName.map { [$0, client.guardianEmail, client.guardianPhone].compactMap { $0 }.joined(separator: ", ") },
                slidingScalePercent: client.slidingScalePercent)
        }
        let hidden: AppointmentPage.HiddenClinical? = client != nil && clinicalRole && !clinical
            ? (request.staff?.role == .admin ? .notOnCaseload : .notOnCareTeam) : nil
        return AppointmentPage.Model(
            id: appointment.id?.uuidString ?? "", calendarDate: wall.date.description, clinicianID: appointment.$staff.id.uuidString,
            saved: saved, errors: errors, alternatives: alternatives.map { DateDisplay.when($0.start, zone: zone) },
            when: DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: zone), clinician: appointment.staff.name,
            type: setup.kind(appointment.typeCode)?.name ?? appointment.blockNote ?? "Blocked", statusCode: current.rawValue, statusLabel: current.label,
            client: client, fee: appointment.feeCents.map { Money(cents: $0, currency: appointment.currency ?? "CAD").formatted },
            lateFee: appointment.lateFeeCents.map { Money(cents: $0).formatted },
            course: appointment.series.map { .init(id: $0.id?.uuidString ?? "", session: appointment.seriesNumber ?? 0) },
            booked: "\(appointment.source == "web" ? "Online" : appointment.source == "waitlist" ? "From the waitlist" : "By staff"), \(listed(appointment.createdAt))",
            showsClinical: clinical, hiddenClinical: hidden, isConfirmedOrAttended: [.confirmed, .attended].contains(current),
            instruments: request.services.instruments.all.map { ($0.code, $0.name) },
            maySetSlidingScale: request.staff.map { AccessPolicy.allows($0.role, .manageBilling) } ?? false,
            consents: consents.map { consent, typedName in
                "\(consent.kind.title), version \(consent.version), signed \"\(typedName)\" on \(listed(consent.signedAt))"
            },
            selfAssessments: selfAssessments.map { .init(id: $0.id?.uuidString ?? "", completed: $0.completedAt.map(listed) ?? "") },
            responses: responses.map { response, score in
                let name = request.services.instruments.named(response.instrumentCode)?.name ?? response.instrumentCode
                return "\(name): \(score.map { "\($0.total) (\($0.band))" } ?? "?"), \(response.completedAt.map(listed) ?? "")"
            },
            awaitsApproval: current == .requested, isChangeable: current.isChangeable,
            moveDate: moveDate ?? wall.date.description, moveTime: moveTime ?? (LocalTime(minuteOfDay: wall.minuteOfDay)?.description ?? ""),
            mayRecordAttendance: appointment.client != nil && [.confirmed, .attended, .noShow, .lateCancelled].contains(current)
                && zone.localDate(of: request.now) >= zone.localDate(of: appointment.startsAt),
            csrfToken: request.csrfToken)
    }

    // MARK: changes

    struct MoveBody: Content {
        var date: String?
        var time: String?
    }

    func move(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(MoveBody.self, from: request)
        let setup = try await request.bookingSetup()
        let answer = MoveAnswer(request: request, appointment: appointment, body: body, zone: setup.zone)
        guard appointment.status.isChangeable == true else {
            if answer.wantsJSON { return try answer.json(.conflict, "This appointment is cancelled or past; it can no longer be moved.") }
            throw Abort(.conflict, reason: "This appointment is cancelled or past; it can no longer be moved.")
        }
        var errors = FieldErrors()
        let date = body.date.flatMap(LocalDate.init(iso:))
        let time = body.time.flatMap (LocalTime.init(formValue:))
        if date == nil { errors.add("date", "Enter a real date as year-month-day.") }
        if time == nil { errors.add("time", "Enter a time as hours and minutes, for example 14:30.") }
        let start = date.flatMap { d in time.flatMap { setup.zone.instant(d, $0) } }
        if date != nil, time != nil, start == nil { errors.add("time", "That time does not exist on that date (the clocks change).") }
        if let start, start < request.now { errors.add("date", "Choose a time in the future.") }
        guard errors.isEmpty, let start else { return try await refusedMove(answer, errors, status: .unprocessableEntity) }
        let kind = setup.kind(appointment.typeCode)
            ?? AppointmentKind(code: "block", name: "Blocked", durationMinutes: Int(appointment.endsAt.timeIntervalSince(appointment.startsAt) / 60))
        do {
            _ = try await BookingService(request: request).move(appointment, to: start, kind: kind, setup: setup, by: "staff")
        } catch BookingError.slotUnavailable(let alternatives) {
            errors.add("time", "That time overlaps another appointment or blocked time of this clinician.")
            return try await refusedMove(answer, errors, alternatives: alternatives, status: .conflict)
        } catch BookingError.clientBusy {
            errors.add("time", "The client has another appointment at that time.")
            return try await refusedMove(answer, errors, status: .conflict)
        }
        if appointment.startsAt > request.now {
            try await WaitlistService(request: request).offerFreedTime(staffID: appointment.$staff.id, start: appointment.startsAt, setup: setup)
        }
        if answer.wantsJSON { return try answer.json(.ok, "Moved to \(DateDisplay.when(start, zone: setup.zone)).") }
        return request.redirect(to: SitePath.appointment.link(appointment.id?.uuidString ?? "", query: ["done": "moved"]))
    }

    /// How a move answers: the appointment page with the form and its errors for a browser, or a
    /// small JSON answer for the calendar's drag-and-drop (asked for with `Accept: application/json`),
    /// carrying the same message and the same alternative times.
    struct MoveAnswer {
        let request: Request
        let appointment: Appointment
        let body: MoveBody
        let zone: ClinicTimeZone

        struct Alternative: Content {
            var date: String
            var time: String
            var label: String
        }

        struct Reply: Content {
            var ok: Bool
            var message: String
            var alternatives: [Alternative]
        }

        var wantsJSON: Bool { request.headers.accept.contains { $0.mediaType == .json } }

        func json(_ status: HTTPResponseStatus, _ message: String, alternatives: [Slot] = []) throws -> Response {
            let reply = Reply(ok: status == .ok, message: message, alternatives: alternatives.map { slot in
                let wall = zone.wallClock(of: slot.start)
                return Alternative(date: wall.date.description, time: LocalTime(minuteOfDay: wall.minuteOfDay)?.description ?? "",
                                   label: "\(DateDisplay.day(wall.date)) at \(DateDisplay.time(slot.start, zone: zone))")
            })
            let response = Response(status: status)
            try response.content.encode(reply, as: .json)
            return response
        }
    }

    /// A refused move: the message and alternatives as JSON for the calendar, or the appointment
    /// page with the form, the typed values and the errors.
    private func refusedMove(_ answer: MoveAnswer, _ errors: FieldErrors, alternatives: [Slot] = [], status: HTTPResponseStatus) async throws -> Response {
        if answer.wantsJSON { return try answer.json(status, errors.entries.map(\.message).joined(separator: " "), alternatives: alternatives) }
        return try await renderDetail(answer.request, appointment: answer.appointment, errors: errors, moveDate: answer.body.date,
                                      moveTime: answer.body.time, alternatives: alternatives, status: status)
    }

    struct CancelBody: Content {
        var late: String?
    }

    func cancel(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(CancelBody.self, from: request)
        let setup = try await request.bookingSetup()
        guard appointment.status.isChangeable == true else {
            return request.redirect(to: SitePath.appointment.link(appointment.id?.uuidString ?? ""))
        }
        // A free appointment carries no late fee, as when the client cancels it by their link.
        let lateFee = appointment.feeCents == 0 ? nil : setup.cancellation.lateFee
        let outcome: BookingService.CancelOutcome = body.late == "yes" ? .lateCancelled(fee: lateFee) : .cancelled
        try await BookingService(request: request).cancel(appointment, outcome: outcome, setup: setup, by: "staff",
                                                          notify: appointment.status != Appointment.Status.held)
        return request.redirect(to: SitePath.appointment.link(appointment.id?.uuidString ?? "", query: ["done": "cancelled"]))
    }

    struct StatusBody: Content {
        var status: String?
    }

    func mark(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(StatusBody.self, from: request)
        let setup = try await request.bookingSetup()
        guard let target = body.status.flatMap(Appointment.Status.init(rawValue:)), [.attended, .noShow, .lateCancelled].contains(target) else {
            throw Abort(.badRequest, reason: "Choose attended, no-show or late-cancelled.")
        }
        // A mark can be corrected (late-cancelled, then attended after all). A session is marked
        // attended from its own day (the desk marks the morning's sessions as clients arrive), never
        // the day before, which charged a session that had not happened; a no-show from its start.
        guard appointment.client != nil, [.confirmed, .attended, .noShow, .lateCancelled].contains(appointment.status),
              appointment.startsAt <= request.now.addingTimeInterval(86_400) else {
            throw Abort(.conflict, reason: "Only a confirmed appointment from today or earlier can be marked.")
        }
        if target == .attended, setup.zone.localDate(of: request.now) < setup.zone.localDate(of: appointment.startsAt) {
            throw Abort(.conflict, reason: "A session can be marked attended from the day it takes place.")
        }
        if target == .noShow, request.now < appointment.startsAt {
            throw Abort(.conflict, reason: "A session can be marked a no-show once it has started.")
        }
        // Once its charge is on an issued invoice, the mark and the invoice would disagree: the
        // invoice is corrected by a credit note first, which opens the charge again.
        if target != appointment.status,
           try await Charge.query(on: request.db).filter(\.$appointment.$id == appointment.requireID()).filter(\.$status == .invoiced).first() != nil {
            throw Abort(.conflict, reason: "This session is on an issued invoice. Issue a credit note for that invoice first, then correct the mark.")
        }
        let wasLateCancelled = appointment.status == .lateCancelled
        appointment.status = target
        appointment.lateFeeCents = target == .lateCancelled && appointment.feeCents != 0 ? setup.cancellation.lateFee?.cents : nil
        if wasLateCancelled && target != .lateCancelled { appointment.cancelledAt = nil }
        appointment.updatedAt = request.now
        let appointmentID = try appointment.requireID(), now = request.now, policyLateFee = setup.cancellation.lateFee?.cents
        do {
            try await request.db.writeTransaction { db in
                try await appointment.update(on: db)
                // The ledger follows the calendar in the same transaction (issue 17): the charge exists exactly when the mark does.
                try await BillingQueries.recordCharge(for: appointmentID, policyLateFeeCents: policyLateFee, at: now, on: db)
            }
        } catch where OverlapGuard.violated(by: error) != nil {
            // A late cancellation freed the time, and it has been booked or offered since: the
            // session cannot have taken place in it as well.
            throw Abort(.conflict, reason: "This time was given to another appointment after the late cancellation, so the session cannot be marked as held. Check the calendar.")
        }
        try await request.audit(.update, recordType: "appointment", recordID: appointment.id?.uuidString, subject: appointment.$client.id?.uuidString,
                                detail: "marked \(target.rawValue)")
        return request.redirect(to: SitePath.appointment.link(appointment.id?.uuidString ?? "", query: ["done": "marked"]))
    }

    struct ApproveBody: Content {
        var decision: String?
    }

    func approve(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(ApproveBody.self, from: request)
        let setup = try await request.bookingSetup()
        guard appointment.status == .requested, let id = appointment.id else {
            throw Abort(.conflict, reason: "This request has already been answered.")
        }
        if body.decision == "decline" {
            appointment.status = Appointment.Status.declined
            appointment.updatedAt = request.now
            try await request.db.writeTransaction { db in try await appointment.update(on: db) }
            try await request.audit(.update, recordType: "appointment", recordID: id.uuidString, subject: appointment.$client.id?.uuidString, detail: "request declined")
            return request.redirect(to: SitePath.appointment.link(id.uuidString, query: ["done": "declined"]))
        }
        // Approval is the confirmation: the same step and email as the client's link, in one transaction.
        _ = try await BookingService(request: request).confirm(id, accepting: [.requested], by: "staff approval", setup: setup)
        return request.redirect(to: SitePath.appointment.link(id.uuidString, query: ["done": "approved"]))
    }

    struct SlidingScaleBody: Content {
        var percent: String?
    }

    /// The client's sliding-scale reduction; it applies to this appointment (if not yet held) and to
    /// every later booking. A price is the director's decision, as the approved rates on the billing
    /// page are: the front desk could otherwise take a client's fee to nothing from here.
    func slidingScale(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageBilling)
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(SlidingScaleBody.self, from: request)
        let setup = try await request.bookingSetup()
        guard let client = appointment.client else { throw Abort(.notFound) }
        guard let percent = body.percent.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (0...100).contains(percent) else {
            var errors = FieldErrors()
            errors.add("percent", "Enter a reduction from 0 to 100 percent.")
            return try await renderDetail(request, appointment: appointment, errors: errors, status: .unprocessableEntity)
        }
        let tier = appointment.staff.feeTier.flatMap(FeeTierCode.init(rawValue:))
        let fee = tier.flatMap { setup.fees.fee(tier: $0, kindCode: appointment.typeCode ?? "", reductionPercent: percent) }
        try await request.db.writeTransaction { db in
            client.slidingScalePercent = percent
            try await client.update(on: db)
            if appointment.status.isChangeable == true, let fee {
                appointment.feeCents = fee.cents
                try await appointment.update(on: db)
            }
        }
        try await request.audit(.update, recordType: "client", recordID: client.id?.uuidString, subject: client.id?.uuidString,
                                detail: "sliding scale \(percent)%")
        return request.redirect(to: SitePath.appointment.link(appointment.id?.uuidString ?? "", query: ["done": "fee"]))
    }

    // MARK: new appointments

    struct NewBody: Content {
        var clinician: String?
        var client: String?
        var clientName: String?
        var clientEmail: String?
        var clientPhone: String?
        var clientDateOfBirth: String?
        var type: String?
        var location: String?
        var date: String?
        var time: String?
        var weeks: String?
        var onConflict: String?
        var emailClient: String?

        var fields: [String: String] {
            ["clinician": clinician, "client": client, "clientName": clientName, "clientEmail": clientEmail, "clientPhone": clientPhone,
             "clientDateOfBirth": clientDateOfBirth, "type": type, "location": location, "date": date, "time": time, "weeks": weeks,
             "onConflict": onConflict, "emailClient": emailClient].compactMapValues { $0 }
        }
    }

    func newForm(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        var body = NewBody()
        body.clinician = request.query[String.self, at: "clinician"] ?? staff.id.uuidString
        body.date = request.query[String.self, at: "date"]
        // From the client search: the client already chosen.
        body.client = request.query[String.self, at: "client"]
        // A calendar slot link also brings the time; a malformed one only shows as typed and is checked on sending.
        body.time = request.query[String.self, at: "time"].map { String($0.prefix(5)) }
        body.weeks = "1"
        body.onConflict = "refuse"
        body.emailClient = "yes"
        return try await renderNew(request, body: body, errors: FieldErrors())
    }

    /// A checked booking form: the course to book, and the new client to create first if one was typed.
    private struct NewBooking {
        var clinicianID: UUID
        var clientID: UUID?
        var newClient: BookingDetails?
        var kind: AppointmentKind
        var date: LocalDate
        var time: LocalTime
        var weeks: Int
        var locationID: UUID?
    }

    /// Checks the form field by field; the errors, or what to book when there are none.
    private func checkNew(_ body: NewBody, _ request: Request, access: ScheduleAccess, setup: BookingSetup) async throws -> (FieldErrors, NewBooking?) {
        var errors = FieldErrors()
        let clinicianID = body.clinician.flatMap(UUID.init(uuidString:))
        var bookable = false
        if let clinicianID { bookable = try await access.canBookInto(clinicianID: clinicianID, on: request.db) }
        if !bookable { errors.add("clinician", "Choose a clinician whose calendar you manage.") }
        let kind = setup.kind(body.type)
        if kind == nil { errors.add("type", "Choose the type of appointment.") }
        let date = body.date.flatMap(LocalDate.init(iso:))
        if date == nil { errors.add("date", "Enter a real date as year-month-day.") }
        let time = body.time.flatMap (LocalTime.init(formValue:))
        if time == nil { errors.add("time", "Enter a start time as hours and minutes, for example 14:30.") }
        let weeks = Int(body.weeks ?? "1") ?? 0
        if !(1...24).contains(weeks) { errors.add("weeks", "Book between 1 and 24 weekly sessions.") }
        if let date, let time {
            if let start = setup.zone.instant(date, time) {
                if start < request.now { errors.add("date", "Choose a time in the future.") }
            } else {
                errors.add("time", "That time does not exist on that date (the clocks change).")
            }
        }
        let locationID = body.location.flatMap(UUID.init(uuidString:))
        if let locationID, try await Location.find(locationID, on: request.db) == nil { errors.add("location", "Choose a place from the list.") }
        var clientID = body.client.flatMap(UUID.init(uuidString:))
        if let id = clientID, !(try await access.bookableClients(at: request.now, on: request.db)).contains(where: { $0.id == id }) {
            // Someone else's client is treated like one that does not exist.
            clientID = nil
            errors.add("client", "Choose a client from the list.")
        }
        var newClient: BookingDetails?
        if clientID == nil && errors["client"] == nil {
            let draft = BookingDetailsDraft(name: body.clientName, email: body.clientEmail, phone: body.clientPhone, dateOfBirth: body.clientDateOfBirth,
                                            consent: false)
            switch BookingDetails.validate(draft, today: setup.zone.localDate(of: request.now), requireGuardianAndConsent: false) {
            case .success(let details): newClient = details
            case .failure(let rejection):
                for entry in rejection.errors.entries {
                    errors.add("client" + entry.field.prefix(1).uppercased() + entry.field.dropFirst(), entry.message)
                }
            }
        }
        guard errors.isEmpty, let clinicianID, let kind, let date, let time else { return (errors, nil) }
        if let newClient, !access.managesAll,
           let existing = try await SchedulingQueries.existingClient(matching: newClient, on: request.db),
           !(try await access.bookableClients(at: request.now, on: request.db)).contains(where: { $0.id == existing.id }) {
            // Typing an existing client's details must not attach them (and their chart) to this
            // calendar: the front desk books existing clients with another clinician.
            errors.add("clientEmail", "These details match a client the clinic already has. Ask the front desk to book them with you.")
            return (errors, nil)
        }
        return (errors, NewBooking(clinicianID: clinicianID, clientID: clientID, newClient: newClient, kind: kind, date: date, time: time,
                                   weeks: weeks, locationID: locationID))
    }

    func create(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let body = try FormInput.decode(NewBody.self, from: request)
        let setup = try await request.bookingSetup()
        var (errors, checked) = try await checkNew(body, request, access: access, setup: setup)
        guard let booking = checked else { return try await renderNew(request, body: body, errors: errors, status: .unprocessableEntity) }
        var clientID = booking.clientID
        if let newClient = booking.newClient {
            let now = request.now
            clientID = try await request.db.writeTransaction { db in
                try await BookingService.newClient(newClient, now: now, consented: false, on: db)
            }.id
        }
        guard let clientID else { throw Abort(.internalServerError) }
        let course = StaffBooking.CourseRequest(
            clinicianID: booking.clinicianID, clientID: clientID, kind: booking.kind, firstDate: booking.date, time: booking.time, count: booking.weeks,
            locationID: booking.locationID, resolution: body.onConflict == "move" ? .moveConflicts : .refuse, emailClient: body.emailClient == "yes")
        var keep = body
        keep.client = clientID.uuidString
        do {
            switch try await StaffBooking(request: request).book(course, setup: setup) {
            case .booked(let seriesID, let occurrences):
                if let seriesID {
                    let moved = occurrences.filter(\.isMoved).map { String($0.number) }
                    return request.redirect(to: SitePath.series.link(seriesID, query: ["moved": moved.isEmpty ? nil : moved.joined(separator: ",")]))
                }
                let first = try await SchedulingQueries.newestAppointment(client: clientID, clinician: booking.clinicianID, on: request.db)
                return request.redirect(to: SitePath.appointment.link(first?.id?.uuidString ?? "", query: ["done": "created"]))
            case .conflicts(let plan):
                errors.add("weeks", Self.conflictMessage(plan, resolution: course.resolution, zone: setup.zone))
                return try await renderNew(request, body: keep, errors: errors, status: .conflict)
            }
        } catch BookingError.slotUnavailable {
            errors.add("time", "Another booking took one of these times a moment ago. Nothing was booked; send the form again to re-plan.")
            return try await renderNew(request, body: keep, errors: errors, status: .conflict)
        }
    }

    /// What to say when weeks of a course collide: which weeks, and what the clinician can do.
    private static func conflictMessage(_ plan: [WeeklySeriesPlanner.Occurrence], resolution: WeeklySeriesPlanner.Resolution,
                                        zone: ClinicTimeZone) -> String {
        let weeksText = plan.filter { $0.planned == nil }.map { occurrence in
            "week \(occurrence.number)" + (occurrence.usual.map { " (\(DateDisplay.when($0.start, zone: zone)))" } ?? "")
        }.joined(separator: "; ")
        return resolution == .refuse
            ? "Nothing was booked: \(weeksText) collides with another appointment. Choose \"move the colliding weeks\" to book those weeks at the nearest free time, or pick another time."
            : "Nothing was booked: no free time could be found in \(weeksText)."
    }

    private func renderNew(_ request: Request, body: NewBody, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let access = try await ScheduleAccess.load(try request.requireStaff(), on: request.db)
        let setup = try await request.bookingSetup()
        let model = NewAppointmentPage.Model(
            clinicians: try await access.bookableClinicians(at: request.now, on: request.db).map { ($0.id.uuidString, $0.name) },
            clients: try await access.bookableClients(at: request.now, on: request.db).map { ($0.id?.uuidString ?? "", "\($0.name) (\($0.email))") },
            kinds: setup.kinds.map { ($0.code, "\($0.name) (\($0.durationMinutes) min)") },
            locations: try await SchedulingQueries.locations(on: request.db).map { ($0.id?.uuidString ?? "", $0.name) },
            fields: body.fields, errors: errors, zoneName: setup.zone.displayName(at: request.now), csrfToken: request.csrfToken)
        return try await request.page(model.title, NewAppointmentPage.view(model), status: status)
    }

    // MARK: blocking time

    struct BlockBody: Content {
        var clinician: String?
        var date: String?
        var from: String?
        var until: String?
        var note: String?

        var fields: [String: String] {
            ["clinician": clinician, "date": date, "from": from, "until": until, "note": note].compactMapValues { $0 }
        }
    }

    func blockForm(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        return try await renderBlock(request, body: BlockBody(clinician: staff.id.uuidString), errors: FieldErrors())
    }

    func block(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let body = try FormInput.decode(BlockBody.self, from: request)
        let setup = try await request.bookingSetup()
        var errors = FieldErrors()
        let clinicianID = body.clinician.flatMap(UUID.init(uuidString:))
        var bookable = false
        if let clinicianID { bookable = try await access.canBookInto(clinicianID: clinicianID, on: request.db) }
        if !bookable { errors.add("clinician", "Choose a clinician whose calendar you manage.") }
        let date = body.date.flatMap(LocalDate.init(iso:))
        if date == nil { errors.add("date", "Enter a real date as year-month-day.") }
        let from = body.from.flatMap (LocalTime.init(formValue:))
        let until = body.until.flatMap (LocalTime.init(formValue:))
        if from == nil { errors.add("from", "Enter the start as hours and minutes.") }
        if until == nil { errors.add("until", "Enter the end as hours and minutes.") }
        if let from, let until, until <= from { errors.add("until", "The end must be after the start.") }
        let note = TextRules.clean(body.note) ?? "Blocked"
        if note.count > 120 || TextRules.hasControlCharacters(note, allowLineBreaks: false) { errors.add("note", "Keep the label to 120 characters of plain text.") }
        guard errors.isEmpty, let clinicianID, let date, let from, let until,
              let start = setup.zone.instant(date, from), let end = setup.zone.instant(date, until) else {
            return try await renderBlock(request, body: body, errors: errors, status: .unprocessableEntity)
        }
        do {
            let id = try await StaffBooking(request: request).block(clinicianID: clinicianID, interval: Interval(start: start, end: end), note: note)
            return request.redirect(to: SitePath.appointment.link(id, query: ["done": "blocked"]))
        } catch BookingError.slotUnavailable {
            errors.add("from", "That time overlaps an appointment or other blocked time; move or cancel it first.")
            return try await renderBlock(request, body: body, errors: errors, status: .conflict)
        }
    }

    private func renderBlock(_ request: Request, body: BlockBody, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let access = try await ScheduleAccess.load(try request.requireStaff(), on: request.db)
        let model = BlockTimePage.Model(clinicians: try await access.bookableClinicians(at: request.now, on: request.db).map { ($0.id.uuidString, $0.name) },
                                        fields: body.fields, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, BlockTimePage.view(model), status: status)
    }

    // MARK: series

    /// The course in the path, if the signed-in person manages its clinician's calendar.
    private func managedSeries(_ request: Request) async throws -> AppointmentSeries {
        let access = try await ScheduleAccess.load(try await request.authorize(.viewSchedule), on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let series = try await SchedulingQueries.series(id, on: request.db),
              access.canManage(clinicianID: series.$staff.id) else { throw Abort(.notFound) }
        return series
    }

    func seriesDetail(_ request: Request) async throws -> Response {
        let series = try await managedSeries(request)
        return try await renderSeries(request, series: series, error: nil)
    }

    /// The course page; every showing of it is audited, a refused change included, as before.
    private func renderSeries(_ request: Request, series: AppointmentSeries, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let seriesID = try series.requireID()
        let occurrences = try await SchedulingQueries.sessions(of: seriesID, on: request.db)
        var errors = FieldErrors()
        if let error { errors.add("count", error) }
        let booked = occurrences.filter { $0.status.occupiesTime == true }.count
        let model = SeriesPage.Model(
            id: seriesID.uuidString, clientName: series.client.name,
            summary: "\(setup.kind(series.typeCode)?.name ?? series.typeCode) with \(series.staff.name), \(booked) sessions booked.",
            movedWeeks: Array(Set((request.query[String.self, at: "moved"] ?? "").split(separator: ",").compactMap { Int($0) })),
            sessions: occurrences.map { .init(number: $0.seriesNumber ?? 0, appointmentID: $0.id?.uuidString ?? "",
                                              when: DateDisplay.when($0.startsAt, zone: setup.zone), status: $0.status.label) },
            errors: errors, csrfToken: request.csrfToken)
        return try await request.auditedPage("Weekly course", recordType: "appointment-series", recordID: seriesID.uuidString,
                                             subject: series.$client.id.uuidString, status: status) { SeriesPage.view(model) }
    }

    struct CountBody: Content {
        var count: String?
        var after: String?
    }

    func extendSeries(_ request: Request) async throws -> Response {
        let series = try await managedSeries(request)
        let body = try FormInput.decode(CountBody.self, from: request)
        let setup = try await request.bookingSetup()
        let seriesID = try series.requireID()
        guard let count = body.count.flatMap(Int.init), (1...12).contains(count) else {
            return try await renderSeries(request, series: series, error: "Add between 1 and 12 sessions.", status: .unprocessableEntity)
        }
        guard let kind = setup.kind(series.typeCode), let time = LocalTime(minuteOfDay: series.startMinute) else { throw Abort(.conflict) }
        let last = try await SchedulingQueries.lastSession(of: seriesID, on: request.db)
        // The week after the last session, or the coming week if the course ended long ago.
        let today = setup.zone.localDate(of: request.now)
        var firstNew = setup.zone.localDate(of: last?.startsAt ?? request.now).startOfWeek.adding(days: 7 + (series.weekday - 1))
        while (setup.zone.instant(firstNew, time) ?? .distantPast) <= request.now || firstNew < today {
            firstNew = firstNew.adding(days: 7)
        }
        let course = StaffBooking.CourseRequest(clinicianID: series.$staff.id, clientID: series.$client.id, kind: kind, firstDate: firstNew,
                                                time: time, count: count, locationID: last?.$location.id, resolution: .moveConflicts,
                                                joining: (seriesID, (last?.seriesNumber ?? 0) + 1), emailClient: true)
        do {
            guard case .booked = try await StaffBooking(request: request).book(course, setup: setup) else {
                return try await renderSeries(request, series: series, error: "No free time could be found for some of the new weeks; nothing was added.",
                                              status: .conflict)
            }
        } catch BookingError.slotUnavailable {
            return try await renderSeries(request, series: series, error: "Another booking took one of these times a moment ago; nothing was added. Try again.",
                                          status: .conflict)
        }
        try await request.audit(.update, recordType: "appointment-series", recordID: seriesID.uuidString, subject: series.$client.id.uuidString,
                                detail: "extended by \(count)")
        return request.redirect(to: SitePath.series.link(seriesID))
    }

    func shortenSeries(_ request: Request) async throws -> Response {
        let series = try await managedSeries(request)
        let body = try FormInput.decode(CountBody.self, from: request)
        let setup = try await request.bookingSetup()
        let seriesID = try series.requireID()
        guard let after = body.after.flatMap(Int.init), after >= 1 else {
            return try await renderSeries(request, series: series, error: "Enter the number of the last session to keep.", status: .unprocessableEntity)
        }
        let later = try await SchedulingQueries.sessions(of: seriesID, after: after, startingAfter: request.now, on: request.db)
        for appointment in later {
            try await BookingService(request: request).cancel(appointment, outcome: .cancelled, setup: setup, by: "staff (course shortened)")
        }
        return request.redirect(to: SitePath.series.link(seriesID))
    }
}
