"""Client portal journey (issue 15, section 4): on the demo clinic, as a client would do it.

Morgan asks for a sign-in link, opens it from the outbox in the same browser (signed in at once, no
"Continue" page), sees her appointment cards, cancels one and moves another to a free time of the
same clinician, sees a questionnaire her therapist sent as a to-do, and signs out. Every screen is
shot at desktop and phone width (the phone shot fails if the page scrolls sideways).
"""
from __future__ import annotations

from booking_journey import demo_password, link_in
from common import (check_server_health, close_journey, AppServer, Browser, CheckFailed, Results, expect, fill, sign_in)

CLIENT = "morgan.ellis@example.org"
THERAPIST = "daniel.reyes@harbourview-ipt.example"


def journey_portal(res: Results, art) -> bool:
    srv = AppServer(art, "portal-server", demo=True)
    browsers = []
    st: dict = {}
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("portal: start the demo server", str(e))
        return False
    import a11y_html  # here, not at the top: a11y_html imports booking_journey too
    aud = a11y_html.Auditor(res, a11y_html.Axe(), art)
    try:
        morgan = Browser(srv.base, art, "portal-")
        browsers.append(morgan)

        def movable_cards():
            """The cards that offer a move, as (card element, appointment id)."""
            cards = []
            for card in morgan.css("main .portal-card"):
                moves = card.find_elements("css selector", "a[href$='/move']")
                if moves:
                    cards.append((card, moves[0].get_attribute("href").split("/appointments/")[1].split("/")[0]))
            return cards

        def asks_for_a_link_and_opens_it():
            morgan.get("/portal/sign-in")
            fill(morgan, "#field-email", CLIENT)
            morgan.click_and_load(morgan.button("Email me a sign-in link", "main form"))
            expect(morgan.h1() == "Check your inbox", f"after asking, the page is {morgan.h1()!r}")
            morgan.shot("a-check-inbox")
            msg = srv.wait_for_email(CLIENT, "Your sign-in link")
            link = link_in(msg, "/portal/sign-in/", srv.base)
            # A mail scanner (or another device) opening the link first gets one button, and uses nothing up.
            scanner = Browser(srv.base, art, "portal-elsewhere-")
            browsers.append(scanner)
            scanner.get(link)
            expect(scanner.button("Sign in to my appointments and forms", "main form"), "no one-press page elsewhere")
            scanner.shot("a2-link-opened-elsewhere")
            morgan.get(link)
            expect(morgan.path() == "/portal", f"the link did not sign in at once (at {morgan.path()}, {morgan.h1()!r})")
            bar = morgan.one("main .portal-bar").text
            expect("Morgan Ellis" in bar and "Sign out" in bar, f"the signed-in header reads {bar!r}")
            return "opened elsewhere: one button, link not used up; in the asking browser: signed in at once"

        def sees_the_cards():
            cards = morgan.css("main .portal-card")
            expect(len(cards) >= 3, f"only {len(cards)} appointment cards")
            first = cards[0].text
            expect("Daniel Reyes" in first and "With" in first and "Where" in first, f"the first card reads {first!r}")
            expect(movable_cards(), "no card offers a move")
            expect(morgan.css("main .portal-card details.portal-calendar"), "no add-to-calendar on the cards")
            ics = morgan.one("main .portal-card a[href$='calendar.ics']").get_attribute("href")
            got = morgan.cookie_session().get(ics, timeout=10)
            expect(got.status_code == 200 and "BEGIN:VEVENT" in got.text, f"the .ics answered {got.status_code}")
            expect(morgan.css("main a[href*='/book/times']"), "no book-again link")
            morgan.shot("b-portal-cards")
            aud.page(morgan, "/portal")
            return f"{len(cards)} cards; move, cancel and calendar offered; the .ics downloads"

        def cancels_one():
            card, appointment = movable_cards()[-1]
            st["cancelled"] = appointment
            morgan.click_and_load(card.find_element("css selector", "a[href$='/cancel']"))
            expect(morgan.h1() == "Cancel this appointment?", f"the cancel page is {morgan.h1()!r}")
            expect("no fee" in morgan.one("main").text, "the cancel page does not say it is free")
            morgan.shot("c-cancel-confirm")
            aud.page(morgan, "/portal/appointments/<id>/cancel")
            morgan.click_and_load(morgan.button("Yes, cancel it", "main form"))
            expect(morgan.path().startswith("/portal?done="), f"after cancelling the browser is at {morgan.path()}")
            expect("Your appointment is cancelled" in morgan.one("main").text, "no confirmation of the cancellation")
            expect(not any(a == appointment for _, a in movable_cards()), "the cancelled appointment is still offered for change")
            morgan.shot("d-cancelled")
            msg = srv.wait_for_email(CLIENT, "cancel")
            return f"cancelled; the email {msg['Subject']!r} went out"

        def moves_one():
            card, appointment = movable_cards()[0]
            before = card.find_element("css selector", ".portal-when").text
            morgan.click_and_load(card.find_element("css selector", "a[href$='/move']"))
            expect(morgan.h1() == "Move your appointment", f"the move page is {morgan.h1()!r}")
            days = morgan.css("main .portal-days a")
            expect(len(days) >= 2, f"only {len(days)} days with free times")
            morgan.click_and_load(days[1])
            expect("day=" in morgan.driver.current_url, "the day link did not choose a day")
            morgan.shot("e-move-choose-time")
            aud.page(morgan, "/portal/appointments/<id>/move")
            times = morgan.css("main .portal-times button")
            expect(times, "no times on the chosen day")
            times[0].click()
            morgan.wait().until(lambda d: "done=moved" in d.current_url)
            expect("Your appointment is moved" in morgan.one("main").text, "no confirmation of the move")
            after = next((c.find_element("css selector", ".portal-when").text for c in morgan.css("main .portal-card")
                          if c.find_elements("css selector", f"a[href*='{appointment}']")), "")
            expect(after and after != before, f"the card still reads {before!r}")
            morgan.shot("f-moved")
            return f"moved from {before} to {after}"

        def sees_a_to_do():
            daniel = Browser(srv.base, art, "portal-therapist-")
            browsers.append(daniel)
            sign_in(daniel, THERAPIST, demo_password(srv))
            st["daniel"] = daniel
            _, appointment = movable_cards()[0]
            daniel.get(f"/staff/appointments/{appointment}")
            daniel.click_and_load(daniel.button("Send the link", "main form"))
            morgan.get("/portal")
            todo = morgan.one("main .portal-todos").text
            expect("PHQ-9 questionnaire" in todo and "Answer now" in todo, f"the to-do list reads {todo!r}")
            morgan.shot("g-to-do")
            morgan.click_and_load(morgan.link("Answer now", "main"))
            expect("/portal/questionnaires/" in morgan.path(), f"the to-do opened {morgan.path()}")
            morgan.get("/portal")
            return "the questionnaire the therapist sent is a to-do that opens in the portal"

        def sees_shared_scores():
            daniel = st["daniel"]
            expect("Your scores" not in morgan.one("main").text, "scores are shown before the care team shares them")
            daniel.get("/staff/clients")
            daniel.click_and_load(daniel.link("Morgan Ellis", "main"))
            client_base = daniel.path().rsplit("/", 1)[0] if daniel.path().count("/") > 3 else daniel.path()
            daniel.get(client_base + "/progress")
            daniel.click_and_load(daniel.button("Show these scores in the client's portal", "main form"))
            morgan.get("/portal")
            expect("Your scores" in morgan.one("main").text and morgan.css("main svg.progress-chart"), "the shared chart is not shown")
            morgan.shot("h-shared-scores")
            return "the therapist shares the chart from the progress page; the client sees it"

        def signs_out():
            morgan.click_and_load(morgan.button("Sign out", "main"))
            expect(morgan.path() == "/portal/sign-in", f"after signing out the browser is at {morgan.path()}")
            morgan.get("/portal", expect_status=None)
            expect(morgan.path() == "/portal/sign-in", "the portal still opens after signing out")
            return "signed out; the portal asks to sign in again"

        ok = res.steps("portal", [
            ("a client asks for a sign-in link and opens it from the outbox", asks_for_a_link_and_opens_it),
            ("the portal shows appointment cards with what the rules allow", sees_the_cards),
            ("the client cancels an appointment from its card", cancels_one),
            ("the client moves an appointment to another free time of the same clinician", moves_one),
            ("a questionnaire sent by the therapist is a to-do", sees_a_to_do),
            ("the care team shares the score chart and the client sees it", sees_shared_scores),
            ("the client signs out", signs_out),
        ])
        check_server_health(res, "portal", srv, browsers)
        return ok
    except CheckFailed as e:
        res.fail("portal", str(e))
        return False
    finally:
        close_journey("portal", srv, browsers)
