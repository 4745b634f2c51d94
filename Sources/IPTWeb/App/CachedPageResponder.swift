import Vapor

/// Answers an anonymous GET of a page already rendered, before routing and before any
/// middleware: a cached page needs no route, no session and no CSRF token, only the security
/// headers every response carries. Everything else goes to Vapor's responder, where a miss renders
/// the page and stores it.
struct CachedPageResponder: Responder {
    let cache: PageCache
    let sessionCookieName: String
    let secure: Bool
    let next: any Responder
    /// Content type and security headers of a cached page, built once: adding them one by one to
    /// each response was a measurable share of a cached page's cost.
    private let pageHeaders: HTTPHeaders

    init(cache: PageCache, sessionCookieName: String, secure: Bool, next: any Responder) {
        self.cache = cache
        self.sessionCookieName = sessionCookieName
        self.secure = secure
        self.next = next
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.add(contentsOf: SecurityHeadersMiddleware.fixedHeaders(secure: secure))
        self.pageHeaders = headers
    }

    func respond(to request: Request) -> EventLoopFuture<Response> {
        let path = request.path
        guard request.method == .GET || request.method == .HEAD,
              // Bytes, not Foundation's `contains`, which goes through NSString on every request.
              request.headers.first(name: .cookie)?.utf8.firstRange(of: sessionCookieName.utf8) == nil,
              let body = cache.hit(PageCache.key(for: path))
        else {
            return next.respond(to: request)
        }
        guard !SecurityHeadersMiddleware.isPrivate(path: path) else {
            let response = Response.html(body)
            SecurityHeadersMiddleware.apply(to: response, path: path, secure: secure)
            return request.eventLoop.makeSucceededFuture(response)
        }
        return request.eventLoop.makeSucceededFuture(Response(status: .ok, headers: pageHeaders, body: .init(buffer: body)))
    }
}
