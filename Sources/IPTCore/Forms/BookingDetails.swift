import Foundation

/// Who a booking or waitlist request is for, as typed, before it is checked.
public struct BookingDetailsDraft: Sendable, Equatable {
    public var name: String?
    public var email: String?
    public var phone: String?
    public var dateOfBirth: String?
    public var guardianName: String?
    public var guardianEmail: String?
    public var guardianPhone: String?
    public var consent: Bool

    public init(name: String? = nil, email: String? = nil, phone: String? = nil, dateOfBirth: String? = nil,
                guardianName: String? = nil, guardianEmail: String? = nil, guardianPhone: String? = nil, consent: Bool = false) {
        self.name = name
        self.email = email
        self.phone = phone
        self.dateOfBirth = dateOfBirth
        self.guardianName = guardianName
        self.guardianEmail = guardianEmail
        self.guardianPhone = guardianPhone
        self.consent = consent
    }
}

public struct BookingDetails: Sendable, Equatable {
    public struct Guardian: Sendable, Equatable {
        public let name: String
        public let email: String?
        public let phone: String?
    }

    public let name: String
    public let email: String
    public let phone: String
    public let dateOfBirth: LocalDate
    public let programme: Programme
    public let guardian: Guardian?

    public enum Limits {
        public static let name = TextRules.Limits.name
        public static let email = TextRules.Limits.email
        public static let phone = TextRules.Limits.phone
    }

    /// Age in whole years on `today`.
    public static func age(born: LocalDate, on today: LocalDate) -> Int {
        var years = today.year - born.year
        if (today.month, today.day) < (born.month, born.day) { years -= 1 }
        return years
    }

    /// Checks every field; a client under 18 on `today` is routed to IPT-A and must give a parent's
    /// or guardian's name and an email or phone for them.
    /// Staff booking by phone passes `requireGuardianAndConsent: false`: those are taken at intake.
    public static func validate(_ draft: BookingDetailsDraft, today: LocalDate,
                                requireGuardianAndConsent: Bool = true) -> Result<BookingDetails, FormRejection> {
        var errors = FieldErrors()
        let name = TextRules.clean(draft.name)
        let email = TextRules.clean(draft.email)
        let phone = TextRules.clean(draft.phone)
        let dobText = TextRules.clean(draft.dateOfBirth)

        if let name {
            if TextRules.length(draft.name) > Limits.name {
                errors.add("name", "The name must be \(Limits.name) characters or fewer.")
            } else if TextRules.hasControlCharacters(name, allowLineBreaks: false) {
                errors.add("name", "The name contains characters we cannot accept.")
            }
        } else {
            errors.add("name", "Enter the name of the person who will attend.")
        }
        if let email {
            if TextRules.length(draft.email) > Limits.email || !TextRules.isPlausibleEmail(email) {
                errors.add("email", "Enter an email address like name@example.com.")
            }
        } else {
            errors.add("email", "Enter an email address; the confirmation link is sent there.")
        }
        if let phone {
            if TextRules.length(draft.phone) > Limits.phone || !TextRules.isPlausiblePhone(phone) {
                errors.add("phone", "Enter a phone number with 7 to 20 digits.")
            }
        } else {
            errors.add("phone", "Enter a phone number, in case we need to reach you about the appointment.")
        }
        var born: LocalDate?
        if let dobText {
            if let parsed = LocalDate(iso: dobText) {
                let age = age(born: parsed, on: today)
                if parsed > today {
                    errors.add("dateOfBirth", "The date of birth cannot be in the future.")
                } else if age > 120 {
                    errors.add("dateOfBirth", "Check the year of birth.")
                } else if age < 12 {
                    errors.add("dateOfBirth", "We see young people from age 12. For a younger child, please call us.")
                } else {
                    born = parsed
                }
            } else {
                errors.add("dateOfBirth", "Enter the date of birth as year-month-day, for example 1990-04-23.")
            }
        } else {
            errors.add("dateOfBirth", "Enter the date of birth; it tells us which programme fits.")
        }

        var guardian: Guardian?
        if let born, age(born: born, on: today) < 18, requireGuardianAndConsent || draft.guardianName != nil {
            let guardianName = TextRules.clean(draft.guardianName)
            let guardianEmail = TextRules.clean(draft.guardianEmail)
            let guardianPhone = TextRules.clean(draft.guardianPhone)
            if let guardianName {
                if TextRules.length(draft.guardianName) > Limits.name || TextRules.hasControlCharacters(guardianName, allowLineBreaks: false) {
                    errors.add("guardianName", "The parent's or guardian's name must be \(Limits.name) characters or fewer, in plain text.")
                }
            } else {
                errors.add("guardianName", "For someone under 18, enter a parent's or guardian's name.")
            }
            if let guardianEmail, TextRules.length(draft.guardianEmail) > Limits.email || !TextRules.isPlausibleEmail(guardianEmail) {
                errors.add("guardianEmail", "Enter the parent's or guardian's email like name@example.com.")
            }
            if let guardianPhone, TextRules.length(draft.guardianPhone) > Limits.phone || !TextRules.isPlausiblePhone(guardianPhone) {
                errors.add("guardianPhone", "Enter the parent's or guardian's phone number with 7 to 20 digits.")
            }
            // The guardian is a different person from the client: their sign-in and what they may see
            // differ, so one address or number cannot stand for both.
            if let guardianEmail, let email, guardianEmail.lowercased() == email.lowercased() {
                errors.add("guardianEmail", "Give the parent's or guardian's own email, not the young person's.")
            }
            if let guardianPhone, let phone, Self.digits(guardianPhone) == Self.digits(phone) {
                errors.add("guardianPhone", "Give the parent's or guardian's own phone number, not the young person's.")
            }
            if guardianEmail == nil && guardianPhone == nil {
                errors.add("guardianEmail", "For someone under 18, give an email or phone number for a parent or guardian.")
            }
            if let guardianName { guardian = Guardian(name: guardianName, email: guardianEmail?.lowercased(), phone: guardianPhone) }
        }
        if requireGuardianAndConsent && !draft.consent {
            errors.add("consent", "Tick the box to agree to the privacy notice; we cannot book without it.")
        }
        guard errors.isEmpty, let name, let email, let phone, let born else {
            return .failure(FormRejection(errors: errors))
        }
        let programme: Programme = age(born: born, on: today) < 18 ? .adolescent : .adult
        return .success(BookingDetails(name: name, email: email.lowercased(), phone: phone, dateOfBirth: born, programme: programme,
                                       guardian: programme == .adolescent ? guardian : nil))
    }

    private static func digits(_ text: String) -> String { String(text.unicodeScalars.filter { CharacterSet.decimalDigits.contains($0) }.map(Character.init)) }
}
