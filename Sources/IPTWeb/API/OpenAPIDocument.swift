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
                        "name": ["type": "string", "maxLength": 120],
                        "email": ["type": "string", "format": "email", "maxLength": 254],
                        "phone": ["type": "string", "maxLength": 40],
                        "preferredContact": ["type": "string", "enum": ["email", "phone", "either"]],
                        "message": ["type": "string", "maxLength": 5000],
                        "consent": ["type": "boolean", "description": "Agreement to the privacy notice; must be true"],
                    ],
                ],
                "Subscription": [
                    "type": "object",
                    "required": ["email", "consent"],
                    "properties": [
                        "email": ["type": "string", "format": "email", "maxLength": 254],
                        "consent": ["type": "boolean", "description": "Express consent to receive the newsletter; must be true"],
                    ],
                ],
            ]],
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }()
}
