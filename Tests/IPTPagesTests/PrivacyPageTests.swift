import Foundation
import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct RecordCopyPageTests {
    @Test func a_copy_shows_amendments_corrections_and_who_opened_it() throws {
        let record = RecordCopyPage.Record(
            clientName: "Casey Quinn", clinicName: "Harbourview Interpersonal Therapy Clinic", madeOn: "Friday, December 4, 2026",
            about: [.init(label: "Name", value: "Casey Quinn"), .init(label: "Date of birth", value: "1990-02-03")],
            appointments: ["Fri, Dec 4, 2026, 10:00 AM with Priya Natarajan: attended"],
            consents: [],
            questionnaires: [.init(heading: "PHQ-9, Friday, December 4, 2026", score: "14 (Moderate)", answers: ["Feeling down: Several days"])],
            includesNotes: true, formulation: .init(label: "Formulation (focus: grief)", value: "After her father's death..."),
            notes: [.init(heading: "Session 3, Friday, December 4, 2026",
                          sections: [.init(label: "Mood", text: "Low", changed: true), .init(label: "Plan", text: "Call her sister", changed: false)],
                          amendments: [.init(signed: "Saturday, December 5, 2026", reason: "Mood misheard", sections: [.init(label: "Mood", text: "Better", changed: false)])])],
            discharge: nil,
            corrections: [.init(heading: "Asked on Friday, December 4, 2026: refused", asked: "My phone number",
                                answer: .refused(reason: "It is the number given.", statement: "I disagree."))],
            openings: [.init(when: "Fri, Dec 4, 2026, 10:05 AM", who: "Priya Natarajan (therapist)", what: "view chart")])
        let page = RecordCopyPage.Model(links: [.init(href: SitePath.portal.link, label: "Back to your appointments"),
                                                .init(href: SitePath.portalCorrection.link, label: "Ask for a correction")], record: record)
        try Snapshot.check(RecordCopyPage.view(page), named: "record-copy")
    }
}

@Suite struct RecordRequestPageTests {
    @Test func an_open_correction_offers_to_accept_or_refuse() throws {
        let page = RecordRequestPage.Model(requestID: "q1", clientID: "c1", clientName: "Casey Quinn", kind: .correction, isOpen: true, notice: nil,
                                           asked: "Friday, December 4, 2026 at 10:00 AM (in the portal)", due: "Sunday, January 3, 2027",
                                           status: "waiting for an answer", details: "Where: my phone number", answer: nil,
                                           fields: [:], errors: FieldErrors(), detailsLimit: 4_000, csrfToken: "token")
        try Snapshot.check(RecordRequestPage.view(page), named: "record-request-correction")
    }

    @Test func the_list_flags_an_overdue_request() throws {
        let page = RecordRequestListPage.Model(deadlineDays: 30, notice: "Saved.",
                                               open: [.init(id: "q1", client: "Casey Quinn", asksFor: "A copy of the record", asked: "Nov 1, 2026",
                                                            due: "Dec 1, 2026", overdue: true, status: "waiting for an answer")],
                                               answered: [])
        try Snapshot.check(RecordRequestListPage.view(page), named: "record-requests")
    }
}

@Suite struct RetentionPageTests {
    @Test func the_report_lists_records_past_retention_holds_and_tombstones() throws {
        let page = RetentionPage.Model(years: 10, minorsFrom18: true, notice: nil, yearsField: "10", minorsChecked: true, errors: FieldErrors(),
                                       due: [.init(clientID: "c1", name: "Old Client", lastContact: "Monday, March 2, 2015",
                                                   keptUntil: "Saturday, March 2, 2025", status: "May be destroyed")],
                                       held: [.init(clientID: "c2", text: "Held Client: On hold (complaint or legal matter)")],
                                       tombstones: [.init(initials: "A.B.", lastContact: "2014-01-02", keptUntil: "2024-01-02",
                                                          destroyed: "Friday, December 4, 2026", destroyedBy: "Henrik Larsen", rows: 42)],
                                       csrfToken: "token")
        try Snapshot.check(RetentionPage.view(page), named: "retention")
    }

    @Test func a_record_past_retention_offers_destruction_and_a_hold() {
        let page = RetentionReviewPage.Model(clientID: "c1", clientName: "Old Client", lastContact: "Monday, March 2, 2015", keptUntil: "Saturday, March 2, 2025",
                                             status: "Past retention", mayDestroy: true, isHeld: false, errors: FieldErrors(), csrfToken: "token")
        let html = RetentionReviewPage.view(page).render()
        #expect(html.contains(#"action="/staff/retention/c1/destroy""#) && html.contains(#"action="/staff/retention/c1/hold""#))
        #expect(!html.contains("/lift"))
    }
}
