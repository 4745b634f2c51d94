import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The staff calendar: day and week views per clinician or for the whole clinic, appointments
/// created, moved, cancelled and marked, time blocked. No clinical content appears here, so the
/// front desk can run it.
struct CalendarController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let calendar = routes.grouped("staff", "calendar")
        calendar.get(use: show)
        calendar.get("block", use: blockForm)
        calendar.post("block", use: block)
        let appointments = routes.grouped("staff", "appointments")
        appointments.get("new", use: newForm)
        appointments.post(use: create)
        appointments.get(":id", use: detail)
        appointments.post(":id", "move", use: move)
        appointments.post(":id", "cancel", use: cancel)
        appointments.post(":id", "status", use: mark)
        appointments.post(":id", "approve", use: approve)
        appointments.post(":id", "sliding-scale", use: slidingScale)
        let series = routes.grouped("staff", "series")
        series.get(":id", use: seriesDetail)
        series.post(":id", "extend", use: extendSeries)
        series.post(":id", "shorten", use: shortenSeries)
    }

    // MARK: views

    func show(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let setup = try await request.bookingSetup()
        let zone = setup.zone
        let visible = try await access.visibleClinicians(on: request.db)
        let today = zone.localDate(of: request.now)
        let date = request.query[String.self, at: "date"].flatMap(LocalDate.init(iso:)) ?? today
        let isDay = request.query[String.self, at: "view"] == "day"
        let requested = request.query[String.self, at: "clinician"]
        var shown = visible
        if let requested, requested != "all" {
            guard let id = UUID(uuidString: requested), let one = visible.first(where: { $0.id == id }) else { throw Abort(.notFound) }
            shown = [one]
        } else if !access.managesAll {
            shown = visible.filter { $0.id == staff.id } .isEmpty ? visible : visible.filter { $0.id == staff.id } + visible.filter { $0.id != staff.id }
        }
        let first = isDay ? date : date.startOfWeek
        let days = (0..<(isDay ? 1 : 7)).map { first.adding(days: $0) }
        let window = Interval(start: zone.startOfDay(first), end: zone.startOfDay(days.last!.adding(days: 1)))
        let ids = shown.compactMap(\.id)
        let appointments = ids.isEmpty ? [] : try await Appointment.query(on: request.db)
            .filter(\.$staff.$id ~~ ids).filter(\.$startsAt < window.end).filter(\.$endsAt > window.start)
            .filter(\.$status !~ [Appointment.Status.expired, Appointment.Status.declined])
            .with(\.$client).sort(\.$startsAt).all()
        try await request.audit(.view, recordType: "calendar", detail: "\(isDay ? "day" : "week") of \(first) clinicians=\(ids.count) rows=\(appointments.count)")
        let byCell = Dictionary(grouping: appointments) { "\($0.$staff.id.uuidString)|\(zone.localDate(of: $0.startsAt))" }
        let clinicianParam = requested ?? "all"
        func link(_ day: LocalDate, view: String) -> String {
            "/staff/calendar?view=\(view)&date=\(day)&clinician=\(clinicianParam)"
        }
        let step = isDay ? 1 : 7
        let heading = isDay ? DateDisplay.day(first) : "Week of \(DateDisplay.day(first))"
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Calendar")),
            .form(.class("form inline-form filters"), .method(.get), .action("/staff/calendar"),
                  FormViews.select(name: "clinician", label: "Clinician",
                                   options: (access.managesAll || visible.count > 1 ? [("all", "Everyone I can see")] : [])
                                     + visible.map { ($0.id?.uuidString ?? "", $0.name) },
                                   selected: clinicianParam, error: nil),
                  FormViews.textField(name: "date", label: "Date", value: date.description, error: nil, type: .date, maxLength: 10),
                  FormViews.select(name: "view", label: "View", options: [("week", "Week"), ("day", "Day")], selected: isDay ? "day" : "week", error: nil),
                  .button(.class("button secondary"), .type(.submit), .text("Show"))),
            .nav(.class("pagination"), .ariaLabel("Dates"),
                 .a(.href(attributeSafe(link(first.adding(days: -step), view: isDay ? "day" : "week"))), .text(isDay ? "Previous day" : "Previous week")),
                 .a(.href(attributeSafe(link(today, view: isDay ? "day" : "week"))), .text("Today")),
                 .a(.href(attributeSafe(link(first.adding(days: step), view: isDay ? "day" : "week"))), .text(isDay ? "Next day" : "Next week"))),
            .p(.a(.class("button"), .href("/staff/appointments/new"), .text("New appointment")), .text(" "),
               .a(.class("button secondary"), .href("/staff/calendar/block"), .text("Block time")), .text(" "),
               .a(.class("button secondary"), .href("/staff/availability"), .text("Hours")), .text(" "),
               .if(access.managesAll, .a(.class("button secondary"), .href("/staff/waitlist"), .text("Waitlist")))),
            .p(.class("small"), .text("Times in \(zone.displayName(at: window.start)).")),
            TableViews.scrollable(captionID: "calendar-caption", .table(
                .class("data-table calendar"),
                .caption(.id("calendar-caption"), .text(heading)),
                .thead(.tr(.th(.text("Clinician")), .forEach(days) { day in
                    .th(.attribute(named: "scope", value: "col"),
                        .a(.href(attributeSafe(link(day, view: "day"))), .text(DateDisplay.shortDay(day))))
                })),
                .tbody(.forEach(shown) { member in
                    .tr(.th(.attribute(named: "scope", value: "row"), .text(member.name)),
                        .forEach(days) { day in
                            let cell = byCell["\(member.id?.uuidString ?? "")|\(day)"] ?? []
                            return .td(.if(cell.isEmpty, .span(.class("muted"), .text("Free"))),
                                       .ul(.class("calendar-cell"), .forEach(cell) { appointment in
                                           .li(.class("appt \(appointment.status)"),
                                               .a(.href("/staff/appointments/\(appointment.id?.uuidString ?? "")"),
                                                  .text("\(DateDisplay.time(appointment.startsAt, zone: zone)) "),
                                                  .text(appointment.client?.name ?? (appointment.status == Appointment.Status.blocked ? "Blocked" : "No client"))),
                                               .span(.class("small"), .text(" \(setup.kind(appointment.typeCode)?.name ?? (appointment.blockNote ?? "")) (\(appointment.status.label))")))
                                       }))
                        })
                })
            ))
        )
        return .html(PageLayout.render(title: "Calendar", chrome: try await request.chrome(), content: content))
    }

    /// The appointment in the path, if the signed-in person manages its clinician's calendar.
    private func managedAppointment(_ request: Request) async throws -> Appointment {
        let access = try await ScheduleAccess.load(try await request.authorize(.viewSchedule), on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let appointment = try await Appointment.query(on: request.db).filter(\.$id == id)
                .with(\.$staff).with(\.$client).with(\.$location).with(\.$series).first(),
              access.canManage(clinicianID: appointment.$staff.id)
        else {
            // Someone else's appointment answers exactly like one that does not exist.
            throw Abort(.notFound)
        }
        return appointment
    }

    func detail(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        try await request.audit(.view, recordType: "appointment", recordID: appointment.id?.uuidString, subject: appointment.$client.id?.uuidString)
        return try await renderDetail(request, appointment: appointment, errors: FieldErrors(), notice: request.query[String.self, at: "done"])
    }

    private func renderDetail(_ request: Request, appointment: Appointment, errors: FieldErrors, notice: String?,
                              moveDate: String? = nil, moveTime: String? = nil, alternatives: [Slot] = [],
                              status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        // The client's questionnaires and self-assessments show here only to their care team (and the
        // director once she has given a reason): holding the appointment is not enough.
        let clientID = appointment.$client.id
        let mayRecordAttendance = appointment.client != nil && appointment.startsAt <= request.now.addingTimeInterval(86_400)
        let clinicalRole = request.staff.map { AccessPolicy.allows($0.role, .viewClinicalRecords) } ?? false
        let clinical = try await clientID.asyncMap { try await request.mayViewClinicalInformation(of: $0) } ?? false
        let responses = clinical && clientID != nil ? try await MeasureResponse.query(on: request.db).filter(\.$client.$id == clientID!)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).all().map { ($0, try $0.score(request.services.keyRing)) } : []
        let consents = clientID == nil ? [] : try await ConsentRecord.query(on: request.db).filter(\.$client.$id == clientID!).sort(\.$signedAt).all()
            .map { ($0, try $0.typedName(request.services.keyRing)) }
        let selfAssessments = clinical && clientID != nil ? try await SelfAssessmentRecord.query(on: request.db).filter(\.$client.$id == clientID!)
            .filter(\.$status == .completed).sort(\.$completedAt, .descending).all() : []
        let zone = setup.zone
        let id = appointment.id?.uuidString ?? ""
        let current = appointment.status
        let wall = zone.wallClock(of: appointment.startsAt)
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href(attributeSafe("/staff/calendar?date=\(wall.date)&clinician=\(appointment.$staff.id.uuidString)")), .text("Back to the calendar"))),
            .h1(.text(appointment.client.map { "Appointment: \($0.name)" } ?? "Blocked time")),
            .unwrap(notice) { _ in .div(.class("notice success"), .attribute(named: "role", value: "status"), .p(.text("Saved."))) },
            FormViews.errorSummary(errors),
            .unwrap(alternatives.isEmpty ? nil : alternatives) { alternatives in
                .div(.class("notice warning"), .p(.text("Nearest free times: " + alternatives.map { DateDisplay.when($0.start, zone: zone) }.joined(separator: "; ") + ".")))
            },
            .dl(.class("details"),
                .dt(.text("When")), .dd(.text(DateDisplay.range(appointment.startsAt, appointment.endsAt, zone: zone))),
                .dt(.text("Clinician")), .dd(.text(appointment.staff.name)),
                .dt(.text("Type")), .dd(.text(setup.kind(appointment.typeCode)?.name ?? appointment.blockNote ?? "Blocked")),
                .dt(.text("Status")), .dd(.span(.class("status \(current.rawValue)"), .text(current.label))),
                .unwrap(appointment.client) { client in
                    .group(.dt(.text("Client")), .dd(.text(client.name),
                                                     .if(clinical, .group(.text(" "), .a(.href("/staff/clients/\(client.id?.uuidString ?? "")/chart"), .text("Open the chart"))))),
                           .dt(.text("Programme")), .dd(.text(Programme(rawValue: client.programme)?.label ?? client.programme)),
                           .dt(.text("Email")), .dd(.a(.href(attributeSafe("mailto:\(client.email)")), .text(client.email))),
                           .dt(.text("Phone")), .dd(.text(client.phone)),
                           .unwrap(client.guardianName) { .group(.dt(.text("Parent or guardian")),
                                                                 .dd(.text([$0, client.guardianEmail, client.guardianPhone].compactMap { $0 }.joined(separator: ", ")))) })
                },
                .unwrap(appointment.feeCents) { .group(.dt(.text("Fee")), .dd(.text(Money(cents: $0, currency: appointment.currency ?? "CAD").formatted))) },
                .unwrap(appointment.lateFeeCents) { .group(.dt(.text("Late-cancellation fee")), .dd(.text(Money(cents: $0).formatted))) },
                .unwrap(appointment.series) { series in
                    .group(.dt(.text("Course")), .dd(.a(.href("/staff/series/\(series.id?.uuidString ?? "")"),
                                                        .text("Session \(appointment.seriesNumber ?? 0) of a weekly course"))))
                },
                .dt(.text("Booked")), .dd(.text("\(appointment.source == "web" ? "Online" : appointment.source == "waitlist" ? "From the waitlist" : "By staff"), \(DateDisplay.dateTime(appointment.createdAt, timeZone: zone.timeZone.identifier))"))),
            .if(appointment.client != nil && clinical && [.confirmed, .attended].contains(current),
                .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/questionnaire"),
                      FormViews.csrf(request.csrfToken),
                      FormViews.select(name: "instrument", label: "Send a questionnaire to the client",
                                       options: request.services.instruments.all.map { ($0.code, $0.name) }, selected: "phq-9", error: nil),
                      .button(.class("button secondary"), .type(.submit), .text("Send the link")),
                      .button(.class("button secondary"), .type(.submit), .attribute(named: "formaction", value: "/staff/appointments/\(id)/questionnaire/in-session"),
                              .text("Fill it in now, with the client")))),
            .if(appointment.client != nil && clinical && [.confirmed, .attended].contains(current),
                .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/self-assessment"),
                      FormViews.csrf(request.csrfToken),
                      .button(.class("button secondary"), .type(.submit), .text("Send the pre-therapy self-assessment")))),
            .if(appointment.client != nil && (request.staff.map { AccessPolicy.allows($0.role, .manageSchedule) } ?? false),
                .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/sliding-scale"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textField(name: "percent", label: "Sliding-scale reduction for this client (%)",
                                          value: String(appointment.client?.slidingScalePercent ?? 0), error: errors["percent"], type: .number, maxLength: 3),
                      .button(.class("button secondary"), .type(.submit), .text("Set the reduction")))),
            .if(appointment.client != nil, .group(
                .h2(.text("Intake and consents")),
                .if(consents.isEmpty, .p(.text("No consents signed yet."))),
                .ul(.forEach(consents) { consent, typedName in
                    .li(.text("\(consent.kind.title), version \(consent.version), signed \"\(typedName)\" on \(DateDisplay.dateTime(consent.signedAt, timeZone: setup.zone.timeZone.identifier))"))
                }),
                .if([.confirmed, .attended].contains(current), .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/intake"),
                      FormViews.csrf(request.csrfToken),
                      .button(.class("button secondary"), .type(.submit), .text(consents.isEmpty ? "Send the intake forms" : "Send the intake forms again")))))),
            .if(appointment.client != nil && clinicalRole && !clinical, .div(.class("notice info"),
                .p(.text(request.staff?.role == .admin
                         ? "This client is not on your caseload, so their questionnaires and forms are not shown here. "
                         : "This client is not on your care team, so their questionnaires and forms are not shown here. The clinic director assigns care teams.")),
                .if(request.staff?.role == .admin, .p(.a(.href("/staff/clients/\(clientID?.uuidString ?? "")/chart"), .text("Open the chart (you will be asked for a reason)")))))),
            .if(!responses.isEmpty || !selfAssessments.isEmpty, .group(
                .h2(.text("The client's answers")),
                .p(.a(.href("/staff/clients/\(clientID?.uuidString ?? "")/progress"), .text("Scores over time"))),
                .ul(.forEach(selfAssessments) { record in
                        let when = record.completedAt.map { DateDisplay.dateTime($0, timeZone: setup.zone.timeZone.identifier) } ?? ""
                        return .li(.a(.href("/staff/self-assessments/\(record.id?.uuidString ?? "")"), .text("Pre-therapy self-assessment, \(when)")))
                    },
                    .forEach(responses) { response, score in
                        let name = request.services.instruments.named(response.instrumentCode)?.name ?? response.instrumentCode
                        let result = score.map { "\($0.total) (\($0.band))" } ?? "?"
                        let when = response.completedAt.map { DateDisplay.dateTime($0, timeZone: setup.zone.timeZone.identifier) } ?? ""
                        return .li(.text("\(name): \(result), \(when)"))
                    }))),
            .if(current == .requested, .form(.class("form"), .method(.post), .action("/staff/appointments/\(id)/approve"),
                                             FormViews.csrf(request.csrfToken),
                                             .button(.class("button"), .type(.submit), .name("decision"), .value("approve"), .text("Approve and send the confirmation")),
                                             .text(" "),
                                             .button(.class("button secondary"), .type(.submit), .name("decision"), .value("decline"), .text("Decline")))),
            .if(current.isChangeable, .group(
                .h2(.text("Move")),
                .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/move"),
                      FormViews.csrf(request.csrfToken),
                      FormViews.textField(name: "date", label: "New date", value: moveDate ?? wall.date.description, error: errors["date"], type: .date, maxLength: 10),
                      FormViews.textField(name: "time", label: "New start time", value: moveTime ?? (LocalTime(minuteOfDay: wall.minuteOfDay)?.description ?? ""),
                                          error: errors["time"], type: .time, maxLength: 5),
                      .button(.class("button secondary"), .type(.submit), .text("Move"))),
                .h2(.text("Cancel or mark")),
                .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/cancel"),
                      FormViews.csrf(request.csrfToken),
                      .if(appointment.client != nil, FormViews.checkbox(name: "late", label: "Count as a late cancellation (the policy fee applies)", checked: false, error: nil)),
                      .button(.class("button danger"), .type(.submit), .text(appointment.client == nil ? "Remove the block" : "Cancel the appointment"))),
                .if(mayRecordAttendance,
                    .form(.class("form inline-form"), .method(.post), .action("/staff/appointments/\(id)/status"),
                          FormViews.csrf(request.csrfToken),
                          .button(.class("button secondary"), .type(.submit), .name("status"), .value("attended"), .text("Mark attended")), .text(" "),
                          .button(.class("button secondary"), .type(.submit), .name("status"), .value("no_show"), .text("Mark no-show")), .text(" "),
                          .button(.class("button secondary"), .type(.submit), .name("status"), .value("late_cancelled"), .text("Mark late-cancelled"))))
            ))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Appointment" : "Check the change: Appointment", chrome: try await request.chrome(), content: content),
                     status: status)
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
        guard appointment.status.isChangeable == true else {
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
        guard errors.isEmpty, let start else {
            return try await renderDetail(request, appointment: appointment, errors: errors, notice: nil, moveDate: body.date, moveTime: body.time,
                                          status: .unprocessableEntity)
        }
        let kind = setup.kind(appointment.typeCode)
            ?? AppointmentKind(code: "block", name: "Blocked", durationMinutes: Int(appointment.endsAt.timeIntervalSince(appointment.startsAt) / 60))
        do {
            _ = try await BookingService(request: request).move(appointment, to: start, kind: kind, setup: setup, by: "staff")
        } catch BookingError.slotUnavailable(let alternatives) {
            errors.add("time", "That time overlaps another appointment or blocked time of this clinician.")
            return try await renderDetail(request, appointment: appointment, errors: errors, notice: nil, moveDate: body.date, moveTime: body.time,
                                          alternatives: alternatives, status: .conflict)
        } catch BookingError.clientBusy {
            errors.add("time", "The client has another appointment at that time.")
            return try await renderDetail(request, appointment: appointment, errors: errors, notice: nil, moveDate: body.date, moveTime: body.time,
                                          status: .conflict)
        }
        if appointment.startsAt > request.now {
            try await WaitlistService(request: request).offerFreedTime(staffID: appointment.$staff.id, start: appointment.startsAt, setup: setup)
        }
        return request.redirect(to: "/staff/appointments/\(appointment.id?.uuidString ?? "")?done=moved")
    }

    struct CancelBody: Content {
        var late: String?
    }

    func cancel(_ request: Request) async throws -> Response {
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(CancelBody.self, from: request)
        let setup = try await request.bookingSetup()
        guard appointment.status.isChangeable == true else {
            return request.redirect(to: "/staff/appointments/\(appointment.id?.uuidString ?? "")")
        }
        let outcome: BookingService.CancelOutcome = body.late == "yes" ? .lateCancelled(fee: setup.cancellation.lateFee) : .cancelled
        try await BookingService(request: request).cancel(appointment, outcome: outcome, setup: setup, by: "staff",
                                                          notify: appointment.status != Appointment.Status.held)
        return request.redirect(to: "/staff/appointments/\(appointment.id?.uuidString ?? "")?done=cancelled")
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
        guard appointment.client != nil, [.confirmed, .attended, .noShow].contains(appointment.status),
              appointment.startsAt <= request.now.addingTimeInterval(86_400) else {
            throw Abort(.conflict, reason: "Only a confirmed appointment from today or earlier can be marked.")
        }
        appointment.status = target
        if target == .lateCancelled { appointment.lateFeeCents = setup.cancellation.lateFee?.cents }
        appointment.updatedAt = request.now
        try await request.db.writeTransaction { db in try await appointment.update(on: db) }
        try await request.audit(.update, recordType: "appointment", recordID: appointment.id?.uuidString, subject: appointment.$client.id?.uuidString,
                                detail: "marked \(target.rawValue)")
        return request.redirect(to: "/staff/appointments/\(appointment.id?.uuidString ?? "")?done=marked")
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
            return request.redirect(to: "/staff/appointments/\(id.uuidString)?done=declined")
        }
        // Approval is the confirmation: the same step and email as the client's link, in one transaction.
        _ = try await BookingService(request: request).confirm(id, accepting: [.requested], by: "staff approval", setup: setup)
        return request.redirect(to: "/staff/appointments/\(id.uuidString)?done=approved")
    }

    struct SlidingScaleBody: Content {
        var percent: String?
    }

    /// The client's sliding-scale reduction, set by the front desk; it applies to this appointment (if
    /// not yet held) and to every later booking.
    func slidingScale(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.manageSchedule)
        let appointment = try await managedAppointment(request)
        let body = try FormInput.decode(SlidingScaleBody.self, from: request)
        let setup = try await request.bookingSetup()
        guard let client = appointment.client else { throw Abort(.notFound) }
        guard let percent = body.percent.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (0...100).contains(percent) else {
            var errors = FieldErrors()
            errors.add("percent", "Enter a reduction from 0 to 100 percent.")
            return try await renderDetail(request, appointment: appointment, errors: errors, notice: nil, status: .unprocessableEntity)
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
        return request.redirect(to: "/staff/appointments/\(appointment.id?.uuidString ?? "")?done=fee")
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
    }

    func newForm(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        var body = NewBody()
        body.clinician = request.query[String.self, at: "clinician"] ?? staff.id.uuidString
        body.date = request.query[String.self, at: "date"]
        body.weeks = "1"
        body.onConflict = "refuse"
        return try await renderNew(request, body: body, errors: FieldErrors())
    }

    func create(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let body = try FormInput.decode(NewBody.self, from: request)
        let setup = try await request.bookingSetup()
        var errors = FieldErrors()
        let clinicianID = body.clinician.flatMap(UUID.init(uuidString:))
        if clinicianID.map(access.canManage(clinicianID:)) != true { errors.add("clinician", "Choose a clinician whose calendar you manage.") }
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
        if let id = clientID, !(try await access.bookableClients(on: request.db)).contains(where: { $0.id == id }) {
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
        guard errors.isEmpty, let clinicianID, let kind, let date, let time else {
            return try await renderNew(request, body: body, errors: errors, status: .unprocessableEntity)
        }
        if let newClient, !access.managesAll,
           let existing = try await ClientRecord.query(on: request.db).filter(\.$email == newClient.email)
            .filter(\.$dateOfBirth == newClient.dateOfBirth.description).all().first(where: { $0.name.lowercased() == newClient.name.lowercased() }),
           !(try await access.bookableClients(on: request.db)).contains(where: { $0.id == existing.id }) {
            // Typing an existing client's details must not attach them (and their chart) to this
            // calendar: the front desk books existing clients with another clinician.
            errors.add("clientEmail", "These details match a client the clinic already has. Ask the front desk to book them with you.")
            return try await renderNew(request, body: body, errors: errors, status: .unprocessableEntity)
        }
        if let newClient {
            let now = request.now
            let client = try await request.db.writeTransaction { db in
                try await BookingService.newClient(newClient, now: now, consented: false, on: db)
            }
            clientID = client.id
        }
        guard let clientID else { throw Abort(.internalServerError) }
        let course = StaffBooking.CourseRequest(
            clinicianID: clinicianID, clientID: clientID, kind: kind, firstDate: date, time: time, count: weeks,
            locationID: locationID,
            resolution: body.onConflict == "move" ? .moveConflicts : .refuse)
        var keep = body
        keep.client = clientID.uuidString
        do {
            switch try await StaffBooking(request: request).book(course, setup: setup) {
            case .booked(let seriesID, let occurrences):
                if let seriesID {
                    let moved = occurrences.filter(\.isMoved).map { String($0.number) }
                    return request.redirect(to: "/staff/series/\(seriesID.uuidString)\(moved.isEmpty ? "" : "?moved=" + moved.joined(separator: ","))")
                }
                let first = try await Appointment.query(on: request.db).filter(\.$client.$id == clientID).filter(\.$staff.$id == clinicianID)
                    .sort(\.$createdAt, .descending).first()
                return request.redirect(to: "/staff/appointments/\(first?.id?.uuidString ?? "")?done=created")
            case .conflicts(let plan):
                let weeksText = plan.filter { $0.planned == nil }.map { occurrence in
                    "week \(occurrence.number)" + (occurrence.usual.map { " (\(DateDisplay.when($0.start, zone: setup.zone)))" } ?? "")
                }.joined(separator: "; ")
                errors.add("weeks", course.resolution == .refuse
                           ? "Nothing was booked: \(weeksText) collides with another appointment. Choose \"move the colliding weeks\" to book those weeks at the nearest free time, or pick another time."
                           : "Nothing was booked: no free time could be found in \(weeksText).")
                return try await renderNew(request, body: keep, errors: errors, status: .conflict)
            }
        } catch BookingError.slotUnavailable {
            errors.add("time", "Another booking took one of these times a moment ago. Nothing was booked; send the form again to re-plan.")
            return try await renderNew(request, body: keep, errors: errors, status: .conflict)
        }
    }

    private func renderNew(_ request: Request, body: NewBody, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let staff = try request.requireStaff()
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let setup = try await request.bookingSetup()
        let clinicians = try await access.visibleClinicians(on: request.db)
        let clients = try await access.bookableClients(on: request.db)
        let locations = try await Location.query(on: request.db).sort(\.$sortOrder).all()
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/calendar"), .text("Back to the calendar"))),
            .h1(.text("New appointment")),
            FormViews.errorSummary(errors),
            .form(
                .class("form"), .method(.post), .action("/staff/appointments"), .novalidate(),
                FormViews.csrf(request.csrfToken),
                FormViews.select(name: "clinician", label: "Clinician", options: clinicians.map { ($0.id?.uuidString ?? "", $0.name) },
                                 selected: body.clinician, error: errors["clinician"]),
                FormViews.select(name: "client", label: "Client", options: [("", "A new client (enter the details below)")]
                                    + clients.map { ($0.id?.uuidString ?? "", "\($0.name) (\($0.email))") },
                                 selected: body.client ?? "", error: errors["client"]),
                .fieldset(.class("field"),
                          .element(named: "legend", nodes: [.text("New client (only if not in the list)")]),
                          FormViews.textField(name: "clientName", label: "Name", value: body.clientName, error: errors["clientName"], required: false, maxLength: 120),
                          FormViews.textField(name: "clientEmail", label: "Email", value: body.clientEmail, error: errors["clientEmail"], type: .email, required: false, maxLength: 254),
                          FormViews.textField(name: "clientPhone", label: "Phone", value: body.clientPhone, error: errors["clientPhone"], type: .tel, required: false, maxLength: 40),
                          FormViews.textField(name: "clientDateOfBirth", label: "Date of birth", value: body.clientDateOfBirth, error: errors["clientDateOfBirth"],
                                              type: .date, required: false, maxLength: 10)),
                FormViews.select(name: "type", label: "Type", options: setup.kinds.map { ($0.code, "\($0.name) (\($0.durationMinutes) min)") },
                                 selected: body.type ?? "ipt-session", error: errors["type"]),
                FormViews.select(name: "location", label: "Where", options: [("", "Not set")] + locations.map { ($0.id?.uuidString ?? "", $0.name) },
                                 selected: body.location ?? "", error: nil),
                FormViews.textField(name: "date", label: "Date (of the first session)", value: body.date, error: errors["date"], type: .date, maxLength: 10),
                FormViews.textField(name: "time", label: "Start time", value: body.time, error: errors["time"], type: .time, maxLength: 5,
                                    hint: "In \(setup.zone.displayName(at: request.now)); a weekly course keeps this wall-clock time across the clock changes."),
                FormViews.textField(name: "weeks", label: "Number of weekly sessions", value: body.weeks, error: errors["weeks"], type: .number, maxLength: 2,
                                    hint: "1 for a single appointment; 16 for a typical IPT course, 12 for IPT-A."),
                FormViews.radioGroup(name: "onConflict", legend: "If a week collides with another appointment",
                                     options: [("refuse", "Book nothing and show me the colliding weeks"),
                                               ("move", "Move the colliding weeks to the nearest free time that week")],
                                     selected: body.onConflict ?? "refuse", error: nil),
                .button(.class("button"), .type(.submit), .text("Book"))
            )
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "New appointment" : "Check the booking: New appointment",
                                       chrome: try await request.chrome(), content: content), status: status)
    }

    // MARK: blocking time

    struct BlockBody: Content {
        var clinician: String?
        var date: String?
        var from: String?
        var until: String?
        var note: String?
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
        if clinicianID.map(access.canManage(clinicianID:)) != true { errors.add("clinician", "Choose a clinician whose calendar you manage.") }
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
            return request.redirect(to: "/staff/appointments/\(id.uuidString)?done=blocked")
        } catch BookingError.slotUnavailable {
            errors.add("from", "That time overlaps an appointment or other blocked time; move or cancel it first.")
            return try await renderBlock(request, body: body, errors: errors, status: .conflict)
        }
    }

    private func renderBlock(_ request: Request, body: BlockBody, errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let access = try await ScheduleAccess.load(try request.requireStaff(), on: request.db)
        let clinicians = try await access.visibleClinicians(on: request.db)
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/calendar"), .text("Back to the calendar"))),
            .h1(.text("Block time")),
            .p(.text("Blocked time cannot be booked, online or by staff. Use it for supervision, meetings or time away.")),
            FormViews.errorSummary(errors),
            .form(.class("form"), .method(.post), .action("/staff/calendar/block"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  FormViews.select(name: "clinician", label: "Clinician", options: clinicians.map { ($0.id?.uuidString ?? "", $0.name) },
                                   selected: body.clinician, error: errors["clinician"]),
                  FormViews.textField(name: "date", label: "Date", value: body.date, error: errors["date"], type: .date, maxLength: 10),
                  FormViews.textField(name: "from", label: "From", value: body.from, error: errors["from"], type: .time, maxLength: 5),
                  FormViews.textField(name: "until", label: "Until", value: body.until, error: errors["until"], type: .time, maxLength: 5),
                  FormViews.textField(name: "note", label: "Label", value: body.note, error: errors["note"], required: false, maxLength: 120,
                                      hint: "Shown in the calendar, e.g. \"Supervision\". No client details here."),
                  .button(.class("button"), .type(.submit), .text("Block this time")))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Block time" : "Check the times: Block time", chrome: try await request.chrome(), content: content),
                     status: status)
    }

    // MARK: series

    /// The course in the path, if the signed-in person manages its clinician's calendar.
    private func managedSeries(_ request: Request) async throws -> AppointmentSeries {
        let access = try await ScheduleAccess.load(try await request.authorize(.viewSchedule), on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let series = try await AppointmentSeries.query(on: request.db).filter(\.$id == id).with(\.$client).with(\.$staff).first(),
              access.canManage(clinicianID: series.$staff.id) else { throw Abort(.notFound) }
        return series
    }

    func seriesDetail(_ request: Request) async throws -> Response {
        let series = try await managedSeries(request)
        return try await renderSeries(request, series: series, error: nil)
    }

    private func renderSeries(_ request: Request, series: AppointmentSeries, error: String?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let seriesID = try series.requireID()
        let occurrences = try await Appointment.query(on: request.db).filter(\.$series.$id == seriesID).sort(\.$seriesNumber).all()
        try await request.audit(.view, recordType: "appointment-series", recordID: seriesID.uuidString, subject: series.$client.id.uuidString)
        let moved = Set((request.query[String.self, at: "moved"] ?? "").split(separator: ",").compactMap { Int($0) })
        var errors = FieldErrors()
        if let error { errors.add("count", error) }
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/calendar"), .text("Back to the calendar"))),
            .h1(.text("Weekly course: \(series.client.name)")),
            .p(.class("lede"), .text("\(setup.kind(series.typeCode)?.name ?? series.typeCode) with \(series.staff.name), \(occurrences.filter { $0.status.occupiesTime == true }.count) sessions booked.")),
            .if(!moved.isEmpty, .div(.class("notice warning"), .attribute(named: "role", value: "status"),
                                     .p(.text("Booked. Week\(moved.count == 1 ? "" : "s") \(moved.sorted().map(String.init).joined(separator: ", ")) moved to the nearest free time because the usual time was taken.")))),
            FormViews.errorSummary(errors),
            TableViews.scrollable(captionID: "series-caption", .table(
                .class("data-table"),
                .caption(.id("series-caption"), .text("Sessions of the course")),
                .thead(.tr(.th(.text("Session")), .th(.text("When")), .th(.text("Status")))),
                .tbody(.forEach(occurrences) { appointment in
                    .tr(.td(.text(String(appointment.seriesNumber ?? 0))),
                        .td(.a(.href("/staff/appointments/\(appointment.id?.uuidString ?? "")"), .text(DateDisplay.when(appointment.startsAt, zone: setup.zone)))),
                        .td(.text(appointment.status.label)))
                })
            )),
            .h2(.text("Extend or shorten")),
            .form(.class("form inline-form"), .method(.post), .action("/staff/series/\(seriesID.uuidString)/extend"),
                  FormViews.csrf(request.csrfToken),
                  FormViews.textField(name: "count", label: "Add this many weekly sessions", value: "4", error: errors["count"], type: .number, maxLength: 2),
                  .button(.class("button secondary"), .type(.submit), .text("Extend"))),
            .form(.class("form inline-form"), .method(.post), .action("/staff/series/\(seriesID.uuidString)/shorten"),
                  FormViews.csrf(request.csrfToken),
                  FormViews.textField(name: "after", label: "End the course after session number", value: "", error: errors["after"], type: .number, maxLength: 2,
                                      hint: "Later sessions are cancelled (the client is told by email)."),
                  .button(.class("button secondary"), .type(.submit), .text("Shorten")))
        )
        return .html(PageLayout.render(title: "Weekly course", chrome: try await request.chrome(), content: content), status: status)
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
        let last = try await Appointment.query(on: request.db).filter(\.$series.$id == seriesID).sort(\.$seriesNumber, .descending).first()
        // The week after the last session, or the coming week if the course ended long ago.
        let today = setup.zone.localDate(of: request.now)
        var firstNew = setup.zone.localDate(of: last?.startsAt ?? request.now).startOfWeek.adding(days: 7 + (series.weekday - 1))
        while (setup.zone.instant(firstNew, time) ?? .distantPast) <= request.now || firstNew < today {
            firstNew = firstNew.adding(days: 7)
        }
        let course = StaffBooking.CourseRequest(clinicianID: series.$staff.id, clientID: series.$client.id, kind: kind, firstDate: firstNew,
                                                time: time, count: count, locationID: last?.$location.id, resolution: .moveConflicts,
                                                joining: (seriesID, (last?.seriesNumber ?? 0) + 1))
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
        return request.redirect(to: "/staff/series/\(seriesID.uuidString)")
    }

    func shortenSeries(_ request: Request) async throws -> Response {
        let series = try await managedSeries(request)
        let body = try FormInput.decode(CountBody.self, from: request)
        let setup = try await request.bookingSetup()
        let seriesID = try series.requireID()
        guard let after = body.after.flatMap(Int.init), after >= 1 else {
            return try await renderSeries(request, series: series, error: "Enter the number of the last session to keep.", status: .unprocessableEntity)
        }
        let later = try await Appointment.query(on: request.db).filter(\.$series.$id == seriesID).filter(\.$seriesNumber > after)
            .filter(\.$status ~~ Appointment.Status.occupying).filter(\.$startsAt > request.now).all()
        for appointment in later {
            try await BookingService(request: request).cancel(appointment, outcome: .cancelled, setup: setup, by: "staff (course shortened)")
        }
        return request.redirect(to: "/staff/series/\(seriesID.uuidString)")
    }
}
