import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// Online booking for new clients: choose whom and what, pick a free time, give details, confirm
/// by the emailed link. Then the client's own link cancels or moves it.
struct BookingController: RouteCollection {
    static let daysShown = 14

    func boot(routes: any RoutesBuilder) throws {
        let book = routes.grouped("book")
        book.get(use: choose)
        book.get("times", use: times)
        book.get("details", use: detailsForm)
        book.post("details", use: submitDetails)
        book.get("check-your-inbox", use: checkInbox)
        book.get("requested", use: requested)
        book.get("confirm", ":token", use: confirmPage)
        book.post("confirm", ":token", use: confirm)
        let manage = routes.grouped("appointments", ":token")
        manage.get(use: managePage)
        manage.post("cancel", use: cancel)
        manage.get("reschedule", use: reschedulePage)
        manage.post("reschedule", use: reschedule)
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
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Book an appointment")),
            .p(.class("lede"), .text("Choose what you would like to book and with whom; the next page shows the free times.")),
            .form(
                .class("form"), .method(.get), .action("/book/times"),
                FormViews.radioGroup(name: "type", legend: "What would you like to book?",
                                     options: setup.onlineKinds.map { ($0.code, "\($0.name) (\($0.durationMinutes) minutes)") },
                                     selected: chosenKind, error: nil),
                FormViews.radioGroup(name: "with", legend: "With whom?", options: whoOptions, selected: chosenWith, error: nil),
                .button(.class("button"), .type(.submit), .text("Show free times"))
            ),
            .p(.text("Not sure? The free consultation is a short phone call to talk about what brings you and which option suits you. Practicum students are in the last year of their training and meet a registered supervisor every week about their work.")),
            .p(.text("Nothing suitable? "), .a(.href("/waitlist"), .text("Join the waitlist")), .text(" and we will email you when a time opens up."))
        )
        return .html(PageLayout.render(title: "Book an appointment", description: "Book a consultation or an assessment session online.",
                                       chrome: try await request.chrome(), content: content))
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
        let zoneName = setup.zone.displayName(at: setup.zone.startOfDay(from))
        let who: String = switch choice {
        case .reducedRate: "the reduced-rate clinic (supervised practicum students)"
        case .registered: "a registered psychotherapist"
        case .member: clinicians.first?.name ?? "this clinician"
        }
        let base = "/book/times?type=\(kind.code)&with=\(choice.value)"
        let lastOpen = today.adding(days: setup.rules.horizonDays)
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href(attributeSafe("/book?type=\(kind.code)&with=\(choice.value)")), .text("Change what or whom to book"))),
            .h1(.text("Free times: \(kind.name)")),
            .p(.class("lede"), .text("With \(who). Times are in the clinic's time zone: \(zoneName).")),
            .if(slots.isEmpty, .div(.class("notice"),
                                    .p(.text("No free times from \(DateDisplay.day(from)) to \(DateDisplay.day(through)).")),
                                    .p(.a(.href(attributeSafe("/waitlist?with=\(choice.value)&type=\(kind.code)")), .text("Join the waitlist")),
                                       .text(" and we will email you when something opens up.")))),
            .div(.class("slot-days"), .forEach(days.keys.sorted()) { day in
                .section(
                    .class("slot-day"),
                    .attribute(named: "aria-labelledby", value: "day-\(day)"),
                    .h2(.id("day-\(day)"), .text(DateDisplay.day(day))),
                    .ul(.class("slot-list"), .forEach(days[day] ?? []) { slot in
                        let member = byID[slot.clinicianID]
                        return .li(.a(
                            .class("slot"),
                            .href(attributeSafe("/book/details?type=\(kind.code)&with=\(choice.value)&clinician=\(member?.slug ?? "")&start=\(Int(slot.start.timeIntervalSince1970))")),
                            .text(DateDisplay.time(slot.start, zone: setup.zone)),
                            .if(choice != .member(member?.slug ?? ""), .span(.class("slot-who"), .text(" with \(member?.name ?? "")")))
                        ))
                    })
                )
            }),
            .nav(.class("pagination"), .ariaLabel("Other dates"),
                 .if(from > today, .a(.href(attributeSafe("\(base)&from=\(max(today, from.adding(days: -Self.daysShown)))")), .text("Earlier dates"))),
                 .if(through < lastOpen, .a(.href(attributeSafe("\(base)&from=\(through.adding(days: 1))")), .text("Later dates"))))
        )
        return .html(PageLayout.render(title: "Free times", chrome: try await request.chrome(), content: content))
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
        if let trap = body.website, !trap.isEmpty { return request.redirect(to: "/book/check-your-inbox") }
        let setup = try await request.bookingSetup()
        let chosen = try await chosen(type: body.type, with: body.with, clinician: body.clinician, start: body.start, setup: setup, request: request)
        switch BookingDetails.validate(body.draft, today: setup.zone.localDate(of: request.now)) {
        case .failure(let rejection):
            return try await renderDetails(request, chosen: chosen, setup: setup, draft: body.draft, errors: rejection.errors, status: .unprocessableEntity)
        case .success(let details):
            do {
                switch try await BookingService(request: request).requestBooking(kind: chosen.kind, clinician: chosen.clinician, start: chosen.start,
                                                                                 details: details, source: "web", setup: setup) {
                case .held, .toldByEmail: return request.redirect(to: "/book/check-your-inbox")
                case .requested: return request.redirect(to: "/book/requested")
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
        let when = DateDisplay.range(chosen.start, chosen.kind.session(at: chosen.start).end, zone: setup.zone)
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href(attributeSafe("/book/times?type=\(chosen.kind.code)&with=\(chosen.choice.value)")), .text("Back to the free times"))),
            .h1(.text("Your details")),
            .unwrap(alternatives) { alternatives in
                .div(.class("notice warning"), .attribute(named: "role", value: "alert"),
                     .h2(.text("That time is no longer free")),
                     .p(.text(alternatives.isEmpty
                              ? "Someone else booked it a moment ago, or it is no longer open for booking. Please go back and choose another time."
                              : "Someone else booked it a moment ago, or it is no longer open for booking. The nearest free times are below; pick one and send the form again. What you typed is kept.")))
            },
            .dl(.class("details"),
                .dt(.text("Appointment")), .dd(.text(chosen.kind.name)),
                .dt(.text("With")), .dd(.text("\(chosen.clinician.name), \(chosen.clinician.credentials)")),
                .if(alternatives == nil, .group(.dt(.text("When")), .dd(.text(when)))),
                .dt(.text("Fee")), .dd(.text(fee.map { $0.cents == 0 ? "Free" : "\($0.formatted) (paid at the appointment)" } ?? "Ask us")),
                .unwrap(chosen.clinician.$supervisor.id) { _ in
                    .group(.dt(.text("Supervision")),
                           .dd(.text("Practicum students are supervised by a registered psychotherapist, who will see the information you share with the student.")))
                }),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action("/book/details"), .novalidate(),
                FormViews.csrf(request.csrfToken),
                .input(.type(.hidden), .name("type"), .value(attributeSafe(chosen.kind.code))),
                .input(.type(.hidden), .name("with"), .value(attributeSafe(chosen.choice.value))),
                .input(.type(.hidden), .name("clinician"), .value(attributeSafe(chosen.clinician.slug))),
                .unwrap(alternatives, { alternatives in
                    .if(!alternatives.isEmpty, FormViews.radioGroup(
                        name: "start", legend: "Choose another time (\(setup.zone.displayName(at: chosen.start)))",
                        options: alternatives.map { (String(Int($0.start.timeIntervalSince1970)), DateDisplay.when($0.start, zone: setup.zone)) },
                        selected: alternatives.first.map { String(Int($0.start.timeIntervalSince1970)) }, error: nil))
                }, else: .input(.type(.hidden), .name("start"), .value(String(Int(chosen.start.timeIntervalSince1970))))),
                BookingViews.personFields(draft: draft, errors: errors, nameLabel: "Full name of the person who will attend",
                                          emailHint: "We send the confirmation link here.",
                                          birthHint: "Year-month-day, for example 1990-04-23. Under 18, you will be seen in our adolescent programme (IPT-A), with a parent or guardian involved.",
                                          consentLabel: "I have read the privacy notice and agree that the clinic keeps these details to arrange and provide care."),
                FormViews.honeypot(),
                .p(.class("small"), .text("After you send this, we hold the time for \(setup.holdMinutes) minutes and email you a link to confirm it.")),
                .button(.class("button"), .type(.submit), .text("Request this appointment"))
            ),
            .p(.class("small"), .a(.href("/privacy"), .text("Read the privacy notice")))
        )
        let title = errors.isEmpty && alternatives == nil ? "Your details" : "Check your booking: Your details"
        return .html(PageLayout.render(title: title, chrome: try await request.chrome(), content: content), status: status)
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
            return try await BookingPages.failure(request, error)
        }
        guard case let status = appointment.status, status == .held || status == .offered else {
            return try await BookingPages.failure(request, appointment.status == .expired ? .holdExpired : .linkUsed)
        }
        if (appointment.holdExpiresAt ?? .distantFuture) <= request.now { return try await BookingPages.failure(request, .holdExpired) }
        let kindName = setup.kind(appointment.typeCode)?.name ?? "Appointment"
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(status == .offered ? "Accept this time" : "Confirm your appointment")),
            .dl(.class("details"),
                .dt(.text("Appointment")), .dd(.text(kindName)),
                .dt(.text("With")), .dd(.text(appointment.staff.name)),
                .dt(.text("When")), .dd(.text(DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone))),
                .unwrap(appointment.holdExpiresAt) { .group(.dt(.text("Held until")), .dd(.text(DateDisplay.when($0, zone: setup.zone)))) }),
            .form(.class("form"), .method(.post), .action(attributeSafe("/book/confirm/\(try token(request))")),
                  FormViews.csrf(request.csrfToken),
                  .button(.class("button"), .type(.submit), .text(status == .offered ? "Accept this appointment" : "Confirm this appointment")))
        )
        return .html(PageLayout.render(title: "Confirm your appointment", chrome: try await request.chrome(), content: content))
    }

    func confirm(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        do {
            let appointment = try await BookingService(request: request).confirm(token: try token(request), setup: setup)
            let content: Node<HTML.BodyContext> = .group(
                .h1(.text("Your appointment is confirmed")),
                .div(.class("notice success"), .attribute(named: "role", value: "status"),
                     .p(.text("\(setup.kind(appointment.typeCode)?.name ?? "Appointment") with \(appointment.staff.name), \(DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone))."))),
                .p(.text("A confirmation with a calendar file and a link to cancel or change the appointment is on its way to your inbox.")),
                .p(.a(.href("/"), .text("Back to the home page")))
            )
            return .html(PageLayout.render(title: "Appointment confirmed", chrome: try await request.chrome(), content: content))
        } catch let error as BookingError {
            return try await BookingPages.failure(request, error)
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
            return try await BookingPages.failure(request, error)
        }
        guard appointment.status == Appointment.Status.confirmed else { return try await BookingPages.failure(request, .linkUsed) }
        let outcome = setup.cancellation.outcome(cancellingAt: request.now, appointmentStart: appointment.startsAt)
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Your appointment")),
            .dl(.class("details"),
                .dt(.text("Appointment")), .dd(.text(setup.kind(appointment.typeCode)?.name ?? "Appointment")),
                .dt(.text("With")), .dd(.text(appointment.staff.name)),
                .dt(.text("When")), .dd(.text(DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: setup.zone))),
                .unwrap(appointment.location) { .group(.dt(.text("Where")), .dd(.text($0.name))) }),
            {
                switch outcome {
                case .withinPolicy:
                    return .group(
                        .p(.text("You can change or cancel free of charge until \(setup.cancellation.noticeHours) hours before the appointment.")),
                        .p(.a(.class("button secondary"), .href(attributeSafe("/appointments/\(token)/reschedule")), .text("Choose another time"))),
                        cancelForm(request, token: token, button: "Cancel this appointment"))
                case .late(let fee):
                    return .group(
                        .div(.class("notice warning"), .p(.text("The appointment is less than \(setup.cancellation.noticeHours) hours away. You can still cancel, but it counts as a late cancellation\(fee.map { " with a fee of \($0.formatted)" } ?? ""). To change the time, please call us at \(request.clinicPhone)."))),
                        cancelForm(request, token: token, button: "Cancel anyway (late cancellation)"))
                case .tooLate:
                    return .p(.text("This appointment has started or passed, so it can no longer be changed here. Please call us at \(request.clinicPhone)."))
                }
            }()
        )
        return .html(PageLayout.render(title: "Your appointment", chrome: try await request.chrome(), content: content))
    }

    private func cancelForm(_ request: Request, token: String, button: String) -> Node<HTML.BodyContext> {
        .form(.class("form"), .method(.post), .action(attributeSafe("/appointments/\(token)/cancel")),
              FormViews.csrf(request.csrfToken),
              .button(.class("button danger"), .type(.submit), .text(button)))
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
            return try await BookingPages.failure(request, error)
        }
    }

    func reschedulePage(_ request: Request) async throws -> Response {
        let setup = try await request.bookingSetup()
        let token = try token(request)
        let appointment: Appointment
        do {
            appointment = try await BookingService(request: request).appointment(manageToken: token)
        } catch let error as BookingError {
            return try await BookingPages.failure(request, error)
        }
        guard appointment.status == Appointment.Status.confirmed, let kind = setup.kind(appointment.typeCode) else {
            return try await BookingPages.failure(request, .linkUsed)
        }
        guard setup.cancellation.outcome(cancellingAt: request.now, appointmentStart: appointment.startsAt) == .withinPolicy else {
            return try await BookingPages.failure(request, .tooLateToChange)
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
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href(attributeSafe("/appointments/\(token)")), .text("Back to your appointment"))),
            .h1(.text("Choose another time")),
            .unwrap(notice) { .div(.class("notice warning"), .attribute(named: "role", value: "alert"), .p(.text($0))) },
            .p(.class("lede"), .text("Now: \(DateDisplay.when(appointment.startsAt, zone: setup.zone)), with \(appointment.staff.name). Times are in \(setup.zone.displayName(at: appointment.startsAt)).")),
            .if(slots.isEmpty, .p(.text("There are no other free times with \(appointment.staff.name) in the coming weeks. Please call us."))),
            .form(.class("form"), .method(.post), .action(attributeSafe("/appointments/\(token)/reschedule")),
                  FormViews.csrf(request.csrfToken),
                  .div(.class("slot-days"), .forEach(days.keys.sorted()) { day in
                      .fieldset(.class("slot-day"),
                                .element(named: "legend", nodes: [.text(DateDisplay.day(day))]),
                                .ul(.class("slot-list"), .forEach(days[day] ?? []) { slot in
                                    .li(.button(.class("slot"), .type(.submit), .name("start"), .value(String(Int(slot.start.timeIntervalSince1970))),
                                                .text(DateDisplay.time(slot.start, zone: setup.zone))))
                                }))
                  }))
        )
        return .html(PageLayout.render(title: "Choose another time", chrome: try await request.chrome(), content: content), status: status)
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
            return try await BookingPages.failure(request, error)
        }
    }
}

/// The fields about the person, shared by the booking and waitlist forms.
enum BookingViews {
    static func personFields(draft: BookingDetailsDraft, errors: FieldErrors, nameLabel: String, emailHint: String, birthHint: String,
                             consentLabel: String) -> Node<HTML.FormContext> {
        let limits = BookingDetails.Limits.self
        return .group(
            FormViews.textField(name: "name", label: nameLabel, value: draft.name, error: errors["name"], autocomplete: "name", maxLength: limits.name),
            FormViews.textField(name: "email", label: "Email address", value: draft.email, error: errors["email"], type: .email,
                                autocomplete: "email", maxLength: limits.email, hint: emailHint),
            FormViews.textField(name: "phone", label: "Phone number", value: draft.phone, error: errors["phone"], type: .tel,
                                autocomplete: "tel", maxLength: limits.phone),
            FormViews.textField(name: "dateOfBirth", label: "Date of birth", value: draft.dateOfBirth, error: errors["dateOfBirth"],
                                type: .date, autocomplete: "bday", maxLength: 10, hint: birthHint),
            .fieldset(
                .class("field"),
                .element(named: "legend", nodes: [.text("Parent or guardian (only if the person is under 18)")]),
                FormViews.textField(name: "guardianName", label: "Parent's or guardian's name", value: draft.guardianName,
                                    error: errors["guardianName"], required: false, maxLength: limits.name),
                FormViews.textField(name: "guardianEmail", label: "Parent's or guardian's email", value: draft.guardianEmail,
                                    error: errors["guardianEmail"], type: .email, required: false, maxLength: limits.email),
                FormViews.textField(name: "guardianPhone", label: "Parent's or guardian's phone", value: draft.guardianPhone,
                                    error: errors["guardianPhone"], type: .tel, required: false, maxLength: limits.phone)
            ),
            FormViews.checkbox(name: "consent", label: consentLabel, checked: draft.consent, error: errors["consent"])
        )
    }
}

/// Small pages shared by the booking and waitlist flows.
enum BookingPages {
    static func failure(_ request: Request, _ error: BookingError) async throws -> Response {
        let phone = request.clinicPhone
        let (title, text): (String, String) = switch error {
        case .linkInvalid: ("This link is not valid", "It may have been copied incompletely, or the appointment was changed since. Check your most recent email from us, or call \(phone).")
        case .linkUsed: ("This link has already been used", "The appointment was already confirmed, cancelled or changed. Your most recent email from us has the current details; or call \(phone).")
        case .holdExpired: ("The time was not confirmed in time", "We could only hold it for a short while, and it has been released. You are welcome to choose a time again.")
        case .tooLateToChange: ("This appointment can no longer be changed online", "It is too close to the appointment to change it here. Please call us at \(phone).")
        case .clientBusy: ("You already have an appointment then", "Choose another time, or call us at \(phone).")
        case .slotUnavailable: ("That time is no longer free", "Please choose another time.")
        }
        return try await request.messagePage(title: title, paragraphs: [text], status: error.status)
    }
}

extension Request {
    func bookingSetup() async throws -> BookingSetup {
        try await SchedulingQueries.setup(on: db, clinic: try await services.clinic.current(on: db))
    }

    var clinicPhone: String {
        // Every page has loaded the identity for its frame by the time a message needs the phone.
        services.clinic.lastKnown?.phone ?? ClinicIdentity.defaults.phone
    }
}
