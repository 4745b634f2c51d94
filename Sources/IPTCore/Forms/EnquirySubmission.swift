import Foundation

/// How a person who writes to the clinic would like to be answered.
public enum ContactPreference: String, CaseIterable, Codable, Sendable {
    case email
    case phone
    case either

    public var label: String {
        switch self {
        case .email: "Email"
        case .phone: "Phone"
        case .either: "Either is fine"
        }
    }
}

/// An enquiry as typed into the contact form or sent to the API, before it is checked.
public struct EnquiryDraft: Sendable, Equatable {
    public var name: String?
    public var email: String?
    public var phone: String?
    public var preferredContact: String?
    public var message: String?
    public var consent: Bool

    public init(name: String? = nil, email: String? = nil, phone: String? = nil,
                preferredContact: String? = nil, message: String? = nil, consent: Bool = false) {
        self.name = name
        self.email = email
        self.phone = phone
        self.preferredContact = preferredContact
        self.message = message
        self.consent = consent
    }
}

/// A checked enquiry, ready to store.
public struct EnquirySubmission: Sendable, Equatable {
    public let name: String
    public let email: String
    public let phone: String?
    public let preferredContact: ContactPreference
    public let message: String

    /// The shared fields' limits are TextRules.Limits; the message's is the enquiry's own.
    public enum Limits {
        public static let name = TextRules.Limits.name
        public static let email = TextRules.Limits.email
        public static let phone = TextRules.Limits.phone
        public static let message = 5_000
    }

    /// Checks every field and returns either the submission or one message per field at fault.
    public static func validate(_ draft: EnquiryDraft) -> Result<EnquirySubmission, FormRejection> {
        var errors = FieldErrors()
        let name = TextRules.clean(draft.name)
        let email = TextRules.clean(draft.email)
        let phone = TextRules.clean(draft.phone)
        let message = TextRules.clean(draft.message)

        if let name {
            if TextRules.length(draft.name) > Limits.name {
                errors.add("name", "Your name must be \(Limits.name) characters or fewer.")
            } else if TextRules.hasControlCharacters(name, allowLineBreaks: false) {
                errors.add("name", "Your name contains characters we cannot accept.")
            }
        } else {
            errors.add("name", "Enter your name.")
        }

        if let email {
            if TextRules.length(draft.email) > Limits.email || !TextRules.isPlausibleEmail(email) {
                errors.add("email", "Enter an email address like name@example.com.")
            }
        } else {
            errors.add("email", "Enter your email address so we can reply.")
        }

        let preference = draft.preferredContact.flatMap { ContactPreference(rawValue: $0) }
        if let phone {
            if TextRules.length(draft.phone) > Limits.phone || !TextRules.isPlausiblePhone(phone) {
                errors.add("phone", "Enter a phone number with 7 to 20 digits, or leave it empty.")
            }
        } else if preference == .phone {
            errors.add("phone", "Enter a phone number, since you would like us to call you.")
        }

        if preference == nil {
            errors.add("preferredContact", "Choose how you would like us to contact you.")
        }

        if let message {
            if TextRules.length(draft.message) > Limits.message {
                errors.add("message", "Your message must be \(Limits.message) characters or fewer; it has \(TextRules.length(draft.message)).")
            } else if TextRules.hasControlCharacters(message, allowLineBreaks: true) {
                errors.add("message", "Your message contains characters we cannot accept.")
            }
        } else {
            errors.add("message", "Enter a message.")
        }

        if !draft.consent {
            errors.add("consent", "Tick the box to let us use your details to answer you.")
        }

        guard errors.isEmpty, let name, let email, let message, let preference else {
            return .failure(FormRejection(errors: errors))
        }
        return .success(EnquirySubmission(name: name, email: email.lowercased(), phone: phone,
                                          preferredContact: preference, message: message))
    }
}

/// The reasons a form was refused, field by field.
public struct FormRejection: Error, Sendable, Equatable {
    public let errors: FieldErrors
    public init(errors: FieldErrors) { self.errors = errors }
}
