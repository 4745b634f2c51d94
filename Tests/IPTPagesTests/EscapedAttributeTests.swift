import IPTCore
import IPTPages
import Plot
import Testing

/// Views write attribute values through the module's escaping overrides; each kind is rendered here
/// through a real view with a value that would break out of the attribute if it were written raw.
@Suite struct EscapedAttributeTests {
    static let hostile = #"x" onmouseover="alert(1)"#
    static let escaped = "x&quot; onmouseover=&quot;alert(1)"

    func check(_ node: Node<HTML.BodyContext>, times: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let html = node.render()
        #expect(!html.contains(#"" onmouseover"#), "a raw quote ended an attribute: \(html)", sourceLocation: sourceLocation)
        #expect(html.components(separatedBy: Self.escaped).count - 1 == times, "\(html)", sourceLocation: sourceLocation)
    }

    @Test func form_values_options_links_and_labels_escape_what_they_are_given() {
        check(.form(FormViews.textField(name: "name", label: "Name", value: Self.hostile, error: nil, maxLength: 10)), times: 1)
        check(.form(FormViews.csrf(Self.hostile)), times: 1)
        check(.form(FormViews.select(name: "who", label: "Who", options: [(Self.hostile, "label")], selected: nil, error: nil)), times: 1)
        check(TableViews.pagination(newer: Self.hostile, older: Self.hostile), times: 2)
        var model = CareTeamPage.Model(clientName: "Riley", clientID: "c1", saved: false,
                                       current: [.init(id: "m1", staffID: "s1", name: Self.hostile, role: .member, reason: "", since: "", until: nil)],
                                       past: [], mayAssign: true, clinicians: [], people: [], fields: [:], errors: FieldErrors(), csrfToken: "t")
        #expect(CareTeamPage.view(model).render().contains(#"aria-label="End x&quot; onmouseover=&quot;alert(1)&#39;s membership now""#),
                "the aria-label names the member, escaped")
        model.clientID = Self.hostile
        #expect(CareTeamPage.view(model).render().contains("/staff/clients/x%22%20onmouseover%3D%22alert%281%29/chart"),
                "a path parameter is percent-encoded as one segment")
    }

    @Test func an_aria_label_made_from_a_name_is_escaped() {
        let column = CalendarPage.Column(heading: Self.hostile, headingLink: "/staff/calendar", clinicianID: "s1", date: CalendarPageTests.monday,
                                         isToday: false, hours: [], timeOff: [], entries: [])
        var model = CalendarPageTests.day()
        model.columns = [column]
        let html = CalendarPage.view(model).render()
        #expect(!html.contains(#"aria-label="x" onmouseover"#), "a raw quote ended the attribute")
        #expect(html.contains(#"<section class="cal-col cal-nohours" aria-label="x&quot; onmouseover=&quot;alert(1)">"#))
    }

    @Test func a_site_path_link_encodes_its_parameters_and_query() {
        let path = SitePath.staff("clients/:id/notes/:note")
        #expect(path.description == "/staff/clients/:id/notes/:note")
        #expect(path.link("a b", "c/d", query: ["next": "/x?y=1&z", "none": nil]) == "/staff/clients/a%20b/notes/c%2Fd?next=%2Fx%3Fy%3D1%26z")
        #expect(SitePath.public("book/times").link == "/book/times")
        #expect(SitePath.staffEntrance("sign-in").area == .staffEntrance && SitePath.staffEntrance("sign-in").link == "/staff/sign-in")
    }
}
