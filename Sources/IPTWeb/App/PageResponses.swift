import IPTCore
import IPTPages
import Plot
import Vapor

/// The audit trail's words for views that are not a plain opening of a page.
enum AuditDetail {
    /// A form sent back with what is wrong shows the record again (a formulation's versions, the
    /// scores of a discharge summary), so it is a view like any other.
    static let formReturned = "form returned with errors"
}

// How a handler turns a view into a response: the frame, the status, and for health information
// the audit row, committed before the page is sent so that a clinical page cannot be served
// without one.
extension Request {
    /// A page in the clinic's frame.
    func page(_ title: String, _ content: Node<HTML.BodyContext>, status: HTTPResponseStatus = .ok) async throws -> Response {
        .html(PageLayout.render(title: title, chrome: try await chrome(), content: content), status: status)
    }

    /// A page that shows health information. The page is built while its audit row is being
    /// committed, and is sent only once the row is; if the row cannot be written, the page is
    /// dropped and the request fails. Building it first and then waiting cost every audited page
    /// the commit's durable write on top of its own work, and with all of a busy minute's requests
    /// waiting on one group commit the cores sat idle (docs/PERFORMANCE.md, "Runs of 2026-12-07,
    /// fifth session").
    func auditedPage(_ title: String, recordType: String, recordID: String? = nil, subject: String?, action: AuditAction = .view,
                     detail: String? = nil, status: HTTPResponseStatus = .ok,
                     content: () throws -> Node<HTML.BodyContext>) async throws -> Response {
        // Only the writer runs beside the page: the row is made here, on the request's task.
        let entry = auditEntry(action, recordType: recordType, recordID: recordID, subject: subject, detail: detail)
        let writer = application.auditWriter
        async let written: Void = writer.record(entry)
        let built: Result<Response, any Error>
        do { built = .success(try await page(title, try content(), status: status)) } catch { built = .failure(error) }
        // The row first: a page whose row failed is not shown, whatever building it gave.
        try await written
        return try built.get()
    }

    /// Renders IPTPages' message page in this clinic's frame.
    func messagePage(title: String, notice: String? = nil, paragraphs: [String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = MessagePage.Model(title: title, notice: notice, paragraphs: paragraphs)
        return try await page(title, MessagePage.view(model), status: status)
    }
}
