import Vapor

extension Request {
    private struct PathKey: StorageKey { typealias Value = String }

    private struct SentCookiesKey: StorageKey { typealias Value = [String: String] }

    /// The cookies the browser sent, by name, parsed once. `request.cookies` runs the Cookie
    /// header through Vapor's general header-directive parser on every access, and the session and
    /// CSRF checks both read it: 5% of a staff page's time, for two short values.
    var sentCookies: [String: String] {
        if let known = storage[SentCookiesKey.self] { return known }
        let cookies = CookieHeader.parse(headers[.cookie])
        storage[SentCookiesKey.self] = cookies
        return cookies
    }

    /// The request's path, worked out once. `url.path` re-derives it through URLComponents and a
    /// string replacement on every access, and the middleware chain asks for it several times.
    var path: String {
        if let known = storage[PathKey.self] { return known }
        let path = url.path
        storage[PathKey.self] = path
        return path
    }
}
