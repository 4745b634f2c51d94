import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct NewsletterPageTests {
    @Test func the_sign_up_form_asks_for_an_address_and_consent() throws {
        let page = NewsletterPage.Model(title: "Newsletter", introHTML: "<p>Four times a year.</p>", email: "riley@example.net", consent: false,
                                        consentWording: "I agree to receive the clinic's newsletter.", errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(NewsletterPage.view(page), named: "newsletter-sign-up")
    }

    @Test func a_link_from_an_email_asks_for_a_press_of_the_button() throws {
        try Snapshot.check(NewsletterActionPage.view(.init(title: "Unsubscribe from the newsletter", text: "Press the button.",
                                                           action: SitePath.newsletterUnsubscribe.link("tok_en-1"), button: "Unsubscribe")),
                           named: "newsletter-action")
        let message = NewsletterMessagePage.view(.init(title: "You are subscribed", notice: "Your subscription is confirmed.", paragraphs: ["Every newsletter ends with a link."]))
        #expect(message.render().contains(#"<div class="notice success" role="status"><p>Your subscription is confirmed.</p></div>"#))
    }

    @Test func the_subscriber_list_filters_and_pages() throws {
        let page = SubscribersPage.Model(filter: "confirmed", rows: [
            .init(email: "riley@example.net", status: "confirmed", consentGiven: "2026-12-01 09:00 EST", consentVersion: "2", consentSource: "web form at /newsletter"),
        ], page: 1, hasMore: true)
        try Snapshot.check(SubscribersPage.view(page), named: "newsletter-subscribers")
        #expect(SubscribersPage.view(page).render().contains(#"href="/staff/subscribers.csv?status=confirmed""#))
    }

    @Test func the_compose_page_previews_and_lists_what_was_sent() throws {
        let page = NewslettersPage.Model(notice: nil, confirmedSubscribers: 2, subject: "Winter news", body: "Hello **all**", sendKey: "key",
                                         preview: .init(subject: "Winter news", formattedHTML: "<p>Hello <strong>all</strong></p>", plainText: "Hello **all**"),
                                         issues: [.init(subject: "Autumn news", sent: "2026-10-01 09:00 EDT", by: "Miriam Okafor", recipients: 12)],
                                         errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(NewslettersPage.view(page), named: "newsletter-compose")
    }

    @Test func the_email_footer_escapes_the_unsubscribe_address() {
        let html = NewsletterEmail.html(formattedHTML: "<p>Hi</p>", unsubscribeURL: "https://clinic.example/newsletter/unsubscribe/a\"b",
                                        clinic: .defaults)
        #expect(html.contains("unsubscribe/a&quot;b") && html.contains("<p>Hi</p>"))
    }
}
