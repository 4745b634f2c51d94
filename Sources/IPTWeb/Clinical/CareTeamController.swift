import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// Who may open a client's chart, as the clinic decides it: the director (or a role the clinic
/// allows) names the treating clinician when the client is accepted, and adds others with a reason
/// and an optional end date. Every change is audited; ended memberships stay in the history.
struct CareTeamController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let team = routes.grouped("staff", "clients", ":id", "care-team")
        team.get(use: show)
        team.post("treating", use: assignTreating)
        team.post("members", use: addMember)
        team.post("members", ":member", "end", use: endMember)
    }

    private struct Context {
        let staff: CurrentStaff
        let client: ClientRecord
        let clientID: UUID
        let mayAssign: Bool
    }

    /// The page shows no clinical content, only who is on the team: it opens to those who assign
    /// teams and to the team's own members.
    private func context(_ request: Request) async throws -> Context {
        let staff = try await request.authorize(.viewClinicalRecords)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let client = try await ClientRecord.find(id, on: request.db) else { throw Abort(.notFound) }
        let mayAssign = try await ClinicalSettingsRow.current(on: request.db).mayAssignCareTeam(staff.role)
        let isMember = try await CareTeamQueries.isMember(staff.id, of: id, at: request.now, on: request.db)
        guard mayAssign || isMember else { throw Abort(.notFound) }
        return Context(staff: staff, client: client, clientID: id, mayAssign: mayAssign)
    }

    private func requireAssigner(_ context: Context) throws {
        guard context.mayAssign else { throw Abort(.forbidden, reason: "Only the clinic director, or a role the clinic allows, changes a care team.") }
    }

    func show(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try await request.audit(.view, recordType: "care-team", subject: context.clientID.uuidString)
        return try await render(request, context, fields: [:], errors: FieldErrors())
    }

    /// Clinicians who can hold a caseload.
    private func clinicians(on db: any Database) async throws -> [StaffUser] {
        try await StaffUser.query(on: db).filter(\.$isActive == true)
            .filter(\.$role ~~ [StaffRole.admin, .supervisor, .therapist, .student].map(\.rawValue)).sort(\.$name).all()
    }

    func assignTreating(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try requireAssigner(context)
        let fields = try FormInput.decode([String: String].self, from: request)
        let choices = try await clinicians(on: request.db)
        guard let chosen = fields["clinician"].flatMap(UUID.init(uuidString:)).flatMap({ id in choices.first { $0.id == id } }) else {
            var errors = FieldErrors()
            errors.add("clinician", "Choose the clinician who will treat this client.")
            return try await render(request, context, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        let now = request.now
        let chosenID = try chosen.requireID()
        let supervisorID = chosen.role == StaffRole.student.rawValue ? chosen.$supervisor.id : nil
        try await request.db.writeTransaction { db in
            let current = try await CareTeamQueries.active(of: context.clientID, at: now, on: db)
            // One treating clinician at a time; the supervisor row follows the student it came with.
            for member in current where (member.role == .treating && member.$staff.id != chosenID)
                || (member.role == .supervisor && member.$staff.id != supervisorID) {
                member.endsAt = now
                member.$endedBy.id = context.staff.id
                try await member.update(on: db)
            }
            func add(_ staffID: UUID, _ role: CareTeamMember.Role, reason: String) async throws {
                guard !current.contains(where: { $0.$staff.id == staffID && $0.role == role }) else { return }
                let member = CareTeamMember()
                member.$client.id = context.clientID
                member.$staff.id = staffID
                member.role = role
                member.reason = reason
                member.startsAt = now
                member.$addedBy.id = context.staff.id
                member.createdAt = now
                try await member.create(on: db)
            }
            try await add(chosenID, .treating, reason: "Accepted as the treating clinician")
            if let supervisorID { try await add(supervisorID, .supervisor, reason: "Supervises the treating practicum student") }
        }
        try await request.audit(.update, recordType: "care-team", subject: context.clientID.uuidString,
                                detail: "treating clinician \(chosenID.uuidString)\(supervisorID.map { ", supervisor \($0.uuidString)" } ?? "")")
        return request.redirect(to: "/staff/clients/\(context.clientID.uuidString)/care-team?done=saved")
    }

    func addMember(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try requireAssigner(context)
        let fields = try FormInput.decode([String: String].self, from: request)
        var errors = FieldErrors()
        let choices = try await clinicians(on: request.db)
        let chosen = fields["member"].flatMap(UUID.init(uuidString:)).flatMap { id in choices.first { $0.id == id } }
        if chosen == nil { errors.add("member", "Choose who to add.") }
        let reason = TextRules.clean(fields["reason"])
        if reason == nil || TextRules.length(fields["reason"]) > 500 { errors.add("reason", "Say why they join the care team (up to 500 characters).") }
        let zone = try await request.services.clinic.current(on: request.db).zone
        var endsAt: Date?
        if let typed = fields["until"]?.trimmingCharacters(in: .whitespaces), !typed.isEmpty {
            if let day = LocalDate(iso: typed), day > zone.localDate(of: request.now) {
                endsAt = zone.startOfDay(day.adding(days: 1))
            } else {
                errors.add("until", "Enter a date after today as YYYY-MM-DD, or leave it empty.")
            }
        }
        guard errors.isEmpty, let chosen, let reason else {
            return try await render(request, context, fields: fields, errors: errors, status: .unprocessableEntity)
        }
        let member = CareTeamMember()
        member.$client.id = context.clientID
        member.$staff.id = try chosen.requireID()
        member.role = .member
        member.reason = reason
        member.startsAt = request.now
        member.endsAt = endsAt
        member.$addedBy.id = context.staff.id
        member.createdAt = request.now
        try await member.create(on: request.db)
        try await request.audit(.update, recordType: "care-team", recordID: member.id?.uuidString, subject: context.clientID.uuidString,
                                detail: "added \(try chosen.requireID().uuidString)\(endsAt == nil ? "" : " until \(fields["until"] ?? "")")")
        return request.redirect(to: "/staff/clients/\(context.clientID.uuidString)/care-team?done=saved")
    }

    func endMember(_ request: Request) async throws -> Response {
        let context = try await context(request)
        try requireAssigner(context)
        guard let id = request.parameters.get("member").flatMap(UUID.init(uuidString:)),
              let member = try await CareTeamMember.query(on: request.db).filter(\.$id == id).filter(\.$client.$id == context.clientID).first()
        else { throw Abort(.notFound) }
        guard member.isActive(at: request.now) else { throw Abort(.conflict, reason: "This membership has already ended.") }
        member.endsAt = request.now
        member.$endedBy.id = context.staff.id
        try await member.update(on: request.db)
        try await request.audit(.update, recordType: "care-team", recordID: id.uuidString, subject: context.clientID.uuidString,
                                detail: "ended \(member.$staff.id.uuidString)")
        return request.redirect(to: "/staff/clients/\(context.clientID.uuidString)/care-team?done=saved")
    }

    private func render(_ request: Request, _ context: Context, fields: [String: String], errors: FieldErrors,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let db = request.db
        let zone = try await request.services.clinic.current(on: db).zone
        let all = try await CareTeamMember.query(on: db).filter(\.$client.$id == context.clientID).with(\.$staff).with(\.$addedBy)
            .sort(\.$startsAt, .descending).all()
        let current = all.filter { $0.isActive(at: request.now) }
        let past = all.filter { !$0.isActive(at: request.now) }
        let choices = context.mayAssign ? try await clinicians(on: db) : []
        let base = "/staff/clients/\(context.clientID.uuidString)"
        let treating = current.first { $0.role == .treating }
        func when(_ date: Date) -> String { DateDisplay.day(zone.localDate(of: date)) }
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("breadcrumb"), .a(.href("/staff/clients"), .text("Clients")), .text(" / "), .a(.href("\(base)/chart"), .text(context.client.name))),
            .h1(.text("Care team: \(context.client.name)")),
            .if(request.query[String.self, at: "done"] == "saved", .p(.class("notice"), .attribute(named: "role", value: "status"), .text("Saved."))),
            .p(.class("lede"), .text("Only the people listed here (and the clinic director) may open this client's clinical record. Booking an appointment gives no access by itself.")),
            .if(current.isEmpty, .p(.class("notice warning"), .text("No one is on this client's care team yet. Name the treating clinician to accept the client."))),
            .if(!current.isEmpty, TableViews.scrollable(captionID: "team-now", .table(
                .class("data-table"),
                .caption(.id("team-now"), .text("On the care team now")),
                .thead(.tr(.th(.text("Who")), .th(.text("Role")), .th(.text("Why")), .th(.text("Since")), .th(.text("Until")),
                           .if(context.mayAssign, .th(.span(.class("visually-hidden"), .text("Actions")))))),
                .tbody(.forEach(current) { member in
                    .tr(.td(.text(member.staff.name)), .td(.text(member.role.label)), .td(.text(member.reason ?? "")),
                        .td(.text(when(member.startsAt))), .td(.text(member.endsAt.map(when) ?? "Open-ended")),
                        .if(context.mayAssign, .td(.if(member.role == .member,
                            .form(.method(.post), .action("\(base)/care-team/members/\(member.id?.uuidString ?? "")/end"), .class("inline-form"),
                                  FormViews.csrf(request.csrfToken),
                                  .button(.class("button small secondary"), .type(.submit), .text("End now"),
                                          .attribute(named: "aria-label", value: "End \(member.staff.name)'s membership now")))))))
                })))),
            .if(context.mayAssign, .group(
                .h2(.text(treating == nil ? "Accept the client: name the treating clinician" : "Change the treating clinician")),
                FormViews.errorSummary(errors),
                .form(.method(.post), .action("\(base)/care-team/treating"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.select(name: "clinician", label: "Treating clinician",
                                       options: [("", "Choose a clinician")] + choices.map { ($0.id?.uuidString ?? "", "\($0.name), \(StaffRole(rawValue: $0.role)?.displayName ?? $0.role)") },
                                       selected: fields["clinician"] ?? treating?.$staff.id.uuidString, error: errors["clinician"],
                                       hint: "A practicum student's supervisor joins the team with them."),
                      .button(.class("button"), .type(.submit), .text(treating == nil ? "Accept and assign" : "Change"))),
                .h2(.text("Add someone else")),
                .form(.method(.post), .action("\(base)/care-team/members"), .class("form"), .novalidate(),
                      FormViews.csrf(request.csrfToken),
                      FormViews.select(name: "member", label: "Who", options: [("", "Choose a person")] + choices.map { ($0.id?.uuidString ?? "", $0.name) },
                                       selected: fields["member"], error: errors["member"]),
                      FormViews.textField(name: "reason", label: "Why", value: fields["reason"], error: errors["reason"], maxLength: 500,
                                          hint: "For example: covering while the treating clinician is away."),
                      FormViews.textField(name: "until", label: "Until", value: fields["until"], error: errors["until"], type: .date, required: false,
                                          maxLength: 10, hint: "Leave empty for no end date."),
                      .button(.class("button secondary"), .type(.submit), .text("Add to the care team")))
            )),
            .if(!past.isEmpty, .group(
                .h2(.text("Earlier members")),
                .ul(.forEach(past) { member in
                    .li(.text("\(member.staff.name), \(member.role.label.lowercased()), \(when(member.startsAt)) to \(member.endsAt.map(when) ?? "")"))
                })))
        )
        return .html(PageLayout.render(title: errors.isEmpty ? "Care team" : "Please check: Care team", chrome: try await request.chrome(), content: content),
                     status: status)
    }
}
