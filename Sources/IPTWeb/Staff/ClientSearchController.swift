import Foundation
import IPTCore
import IPTPages
import Vapor

/// The client search in the staff bar. What it may return is the role's `ClientSearchScope`; every
/// search that shows clients is audited with the records it listed.
struct ClientSearchController: SiteRouteCollection {
    static let shownAtMost = 25

    func boot(site: SiteRoutes) throws {
        site.post(.clientSearch, use: search)
    }

    private struct Body: Content {
        var q: String?
    }

    func search(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewDashboard)
        let scope = ClientSearchScope.of(staff.role)
        let typed = (try? FormInput.decode(Body.self, from: request).q) ?? ""
        let query: ClientSearchQuery
        switch ClientSearchQuery.read(typed) {
        case let .success(read): query = read
        case let .failure(problem):
            let message = problem == .tooLong ? "Use at most \(ClientSearchQuery.maximumLength) characters."
                : "Type at least two letters of a name, or three digits of a phone number."
            return try await render(request, typed: typed, error: message, results: [], truncated: false, scope: scope, status: .unprocessableEntity)
        }
        let among: Set<UUID>? = scope == .careTeam ? try await CareTeamQueries.clients(of: staff.id, at: request.now, on: request.db) : nil
        let found = try await ClientSearchQueries.matching(query, among: among, limit: Self.shownAtMost + 1, on: request.db)
        let shown = Array(found.prefix(Self.shownAtMost))
        let ids = shown.compactMap(\.id)
        let next = try await ClientSearchQueries.nextAppointments(of: ids, after: request.now, on: request.db)
        let zone = try await request.bookingSetup().zone
        let results = shown.map { client in
            let id = client.id?.uuidString ?? ""
            return ClientSearchPage.Result(
                name: client.name, dateOfBirth: LocalDate(iso: client.dateOfBirth).map(DateDisplay.day) ?? client.dateOfBirth,
                email: client.email, phone: client.phone, programme: Programme(rawValue: client.programme)?.label ?? client.programme,
                chartLink: scope.opensCharts ? SitePath.chart.link(id) : nil,
                bookLink: AccessPolicy.allows(staff.role, .manageSchedule) ? SitePath.appointmentNew.link(query: ["client": id]) : nil,
                next: client.id.flatMap { next[$0] }.map {
                    "\(DateDisplay.shortDay(zone.localDate(of: $0.startsAt))), \(DateDisplay.time($0.startsAt, zone: zone))"
                })
        }
        // The list names clients, so it is a view of their records: one row, naming each one shown.
        let model = ClientSearchPage.Model(query: typed, error: nil, results: results, truncated: found.count > shown.count, scope: scope,
                                           csrfToken: request.csrfToken)
        return try await request.auditedPage(ClientSearchPage.title, recordType: "client-search", subject: nil,
                                             detail: "results=\(ids.count) clients=\(ids.map(\.uuidString).joined(separator: ","))") {
            ClientSearchPage.view(model)
        }
    }

    private func render(_ request: Request, typed: String, error: String?, results: [ClientSearchPage.Result], truncated: Bool,
                        scope: ClientSearchScope, status: HTTPResponseStatus) async throws -> Response {
        let model = ClientSearchPage.Model(query: typed, error: error, results: results, truncated: truncated, scope: scope,
                                           csrfToken: request.csrfToken)
        return try await request.page(ClientSearchPage.title, ClientSearchPage.view(model), status: status)
    }
}
