import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The signed-in client acts on their own appointments: cancel, move to another free time of the
/// same clinician, add to a calendar, and opens the forms waiting for them. The portal session is
/// the authority (no emailed token): an appointment or form that is not the client's answers 404.
/// The rules (notice window, late fee, free times) are the booking feature's, through BookingService.
struct PortalAppointmentsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.portalAppointmentCancel, use: cancelPage)
        site.post(.portalAppointmentCancel, use: cancel)
        site.get(.portalAppointmentMove, use: movePage)
        site.post(.portalAppointmentMove, use: move)
        site.get(.portalAppointmentCalendar, use: calendarFile)
        site.post(.portalFormOpen, use: openForm)
    }

    /// The session and the client's own appointment the path names, or 404 (a guardian acts on the
    /// adolescent's appointments, which they may also book and cancel by phone).
    /// nil when nobody is signed in (the caller sends them to sign in).
    private func own(_ request: Request) async throws -> (PortalSession, Appointment)? {
        guard let session = try await PortalController().current(request) else { return nil }
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let appointment = try await PortalQueries.ownAppointment(id, clientID: session.$client.id, on: request.db)
        else { throw Abort(.notFound) }
        return (session, appointment)
    }

    private func audit(_ request: Request, _ session: PortalSession, _ appointment: Appointment, detail: String) async throws {
        try await request.application.auditWriter.record(AuditEntry(
            actorID: nil, actorLabel: PortalController.actor(session), action: .view, recordType: "appointment",
            recordID: appointment.id?.uuidString, subject: session.$client.id.uuidString, requestID: request.referenceID, detail: detail))
    }

    func cancelPage(_ request: Request) async throws -> Response {
        guard let found = try await own(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let (session, appointment) = found
        let setup = try await request.bookingSetup()
        guard appointment.status == .confirmed, appointment.startsAt > request.now else { return try await request.bookingFailure(.linkUsed) }
        try await audit(request, session, appointment, detail: "portal: cancel page")
        let model = PortalCancelPage.Model(header: PortalController.header(session, request: request),
                                           card: PortalController.card(appointment, setup: setup, now: request.now, request: request),
                                           clinicPhone: request.clinicPhone)
        return try await request.page(PortalCancelPage.title, PortalCancelPage.view(model))
    }

    func cancel(_ request: Request) async throws -> Response {
        guard let found = try await own(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let (session, appointment) = found
        let setup = try await request.bookingSetup()
        do {
            let outcome = try await BookingService(request: request).cancelByClient(appointment, setup: setup, by: PortalController.actor(session))
            return request.redirect(to: SitePath.portal.link(query: ["done": outcome == .cancelled ? "cancelled" : "late-cancelled"]))
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
    }

    func movePage(_ request: Request) async throws -> Response {
        guard let found = try await own(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let (session, appointment) = found
        let setup = try await request.bookingSetup()
        guard appointment.status == .confirmed, let kind = setup.kind(appointment.typeCode) else { return try await request.bookingFailure(.linkUsed) }
        guard setup.cancellation.outcome(cancellingAt: request.now, appointmentStart: appointment.startsAt) == .withinPolicy else {
            return try await request.bookingFailure(.tooLateToChange)
        }
        let slots = try await freeTimes(request, appointment: appointment, kind: kind, setup: setup)
        try await audit(request, session, appointment, detail: "portal: move page")
        return try await renderMove(request, session: session, appointment: appointment, slots: slots, setup: setup, notice: nil, status: .ok)
    }

    /// The same clinician's free times for the next four weeks, the appointment's own time left out.
    private func freeTimes(_ request: Request, appointment: Appointment, kind: AppointmentKind, setup: BookingSetup) async throws -> [Slot] {
        let today = setup.zone.localDate(of: request.now)
        let through = today.adding(days: 28)
        let window = Interval(start: setup.zone.startOfDay(today).addingTimeInterval(-86_400), end: setup.zone.startOfDay(through.adding(days: 2)))
        let calendars = try await SchedulingQueries.calendars(for: [appointment.$staff.id], window: window, now: request.now,
                                                              excluding: appointment.id, on: request.db)
        return SlotFinder(zone: setup.zone, rules: setup.rules).slots(kind: kind, calendars: calendars, from: today, through: through, now: request.now)
            .filter { $0.start != appointment.startsAt }
    }

    private func renderMove(_ request: Request, session: PortalSession, appointment: Appointment, slots: [Slot], setup: BookingSetup,
                            notice: String?, status: HTTPResponseStatus) async throws -> Response {
        let byDay = Dictionary(grouping: slots) { setup.zone.localDate(of: $0.start) }
        let days = byDay.keys.sorted()
        let asked = request.query[String.self, at: "day"].flatMap(LocalDate.init(iso:))
        let chosen = asked.flatMap { byDay[$0] == nil ? nil : $0 } ?? days.first
        let model = PortalMovePage.Model(
            header: PortalController.header(session, request: request), appointmentID: appointment.id?.uuidString ?? "",
            now: DateDisplay.when(appointment.startsAt, zone: setup.zone), clinician: appointment.staff.name,
            zoneName: setup.zone.displayName(at: appointment.startsAt), notice: notice,
            days: days.map { .init(iso: $0.description, label: DateDisplay.shortDay($0), count: byDay[$0]?.count ?? 0) },
            chosenDay: chosen?.description, chosenDayLabel: chosen.map(DateDisplay.day),
            times: (chosen.flatMap { byDay[$0] } ?? []).map { .init(label: DateDisplay.time($0.start, zone: setup.zone), start: String(Int($0.start.timeIntervalSince1970))) },
            clinicPhone: request.clinicPhone)
        return try await request.page(PortalMovePage.title, PortalMovePage.view(model), status: status)
    }

    struct MoveBody: Content {
        var start: String?
    }

    func move(_ request: Request) async throws -> Response {
        let body = try FormInput.decode(MoveBody.self, from: request)
        guard let found = try await own(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let (session, appointment) = found
        let setup = try await request.bookingSetup()
        guard let seconds = body.start.flatMap(Int.init), (0...4_102_444_800).contains(seconds) else {
            throw Abort(.badRequest, reason: "Choose one of the times shown.")
        }
        do {
            _ = try await BookingService(request: request).reschedule(appointment, to: Date(timeIntervalSince1970: TimeInterval(seconds)), setup: setup,
                                                                      by: PortalController.actor(session))
            return request.redirect(to: SitePath.portal.link(query: ["done": "moved"]))
        } catch BookingError.slotUnavailable(let alternatives) {
            return try await renderMove(request, session: session, appointment: appointment, slots: alternatives, setup: setup,
                                        notice: "That time is no longer free. Here are the nearest free times; your appointment has not changed.",
                                        status: .conflict)
        } catch let error as BookingError {
            return try await request.bookingFailure(error)
        }
    }

    /// The appointment as a calendar file to import (PUBLISH: a copy, not an invitation to answer).
    func calendarFile(_ request: Request) async throws -> Response {
        guard let found = try await own(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        let (session, appointment) = found
        guard appointment.status == .confirmed else { throw Abort(.notFound) }
        try await audit(request, session, appointment, detail: "portal: calendar file")
        let clinic = try await request.services.clinic.current(on: request.db)
        let place = appointment.typeCode == "consultation" ? "By phone" : appointment.location?.name
        let event = ICalendarEvent(
            uid: "\(appointment.id?.uuidString.lowercased() ?? UUID().uuidString)@iptclinic", start: appointment.startsAt, end: appointment.endsAt,
            summary: "\(SchedulingMail.label(appointment)) with \(appointment.staff.name) - \(clinic.name)", location: place,
            description: "To cancel or change, sign in to the clinic's portal or call \(clinic.phone).", status: .confirmed, sequence: appointment.sequence)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"appointment.ics\"")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(string: ICalendarWriter.document([event], stamp: request.now)))
    }

    /// Opens an intake or self-assessment waiting for the client: a fresh link for it, then the form.
    func openForm(_ request: Request) async throws -> Response {
        guard let session = try await PortalController().current(request) else { return request.redirect(to: SitePath.portalSignIn.link) }
        guard !session.asGuardian, let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let (table, path): (String, SitePath) = switch request.parameters.get("kind") ?? "" {
        case "intake": (IntakeRecord.schema, .intake)
        case "self-assessment": (SelfAssessmentRecord.schema, .selfAssessment)
        default: throw Abort(.notFound)
        }
        guard let token = try await PortalQueries.reissueFormToken(table: table, id: id, clientID: session.$client.id, now: request.now, on: request.db) else {
            throw Abort(.notFound)
        }
        return request.redirect(to: path.link(token))
    }
}

/// The card's add-to-calendar choices: the .ics file, and Google Calendar and Outlook.com links
/// built by IPTCore's CalendarLinks, which carry only the clinic, the time and the place (a third
/// party's calendar is no place for the kind of session or the clinician's name).
enum PortalCalendarLinks {
    static func links(_ appointment: Appointment, place: String, clinic: String, id: String) -> PortalHomePage.CalendarLinks {
        let event = CalendarLinkEvent.appointment(
            clinicName: clinic, start: appointment.startsAt, end: appointment.endsAt,
            place: AppointmentKind.isByPhone(code: appointment.typeCode) ? .byPhone : .address(place))
        return PortalHomePage.CalendarLinks(ics: SitePath.portalAppointmentCalendar.link(id), google: CalendarLinks.google(event),
                                            outlook: CalendarLinks.outlook(event))
    }
}
