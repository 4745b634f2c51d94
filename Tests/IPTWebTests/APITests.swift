import Fluent
import Foundation
@testable import IPTWeb
import OpenAPIKit
import Testing
import Vapor
import VaporTesting

@Suite struct APITests {
    @Test func an_enquiry_by_json_is_stored_and_answered_201() async throws {
        try await withClinic { clinic in
            let response = try await Browser(app: clinic.app).postJSON("/api/v1/enquiries", json: """
            {"name":"Li Wei","email":"li@example.org","preferredContact":"either","message":"Do you see couples?","consent":true}
            """)
            #expect(response.status == .created)
            #expect(try await Enquiry.query(on: clinic.db).first()?.source == "api")
        }
    }

    @Test func an_invalid_json_enquiry_names_each_field_at_fault() async throws {
        try await withClinic { clinic in
            let response = try await Browser(app: clinic.app).postJSON("/api/v1/enquiries", json: #"{"email":"x"}"#)
            #expect(response.status == .unprocessableEntity)
            let body = try JSONDecoder().decode(APIController.ValidationFailure.self, from: Data(response.body.readableBytesView))
            #expect(Set(body.fields.keys) == ["name", "email", "preferredContact", "message", "consent"])
        }
    }

    @Test func the_api_refuses_non_json_with_415_and_broken_json_with_400() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            #expect(try await browser.postJSON("/api/v1/enquiries", json: "name=x", contentType: .urlEncodedForm).status == .unsupportedMediaType)
            let broken = try await browser.postJSON("/api/v1/newsletter/subscriptions", json: "{not json")
            #expect(broken.status == .badRequest)
            #expect(broken.headers.contentType == .json)
            let wrongType = try await browser.postJSON("/api/v1/newsletter/subscriptions", json: #"{"email":"a@b.ca","consent":"yes"}"#)
            #expect(wrongType.status == .badRequest)
        }
    }

    @Test func a_newsletter_sign_up_by_json_is_accepted_and_sends_a_confirmation() async throws {
        try await withClinic { clinic in
            let response = try await Browser(app: clinic.app).postJSON("/api/v1/newsletter/subscriptions", json: #"{"email":"a@b.ca","consent":true}"#)
            #expect(response.status == .accepted)
            try await clinic.deliverMail()
            #expect(clinic.mail.sent.first?.textBody.contains("/newsletter/confirm/") == true)
        }
    }

    @Test func the_openapi_document_describes_exactly_the_api_routes() async throws {
        try await withClinic { clinic in
            let response = try await Browser(app: clinic.app).get("/api/v1/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let registered = Set(clinic.app.routes.all.compactMap { route -> String? in
                // A route's `:id` is OpenAPI's `{id}`.
                let path = "/" + route.path.map { component in
                    if case .parameter(let name) = component { "{\(name)}" } else { component.description }
                }.joined(separator: "/")
                guard path.hasPrefix("/api/") || path == "/healthz" || path == "/readyz" else { return nil }
                return "\(route.method.rawValue) \(path)"
            })
            #expect(documented == registered)
        }
    }

    /// OpenAPIKit's own checks: references resolve, operation ids are unique, every operation answers.
    @Test(arguments: [
        OpenAPIDocument.Choices(onlineTypes: [], clinicians: [], sessionCookie: "ipt_session"),
        OpenAPIDocument.Choices(onlineTypes: ["consultation", "intake"], clinicians: ["ana-lima"], sessionCookie: "__Host-ipt_session"),
    ])
    func the_openapi_document_passes_openapikits_validation(choices: OpenAPIDocument.Choices) throws {
        try OpenAPIDocument.document(choices).validate()
    }
}

@Suite struct MethodTests {
    @Test func a_known_address_asked_with_the_wrong_method_gets_405_with_allow() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let trace = try await browser.send(.TRACE, "/healthz", headers: [:], body: nil)
            #expect(trace.status == .methodNotAllowed)
            #expect(trace.headers.first(name: "Allow") == "GET, HEAD")
            let post = try await browser.send(.POST, "/healthz", headers: [:], body: nil)
            #expect(post.status == .methodNotAllowed, "not a misleading CSRF 403")
            let put = try await browser.postJSON("/api/v1/enquiries", json: "{}")
            #expect(put.status != .methodNotAllowed)
            let get = try await browser.get("/api/v1/enquiries")
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers.first(name: "Allow") == "POST")
            #expect(get.headers.contentType == .json)
        }
    }

    @Test func an_unknown_address_gets_404_whatever_the_method() async throws {
        try await withClinic { clinic in
            let browser = Browser(app: clinic.app)
            let post = try await browser.send(.POST, "/no/such/page", headers: [:], body: nil)
            #expect(post.status == .notFound)
            let delete = try await browser.send(.DELETE, "/staff/enquiries/\(UUID())/nothing", headers: [:], body: nil)
            #expect(delete.status == .notFound)
            #expect(try await browser.get("/staff/enquiries/\(UUID())").status == .seeOther, "a pattern route still reaches its guard")
        }
    }
}
