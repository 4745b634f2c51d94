import Foundation

extension AppointmentKind {
    /// The free consultation is a phone call: the clinician calls the number the person gave, so
    /// pages, emails and calendar files say "by phone" instead of naming a room.
    public static func isByPhone(code: String?) -> Bool { code == "consultation" }

    public var isByPhone: Bool { Self.isByPhone(code: code) }
}
