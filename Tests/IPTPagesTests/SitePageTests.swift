import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct SitePageTests {
    @Test func the_home_page_leads_to_an_enquiry_the_team_and_the_four_focus_areas() throws {
        let page = HomePage.Model(title: "Interpersonal therapy in Toronto", summary: "Short-term therapy that works on relationships.",
                                  html: "<p>We offer IPT to adults and teens.</p>")
        try Snapshot.check(HomePage.view(page), named: "site-home")
        #expect(HomePage.view(page).render().contains(#"href="/focus/role-transitions""#))
    }

    @Test func a_team_card_links_to_the_profile_and_offers_a_consultation_only_when_accepting() throws {
        let page = TeamPage.Model(title: "Our team", introHTML: "<p>Meet us.</p>", members: [
            .init(slug: "daniel-reyes", name: "Daniel Reyes", credentials: "MSW, RSW", fee: "Registered psychotherapist: $180.00 a session",
                  firstSentence: "Daniel works with adults.", acceptingNewClients: true),
            .init(slug: "sam-waters", name: "Sam Waters", credentials: "MA", fee: nil, firstSentence: "Sam works with teens.", acceptingNewClients: false),
        ])
        try Snapshot.check(TeamPage.view(page), named: "site-team")
        let html = TeamPage.view(page).render()
        #expect(html.contains(#"href="/book/times?type=consultation&amp;with=daniel-reyes""#))
        #expect(!html.contains("with=sam-waters"))
    }

    @Test func a_profile_names_the_fee_the_supervisor_and_the_way_to_book() throws {
        let page = TeamMemberPage.Model(slug: "priya-natarajan", name: "Priya Natarajan", givenName: "Priya", credentials: "Practicum student",
                                        bioParagraphs: ["Priya sees adults.", "She is supervised."], fee: "Practicum student: $50.00 for a session",
                                        acceptingNewClients: true, supervisorName: "Henrik Larsen")
        try Snapshot.check(TeamMemberPage.view(page), named: "site-team-member")
        #expect(page.description == "Priya Natarajan, Practicum student")
    }

    @Test func the_fees_table_has_a_row_per_level() throws {
        let page = FeesPage.Model(title: "Fees", summary: "What a session costs.", html: "<p>Receipts are emailed.</p>", tiers: [
            .init(label: "Registered psychotherapist", fee: "$180.00", summary: "An experienced clinician."),
            .init(label: "Practicum student (reduced-rate clinic)", fee: "$50.00", summary: "A graduate student in training."),
        ])
        try Snapshot.check(FeesPage.view(page), named: "site-fees")
    }

    @Test func a_reading_page_is_its_title_summary_and_text() throws {
        try Snapshot.check(ReadingPage.view(.init(title: "What IPT is", summary: nil, html: "<p>IPT is a structured therapy.</p>")), named: "site-reading")
    }

    @Test func every_reading_page_has_its_own_path() {
        let paths = SitePath.readingPages.map(\.path.description)
        #expect(Set(paths).count == paths.count && paths.contains("/privacy") && paths.contains("/focus/grief"))
    }
}
