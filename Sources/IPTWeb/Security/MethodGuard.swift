import NIOConcurrencyHelpers
import Vapor

/// Answers before any other check when no route can take the request: 404 for an unknown path,
/// 405 with an Allow header for a known path asked with the wrong method. Without it a POST to a
/// page would meet the CSRF check first and get a misleading 403, and a TRACE to the API a 404.
struct MethodGuard: Middleware {
    /// A route's path: a constant segment, or nil where any one segment matches (":id").
    private let patterns: [(segments: [String?], methods: Set<String>)]
    private let staticPrefixes: [String]

    /// Built from the registered routes after they are all in place. A few dozen routes: a linear
    /// scan is cheaper than anything cleverer.
    init(routes: [Route], staticPrefixes: [String]) {
        var byPath: [[String?]: Set<String>] = [:]
        for route in routes {
            let segments: [String?] = route.path.map { component in
                if case .constant(let value) = component { return value }
                return nil
            }
            byPath[segments, default: []].insert(route.method.rawValue)
            if route.method == .GET { byPath[segments, default: []].insert(HTTPMethod.HEAD.rawValue) }
        }
        patterns = byPath.map { ($0.key, $0.value) }
        exactPaths = Dictionary(uniqueKeysWithValues: byPath.compactMap { segments, methods in
            segments.contains(where: { $0 == nil }) ? nil : ("/" + segments.compactMap { $0 }.joined(separator: "/"), methods)
        })
        self.staticPrefixes = staticPrefixes
    }

    /// Paths without parameters, found with one lookup: most requests are for these.
    private let exactPaths: [String: Set<String>]

    /// Parameter paths seen lately ("/team/daniel-reyes"), so a popular profile costs one lookup.
    /// Bounded: a stream of made-up paths only ever empties it.
    private let recent = NIOLockedValueBox<[String: Set<String>]>([:])
    private let recentCapacity = 1_024

    func allowedMethods(for path: String) -> Set<String>? {
        if let methods = exactPaths[path] { return methods }
        if let methods = recent.withLockedValue({ $0[path] }) { return methods }
        guard let methods = matchPatterns(path) else { return nil }
        recent.withLockedValue { recent in
            if recent.count >= recentCapacity { recent.removeAll() }
            recent[path] = methods
        }
        return methods
    }

    private func matchPatterns(_ path: String) -> Set<String>? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: Set<String>?
        for pattern in patterns where pattern.segments.count == parts.count {
            let matches = zip(pattern.segments, parts).allSatisfy { expected, actual in expected == nil || expected! == actual }
            if matches { allowed = (allowed ?? []).union(pattern.methods) }
        }
        return allowed
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let path = request.path
        if staticPrefixes.contains(where: { path.hasPrefix($0) }) {
            return next.respond(to: request)
        }
        guard let allowed = allowedMethods(for: path) else {
            return request.eventLoop.makeFailedFuture(Abort(.notFound))
        }
        guard allowed.contains(request.method.rawValue) else {
            let allow = allowed.sorted().joined(separator: ", ")
            return request.eventLoop.makeFailedFuture(Abort(.methodNotAllowed, headers: ["Allow": allow]))
        }
        return next.respond(to: request)
    }
}
