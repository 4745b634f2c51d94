import Fluent
import Foundation
import IPTCore
import IPTPages
import Vapor

/// The public site: Markdown pages, the team and the fees.
struct SiteController: SiteRouteCollection {
    func boot(site: SiteRoutes) throws {
        site.get(.home, use: home)
        for route in SitePath.readingPages {
            let slug = route.slug
            site.get(route.path) { request in try await readingPage(request, slug: slug) }
        }
        site.get(.team, use: team)
        site.get(.teamMember, use: teamMember)
        site.get(.fees, use: fees)
    }

    /// Renders on a miss and stores the page; hits never get this far (see CachedPageResponder).
    /// The frame is written as text around the view (PageLayout's fast path), as every public page is.
    private func cached(_ request: Request, render: () async throws -> String) async throws -> Response {
        // A request with a staff session sees the staff frame, so only anonymous pages are shared.
        guard request.staff == nil else { return .html(try await render()) }
        return .html(try await request.services.pageCache.page(PageCache.key(for: request.path), render: render))
    }

    func home(_ request: Request) async throws -> Response {
        try await cached(request) {
            let page = try requirePage(request, "home")
            let model = HomePage.Model(title: page.title, summary: page.summary, html: page.html)
            return PageLayout.render(title: page.title, description: page.summary, chrome: try await request.chrome(), content: HomePage.view(model))
        }
    }

    func readingPage(_ request: Request, slug: String) async throws -> Response {
        try await cached(request) {
            let page = try requirePage(request, slug)
            let model = ReadingPage.Model(title: page.title, summary: page.summary, html: page.html)
            return PageLayout.render(title: page.title, description: page.summary, chrome: try await request.chrome(), content: ReadingPage.view(model))
        }
    }

    func team(_ request: Request) async throws -> Response {
        try await cached(request) {
            let intro = request.services.content.page("team")
            let members = try await TeamQueries.publicMembers(on: request.db)
            let tiers = try await TeamQueries.tiersByCode(on: request.db)
            let model = TeamPage.Model(title: intro?.title ?? "Our team", introHTML: intro?.html, members: members.map { member in
                TeamPage.Member(slug: member.slug, name: member.name, credentials: member.credentials,
                                fee: member.feeTier.flatMap { tiers[$0] }.map { "\($0.label): \(Self.fee($0)) a session" },
                                firstSentence: TeamQueries.firstSentence(of: member.bio), acceptingNewClients: member.acceptingNewClients)
            })
            return PageLayout.render(title: model.title, description: intro?.summary, chrome: try await request.chrome(), content: TeamPage.view(model))
        }
    }

    func teamMember(_ request: Request) async throws -> Response {
        let slug = request.parameters.get("slug") ?? ""
        guard slug.count <= 80 else { throw Abort(.notFound) }
        // The lookup happens only when the page is rendered; a cached profile costs no query.
        return try await cached(request) {
            guard let member = try await TeamQueries.publicMember(slug: slug, on: request.db) else { throw Abort(.notFound) }
            let tier = try await TeamQueries.tiersByCode(on: request.db)[member.feeTier ?? ""]
            let model = TeamMemberPage.Model(
                slug: member.slug, name: member.name, givenName: TeamQueries.givenName(of: member.name), credentials: member.credentials,
                bioParagraphs: member.bio.components(separatedBy: "\n\n"),
                fee: tier.map { "\($0.label): \(Self.fee($0)) for a session" } ?? "Ask us",
                acceptingNewClients: member.acceptingNewClients, supervisorName: member.supervisor?.name)
            return PageLayout.render(title: model.name, description: model.description, chrome: try await request.chrome(),
                                     content: TeamMemberPage.view(model))
        }
    }

    func fees(_ request: Request) async throws -> Response {
        try await cached(request) {
            let page = try requirePage(request, "fees")
            let tiers = try await TeamQueries.tiersInOrder(on: request.db)
            let model = FeesPage.Model(title: page.title, summary: page.summary, html: page.html,
                                       tiers: tiers.map { FeesPage.Tier(label: $0.label, fee: Self.fee($0), summary: $0.summary) })
            return PageLayout.render(title: page.title, description: page.summary, chrome: try await request.chrome(), content: FeesPage.view(model))
        }
    }

    private static func fee(_ tier: FeeTier) -> String {
        Money(cents: tier.sessionFeeCents, currency: tier.currency).formatted
    }

    private func requirePage(_ request: Request, _ slug: String) throws -> ContentPage {
        guard let page = request.services.content.page(slug) else { throw Abort(.notFound) }
        return page
    }
}
