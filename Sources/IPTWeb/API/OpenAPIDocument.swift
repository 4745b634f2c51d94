import Foundation
import IPTCore

/// The OpenAPI 3.1 description of /api/v1 and the health checks. A test compares its paths with the
/// registered routes, so a route cannot be added or removed without updating this document.
///
/// It names the clinic's live choices (the appointment types bookable online and the clinicians who
/// take new clients) as enums, so a client generated from it, or a fuzzer, knows what exists.
enum OpenAPIDocument {
    struct Choices: Equatable {
        var onlineTypes: [String]
        var clinicians: [String]
        /// The staff session cookie's name in this deployment (__Host- prefixed over HTTPS).
        var sessionCookie: String
    }

    static func json(_ choices: Choices) -> String {
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
        let requiredPhone = "^(?=(?:[^0-9]*[0-9]){7,20}[^0-9]*$)[\(space)]*[0-9+\\-(). eExXtT]*[\(space)]*$"
        // Optional fields: empty (or only white space) counts as not given.
        let optionalText = "^(?:[\(space)]*|\(text.dropFirst().dropLast()))$"
        let optionalEmail = "^(?:[\(space)]*|\(email.dropFirst().dropLast()))$"
        func json(_ description: String, _ schema: [String: Any]) -> [String: Any] {
            ["description": description, "content": ["application/json": ["schema": schema]]]
        }
        func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
        let tokenBody: [String: Any] = ["required": true, "content": ["application/json": ["schema": ref("Token")]]]
        let bodyErrors: [String: Any] = ["400": errorResponse, "413": errorResponse, "415": errorResponse]
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "IPT clinic public API",
                "version": "1.0.0",
                "description": "Public actions of the clinic's website (sending an enquiry, signing up for the newsletter, booking) and the staff calendar.",
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
                "/api/v1/appointment-types": ["get": [
                    "summary": "The kinds of appointment the clinic offers, with fees by tier",
                    "operationId": "appointmentTypes",
                    "responses": ["200": json("Appointment types", ["type": "array", "items": ref("AppointmentType")])],
                ]],
                "/api/v1/slots": ["get": [
                    "summary": "Free start times for an appointment type, in the clinic's rules",
                    "operationId": "findSlots",
                    "parameters": [
                        ["name": "type", "in": "query", "required": true,
                         "schema": oneOf(choices.onlineTypes, description: "An appointment type that can be booked online")],
                        ["name": "with", "in": "query", "required": true,
                         "schema": oneOf(["reduced", "registered"] + choices.clinicians,
                                         description: "reduced (practicum students), registered (registered therapists) or a team member's slug")],
                        ["name": "from", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                        ["name": "days", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 28]],
                    ],
                    "responses": ["200": json("Free times", ref("Slots")), "400": errorResponse, "404": errorResponse],
                ]],
                "/api/v1/bookings": ["post": [
                    "summary": "Ask for a time: it is held and a confirmation link is emailed (or the clinic approves it)",
                    "operationId": "requestBooking",
                    "requestBody": ["required": true, "content": ["application/json": ["schema": ref("BookingRequest")]]],
                    "responses": merged(commonErrors, [
                        "202": json("Held or requested", ref("BookingAccepted")),
                        "404": errorResponse,
                        "409": json("The time is not free; the nearest free times", ref("Conflict")),
                    ]),
                ]],
                "/api/v1/bookings/confirm": ["post": [
                    "summary": "Confirm a held time (or accept a waitlist offer) with the emailed token",
                    "operationId": "confirmBooking",
                    "requestBody": tokenBody,
                    "responses": merged(bodyErrors, ["200": json("Confirmed", ref("AppointmentResult")), "404": errorResponse, "410": errorResponse]),
                ]],
                "/api/v1/bookings/cancel": ["post": [
                    "summary": "Cancel with the token of the confirmation email; late inside the notice window",
                    "operationId": "cancelBooking",
                    "requestBody": tokenBody,
                    "responses": merged(bodyErrors, ["200": json("Cancelled", ref("AppointmentResult")), "404": errorResponse,
                                                     "409": errorResponse, "410": errorResponse, "429": errorResponse]),
                ]],
                "/api/v1/staff/appointments": ["get": [
                    "summary": "Appointments the signed-in staff member may see: from `from` (default today, or 6 days before `to`) through `to` (default 6 days after `from`), at most 31 days; none when `to` is before `from`",
                    "operationId": "staffAppointments",
                    "security": [["staffSession": []]],
                    "parameters": [
                        ["name": "from", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                        ["name": "to", "in": "query", "required": false, "schema": ["type": "string", "format": "date"]],
                    ],
                    "responses": ["200": json("Appointments", ["type": "array", "items": ref("StaffAppointment")]),
                                  "400": errorResponse, "401": errorResponse, "403": errorResponse],
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
            "components": [
              "securitySchemes": ["staffSession": ["type": "apiKey", "in": "cookie", "name": choices.sessionCookie,
                                                   "description": "The staff sign-in session"]],
              "schemas": [
                "AppointmentType": [
                    "type": "object",
                    "required": ["code", "name", "durationMinutes", "bookableOnline", "feesCents", "currency"],
                    "properties": [
                        "code": ["type": "string"], "name": ["type": "string"], "durationMinutes": ["type": "integer"],
                        "bookableOnline": ["type": "boolean"], "currency": ["type": "string"],
                        "feesCents": ["type": "object", "additionalProperties": ["type": "integer"]],
                    ],
                ],
                "Slot": [
                    "type": "object",
                    "required": ["clinician", "clinicianName", "start", "end"],
                    "properties": [
                        "clinician": ["type": "string"], "clinicianName": ["type": "string"],
                        "start": ["type": "string", "format": "date-time"], "end": ["type": "string", "format": "date-time"],
                    ],
                ],
                "Slots": [
                    "type": "object",
                    "required": ["timeZone", "slots"],
                    "properties": ["timeZone": ["type": "string"], "slots": ["type": "array", "items": ref("Slot")]],
                ],
                "BookingRequest": [
                    "type": "object",
                    "required": ["type", "clinician", "start", "name", "email", "phone", "dateOfBirth", "consent"],
                    "properties": [
                        "type": oneOf(choices.onlineTypes, description: "An appointment type that can be booked online"),
                        "clinician": oneOf(choices.clinicians, description: "The slug of a team member who takes new clients"),
                        "start": ["type": "string", "format": "date-time", "description": "One of the free times GET /api/v1/slots lists"],
                        "name": ["type": "string", "maxLength": 120, "pattern": text],
                        "email": ["type": "string", "maxLength": 254, "pattern": email],
                        "phone": ["type": "string", "maxLength": 40, "pattern": requiredPhone],
                        "dateOfBirth": ["type": "string", "format": "date",
                                        "description": "Clients are 12 or older; under 18 they join IPT-A and a parent's or guardian's name and an email or phone are required (422 otherwise)"],
                        "guardianName": ["type": ["string", "null"], "maxLength": 120, "pattern": optionalText],
                        "guardianEmail": ["type": ["string", "null"], "maxLength": 254, "pattern": optionalEmail],
                        "guardianPhone": ["type": ["string", "null"], "maxLength": 40, "pattern": phone],
                        "consent": ["type": "boolean", "const": true, "description": "Agreement to the privacy notice"],
                    ],
                ],
                "BookingAccepted": [
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": ["status": ["type": "string", "enum": ["received"]], "message": ["type": "string"]],
                ],
                "Conflict": [
                    "type": "object",
                    "required": ["error", "alternatives"],
                    "properties": ["error": ["type": "string"], "alternatives": ["type": "array", "items": ref("Slot")]],
                ],
                "Token": [
                    "type": "object",
                    "required": ["token"],
                    "properties": ["token": ["type": "string", "minLength": 1, "maxLength": 100]],
                ],
                "AppointmentResult": [
                    "type": "object",
                    "required": ["status", "start", "end", "clinicianName"],
                    "properties": [
                        "status": ["type": "string"], "start": ["type": "string", "format": "date-time"],
                        "end": ["type": "string", "format": "date-time"], "clinicianName": ["type": "string"],
                        "lateFeeCents": ["type": "integer"],
                    ],
                ],
                "StaffAppointment": [
                    "type": "object",
                    "required": ["id", "clinician", "clinicianName", "status", "start", "end"],
                    "properties": [
                        "id": ["type": "string", "format": "uuid"], "clinician": ["type": "string"], "clinicianName": ["type": "string"],
                        "client": ["type": "string"], "type": ["type": "string"], "status": ["type": "string"],
                        "start": ["type": "string", "format": "date-time"], "end": ["type": "string", "format": "date-time"],
                    ],
                ],
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
                        "consent": ["type": "boolean", "const": true, "description": "true when the person ticked an unticked box next to the clinic's consent wording, which is stored with the sign-up as what they agreed to: \(NewsletterConsent.current.wording) (version \(NewsletterConsent.current.version))"],
                    ],
                ],
            ]],
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    /// A string schema limited to `values`, or any string when there are none yet.
    static func oneOf(_ values: [String], description: String) -> [String: Any] {
        values.isEmpty ? ["type": "string", "description": description] : ["type": "string", "enum": values, "description": description]
    }
}
