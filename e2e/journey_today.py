"""Staff frame and "Today" journey (issue 15 section 1), on the demo clinic.

The front desk signs in and lands on Today (arrivals, holds, waitlist offers, duplicates), finds a
client with the search in the bar (by name and by date of birth) and opens booking for them; a
clinician lands on their own Today (alerts first, sessions, notes to write) and finds only their
care team's clients; a practicum student sees the notes still to write for their sessions. Every
page is checked with axe and html5lib, and every screenshot checks there is no sideways scroll on
a phone.
"""
from __future__ import annotations

from common import (check_server_health, close_journey, AppServer, Browser, Results, expect, fill, sign_in)

DESK = "frontdesk@harbourview-ipt.example"
THERAPIST = "daniel.reyes@harbourview-ipt.example"
STUDENT = "priya.natarajan@harbourview-ipt.example"


def search(b: Browser, text: str, status: int = 200) -> None:
    fill(b, "#staff-search-q", text)
    b.click_and_load(b.button("Search", "header form.staff-search"), expect_status=status)


def journey_today(res: Results, art) -> bool:
    import a11y_html  # here, not at the top: a11y_html imports common too
    from booking_journey import demo_password

    srv = AppServer(art, "today-server", demo=True)
    browsers: list = []
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("today: start the demo server", str(e))
        return False
    aud = a11y_html.Auditor(res, a11y_html.Axe(), art)
    try:
        desk = Browser(srv.base, art, "today-desk-")
        daniel = Browser(srv.base, art, "today-therapist-")
        priya = Browser(srv.base, art, "today-student-")
        browsers += [desk, daniel, priya]

        def desk_today():
            sign_in(desk, DESK, demo_password(srv))
            expect(desk.path() == "/staff" and desk.h1().startswith("Today"), f"the desk lands on {desk.path()} ({desk.h1()!r})")
            headings = [h.text for h in desk.css("main .today-panel h2")]
            expect(any(h.startswith("Arrivals today") for h in headings) and any(h.startswith("Waiting for confirmation") for h in headings),
                   f"the desk's Today lacks its sections: {headings}")
            expect(not desk.css("footer.site-footer"), "the public footer is on a staff page")
            menu = [a.text.strip() for a in desk.css("nav.staff-side a")]
            expect("Audit trail" not in menu and "Clients" not in menu, f"the desk's menu offers pages it cannot open: {menu}")
            desk.shot("a-desk-today")
            aud.page(desk, "/staff (Today, front desk)")
            marks = desk.css("main .today-action button")
            if marks:
                desk.click_and_load(marks[0])
                expect(any(b.text.startswith("Arrived") for b in desk.css("main .badge")), "the arrival was not marked")
                desk.shot("a-desk-arrived")
                return f"sections {headings}; an arrival marked"
            return f"sections {headings}; no appointment today in the demo, so no arrival to mark"

        def desk_search():
            search(desk, "riley")
            text = desk.one("main").text
            expect("Riley Tan" in text and "Book an appointment" in text, "the desk's search does not find Riley Tan to book")
            expect(not desk.css("main a[href$='/chart']"), "the desk's search links to a chart")
            desk.shot("b-desk-search")
            aud.page(desk, "/staff/search (front desk)")
            search(desk, "1996-09-30")
            expect("Riley Tan" in desk.one("main").text, "a date of birth does not find Riley Tan")
            desk.click_and_load(desk.link("Book an appointment", "main"))
            expect(desk.path().startswith("/staff/appointments/new"), f"booking opened {desk.path()}")
            chosen = desk.one("#field-client option:checked").text
            expect("Riley Tan" in chosen, f"the booking form has {chosen!r} chosen, not Riley Tan")
            search(desk, "x", status=422)
            expect(desk.css("main .field-error") and desk.one("#field-q").get_attribute("value") == "x",
                   "a one-letter search is not refused beside the field with the input kept")
            return "found by name and by date of birth; booking opens with Riley chosen; a one-letter search is refused"

        def therapist_today():
            sign_in(daniel, THERAPIST, demo_password(srv))
            headings = [h.text for h in daniel.css("main .today-panel h2")]
            expect(headings and headings[0].startswith("Open risk alerts"), f"alerts are not first: {headings}")
            expect(any(h.startswith("Notes to write") for h in headings), f"no notes-to-write section: {headings}")
            expect("Morgan Ellis" in daniel.one("main").text, "Morgan's attended assessment is not listed as needing a note")
            daniel.shot("c-therapist-today")
            aud.page(daniel, "/staff (Today, therapist)")
            search(daniel, "riley")
            expect("No client matches" in daniel.one("main").text, "the therapist finds a client outside their care team")
            search(daniel, "morgan")
            daniel.click_and_load(daniel.link("Morgan Ellis", "main"))
            expect(daniel.path().endswith("/chart"), f"the result opened {daniel.path()}")
            return f"sections {headings}; search kept to the care team; result opens the chart"

        def therapist_forms():
            on_today = len(daniel.css("main .today-panel[aria-labelledby='today-forms'] li"))
            daniel.get("/staff/forms-outstanding")
            expect(daniel.h1() == "Forms clients have not finished", f"the page is {daniel.h1()!r}")
            rows = daniel.css("main .today-panel li")
            expect(len(rows) >= on_today, f"the whole list has {len(rows)} rows, Today had {on_today}")
            daniel.shot("d-therapist-forms-outstanding")
            aud.page(daniel, "/staff/forms-outstanding (therapist)")
            return f"{len(rows)} forms out (Today showed {on_today})"

        def student_today():
            sign_in(priya, STUDENT, demo_password(srv))
            notes = [li.text for li in priya.css("main .today-panel[aria-labelledby='today-notes'] li")]
            expect(notes and all("Riley Tan" in n for n in notes), f"Priya's sessions with Riley are not listed as needing notes: {notes}")
            expect(priya.css("main [aria-labelledby='today-my-notes']"), "the student's section for notes with the supervisor is missing")
            priya.shot("d-student-today")
            aud.page(priya, "/staff (Today, student)")
            return f"{len(notes)} notes to write"

        def student_all_notes():
            # Today lists the oldest few; the link (or the address, when all fit) opens every one.
            more = priya.css("main .today-panel[aria-labelledby='today-notes'] .today-more a")
            if more:
                priya.click_and_load(more[0])
            else:
                priya.get("/staff/notes-to-write")
            expect(priya.h1() == "Notes to write", f"the page is {priya.h1()!r}")
            rows = [li.text for li in priya.css("main .today-panel li")]
            expect(rows and all("Riley Tan" in r for r in rows), f"the list is not Priya's sessions with Riley: {rows}")
            expect(all(b.text == "Write note" for b in priya.css("main .today-panel li a.button")), "a row has no Write note button")
            priya.shot("e-student-all-notes")
            aud.page(priya, "/staff/notes-to-write (student)")
            return f"{len(rows)} rows, each with its Write note button"

        ok = res.steps("today", [
            ("front desk lands on Today", desk_today),
            ("front desk searches and books", desk_search),
            ("therapist's Today and search", therapist_today),
            ("therapist's list of forms not finished", therapist_forms),
            ("student's Today", student_today),
            ("student's list of all notes to write", student_all_notes),
        ])
        check_server_health(res, "today", srv, browsers)
        return ok
    finally:
        close_journey("today", srv, browsers)
