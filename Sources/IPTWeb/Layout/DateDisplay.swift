import Foundation

/// Dates as staff and visitors read them: in the clinic's time zone, with the zone named.
enum DateDisplay {
    static func dateTime(_ date: Date, timeZone identifier: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_CA")
        formatter.timeZone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "America/Toronto")
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return formatter.string(from: date)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
