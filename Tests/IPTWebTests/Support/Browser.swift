import Foundation
@testable import IPTWeb
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting

/// Drives the app like a browser: keeps cookies, remembers the last form's CSRF token.
final class Browser: Sendable {
    let app: Application
    private let state = NIOLockedValueBox<(cookies: [String: String], csrf: String?)>(([:], nil))

    init(app: Application) { self.app = app }

    var cookies: [String: String] { state.withLockedValue { $0.cookies } }
    var csrfToken: String? { state.withLockedValue { $0.csrf } }

    func setCookie(_ name: String, _ value: String) {
        state.withLockedValue { $0.cookies[name] = value }
    }

    @discardableResult
    func get(_ path: String, headers extra: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        try await send(.GET, path, headers: extra, body: nil)
    }

    /// Posts a form; the CSRF token of the last page seen is added unless the fields carry one.
    @discardableResult
    func post(_ path: String, form fields: [String: String], includeCSRF: Bool = true,
              headers extra: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var fields = fields
        if includeCSRF, fields["_csrf"] == nil, let token = csrfToken { fields["_csrf"] = token }
        var headers = extra
        headers.contentType = .urlEncodedForm
        return try await send(.POST, path, headers: headers, body: ByteBuffer(string: Self.encode(fields)))
    }

    @discardableResult
    func postJSON(_ path: String, json: String, contentType: HTTPMediaType = .json) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.contentType = contentType
        return try await send(.POST, path, headers: headers, body: ByteBuffer(string: json))
    }

    func send(_ method: HTTPMethod, _ path: String, headers extra: HTTPHeaders, body: ByteBuffer?) async throws -> TestingHTTPResponse {
        var headers = extra
        let jar = cookies
        if !jar.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        var captured: TestingHTTPResponse?
        try await app.testing().test(method, path, headers: headers, body: body) { response in
            captured = response
        }
        let response = try #require(captured)
        absorb(response)
        return response
    }

    private func absorb(_ response: TestingHTTPResponse) {
        state.withLockedValue { state in
            for (name, cookie) in response.headers.setCookie?.all ?? [:] {
                if cookie.string.isEmpty || (cookie.maxAge ?? 1) <= 0 {
                    state.cookies[name] = nil
                } else {
                    state.cookies[name] = cookie.string
                }
            }
            if let token = Self.csrfField(in: response.body.string) {
                state.csrf = token
            }
        }
    }

    func signIn(email: String, password: String) async throws {
        try await get("/staff/sign-in")
        let response = try await post("/staff/sign-in", form: ["email": email, "password": password])
        #expect(response.status == .seeOther, "sign-in should redirect")
    }

    static func csrfField(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        let match = String(html[range])
        return match.components(separatedBy: "value=\"").last.map { String($0.dropLast()) }
    }

    static func encode(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return fields.sorted { $0.key < $1.key }.map { key, value in
            let encodedValue = value.addingPercentEncoding(withAllowedCharacters: allowed)!
            return "\(key)=\(encodedValue)"
        }.joined(separator: "&")
    }
}

extension TestingHTTPResponse {
    var location: String? { headers.first(name: .location) }
}
