"""The director's team pages, on the demo clinic.

The director opens Team from the menu, adds a colleague (a mistake first, kept in the form),
finds the welcome email with its password link in the outbox, and the colleague chooses a
password and signs in; the director then moves a practicum student to another supervisor and
removes the access of someone leaving, whose open session ends at once. Every page is checked with
axe and html5lib, and every screenshot checks there is no sideways scroll on a phone.
"""
from __future__ import annotations

import re

from common import (check_server_health, close_journey, email_text, AppServer, Browser, Results, expect, fill, sign_in)
from selenium.webdriver.support.ui import Select

DIRECTOR = "director@harbourview-ipt.example"
STUDENT_NAME = "Priya Natarajan"
LEAVER = "daniel.reyes@harbourview-ipt.example"
NEW_EMAIL = "morgan.ellis@harbourview-ipt.example"


def journey_team(res: Results, art) -> bool:
    import a11y_html  # here, not at the top: a11y_html imports common too
    from booking_journey import demo_password

    srv = AppServer(art, "team-server", demo=True)
    browsers: list = []
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("team: start the demo server", str(e))
        return False
    aud = a11y_html.Auditor(res, a11y_html.Axe(), art)
    try:
        director = Browser(srv.base, art, "team-director-")
        newcomer = Browser(srv.base, art, "team-newcomer-")
        leaver = Browser(srv.base, art, "team-leaver-")
        browsers += [director, newcomer, leaver]

        def team_list():
            sign_in(director, DIRECTOR, demo_password(srv))
            director.click_and_load(director.link("Team", "nav.staff-side"))
            expect(director.path() == "/staff/team" and director.h1() == "Team", f"Team opened {director.path()} ({director.h1()!r})")
            rows = director.css("main table tbody tr")
            expect(len(rows) >= 5, f"the team lists {len(rows)} people")
            director.shot("a-team")
            aud.page(director, "/staff/team")
            return f"{len(rows)} people listed"

        def add_colleague():
            director.click_and_load(director.link("Add a team member", "main"))
            fill(director, "#field-name", "Morgan Ellis")
            fill(director, "#field-email", "not an address")
            Select(director.one("#field-role")).select_by_value("therapist")
            Select(director.one("#field-feeTier")).select_by_value("full")
            director.click_and_load(director.button("Add and send the welcome email", "main form"), expect_status=422)
            expect(director.css("main .error-summary") and director.one("#field-name").get_attribute("value") == "Morgan Ellis",
                   "a bad email is not refused with the name kept")
            director.shot("b-team-add-error")
            aud.page(director, "/staff/team/new (with an error)")
            fill(director, "#field-email", NEW_EMAIL)
            director.click(director.one("#field-acceptingNewClients"))
            director.click_and_load(director.button("Add and send the welcome email", "main form"))
            expect(director.path().startswith("/staff/team") and "Morgan Ellis" in director.one("main table").text,
                   f"Morgan is not on the team list at {director.path()}: {director.one('main').text[:300]!r}")
            director.shot("c-team-added")
            return "refused with the input kept, then added"

        def newcomer_chooses_password():
            msg = srv.wait_for_email(NEW_EMAIL, "Your staff account")
            link = re.search(r"https?://\S+/staff/password-reset/[A-Za-z0-9_-]+", email_text(msg))
            expect(link is not None, "the welcome email has no password link")
            newcomer.get("/" + link.group(0).split("/", 3)[3])
            fill(newcomer, "#field-newPassword", "a welcome passphrase here")
            fill(newcomer, "#field-confirmPassword", "a welcome passphrase here")
            newcomer.click_and_load(newcomer.button("Set my new password", "main form"))
            sign_in(newcomer, NEW_EMAIL, "a welcome passphrase here")
            return f"signed in after choosing a password at {newcomer.path()}"

        def move_student():
            director.get("/staff/team")
            director.click_and_load(director.link(STUDENT_NAME, "main"))
            select = Select(director.one("#field-supervisor"))
            before = select.first_selected_option.text
            others = [o for o in select.options if o.get_attribute("value") and o.text != before]
            expect(others, "no other supervisor to choose")
            chosen = others[0].text
            select.select_by_visible_text(chosen)
            director.click_and_load(director.button("Save", "main form"))
            expect("Saved." in director.one("main").text, "the student's new supervisor was not saved")
            director.shot("d-team-student")
            aud.page(director, "/staff/team/:id (a student)")
            return f"supervisor {before!r} -> {chosen!r}"

        def remove_access():
            sign_in(leaver, LEAVER, demo_password(srv))
            director.get("/staff/team")
            director.click_and_load(director.link("Daniel Reyes", "main"))
            warning = director.one("main .danger-zone").text
            director.click_and_load(director.button("Remove access", "main .danger-zone"))
            expect("access is removed" in director.one("main").text, "no word that the access was removed")
            director.shot("e-team-removed")
            aud.page(director, "/staff/team/:id (access removed)")
            leaver.get("/staff", expect_status=None)
            expect(leaver.path().startswith("/staff/sign-in"), f"Daniel's open session still reaches {leaver.path()}")
            return f"Daniel signed out at once; the page warned: {warning.splitlines()[1][:90] if len(warning.splitlines()) > 1 else ''}"

        ok = res.steps("team", [
            ("director opens Team", team_list),
            ("director adds a colleague", add_colleague),
            ("the colleague chooses a password from the welcome email", newcomer_chooses_password),
            ("director moves a student to another supervisor", move_student),
            ("director removes a leaver's access", remove_access),
        ])
        check_server_health(res, "team", srv, browsers)
        return ok
    finally:
        close_journey("team", srv, browsers)
