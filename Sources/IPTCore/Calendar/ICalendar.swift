import Foundation

/// Writes iCalendar (RFC 5545) documents: CRLF line ends, text escaping, lines folded at 75 octets
/// without splitting a UTF-8 character, times in UTC so no VTIMEZONE is needed.
public struct ICalendarEvent: Sendable, Equatable {
    public enum Status: String, Sendable {
        case confirmed = "CONFIRMED"
        case tentative = "TENTATIVE"
        case cancelled = "CANCELLED"
    }

    public var uid: String
    public var start: Date
    public var end: Date
    public var summary: String
    public var location: String?
    public var description: String?
    public var status: Status
    /// Bumped on every change so calendar apps replace their copy.
    public var sequence: Int

    public init(uid: String, start: Date, end: Date, summary: String, location: String? = nil, description: String? = nil,
                status: Status = .confirmed, sequence: Int = 0) {
        self.uid = uid
        self.start = start
        self.end = end
        self.summary = summary
        self.location = location
        self.description = description
        self.status = status
        self.sequence = sequence
    }
}

public enum ICalendarWriter {
    public enum Method: String, Sendable {
        /// A feed or a file to import.
        case publish = "PUBLISH"
        case request = "REQUEST"
        case cancel = "CANCEL"
    }

    public static func document(_ events: [ICalendarEvent], name: String? = nil, method: Method = .publish, stamp: Date,
                                organizer: String? = nil) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//IPT Clinic//Scheduling//EN", "CALSCALE:GREGORIAN",
                     "METHOD:\(method.rawValue)"]
        if let name { lines.append("X-WR-CALNAME:\(escape(name))") }
        for event in events {
            lines.append("BEGIN:VEVENT")
            lines.append("UID:\(escape(event.uid))")
            lines.append("DTSTAMP:\(utc(stamp))")
            lines.append("DTSTART:\(utc(event.start))")
            lines.append("DTEND:\(utc(event.end))")
            lines.append("SEQUENCE:\(event.sequence)")
            lines.append("STATUS:\(event.status.rawValue)")
            lines.append("SUMMARY:\(escape(event.summary))")
            if let organizer { lines.append("ORGANIZER:mailto:\(organizer)") }
            if let location = event.location { lines.append("LOCATION:\(escape(location))") }
            if let description = event.description { lines.append("DESCRIPTION:\(escape(description))") }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// 20261201T150000Z
    public static func utc(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let day = LocalDate(daysSinceEpoch: days)
        let rest = seconds - days * 86_400
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", day.year, day.month, day.day, rest / 3600, rest % 3600 / 60, rest % 60)
    }

    /// TEXT values: backslash, semicolon and comma are escaped, line breaks become \n.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            default:
                // Other control characters are not allowed in TEXT.
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Folds a content line into pieces of at most 75 octets, continuation lines starting with a space.
    static func fold(_ line: String) -> String {
        var pieces: [String] = []
        var current = ""
        var currentBytes = 0
        for character in line {
            let bytes = String(character).utf8.count
            let limit = pieces.isEmpty ? 75 : 74  // a continuation line's leading space counts
            if currentBytes + bytes > limit {
                pieces.append(current)
                current = ""
                currentBytes = 0
            }
            current.append(character)
            currentBytes += bytes
        }
        pieces.append(current)
        return pieces.joined(separator: "\r\n ")
    }
}
