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
// the audit row, written before the page is built so that a clinical page cannot be served
// without one.
extension Request {
    /// A page in the clinic's frame.
    func page(_ title: String, _ content: Node<HTML.BodyContext>, status: HTTPResponseStatus = .ok) async throws -> Response {
        .html(PageLayout.render(title: title, chrome: try await chrome(), content: content), status: status)
    }

    /// A page that shows health information. The audit row is appended first; if that fails the
    /// page is not shown. `content` runs only after the row is written.
    func auditedPage(_ title: String, recordType: String, recordID: String? = nil, subject: String?, action: AuditAction = .view,
                     detail: String? = nil, status: HTTPResponseStatus = .ok,
                     content: () throws -> Node<HTML.BodyContext>) async throws -> Response {
        try await audit(action, recordType: recordType, recordID: recordID, subject: subject, detail: detail)
        return try await page(title, try content(), status: status)
    }

    /// Renders IPTPages' message page in this clinic's frame.
    func messagePage(title: String, notice: String? = nil, paragraphs: [String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = MessagePage.Model(title: title, notice: notice, paragraphs: paragraphs)
        return try await page(title, MessagePage.view(model), status: status)
    }
}
