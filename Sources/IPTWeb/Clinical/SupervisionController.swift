import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The supervisor's queue of notes waiting for a co-signature, the supervision log, and each
/// student's hours against the college's 1 to 4.5 ratio and the 450 and 100 hour goals.
struct SupervisionController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "supervision", use: show)
        routes.post("staff", "supervision", "log", use: log)
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
        let db = request.db
        let clinic = try await request.services.clinic.current(on: db)
        let zone = clinic.zone
        let students = try await students(staff, on: db)
        let studentIDs = students.compactMap(\.id)
        let waiting = staff.role == .supervisor && !studentIDs.isEmpty
            ? try await SessionNoteRow.query(on: db).filter(\.$author.$id ~~ studentIDs).filter(\.$status == NoteStatus.awaitingCosignature)
                .sort(\.$signedAt).with(\.$author).with(\.$client).all()
            : []
        let waitingSummaries = staff.role == .supervisor && !studentIDs.isEmpty
            ? try await DischargeSummaryRow.query(on: db).filter(\.$author.$id ~~ studentIDs).filter(\.$status == NoteStatus.awaitingCosignature)
                .with(\.$author).with(\.$client).all()
            : []
        let returned = staff.role == .student
            ? try await SessionNoteRow.query(on: db).filter(\.$author.$id == staff.id).filter(\.$status == NoteStatus.returned).with(\.$client).all()
            : []
        var rows: [(StaffUser, SupervisionTotals)] = []
        for student in students { rows.append((student, try await Self.totals(for: student.id!, on: db))) }
        let log = studentIDs.isEmpty ? [] : try await SupervisionSessionRow.query(on: db).filter(\.$student.$id ~~ studentIDs)
            .sort(\.$heldOn, .descending).limit(50).with(\.$student).with(\.$supervisor).all()
        try await request.audit(.view, recordType: "supervision", detail: "waiting=\(waiting.count)")
        func hours(_ value: Double) -> String { String(format: "%.1f", value) }
        func waited(_ since: Date?) -> String {
            guard let since else { return "" }
            let hours = Int(request.now.timeIntervalSince(since) / 3_600)
            return hours < 24 ? "\(hours) hours" : "\(hours / 24) days"
        }
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Supervision")),
            ChartViews.notice(request),
            .if(staff.role == .supervisor, .section(
                .h2(.text("Notes waiting for your co-signature")),
                .if(waiting.isEmpty && waitingSummaries.isEmpty, .p(.text("Nothing is waiting."))),
                .if(!waitingSummaries.isEmpty, .ul(.forEach(waitingSummaries) { summary in
                    .li(.a(.href("/staff/clients/\(summary.$client.id.uuidString)/discharge"), .text("\(summary.client.name): discharge summary")),
                        .text(" by \(summary.author.name), waiting \(waited(summary.signedAt))"))
                })),
                .if(!waiting.isEmpty, TableViews.scrollable(captionID: "queue", .table(
                    .class("data-table"),
                    .caption(.id("queue"), .text("Oldest first")),
                    .thead(.tr(.th(.text("Note")), .th(.text("Student")), .th(.text("Signed")), .th(.text("Waiting")))),
                    .tbody(.forEach(waiting) { note in
                        .tr(.td(.a(.href("/staff/clients/\(note.$client.id.uuidString)/notes/\(note.id!.uuidString)"),
                                   .text("\(note.client.name), session \(note.sessionNumber)\(note.$amends.id == nil ? "" : " (amendment)")"))),
                            .td(.text(note.author.name)), .td(.text(note.signedAt.map { DateDisplay.when($0, zone: zone) } ?? "")),
                            .td(.text(waited(note.signedAt))))
                    })))))),
            .if(staff.role == .student, .section(
                .h2(.text("Notes returned to you")),
                .if(returned.isEmpty, .p(.text("None."))),
                .ul(.forEach(returned) { note in
                    .li(.a(.href("/staff/clients/\(note.$client.id.uuidString)/notes/\(note.id!.uuidString)"), .text("\(note.client.name), session \(note.sessionNumber)")))
                }))),
            .if(!rows.isEmpty, .section(
                .h2(.text("Hours")),
                .p(.class("hint"), .text("The college expects about one hour of supervision for every 4.5 hours with clients, towards 450 direct client hours and 100 supervision hours. Direct hours count attended appointments.")),
                TableViews.scrollable(captionID: "hours", .table(
                    .class("data-table"),
                    .caption(.id("hours"), .text("Hours per student")),
                    .thead(.tr(.th(.text("Student")), .th(.text("Direct client hours")), .th(.text("Supervision hours")), .th(.text("Ratio")),
                               .th(.text("Towards 450 and 100")))),
                    .tbody(.forEach(rows) { student, totals in
                        .tr(.td(.text(student.name)), .td(.text(hours(totals.directHours))), .td(.text(hours(totals.supervisionHours))),
                            .td(.text(totals.directPerSupervisionHour.map { "1 to \(hours($0))" } ?? "No supervision yet"),
                                .text(totals.meetsRatio ? " (within 1 to 4.5)" : " (behind: \(hours(Double(totals.supervisionMinutesOwed) / 60)) supervision hours owed)")),
                            .td(.text("\(Int(totals.directProgress * 100))% and \(Int(totals.supervisionProgress * 100))%")))
                    }))))),
            .if(staff.role == .supervisor && !students.isEmpty, .section(
                .h2(.text("Log a supervision session")),
                FormViews.errorSummary(errors),
                .form(.method(.post), .action("/staff/supervision/log"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.select(name: "student", label: "Student", options: students.map { ($0.id!.uuidString, $0.name) }, selected: fields["student"], error: errors["student"]),
                      FormViews.textField(name: "heldOn", label: "Date", value: fields["heldOn"] ?? zone.localDate(of: request.now).description, error: errors["heldOn"],
                                          type: .date, maxLength: 10),
                      FormViews.textField(name: "minutes", label: "Length in minutes", value: fields["minutes"], error: errors["minutes"], type: .number, maxLength: 3),
                      FormViews.radioGroup(name: "format", legend: "Format", options: [("individual", "Individual"), ("group", "Group")],
                                           selected: fields["format"] ?? "individual", error: errors["format"]),
                      FormViews.textArea(name: "clients", label: "Clients discussed", value: fields["clients"], error: errors["clients"], maxLength: 2_000, rows: 3,
                                         hint: "Names or initials; kept encrypted.", required: false),
                      .button(.class("button"), .type(.submit), .text("Log the session"))))),
            .if(!log.isEmpty, .section(
                .h2(.text("Supervision log")),
                TableViews.scrollable(captionID: "log", .table(
                    .class("data-table"),
                    .caption(.id("log"), .text("Latest 50 sessions")),
                    .thead(.tr(.th(.text("Date")), .th(.text("Student")), .th(.text("Supervisor")), .th(.text("Minutes")), .th(.text("Format")))),
                    .tbody(.forEach(log) { row in
                        .tr(.td(.text(row.heldOn)), .td(.text(row.student.name)), .td(.text(row.supervisor.name)), .td(.text("\(row.minutes)")),
                            .td(.text(row.format == "group" ? "Group" : "Individual")))
                    })))))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Supervision" : "Please check: Supervision", content: content, status: status)
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
        return request.redirect(to: "/staff/supervision?done=logged")
    }
}
