"""Booking by day (issue 15, section 3), on the demo clinic, as a visitor does it in a browser.

The visitor starts from the fees page's call to action, chooses the free consultation with any
practicum student, picks a day in the week strip and then a time chip, gives their details, reads
the check-your-inbox page (the held time and the address repeated), confirms by the emailed link
from the outbox, and sees "Add to calendar" (the .ics download plus Google and Outlook links) and
what happens next. A second visitor types a date of birth under 18 and the parent or guardian
fields appear. Every step is shot at desktop and phone sizes.
"""
from __future__ import annotations

import uuid
from datetime import date

from common import (AppServer, Browser, CheckFailed, Results, check_server_health, close_journey, email_text, expect, fill)
from booking_journey import link_in


def week_link(b: Browser, words: str):
    """The week navigation's link whose text (arrow aside) is `words`."""
    for a in b.css("main nav.bk-weeknav a"):
        if words in a.text:
            return a
    raise CheckFailed(f"no {words!r} link on {b.path()}")


def journey_booking_by_day(res: Results, art) -> bool:
    srv = AppServer(art, "booking-by-day-server", demo=True)
    browsers: list = []
    tag = uuid.uuid4().hex[:6]
    st: dict = {"name": f"Dana Daypicker {tag}", "email": f"dana.{tag}@example.net"}
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("booking by day: start the demo server", str(e))
        return False
    try:
        b = Browser(srv.base, art, "bkday-")
        teen = Browser(srv.base, art, "bkday-teen-")
        browsers += [b, teen]

        def from_fees_to_book():
            b.get("/fees")
            cta = b.one("main .bk-cta a.button", "the call to action at the end of /fees")
            b.shot("fees-with-call-to-action")
            b.click_and_load(cta)
            expect(b.path().split("?")[0] == "/book", f"the call to action led to {b.path()}")
            current = b.one("nav.bk-steps li[aria-current='step']").text
            expect("Type" in current, f"the current step on /book is {current!r}")
            expect(b.one("#field-type-consultation").is_selected(), "the free consultation is not preselected")
            avatars = [a.text for a in b.css("main .bk-avatar")]
            expect(len(avatars) >= 3, f"expected initials avatars, found {avatars}")
            text = b.one("main").text
            expect("a session" in text and "Taking new clients" in text, "the clinicians' fees or status are missing")
            b.shot("step1-type")
            b.click(b.one("label[for='field-with-reduced']"))
            b.click_and_load(b.button("Show free times", "main form"))
            expect(b.path().split("?")[0] == "/book/times", f"Show free times led to {b.path()}")
            return f"{len(avatars)} avatars"

        def pick_a_day():
            days = b.css("main ol.bk-week a.bk-day")
            none = b.css("main ol.bk-week .bk-day-none")
            expect(len(days) > 0 or b.css("main .notice a"), "the week strip offers no day")
            if not days:  # an empty week: follow "next free day"
                b.click_and_load(b.one("main .notice a"))
                days = b.css("main ol.bk-week a.bk-day")
            b.shot("step2-week")
            height = b.driver.execute_script("return document.documentElement.scrollHeight")
            # Next week and back again are one link each.
            b.click_and_load(week_link(b, "Next"))
            expect("week=" in b.driver.current_url, f"Next week led to {b.driver.current_url}")
            b.shot("step2-next-week")
            b.click_and_load(week_link(b, "Previous"))
            days = b.css("main ol.bk-week a.bk-day")
            expect(bool(days), "back on the first week, no day is offered")
            # Choose another day than the one opened, when there is one, by its link.
            others = [d for d in days if d.get_attribute("aria-current") != "date"]
            target = others[0] if others else days[0]
            href = target.get_attribute("href")
            b.click_and_load(target)
            expect("day=" in b.driver.current_url, f"choosing a day led to {b.driver.current_url}")
            chosen = b.one("main ol.bk-week a[aria-current='date']")
            expect(chosen.get_attribute("href") == href, "the day clicked is not the one marked as chosen")
            chips = b.css("main a.bk-chip")
            expect(0 < len(chips) <= 40, f"{len(chips)} time chips for one day")
            labels = [c.text for c in chips]
            expect(len(labels) == len(set(labels)), f"a time shows twice: {labels}")
            expect(not any("clinician=" in (c.get_attribute("href") or "") for c in chips), "the group's chips name a clinician")
            b.shot("step2-day-chips")
            st["chip"] = labels[0]
            b.click_and_load(chips[0])
            expect(b.path().split("?")[0] == "/book/details", f"a chip led to {b.path()}")
            return f"{len(none)} greyed days; {len(chips)} chips; page {height}px tall; chose {st['chip']}"

        def details():
            text = b.one("main").text
            expect("By phone" in text, "the details page does not say the consultation is by phone")
            expect("late cancellation" not in text.lower() and "late-cancellation" not in text.lower(), "a free consultation mentions a late fee")
            hint = b.one("#hint-dateOfBirth").text
            expect(b.one("#field-dateOfBirth").get_attribute("type") == "text" and "year-month-day" in hint,
                   f"the hint {hint!r} does not match the control")
            expect(not b.one("#bk-guardian").is_displayed(), "the parent fields show before any date of birth")
            b.shot("step3-details")
            fill(b, "#field-name", st["name"])
            fill(b, "#field-email", st["email"])
            fill(b, "#field-phone", "416-555-0133")
            fill(b, "#field-dateOfBirth", "1991-02-17")
            expect(not b.one("#bk-guardian").is_displayed(), "an adult's date of birth shows the parent fields")
            b.click(b.one("#field-consent"))
            b.shot("step3-details-filled")
            b.click_and_load(b.button("Request this appointment", "main form"))
            expect(b.path() == "/book/check-your-inbox", f"sending led to {b.path()} ({b.h1()!r})")
            return b.h1()

        def inbox_page():
            text = b.one("main").text
            expect(st["email"] in text, "the inbox page does not repeat the address")
            expect("15 minutes" in text and "until" in text, "the inbox page does not say how long the time is held")
            expect(st["chip"] in text, f"the inbox page does not repeat the time {st['chip']!r}")
            current = b.one("nav.bk-steps li[aria-current='step']").text
            expect("Check your inbox" in current, f"the current step is {current!r}")
            b.shot("step4-check-inbox")
            return "time, hold and address repeated"

        def confirm_from_email():
            msg = srv.wait_for_email(st["email"], "Please confirm")
            body = email_text(msg)
            expect("by phone" in body.lower(), "the hold email does not say by phone")
            path = link_in(msg, "/book/confirm/", srv.base)
            b.get(path)
            b.shot("step4-confirm-from-email")
            b.click_and_load(b.button("Confirm this appointment", "main form"))
            expect("confirmed" in b.h1().lower(), f"after confirming the page says {b.h1()!r}")
            current = b.one("nav.bk-steps li[aria-current='step']").text
            expect("Confirmed" in current, f"the current step is {current!r}")
            return b.h1()

        def add_to_calendar():
            section = b.one("main .bk-calendar")
            links = {a.text: a.get_attribute("href") for a in section.find_elements("css selector", "a")}
            ics = next((h for t, h in links.items() if ".ics" in t), None)
            google = links.get("Google Calendar", "")
            outlook = links.get("Outlook", "")
            expect(ics and google.startswith("https://calendar.google.com/") and outlook.startswith("https://outlook.live.com/"),
                   f"calendar links: {links}")
            expect("By%20phone" in google and "consultation" not in google.lower(), f"the Google link says too much or too little: {google}")
            expect("What happens next" in b.one("main").text, "no 'what happens next'")
            b.shot("step5-confirmed-add-to-calendar")
            file = b.cookie_session().get(ics, timeout=10)
            expect(file.status_code == 200 and "text/calendar" in file.headers.get("Content-Type", ""),
                   f"the .ics answered {file.status_code} {file.headers.get('Content-Type')}")
            expect("LOCATION:By phone" in file.text, "the .ics does not say by phone")
            msg = srv.wait_for_email(st["email"], "Your appointment is confirmed")
            body = email_text(msg)
            expect("By phone" in body and "carry a fee" not in body, "the confirmation email's phone or fee wording is wrong")
            return "ics, Google and Outlook links; the .ics and email say by phone"

        def under_18_shows_parent_fields():
            teen.get("/book/times?type=consultation&with=reduced")
            chips = teen.css("main a.bk-chip")
            if not chips:
                teen.click_and_load(teen.one("main .notice a"))
                chips = teen.css("main a.bk-chip")
            st["teen_details"] = chips[-1].get_attribute("href")
            teen.click_and_load(chips[-1])
            guardian = teen.one("#bk-guardian")
            expect(not guardian.is_displayed(), "the parent fields show before any date of birth")
            born = date.today().replace(year=date.today().year - 15, day=1)
            fill(teen, "#field-dateOfBirth", born.isoformat())
            teen.wait().until(lambda d: guardian.is_displayed())
            legend = teen.one("#bk-guardian legend").text
            expect("under 18" in legend and "optional" not in legend.lower(), f"the legend reads {legend!r}")
            teen.shot("step3-under-18-parent-fields")
            # Sent without them: refused beside the field, what was typed kept.
            fill(teen, "#field-name", f"Teen {tag}")
            fill(teen, "#field-email", f"teen.{tag}@example.net")
            fill(teen, "#field-phone", "416-555-0134")
            teen.click(teen.one("#field-consent"))
            teen.click_and_load(teen.button("Request this appointment", "main form"), expect_status=422)
            expect(teen.one("#error-guardianName").is_displayed(), "no message beside the guardian's name")
            expect(teen.one("#field-dateOfBirth").get_attribute("value") == born.isoformat(), "the date of birth was not kept")
            teen.shot("step3-under-18-refused")
            return f"born {born}: parent fields shown, then required"

        def no_javascript_keeps_parent_fields():
            import requests
            page = requests.get(st["teen_details"], timeout=10)
            expect(page.status_code == 200, f"the details form answered {page.status_code}")
            expect("optional: needed only if the person is under 18" in page.text, "without JS the fields are not labelled optional")
            expect('id="bk-guardian" hidden' not in page.text, "the parent fields are hidden in the HTML itself")
            return "the served HTML shows them, marked optional"

        ok = res.steps("booking by day", [
            ("the fees page's call to action opens /book with cards: fee, avatar, taking new clients", from_fees_to_book),
            ("the visitor picks a day in the week strip, then a time chip", pick_a_day),
            ("the details say by phone, the date of birth hint matches, and the form is sent", details),
            ("the check-your-inbox page repeats the time, the hold and the address", inbox_page),
            ("the visitor confirms from the emailed link in the outbox", confirm_from_email),
            ("the confirmed page offers add to calendar (.ics, Google, Outlook) and what happens next", add_to_calendar),
        ])
        ok = res.steps("booking by day (under 18)", [
            ("a date of birth under 18 shows the parent fields, and the server requires them", under_18_shows_parent_fields),
            ("without JavaScript the parent fields stay, labelled optional", no_javascript_keeps_parent_fields),
        ]) and ok
        check_server_health(res, "booking by day", srv, browsers)
        return ok
    except CheckFailed as e:
        res.fail("booking by day: setup", str(e))
        return False
    finally:
        close_journey("booking by day", srv, browsers)
