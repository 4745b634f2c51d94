import Foundation
import IPTPages
import Metrics
import Plot
import Vapor

/// Turns every error into a page (or JSON under /api) with a status the visitor can act on.
/// Errors a visitor cannot cause get a generic page with the request id; the log gets the error's
/// type and the route, never a request body, a form value or anything else that may hold health
/// information.
struct ErrorPageMiddleware: Middleware {
    let secure: Bool

    // Future-based on purpose: an AsyncMiddleware costs a task hop on every request, and this one
    // only has work to do when something failed.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            request.eventLoop.makeFutureWithTask {
                let response = await render(error, for: request)
                SecurityHeadersMiddleware.apply(to: response, path: request.path, secure: secure)
                return response
            }
        }
    }

    private func render(_ error: any Error, for request: Request) async -> Response {
        let status: HTTPResponseStatus
        let reason: String
        var headers = HTTPHeaders()
        if let abort = error as? any AbortError {
            status = abort.status
            reason = status.code < 500 ? Self.visitorMessage(status: status, reason: abort.reason) : Self.genericMessage
            headers = abort.headers
        } else if error is DecodingError {
            status = .badRequest
            reason = "Some of what was sent could not be read. Check the form and try again."
        } else if error is ConnectionPoolTimeoutError {
            // Every database connection stayed busy for the pool's whole wait: the clinic is
            // overloaded for a moment, not broken. Said as such, counted for /metrics, and the
            // visitor is told to try again shortly; nothing they sent was saved half way.
            status = .serviceUnavailable
            reason = "The clinic's system is very busy just now. Nothing was saved; please try again in a few seconds."
            headers.replaceOrAdd(name: .retryAfter, value: "5")
            Counter(label: "ipt_db_pool_timeouts_total").increment()
        } else {
            status = .internalServerError
            reason = Self.genericMessage
        }
        if status == .tooManyRequests, !headers.contains(name: .retryAfter) {
            headers.replaceOrAdd(name: .retryAfter, value: String(RateLimits.publicFormRetryAfter))
        }
        if status.code >= 500 {
            request.logger.error("Request failed", metadata: [
                "error-type": .string(String(reflecting: type(of: error))),
                "route": .string(request.route?.description ?? "unmatched"),
                "reference": .string(request.referenceID),
            ])
        }
        if status == .unauthorized, request.path.hasPrefix("/staff"), request.method == .GET {
            return request.redirect(to: SitePath.signIn.link)
        }
        if request.path.hasPrefix("/api/") || request.path == "/healthz" || request.path == "/readyz" {
            let body = (try? JSONEncoder().encode(APIError(error: reason, requestID: request.referenceID))) ?? Data()
            headers.contentType = .json
            return Response(status: status, headers: headers, body: .init(data: body))
        }
        let chrome = (try? await request.chrome()) ?? PageChrome(clinic: .defaults, currentPath: request.path, staff: nil)
        let title = status == .notFound ? "Page not found" : Self.title(for: status)
        let content: Node<HTML.BodyContext> = .group(
            .h1(.text(title)),
            .p(.class("lede"), .text(reason)),
            .if(status.code >= 500, .p(.class("small muted"), .text("Reference for our staff: \(request.referenceID)"))),
            .p(.a(.href("/"), .text("Go to the home page")), .text(" or "), .a(.href("/contact"), .text("contact us")), .text("."))
        )
        let html = PageLayout.render(title: title, chrome: chrome, content: content)
        headers.contentType = .html
        headers.remove(name: .contentLength)
        return Response(status: status, headers: headers, body: .init(string: html))
    }

    static let genericMessage = "Something went wrong on our side. Your information was not lost; please try again in a moment."

    static func title(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: "We could not read that request"
        case 401: "Please sign in"
        case 403: "Not allowed"
        case 404: "Page not found"
        case 405: "Not allowed here"
        case 413: "That was too large"
        case 415: "Unsupported format"
        case 429: "Too many attempts"
        case 500...: "Something went wrong"
        default: "Something is not right"
        }
    }

    static func visitorMessage(status: HTTPResponseStatus, reason: String) -> String {
        switch status {
        case .notFound: "We could not find that page. It may have moved, or the address may have a typo."
        case .payloadTooLarge: "What was sent is larger than we accept. Shorten it and try again."
        case .unsupportedMediaType: "This address does not accept data in that format."
        case .tooManyRequests: "Too many attempts from your connection. Wait a few minutes and try again."
        case .methodNotAllowed: "This address does not accept that kind of request."
        default:
            // Framework reasons name Swift types and internal details; only our own messages are shown.
            reason.hasSuffix(".") && !reason.contains("Swift") && !reason.contains("decode") ? reason : (HTTPResponseStatus(statusCode: Int(status.code)).reasonPhrase + ".")
        }
    }
}

struct APIError: Content {
    var error: String
    var requestID: String
}
