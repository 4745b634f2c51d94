import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The supervisor's queue of notes waiting for a co-signature, the supervision log, and each
/// student's hours against the college's 1 to 4.5 ratio and the 450 and 100 hour goals.
struct SupervisionController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.supervision, use: show)
        site.post(.supervisionLog, use: log)
    }

    /// The students this person may see the supervision of: a supervisor's own, every student for the
    /// director, oneself for a student.
    private func students(_ staff: CurrentStaff, on database: any Database) async throws -> [StaffUser] {
        switch staff.role {
        case .admin:
            return try await StaffUser.query(on: database).filter(\.$role == StaffRole.student).sort(\.$name).all()
        case .supervisor:
            return try await StaffUser.query(on: database).filter(\.$supervisor.$id == staff.id).sort(\.$name).all()
        case .student:
            return try await StaffUser.query(on: database).filter(\.$id == staff.id).all()
        case .therapist, .receptionist:
            return []
        }
    }

    static func totals(for studentID: UUID, on database: any Database) async throws -> SupervisionTotals {
        let attended = try await Appointment.query(on: database).filter(\.$staff.$id == studentID)
            .filter(\.$status == Appointment.Status.attended).filter(\.$client.$id != nil).all()
        let direct = attended.reduce(0) { $0 + Int($1.endsAt.timeIntervalSince($1.startsAt) / 60) }
        let supervision = try await SupervisionSessionRow.query(on: database).filter(\.$student.$id == studentID).all().reduce(0) { $0 + $1.minutes }
        return SupervisionTotals(directMinutes: direct, supervisionMinutes: supervision)
    }

    func show(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        return try await render(request, staff: staff, fields: [:], errors: FieldErrors())
    }

    private func render(_ request: Request, staff: CurrentStaff, fields: [String: String], errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let zone = try await request.services.clinic.current(on: request.db).zone
        let students = try await students(staff, on: request.db)
        let queue = try await ClinicalQueries.supervisionQueue(for: staff, students: students.compactMap(\.id), on: request.db)
        var hours: [SupervisionPage.Hours] = []
        for student in students { hours.append(Self.hours(student.name, try await Self.totals(for: student.id!, on: request.db))) }
        try await request.audit(.view, recordType: "supervision", detail: "waiting=\(queue.notes.count)")
        func waited(_ since: Date?) -> String {
            guard let since else { return "" }
            let hours = Int(request.now.timeIntervalSince(since) / 3_600)
            return hours < 24 ? "\(hours) hours" : "\(hours / 24) days"
        }
        let model = SupervisionPage.Model(
            done: request.doneKey, isSupervisor: staff.role == .supervisor, isStudent: staff.role == .student,
            waitingSummaries: queue.summaries.map { .init(clientID: $0.$client.id.uuidString, clientName: $0.client.name, author: $0.author.name, waited: waited($0.signedAt)) },
            waitingNotes: queue.notes.map { note in
                .init(clientID: note.$client.id.uuidString, noteID: note.id!.uuidString,
                      label: "\(note.client.name), session \(note.sessionNumber)\(note.$amends.id == nil ? "" : " (amendment)")", student: note.author.name,
                      signed: note.signedAt.map { DateDisplay.when($0, zone: zone) } ?? "", waited: waited(note.signedAt))
            },
            returned: queue.returned.map { .init(clientID: $0.$client.id.uuidString, noteID: $0.id!.uuidString, label: "\($0.client.name), session \($0.sessionNumber)") },
            hours: hours, students: students.map { ($0.id!.uuidString, $0.name) }, today: zone.localDate(of: request.now).description,
            log: queue.log.map { .init(heldOn: $0.heldOn, student: $0.student.name, supervisor: $0.supervisor.name, minutes: $0.minutes,
                                       format: $0.format == "group" ? "Group" : "Individual") },
            fields: fields, errors: errors, csrfToken: request.csrfToken,
            awaitingMine: queue.awaitingMine.map {
                .init(clientID: $0.$client.id.uuidString, noteID: $0.id!.uuidString,
                      label: "\($0.client.name), session \($0.sessionNumber)\($0.signedAt.map { ", signed " + DateDisplay.when($0, zone: zone) } ?? "")")
            })
        return try await request.page(model.title, SupervisionPage.view(model), status: status)
    }

    /// A student's hours against the college's 1 to 4.5 ratio and the 450 and 100 hour goals, in words.
    private static func hours(_ student: String, _ totals: SupervisionTotals) -> SupervisionPage.Hours {
        func hours(_ value: Double) -> String { String(format: "%.1f", value) }
        return SupervisionPage.Hours(
            student: student, direct: hours(totals.directHours), supervision: hours(totals.supervisionHours),
            ratio: (totals.directPerSupervisionHour.map { "1 to \(hours($0))" } ?? "No supervision yet")
                + (totals.meetsRatio ? " (within 1 to 4.5)" : " (behind: \(hours(Double(totals.supervisionMinutesOwed) / 60)) supervision hours owed)"),
            progress: "\(Int(totals.directProgress * 100))% and \(Int(totals.supervisionProgress * 100))%")
    }

    func log(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewClinicalRecords)
        guard staff.role == .supervisor else { throw Abort(.forbidden, reason: "Only a clinical supervisor logs supervision sessions.") }
        let (fields, _) = try request.formBody()
        let students = try await students(staff, on: request.db)
        var errors = FieldErrors()
        let student = fields["student"].flatMap(UUID.init(uuidString:)).flatMap { id in students.first { $0.id == id } }
        if student == nil { errors.add("student", "Choose one of your students.") }
        let day = fields["heldOn"].flatMap { LocalDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        if day == nil { errors.add("heldOn", "Enter the date as YYYY-MM-DD.") }
        let minutes = fields["minutes"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if minutes.map({ !(10...480).contains($0) }) ?? true { errors.add("minutes", "Enter the length in minutes, 10 to 480.") }
        let format = fields["format"]
        if format != "individual" && format != "group" { errors.add("format", "Choose individual or group.") }
        if TextRules.length(fields["clients"]) > 2_000 { errors.add("clients", "Keep this under 2,000 characters.") }
        guard errors.isEmpty, let student, let day, let minutes, let format else {
            return try await render(request, staff: staff, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        let row = SupervisionSessionRow()
        row.id = UUID()
        row.$student.id = try student.requireID()
        row.$supervisor.id = staff.id
        row.heldOn = day.description
        row.minutes = minutes
        row.format = format
        row.clientsSealed = try request.services.keyRing.seal(TextRules.clean(fields["clients"]) ?? "", SupervisionSessionRow.clientsContext(row.id!))
        row.createdAt = request.now
        try await row.create(on: request.db)
        try await request.audit(.create, recordType: "supervision-session", recordID: row.id?.uuidString, detail: "\(minutes) minutes")
        return request.redirect(to: SitePath.supervision.link(query: ["done": "logged"]))
    }
}
