import Fluent
import Foundation
import IPTCore
import Plot
import Vapor

/// The staff landing page: what needs attention.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("staff", use: dashboard)
    }

    func dashboard(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.viewDashboard)
        let chrome = try await request.chrome()
        let canSeeEnquiries = AccessPolicy.allows(staff.role, .viewEnquiries)
        let canSeeSubscribers = AccessPolicy.allows(staff.role, .viewSubscribers)
        let openEnquiries = canSeeEnquiries
            ? try await Enquiry.query(on: request.db).filter(\.$status == Enquiry.Status.open.rawValue).count() : 0
        let confirmed = canSeeSubscribers
            ? try await Subscriber.query(on: request.db).filter(\.$status == Subscriber.Status.confirmed.rawValue).count() : 0
        let pendingMail = try await OutboxMessage.query(on: request.db).filter(\.$status == OutboxMessage.Status.pending.rawValue).count()
        let failedMail = try await OutboxMessage.query(on: request.db).filter(\.$status == OutboxMessage.Status.failed.rawValue).count()
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Welcome, \(staff.name)")),
            .p(.class("lede"), .text("Signed in as \(staff.role.displayName).")),
            .ul(
                .class("stat-grid"),
                .if(canSeeEnquiries, .li(.class("stat"), .a(.href("/staff/enquiries?status=open"), .strong(.text(String(openEnquiries))), .text(" open enquiries")))),
                .if(canSeeSubscribers, .li(.class("stat"), .a(.href("/staff/subscribers?status=confirmed"), .strong(.text(String(confirmed))), .text(" confirmed subscribers")))),
                .li(.class("stat"), .strong(.text(String(pendingMail))), .text(" emails waiting to be sent")),
                .li(.class("stat"), .strong(.text(String(failedMail))), .text(" emails that could not be delivered"))
            ),
            .p(.class("small muted"), .text("Client records, the calendar and the clinical workspace arrive with the booking, intake and workspace features."))
        )
        return .html(PageLayout.render(title: "Dashboard", chrome: chrome, content: content))
    }
}
