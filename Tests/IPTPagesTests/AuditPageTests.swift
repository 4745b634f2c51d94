import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct AuditPageTests {
    @Test func the_trail_lists_events_and_flags_those_outside_the_care_team() throws {
        let page = AuditTrailPage.Model(
            staff: [.init(id: "S1", label: "Daniel Reyes")], actor: "S1", action: .view, recordType: "chart", subject: nil,
            events: [
                .init(sequence: 42, when: "2026-12-04 10:00 EST", who: "Daniel Reyes", action: "view", recordType: "chart",
                      recordID: "6F9619FF-8B86-D011-B42D-00C04FC964FF", recordIDIsUUID: true, about: "Riley Tan", outsideCareTeam: true,
                      detail: "reason: covering", requestID: "R1"),
                .init(sequence: 41, when: "2026-12-04 09:00 EST", who: "Daniel Reyes", action: "view", recordType: "enquiry-list",
                      recordID: nil, recordIDIsUUID: false, about: "", outsideCareTeam: false, detail: nil, requestID: nil),
                // An id that is not a UUID is shown whole; a request id without a detail has no line
                // break before it; what people typed is escaped wherever it appears.
                .init(sequence: 40, when: "2026-12-04 08:00 EST", who: "O'Neil <b>\"Sam\"</b> & Co", action: "create", recordType: "invoice",
                      recordID: "INV-000041 <i>", recordIDIsUUID: false, about: "\u{600}<Riley> & \"Tan\"", outsideCareTeam: false,
                      detail: nil, requestID: "R<3>"),
            ],
            filterQuery: "actor=S1&action=view&type=chart", page: 2, hasMore: false)
        try Snapshot.check(AuditTrailPage.view(page), named: "audit-trail")
        #expect(page.flagged == 1)
    }

    @Test func the_chain_check_says_where_it_breaks() throws {
        try Snapshot.check(AuditVerifyPage.view(broken: .init(sequence: 7, reason: "hash mismatch")), named: "audit-verify-broken")
        #expect(AuditVerifyPage.view(broken: nil).render().contains("Every row matches its hash"))
    }
}
