import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// A clinician's weekly hours and their exceptions (time off, extra hours), kept by the clinician,
/// their supervisor or the front desk.
struct AvailabilityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let hours = routes.grouped("staff", "availability")
        hours.get(use: show)
        hours.post("weekly", use: addWeekly)
        hours.post("weekly", ":id", "remove", use: removeWeekly)
        hours.post("exceptions", use: addException)
        hours.post("exceptions", ":id", "remove", use: removeException)
    }

    /// The clinician named by `clinician` (query or form), if this person may manage their calendar.
    private func clinician(_ request: Request, id: String?, access: ScheduleAccess) async throws -> StaffUser {
        let visible = try await access.visibleClinicians(on: request.db)
        if let id {
            guard let uuid = UUID(uuidString: id), let member = visible.first(where: { $0.id == uuid }) else { throw Abort(.notFound) }
            return member
        }
        guard let own = visible.first(where: { $0.id == access.staff.id }) ?? visible.first else {
            throw Abort(.notFound, reason: "There is no clinician whose hours you can edit.")
        }
        return own
    }

    func show(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let member = try await clinician(request, id: request.query[String.self, at: "clinician"], access: access)
        return try await render(request, access: access, member: member, weeklyForm: WeeklyBody(), exceptionForm: ExceptionBody(), errors: FieldErrors())
    }

    struct WeeklyBody: Content {
        var clinician: String?
        var weekday: String?
        var from: String?
        var until: String?
        var location: String?
    }

    struct ExceptionBody: Content {
        var clinician: String?
        var kind: String?
        var date: String?
        var from: String?
        var until: String?
        var note: String?
    }

    func addWeekly(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let body = try FormInput.decode(WeeklyBody.self, from: request)
        let member = try await clinician(request, id: body.clinician, access: access)
        var errors = FieldErrors()
        let weekday = body.weekday.flatMap(Int.init).flatMap(Weekday.init(rawValue:))
        if weekday == nil { errors.add("weekday", "Choose a day of the week.") }
        let from = body.from.flatMap (LocalTime.init(formValue:))
        let until = body.until.flatMap (LocalTime.init(formValue:))
        if from == nil { errors.add("from", "Enter the start as hours and minutes, for example 09:00.") }
        if until == nil { errors.add("until", "Enter the end as hours and minutes, for example 17:00.") }
        if let from, let until, until <= from { errors.add("until", "The end must be after the start.") }
        let location = body.location.flatMap(UUID.init(uuidString:))
        if let location, try await Location.find(location, on: request.db) == nil { errors.add("location", "Choose a place from the list.") }
        guard errors.isEmpty, let weekday, let from, let until, let memberID = member.id else {
            return try await render(request, access: access, member: member, weeklyForm: body, exceptionForm: ExceptionBody(), errors: errors,
                                    status: .unprocessableEntity)
        }
        let row = AvailabilityRow()
        row.$staff.id = memberID
        row.$location.id = location
        row.weekday = weekday.rawValue
        row.startMinute = from.minuteOfDay
        row.endMinute = until.minuteOfDay
        try await request.db.writeTransaction { db in try await row.create(on: db) }
        try await request.audit(.update, recordType: "availability", recordID: memberID.uuidString,
                                detail: "weekly hours added: \(weekday.name) \(from)-\(until)")
        return request.redirect(to: "/staff/availability?clinician=\(memberID.uuidString)")
    }

    func removeWeekly(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let row = try await AvailabilityRow.find(id, on: request.db), access.canManage(clinicianID: row.$staff.id) else { throw Abort(.notFound) }
        try await request.db.writeTransaction { db in try await row.delete(on: db) }
        try await request.audit(.update, recordType: "availability", recordID: row.$staff.id.uuidString, detail: "weekly hours removed")
        return request.redirect(to: "/staff/availability?clinician=\(row.$staff.id.uuidString)")
    }

    func addException(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let body = try FormInput.decode(ExceptionBody.self, from: request)
        let member = try await clinician(request, id: body.clinician, access: access)
        let setup = try await request.bookingSetup()
        var errors = FieldErrors()
        let kind = body.kind.flatMap(AvailabilityException.Kind.init(rawValue:))
        if kind == nil { errors.add("kind", "Choose time off or extra hours.") }
        let date = body.date.flatMap(LocalDate.init(iso:))
        if date == nil { errors.add("date", "Enter a real date as year-month-day.") }
        let from = body.from.flatMap (LocalTime.init(formValue:))
        let until = body.until.flatMap (LocalTime.init(formValue:))
        if from == nil { errors.add("from", "Enter the start as hours and minutes (00:00 for the whole day).") }
        if until == nil { errors.add("until", "Enter the end as hours and minutes (24:00 for the whole day).") }
        if let from, let until, until <= from { errors.add("until", "The end must be after the start.") }
        let note = TextRules.clean(body.note) ?? ""
        if note.count > 120 || TextRules.hasControlCharacters(note, allowLineBreaks: false) {
            errors.add("note", "Keep the note to 120 characters of plain text.")
        }
        let start = date.flatMap { d in from.flatMap { setup.zone.instant(d, $0) } }
        let end = date.flatMap { d in until.flatMap { $0.minuteOfDay == 1440 ? setup.zone.startOfDay(d.adding(days: 1)) : setup.zone.instant(d, $0) } }
        if errors.isEmpty, start == nil || end == nil { errors.add("from", "That time does not exist on that date (the clocks change).") }
        guard errors.isEmpty, let kind, let start, let end, let memberID = member.id else {
            return try await render(request, access: access, member: member, weeklyForm: WeeklyBody(), exceptionForm: body, errors: errors,
                                    status: .unprocessableEntity)
        }
        let row = AvailabilityExceptionRow()
        row.$staff.id = memberID
        row.kind = kind
        row.startsAt = start
        row.endsAt = end
        row.note = note
        try await request.db.writeTransaction { db in try await row.create(on: db) }
        try await request.audit(.update, recordType: "availability", recordID: memberID.uuidString, detail: "\(kind.rawValue) added")
        return request.redirect(to: "/staff/availability?clinician=\(memberID.uuidString)")
    }

    func removeException(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let row = try await AvailabilityExceptionRow.find(id, on: request.db), access.canManage(clinicianID: row.$staff.id) else { throw Abort(.notFound) }
        try await request.db.writeTransaction { db in try await row.delete(on: db) }
        try await request.audit(.update, recordType: "availability", recordID: row.$staff.id.uuidString, detail: "exception removed")
        return request.redirect(to: "/staff/availability?clinician=\(row.$staff.id.uuidString)")
    }

    private func render(_ request: Request, access: ScheduleAccess, member: StaffUser, weeklyForm: WeeklyBody, exceptionForm: ExceptionBody,
                        errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let memberID = try member.requireID()
        let visible = try await access.visibleClinicians(on: request.db)
        let weekly = try await AvailabilityRow.query(on: request.db).filter(\.$staff.$id == memberID).with(\.$location).all()
            .sorted { ($0.weekday, $0.startMinute) < ($1.weekday, $1.startMinute) }
        let exceptions = try await AvailabilityExceptionRow.query(on: request.db).filter(\.$staff.$id == memberID)
            .filter(\.$endsAt > request.now).sort(\.$startsAt).all()
        let locations = try await Location.query(on: request.db).sort(\.$sortOrder).all()
        let id = memberID.uuidString
        func time(_ minute: Int) -> String { LocalTime(minuteOfDay: minute)?.spoken ?? "" }
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href(attributeSafe("/staff/calendar?clinician=\(id)")), .text("Back to the calendar"))),
            .h1(.text("Hours: \(member.name)")),
            .if(visible.count > 1, .form(.class("form inline-form"), .method(.get), .action("/staff/availability"),
                                         FormViews.select(name: "clinician", label: "Clinician", options: visible.map { ($0.id?.uuidString ?? "", $0.name) },
                                                          selected: id, error: nil),
                                         .button(.class("button secondary"), .type(.submit), .text("Show")))),
            .p(.text("Online booking offers times inside these hours, in \(setup.zone.displayName(at: request.now)), minus appointments, blocked time and time off.")),
            FormViews.errorSummary(errors),
            .h2(.text("Every week")),
            .if(weekly.isEmpty, .p(.text("No weekly hours yet: nothing can be booked online with \(member.name)."))),
            .if(!weekly.isEmpty, TableViews.scrollable(captionID: "weekly-caption", .table(
                .class("data-table"),
                .caption(.id("weekly-caption"), .text("Weekly hours")),
                .thead(.tr(.th(.text("Day")), .th(.text("From")), .th(.text("Until")), .th(.text("Where")), .th(.text("Remove")))),
                .tbody(.forEach(weekly) { row in
                    .tr(.td(.text(Weekday(rawValue: row.weekday)?.name ?? "")), .td(.text(time(row.startMinute))), .td(.text(time(row.endMinute))),
                        .td(.text(row.location?.name ?? "Not set")),
                        .td(.form(.class("inline-form"), .method(.post), .action("/staff/availability/weekly/\(row.id?.uuidString ?? "")/remove"),
                                  FormViews.csrf(request.csrfToken),
                                  .button(.class("link-button"), .type(.submit),
                                          .text("Remove \(Weekday(rawValue: row.weekday)?.name ?? "") \(time(row.startMinute))")))))
                })))),
            .form(.class("form inline-form"), .method(.post), .action("/staff/availability/weekly"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  .input(.type(.hidden), .name("clinician"), .value(id)),
                  FormViews.select(name: "weekday", label: "Day", options: Weekday.allCases.map { (String($0.rawValue), $0.name) },
                                   selected: weeklyForm.weekday ?? "1", error: errors["weekday"]),
                  FormViews.textField(name: "from", label: "From", value: weeklyForm.from ?? "09:00", error: errors["from"], type: .time, maxLength: 5),
                  FormViews.textField(name: "until", label: "Until", value: weeklyForm.until ?? "17:00", error: errors["until"], type: .time, maxLength: 5),
                  FormViews.select(name: "location", label: "Where", options: [("", "Not set")] + locations.map { ($0.id?.uuidString ?? "", $0.name) },
                                   selected: weeklyForm.location ?? "", error: errors["location"]),
                  .button(.class("button secondary"), .type(.submit), .text("Add these hours"))),
            .h2(.text("Time off and extra hours")),
            .if(exceptions.isEmpty, .p(.text("None coming up."))),
            .if(!exceptions.isEmpty, TableViews.scrollable(captionID: "exceptions-caption", .table(
                .class("data-table"),
                .caption(.id("exceptions-caption"), .text("Changes to the usual week")),
                .thead(.tr(.th(.text("What")), .th(.text("When")), .th(.text("Note")), .th(.text("Remove")))),
                .tbody(.forEach(exceptions) { row in
                    .tr(.td(.text(row.kind == .extra ? "Extra hours" : "Time off")),
                        .td(.text(DateDisplay.range(row.startsAt, row.endsAt, zone: setup.zone))), .td(.text(row.note)),
                        .td(.form(.class("inline-form"), .method(.post), .action("/staff/availability/exceptions/\(row.id?.uuidString ?? "")/remove"),
                                  FormViews.csrf(request.csrfToken),
                                  .button(.class("link-button"), .type(.submit), .text("Remove this change")))))
                })))),
            .form(.class("form inline-form"), .method(.post), .action("/staff/availability/exceptions"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  .input(.type(.hidden), .name("clinician"), .value(id)),
                  FormViews.select(name: "kind", label: "Change", options: [("unavailable", "Time off"), ("extra", "Extra hours")],
                                   selected: exceptionForm.kind ?? "unavailable", error: errors["kind"]),
                  FormViews.textField(name: "date", label: "Date", value: exceptionForm.date, error: errors["date"], type: .date, maxLength: 10),
                  FormViews.textField(name: "from", label: "From", value: exceptionForm.from ?? "00:00", error: errors["from"], maxLength: 5,
                                      hint: "00:00 to 24:00 is the whole day."),
                  FormViews.textField(name: "until", label: "Until", value: exceptionForm.until ?? "24:00", error: errors["until"], maxLength: 5),
                  FormViews.textField(name: "note", label: "Note", value: exceptionForm.note, error: errors["note"], required: false, maxLength: 120),
                  .button(.class("button secondary"), .type(.submit), .text("Add this change")))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Hours" : "Check the hours: Hours", chrome: try await request.chrome(), content: content),
                     status: status)
    }
}
