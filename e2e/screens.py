#!/usr/bin/env python3
"""A tour of the screens used every day, for before/after comparisons (issue 15).

Starts the given build on a fresh demo clinic and takes desktop (1366 px) and phone (390 px)
screenshots of: Today (/staff) for the director, the front desk and a student; the calendar's
week and day views; the public booking's times (/book/times); the client portal (/portal) after
the emailed link; and a client's interpersonal inventory. Unlike the journeys it checks nothing
beyond reaching each page (so it runs on an older build too); the journeys make the assertions.

  IPT_BIN=.build/debug/iptclinic python3 e2e/screens.py LABEL
Screenshots go to e2e/artifacts/screens-LABEL-<time>/.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AppServer, Browser, artifacts_dir, fill, log, run_name, sign_in  # noqa: E402


def main() -> int:
    from booking_journey import demo_password, link_in
    label = sys.argv[1] if len(sys.argv) > 1 else "now"
    art = artifacts_dir(f"screens-{label}-{run_name()}")
    srv = AppServer(art, "screens-server", demo=True)
    srv.start()
    browsers = []
    try:
        password = demo_password(srv)

        def staff(prefix: str, email: str) -> Browser:
            b = Browser(srv.base, art, prefix)
            browsers.append(b)
            sign_in(b, email, password)
            return b

        def shot(b: Browser, path: str, name: str) -> None:
            b.get(path, expect_status=None)
            try:
                b.shot(name)
            except Exception as e:  # noqa: BLE001 - an older build may scroll sideways; the picture is what is wanted
                log(f"  {name}: {e}")

        director = staff("director-", "director@harbourview-ipt.example")
        shot(director, "/staff", "today")
        desk = staff("desk-", "frontdesk@harbourview-ipt.example")
        shot(desk, "/staff", "today")
        shot(desk, "/staff/calendar", "calendar-week")
        shot(desk, "/staff/calendar?view=day&clinician=all", "calendar-day")
        priya = staff("student-", "priya.natarajan@harbourview-ipt.example")
        shot(priya, "/staff", "today")
        priya.get("/staff/clients")
        riley = [a.get_attribute("href") for a in priya.css("main a") if a.text.strip() == "Riley Tan"]
        if riley:
            base = riley[0].split("/chart")[0]
            shot(priya, base + "/inventory", "inventory")

        visitor = Browser(srv.base, art, "public-")
        browsers.append(visitor)
        shot(visitor, "/book/times?type=consultation&with=reduced", "book-times")

        client = Browser(srv.base, art, "client-")
        browsers.append(client)
        client.get("/portal/sign-in")
        fill(client, "#field-email", "riley.tan@example.org")
        client.click_and_load(client.button("Email me a sign-in link", "main form"), expect_status=None)
        msg = srv.wait_for_email("riley.tan@example.org", "sign-in link")
        client.get(link_in(msg, "/portal/sign-in/", srv.base), expect_status=None)
        buttons = client.css("main form button")
        if client.path() != "/portal" and buttons:
            client.click_and_load(buttons[0], expect_status=None)
        shot(client, "/portal", "portal")
        log(f"screenshots in {art}")
        return 0
    finally:
        for b in browsers:
            b.quit()
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
