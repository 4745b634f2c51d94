import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// A clinician's weekly hours and their exceptions (time off, extra hours), kept by the clinician,
/// their supervisor or the front desk.
struct AvailabilityController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.availability, use: show)
        site.post(.availabilityWeekly, use: addWeekly)
        site.post(.availabilityWeeklyRemove, use: removeWeekly)
        site.post(.availabilityExceptions, use: addException)
        site.post(.availabilityExceptionRemove, use: removeException)
    }

    /// The clinician named by `clinician` (query or form), if this person may manage their calendar.
    private func clinician(_ request: Request, id: String?, access: ScheduleAccess) async throws -> CalendarOwner {
        // Working hours are for those who still work here: a leaver's calendar stays open in the
        // calendar only to move what is booked in it.
        let visible = try await access.bookableClinicians(at: request.now, on: request.db)
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

        var fields: [String: String] {
            ["weekday": weekday, "from": from, "until": until, "location": location].compactMapValues { $0 }
        }
    }

    struct ExceptionBody: Content {
        var clinician: String?
        var kind: String?
        var date: String?
        var from: String?
        var until: String?
        var note: String?

        var fields: [String: String] {
            ["kind": kind, "date": date, "from": from, "until": until, "note": note].compactMapValues { $0 }
        }
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
        let memberID = member.id
        guard errors.isEmpty, let weekday, let from, let until else {
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
        return request.redirect(to: SitePath.availability.link(query: ["clinician": memberID.uuidString]))
    }

    func removeWeekly(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let row = try await AvailabilityRow.find(id, on: request.db), access.canManage(clinicianID: row.$staff.id) else { throw Abort(.notFound) }
        try await request.db.writeTransaction { db in try await row.delete(on: db) }
        try await request.audit(.update, recordType: "availability", recordID: row.$staff.id.uuidString, detail: "weekly hours removed")
        return request.redirect(to: SitePath.availability.link(query: ["clinician": row.$staff.id.uuidString]))
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
        let memberID = member.id
        guard errors.isEmpty, let kind, let start, let end else {
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
        return request.redirect(to: SitePath.availability.link(query: ["clinician": memberID.uuidString]))
    }

    func removeException(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewSchedule)
        let access = try await ScheduleAccess.load(staff, on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let row = try await AvailabilityExceptionRow.find(id, on: request.db), access.canManage(clinicianID: row.$staff.id) else { throw Abort(.notFound) }
        try await request.db.writeTransaction { db in try await row.delete(on: db) }
        try await request.audit(.update, recordType: "availability", recordID: row.$staff.id.uuidString, detail: "exception removed")
        return request.redirect(to: SitePath.availability.link(query: ["clinician": row.$staff.id.uuidString]))
    }

    private func render(_ request: Request, access: ScheduleAccess, member: CalendarOwner, weeklyForm: WeeklyBody, exceptionForm: ExceptionBody,
                        errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let setup = try await request.bookingSetup()
        let memberID = member.id
        let weekly = try await SchedulingQueries.weeklyHours(of: memberID, on: request.db)
        let exceptions = try await SchedulingQueries.upcomingExceptions(of: memberID, now: request.now, on: request.db)
        func time(_ minute: Int) -> String { LocalTime(minuteOfDay: minute)?.spoken ?? "" }
        let model = AvailabilityPage.Model(
            clinicianID: memberID.uuidString, clinicianName: member.name,
            clinicians: try await access.bookableClinicians(at: request.now, on: request.db).map { ($0.id.uuidString, $0.name) },
            zoneName: setup.zone.displayName(at: request.now),
            weekly: weekly.map { .init(id: $0.id?.uuidString ?? "", day: Weekday(rawValue: $0.weekday)?.name ?? "", from: time($0.startMinute),
                                       until: time($0.endMinute), place: $0.location?.name ?? "Not set") },
            changes: exceptions.map { .init(id: $0.id?.uuidString ?? "", isExtra: $0.kind == .extra,
                                            when: DateDisplay.range($0.startsAt, $0.endsAt, zone: setup.zone), note: $0.note) },
            locations: try await SchedulingQueries.locations(on: request.db).map { ($0.id?.uuidString ?? "", $0.name) },
            weeklyFields: weeklyForm.fields, changeFields: exceptionForm.fields, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, AvailabilityPage.view(model), status: status)
    }
}
