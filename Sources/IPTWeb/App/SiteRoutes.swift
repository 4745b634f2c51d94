import IPTPages
import Vapor

/// Registers handlers by `SitePath`. The builder is chosen by the path's area, so a staff page is
/// behind the staff guard because its path says `.staff`; no list elsewhere has to agree.
struct SiteRoutes {
    private let open: any RoutesBuilder
    private let staff: any RoutesBuilder

    init(_ routes: any RoutesBuilder) {
        open = routes
        staff = routes.grouped(RequireStaffMiddleware())
    }

    private func builder(for path: SitePath) -> any RoutesBuilder {
        path.area == .staff ? staff : open
    }

    func register(_ collection: some SiteRouteCollection) throws {
        try collection.boot(site: self)
    }

    @discardableResult
    func get(_ path: SitePath, use handler: @escaping @Sendable (Request) async throws -> some AsyncResponseEncodable) -> Route {
        builder(for: path).get(path.pathComponents, use: handler)
    }

    @discardableResult
    func post(_ path: SitePath, use handler: @escaping @Sendable (Request) async throws -> some AsyncResponseEncodable) -> Route {
        builder(for: path).post(path.pathComponents, use: handler)
    }

    @discardableResult
    func post(_ path: SitePath, body: HTTPBodyStreamStrategy,
              use handler: @escaping @Sendable (Request) async throws -> some AsyncResponseEncodable) -> Route {
        builder(for: path).on(.POST, path.pathComponents, body: body, use: handler)
    }

    /// Routes that need their own middleware (a rate limit, say) on top of the area's guard.
    func grouped(_ middleware: any Middleware...) -> SiteRoutes {
        SiteRoutes(open: open.grouped(middleware), staff: staff.grouped(middleware))
    }

    private init(open: any RoutesBuilder, staff: any RoutesBuilder) {
        self.open = open
        self.staff = staff
    }
}

/// A feature's routes, registered through `SiteRoutes` so each one's guard follows its path.
protocol SiteRouteCollection {
    func boot(site: SiteRoutes) throws
}

extension SitePath {
    var pathComponents: [PathComponent] {
        segments.map { segment in
            switch segment {
            case let .literal(text): .constant(text)
            case let .parameter(name): .parameter(name)
            }
        }
    }
}
