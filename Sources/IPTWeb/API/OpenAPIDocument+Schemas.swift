import IPTCore
import OpenAPIKit

/// The component schemas of OpenAPIDocument. Request bodies take their limits and patterns from
/// IPTCore's checks; answers mirror the controllers' Content types.
extension OpenAPIDocument {
    /// One static per component schema, named as the component is.
    enum Schema {}

    static func schemas(_ choices: Choices) -> OpenAPI.ComponentDictionary<JSONSchema> {
        [
            "Enquiry": Schema.enquiry, "Subscription": Schema.subscription, "BookingRequest": Schema.bookingRequest(choices),
            "Token": Schema.token, "AppointmentType": Schema.appointmentType, "Slot": Schema.slot, "Slots": Schema.slots,
            "BookingAccepted": Schema.bookingAccepted, "Conflict": Schema.conflict, "AppointmentResult": Schema.appointmentResult,
            "StaffAppointment": Schema.staffAppointment, "Status": Schema.status, "Error": Schema.error,
            "ValidationFailure": Schema.validationFailure,
        ]
    }
}

/// Request bodies.
extension OpenAPIDocument.Schema {

    /// APIController.EnquiryBody, checked by EnquirySubmission.validate.
    static var enquiry: JSONSchema {
        let limits = EnquirySubmission.Limits.self
        let digits = TextRules.Limits.phoneDigits
        let fields = JSONSchema.object(properties: [
            "name": Field.text(limits.name),
            "email": Field.email(limits.email),
            "phone": Field.optionalPhone(limits.phone,
                                         description: "\(digits.lowerBound) to \(digits.upperBound) digits; may be empty unless preferredContact is phone"),
            "preferredContact": .string(allowedValues: ContactPreference.allCases.map { AnyCodable($0.rawValue) }),
            "message": .string(maxLength: limits.message, pattern: TextRules.Patterns.multilineText),
            "consent": Field.consent("Agreement to the privacy notice"),
        ])
        return .all(of: [fields, phoneWhenAskedFor])
    }

    /// An enquiry that asks for a call needs a phone number (EnquirySubmission refuses it without).
    /// OpenAPIKit has no if/then, so this says it the equivalent way: the preference is another
    /// one, or a phone number with a digit in it is given.
    static var phoneWhenAskedFor: JSONSchema {
        let others = ContactPreference.allCases.filter { $0 != .phone }.map { AnyCodable($0.rawValue) }
        return .any(of: [
            .object(properties: ["preferredContact": .string(required: false, allowedValues: others)]),
            .object(properties: ["phone": .string(pattern: TextRules.Patterns.hasDigit)]),
        ])
    }

    /// APIController.SubscriptionBody, checked by NewsletterSignup.validate.
    static var subscription: JSONSchema {
        let consent = NewsletterConsent.current
        return .object(properties: [
            "email": Field.email(TextRules.Limits.email),
            "consent": Field.consent("true when the person ticked an unticked box next to the clinic's consent wording, which is stored with the sign-up as what they agreed to: \(consent.wording) (version \(consent.version))"),
        ])
    }

    /// BookingAPIController.BookingIn, checked by BookingDetails.validate; the age rules need the
    /// day of the request, so they are only described.
    static func bookingRequest(_ choices: OpenAPIDocument.Choices) -> JSONSchema {
        let limits = BookingDetails.Limits.self
        return .object(properties: [
            "type": OpenAPIDocument.oneOf(choices.onlineTypes, description: OpenAPIDocument.bookableTypeDescription),
            "clinician": OpenAPIDocument.oneOf(choices.clinicians, description: "The slug of a team member who takes new clients"),
            "start": .string(format: .dateTime, description: "One of the free times GET /api/v1/slots lists"),
            "name": Field.text(limits.name),
            "email": Field.email(limits.email),
            "phone": Field.phone(limits.phone),
            "dateOfBirth": .string(format: .date, description: "Clients are 12 or older; under 18 they join IPT-A and a parent's or guardian's name and an email or phone are required (422 otherwise)"),
            "guardianName": Field.optionalText(limits.name),
            "guardianEmail": Field.optionalEmail(limits.email),
            "guardianPhone": Field.optionalPhone(limits.phone),
            "consent": Field.consent("Agreement to the privacy notice"),
        ])
    }

    /// BookingAPIController.TokenIn, bounded as the handler bounds it.
    static var token: JSONSchema {
        .object(properties: ["token": .string(minLength: 1, maxLength: BookingAPIController.Limits.token)])
    }

    /// The fields the forms share, as IPTCore checks them: TextRules' patterns under the form's own
    /// limit. Optional ones may be left out, null or only white space, as the checks take them.
    enum Field {
        static func text(_ maxLength: Int) -> JSONSchema { .string(maxLength: maxLength, pattern: TextRules.Patterns.text) }
        static func email(_ maxLength: Int) -> JSONSchema { .string(maxLength: maxLength, pattern: TextRules.Patterns.email) }
        static func phone(_ maxLength: Int) -> JSONSchema { .string(maxLength: maxLength, pattern: TextRules.Patterns.phone) }

        static func optionalText(_ maxLength: Int) -> JSONSchema {
            .string(required: false, nullable: true, maxLength: maxLength, pattern: TextRules.Patterns.optionalText)
        }

        static func optionalEmail(_ maxLength: Int) -> JSONSchema {
            .string(required: false, nullable: true, maxLength: maxLength, pattern: TextRules.Patterns.optionalEmail)
        }

        static func optionalPhone(_ maxLength: Int, description: String? = nil) -> JSONSchema {
            .string(required: false, nullable: true, description: description, maxLength: maxLength,
                    pattern: TextRules.Patterns.optionalPhone)
        }

        /// A box that must be ticked: the checks refuse anything but true.
        static func consent(_ description: String) -> JSONSchema {
            .boolean(description: description, allowedValues: [true])
        }
    }
}

/// Answers, as the controllers encode them.
extension OpenAPIDocument.Schema {
    private static func ref(_ name: String) -> JSONSchema { OpenAPIDocument.ref(name) }

    /// BookingAPIController.KindOut.
    static var appointmentType: JSONSchema {
        .object(properties: [
            "code": .string, "name": .string, "durationMinutes": .integer, "bookableOnline": .boolean,
            "feesCents": .object(additionalProperties: .schema(.integer)), "currency": .string,
        ])
    }

    /// BookingAPIController.SlotOut.
    static var slot: JSONSchema {
        .object(properties: [
            "clinician": .string, "clinicianName": .string,
            "start": .string(format: .dateTime), "end": .string(format: .dateTime),
        ])
    }

    /// BookingAPIController.SlotsOut.
    static var slots: JSONSchema {
        .object(properties: ["timeZone": .string, "slots": .array(items: ref("Slot"))])
    }

    /// BookingAPIController.BookingOut: one answer whatever happened, so nothing about who is a client shows.
    static var bookingAccepted: JSONSchema {
        .object(properties: ["status": .string(allowedValues: ["received"]), "message": .string])
    }

    /// BookingAPIController.ConflictOut.
    static var conflict: JSONSchema {
        .object(properties: ["error": .string, "alternatives": .array(items: ref("Slot"))])
    }

    /// BookingAPIController.AppointmentOut.
    static var appointmentResult: JSONSchema {
        .object(properties: [
            "status": .string, "start": .string(format: .dateTime), "end": .string(format: .dateTime),
            "clinicianName": .string, "lateFeeCents": .integer(required: false),
        ])
    }

    /// BookingAPIController.StaffAppointmentOut.
    static var staffAppointment: JSONSchema {
        .object(properties: [
            "id": .string(format: .uuid), "clinician": .string, "clinicianName": .string,
            "client": .string(required: false), "type": .string(required: false), "status": .string,
            "start": .string(format: .dateTime), "end": .string(format: .dateTime),
        ])
    }

    /// APIController.Status.
    static var status: JSONSchema {
        .object(properties: ["status": .string, "message": .string(required: false)])
    }

    /// The JSON error body of every refusal (ErrorPages).
    static var error: JSONSchema {
        .object(properties: ["error": .string, "requestID": .string])
    }

    /// APIController.ValidationFailure: a message per field at fault.
    static var validationFailure: JSONSchema {
        .object(properties: ["error": .string, "fields": .object(additionalProperties: .schema(.string))])
    }
}
