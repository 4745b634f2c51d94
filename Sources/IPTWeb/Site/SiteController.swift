import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import Vapor

/// The public site: Markdown pages, the team and the fees.
struct SiteController: RouteCollection {
    /// Route path to content file.
    static let markdownRoutes: [(path: [PathComponent], slug: String)] = [
        (["what-is-ipt"], "what-is-ipt"),
        (["when-to-consider"], "when-to-consider"),
        (["what-to-expect"], "what-to-expect"),
        (["focus", "grief"], "focus-grief"),
        (["focus", "role-disputes"], "focus-role-disputes"),
        (["focus", "role-transitions"], "focus-role-transitions"),
        (["focus", "interpersonal-sensitivity"], "focus-interpersonal-sensitivity"),
        (["ipt-a"], "ipt-a"),
        (["evidence"], "evidence"),
        (["privacy"], "privacy"),
    ]

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
        for route in Self.markdownRoutes {
            let slug = route.slug
            routes.get(route.path) { request in try await markdownPage(request, slug: slug) }
        }
        routes.get("team", use: team)
        routes.get("team", ":slug", use: teamMember)
        routes.get("fees", use: fees)
    }

    /// Renders on a miss and stores the page; hits never get this far (see CachedPageResponder).
    private func cached(_ request: Request, render: () async throws -> String) async throws -> Response {
        // A request with a staff session sees the staff frame, so only anonymous pages are shared.
        guard request.staff == nil else { return .html(try await render()) }
        return .html(try await request.services.pageCache.page(PageCache.key(for: request.path), render: render))
    }

    func home(_ request: Request) async throws -> Response {
        try await cached(request) {
            let page = try requirePage(request, "home")
            let chrome = try await request.chrome()
            let content: Node<HTML.BodyContext> = .group(
                .section(
                    .class("hero"),
                    .h1(.text(page.title)),
                    .unwrap(page.summary) { .p(.class("lede"), .text($0)) },
                    .p(
                        .a(.class("button"), .href("/contact"), .text("Send an enquiry")),
                        .text(" "),
                        .a(.class("button secondary"), .href("/team"), .text("Meet the team"))
                    )
                ),
                .div(.class("prose"), .raw(page.html)),
                .h2(.text("The four focus areas")),
                .ul(.class("card-grid"), .forEach(focusCards) { card in
                    .li(.class("card"), .h3(.a(.href(card.path), .text(card.title))), .p(.text(card.text)))
                })
            )
            return PageLayout.render(title: page.title, description: page.summary, chrome: chrome, content: content)
        }
    }

    private var focusCards: [(title: String, path: String, text: String)] {
        [
            ("Grief", "/focus/grief", "When low mood follows the death of someone close, or another deep loss."),
            ("Role disputes", "/focus/role-disputes", "When you and someone important expect different things of each other."),
            ("Role transitions", "/focus/role-transitions", "When a change in your life, wanted or not, has been hard to adjust to."),
            ("Interpersonal sensitivity", "/focus/interpersonal-sensitivity", "When starting or keeping relationships has long been difficult."),
        ]
    }

    func markdownPage(_ request: Request, slug: String) async throws -> Response {
        try await cached(request) {
            let page = try requirePage(request, slug)
            let chrome = try await request.chrome()
            let content: Node<HTML.BodyContext> = .group(
                .h1(.text(page.title)),
                .unwrap(page.summary) { .p(.class("lede"), .text($0)) },
                .div(.class("prose"), .raw(page.html))
            )
            return PageLayout.render(title: page.title, description: page.summary, chrome: chrome, content: content)
        }
    }

    func team(_ request: Request) async throws -> Response {
        try await cached(request) {
            let intro = request.services.content.page("team")
            let members = try await TeamQueries.publicMembers(on: request.db)
            let tiers = try await TeamQueries.tiersByCode(on: request.db)
            let chrome = try await request.chrome()
            let content: Node<HTML.BodyContext> = .group(
                .h1(.text(intro?.title ?? "Our team")),
                .unwrap(intro) { .div(.class("prose"), .raw($0.html)) },
                .ul(.class("team-grid"), .forEach(members) { member in
                    .li(
                        .class("team-card"),
                        .h2(.a(.href(attributeSafe("/team/\(member.slug)")), .text(member.name))),
                        .p(.class("role"), .text(member.credentials)),
                        .unwrap(member.feeTier.flatMap { tiers[$0] }) { tier in
                            .p(.class("fee-tier"), .text("\(tier.label): \(Money(cents: tier.sessionFeeCents, currency: tier.currency).formatted) a session"))
                        },
                        .p(.text(TeamQueries.firstSentence(of: member.bio))),
                        .if(member.acceptingNewClients, .p(.class("small"), .text("Accepting new clients: "),
                                                           .a(.href(attributeSafe("/book/times?type=consultation&with=\(member.slug)")),
                                                              .text("book a free consultation"))))
                    )
                })
            )
            return PageLayout.render(title: intro?.title ?? "Our team", description: intro?.summary, chrome: chrome, content: content)
        }
    }

    func teamMember(_ request: Request) async throws -> Response {
        let slug = request.parameters.get("slug") ?? ""
        guard slug.count <= 80 else { throw Abort(.notFound) }
        // The lookup happens only when the page is rendered; a cached profile costs no query.
        return try await cached(request) {
            guard let member = try await StaffUser.query(on: request.db)
                .filter(\.$slug == slug).filter(\.$isPublic == true).filter(\.$isActive == true)
                .with(\.$supervisor).first()
            else {
                throw Abort(.notFound)
            }
            let tiers = try await TeamQueries.tiersByCode(on: request.db)
            let chrome = try await request.chrome()
            let tier = member.feeTier.flatMap { tiers[$0] }
            let content: Node<HTML.BodyContext> = .group(
                .p(.class("small"), .a(.href("/team"), .text("Back to the team"))),
                .h1(.text(member.name)),
                .p(.class("lede"), .text(member.credentials)),
                .div(.class("prose"), .forEach(member.bio.components(separatedBy: "\n\n")) { .p(.text($0)) }),
                .dl(
                    .class("details"),
                    .dt(.text("Fee")),
                    .dd(.text(tier.map { "\($0.label): \(Money(cents: $0.sessionFeeCents, currency: $0.currency).formatted) for a session" } ?? "Ask us")),
                    .dt(.text("New clients")),
                    .dd(.text(member.acceptingNewClients ? "Accepting new clients" : "Not taking new clients at the moment")),
                    .unwrap(member.supervisor) { supervisor in
                        .group(
                            .dt(.text("Clinical supervisor")),
                            .dd(.text("\(supervisor.name), who reviews this clinician's work and sees the information of the clients they see."))
                        )
                    }
                ),
                .if(member.acceptingNewClients, .p(.a(.class("button"), .href(attributeSafe("/book/times?type=consultation&with=\(member.slug)")),
                                                       .text("Book a free consultation with \(TeamQueries.givenName(of: member.name))")))),
                .p(.a(.class(member.acceptingNewClients ? "button secondary" : "button"), .href("/contact"),
                      .text("Ask about working with \(TeamQueries.givenName(of: member.name))")))
            )
            return PageLayout.render(title: member.name, description: "\(member.name), \(member.credentials)", chrome: chrome, content: content)
        }
    }

    func fees(_ request: Request) async throws -> Response {
        try await cached(request) {
            let page = try requirePage(request, "fees")
            let tiers = try await FeeTier.query(on: request.db).sort(\.$sortOrder).all()
            let chrome = try await request.chrome()
            let content: Node<HTML.BodyContext> = .group(
                .h1(.text(page.title)),
                .unwrap(page.summary) { .p(.class("lede"), .text($0)) },
                TableViews.scrollable(
                    captionID: "fees-caption",
                    .table(
                        .class("data-table fit"),
                        .caption(.id("fees-caption"), .text("Fee for one 50-minute session, by who you see")),
                        .thead(.tr(.th(.text("Clinician")), .th(.text("Fee")), .th(.text("What it means")))),
                        .tbody(.forEach(tiers) { tier in
                            .tr(
                                .th(.attribute(named: "scope", value: "row"), .text(tier.label)),
                                .td(.text(Money(cents: tier.sessionFeeCents, currency: tier.currency).formatted)),
                                .td(.text(tier.summary))
                            )
                        })
                    )
                ),
                .p(.class("actions"), .a(.class("button"), .href(attributeSafe("/book?type=consultation&with=reduced")), .text("Book a free consultation with the reduced-rate clinic")),
                   .text(" "), .a(.class("button secondary"), .href("/book"), .text("See every booking option"))),
                .div(.class("prose"), .raw(page.html))
            )
            return PageLayout.render(title: page.title, description: page.summary, chrome: chrome, content: content)
        }
    }

    private func requirePage(_ request: Request, _ slug: String) throws -> ContentPage {
        guard let page = request.services.content.page(slug) else { throw Abort(.notFound) }
        return page
    }
}

enum TeamQueries {
    static func publicMembers(on database: any Database) async throws -> [StaffUser] {
        try await StaffUser.query(on: database)
            .filter(\.$isPublic == true)
            .filter(\.$isActive == true)
            .sort(\.$createdAt)
            .all()
    }

    static func tiersByCode(on database: any Database) async throws -> [String: FeeTier] {
        Dictionary(uniqueKeysWithValues: try await FeeTier.query(on: database).all().map { ($0.code, $0) })
    }

    /// "Dr. Miriam Okafor" -> "Miriam": the name a visitor would use in a first message.
    static func givenName(of fullName: String) -> String {
        let honorifics: Set<String> = ["dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx."]
        return fullName.split(separator: " ").first { !honorifics.contains($0.lowercased()) }.map(String.init) ?? fullName
    }

    static func firstSentence(of text: String) -> String {
        guard let end = text.firstIndex(of: ".") else { return text }
        return String(text[...end])
    }

    /// The default fee levels, inserted on first start; an admin edits amounts later.
    static func ensureFeeTiers(on database: any Database) async throws {
        guard try await FeeTier.query(on: database).count() == 0 else { return }
        let defaults: [FeeTier] = [
            FeeTier(code: FeeTierCode.full.rawValue, label: "Registered psychotherapist", sessionFeeCents: 18_000, currency: "CAD",
                    summary: "An experienced clinician registered with the College of Registered Psychotherapists of Ontario.", sortOrder: 1),
            FeeTier(code: FeeTierCode.qualifying.rawValue, label: "RP (Qualifying)", sessionFeeCents: 12_000, currency: "CAD",
                    summary: "A clinician completing supervised hours toward full registration.", sortOrder: 2),
            FeeTier(code: FeeTierCode.reduced.rawValue, label: "Practicum student (reduced-rate clinic)", sessionFeeCents: 5_000, currency: "CAD",
                    summary: "A graduate student in training, seeing new clients under a clinical supervisor.", sortOrder: 3),
        ]
        for tier in defaults { try await tier.create(on: database) }
    }
}
