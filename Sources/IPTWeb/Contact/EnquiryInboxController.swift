import Fluent
import Foundation
import IPTCore
import IPTPages
import Plot
import SQLKit
import Vapor

/// The staff inbox of enquiries: list, open, mark handled with a note.
struct EnquiryInboxController: RouteCollection {
    static let pageSize = 50

    func boot(routes: any RoutesBuilder) throws {
        let enquiries = routes.grouped("staff", "enquiries")
        enquiries.get(use: list)
        enquiries.get(":id", use: show)
        enquiries.post(":id", "handle", use: handle)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewEnquiries)
        // The query string read in one pass (each `request.query[_, at:]` decodes all of it again),
        // and leniently: a page that is not a number is page 1, the filter still applies.
        let query = request.url.query == nil ? [:] : (try? request.query.decode([String: String].self)) ?? [:]
        let filter = query["status"].flatMap(Enquiry.Status.init(rawValue:))
        let found = try await EnquiryQueries.inbox(status: filter, page: query["page"].flatMap { Int($0) } ?? 1,
                                                   size: Self.pageSize, on: request.inlineReads)
        let page = found.number
        let hasMore = found.hasMore
        let shown = found.rows
        try await request.audit(.view, recordType: "enquiry-list", detail: "status=\(filter?.rawValue ?? "all") page=\(page) rows=\(shown.count)")
        let chrome = try await request.chrome()
        let zone = chrome.clinic.timeZone
        let filters: [(label: String, value: String?)] = [("Open", "open"), ("Handled", "handled"), ("All", nil)]
        let justHandled = query["handled"] != nil
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text("Enquiries")),
            .if(justHandled, .div(.class("notice success"), .attribute(named: "role", value: "status"),
                                  .p(.text("The enquiry is marked as handled.")))),
            .nav(.class("filters"), .ariaLabel("Filter by status"), .ul(.forEach(filters) { item in
                .li(.a(.href(item.value.map { "/staff/enquiries?status=\($0)" } ?? "/staff/enquiries"),
                       .if(item.value == filter?.rawValue, .attribute(named: "aria-current", value: "page")),
                       .text(item.label)))
            })),
            .if(shown.isEmpty, .p(.text("No enquiries here."))),
            .if(!shown.isEmpty, TableViews.scrollable(captionID: "enquiries-caption", .table(
                .class("data-table"),
                .caption(.id("enquiries-caption"), .text("\(filter.map { $0 == .open ? "Open" : "Handled" } ?? "All") enquiries, newest first")),
                .thead(.tr(.th(.text("Received")), .th(.text("From")), .th(.text("Prefers")), .th(.text("Status")))),
                .tbody(.forEach(shown) { enquiry in
                    .tr(
                        .td(.text(DateDisplay.dateTime(enquiry.createdAt, timeZone: zone))),
                        .td(.a(.href("/staff/enquiries/\(enquiry.id.uuidString)"), .text(enquiry.name))),
                        .td(.text(ContactPreference(rawValue: enquiry.preferredContact)?.label ?? enquiry.preferredContact)),
                        .td(.span(.class("status \(enquiry.status)"), .text(enquiry.statusLabel)))
                    )
                })
            ))),
            TableViews.pagination(
                newer: page > 1 ? "/staff/enquiries?\(filter.map { "status=\($0.rawValue)&" } ?? "")page=\(page - 1)" : nil,
                older: hasMore ? "/staff/enquiries?\(filter.map { "status=\($0.rawValue)&" } ?? "")page=\(page + 1)" : nil)
        )
        return .html(PageLayout.render(title: "Enquiries", chrome: chrome, content: content))
    }

    private func find(_ request: Request) async throws -> Enquiry {
        // An id that does not parse and an id that is not there get the same 404.
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let enquiry = try await Enquiry.query(on: request.db).filter(\.$id == id).with(\.$handledBy).first()
        else { throw Abort(.notFound) }
        return enquiry
    }

    func show(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewEnquiries)
        let enquiry = try await find(request)
        try await request.audit(.view, recordType: "enquiry", recordID: enquiry.id?.uuidString, subject: enquiry.email)
        return try await render(request, enquiry: enquiry, note: nil, error: nil)
    }

    struct HandleBody: Content {
        var note: String?
    }

    func handle(_ request: Request) async throws -> Response {
        let staff = try await request.authorize(.handleEnquiries)
        let enquiry = try await find(request)
        let body = try FormInput.decode(HandleBody.self, from: request)
        let note = TextRules.clean(body.note)
        if let note, note.count > 2_000 {
            return try await render(request, enquiry: enquiry, note: note, error: "The note must be 2,000 characters or fewer.",
                                    status: .unprocessableEntity)
        }
        guard let id = enquiry.id,
              try await EnquiryQueries.markHandled(id, by: staff.id, note: try request.services.keyRing.sealOptional(note, Enquiry.noteContext(id)),
                                                   at: request.now, on: request.db) else {
            // Someone else handled it first; their note stands and the page shows it.
            return request.redirect(to: "/staff/enquiries/\(enquiry.id?.uuidString ?? "")")
        }
        try await request.audit(.update, recordType: "enquiry", recordID: id.uuidString, subject: enquiry.email,
                                detail: "marked handled")
        return request.redirect(to: "/staff/enquiries?status=open&handled=1")
    }

    private func render(_ request: Request, enquiry: Enquiry, note: String?, error: String?,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let chrome = try await request.chrome()
        let zone = chrome.clinic.timeZone
        let id = enquiry.id?.uuidString ?? ""
        let ring = request.services.keyRing
        let message = try enquiry.id.map { try ring.open(enquiry.message, Enquiry.messageContext($0)) } ?? ""
        let handlingNote = try enquiry.id.flatMap { try ring.openOptional(enquiry.handlingNote, Enquiry.noteContext($0)) }
        var errors = FieldErrors()
        if let error { errors.add("note", error) }
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("small"), .a(.href("/staff/enquiries"), .text("All enquiries"))),
            .h1(.text("Enquiry from \(enquiry.name)")),
            .dl(
                .class("details"),
                .dt(.text("Received")), .dd(.text(DateDisplay.dateTime(enquiry.createdAt, timeZone: zone))),
                .dt(.text("Email")), .dd(.a(.href(attributeSafe("mailto:\(enquiry.email)")), .text(enquiry.email))),
                .dt(.text("Phone")), .dd(.text(enquiry.phone ?? "Not given")),
                .dt(.text("Prefers")), .dd(.text(ContactPreference(rawValue: enquiry.preferredContact)?.label ?? enquiry.preferredContact)),
                .dt(.text("Sent through")), .dd(.text(enquiry.source == "api" ? "The API" : "The contact form")),
                .dt(.text("Status")), .dd(.span(.class("status \(enquiry.status.rawValue)"), .text(enquiry.statusLabel)))
            ),
            .h2(.text("Message")),
            .div(.class("message-body"), .text(message)),
            .if(enquiry.status == Enquiry.Status.handled, .group(
                .h2(.text("Handled")),
                .p(.text("By \(enquiry.handledBy?.name ?? "a former staff member") on \(enquiry.handledAt.map { DateDisplay.dateTime($0, timeZone: zone) } ?? "")")),
                .unwrap(handlingNote) { .div(.class("message-body"), .text($0)) }
            )),
            .if(enquiry.status == Enquiry.Status.open, .group(
                .h2(.text("Mark as handled")),
                FormViews.errorSummary(errors),
                .form(
                    .class("form"),
                    .method(.post),
                    .novalidate(),
                    .action("/staff/enquiries/\(id)/handle"),
                    FormViews.csrf(request.csrfToken),
                    FormViews.textArea(name: "note", label: "Note for the team", value: note, error: errors["note"], maxLength: 2_000,
                                       rows: 4, hint: "What was done, for example: called back, booked a consultation.", required: false),
                    .button(.class("button"), .type(.submit), .text("Mark handled"))
                )
            ))
        )
        return .html(PageLayout.render(title: "Enquiry from \(enquiry.name)", chrome: chrome, content: content), status: status)
    }
}

enum EnquiryQueries {
    /// What the inbox lists of an enquiry: not the sealed message, which only the enquiry's own
    /// page opens.
    struct Summary: Sendable {
        let id: UUID
        let name: String
        let preferredContact: String
        let status: String
        let createdAt: Date

        var statusLabel: String { Enquiry.Status(rawValue: status)?.label ?? status }
    }

    /// The inbox, newest first, optionally one status only. Plain SQL: this list is read on every
    /// visit to the inbox, and decoding Fluent models (reflection) cost more than the query.
    static func inbox(status: Enquiry.Status?, page: Int, size: Int, on database: any SQLDatabase) async throws -> PageOfRows<Summary> {
        let number = max(1, min(100_000, page))
        let filter: SQLQueryString = status.map { "WHERE status = \(bind: $0.rawValue)" } ?? ""
        let rows = try await database.raw("""
            SELECT id, name, preferred_contact, status, created_at FROM enquiries \(filter)
            ORDER BY created_at DESC, id LIMIT \(bind: size + 1) OFFSET \(bind: (number - 1) * size)
            """).all()
        let summaries = try rows.map { row in
            Summary(id: try row.decode(column: "id", as: UUID.self),
                    name: try row.decode(column: "name", as: String.self),
                    preferredContact: try row.decode(column: "preferred_contact", as: String.self),
                    status: try row.decode(column: "status", as: String.self),
                    createdAt: try row.decode(column: "created_at", as: Date.self))
        }
        return PageOfRows(rows: Array(summaries.prefix(size)), number: number, hasMore: summaries.count > size)
    }

    /// Marks an open enquiry handled. Returns false when it was no longer open: two people pressing
    /// the button at once must not overwrite each other's note.
    static func markHandled(_ id: UUID, by staffID: UUID, note: String?, at now: Date, on database: any Database) async throws -> Bool {
        try await Enquiry.query(on: database)
            .filter(\.$id == id)
            .filter(\.$status == Enquiry.Status.open)
            .set(\.$status, to: Enquiry.Status.handled)
            .set(\.$handledBy.$id, to: staffID)
            .set(\.$handledAt, to: now)
            .set(\.$handlingNote, to: note)
            .update()
        let stored = try await Enquiry.find(id, on: database)
        return stored?.$handledBy.id == staffID
    }
}
