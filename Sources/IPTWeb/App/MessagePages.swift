import IPTPages
import Plot
import Vapor

extension Request {
    /// Renders IPTPages' message page in this clinic's frame.
    func messagePage(title: String, notice: String? = nil, paragraphs: [String], status: HTTPResponseStatus = .ok) async throws -> Response {
        let model = MessagePage.Model(title: title, notice: notice, paragraphs: paragraphs)
        return .html(PageLayout.render(title: title, chrome: try await chrome(), content: MessagePage.view(model)), status: status)
    }
}
