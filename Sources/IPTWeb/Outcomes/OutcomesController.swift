import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// How the clinic counts dropout (M055); one row, absent until the director saves one.
final class OutcomeSettingsRow: Model, ListedFields, @unchecked Sendable {
    static let schema = "outcome_settings"

    @ID(key: .id) var id: UUID?
    @Field(key: "dropout_rule") var dropoutRule: String
    @OptionalField(key: "dropout_sessions") var dropoutSessions: Int?
    @Field(key: "updated_at") var updatedAt: Date

    /// Every wrapper above, in order (`ListedFields`).
    var listedProperties: [any AnyProperty] { [$id, $dropoutRule, $dropoutSessions, $updatedAt] }

    init() {}

    static func rule(on database: any Database) async throws -> DropoutRule {
        guard let row = try await query(on: database).first() else { return .recordedByClinician }
        return DropoutRule(storedKind: row.dropoutRule, sessions: row.dropoutSessions)
    }
}

/// The clinic's outcomes over a period: the director sees the whole clinic, a supervisor the courses
/// of the students they supervise; everyone else is refused. Opening it, and downloading its CSV,
/// is audited: the figures are aggregates, but they are made from health information.
struct OutcomesController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.outcomes, use: show)
        site.get(.outcomesCSV, use: csv)
        site.post(.outcomesDropout, use: saveDropout)
    }

    /// Who may read the report, and which courses they see.
    private func reader(_ request: Request) async throws -> (CurrentStaff, OutcomesQueries.Scope) {
        let staff = try await request.authorize(.viewClinicalRecords)
        switch staff.role {
        case .admin: return (staff, .clinic)
        case .supervisor: return (staff, .studentsOf(staff.id))
        default:
            try await request.audit(.denied, recordType: "outcomes")
            throw Abort(.forbidden, reason: "The outcomes report is for the clinic director and supervisors.")
        }
    }

    private func load(_ request: Request) async throws -> (CurrentStaff, OutcomesPeriod, OutcomesQueries.Report, DropoutRule, ClinicTimeZone) {
        let (staff, scope) = try await reader(request)
        let zone = try await request.services.clinic.current(on: request.db).zone
        let parsed = OutcomesPeriod.parse(from: request.query[String.self, at: "from"], to: request.query[String.self, at: "to"],
                                          today: zone.localDate(of: request.now))
        let period: OutcomesPeriod
        switch parsed {
        case let .success(value): period = value
        case let .failure(problem): throw Abort(.badRequest, reason: problem.message)
        }
        let rule = try await OutcomeSettingsRow.rule(on: request.db)
        let report = try await OutcomesQueries.report(on: request.db, alongside: RowReader.alongside(request), period: period, zone: zone, scope: scope, rule: rule,
                                                      keyRing: request.services.keyRing, instruments: request.services.instruments)
        return (staff, period, report, rule, zone)
    }

    func show(_ request: Request) async throws -> Response {
        let (staff, period, report, rule, _) = try await load(request)
        let model = OutcomesPage.Model(
            from: OutcomesPeriod.monthKey(period.first), to: OutcomesPeriod.monthKey(period.last), periodLabel: OutcomesPage.periodLabel(period),
            isDirector: staff.role == .admin, courses: report.courses, programmes: report.programmes, path: report.path, waits: report.waits,
            supervision: report.supervision, dropout: rule, notice: request.query[String.self, at: "saved"] != nil ? "The dropout rule is saved." : nil,
            csrfToken: request.csrfToken)
        return try await request.auditedPage(model.title, recordType: "outcomes", subject: nil,
                                             detail: "period=\(model.from)..\(model.to) courses=\(report.courses)") { OutcomesPage.view(model) }
    }

    func csv(_ request: Request) async throws -> Response {
        let (_, period, report, _, _) = try await load(request)
        let body = OutcomesCSV.make(report, period: period)
        try await request.audit(.export, recordType: "outcomes", detail: "csv period=\(OutcomesPeriod.monthKey(period.first))..\(OutcomesPeriod.monthKey(period.last))")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"outcomes-\(OutcomesPeriod.monthKey(period.first))-to-\(OutcomesPeriod.monthKey(period.last)).csv\"")
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }

    func saveDropout(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.editClinicSettings)
        let (fields, _) = try request.formBody()
        let sessions = fields["sessions"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let rule: DropoutRule
        switch fields["rule"] {
        case "recorded": rule = .recordedByClinician
        case "sessions":
            guard let sessions, (1...20).contains(sessions) else {
                throw Abort(.unprocessableEntity, reason: "Give the number of sessions as a whole number from 1 to 20.")
            }
            rule = .fewerSessionsThan(sessions)
        default: throw Abort(.unprocessableEntity, reason: "Choose how dropout is counted.")
        }
        let row = try await OutcomeSettingsRow.query(on: request.db).first() ?? OutcomeSettingsRow()
        row.dropoutRule = rule.storedKind
        if case let .fewerSessionsThan(count) = rule { row.dropoutSessions = count } else { row.dropoutSessions = nil }
        row.updatedAt = request.now
        try await row.save(on: request.db)
        try await request.audit(.update, recordType: "outcome-settings", detail: "dropout=\(rule.storedKind)\(row.dropoutSessions.map { " sessions=\($0)" } ?? "")")
        return request.redirect(to: SitePath.outcomes.link(query: ["saved": "1"]))
    }
}

/// The report's figures as CSV: one line per group and figure, counts and percentages only. A group
/// or share under the small-group minimum carries "too few to report" and no numbers.
enum OutcomesCSV {
    static func make(_ report: OutcomesQueries.Report, period: OutcomesPeriod) -> String {
        var csv = CSVWriter.line(["section", "programme", "breakdown", "group", "figure", "count", "of", "percent"])
        func add(_ section: String, _ programme: String, _ breakdown: String, _ figures: OutcomeFigures) {
            guard figures.isReportable else {
                if figures.courses > 0 { csv += CSVWriter.line([section, programme, breakdown, figures.label, "courses", "", "", OutcomeFigures.tooFew]) }
                return
            }
            csv += CSVWriter.line([section, programme, breakdown, figures.label, "courses", "\(figures.courses)", "", ""])
            let shares: [(String, Share)] = [("response", figures.response), ("remission", figures.remission), ("reliable improvement", figures.reliableImprovement),
                                             ("reliable recovery", figures.reliableRecovery), ("reliable deterioration", figures.reliableDeterioration),
                                             ("first score", figures.withBaseline), ("end score", figures.withEndScore), ("sessions measured", figures.sessionsMeasured),
                                             ("judged on both measures", figures.bothMeasures),
                                             ("completed", figures.completed), ("ended early", figures.endedEarly)]
            for (name, share) in shares {
                csv += CSVWriter.line([section, programme, breakdown, figures.label, name, share.isReportable ? "\(share.count)" : "",
                                       share.isReportable ? "\(share.of)" : "", share.percent.map { "\($0)" } ?? OutcomeFigures.tooFew])
            }
            csv += CSVWriter.line([section, programme, breakdown, figures.label, "mean drop", figures.meanDrop.map { String(format: "%.2f", $0) } ?? "", "",
                                   figures.meanDrop == nil ? OutcomeFigures.tooFew : ""])
            csv += CSVWriter.line([section, programme, breakdown, figures.label, "spread of drop", figures.dropSpread.map { String(format: "%.2f", $0) } ?? "", "", ""])
        }
        for programme in report.programmes {
            let name = programme.programme.label
            add("outcomes", name, "overall", programme.overall)
            for figures in programme.byFocus { add("outcomes", name, "focus area", figures) }
            for figures in programme.byTier { add("outcomes", name, "clinician tier", figures) }
            for figures in programme.byClinician { add("outcomes", name, "clinician", figures) }
            for figures in programme.bySessions { add("outcomes", name, "sessions attended", figures) }
        }
        for month in report.path ?? [] {
            for (name, count) in [("enquiries", month.enquiries), ("consultations", month.consultations), ("assessments", month.assessments),
                                  ("courses started", month.started), ("completed", month.completed), ("ended early", month.endedEarly),
                                  ("ended another way", month.endedOtherwise)] {
                csv += CSVWriter.line(["path into care", "", "month", month.month, name, "\(count)", "", ""])
            }
        }
        for wait in report.waits ?? [] {
            csv += CSVWriter.line(["path into care", "", "median wait in days", wait.label, "clients \(wait.clients)",
                                   wait.medianDays.map { String(format: "%.1f", $0) } ?? "", "", wait.medianDays == nil ? OutcomeFigures.tooFew : ""])
        }
        return csv
    }
}
