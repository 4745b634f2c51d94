import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The staff landing page: what needs attention.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", use: dashboard)
    }

    struct Counts {
        var openEnquiries = 0
        var confirmedSubscribers = 0
        var pendingMail = 0
        var failedMail = 0
    }

    /// What needs attention; counts a role may not see stay zero and are not even queried.
    static func counts(enquiries: Bool, subscribers: Bool, on database: any Database) async throws -> Counts {
        var counts = Counts()
        if enquiries {
            counts.openEnquiries = try await Enquiry.query(on: database).filter(\.$status == Enquiry.Status.open).count()
        }
        if subscribers {
            counts.confirmedSubscribers = try await Subscriber.query(on: database)
                .filter(\.$status == Subscriber.Status.confirmed).count()
        }
        counts.pendingMail = try await OutboxMessage.query(on: database).filter(\.$status == OutboxMessage.Status.pending).count()
        counts.failedMail = try await OutboxMessage.query(on: database).filter(\.$status == OutboxMessage.Status.failed).count()
        return counts
    }

    func dashboard(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewDashboard)
        let chrome = try await request.chrome()
        let canSeeEnquiries = AccessPolicy.allows(staff.role, .viewEnquiries)
        let canSeeSubscribers = AccessPolicy.allows(staff.role, .viewSubscribers)
        let counts = try await Self.counts(enquiries: canSeeEnquiries, subscribers: canSeeSubscribers, on: request.db)
        let (openEnquiries, confirmed, pendingMail, failedMail) = (counts.openEnquiries, counts.confirmedSubscribers, counts.pendingMail, counts.failedMail)
        // Today's appointments of the calendars this person may open, and requests waiting for approval.
        let access = try await ScheduleAccess.load(staff, on: request.db)
        let clinicianIDs = try await access.visibleClinicians(on: request.db).compactMap(\.id)
        let setup = try await request.bookingSetup()
        let today = setup.zone.localDate(of: request.now)
        let todayCount = clinicianIDs.isEmpty ? 0 : try await Appointment.query(on: request.db).filter(\.$staff.$id ~~ clinicianIDs)
            .filter(\.$status ~~ [Appointment.Status.confirmed, Appointment.Status.attended])
            .filter(\.$startsAt >= setup.zone.startOfDay(today)).filter(\.$startsAt < setup.zone.startOfDay(today.adding(days: 1))).count()
        let canSeeAlerts = AccessPolicy.allows(staff.role, .viewClinicalRecords)
        let openAlerts = canSeeAlerts ? try await AlertsController.visible(staff, now: request.now, on: request.db).filter(\.$status == .open).count() : 0
        // Clients on this person's care team whose latest score is reliably worse than their first,
        // on a measure with a rule for it. The director's list is her own caseload too: names of
        // other clients' scores would open their records without the reason the clinic asks for.
        var worsened: [(client: ClientRecord, instrument: Instrument, from: Int, to: Int)] = []
        let teamClients = canSeeAlerts ? try await CareTeamQueries.clients(of: staff.id, at: request.now, on: request.db) : []
        if !teamClients.isEmpty {
            let completed = try await MeasureResponse.query(on: request.db).filter(\.$status == .completed).filter(\.$client.$id ~~ Array(teamClients))
                .with(\.$client).sort(\.$completedAt).all()
            let series = Dictionary(grouping: completed, by: { "\($0.$client.id.uuidString)|\($0.instrumentCode)" })
            for rows in series.sorted(by: { $0.key < $1.key }).map(\.value) {
                guard rows.count >= 2, let first = try rows.first?.total(request.services.keyRing), let last = try rows.last?.total(request.services.keyRing),
                      let instrument = request.services.instruments.named(rows[0].instrumentCode),
                      ChangeMetrics(instrument: instrument, baseline: first, latest: last).reliableDeterioration == true else { continue }
                worsened.append((rows[0].client, instrument, first, last))
            }
        }
        let requests = clinicianIDs.isEmpty ? 0 : try await Appointment.query(on: request.db).filter(\.$staff.$id ~~ clinicianIDs)
            .filter(\.$status == Appointment.Status.requested).count()
        // Supervision: notes waiting for this supervisor's co-signature, or returned to this student.
        let toCosign = access.supervisees.isEmpty ? 0 : try await SessionNoteRow.query(on: request.db).filter(\.$author.$id ~~ Array(access.supervisees))
            .filter(\.$status == NoteStatus.awaitingCosignature).count()
        let returnedNotes = staff.role == .student ? try await SessionNoteRow.query(on: request.db).filter(\.$author.$id == staff.id)
            .filter(\.$status == NoteStatus.returned).count() : 0
        let openRecordRequests = AccessPolicy.allows(staff.role, .handleRecordRequests)
            ? try await RecordRequest.query(on: request.db).filter(\.$status == RecordRequest.Status.open).count() : 0
        let duplicates = AccessPolicy.allows(staff.role, .reconcileClients)
            ? try await PossibleDuplicate.query(on: request.db).filter(\.$status == .open).count() : 0
        // A scheduled job whose last run failed (alert escalation above all) is the director's to chase.
        let failingJobs = staff.role == .admin ? try await JobRuns.failing(on: request.db) : []
        let zone = setup.zone
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Welcome, \(staff.name)")),
            .if(!failingJobs.isEmpty, .div(.class("notice warning"), .attribute(named: "role", value: "alert"),
                .h2(.text("Scheduled work is failing")),
                .ul(.forEach(failingJobs) { run in
                    let job = ScheduledJob.all.first { $0.name == run.id }
                    return .li(.strong(.text(job?.label ?? run.id ?? "")),
                               .text(": failed \(run.failuresInARow) time\(run.failuresInARow == 1 ? "" : "s") in a row, last at \(run.lastFailedAt.map { DateDisplay.when($0, zone: zone) } ?? "?")"),
                               .text(run.lastSucceededAt.map { "; last worked \(DateDisplay.when($0, zone: zone))." } ?? "; it has not worked since the app started."))
                }),
                .p(.text("The server log has the details (search for \"Scheduled job\")."))
            )),
            .p(.class("lede"), .text("Signed in as \(staff.role.displayName).")),
            .ul(
                .class("stat-grid"),
                .if(openAlerts > 0, .li(.class("stat alert"), .a(.href("/staff/alerts"), .strong(.text(String(openAlerts))), .text(" open safety alerts")))),
                .li(.class("stat"), .a(.href(attributeSafe("/staff/calendar?view=day&date=\(today)")), .strong(.text(String(todayCount))), .text(" appointments today"))),
                .if(requests > 0, .li(.class("stat"), .a(.href("/staff/calendar"), .strong(.text(String(requests))), .text(" booking requests waiting for approval")))),
                .if(toCosign > 0, .li(.class("stat"), .a(.href("/staff/supervision"), .strong(.text(String(toCosign))), .text(" notes waiting for your co-signature")))),
                .if(returnedNotes > 0, .li(.class("stat"), .a(.href("/staff/supervision"), .strong(.text(String(returnedNotes))), .text(" notes returned to you")))),
                .if(duplicates > 0, .li(.class("stat"), .a(.href("/staff/duplicates"), .strong(.text(String(duplicates))), .text(" possible duplicate clients to check")))),
                .if(openRecordRequests > 0, .li(.class("stat"), .a(.href("/staff/requests"), .strong(.text(String(openRecordRequests))), .text(" access or correction requests open")))),
                .if(canSeeEnquiries, .li(.class("stat"), .a(.href("/staff/enquiries?status=open"), .strong(.text(String(openEnquiries))), .text(" open enquiries")))),
                .if(canSeeSubscribers, .li(.class("stat"), .a(.href("/staff/subscribers?status=confirmed"), .strong(.text(String(confirmed))), .text(" confirmed subscribers")))),
                .li(.class("stat"), .strong(.text(String(pendingMail))), .text(" emails waiting to be sent")),
                .li(.class("stat"), .strong(.text(String(failedMail))), .text(" emails that could not be delivered"))
            ),
            .if(!worsened.isEmpty, .group(
                .h2(.text("Scores that worsened reliably")),
                .ul(.forEach(worsened) { item in
                    .li(.a(.href("/staff/clients/\(item.client.id?.uuidString ?? "")/progress"), .text(item.client.name)),
                        .text(": \(item.instrument.name) from \(item.from) to \(item.to)"))
                }))),
            .if(canSeeAlerts, .p(.a(.href("/staff/clients"), .text("Your clients and their charts"))))
        )
        return .html(PageLayout.render(title: "Dashboard", chrome: chrome, content: content))
    }
}
