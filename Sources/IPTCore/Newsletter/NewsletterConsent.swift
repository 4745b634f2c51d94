import Foundation

/// The exact wording a visitor agrees to when subscribing. CASL requires the clinic to prove
/// express consent: when, how and with what words. Changing the wording means a new version, so
/// every stored consent still points at the words that person saw.
public struct NewsletterConsent: Sendable, Equatable {
    public let version: String
    public let wording: String

    public static let current = NewsletterConsent(
        version: "2026-11-1",
        wording: "Yes, send me the clinic's newsletter by email: occasional news about IPT and CBT, "
            + "events and openings in the reduced-rate clinic. I can unsubscribe at any time with the "
            + "link in every issue."
    )
}

/// Checks a sign-up before it is stored.
public enum NewsletterSignup {
    public static func validate(email: String?, consent: Bool) -> Result<String, FormRejection> {
        var errors = FieldErrors()
        let cleaned = TextRules.clean(email)
        if let cleaned {
            // The limit counts what was sent, white space included, as the API document's maxLength does.
            if TextRules.length(email) > TextRules.Limits.email || !TextRules.isPlausibleEmail(cleaned) {
                errors.add("email", "Enter an email address like name@example.com.")
            }
        } else {
            errors.add("email", "Enter your email address.")
        }
        if !consent {
            errors.add("consent", "Tick the box to say you want the newsletter; we only send it with your consent.")
        }
        guard errors.isEmpty, let cleaned else { return .failure(FormRejection(errors: errors)) }
        return .success(cleaned.lowercased())
    }
}
