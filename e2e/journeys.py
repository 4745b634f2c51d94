#!/usr/bin/env python3
"""Browser end-to-end journeys for the IPT clinic app (issue 3, items 1, 2 and 5).

Starts the app itself on a fresh temporary database and a free loopback port, drives
Debian's headless Chromium through Selenium, and stops the app at the end.

  (a) a visitor reads about IPT, sends an enquiry (first with an empty email, to see the
      error summary and that typed values are kept), signs up for the newsletter and
      confirms it from the link in the email written to the outbox folder;
  (b) an admin signs in, handles the enquiry, exports subscribers as CSV, sends a
      newsletter; the visitor unsubscribes from the link in it; the admin sees the
      subscriber as unsubscribed and their own view events in the audit trail;
  (c) a receptionist cannot open the audit trail (403).

Then, unless --journeys-only, the accessibility (axe-core, keyboard) and HTML validity
checks of e2e/a11y_html.py run against the same server.

Screenshots of every step, desktop (1366x900) and phone (390x844), go to
e2e/artifacts/<run>/. The last line printed is "N passed, M failed"; the exit status
is non-zero when anything failed.

Run it through scripts/e2e-journeys, or directly from the repo root:
  IPT_BIN=.build/debug/iptclinic python3 e2e/journeys.py [--journeys-only | --checks-only]
"""
from __future__ import annotations

import argparse
import re
import signal
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (ADMIN_EMAIL, ADMIN_NAME, PASSWORD, RECEPTION_EMAIL, RECEPTION_NAME, complete_two_factor, fill, sign_in,  # noqa: E402
                    AppServer, Browser, CheckFailed, Results, artifacts_dir, check_tools,
                    email_text, expect, log, run_name)
from journey_calendar import journey_calendar  # noqa: E402

import journey_clinical_forms  # noqa: E402
import journey_portal  # noqa: E402
import journey_booking_by_day  # noqa: E402
import journey_outcomes  # noqa: E402
import journey_billing  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


def field_value(b: Browser, sel: str) -> str:
    return b.one(sel).get_attribute("value") or ""



def choose(b: Browser, sel: str, label: str) -> None:
    """Select the option shown as `label` (its text, or its label attribute when it has no text)."""
    select = b.one(sel)
    for o in select.find_elements(By.TAG_NAME, "option"):
        if (o.text.strip() or (o.get_attribute("label") or "").strip()) == label:
            Select(select).select_by_index(int(o.get_attribute("index")))
            return
    raise CheckFailed(f"{sel} has no option {label!r}")


def table_rows(b: Browser, scope: str = "main") -> list:
    """The body rows of the first data table in scope, as lists of cell texts."""
    rows = []
    for tr in b.css(f"{scope} table tbody tr"):
        rows.append([td.text.strip() for td in tr.find_elements(By.CSS_SELECTOR, "td,th")])
    return rows


# =========================================================================== journey A

def journey_visitor(res: Results, srv: AppServer, b: Browser, st: dict) -> bool:
    tag = uuid.uuid4().hex[:6]
    st["visitor_name"] = f"Vera Visitor {tag}"
    st["visitor_email"] = f"vera.{tag}@example.net"
    st["visitor_phone"] = "416-555-0199"
    st["visitor_message"] = f"Hello, I would like to ask about IPT after a recent move ({tag})."

    def home():
        b.get("/")
        expect(b.h1() != "", "home page has no h1")
        expect(b.css("a.skip-link[href='#main']"), "home page has no skip link to #main")
        b.shot("a-home")
        return b.h1()

    def what_is_ipt():
        b.click_and_load(b.link("What IPT is", "nav.site-nav"))
        expect(b.path() == "/what-is-ipt", f"expected /what-is-ipt, got {b.path()}")
        expect("IPT" in b.h1() or "interpersonal" in b.h1().lower(), f"unexpected h1 {b.h1()!r}")
        b.shot("a-what-is-ipt")
        return b.h1()

    def focus_page():
        links = [a for a in b.css("main a[href^='/focus/']") if a.is_displayed()] or \
                [a for a in b.css("footer a[href^='/focus/']") if a.is_displayed()]
        expect(bool(links), "no link to a focus page on What IPT is (main or footer)")
        name = links[0].text.strip()
        b.click_and_load(links[0])
        expect(b.path().startswith("/focus/"), f"expected a /focus/ page, got {b.path()}")
        expect(b.h1() != "", "focus page has no h1")
        b.shot("a-focus-page")
        return f"{name} -> {b.path()}: {b.h1()}"

    def enquiry_invalid():
        b.click_and_load(b.link("Contact", "nav.site-nav"))
        expect(b.path() == "/contact", f"expected /contact, got {b.path()}")
        fill(b, "#field-name", st["visitor_name"])
        fill(b, "#field-phone", st["visitor_phone"])
        b.click(b.one("#field-preferredContact-phone"))
        fill(b, "#field-message", st["visitor_message"])
        consent = b.one("#field-consent")
        if not consent.is_selected():
            b.click(consent)
        # email left empty on purpose
        b.click_and_load(b.button("Send my message", "main form"), expect_status=422)
        summary = b.one(".error-summary", "error summary")
        expect(summary.is_displayed(), "error summary is not visible")
        expect(summary.find_elements(By.CSS_SELECTOR, "a[href='#field-email']"),
               f"error summary has no link to #field-email: {summary.text!r}")
        expect(b.css("#error-email.field-error") or b.css(".field-error"),
               "no .field-error next to the email field")
        email_in = b.one("#field-email")
        expect(email_in.get_attribute("aria-invalid") == "true", "email field lacks aria-invalid=true")
        kept = {
            "name": field_value(b, "#field-name") == st["visitor_name"],
            "phone": field_value(b, "#field-phone") == st["visitor_phone"],
            "preferredContact=phone": b.one("#field-preferredContact-phone").is_selected(),
            "message": field_value(b, "#field-message") == st["visitor_message"],
            "consent": b.one("#field-consent").is_selected(),
        }
        lost = [k for k, v in kept.items() if not v]
        b.shot("a-contact-errors")
        expect(not lost, f"typed values not kept after the 422 re-render: {', '.join(lost)}")
        return "error summary shown, all typed values kept"

    def enquiry_valid():
        fill(b, "#field-email", st["visitor_email"])
        b.click_and_load(b.button("Send my message", "main form"))
        expect(b.path() == "/contact/thanks", f"expected /contact/thanks, got {b.path()}")
        b.shot("a-contact-thanks")
        return b.h1()

    def enquiry_ack_email():
        msg = srv.wait_for_email(st["visitor_email"], "received your message")
        return f"subject: {msg['Subject']}"

    def newsletter_signup():
        b.click_and_load(b.link("Newsletter", "footer"))
        expect(b.path() == "/newsletter", f"expected /newsletter, got {b.path()}")
        fill(b, "#field-email", st["visitor_email"])
        c = b.one("#field-consent")
        if not c.is_selected():
            b.click(c)
        b.click_and_load(b.button("Sign up", "main form"))
        expect(b.path() == "/newsletter/check-your-inbox", f"expected /newsletter/check-your-inbox, got {b.path()}")
        b.shot("a-newsletter-check-inbox")
        return b.h1()

    def confirmation_email():
        msg = srv.wait_for_email(st["visitor_email"], "confirm")
        body = email_text(msg)
        m = re.search(r"(https?://\S+)?(/newsletter/confirm/[A-Za-z0-9_\-]+)", body)
        expect(m is not None, f"no /newsletter/confirm/<token> link in the email body:\n{body}")
        expect(m.group(1) is None or m.group(1) == srv.base,
               f"confirm link points at {m.group(1)!r}, expected IPT_PUBLIC_URL {srv.base}")
        st["confirm_path"] = m.group(2)
        return f"{msg['Subject']!s} -> {m.group(2)[:40]}..."

    def confirm():
        b.get(st["confirm_path"])
        b.shot("a-newsletter-confirm-page")
        b.click_and_load(b.button("Yes, subscribe me"))
        text = b.one("main").text
        b.shot("a-newsletter-confirmed")
        expect("error" not in b.h1().lower(), f"confirmation page says {b.h1()!r}")
        return f"{b.path()}: {b.h1()} / {text[:80]!r}"

    return res.steps("visitor", [
        ("home page", home),
        ("What IPT is, from the main menu", what_is_ipt),
        ("a focus page, from What IPT is", focus_page),
        ("enquiry with empty email: 422, error summary, values kept", enquiry_invalid),
        ("enquiry with all fields: thanks page", enquiry_valid),
        ("enquiry acknowledgement email in the outbox", enquiry_ack_email),
        ("newsletter sign-up: check-your-inbox page", newsletter_signup),
        ("confirmation email in the outbox with a confirm link", confirmation_email),
        ("confirm link: 'Yes, subscribe me' subscribes", confirm),
    ])


# =========================================================================== journey B



def journey_staff(res: Results, srv: AppServer, b: Browser, visitor: Browser, st: dict) -> bool:
    nl_subject = f"Spring news {uuid.uuid4().hex[:6]}"

    def signin():
        b.get("/")
        b.click_and_load(b.link("Staff sign-in", "footer"))
        expect(b.path().startswith("/staff/sign-in"), f"footer link led to {b.path()}")
        b.shot("b-sign-in")
        fill(b, "#field-email", ADMIN_EMAIL)
        fill(b, "#field-password", PASSWORD)
        b.click_and_load(b.button("Sign in", "main form"))
        # The clinic requires two-factor sign-in for the admin: the first sign-in sets it up.
        expect(b.path() == "/staff/two-factor/setup", f"after the password expected two-factor set-up, got {b.path()}")
        st["two_factor"] = complete_two_factor(b, ADMIN_EMAIL, shots=True)
        expect(b.path() == "/staff", f"after sign-in expected /staff, got {b.path()}")
        expect(ADMIN_NAME in b.one("header .signed-in-as").text and b.h1().startswith("Today"),
               f"the staff bar does not name {ADMIN_NAME}, or the landing page is {b.h1()!r}, not Today")
        b.shot("b-dashboard")
        return b.h1()

    def inbox():
        b.click_and_load(b.link("Enquiries", "nav.staff-side"))
        expect(b.path().startswith("/staff/enquiries"), f"expected /staff/enquiries, got {b.path()}")
        link = [a for a in b.css("main table a") if a.text.strip() == st["visitor_name"]]
        expect(bool(link), f"enquiry from {st['visitor_name']!r} not in the inbox; rows: {table_rows(b)}")
        href = link[0].get_attribute("href")
        m = re.search(r"/staff/enquiries/([0-9A-Fa-f-]{36})$", href or "")
        expect(m is not None, f"enquiry link is not /staff/enquiries/<uuid>: {href}")
        st["enquiry_id"] = m.group(1)
        b.shot("b-enquiries")
        return f"{len(table_rows(b))} row(s)"

    def open_enquiry():
        link = [a for a in b.css("main table a") if a.text.strip() == st["visitor_name"]][0]
        b.click_and_load(link)
        expect(st["enquiry_id"].lower() in b.path().lower(), f"expected the enquiry page, got {b.path()}")
        text = b.one("main").text
        for what in ("visitor_email", "visitor_message", "visitor_phone"):
            expect(st[what] in text, f"enquiry page does not show the {what.split('_')[1]} {st[what]!r}")
        expect(re.search(r"\bPhone\b", text) is not None, "enquiry page does not show the preferred contact")
        b.shot("b-enquiry")
        return b.h1()

    def mark_handled():
        st["note"] = f"Called back, booked a free consultation ({uuid.uuid4().hex[:6]})."
        fill(b, "#field-note", st["note"])
        b.click_and_load(b.button("Mark handled", "main form"))
        b.shot("b-after-mark-handled")
        landed = b.path()
        b.get(f"/staff/enquiries/{st['enquiry_id']}")
        status = [x.text.strip() for x in b.css("main .status")]
        text = b.one("main").text
        b.shot("b-enquiry-handled")
        expect("Handled" in status, f"enquiry status after 'Mark handled' is {status}, expected Handled")
        expect(st["note"] in text, f"the note {st['note']!r} is not shown on the handled enquiry")
        expect(ADMIN_NAME in text, f"the handled enquiry does not say who handled it ({ADMIN_NAME})")
        return f"redirected to {landed}; status Handled, note and handler shown"

    def open_filter():
        b.get("/staff/enquiries")
        b.click_and_load(b.link("Open", "main nav.filters"))
        expect("status=open" in b.path(), f"Open filter went to {b.path()}")
        ids = [a.get_attribute("href") or "" for a in b.css("main table a")]
        b.shot("b-enquiries-open")
        expect(not any(st["enquiry_id"].lower() in h.lower() for h in ids),
               "handled enquiry is still listed under the Open filter")
        b.click_and_load(b.link("Handled", "main nav.filters"))
        ids = [a.get_attribute("href") or "" for a in b.css("main table a")]
        expect(any(st["enquiry_id"].lower() in h.lower() for h in ids),
               "handled enquiry is not listed under the Handled filter")
        b.shot("b-enquiries-handled")
        return "gone from Open, listed under Handled"

    def subscribers_csv():
        b.click_and_load(b.link("Subscribers", "nav.staff-side"))
        expect(st["visitor_email"] in b.one("main").text,
               f"subscriber {st['visitor_email']} not on /staff/subscribers")
        row = [r for r in table_rows(b) if any(st["visitor_email"] in c for c in r)]
        expect(row and any("onfirmed" in c for c in row[0]), f"subscriber row does not say confirmed: {row}")
        b.shot("b-subscribers")
        a = b.link("Download as CSV", "main")
        href = a.get_attribute("href")
        expect(href.endswith("/staff/subscribers.csv") or "/staff/subscribers.csv" in href,
               f"CSV link points at {href}")
        r = b.cookie_session().get(href, timeout=15, allow_redirects=False)
        expect(r.status_code == 200, f"GET {href} with the staff session answered {r.status_code}")
        ctype = r.headers.get("content-type", "")
        expect("text/csv" in ctype, f"CSV content-type is {ctype!r}")
        disp = r.headers.get("content-disposition", "")
        expect("attachment" in disp, f"CSV has no attachment content-disposition: {disp!r}")
        text = r.content.decode("utf-8-sig")
        expect(st["visitor_email"] in text, f"CSV does not list {st['visitor_email']}:\n{text[:500]}")
        (b.art / "subscribers.csv").write_text(text)
        lines = text.strip().splitlines()
        return f"{len(lines)} line(s); header {lines[0]!r}"

    def compose_preview():
        b.click_and_load(b.link("Newsletters", "nav.staff-side"))
        fill(b, "#field-subject", nl_subject)
        fill(b, "#field-body", "Hello from the clinic\n\nWe have new openings in the reduced-rate clinic.\n\n"
                               "- Free 15-minute phone consultation\n- Evening sessions\n")
        b.click_and_load(b.button("Preview", "main form"))
        main = b.one("main")
        b.shot("b-newsletter-preview")
        # Issues go out as plain text, so the preview shows that text with the footer every copy carries.
        previews = main.find_elements(By.CSS_SELECTOR, "section.preview .message-body")
        expect(bool(previews), "no preview of the text subscribers will receive")
        preview = previews[0].text
        expect("We have new openings in the reduced-rate clinic." in preview, f"preview lacks the text: {preview[:300]!r}")
        expect("Unsubscribe at any time" in preview, f"preview lacks the unsubscribe footer: {preview[-300:]!r}")
        expect(field_value(b, "#field-subject") == nl_subject, "subject not kept in the form after Preview")
        return "plain-text preview with its footer, form kept"

    def send():
        buttons = [x for x in b.css("main form button[name='intent'][value='send']") if x.is_displayed()]
        expect(bool(buttons), "no Send button (name=intent value=send)")
        label = buttons[0].text.strip()
        expect(re.search(r"\b1\b", label) is not None or "subscriber" in label, f"send button says {label!r}")
        b.click_and_load(buttons[0])
        text = b.one("main").text
        b.shot("b-newsletter-sent")
        expect(nl_subject in text, f"sent newsletter {nl_subject!r} not listed after sending:\n{text[:600]}")
        return label

    def newsletter_email():
        msg = srv.wait_for_email(st["visitor_email"], nl_subject, timeout=30)
        lu = str(msg.get("List-Unsubscribe", ""))
        expect(lu != "", f"newsletter email has no List-Unsubscribe header; headers: {list(msg.keys())}")
        m = re.search(r"<(https?://[^>]*/newsletter/unsubscribe/[A-Za-z0-9_\-]+)>", lu)
        expect(m is not None, f"List-Unsubscribe has no <.../newsletter/unsubscribe/<token>> URL: {lu!r}")
        body = email_text(msg)
        expect("/newsletter/unsubscribe/" in body, "newsletter body has no unsubscribe link")
        st["unsubscribe_url"] = m.group(1)
        lup = str(msg.get("List-Unsubscribe-Post", ""))
        return f"List-Unsubscribe: {lu[:70]}...; List-Unsubscribe-Post: {lup or '(none)'}"

    def visitor_unsubscribes():
        url = st["unsubscribe_url"]
        expect(url.startswith(srv.base), f"unsubscribe URL {url} is not on IPT_PUBLIC_URL {srv.base}")
        visitor.get(url)
        visitor.shot("b-unsubscribe-page")
        visitor.click_and_load(visitor.button("Unsubscribe"))
        visitor.shot("b-unsubscribed")
        return f"{visitor.h1()}"

    def staff_sees_unsubscribed():
        b.get("/staff/subscribers")
        b.click_and_load(b.link("Unsubscribed", "main nav.filters"))
        rows = [r for r in table_rows(b) if any(st["visitor_email"] in c for c in r)]
        b.shot("b-subscribers-unsubscribed")
        expect(bool(rows), f"{st['visitor_email']} not listed under Unsubscribed; rows: {table_rows(b)}")
        expect(any("nsubscribed" in c for c in rows[0]), f"row does not say unsubscribed: {rows[0]}")
        return " | ".join(rows[0])

    def audit():
        b.click_and_load(b.link("Audit trail", "nav.staff-side"))
        expect(b.path().startswith("/staff/audit"), f"expected /staff/audit, got {b.path()}")
        b.shot("b-audit")
        rows = table_rows(b)
        mine = [r for r in rows if len(r) > 3 and r[2].startswith(ADMIN_NAME) and r[3] == "view"]
        expect(bool(mine), f"no 'view' events by {ADMIN_NAME} in the audit trail; first rows: {rows[:5]}")
        expect(any(r[4].startswith("enquiry ") or r[4] == "enquiry" for r in mine),
               f"no view of the enquiry record by {ADMIN_NAME}; view rows: {mine[:8]}")
        expect(any(len(r) > 3 and r[2].startswith(ADMIN_NAME) and r[3] == "export" for r in rows),
               f"the subscriber CSV export is not in the audit trail; first rows: {rows[:8]}")
        # the filter form: Who = Ada Admin, Action = view
        choose(b, "#field-actor", ADMIN_NAME)
        choose(b, "#field-action", "view")
        b.click_and_load(b.button("Filter", "main form"))
        rows = table_rows(b)
        b.shot("b-audit-filtered")
        expect(bool(rows), "the audit filter Who=Ada Admin, Action=view shows no rows")
        odd = [r for r in rows if not (r[2].startswith(ADMIN_NAME) and r[3] == "view")]
        expect(not odd, f"the audit filter shows rows of other people or actions: {odd[:5]}")
        return f"{len(mine)} view event(s) by {ADMIN_NAME}; filter shows {len(rows)}"

    def sign_out():
        b.click_and_load(b.button("Sign out", "header"))
        b.get("/staff", expect_status=None)
        expect(b.path().startswith("/staff/sign-in"), f"after signing out, /staff shows {b.path()} ({b.h1()!r})")
        b.shot("b-signed-out")
        return b.path()

    return res.steps("staff", [
        ("admin signs in from the footer link", signin),
        ("enquiry inbox lists the visitor's enquiry", inbox),
        ("open the enquiry", open_enquiry),
        ("mark it handled with a note", mark_handled),
        ("gone from the Open filter, under Handled", open_filter),
        ("subscribers page and CSV export", subscribers_csv),
        ("compose and preview a newsletter", compose_preview),
        ("send the newsletter", send),
        ("visitor's newsletter email has List-Unsubscribe", newsletter_email),
        ("visitor unsubscribes from the link", visitor_unsubscribes),
        ("staff sees the subscriber as unsubscribed", staff_sees_unsubscribed),
        ("audit trail shows the admin's own view events", audit),
        ("sign out", sign_out),
    ])


# =========================================================================== journey C

def journey_receptionist(res: Results, srv: AppServer, b: Browser, st: dict) -> bool:
    def signin():
        sign_in(b, RECEPTION_EMAIL)
        expect(RECEPTION_NAME in b.one("header .signed-in-as").text, f"the staff bar does not name {RECEPTION_NAME}")
        b.shot("c-dashboard")
        nav = [a.text.strip() for a in b.css("nav.staff-side a")]
        expect("Audit trail" not in nav, f"the receptionist's menu links to the audit trail, which answers 403: {nav}")
        return f"nav: {nav}"

    def enquiries_ok():
        b.get("/staff/enquiries")
        return b.h1()

    def audit_forbidden():
        b.get("/staff/audit", expect_status=403)
        text = b.one("main").text
        b.shot("c-audit-403")
        expect(not b.css("main table"), "the 403 page shows a table")
        expect(b.h1() != "", "the 403 page has no h1")
        r = b.cookie_session().get(srv.base + "/staff/audit", timeout=10, allow_redirects=False)
        expect(r.status_code == 403, f"GET /staff/audit with the receptionist's cookie answered {r.status_code}")
        return f"{b.h1()!r}: {text[:80]!r}"

    def settings_forbidden():
        b.get("/staff/settings", expect_status=403)
        expect(not b.css("main form[action='/staff/settings']"), "the 403 page shows the settings form")
        return b.h1()

    return res.steps("receptionist", [
        ("receptionist signs in", signin),
        ("receptionist can open the enquiries", enquiries_ok),
        ("receptionist gets 403 on /staff/audit", audit_forbidden),
        ("receptionist gets 403 on /staff/settings", settings_forbidden),
    ])


# =========================================================================== main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--journeys-only", action="store_true", help="skip the accessibility and HTML checks")
    g.add_argument("--checks-only", action="store_true", help="only the accessibility and HTML checks")
    args = ap.parse_args()
    # on SIGTERM (e.g. from `timeout`) unwind normally, so the app server and browsers stop
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    check_tools()
    run = run_name()
    art = artifacts_dir(run)
    res = Results()
    t0 = time.monotonic()
    log(f"e2e run {run}: artifacts in {art}")

    srv = AppServer(art, "server")
    browsers: list = []
    try:
        srv.create_staff(ADMIN_EMAIL, ADMIN_NAME, "admin")
        srv.create_staff(RECEPTION_EMAIL, RECEPTION_NAME, "receptionist")
        srv.start()
        log(f"app: {srv.bin} on {srv.base}, data in {srv.data_dir}")
        st: dict = {}

        if not args.checks_only:
            visitor = Browser(srv.base, art, "visitor-")
            browsers.append(visitor)
            ok_a = journey_visitor(res, srv, visitor, st)
            staff = Browser(srv.base, art, "staff-")
            browsers.append(staff)
            if ok_a:
                journey_staff(res, srv, staff, visitor, st)
            else:
                res.not_run.append("staff: whole journey (needs the visitor's enquiry and subscription)")
                log("     (staff journey not run: it needs the visitor's enquiry and subscription)")
            recep = Browser(srv.base, art, "reception-")
            browsers.append(recep)
            journey_receptionist(res, srv, recep, st)
            import journey_today
            journey_today.journey_today(res, art)
            import booking_journey
            booking_journey.journey_booking(res, art)
            import clinical_journey
            clinical_journey.journey_clinical(res, art)
            journey_clinical_forms.journey_clinical_forms(res, art)
            journey_portal.journey_portal(res, art)
            journey_calendar(res, art)
            journey_booking_by_day.journey_booking_by_day(res, art)
            journey_outcomes.journey_outcomes(res, art)
            journey_billing.journey_billing(res, art)
            import journey_team
            journey_team.journey_team(res, art)
            for b in browsers:
                b.quit()
            browsers.clear()

            seen = []
            for b in (visitor, staff, recep):
                seen.extend(b.statuses)
            bad = [f"{s} {u}" for u, s in seen if s and s >= 500]
            res.check("journeys: no 5xx response seen by the browser",
                      lambda: (expect(not bad, "5xx responses:\n" + "\n".join(bad)),
                               f"{len(seen)} documents")[1])

        if not args.journeys_only:
            import a11y_html
            a11y_html.run_checks(res, srv, art)

        problems = srv.log_problems()
        res.check("server log has no ERROR/CRITICAL lines",
                  lambda: (expect(not problems, "\n".join(problems[:20])), "")[1])
    except CheckFailed as e:
        res.fail("setup", str(e))
    except Exception as e:
        import traceback
        res.fail("setup", f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=5)}")
    finally:
        for b in browsers:
            b.quit()
        srv.stop()

    log(f"screenshots: {len(list(art.glob('*.png')))} in {art}; took {time.monotonic() - t0:.0f}s")
    if res.failed:
        log(f"server log: {srv.log_path}")
    res.summary()
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
