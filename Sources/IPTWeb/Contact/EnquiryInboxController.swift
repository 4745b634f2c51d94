import Foundation
import IPTCore
import IPTPages
import Vapor

/// The staff inbox of enquiries: list, open, mark handled with a note.
struct EnquiryInboxController: SiteRouteCollection {
    static let pageSize = 50

    func boot(site: SiteRoutes) throws {
        site.get(.enquiries, use: list)
        site.get(.enquiry, use: show)
        site.post(.enquiryHandle, use: handle)
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await request.authorize(.viewEnquiries)
        // The query string read in one pass (each `request.query[_, at:]` decodes all of it again),
        // and leniently: a page that is not a number is page 1, the filter still applies.
        let query = request.url.query == nil ? [:] : (try? request.query.decode([String: String].self)) ?? [:]
        let filter = query["status"].flatMap(Enquiry.Status.init(rawValue:))
        let found = try await EnquiryQueries.inbox(status: filter, page: query["page"].flatMap { Int($0) } ?? 1,
                                                   size: Self.pageSize, on: request.inlineReads)
        let zone = try await request.services.clinic.current(on: request.db).timeZone
        return try await request.auditedPage(EnquiryListPage.title, recordType: "enquiry-list", subject: nil,
                                             detail: "status=\(filter?.rawValue ?? "all") page=\(found.number) rows=\(found.rows.count)") {
            EnquiryListPage.view(EnquiryListPage.Model(
                filter: filter?.rawValue, justHandled: query["handled"] != nil,
                rows: found.rows.map { enquiry in
                    EnquiryListPage.Row(id: enquiry.id.uuidString, received: DateDisplay.dateTime(enquiry.createdAt, timeZone: zone),
                                        name: enquiry.name, prefers: Self.preference(enquiry.preferredContact),
                                        status: enquiry.status, statusLabel: enquiry.statusLabel)
                },
                page: found.number, hasMore: found.hasMore))
        }
    }

    private static func preference(_ stored: String) -> String {
        ContactPreference(rawValue: stored)?.label ?? stored
    }

    private func find(_ request: Request) async throws -> Enquiry {
        // An id that does not parse and an id that is not there get the same 404.
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let enquiry = try await EnquiryQueries.find(id, on: request.db)
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
            return request.redirect(to: SitePath.enquiry.link(enquiry.id?.uuidString ?? ""))
        }
        try await request.audit(.update, recordType: "enquiry", recordID: id.uuidString, subject: enquiry.email,
                                detail: "marked handled")
        return request.redirect(to: SitePath.enquiries.link(query: ["status": "open", "handled": "1"]))
    }

    private func render(_ request: Request, enquiry: Enquiry, note: String?, error: String?,
                        status: HTTPResponseStatus = .ok) async throws -> Response {
        let zone = try await request.services.clinic.current(on: request.db).timeZone
        let ring = request.services.keyRing
        let message = try enquiry.id.map { try ring.open(enquiry.message, Enquiry.messageContext($0)) } ?? ""
        let handlingNote = try enquiry.id.flatMap { try ring.openOptional(enquiry.handlingNote, Enquiry.noteContext($0)) }
        var errors = FieldErrors()
        if let error { errors.add("note", error) }
        let handledAt = enquiry.handledAt.map { DateDisplay.dateTime($0, timeZone: zone) } ?? ""
        let model = EnquiryPage.Model(
            id: enquiry.id?.uuidString ?? "", name: enquiry.name, received: DateDisplay.dateTime(enquiry.createdAt, timeZone: zone),
            email: enquiry.email, phone: enquiry.phone, prefers: Self.preference(enquiry.preferredContact),
            sentThrough: enquiry.source == "api" ? "The API" : "The contact form",
            status: enquiry.status.rawValue, statusLabel: enquiry.statusLabel, message: message,
            isOpen: enquiry.status == Enquiry.Status.open, isHandled: enquiry.status == Enquiry.Status.handled,
            handled: "By \(enquiry.handledBy?.name ?? "a former staff member") on \(handledAt)", handlingNote: handlingNote,
            note: note, errors: errors, csrfToken: request.csrfToken)
        return try await request.page(model.title, EnquiryPage.view(model), status: status)
    }
}
