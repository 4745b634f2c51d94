import Foundation
import IPTCore
import IPTPages
import Plot
import Testing

/// Pages rendered from fixed models and compared with the HTML kept under Snapshots/, so a change
/// to a view shows as a diff in review. Record new or changed pages with RECORD_SNAPSHOTS=1 and read
/// the diff before committing.
struct Snapshot {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func check(_ node: Node<HTML.BodyContext>, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        // One element per line, so a diff points at what changed.
        let html = node.render().replacingOccurrences(of: "><", with: ">\n<") + "\n"
        let file = folder.appendingPathComponent("\(name).html")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try html.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let kept = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("No snapshot \(name).html yet: run the tests with RECORD_SNAPSHOTS=1 and commit it.", sourceLocation: sourceLocation)
            return
        }
        #expect(html == kept, "\(name).html differs from the rendered page", sourceLocation: sourceLocation)
    }
}

@Suite struct CareTeamPageTests {
    static func member(_ name: String, _ role: CareTeamRole, until: String? = nil) -> CareTeamPage.Member {
        .init(id: "m-\(name.prefix(3).lowercased())", staffID: "s-\(name.prefix(3).lowercased())", name: name, role: role,
              reason: role == .member ? "Covering in August" : "Accepted as the treating clinician", since: "Friday, December 4, 2026", until: until)
    }

    static func model(current: [CareTeamPage.Member], mayAssign: Bool, errors: FieldErrors = FieldErrors()) -> CareTeamPage.Model {
        .init(clientName: "Riley Tan", clientID: "c1", saved: false, current: current,
              past: [member("Sam Former", .member, until: "Monday, November 2, 2026")], mayAssign: mayAssign,
              clinicians: [.init(id: "s-pri", label: "Priya Natarajan, Practicum student"), .init(id: "s-dan", label: "Daniel Reyes, Psychotherapist")],
              people: [.init(id: "s-pri", label: "Priya Natarajan"), .init(id: "s-dan", label: "Daniel Reyes")],
              fields: [:], errors: errors, csrfToken: "token")
    }

    @Test func the_director_sees_the_team_and_the_forms() throws {
        let page = Self.model(current: [Self.member("Priya Natarajan", .treating), Self.member("Henrik Larsen", .supervisor),
                                        Self.member("Daniel Reyes", .member)], mayAssign: true)
        try Snapshot.check(CareTeamPage.view(page), named: "care-team-director")
        #expect(CareTeamPage.view(page).render().contains(#"<option value="s-pri" selected"#), "the treating clinician is preselected")
    }

    @Test func a_member_sees_who_is_on_the_team_and_no_forms() throws {
        let html = CareTeamPage.view(Self.model(current: [Self.member("Priya Natarajan", .treating)], mayAssign: false)).render()
        #expect(!html.contains("<form"))
        try Snapshot.check(CareTeamPage.view(Self.model(current: [Self.member("Priya Natarajan", .treating)], mayAssign: false)), named: "care-team-member")
    }

    @Test func an_unaccepted_client_says_so_and_offers_to_accept() throws {
        var errors = FieldErrors()
        errors.add("clinician", "Choose the clinician who will treat this client.")
        let page = Self.model(current: [], mayAssign: true, errors: errors)
        let html = CareTeamPage.view(page).render()
        #expect(html.contains("No one is on this client") && html.contains("Accept and assign") && html.contains("error-summary"))
        #expect(page.title == "Please check: Care team")
    }

    @Test func text_in_a_page_is_escaped_by_bytes_even_after_a_joining_mark() {
        // U+0600 joins the next character into one Character; Plot's own escaping would let "<b>" through.
        var page = Self.model(current: [], mayAssign: false)
        page.clientName = "\u{600}<b>Riley</b>"
        let html = CareTeamPage.view(page).render()
        #expect(!html.contains("<b>") && html.contains("&lt;b&gt;"))
    }
}

@Suite struct DuplicatesPageTests {
    static let record = DuplicatesPage.Record(name: "Wes Waiting", email: "wes@example.net", phone: "416-555-0166", dateOfBirth: "1992-03-04",
                                              opened: "Friday, December 4, 2026", appointments: 1)

    @Test func each_possible_duplicate_shows_both_records_and_both_choices() throws {
        var newer = Self.record
        newer.phone = "416-555-0177"
        newer.appointments = 2
        let page = DuplicatesPage.Model(tasks: [.init(id: "d1", reasons: "the same email", new: newer, existing: Self.record)], done: .kept, csrfToken: "token")
        try Snapshot.check(DuplicatesPage.view(page), named: "duplicates")
        let html = DuplicatesPage.view(page).render()
        #expect(html.contains("1 appointment<") && html.contains("2 appointments<"))
    }

    @Test func with_nothing_to_reconcile_the_page_says_so() {
        #expect(DuplicatesPage.view(.init(tasks: [], done: nil, csrfToken: "t")).render().contains("Nothing to reconcile."))
    }
}

@Suite struct MessagePageTests {
    @Test func a_message_page_has_its_heading_notice_text_and_a_way_on() throws {
        try Snapshot.check(MessagePage.view(.init(title: "Answers saved", notice: "Your answers so far are saved.",
                                                  paragraphs: ["Open the same link from your email to finish."])), named: "message")
    }
}

@Suite struct AlertListPageTests {
    @Test func open_alerts_are_listed_oldest_first_with_their_escalation() throws {
        try Snapshot.check(AlertListPage.view([
            .init(id: "a1", raised: "2026-12-03 09:10 EST", client: "Riley Tan", clinician: "Priya Natarajan", escalated: true),
            .init(id: "a2", raised: "2026-12-04 14:02 EST", client: "Morgan Ellis", clinician: "Daniel Reyes", escalated: false),
        ]), named: "alerts")
        #expect(AlertListPage.view([]).render().contains("No open alerts."))
    }
}
