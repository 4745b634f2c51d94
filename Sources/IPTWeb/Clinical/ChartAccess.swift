import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// A client's chart as one request may open it: who is asking, whose chart, and the clinic's rules.
struct ChartContext: Sendable {
    let staff: CurrentStaff
    let client: ClientRecord
    let clientID: UUID
    let access: ScheduleAccess
    let settings: ClinicalSettingsRow
    let zone: ClinicTimeZone

    /// The client's folder of pages, for links written by features outside Clinical.
    var base: String { SitePath.clients.link + "/" + clientID.uuidString }
    var actor: NoteWorkflow.Actor { NoteWorkflow.Actor(id: staff.id, role: staff.role) }
}

extension Request {
    /// Loads the client named in the path and checks this person may open their chart. A client they
    /// may not see answers exactly like a missing one, so ids cannot be probed. The director may open
    /// any chart, but outside their own caseload the clinic can ask for a reason first, kept in the
    /// audit trail.
    func chart() async throws -> ChartContext {
        let staff = try await authorize(.viewClinicalRecords)
        let access = try await ScheduleAccess.load(staff, on: db)
        guard let id = parameters.get("id").flatMap(UUID.init(uuidString:)),
              let client = try await ClientRecord.find(id, on: db),
              try await access.canSeeClient(id, at: now, on: db)
        else { throw Abort(.notFound) }
        let settings = try await ClinicalSettingsRow.current(on: db)
        try await requireReasonOutsideCaseload(staff, access: access, clientID: id, settings: settings)
        let clinic = try await services.clinic.current(on: db)
        return ChartContext(staff: staff, client: client, clientID: id, access: access, settings: settings,
                            zone: clinic.zone)
    }

    /// The one care-team check, for every page and action that shows or sends a client's clinical
    /// information: the person must see health information, be on the client's care team (or be the
    /// director), and the director outside her caseload gives a reason first where the clinic asks.
    /// A client this person may not see answers like a missing one.
    @discardableResult
    func requireClinicalAccess(to clientID: UUID) async throws -> CurrentStaff {
        let staff = try await authorize(.viewClinicalRecords)
        let access = try await ScheduleAccess.load(staff, on: db)
        guard try await access.canSeeClient(clientID, at: now, on: db) else { throw Abort(.notFound) }
        try await requireReasonOutsideCaseload(staff, access: access, clientID: clientID, settings: try await ClinicalSettingsRow.current(on: db))
        return staff
    }

    /// Whether this person may see a client's clinical information here and now without being asked
    /// anything: for pages that show it beside other things (an appointment), which then leave it out.
    func mayViewClinicalInformation(of clientID: UUID) async throws -> Bool {
        guard let staff = try? requireStaff(), AccessPolicy.allows(staff.role, .viewClinicalRecords) else { return false }
        let access = try await ScheduleAccess.load(staff, on: db)
        if try await access.isInCareTeam(clientID, at: now, on: db) { return true }
        guard staff.role == .admin else { return false }
        guard try await ClinicalSettingsRow.current(on: db).chartReasonRequired else { return true }
        return try await ChartAccessReason.query(on: db).filter(\.$staff.$id == staff.id).filter(\.$client.$id == clientID)
            .filter(\.$expiresAt > now).first() != nil
    }

    /// The director, outside her own caseload, gives a reason before any of a client's clinical
    /// records opens, where the clinic asks for one: a GET goes to the reason page, anything else
    /// is refused until a reason is on file (valid for an hour).
    func requireReasonOutsideCaseload(_ staff: CurrentStaff, access: ScheduleAccess, clientID: UUID, settings: ClinicalSettingsRow) async throws {
        guard staff.role == .admin, settings.chartReasonRequired, try await !access.isInCareTeam(clientID, at: now, on: db) else { return }
        let granted = try await ChartAccessReason.query(on: db).filter(\.$staff.$id == staff.id).filter(\.$client.$id == clientID)
            .filter(\.$expiresAt > now).first()
        guard granted == nil else { return }
        guard method == .GET else { throw Abort(.forbidden, reason: "Give a reason for opening this client's records first: open their chart.") }
        throw Abort.redirect(to: SitePath.chartReason.link(clientID) + "?next=\(url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
    }

    /// The form body as fields and lists (names ending in []), in one pass, for forms whose fields
    /// come from data (worksheets, checklists).
    func formBody() throws -> (fields: [String: String], lists: [String: [String]]) {
        guard let contentType = headers.contentType, contentType == .urlEncodedForm else { throw Abort(.unsupportedMediaType) }
        var fields: [String: String] = [:], lists: [String: [String]] = [:]
        for pair in FormInput.withoutNUL(body.string ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? { String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let key = parts.first.flatMap(decode), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw Abort(.badRequest, reason: "The form could not be read.")
            }
            if key.hasSuffix("[]") { lists[String(key.dropLast(2)), default: []].append(value) } else { fields[key] = value }
        }
        return (fields, lists)
    }
}

extension ScheduleAccess {
    /// Whether the client is on this person's care team now, as the clinic assigned it. Unlike
    /// `canSeeClient`, the director's clinic-wide access does not count.
    func isInCareTeam(_ clientID: UUID, at moment: Date, on database: any Database) async throws -> Bool {
        try await CareTeamQueries.isMember(staff.id, of: clientID, at: moment, on: database)
    }
}

/// The chart frame for pages outside the clinical folder that still build their markup here; they
/// pass through to IPTPages' `ChartFrame`.
enum ChartViews {
    static func header(_ context: ChartContext, current: String, title: String) -> Node<HTML.BodyContext> {
        ChartFrame.header(context.header(ChartSection(rawValue: current) ?? .chart, title: title))
    }

    static func notice(_ request: Request) -> Node<HTML.BodyContext> {
        ChartFrame.notice(request.query[String.self, at: "done"])
    }

    static func page(_ request: Request, title: String, content: Node<HTML.BodyContext>, status: HTTPResponseStatus = .ok) async throws -> Response {
        try await request.page(title, content, status: status)
    }
}

extension ChartContext {
    /// The top of one of this chart's pages.
    func header(_ section: ChartSection, title: String) -> ChartHeader {
        ChartHeader(clientName: client.name, clientID: clientID.uuidString, current: section, title: title)
    }
}

extension Request {
    /// The `done` key a redirect left, for the notice at the top of the page.
    var doneKey: String? { query[String.self, at: "done"] }
}
