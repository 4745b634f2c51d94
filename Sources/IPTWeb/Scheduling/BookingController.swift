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
        site.get(.manageAppointmentCalendar, use: calendarFile)
        site.post(.manageAppointmentCancel, use: cancel)
        site.get(.manageAppointmentReschedule, use: reschedulePage)
        site.post(.manageAppointmentReschedule, use: reschedule)
    }

    // MARK: choosing

    func choose(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let members = try await TeamQueries.publicMembers(on: request.db).filter { $0.feeTier != nil }
        let tiers = try await TeamQueries.tiersByCode(on: request.db)
        func fee(_ code: FeeTierCode?) -> String {
            code.flatMap { tiers[$0.rawValue] }.map { "\(Money(cents: $0.sessionFeeCents, currency: $0.currency).formatted) a session" } ?? "Fee on request"
        }
        func tier(_ member: StaffUser) -> FeeTierCode? { member.feeTier.flatMap(FeeTierCode.init(rawValue:)) }
        let registeredFees = [FeeTierCode.qualifying, .full].compactMap { tiers[$0.rawValue] }.map { Money(cents: $0.sessionFeeCents, currency: $0.currency) }
            .sorted { $0.cents < $1.cents }
        let registeredFee = registeredFees.count > 1 && registeredFees.first != registeredFees.last
            ? "\(registeredFees.first!.formatted) to \(registeredFees.last!.formatted) a session" : fee(.full)
        var whom: [BookPage.Whom] = [
            .init(value: "reduced", name: "Any practicum student", detail: "The reduced-rate clinic: we match you with a supervised student who is free at the time you pick.",
                  fee: fee(.reduced), initials: "", isGroup: true,
                  acceptingNewClients: members.contains { tier($0) == .reduced && $0.acceptingNewClients }, profile: nil),
            .init(value: "registered", name: "Any registered psychotherapist", detail: "We match you with a registered psychotherapist who is free at the time you pick.",
                  fee: registeredFee, initials: "", isGroup: true,
                  acceptingNewClients: members.contains { tier($0) != .reduced && $0.acceptingNewClients }, profile: nil),
        ]
        whom += members.map { member in
            .init(value: member.slug, name: member.name, detail: member.credentials, fee: fee(member.feeTier.flatMap(FeeTierCode.init(rawValue:))),
                  initials: BookPage.Whom.initials(of: member.name), isGroup: false, acceptingNewClients: member.acceptingNewClients,
                  profile: SitePath.teamMember.link(member.slug))
        }
        let model = BookPage.Model(kinds: setup.onlineKinds.map { BookPage.Kind(code: $0.code, name: $0.name, facts: Self.facts(of: $0, setup: setup)) },
                                   whom: whom, chosenKind: request.query[String.self, at: "type"] ?? setup.onlineKinds.first?.code,
                                   chosenWith: request.query[String.self, at: "with"] ?? "reduced")
        return .html(PageLayout.render(title: BookPage.title, description: BookPage.description, chrome: try await request.chrome(),
                                       content: BookPage.view(model)))
    }

    /// "15 minutes, by phone, free" or "60 minutes, the fee depends on who you see".
    static func facts(of kind: AppointmentKind, setup: BookingSetup) -> String {
        let fees = setup.fees.prices.filter { $0.key.kindCode == kind.code }.map(\.value.cents)
        let free = !fees.isEmpty && fees.allSatisfy { $0 == 0 }
        return ["\(kind.durationMinutes) minutes", kind.isByPhone ? "by phone" : nil, free ? "free" : "the fee depends on who you see"]
            .compactMap { $0 }.joined(separator: ", ")
    }

    /// The kind and clinicians a query names, or a 400 with a way back.
    private func selection(_ request: Request, setup: BookingSetup) async throws -> (AppointmentKind, BookingChoice, [CalendarOwner]) {
        guard let kind = setup.kind(request.query[String.self, at: "type"]), kind.bookableOnline,
              let choice = BookingChoice(request.query[String.self, at: "with"]) else {
            throw Abort(.badRequest, reason: "Choose what to book and with whom on the booking page.")
        }
        let clinicians = try await SchedulingQueries.calendarOwners(for: choice, kind: kind, on: request.db)
        if case .member = choice, clinicians.isEmpty { throw Abort(.notFound) }
        return (kind, choice, clinicians)
    }

    func times(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let (kind, choice, clinicians) = try await selection(request, setup: setup)
        let today = setup.zone.localDate(of: request.now)
        let lastDay = today.adding(days: setup.rules.horizonDays)
        let askedDay = (request.query[String.self, at: "day"] ?? request.query[String.self, at: "from"]).flatMap(LocalDate.init(iso:))
        let askedWeek = request.query[String.self, at: "week"].flatMap(LocalDate.init(iso:))
        let free = try await FreeWeeks(kind: kind, clinicianIDs: clinicians.map(\.id), setup: setup, today: today, lastDay: lastDay,
                                       now: request.now, database: request.db)
            .forStrip(startingAt: WeekStrip.askedMonday(today: today, lastDay: lastDay, askedDay: askedDay, askedWeek: askedWeek))
        let starts = free.starts
        let strip = WeekStrip(today: today, lastDay: lastDay, freeDays: free.freeDays, askedDay: askedDay, askedWeek: askedWeek)
        let slug: String? = if case .member(let slug) = choice { slug } else { nil }
        let who: String = switch choice {
        case .reducedRate: "any practicum student (the reduced-rate clinic)"
        case .registered: "any registered psychotherapist"
        case .member: clinicians.first?.name ?? "this clinician"
        }
        let model = FreeTimesPage.Model(
            kindCode: kind.code, kindName: kind.name, kindFacts: Self.facts(of: kind, setup: setup), with: choice.value, who: who,
            zoneName: setup.zone.displayName(at: setup.zone.startOfDay(strip.chosenDay)),
            week: strip.days.map { FreeTimesPage.Day(date: $0, freeTimes: starts[$0]?.count ?? 0, isPast: $0 < today) },
            chosenDay: strip.chosenDay,
            chips: (starts[strip.chosenDay] ?? []).map { start in
                FreeTimesPage.Chip(time: DateDisplay.time(start, zone: setup.zone), start: String(Int(start.timeIntervalSince1970)), clinicianSlug: slug,
                                   partOfDay: .init(minuteOfDay: setup.zone.wallClock(of: start).minuteOfDay))
            },
            previousWeek: strip.previousWeek, nextWeek: strip.nextWeek, nextFreeDay: strip.nextFreeDay)
        return try await request.page(FreeTimesPage.title, FreeTimesPage.view(model))
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

    /// What a booking link or form names: one clinician (`named`), or a group whose members are
    /// all candidates until the person books.
    struct Chosen {
        let kind: AppointmentKind
        let choice: BookingChoice
        let named: StaffUser?
        let candidates: [StaffUser]
        let start: Date
    }

    private func chosen(type: String?, with: String?, clinician slug: String?, start: String?, setup: BookingSetup,
                        request: Request) async throws -> Chosen {
        guard let kind = setup.kind(type), kind.bookableOnline, let choice = BookingChoice(with),
              let seconds = start.flatMap(Int.init), (0...4_102_444_800).contains(seconds) else {
            throw Abort(.badRequest, reason: "This booking link is incomplete. Start again from the booking page.")
        }
        let start = Date(timeIntervalSince1970: TimeInterval(seconds))
        if let slug, !slug.isEmpty {
            guard let member = BookingChoice(slug).map(\.value),
                  let clinician = try await SchedulingQueries.clinicians(for: .member(member), kind: kind, on: request.db).first else {
                throw Abort(.notFound)
            }
            return Chosen(kind: kind, choice: choice, named: clinician, candidates: [clinician], start: start)
        }
        let candidates = try await SchedulingQueries.clinicians(for: choice, kind: kind, on: request.db)
        guard !candidates.isEmpty else { throw Abort(.notFound) }
        let named: StaffUser? = if case .member = choice { candidates.first } else { nil }
        return Chosen(kind: kind, choice: choice, named: named, candidates: candidates, start: start)
    }

    func detailsForm(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let chosen = try await chosen(type: request.query[String.self, at: "type"], with: request.query[String.self, at: "with"],
                                      clinician: request.query[String.self, at: "clinician"], start: request.query[String.self, at: "start"],
                                      setup: setup, request: request)
        let service = BookingService(request: request)
        guard try await !service.fairlyRanked(kind: chosen.kind, candidates: chosen.candidates, start: chosen.start, setup: setup).isEmpty else {
            return try await renderDetails(request, chosen: chosen, setup: setup, draft: BookingDetailsDraft(), errors: FieldErrors(),
                                           taken: try await service.alternatives(kind: chosen.kind, clinicianIDs: chosen.candidates.compactMap(\.id),
                                                                                 near: chosen.start, setup: setup),
                                           status: .conflict)
        }
        return try await renderDetails(request, chosen: chosen, setup: setup, draft: BookingDetailsDraft(), errors: FieldErrors())
    }

    func submitDetails(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(DetailsBody.self, from: request)
        guard try await request.services.rateLimits.allowPublicForm(.booking, from: request.clientAddress, at: request.now, on: request.db) else {
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
                let (outcome, clinician) = try await BookingService(request: request).requestFairly(
                    kind: chosen.kind, candidates: chosen.candidates, start: chosen.start, details: details, source: "web", setup: setup)
                switch outcome {
                case .held, .toldByEmail:
                    let response = request.redirect(to: SitePath.bookCheckInbox.link)
                    try BookingSentCookie.set(.init(start: chosen.start, end: chosen.kind.session(at: chosen.start).end, clinician: clinician.name,
                                                    email: details.email, byPhone: chosen.kind.isByPhone,
                                                    heldUntil: request.now.addingTimeInterval(TimeInterval(setup.holdMinutes * 60))),
                                              request: request, on: response)
                    return response
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
        let fees = Set(chosen.candidates.compactMap { $0.feeTier.flatMap(FeeTierCode.init(rawValue:)) }
            .compactMap { setup.fees.fee(tier: $0, kindCode: chosen.kind.code) })
        let fee: String = if fees.count == 1, let only = fees.first {
            only.cents == 0 ? "Free" : "\(only.formatted) (paid at the appointment)"
        } else if let lowest = fees.min(by: { $0.cents < $1.cents }) {
            "From \(lowest.formatted), depending on who is free (paid at the appointment)"
        } else { "Ask us" }
        let clinician: String = if let named = chosen.named { "\(named.name), \(named.credentials)" } else {
            chosen.choice == .reducedRate ? "A practicum student: we match you with one who is free at this time, and the email names them"
                : "A registered psychotherapist: we match you with one who is free at this time, and the email names them"
        }
        // A group's alternatives name each start once: the nearest three times anyone is free.
        let starts = Set(alternatives?.map(\.start) ?? []).sorted { abs($0.timeIntervalSince(chosen.start)) < abs($1.timeIntervalSince(chosen.start)) }
            .prefix(3).sorted()
        let model = BookingDetailsPage.Model(
            kindCode: chosen.kind.code, kindName: chosen.kind.name, with: chosen.choice.value, clinicianSlug: chosen.named?.slug,
            clinician: clinician, when: DateDisplay.range(chosen.start, chosen.kind.session(at: chosen.start).end, zone: setup.zone), fee: fee,
            supervised: chosen.candidates.contains { $0.$supervisor.id != nil }, start: String(Int(chosen.start.timeIntervalSince1970)),
            alternatives: alternatives.map { _ in starts.map { (String(Int($0.timeIntervalSince1970)), DateDisplay.when($0, zone: setup.zone)) } },
            zoneName: setup.zone.displayName(at: chosen.start), draft: draft, errors: errors, holdMinutes: setup.holdMinutes,
            byPhone: chosen.kind.isByPhone, csrfToken: request.csrfToken)
        return try await request.page(model.title, BookingDetailsPage.view(model), status: status)
    }

    func checkInbox(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let held = BookingSentCookie.read(request).map { sent in
            BookingSentPage.Held(when: DateDisplay.range(sent.start, sent.end, zone: setup.zone), clinician: sent.clinician,
                                 heldUntil: DateDisplay.time(sent.heldUntil, zone: setup.zone), email: sent.email, byPhone: sent.byPhone)
        }
        return try await request.page(BookingSentPage.title, BookingSentPage.view(.init(held: held, holdMinutes: setup.holdMinutes)))
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
            let wasOffer = try await BookingService(request: request).appointment(confirmToken: try token(request)).status == .offered
            let appointment = try await BookingService(request: request).confirm(token: try token(request), setup: setup)
            let clinic = try await request.services.clinic.current(on: request.db)
            let byPhone = AppointmentKind.isByPhone(code: appointment.typeCode)
            let manageToken = try? request.services.keyRing.openOptional(
                appointment.manageTokenSealed, Appointment.manageTokenContext(try appointment.requireID(), client: appointment.$client.id))
            let event = CalendarLinkEvent.appointment(clinicName: clinic.name, start: appointment.startsAt, end: appointment.endsAt,
                                                      place: byPhone ? .byPhone : .address(appointment.location?.name ?? clinic.address))
            let model = ConfirmAppointmentPage.Confirmed(
                what: "\(SchedulingMail.label(appointment)) with \(appointment.staff.name)",
                when: DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone),
                place: byPhone ? "By phone: \(appointment.staff.name) calls you at the number you gave." : appointment.location?.name,
                icsLink: manageToken.map { SitePath.manageAppointmentCalendar.link($0) },
                googleLink: CalendarLinks.google(event), outlookLink: CalendarLinks.outlook(event),
                whatNext: Self.whatNext(byPhone: byPhone, free: (appointment.feeCents ?? 0) == 0, setup: setup, clinicPhone: clinic.phone),
                showSteps: !wasOffer)
            return try await request.page(ConfirmAppointmentPage.confirmedTitle, ConfirmAppointmentPage.confirmed(model))
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
    }

    static func whatNext(byPhone: Bool, free: Bool, setup: BookingSetup, clinicPhone: String) -> [String] {
        [
            "A confirmation email is on its way, with the calendar file and your private link to cancel or change the time.",
            byPhone ? "At the time booked, your clinician calls the phone number you gave. Somewhere quiet and private helps."
                : "We send a short intake form and two questionnaires before the first session; they take about 15 minutes.",
            byPhone ? "On the call you can ask anything, and together you decide whether to book an assessment and with whom."
                : "Please arrive five minutes early. The fee is paid at the appointment, and you get a receipt for your insurer.",
            free ? "Need to change it? Use the link in the email, or call us at \(clinicPhone)."
                : "Need to change it? Use the link in the email at least \(setup.cancellation.noticeHours) hours ahead, or call us at \(clinicPhone).",
        ]
    }

    /// The confirmed appointment as a calendar file, by the client's own link.
    func calendarFile(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let appointment: Appointment
        do {
            appointment = try await BookingService(request: request).appointment(manageToken: try token(request))
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
        guard appointment.status == Appointment.Status.confirmed else { return try await request.bookingFailure(.linkUsed) }
        let context = try await BookingService(request: request).mailContext(setup)
        let text = SchedulingMail.calendarDocument(appointment, clinicianName: appointment.staff.name, location: appointment.location?.name, context: context)
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"appointment.ics\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
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
        // A free appointment (the phone consultation) never carries a late-cancellation fee.
        case .late(let fee): .late(noticeHours: setup.cancellation.noticeHours, fee: appointment.feeCents == 0 ? nil : fee?.formatted)
        case .tooLate: .tooLate
        }
        let model = ManageAppointmentPage.Model(
            token: token, kindName: setup.kind(appointment.typeCode)?.name ?? "Appointment", clinician: appointment.staff.name,
            when: DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone),
            // The phone consultation's place is the phone, as its confirmation email said.
            place: SchedulingMail.place(appointment, location: appointment.location?.name),
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
