import Foundation

/// The OpenAPI 3.1 description of /api/v1 and the health checks. A test compares its paths with the
/// registered routes, so a route cannot be added or removed without updating this document.
enum OpenAPIDocument {
    static let json: String = {
        let errorResponse: [String: Any] = [
            "description": "Error",
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
        ]
        let commonErrors: [String: Any] = [
            "400": errorResponse, "413": errorResponse, "415": errorResponse, "429": errorResponse,
            "422": [
                "description": "Some fields are not valid",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/ValidationFailure"]]],
            ],
        ]
        func merged(_ base: [String: Any], _ extra: [String: Any]) -> [String: Any] {
            base.merging(extra) { _, new in new }
        }
        let statusResponse: (String) -> [String: Any] = { description in
            ["description": description, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Status"]]]]
        }
        // Patterns that say exactly what the validation in IPTCore accepts, so schema-driven clients
        // (and the fuzzer) agree with the app on every value. The app trims white space (the set
        // below, which is Foundation's whitespacesAndNewlines) before checking, and refuses control
        // characters; lengths count code points of the value as sent.
        let space = #"\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"#
        let controls = #"\u0000-\u001F\u007F"#
        let controlsButLineBreaks = #"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F"#
        let visible = "[^\(space)\(controls)]"
        let text = "^[\(space)]*\(visible)(?:[^\(controls)]*\(visible))?[\(space)]*$"
        let multilineText = "^[\(space)]*\(visible)(?:[^\(controlsButLineBreaks)]*\(visible))?[\(space)]*$"
        let emailCharacter = #"[^@<>()\[\]\\,;:"\#(space)\#(controls)"#
        let email = "^[\(space)]*\(emailCharacter)]{1,64}@\(emailCharacter).]+(?:\\.\(emailCharacter).]+)+[\(space)]*$"
        let phone = "^(?:[\(space)]*|(?=(?:[^0-9]*[0-9]){7,20}[^0-9]*$)[\(space)]*[0-9+\\-(). eExXtT]*[\(space)]*)$"
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "IPT clinic public API",
                "version": "1.0.0",
                "description": "Public actions of the clinic's website: sending an enquiry and signing up for the newsletter.",
            ],
            "paths": [
                "/healthz": ["get": [
                    "summary": "The process is up",
                    "operationId": "health",
                    "responses": ["200": statusResponse("Up")],
                ]],
                "/readyz": ["get": [
                    "summary": "The database answers",
                    "operationId": "ready",
                    "responses": ["200": statusResponse("Ready"), "503": statusResponse("The database does not answer")],
                ]],
                "/api/v1/openapi.json": ["get": [
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": ["200": ["description": "The OpenAPI document", "content": ["application/json": ["schema": ["type": "object"]]]]],
                ]],
                "/api/v1/enquiries": ["post": [
                    "summary": "Send an enquiry to the clinic",
                    "operationId": "createEnquiry",
                    "requestBody": [
                        "required": true,
                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Enquiry"]]],
                    ],
                    "responses": merged(commonErrors, ["201": statusResponse("Received")]),
                ]],
                "/api/v1/newsletter/subscriptions": ["post": [
                    "summary": "Ask for the newsletter (a confirmation link is emailed)",
                    "operationId": "subscribe",
                    "requestBody": [
                        "required": true,
                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Subscription"]]],
                    ],
                    "responses": merged(commonErrors, ["202": statusResponse("Confirmation sent if the address can receive it")]),
                ]],
            ],
            "components": ["schemas": [
                "Status": [
                    "type": "object",
                    "required": ["status"],
                    "properties": ["status": ["type": "string"], "message": ["type": "string"]],
                ],
                "Error": [
                    "type": "object",
                    "required": ["error", "requestID"],
                    "properties": ["error": ["type": "string"], "requestID": ["type": "string"]],
                ],
                "ValidationFailure": [
                    "type": "object",
                    "required": ["error", "fields"],
                    "properties": [
                        "error": ["type": "string"],
                        "fields": ["type": "object", "additionalProperties": ["type": "string"]],
                    ],
                ],
                "Enquiry": [
                    "type": "object",
                    "required": ["name", "email", "preferredContact", "message", "consent"],
                    "properties": [
                        "name": ["type": "string", "maxLength": 120, "pattern": text],
                        "email": ["type": "string", "maxLength": 254, "pattern": email],
                        "phone": ["type": ["string", "null"], "maxLength": 40, "pattern": phone,
                                  "description": "7 to 20 digits; may be empty unless preferredContact is phone"],
                        "preferredContact": ["type": "string", "enum": ["email", "phone", "either"]],
                        "message": ["type": "string", "maxLength": 5000, "pattern": multilineText],
                        "consent": ["type": "boolean", "const": true, "description": "Agreement to the privacy notice"],
                    ],
                    "if": ["properties": ["preferredContact": ["const": "phone"]], "required": ["preferredContact"]],
                    "then": ["required": ["phone"], "properties": ["phone": ["type": "string", "pattern": "[0-9]"]]],
                ],
                "Subscription": [
                    "type": "object",
                    "required": ["email", "consent"],
                    "properties": [
                        "email": ["type": "string", "maxLength": 254, "pattern": email],
                        "consent": ["type": "boolean", "const": true, "description": "Express consent to receive the newsletter"],
                    ],
                ],
            ]],
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }()
}
