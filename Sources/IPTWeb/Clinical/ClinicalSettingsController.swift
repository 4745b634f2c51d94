import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The director's settings for the course: phase boundaries, course lengths, the focus framework,
/// co-signing of students' notes, and whether opening a chart outside one's caseload needs a reason.
struct ClinicalSettingsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", "settings", "clinical", use: form)
        routes.post("staff", "settings", "clinical", use: save)
    }

    static let numbers: [(name: String, label: String)] = [
        ("initialSessions", "Sessions in the initial phase"), ("terminationSessions", "Sessions in the termination phase"),
        ("minimumSessions", "Shortest course allowed"), ("maximumSessions", "Longest course allowed"),
        ("adultSessions", "Usual course for adults"), ("adolescentSessions", "Usual course for IPT-A"), ("maintenanceSessions", "Usual maintenance contract"),
    ]

    func form(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let row = try await ClinicalSettingsRow.current(on: request.db)
        let course = row.course
        let values: [String: String] = [
            "initialSessions": String(course.initialSessions), "terminationSessions": String(course.terminationSessions),
            "minimumSessions": String(course.minimumSessions), "maximumSessions": String(course.maximumSessions),
            "adultSessions": String(course.adultSessions), "adolescentSessions": String(course.adolescentSessions),
            "maintenanceSessions": String(course.maintenanceSessions), "framework": course.framework.rawValue,
            "cosignStudents": row.cosignStudents ? "yes" : "", "chartReasonRequired": row.chartReasonRequired ? "yes" : "",
            "supervisorsAssignCareTeams": row.mayAssignCareTeam(.supervisor) ? "yes" : "",
        ]
        return try await render(request, values: values, errors: FieldErrors())
    }

    private func render(_ request: Request, values: [String: String], errors: FieldErrors, status: HTTPResponseStatus = .ok) async throws -> Response {
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Clinical settings")),
            ChartViews.notice(request),
            .p(.class("lede"), .text("How the clinic runs an IPT course. Manuals differ on where the phases begin and end; choose what your clinic teaches.")),
            FormViews.errorSummary(errors),
            .form(.method(.post), .action("/staff/settings/clinical"), .class("form"), .novalidate(),
                  FormViews.csrf(request.csrfToken),
                  .group(Self.numbers.map { number in
                      FormViews.textField(name: number.name, label: number.label, value: values[number.name], error: errors[number.name], type: .number, maxLength: 2)
                  }),
                  FormViews.radioGroup(name: "framework", legend: "Focus framework", options: FocusFramework.allCases.map { ($0.rawValue, $0.label) },
                                       selected: values["framework"], error: errors["framework"]),
                  FormViews.checkbox(name: "cosignStudents", label: "A practicum student's signed notes wait for the supervisor's co-signature",
                                     checked: values["cosignStudents"] == "yes", error: nil),
                  FormViews.checkbox(name: "chartReasonRequired", label: "Ask for a reason before anyone opens a chart outside their own caseload",
                                     checked: values["chartReasonRequired"] == "yes", error: nil),
                  FormViews.checkbox(name: "supervisorsAssignCareTeams",
                                     label: "Clinical supervisors may accept clients and change care teams (the director always may)",
                                     checked: values["supervisorsAssignCareTeams"] == "yes", error: nil),
                  .button(.class("button"), .type(.submit), .text("Save settings")))
        )
        return try await ChartViews.page(request, title: errors.isEmpty ? "Clinical settings" : "Please check: Clinical settings", content: content, status: status)
    }

    func save(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        var numbers: [String: Int] = [:]
        for number in Self.numbers {
            if let value = fields[number.name].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { numbers[number.name] = value }
            else { errors.add(number.name, "Enter a whole number.") }
        }
        let framework = fields["framework"].flatMap(FocusFramework.init(rawValue:))
        if framework == nil { errors.add("framework", "Choose a framework.") }
        guard errors.isEmpty, let framework else { return try await render(request, values: fields, errors: errors, status: .unprocessableEntity) }
        let course = CourseSettings(initialSessions: numbers["initialSessions"]!, terminationSessions: numbers["terminationSessions"]!,
                                    adultSessions: numbers["adultSessions"]!, adolescentSessions: numbers["adolescentSessions"]!,
                                    maintenanceSessions: numbers["maintenanceSessions"]!, minimumSessions: numbers["minimumSessions"]!,
                                    maximumSessions: numbers["maximumSessions"]!, framework: framework)
        let problems = course.validate()
        guard problems.isEmpty else { return try await render(request, values: fields, errors: problems, status: .unprocessableEntity) }
        let row = try await ClinicalSettingsRow.current(on: request.db)
        row.apply(course)
        row.cosignStudents = fields["cosignStudents"] == "yes"
        row.chartReasonRequired = fields["chartReasonRequired"] == "yes"
        row.careTeamAssigners = fields["supervisorsAssignCareTeams"] == "yes" ? StaffRole.supervisor.rawValue : ""
        row.updatedAt = request.now
        try await row.save(on: request.db)
        try await request.audit(.update, recordType: "clinical-settings", detail: "framework=\(framework.rawValue) cosign=\(row.cosignStudents) care-team-assigners=admin,\(row.careTeamAssigners)")
        return request.redirect(to: "/staff/settings/clinical?done=saved")
    }
}
