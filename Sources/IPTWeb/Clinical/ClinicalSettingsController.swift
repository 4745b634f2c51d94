import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The director's settings for the course: phase boundaries, course lengths, the focus framework,
/// co-signing of students' notes, and whether opening a chart outside one's caseload needs a reason.
struct ClinicalSettingsController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.clinicalSettings, use: form)
        site.post(.clinicalSettings, use: save)
    }

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
        let model = ClinicalSettingsPage.Model(done: request.doneKey, values: values, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, ClinicalSettingsPage.view(model), status: status)
    }

    func save(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let (fields, _) = try request.formBody()
        var errors = FieldErrors()
        var numbers: [String: Int] = [:]
        for number in ClinicalSettingsPage.numbers {
            // Session counts are small; anything far outside is refused here, before any sum.
            if let value = fields[number.name].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), (0...1_000).contains(value) { numbers[number.name] = value }
            else { errors.add(number.name, "Enter a whole number of sessions.") }
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
        return request.redirect(to: SitePath.clinicalSettings.link(query: ["done": "saved"]))
    }
}
