import IPTCore
import OpenAPIKit

/// The paths of OpenAPIDocument, one group per controller concern, and the responses they share.
extension OpenAPIDocument {
    typealias AnyResponse = Either<OpenAPI.Reference<OpenAPI.Response>, OpenAPI.Response>

    /// Health checks and this document: no input, no errors of their own.
    static var healthPaths: OpenAPI.PathItem.Map {
        [
            "/healthz": .init(get: .init(summary: "The process is up", operationId: "health", responses: [200: status("Up")])),
            "/readyz": .init(get: .init(summary: "The database answers", operationId: "ready",
                                        responses: [200: status("Ready"), 503: status("The database does not answer")])),
            "/api/v1/openapi.json": .init(get: .init(summary: "This document", operationId: "openapi",
                                                     responses: [200: json("The OpenAPI document", .object)])),
        ]
    }

    /// The public forms over JSON: checked by IPTCore, refused field by field with 422.
    static var formPaths: OpenAPI.PathItem.Map {
        [
            "/api/v1/enquiries": .init(post: .init(
                summary: "Send an enquiry to the clinic", operationId: "createEnquiry", requestBody: body("Enquiry"),
                responses: with(formErrors, [201: status("Received")])
            )),
            "/api/v1/newsletter/subscriptions": .init(post: .init(
                summary: "Ask for the newsletter (a confirmation link is emailed)", operationId: "subscribe",
                requestBody: body("Subscription"),
                responses: with(formErrors, [202: status("Confirmation sent if the address can receive it")])
            )),
        ]
    }

    /// What can be booked and when: read-only, so no body errors.
    static func catalogPaths(_ choices: Choices) -> OpenAPI.PathItem.Map {
        [
            "/api/v1/appointment-types": .init(get: .init(
                summary: "The kinds of appointment the clinic offers, with fees by tier", operationId: "appointmentTypes",
                responses: [200: json("Appointment types", .array(items: ref("AppointmentType")))]
            )),
            "/api/v1/slots": .init(get: .init(
                summary: "Free start times for an appointment type, in the clinic's rules", operationId: "findSlots",
                parameters: slotParameters(choices),
                responses: [200: json("Free times", ref("Slots")), 400: error, 404: error]
            )),
        ]
    }

    /// The query of GET /api/v1/slots; `days` is bounded as the handler bounds it.
    static func slotParameters(_ choices: Choices) -> OpenAPI.Parameter.Array {
        let days = BookingAPIController.Limits.slotSearchDays
        return [
            .parameter(.query(name: "type", required: true, schema: oneOf(choices.onlineTypes, description: bookableTypeDescription))),
            .parameter(.query(name: "with", required: true, schema: oneOf(
                ["reduced", "registered"] + choices.clinicians,
                description: "reduced (practicum students), registered (registered therapists) or a team member's slug"
            ))),
            .parameter(.query(name: "from", schema: .string(format: .date))),
            .parameter(.query(name: "days", schema: .integer(maximum: (days.upperBound, exclusive: false),
                                                             minimum: (days.lowerBound, exclusive: false)))),
        ]
    }

    /// Asking for a time, then confirming or cancelling it with the emailed token.
    static var bookingPaths: OpenAPI.PathItem.Map {
        [
            "/api/v1/bookings": .init(post: .init(
                summary: "Ask for a time: it is held and a confirmation link is emailed (or the clinic approves it)",
                operationId: "requestBooking", requestBody: body("BookingRequest"),
                responses: with(formErrors, [202: json("Held or requested", ref("BookingAccepted")), 404: error,
                                             409: json("The time is not free; the nearest free times", ref("Conflict"))])
            )),
            "/api/v1/bookings/confirm": .init(post: .init(
                summary: "Confirm a held time (or accept a waitlist offer) with the emailed token",
                operationId: "confirmBooking", requestBody: body("Token"),
                responses: with(bodyErrors, [200: json("Confirmed", ref("AppointmentResult")), 404: error, 410: error])
            )),
            "/api/v1/bookings/cancel": .init(post: .init(
                summary: "Cancel with the token of the confirmation email; late inside the notice window",
                operationId: "cancelBooking", requestBody: body("Token"),
                responses: with(bodyErrors, [200: json("Cancelled", ref("AppointmentResult")), 404: error,
                                             409: error, 410: error, 429: error])
            )),
        ]
    }

    /// The staff calendar, behind the session cookie.
    static var staffPaths: OpenAPI.PathItem.Map {
        let most = BookingAPIController.Limits.staffCalendarDays
        return [
            "/api/v1/staff/appointments": .init(get: .init(
                summary: "Appointments the signed-in staff member may see: from `from` (default today, or 6 days before `to`) through `to` (default 6 days after `from`), at most \(most) days; none when `to` is before `from`",
                operationId: "staffAppointments",
                parameters: [.parameter(.query(name: "from", schema: .string(format: .date))),
                             .parameter(.query(name: "to", schema: .string(format: .date)))],
                responses: [200: json("Appointments", .array(items: ref("StaffAppointment"))), 400: error, 401: error, 403: error],
                security: [staffSession]
            )),
        ]
    }

    // MARK: Shared pieces

    static func ref(_ schema: String) -> JSONSchema { .reference(.component(named: schema)) }

    /// A required JSON body of a schema in the components.
    static func body(_ schema: String) -> OpenAPI.Request {
        OpenAPI.Request(content: [.json: .content(.init(schema: ref(schema)))], required: true)
    }

    static func json(_ description: String, _ schema: JSONSchema) -> AnyResponse {
        .response(description: description, content: [.json: .content(.init(schema: schema))])
    }

    static func status(_ description: String) -> AnyResponse { json(description, ref("Status")) }

    static var error: AnyResponse { json("Error", ref("Error")) }

    /// What any endpoint with a JSON body may answer before reading it.
    static var bodyErrors: OpenAPI.Response.Map { [400: error, 413: error, 415: error] }

    /// A public form's body: also rate-limited and checked field by field.
    static var formErrors: OpenAPI.Response.Map {
        with(bodyErrors, [429: error, 422: json("Some fields are not valid", ref("ValidationFailure"))])
    }

    /// `shared` with `own` added; an endpoint's own answer wins over a shared one with its status.
    static func with(_ shared: OpenAPI.Response.Map, _ own: OpenAPI.Response.Map) -> OpenAPI.Response.Map {
        var responses = shared
        responses.merge(own) { _, own in own }
        return responses
    }

    static let bookableTypeDescription = "An appointment type that can be booked online"

    /// A string limited to `values`, or any string when there are none yet.
    static func oneOf(_ values: [String], description: String) -> JSONSchema {
        .string(description: description, allowedValues: values.isEmpty ? nil : values.map { AnyCodable($0) })
    }
}
