"""Outcomes journey (issue 18): the director opens the clinic's outcomes on the demo clinic.

Every section must show something from the demo's year of ended courses: the adult figures with
their chart and table, the breakdowns, the data's completeness, the path into care with its waits,
the students' supervision, and how each figure is counted. The CSV downloads with aggregates only.
A supervisor sees the page for their students only. Shot at desktop and phone width (the phone
shot fails if the page scrolls sideways), and, because the full page is very tall, one screen each
at 1366 and 390 px of the top, the summary, the adult section, its chart by group and its breakdown
(outcomes-view-*.png).
"""
from __future__ import annotations

import time

from booking_journey import DEMO_DIRECTOR, demo_password
from common import (check_server_health, close_journey, AppServer, Browser, CheckFailed, PHONE, Results, expect, sign_in)

SUPERVISOR = "henrik.larsen@harbourview-ipt.example"


def view_shot(browser: Browser, art, name: str, selector: str, size=PHONE) -> None:
    """One screen of `size` with `selector` at its top: what a director sees without scrolling,
    where the full-page shot of this long page is too tall to judge."""
    d = browser.driver
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})
    try:
        d.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - 8)", browser.one(selector))
        time.sleep(0.3)
        d.save_screenshot(str(art / f"outcomes-view-{size[0]}-{name}.png"))
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        d.execute_script("window.scrollTo(0, 0)")


def journey_outcomes(res: Results, art) -> bool:
    srv = AppServer(art, "outcomes-server", demo=True)
    browsers = []
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("outcomes: start the demo server", str(e))
        return False
    try:
        director = Browser(srv.base, art, "outcomes-")
        browsers.append(director)

        def opens_the_page():
            sign_in(director, DEMO_DIRECTOR, demo_password(srv))
            director.get("/staff")
            director.click_and_load(director.link("Outcomes"))
            expect(director.h1() == "The clinic's outcomes", f"the page is {director.h1()!r}")
            lead = director.one("main .lead").text
            expect(" courses ended in " in lead and not lead.startswith("0 "), f"the lead reads {lead!r}")
            director.shot("a-outcomes-director")
            for name, selector in (("top", "main h1"), ("glance", "#out-glance"), ("adult", "#out-adult"),
                                   ("groups", "#out-adult-differs"), ("breakdown", "#out-adult table.out-breakdown")):
                view_shot(director, art, name, selector)
                view_shot(director, art, name, selector, size=(1366, 900))
            return lead

        def every_section_shows_something():
            adult = director.one("#out-adult")
            expect(adult.find_elements("css selector", "svg.out-chart"), "no chart for adult IPT")
            rows = adult.find_elements("css selector", "table.out-table tbody tr")
            expect(any("%" in r.text for r in rows), "the adult figures show no percentage")
            breakdown = director.one("#out-adult table.out-breakdown").text
            for group in ("By focus area", "By clinician tier", "By clinician", "By sessions attended", "Grief", "Practicum students"):
                expect(group in breakdown, f"the breakdown lacks {group!r}")
            expect("too few to report" in director.one("main").text, "no group is marked too few to report")
            expect(director.css("#out-adult .out-completeness li"), "no completeness figures")
            path = director.one("#out-path").text
            expect("Enquiry to first session" in path and "days" in path, f"the waits are missing: {path[:200]!r}")
            months = director.css("#out-path .table-scroll tbody tr")
            expect(len(months) == 12, f"{len(months)} months in the path table")
            students = director.css("#out-supervision tbody tr")
            expect(len(students) >= 2, f"{len(students)} students in the supervision table")
            expect("of 450 direct" in director.one("#out-supervision").text, "no hours against the goals")
            expect(len(director.css("#out-how dt")) >= 10, "the how-this-is-counted list is short")
            director.shot("b-outcomes-sections")
            return f"{len(months)} months, {len(students)} students"

        def downloads_the_csv():
            link = director.link("Download these figures (CSV)").get_attribute("href")
            got = director.cookie_session().get(link, timeout=20)
            expect(got.status_code == 200 and got.text.startswith("section,programme"), f"the CSV answered {got.status_code}")
            expect("@example.org" not in got.text, "the CSV names a client")
            return f"{len(got.text.splitlines())} lines of aggregates"

        def a_wrong_period_is_explained():
            director.get("/staff/outcomes?from=2026-13&to=nope", expect_status=400)
            expect("Give the period as two months" in director.one("main").text, "no explanation of the bad period")
            return "400 with a sentence"

        def a_supervisor_sees_their_students():
            supervisor = Browser(srv.base, art, "outcomes-supervisor-")
            browsers.append(supervisor)
            sign_in(supervisor, SUPERVISOR, demo_password(srv))
            supervisor.get("/staff/outcomes")
            expect(supervisor.h1() == "Your students' outcomes", f"the supervisor's page is {supervisor.h1()!r}")
            expect(not supervisor.css("#out-path"), "a supervisor sees the clinic's path into care")
            supervisor.shot("c-outcomes-supervisor")
            return supervisor.one("main .lead").text

        ok = res.steps("outcomes", [
            ("the director opens Outcomes from the menu", opens_the_page),
            ("every section shows figures from the demo clinic", every_section_shows_something),
            ("the CSV downloads with aggregates only", downloads_the_csv),
            ("a wrong period gets a clear 400", a_wrong_period_is_explained),
            ("a supervisor sees their students' outcomes only", a_supervisor_sees_their_students),
        ])
        check_server_health(res, "outcomes", srv, browsers)
        return ok
    except CheckFailed as e:
        res.fail("outcomes", str(e))
        return False
    finally:
        close_journey("outcomes", srv, browsers)
