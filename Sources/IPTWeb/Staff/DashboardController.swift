import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The staff landing page, "Today", and the front desk's "arrived" mark made from it.
struct DashboardController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.dashboard, use: today)
        site.get(.notesToWrite, use: notesToWrite)
        site.get(.formsOutstanding, use: formsOutstanding)
        site.post(.appointmentArrived, use: markArrived)
    }

    func today(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewDashboard)
        let setup = try await request.bookingSetup()
        let zone = setup.zone
        let day = zone.localDate(of: request.now)
        var model = TodayPage.Model(staffName: staff.name, roleName: staff.role.displayName, day: DateDisplay.day(day),
                                    today: day.description, csrfToken: request.csrfToken)
        let sections = try await TodaySections(request: request, staff: staff, setup: setup, day: day).fill(&model)
        // The page names clients beside alerts, sessions and notes: a view of their records.
        return try await request.auditedPage(TodayPage.title, recordType: "today", subject: nil, detail: sections) {
            TodayPage.view(model)
        }
    }

    /// Every note this clinician owes for the last 90 days before today: the list Today counts and
    /// shows the oldest few of (today's sessions are on Today, each with its note).
    func notesToWrite(_ request: Request) async throws -> Response {
        try await wholeList(.notesToWrite, recordType: "notes-to-write", request) { sections, typeName in
            let owed = try await TodayQueries.sessionsWithoutNote(of: sections.staff.id, since: request.now.addingTimeInterval(-90 * 86_400),
                                                                  on: request.db)
            let before = owed.filter { $0.startsAt < sections.zone.startOfDay(sections.day) }
            return try await TodayQueries.owedAppointments(before, on: request.db).map { sections.noteToWrite($0, typeName: typeName) }
        }
    }

    /// Every form this clinician sent that the client has not finished (Today shows the first few).
    func formsOutstanding(_ request: Request) async throws -> Response {
        try await wholeList(.formsOutstanding, recordType: "forms-outstanding", request) { sections, _ in
            try await TodayQueries.outstandingForms(sentBy: sections.staff.id, now: request.now, instruments: request.services.instruments,
                                                    on: request.db).forms.map(sections.formLine)
        }
    }

    /// One of Today's lists in full, for a clinician. It names clients beside their sessions or
    /// forms: a view of their records, audited as Today is.
    private func wholeList(_ list: TodayListPage.List, recordType: String, _ request: Request,
                           lines: (TodaySections, (String?) -> String) async throws -> [TodayPage.Line]) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        let setup = try await request.bookingSetup()
        let sections = TodaySections(request: request, staff: staff, setup: setup, day: setup.zone.localDate(of: request.now))
        let found = try await lines(sections) { setup.kind($0)?.name ?? "Appointment" }
        return try await request.auditedPage(list.title, recordType: recordType, subject: nil, detail: "rows=\(found.count)") {
            TodayListPage.view(list, lines: found, csrfToken: request.csrfToken)
        }
    }

    /// The front desk (or the clinician) notes that the client has arrived; the clinician's Today
    /// shows it. Only for an appointment whose calendar this person manages.
    func markArrived(_ request: Request) async throws -> Response {
        let access = try await ScheduleAccess.load(try await request.authorize(.viewSchedule), on: request.db)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let appointment = try await SchedulingQueries.appointment(id, on: request.db),
              access.canManage(clinicianID: appointment.$staff.id)
        else { throw Abort(.notFound) }
        guard appointment.status == .confirmed else {
            return try await request.messagePage(title: "Not marked", notice: "Only a confirmed appointment can be marked arrived.",
                                                 paragraphs: ["This appointment is \(appointment.status.label.lowercased())."], status: .conflict)
        }
        try await TodayQueries.markArrived(id, at: request.now, on: request.db)
        try await request.audit(.update, recordType: "appointment", recordID: id.uuidString, subject: appointment.$client.id?.uuidString,
                                detail: "client arrived")
        return request.redirect(to: SitePath.dashboard.link, redirectType: .normal)
    }
}
