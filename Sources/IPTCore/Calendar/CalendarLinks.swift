import Foundation

/// "Add to calendar" links for Google Calendar and Outlook on the web.
///
/// The links travel through other companies' servers and browser histories, so an entry carries only
/// what a calendar needs: "Appointment at <clinic>", the time, and the address or "By phone". The
/// appointment's type, the clinician and anything clinical are left out on purpose, and the only way
/// to build an entry is `CalendarLinkEvent.appointment`, which takes nothing else.
public struct CalendarLinkEvent: Sendable, Equatable {
    public enum Place: Sendable, Equatable {
        case address(String)
        case byPhone
    }

    public let title: String
    public let start: Date
    public let end: Date
    public let location: String
    public let details: String

    private init(title: String, start: Date, end: Date, location: String, details: String) {
        self.title = title
        self.start = start
        self.end = end
        self.location = location
        self.details = details
    }

    public static func appointment(clinicName: String, start: Date, end: Date, place: Place) -> CalendarLinkEvent {
        let location: String
        let details: String
        switch place {
        case .address(let address):
            location = address
            details = "Appointment at \(clinicName)."
        case .byPhone:
            location = "By phone"
            details = "Appointment at \(clinicName), by phone: the clinic calls you at this time."
        }
        return CalendarLinkEvent(title: "Appointment at \(clinicName)", start: start, end: max(end, start),
                                 location: location, details: details)
    }
}

public enum CalendarLinks {
    /// Google Calendar's event template: times in UTC as 20261201T150000Z/20261201T160000Z.
    public static func google(_ event: CalendarLinkEvent) -> String {
        let dates = ICalendarWriter.utc(event.start) + "/" + ICalendarWriter.utc(event.end)
        return "https://calendar.google.com/calendar/render?" + query([
            ("action", "TEMPLATE"), ("text", event.title), ("dates", dates),
            ("location", event.location), ("details", event.details),
        ])
    }

    /// Outlook on the web's compose form: times as ISO 8601 in UTC.
    public static func outlook(_ event: CalendarLinkEvent) -> String {
        "https://outlook.live.com/calendar/0/action/compose?" + query([
            ("path", "/calendar/action/compose"), ("rru", "addevent"), ("subject", event.title),
            ("startdt", iso(event.start)), ("enddt", iso(event.end)),
            ("location", event.location), ("body", event.details),
        ])
    }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }

    /// Everything but unreserved characters is percent-encoded (a space as %20, never "+").
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// 2026-12-01T15:00:00Z
    static func iso(_ date: Date) -> String {
        let stamp = ICalendarWriter.utc(date)  // 20261201T150000Z
        let c = Array(stamp)
        return "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8]))T\(String(c[9..<11])):\(String(c[11..<13])):\(String(c[13..<15]))Z"
    }
}
