import Vapor

/// Headers on every response: no inline script anywhere, no framing, no MIME sniffing, and staff
/// pages never stored by a browser or proxy cache.
struct SecurityHeadersMiddleware: Middleware {
    let secure: Bool

    static let contentSecurityPolicy = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ].joined(separator: "; ")

    // Errors become pages further out, in ErrorPageMiddleware, which applies these headers itself.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            Self.apply(to: response, path: request.path, secure: secure)
            return response
        }
    }

    private static let everyResponse = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]

    /// What every response carries whatever its path: `everyResponse`, and HSTS when served
    /// over https.
    static func fixedHeaders(secure: Bool) -> [(String, String)] {
        secure ? everySecureResponse : everyResponse
    }

    private static let everySecureResponse = everyResponse + [("Strict-Transport-Security", "max-age=31536000; includeSubDomains")]

    static func apply(to response: Response, path: String, secure: Bool) {
        // Handlers never set these, so adding is enough; error pages replace a response's headers
        // wholesale before they get here.
        response.headers.add(contentsOf: fixedHeaders(secure: secure))
        // Staff pages and every page reached by a client's private link hold personal details: no
        // browser or proxy may keep a copy.
        if isPrivate(path: path) || response.headers[.setCookie].contains(where: { $0.contains("ipt_session") }) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
    }

    static func isPrivate(path: String) -> Bool {
        privatePrefixes.contains(where: { path.hasPrefix($0) })
    }

    static let privatePrefixes = ["/staff", "/portal", "/appointments/", "/book/confirm/", "/questionnaire/", "/intake/", "/self-assessment/",
                                  "/calendar-feed/", "/api/v1/staff/"]
}

/// Refuses a body over the limit before anything reads it: by its declared length, or by its
/// size when it arrived already collected. Streamed bodies without a length are capped again
/// where they are collected (at the larger limit, `routes.defaultMaxBodySize`).
///
/// Staff pages have the larger limit: a session note's six fields of 8,000 characters each, or a
/// newsletter of 50,000, sent in a script whose letters take three bytes (nine once the form
/// encodes them), come to about 450 KB, and a smaller limit threw away a note that passed every
/// check of its own with a bare 413. Public forms are far smaller and keep a tighter limit.
struct BodyLimitMiddleware: Middleware {
    static let publicBytes = 256 * 1024
    static let staffBytes = 1024 * 1024

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let maxBytes = request.url.path.hasPrefix("/staff/") ? Self.staffBytes : Self.publicBytes
        if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > maxBytes {
            return request.eventLoop.makeFailedFuture(Abort(.payloadTooLarge))
        }
        if let collected = request.body.data, collected.readableBytes > maxBytes {
            return request.eventLoop.makeFailedFuture(Abort(.payloadTooLarge))
        }
        return next.respond(to: request)
    }
}

/// Serves Public/ only for the folders that hold static files, so page requests do not each pay
/// for a file-system lookup.
struct StaticFilesMiddleware: Middleware {
    static let prefixes = ["/css/", "/js/", "/images/", "/favicon.ico", "/robots.txt"]
    let files: FileMiddleware

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let path = request.path
        guard Self.prefixes.contains(where: { path.hasPrefix($0) }) else { return next.respond(to: request) }
        guard request.method == .GET || request.method == .HEAD else {
            return request.eventLoop.makeFailedFuture(Abort(.methodNotAllowed, headers: ["Allow": "GET, HEAD"]))
        }
        // A name the file system refuses (too long, say) is simply not one of our files.
        return files.respond(to: request, chainingTo: next).flatMapErrorThrowing { error in
            if let abort = error as? any AbortError, abort.status.code < 500 { throw error }
            throw Abort(.notFound)
        }
    }
}
