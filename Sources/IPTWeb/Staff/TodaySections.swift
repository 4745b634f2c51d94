import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// Fills the "Today" page's sections for one person: each only for a role that does that work,
/// each row kept to what they may see. Returns a short summary of the counts for the audit row.
struct TodaySections {
    let request: Request
    let staff: CurrentStaff
    /// The clinic's booking settings, read once by the page.
    let setup: BookingSetup
    let day: LocalDate

    var zone: ClinicTimeZone { setup.zone }

    private var db: any Database { request.db }
    private var now: Date { request.now }
    private func allows(_ permission: Permission) -> Bool { AccessPolicy.allows(staff.role, permission) }
    private func time(_ date: Date) -> String { DateDisplay.time(date, zone: zone) }
    private func shortDay(_ date: Date) -> String { DateDisplay.shortDay(zone.localDate(of: date)) }

    func fill(_ model: inout TodayPage.Model) async throws -> String {
        let access = try await ScheduleAccess.load(staff, on: db)
        let visible = try await access.visibleClinicians(at: now, on: db).map(\.id)
        let window = Interval(start: zone.startOfDay(day), end: zone.startOfDay(day.adding(days: 1)))
        let typeName = { (code: String?) in setup.kind(code)?.name ?? "Appointment" }
        let clinical = allows(.viewClinicalRecords)
        let hasCalendar = visible.contains(staff.id)

        if clinical {
            model.alerts = try await MeasuresQueries.openAlerts(visibleTo: staff, now: now, limit: TodayPage.alertsShown, on: db).map { alert in
                TodayPage.Line(when: shortDay(alert.createdAt), who: alert.client.name,
                               what: alert.source == .sessionNote ? "From a session note" : "From a questionnaire answer",
                               badge: alert.escalatedAt == nil ? .init("Open", .alert) : .init("Escalated", .alert),
                               link: SitePath.alert.link(alert.id?.uuidString ?? ""))
            }
            // Counted only when the panel is full: the heading must not say 50 when more are open.
            let shown = model.alerts?.count ?? 0
            model.alertsTotal = shown < TodayPage.alertsShown ? shown : try await MeasuresQueries.openAlertCount(visibleTo: staff, now: now, on: db)
        }
        if clinical && hasCalendar {
            let owed = try await TodayQueries.sessionsWithoutNote(of: staff.id, since: now.addingTimeInterval(-90 * 86_400), on: db)
            let owedIDs = Set(owed.map(\.appointmentID))
            let mine = try await TodayQueries.appointments(of: [staff.id], in: window, statuses: TodayQueries.dayStatuses, on: db)
            model.sessions = mine.map { session(of: $0, noteOwed: owedIDs.contains($0.id), typeName: typeName) }
            // Today's own sessions show their note under "Your sessions today".
            let before = owed.filter { $0.startsAt < window.start }
            model.notesToWrite = try await TodayQueries.owedAppointments(before.prefix(TodayPage.shown), on: db)
                .map { noteToWrite($0, typeName: typeName) }
            model.notesToWriteTotal = before.count
            let forms = try await TodayQueries.outstandingForms(sentBy: staff.id, now: now, instruments: request.services.instruments,
                                                                limit: TodayPage.shown, on: db)
            model.formsOutstanding = forms.forms.map(formLine)
            model.formsOutstandingTotal = forms.total
        }
        if !access.supervisees.isEmpty {
            model.notesToCosign = try await TodayQueries.notes(by: Array(access.supervisees), in: [.awaitingCosignature], on: db).map { note in
                noteLine(note, what: "Session \(note.sessionNumber), by \(note.author.name)", badge: .init("To co-sign", .attention))
            }
        }
        if staff.role == .student {
            model.myNotesWithSupervisor = try await TodayQueries.notes(by: [staff.id], in: [.returned, .awaitingCosignature], on: db).map { note in
                noteLine(note, what: "Session \(note.sessionNumber)",
                         badge: note.status == .returned ? .init("Returned to you", .attention) : .init("Waiting for co-signature", .waiting))
            }
        }
        if allows(.manageSchedule) {
            try await fillFrontDesk(&model, clinicians: visible, window: window, typeName: typeName)
        }
        if clinical {
            let teamClients = try await CareTeamQueries.clients(of: staff.id, at: now, on: db)
            model.worsened = try await StaffQueries.worsened(among: Array(teamClients), services: request.services, on: db).map {
                TodayPage.Line(when: "", who: $0.client.name, what: "\($0.instrument.name) from \($0.from) to \($0.to)",
                               link: SitePath.progress.link($0.client.id?.uuidString ?? ""))
            }
        }
        if allows(.handleBilling) {
            model.paymentsToTake = try await BillingTodayQueries.paymentsToTake(in: window, on: db).map { unpaid in
                let account = SitePath.billingClient.link(unpaid.clientID.uuidString)
                return TodayPage.Line(when: time(unpaid.startsAt), who: unpaid.clientName, what: "\(Money(cents: unpaid.owingCents).formatted) owing",
                                      link: account, action: .link("Take payment", href: account + "#bill-record"))
            }
        }
        if allows(.manageBilling) {
            model.slidingReviewsDue = try await BillingTodayQueries.slidingRatesPastReview(today: day, on: db).count
        }
        if staff.role == .admin { try await fillClinic(&model, clinicians: visible, window: window) }
        return [("alerts", model.alerts), ("sessions", model.sessions), ("cosign", model.notesToCosign), ("arrivals", model.arrivals),
                ("unconfirmed", model.awaitingConfirmation), ("payments", model.paymentsToTake)]
            .compactMap { name, lines in lines.map { "\(name)=\($0.count)" } }.joined(separator: " ")
            + (model.notesToWrite == nil ? "" : " notes=\(model.notesToWrite?.count ?? 0)/\(model.notesToWriteTotal)")
            + (model.formsOutstanding == nil ? "" : " forms=\(model.formsOutstanding?.count ?? 0)/\(model.formsOutstandingTotal)")
    }

    private func session(of appointment: TodayQueries.DayAppointment, noteOwed: Bool, typeName: (String?) -> String) -> TodayPage.Line {
        let id = appointment.id.uuidString
        var line = TodayPage.Line(when: time(appointment.startsAt), who: appointment.clientName ?? "No client",
                                  what: typeName(appointment.typeCode), link: SitePath.appointment.link(id))
        switch appointment.status {
        case .held: line.badge = .init("Held, not confirmed", .waiting)
        case .requested: line.badge = .init("Request to approve", .attention)
        case .noShow: line.badge = .init("No-show", .quiet)
        case .attended:
            line.badge = noteOwed ? .init("Note to write", .attention) : .init("Note written", .ok)
            if noteOwed { line.action = writeNote(appointment) }
        default:
            if let arrived = appointment.arrivedAt {
                line.badge = .init("Arrived \(time(arrived))", .ok)
            } else if appointment.endsAt < now {
                line.badge = .init("Mark attended", .attention)
            } else {
                line.badge = .init("Confirmed", .quiet)
            }
        }
        return line
    }

    func formLine(_ form: TodayQueries.OutstandingForm) -> TodayPage.Line {
        TodayPage.Line(when: "Sent \(shortDay(form.sentAt))", who: form.clientName, what: form.name,
                       badge: form.started ? .init("Started", .waiting) : .init("Due by \(shortDay(form.expiresAt))", .quiet),
                       link: SitePath.chart.link(form.clientID.uuidString))
    }

    func noteToWrite(_ appointment: TodayQueries.DayAppointment, typeName: (String?) -> String) -> TodayPage.Line {
        TodayPage.Line(when: shortDay(appointment.startsAt), who: appointment.clientName ?? "", what: typeName(appointment.typeCode),
                       link: SitePath.appointment.link(appointment.id.uuidString), action: writeNote(appointment))
    }

    private func writeNote(_ appointment: TodayQueries.DayAppointment) -> TodayPage.Action? {
        appointment.clientID.map {
            .link("Write note", href: SitePath.noteNew.link($0.uuidString, query: ["appointment": appointment.id.uuidString]))
        }
    }

    private func noteLine(_ note: SessionNoteRow, what: String, badge: TodayPage.Badge) -> TodayPage.Line {
        TodayPage.Line(when: note.signedAt.map(shortDay) ?? "", who: note.client.name, what: what, badge: badge,
                       link: SitePath.note.link(note.$client.id.uuidString, note.id?.uuidString ?? ""))
    }

    /// Today's arrivals across the calendars this person manages, holds and requests waiting, and
    /// waitlist offers out: the front desk's morning.
    private func fillFrontDesk(_ model: inout TodayPage.Model, clinicians: [UUID], window: Interval, typeName: (String?) -> String) async throws {
        model.arrivals = try await TodayQueries.appointments(of: clinicians, in: window, statuses: [.confirmed, .attended, .noShow], on: db)
            .map { appointment in
                let id = appointment.id.uuidString
                var line = TodayPage.Line(when: time(appointment.startsAt), who: appointment.clientName ?? "No client",
                                          what: "\(typeName(appointment.typeCode)) with \(appointment.clinicianName)", link: SitePath.appointment.link(id))
                switch (appointment.status, appointment.arrivedAt) {
                case (.attended, _): line.badge = .init("Attended", .ok)
                case (.noShow, _): line.badge = .init("No-show", .quiet)
                case let (_, arrived?): line.badge = .init("Arrived \(time(arrived))", .ok)
                default: line.action = .post("Mark arrived", path: SitePath.appointmentArrived.link(id))
                }
                return line
            }
        model.awaitingConfirmation = try await TodayQueries.unconfirmed(of: clinicians, statuses: [.held, .requested], now: now, on: db)
            .map { appointment in
                TodayPage.Line(when: "\(shortDay(appointment.startsAt)), \(time(appointment.startsAt))",
                               who: appointment.clientName ?? "New client", what: "\(typeName(appointment.typeCode)) with \(appointment.clinicianName)",
                               badge: appointment.status == .requested ? .init("Needs approval", .attention)
                                   : .init("Held until \(appointment.holdExpiresAt.map(time) ?? "?")", .waiting),
                               link: SitePath.appointment.link(appointment.id.uuidString))
            }
        model.waitlistOffers = try await TodayQueries.unconfirmed(of: clinicians, statuses: [.offered], now: now, on: db).map { appointment in
            TodayPage.Line(when: "\(shortDay(appointment.startsAt)), \(time(appointment.startsAt))", who: appointment.clientName ?? "",
                           what: "Offered with \(appointment.clinicianName)",
                           badge: .init(appointment.holdExpiresAt.map { "Answer by \(shortDay($0)), \(time($0))" } ?? "Offered", .waiting),
                           link: SitePath.appointment.link(appointment.id.uuidString))
        }
        if allows(.reconcileClients) { model.possibleDuplicates = try await StaffQueries.openDuplicates(on: db) }
    }

    private func fillClinic(_ model: inout TodayPage.Model, clinicians: [UUID], window: Interval) async throws {
        let counts = try await StaffQueries.counts(enquiries: true, subscribers: true, on: db)
        model.clinic = TodayPage.ClinicCounts(
            appointmentsToday: try await StaffQueries.appointmentsCount(of: clinicians, on: day, zone: zone, database: db),
            openEnquiries: counts.openEnquiries, confirmedSubscribers: counts.confirmedSubscribers,
            openRecordRequests: try await StaffQueries.openRecordRequests(on: db), pendingMail: counts.pendingMail, failedMail: counts.failedMail)
        model.failingJobs = try await JobRuns.failing(on: db).map { run in
            TodayPage.FailingJob(label: ScheduledJob.all.first { $0.name == run.id }?.label ?? run.id ?? "", failuresInARow: run.failuresInARow,
                                 lastFailed: run.lastFailedAt.map { DateDisplay.when($0, zone: zone) },
                                 lastWorked: run.lastSucceededAt.map { DateDisplay.when($0, zone: zone) })
        }
    }
}
