/// What a visitor reads when a booking link or step cannot go on: the link was wrong or used, the
/// hold ran out, it is too late to change online, or the time was taken. Shown as a message page.
public enum BookingFailurePage {
    public enum Reason: Sendable, Equatable {
        case linkInvalid, linkUsed, holdExpired, tooLateToChange, clientBusy, slotUnavailable
    }

    public static func model(_ reason: Reason, clinicPhone phone: String) -> MessagePage.Model {
        let (title, text): (String, String) = switch reason {
        case .linkInvalid: ("This link is not valid", "It may have been copied incompletely, or the appointment was changed since. Check your most recent email from us, or call \(phone).")
        case .linkUsed: ("This link has already been used", "The appointment was already confirmed, cancelled or changed. Your most recent email from us has the current details; or call \(phone).")
        case .holdExpired: ("The time was not confirmed in time", "We could only hold it for a short while, and it has been released. You are welcome to choose a time again.")
        case .tooLateToChange: ("This appointment can no longer be changed online", "It is too close to the appointment to change it here. Please call us at \(phone).")
        case .clientBusy: ("You already have an appointment then", "Choose another time, or call us at \(phone).")
        case .slotUnavailable: ("That time is no longer free", "Please choose another time.")
        }
        return MessagePage.Model(title: title, paragraphs: [text])
    }
}
