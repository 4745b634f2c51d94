import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The staff landing page: what needs attention.
struct DashboardController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.dashboard, use: dashboard)
    }

    func dashboard(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewDashboard)
        let db = request.db
        let role = staff.role
        let canSeeEnquiries = AccessPolicy.allows(role, .viewEnquiries)
        let canSeeSubscribers = AccessPolicy.allows(role, .viewSubscribers)
        let counts = try await StaffQueries.counts(enquiries: canSeeEnquiries, subscribers: canSeeSubscribers, on: db)
        // Today's appointments of the calendars this person may open, and requests waiting for approval.
        let access = try await ScheduleAccess.load(staff, on: db)
        let clinicianIDs = try await access.visibleClinicians(on: db).compactMap(\.id)
        let zone = try await request.bookingSetup().zone
        let today = zone.localDate(of: request.now)
        let canSeeAlerts = AccessPolicy.allows(role, .viewClinicalRecords)
        let openAlerts = canSeeAlerts ? try await AlertsController.visible(staff, now: request.now, on: db).filter(\.$status == .open).count() : 0
        // Clients on this person's care team whose latest score is reliably worse than their first,
        // on a measure with a rule for it. The director's list is her own caseload too: names of
        // other clients' scores would open their records without the reason the clinic asks for.
        let teamClients = canSeeAlerts ? try await CareTeamQueries.clients(of: staff.id, at: request.now, on: db) : []
        let worsened = try await StaffQueries.worsened(among: Array(teamClients), services: request.services, on: db)
        // A scheduled job whose last run failed (alert escalation above all) is the director's to chase.
        let failingJobs = role == .admin ? try await JobRuns.failing(on: db) : []
        let model = DashboardPage.Model(
            staffName: staff.name, roleName: role.displayName,
            failingJobs: failingJobs.map { run in
                DashboardPage.FailingJob(label: ScheduledJob.all.first { $0.name == run.id }?.label ?? run.id ?? "", failuresInARow: run.failuresInARow,
                                         lastFailed: run.lastFailedAt.map { DateDisplay.when($0, zone: zone) },
                                         lastWorked: run.lastSucceededAt.map { DateDisplay.when($0, zone: zone) })
            },
            today: today.description,
            appointmentsToday: try await StaffQueries.appointmentsCount(of: clinicianIDs, on: today, zone: zone, database: db),
            openAlerts: openAlerts,
            bookingRequests: try await StaffQueries.requestsCount(of: clinicianIDs, on: db),
            // Supervision: notes waiting for this supervisor's co-signature, or returned to this student.
            notesToCosign: try await StaffQueries.notesToCosign(by: Array(access.supervisees), on: db),
            notesReturned: role == .student ? try await StaffQueries.notesReturned(to: staff.id, on: db) : 0,
            possibleDuplicates: AccessPolicy.allows(role, .reconcileClients) ? try await StaffQueries.openDuplicates(on: db) : 0,
            openRecordRequests: AccessPolicy.allows(role, .handleRecordRequests) ? try await StaffQueries.openRecordRequests(on: db) : 0,
            openEnquiries: canSeeEnquiries ? counts.openEnquiries : nil,
            confirmedSubscribers: canSeeSubscribers ? counts.confirmedSubscribers : nil,
            pendingMail: counts.pendingMail, failedMail: counts.failedMail,
            worsened: worsened.map { .init(clientID: $0.client.id?.uuidString ?? "", clientName: $0.client.name, instrument: $0.instrument.name, from: $0.from, to: $0.to) },
            seesClients: canSeeAlerts)
        return try await request.page(DashboardPage.title, DashboardPage.view(model))
    }
}
