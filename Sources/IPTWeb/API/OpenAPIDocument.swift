import Foundation
import IPTCore
import OpenAPIKit

/// The OpenAPI 3.1 description of /api/v1 and the health checks. A test compares its paths with the
/// registered routes, so a route cannot be added or removed without updating this document.
///
/// It names the clinic's live choices (the appointment types bookable online and the clinicians who
/// take new clients) as enums, so a client generated from it, or a fuzzer, knows what exists.
///
/// Built from OpenAPIKit's typed values, in pieces: the paths (OpenAPIDocument+Paths.swift) and the
/// schemas (OpenAPIDocument+Schemas.swift). Every length limit and pattern is read from the rule it
/// describes (TextRules, EnquirySubmission, BookingDetails, BookingAPIController.Limits), so the
/// document cannot drift from what the app accepts.
enum OpenAPIDocument {
    struct Choices: Equatable {
        var onlineTypes: [String]
        var clinicians: [String]
        /// The staff session cookie's name in this deployment (__Host- prefixed over HTTPS).
        var sessionCookie: String
    }

    /// The document as JSON, keys sorted so that the same clinic always serves the same bytes.
    static func json(_ choices: Choices) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Only strings, numbers and booleans under typed values: encoding cannot fail.
        let data = try! encoder.encode(document(choices))
        return String(decoding: data, as: UTF8.self)
    }

    static func document(_ choices: Choices) -> OpenAPI.Document {
        var paths = healthPaths
        for group in [formPaths, catalogPaths(choices), bookingPaths, staffPaths, billingPaths] {
            paths.merge(group) { first, _ in first }
        }
        return OpenAPI.Document(openAPIVersion: .v3_1_0, info: info, servers: [], paths: paths,
                                components: components(choices))
    }

    static var info: OpenAPI.Document.Info {
        OpenAPI.Document.Info(
            title: "IPT clinic public API",
            description: "Public actions of the clinic's website (sending an enquiry, signing up for the newsletter, booking), the staff calendar, and a client's invoices and payments for the front desk.",
            version: "1.0.0"
        )
    }

    static func components(_ choices: Choices) -> OpenAPI.Components {
        // The cookie's name depends on the deployment (HTTPS or not), so a client or fuzzer given
        // a session knows where to send it.
        let session = OpenAPI.SecurityScheme.apiKey(name: choices.sessionCookie, location: .cookie,
                                                    description: "The staff sign-in session")
        var all = schemas(choices)
        for (name, schema) in billingSchemas { all[name] = schema }
        return OpenAPI.Components(schemas: all, securitySchemes: [staffSessionScheme: .securityScheme(session)])
    }

    static let staffSessionScheme: OpenAPI.ComponentKey = "staffSession"

    /// The requirement of the staff endpoints: the signed-in session cookie.
    static var staffSession: OpenAPI.SecurityRequirement {
        [.component(named: staffSessionScheme.rawValue): []]
    }
}
