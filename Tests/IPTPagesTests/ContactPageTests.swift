import IPTCore
import IPTPages
import Plot
import Testing

@Suite struct ContactPageTests {
    @Test func the_contact_form_keeps_what_was_typed_and_lists_the_problems() throws {
        var errors = FieldErrors()
        errors.add("email", "Enter an email address like name@example.com.")
        let page = ContactPage.Model(title: "Contact us", introHTML: "<p>Write to us.</p>", phone: "416-555-0142", email: "hello@clinic.example",
                                     draft: EnquiryDraft(name: "Riley Tan", email: "riley@", preferredContact: "phone", message: "Hello", consent: true),
                                     errors: errors, csrfToken: "token")
        try Snapshot.check(ContactPage.view(page), named: "contact-form")
        #expect(page.pageTitle == "Check your message: Contact us")
    }

    @Test func the_thanks_page_says_what_happens_next() throws {
        try Snapshot.check(ContactThanksPage.view(), named: "contact-thanks")
    }

    @Test func the_inbox_lists_a_page_with_filters_and_links_to_the_next() throws {
        let page = EnquiryListPage.Model(filter: "open", justHandled: true, rows: [
            .init(id: "E1", received: "2026-12-04 10:00 EST", name: "Riley Tan", prefers: "Phone", status: "open", statusLabel: "Open"),
        ], page: 2, hasMore: true)
        try Snapshot.check(EnquiryListPage.view(page), named: "enquiry-list")
        let html = EnquiryListPage.view(page).render()
        #expect(html.contains(#"href="/staff/enquiries?status=open&amp;page=3""#) && html.contains(#"href="/staff/enquiries/E1""#))
    }

    @Test func an_open_enquiry_offers_the_form_and_a_handled_one_shows_who_handled_it() throws {
        let open = EnquiryPage.Model(id: "E1", name: "Riley Tan", received: "2026-12-04 10:00 EST", email: "riley@example.net", phone: nil,
                                     prefers: "Email", sentThrough: "The contact form", status: "open", statusLabel: "Open",
                                     message: "Do you see teens?", isOpen: true, isHandled: false, handled: nil, handlingNote: nil,
                                     note: nil, errors: FieldErrors(), csrfToken: "token")
        try Snapshot.check(EnquiryPage.view(open), named: "enquiry-open")
        var handled = open
        handled.isOpen = false
        handled.isHandled = true
        handled.status = "handled"
        handled.statusLabel = "Handled"
        handled.handled = "By Dana Front on 2026-12-04 11:00 EST"
        handled.handlingNote = "Called back."
        let html = EnquiryPage.view(handled).render()
        #expect(html.contains("By Dana Front") && html.contains("Called back.") && !html.contains("<form"))
    }
}
