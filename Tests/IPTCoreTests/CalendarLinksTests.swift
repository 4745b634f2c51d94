import Foundation
import IPTCore
import Testing

@Suite struct CalendarLinksTests {
    let start = Date(timeIntervalSince1970: 1_796_137_200)  // 2026-12-01 15:00 UTC
    var end: Date { start.addingTimeInterval(50 * 60) }

    @Test func google_link_carries_title_utc_times_and_place() {
        let event = CalendarLinkEvent.appointment(clinicName: "Harbour & Pine IPT", start: start, end: end,
                                                  place: .address("12 Queen St, Toronto"))
        let link = CalendarLinks.google(event)
        #expect(link.hasPrefix("https://calendar.google.com/calendar/render?action=TEMPLATE&"))
        #expect(link.contains("text=Appointment%20at%20Harbour%20%26%20Pine%20IPT"))
        #expect(link.contains("dates=20261201T150000Z%2F20261201T155000Z"))
        #expect(link.contains("location=12%20Queen%20St%2C%20Toronto"))
        #expect(!link.contains(" ") && !link.contains("+"))
    }

    @Test func outlook_link_uses_iso_times() {
        let event = CalendarLinkEvent.appointment(clinicName: "Clinic", start: start, end: end, place: .byPhone)
        let link = CalendarLinks.outlook(event)
        #expect(link.hasPrefix("https://outlook.live.com/calendar/0/action/compose?"))
        #expect(link.contains("subject=Appointment%20at%20Clinic"))
        #expect(link.contains("startdt=2026-12-01T15%3A00%3A00Z"))
        #expect(link.contains("enddt=2026-12-01T15%3A50%3A00Z"))
        #expect(link.contains("location=By%20phone"))
    }

    @Test func a_phone_appointment_says_by_phone_and_nothing_clinical() {
        let event = CalendarLinkEvent.appointment(clinicName: "Clinic", start: start, end: end, place: .byPhone)
        #expect(event.title == "Appointment at Clinic")
        #expect(event.location == "By phone")
        #expect(event.details.contains("by phone"))
        for link in [CalendarLinks.google(event), CalendarLinks.outlook(event)] {
            let decoded = link.removingPercentEncoding ?? ""
            for word in ["IPT", "therapy", "consultation", "session", "depress", "@"] {
                #expect(!decoded.lowercased().contains(word.lowercased()), "\(word) in \(decoded)")
            }
        }
    }
}
