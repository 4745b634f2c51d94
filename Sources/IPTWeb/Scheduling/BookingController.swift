import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Online booking for new clients: choose whom and what, pick a free time, give details, confirm
/// by the emailed link. Then the client's own link cancels or moves it.
struct BookingController: SiteRouteCollection {
    static let daysShown = 14

    func boot(site: SiteRoutes) throws {
        site.get(.book, use: choose)
        site.get(.bookTimes, use: times)
        site.get(.bookDetails, use: detailsForm)
        site.post(.bookDetails, use: submitDetails)
        site.get(.bookCheckInbox, use: checkInbox)
        site.get(.bookRequested, use: requested)
        site.get(.bookConfirm, use: confirmPage)
        site.post(.bookConfirm, use: confirm)
        site.get(.manageAppointment, use: managePage)
        site.post(.manageAppointmentCancel, use: cancel)
        site.get(.manageAppointmentReschedule, use: reschedulePage)
        site.post(.manageAppointmentReschedule, use: reschedule)
    }

    // MARK: choosing

    func choose(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let members = try await TeamQueries.publicMembers(on: request.db).filter(\.acceptingNewClients)
        let tiers = try await TeamQueries.tiersByCode(on: request.db)
        let chosenKind = request.query[String.self, at: "type"] ?? setup.onlineKinds.first?.code
        let chosenWith = request.query[String.self, at: "with"] ?? "reduced"
        var whoOptions: [(value: String, label: String)] = [
            ("reduced", "The reduced-rate clinic: a supervised practicum student (\(tiers["reduced"].map { Money(cents: $0.sessionFeeCents, currency: $0.currency).formatted } ?? "reduced fee") a session)"),
            ("registered", "Any registered psychotherapist (\(tiers["full"].map { Money(cents: $0.sessionFeeCents, currency: $0.currency).formatted } ?? "full fee") a session)"),
        ]
        whoOptions += members.map { ($0.slug, "\($0.name), \($0.credentials)") }
        let model = BookPage.Model(kinds: setup.onlineKinds.map { ($0.code, "\($0.name) (\($0.durationMinutes) minutes)") },
                                   whom: whoOptions, chosenKind: chosenKind, chosenWith: chosenWith)
        return .html(PageLayout.render(title: BookPage.title, description: BookPage.description, chrome: try await request.chrome(),
                                       content: BookPage.view(model)))
    }

    /// The kind and clinicians a query names, or a 400 with a way back.
    private func selection(_ request: Request, setup: BookingSetup) async throws -> (AppointmentKind, BookingChoice, [StaffUser]) {
        guard let kind = setup.kind(request.query[String.self, at: "type"]), kind.bookableOnline,
              let choice = BookingChoice(request.query[String.self, at: "with"]) else {
            throw Abort(.badRequest, reason: "Choose what to book and with whom on the booking page.")
        }
        let clinicians = try await SchedulingQueries.clinicians(for: choice, kind: kind, on: request.db)
        if case .member = choice, clinicians.isEmpty { throw Abort(.notFound) }
        return (kind, choice, clinicians)
    }

    func times(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let (kind, choice, clinicians) = try await selection(request, setup: setup)
        let today = setup.zone.localDate(of: request.now)
        var from = request.query[String.self, at: "from"].flatMap(LocalDate.init(iso:)) ?? today
        if from < today { from = today }
        let through = from.adding(days: Self.daysShown - 1)
        let window = Interval(start: setup.zone.startOfDay(from).addingTimeInterval(-86_400), end: setup.zone.startOfDay(through.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: clinicians.compactMap(\.id), window: window, now: request.now, on: request.db)
        let slots = SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: from, through: through, now: request.now)
        let byID = Dictionary(uniqueKeysWithValues: clinicians.compactMap { member in member.id.map { ($0, member) } })
        let days = Dictionary(grouping: slots) { setup.zone.localDate(of: $0.start) }
        let who: String = switch choice {
        case .reducedRate: "the reduced-rate clinic (supervised practicum students)"
        case .registered: "a registered psychotherapist"
        case .member: clinicians.first?.name ?? "this clinician"
        }
        let model = FreeTimesPage.Model(
            kindCode: kind.code, kindName: kind.name, with: choice.value, who: who, zoneName: setup.zone.displayName(at: setup.zone.startOfDay(from)),
            from: from, through: through, earlierFrom: from > today ? max(today, from.adding(days: -Self.daysShown)) : nil,
            laterFrom: through < today.adding(days: setup.rules.horizonDays) ? through.adding(days: 1) : nil,
            days: days.keys.sorted().map { day in
                BookingFormViews.FreeDay(date: day, times: (days[day] ?? []).map { slot in
                    let member = byID[slot.clinicianID]
                    return .init(time: DateDisplay.time(slot.start, zone: setup.zone), start: String(Int(slot.start.timeIntervalSince1970)),
                                 clinicianSlug: member?.slug ?? "", with: choice != .member(member?.slug ?? "") ? member?.name ?? "" : nil)
                })
            })
        return try await request.page("Free times", FreeTimesPage.view(model))
    }

    // MARK: details

    struct DetailsBody: Content {
        var type: String?
        var with: String?
        var clinician: String?
        var start: String?
        var name: String?
        var email: String?
        var phone: String?
        var dateOfBirth: String?
        var guardianName: String?
        var guardianEmail: String?
        var guardianPhone: String?
        var consent: String?
        var website: String?

        var draft: BookingDetailsDraft {
            BookingDetailsDraft(name: name, email: email, phone: phone, dateOfBirth: dateOfBirth, guardianName: guardianName,
                                guardianEmail: guardianEmail, guardianPhone: guardianPhone, consent: consent == "yes")
        }
    }

    struct Chosen {
        let kind: AppointmentKind
        let choice: BookingChoice
        let clinician: StaffUser
        let start: Date
    }

    private func chosen(type: String?, with: String?, clinician slug: String?, start: String?, setup: BookingSetup,
                        request: Request) async throws -> Chosen {
        guard let kind = setup.kind(type), kind.bookableOnline, let choice = BookingChoice(with),
              let slug = slug.flatMap(BookingChoice.init).map(\.value),
              let seconds = start.flatMap(Int.init), (0...4_102_444_800).contains(seconds) else {
            throw Abort(.badRequest, reason: "This booking link is incomplete. Start again from the booking page.")
        }
        guard let clinician = try await SchedulingQueries.clinicians(for: .member(slug), kind: kind, on: request.db).first else {
            throw Abort(.notFound)
        }
        return Chosen(kind: kind, choice: choice, clinician: clinician, start: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    func detailsForm(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let chosen = try await chosen(type: request.query[String.self, at: "type"], with: request.query[String.self, at: "with"],
                                      clinician: request.query[String.self, at: "clinician"], start: request.query[String.self, at: "start"],
                                      setup: setup, request: request)
        guard try await BookingService(request: request).publicSlot(kind: chosen.kind, clinician: chosen.clinician, start: chosen.start, setup: setup) != nil else {
            return try await renderDetails(request, chosen: chosen, setup: setup, draft: BookingDetailsDraft(), errors: FieldErrors(),
                                           taken: try await BookingService(request: request).alternatives(
                                               kind: chosen.kind, clinicianIDs: [chosen.clinician.requireID()], near: chosen.start, setup: setup),
                                           status: .conflict)
        }
        return try await renderDetails(request, chosen: chosen, setup: setup, draft: BookingDetailsDraft(), errors: FieldErrors())
    }

    func submitDetails(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(DetailsBody.self, from: request)
        guard request.services.rateLimits.allowPublicForm(.booking, from: request.clientAddress, at: request.now) else {
            throw Abort(.tooManyRequests)
        }
        if let trap = body.website, !trap.isEmpty { return request.redirect(to: SitePath.bookCheckInbox.link) }
        let setup = try await request.bookingSetup()
        let chosen = try await chosen(type: body.type, with: body.with, clinician: body.clinician, start: body.start, setup: setup, request: request)
        switch BookingDetails.validate(body.draft, today: setup.zone.localDate(of: request.now)) {
        case .failure(let rejection):
            return try await renderDetails(request, chosen: chosen, setup: setup, draft: body.draft, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let details):
            do {
                switch try await BookingService(request: request).requestBooking(kind: chosen.kind, clinician: chosen.clinician, start: chosen.start,
                                                                                 details: details, source: "web", setup: setup) {
                case .held, .toldByEmail: return request.redirect(to: SitePath.bookCheckInbox.link)
                case .requested: return request.redirect(to: SitePath.bookRequested.link)
                }
            } catch BookingError.slotUnavailable(let alternatives) {
                return try await renderDetails(request, chosen: chosen, setup: setup, draft: body.draft, errors: FieldErrors(),
                                               taken: alternatives, status: .conflict)
            }
        }
    }

    /// The details form. When the chosen time was taken meanwhile, it says so and offers the
    /// nearest free times as choices, keeping everything already typed.
    private func renderDetails(_ request: Request, chosen: Chosen, setup: BookingSetup, draft: BookingDetailsDraft, errors: FieldErrors,
                               taken alternatives: [Slot]? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let tier = chosen.clinician.feeTier.flatMap(FeeTierCode.init(rawValue:))
        let fee = tier.flatMap { setup.fees.fee(tier: $0, kindCode: chosen.kind.code) }
        let model = BookingDetailsPage.Model(
            kindCode: chosen.kind.code, kindName: chosen.kind.name, with: chosen.choice.value, clinicianSlug: chosen.clinician.slug,
            clinician: "\(chosen.clinician.name), \(chosen.clinician.credentials)",
            when: DateDisplay.range(chosen.start, chosen.kind.session(at: chosen.start).end, zone: setup.zone),
            fee: fee.map { $0.cents == 0 ? "Free" : "\($0.formatted) (paid at the appointment)" } ?? "Ask us",
            supervised: chosen.clinician.$supervisor.id != nil, start: String(Int(chosen.start.timeIntervalSince1970)),
            alternatives: alternatives.map { $0.map { (String(Int($0.start.timeIntervalSince1970)), DateDisplay.when($0.start, zone: setup.zone)) } },
            zoneName: setup.zone.displayName(at: chosen.start), draft: draft, errors: errors, holdMinutes: setup.holdMinutes,
            csrfToken: request.csrfToken)
        return try await request.page(model.title, BookingDetailsPage.view(model), status: status)
    }

    func checkInbox(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        return try await request.messagePage(title: "Check your inbox to confirm", paragraphs: [
            "An email is on its way. In it is a link to confirm the time; we hold the time for \(setup.holdMinutes) minutes, so open it soon and press the button to confirm.",
            "If the email does not arrive, check your spam folder. If the time runs out, you can book again.",
        ])
    }

    func requested(_ request: Request) async throws -> Response {
        try await request.messagePage(title: "Request received", paragraphs: [
            "Thank you. Our team will look at your request and email you once the appointment is confirmed.",
        ])
    }

    // MARK: confirming

    private func token(_ request: Request) throws -> String {
        guard let token = request.parameters.get("token"), token.count <= 100 else { throw Abort(.notFound) }
        return token
    }

    func confirmPage(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let service = BookingService(request: request)
        let appointment: Appointment
        do {
            appointment = try await service.appointment(confirmToken: try token(request))
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
        guard case let status = appointment.status, status == .held || status == .offered else {
            return try await request.bookingFailure(appointment.status == .expired ? .holdExpired : .linkUsed)
        }
        if (appointment.holdExpiresAt ?? .distantFuture) <= request.now { return try await request.bookingFailure(.holdExpired) }
        let model = ConfirmAppointmentPage.Model(
            token: try token(request), isOffer: status == .offered, kindName: setup.kind(appointment.typeCode)?.name ?? "Appointment",
            clinician: appointment.staff.name, when: DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone),
            heldUntil: appointment.holdExpiresAt.map { DateDisplay.when($0, zone: setup.zone) }, csrfToken: request.csrfToken)
        return try await request.page(ConfirmAppointmentPage.title, ConfirmAppointmentPage.view(model))
    }

    func confirm(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        do {
            let appointment = try await BookingService(request: request).confirm(token: try token(request), setup: setup)
            let summary = "\(setup.kind(appointment.typeCode)?.name ?? "Appointment") with \(appointment.staff.name), \(DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone))."
            return try await request.page(ConfirmAppointmentPage.confirmedTitle, ConfirmAppointmentPage.confirmed(summary: summary))
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
    }

    // MARK: the client's own link

    func managePage(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let token = try token(request)
        let appointment: Appointment
        do {
            appointment = try await BookingService(request: request).appointment(manageToken: token)
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
        guard appointment.status == Appointment.Status.confirmed else { return try await request.bookingFailure(.linkUsed) }
        let policy: ManageAppointmentPage.Policy = switch setup.cancellation.outcome(cancellingAt: request.now, appointmentStart: appointment.startsAt) {
        case .withinPolicy: .withinPolicy(noticeHours: setup.cancellation.noticeHours)
        case .late(let fee): .late(noticeHours: setup.cancellation.noticeHours, fee: fee?.formatted)
        case .tooLate: .tooLate
        }
        let model = ManageAppointmentPage.Model(
            token: token, kindName: setup.kind(appointment.typeCode)?.name ?? "Appointment", clinician: appointment.staff.name,
            when: DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone), place: appointment.location?.name,
            policy: policy, clinicPhone: request.clinicPhone, csrfToken: request.csrfToken)
        return try await request.page(ManageAppointmentPage.title, ManageAppointmentPage.view(model))
    }

    func cancel(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        do {
            let outcome = try await BookingService(request: request).cancelByClient(token: try token(request), setup: setup)
            let late: String? = if case .lateCancelled(let fee) = outcome {
                "It was within \(setup.cancellation.noticeHours) hours of the appointment, so it is recorded as a late cancellation\(fee.map { " with a fee of \($0.formatted)" } ?? "")."
            } else { nil }
            return try await request.messagePage(title: "Appointment cancelled", notice: "Your appointment is cancelled.",
                                                 paragraphs: [late, "A confirmation is on its way by email. You are welcome to book again at any time."].compactMap { $0 })
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
    }

    func reschedulePage(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let token = try token(request)
        let appointment: Appointment
        do {
            appointment = try await BookingService(request: request).appointment(manageToken: token)
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
        guard appointment.status == Appointment.Status.confirmed, let kind = setup.kind(appointment.typeCode) else {
            return try await request.bookingFailure(.linkUsed)
        }
        guard setup.cancellation.outcome(cancellingAt: request.now, appointmentStart: appointment.startsAt) == .withinPolicy else {
            return try await request.bookingFailure(.tooLateToChange)
        }
        let today = setup.zone.localDate(of: request.now)
        let through = today.adding(days: Self.daysShown * 2)
        let window = Interval(start: setup.zone.startOfDay(today).addingTimeInterval(-86_400), end: setup.zone.startOfDay(through.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: [appointment.$staff.id], window: window, now: request.now,
                                                              excluding: appointment.id, on: request.db)
        let slots = SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: today, through: through, now: request.now)
            .filter { $0.start != appointment.startsAt }
        return try await renderReschedule(request, appointment: appointment, slots: slots, setup: setup, token: token, status: .ok, notice: nil)
    }

    private func renderReschedule(_ request: Request, appointment: Appointment, slots: [Slot], setup: BookingSetup, token: String,
                                  status: HTTPResponseStatus, notice: String?) async throws -> Response {
        let days = Dictionary(grouping: slots) { setup.zone.localDate(of: $0.start) }
        let model = ReschedulePage.Model(
            token: token, notice: notice, now: DateDisplay.when(appointment.startsAt, zone: setup.zone), clinician: appointment.staff.name,
            zoneName: setup.zone.displayName(at: appointment.startsAt),
            days: days.keys.sorted().map { day in
                BookingFormViews.FreeDay(date: day, times: (days[day] ?? []).map {
                    .init(time: DateDisplay.time($0.start, zone: setup.zone), start: String(Int($0.start.timeIntervalSince1970)))
                })
            },
            csrfToken: request.csrfToken)
        return try await request.page(ReschedulePage.title, ReschedulePage.view(model), status: status)
    }

    struct RescheduleBody: Content {
        var start: String?
    }

    func reschedule(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(RescheduleBody.self, from: request)
        let setup = try await request.bookingSetup()
        let token = try token(request)
        guard let seconds = body.start.flatMap(Int.init), (0...4_102_444_800).contains(seconds) else {
            throw Abort(.badRequest, reason: "Choose one of the times shown.")
        }
        do {
            let moved = try await BookingService(request: request).reschedule(token: token, to: Date(timeIntervalSince1970: TimeInterval(seconds)), setup: setup)
            return try await request.messagePage(title: "Appointment moved", notice: "Your appointment is now \(DateDisplay.when(moved.startsAt, zone: setup.zone)).",
                                                 paragraphs: ["An email with the new time and an updated calendar file is on its way."])
        } catch BookingError.slotUnavailable(let alternatives) {
            let appointment = try await BookingService(request: request).appointment(manageToken: token)
            return try await renderReschedule(request, appointment: appointment, slots: alternatives, setup: setup, token: token, status: .conflict,
                                              notice: "That time is no longer free. Here are the nearest free times; your appointment has not changed.")
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
    }
}

extension Request {
    /// The message page for a booking step that cannot go on, with the status the error carries.
    func bookingFailure(_ error: BookingError) async throws -> Response {
        let reason: BookingFailurePage.Reason = switch error {
        case .linkInvalid: .linkInvalid
        case .linkUsed: .linkUsed
        case .holdExpired: .holdExpired
        case .tooLateToChange: .tooLateToChange
        case .clientBusy: .clientBusy
        case .slotUnavailable: .slotUnavailable
        }
        let model = BookingFailurePage.model(reason, clinicPhone: clinicPhone)
        return try await page(model.title, MessagePage.view(model), status: error.status)
    }

    func bookingSetup() async throws -> BookingSetup {
        try await SchedulingQueries.setup(on: db, clinic: try await services.clinic.current(on: db))
    }

    var clinicPhone: String {
        // Every page has loaded the identity for its frame by the time a message needs the phone.
        services.clinic.lastKnown?.phone ?? ClinicIdentity.defaults.phone
    }
}
