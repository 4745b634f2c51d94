import Vapor

/// Headers on every response: no inline script anywhere, no framing, no MIME sniffing, and staff
/// pages never stored by a browser or proxy cache.
struct SecurityHeadersMiddleware: AsyncMiddleware {
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

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            // Errors become pages further out; the headers still have to be on them.
            throw error
        }
        Self.apply(to: response, path: request.url.path, secure: secure)
        return response
    }

    static func apply(to response: Response, path: String, secure: Bool) {
        let headers = [
            ("Content-Security-Policy", contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        if secure {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        if path.hasPrefix("/staff") || response.headers[.setCookie].contains(where: { $0.contains("ipt_session") }) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
    }
}

/// Refuses a body over the limit before anything reads it: by its declared length, or by its
/// size when it arrived already collected. Streamed bodies without a length are capped again
/// where they are collected.
struct BodyLimitMiddleware: AsyncMiddleware {
    let maxBytes: Int

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > maxBytes {
            throw Abort(.payloadTooLarge)
        }
        if let collected = request.body.data, collected.readableBytes > maxBytes {
            throw Abort(.payloadTooLarge)
        }
        return try await next.respond(to: request)
    }
}
