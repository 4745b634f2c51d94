#!/usr/bin/env python3
"""Accessibility and HTML validity checks for the IPT clinic app (issue 3, item 2 and 3).

For every public page and every main staff page (and the pages forms lead to: errors,
thanks, confirm, unsubscribe, 403, 404), in headless Chromium:
  * axe-core runs at desktop (1366x900) and phone (390x844) size; any violation of
    impact "serious" or "critical" fails the page (moderate/minor ones are listed only);
  * the HTML the browser received (the response body, read through the DevTools
    protocol) is parsed by html5lib.HTMLParser(strict=True), which must raise no error.
Plus a keyboard-only walk of the enquiry form: Tab reaches the skip link first, then
each form field and the submit button in order, never the honeypot, and Enter on the
submit button sends the form.

Normally run by e2e/journeys.py against its server. Standalone (starts its own server):
  IPT_BIN=.build/debug/iptclinic python3 e2e/a11y_html.py
"""
from __future__ import annotations

import importlib.util
import os
import re
import signal
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import html5lib  # noqa: E402
from html5lib.constants import E as HTML5LIB_MESSAGES  # noqa: E402

from common import (ADMIN_EMAIL, ADMIN_NAME, PASSWORD, PHONE, PUBLIC_PAGES, RECEPTION_EMAIL,  # noqa: E402
                    RECEPTION_NAME, AppServer, Browser, CheckFailed, Results, artifacts_dir,
                    check_tools, complete_two_factor, document_gone, fill, sign_in, email_text, expect, log,
                    run_name)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402

FAIL_IMPACTS = ("serious", "critical")

# PyPI packages that ship axe-core's axe.min.js, newest axe-core first. The script only
# reads the JS file; the packages' Python code (and their dependencies) is never imported.
#   axe-playwright-python 0.1.8 -> axe-core 4.12.1 (installed with --no-deps)
#   axe-selenium-python   2.1.6 -> axe-core 3.1.1  (3.0.0 has 4.10.2 but needs Python >= 3.12)
AXE_CARRIERS = [
    ("axe_playwright_python", "axe.min.js"),
    ("axe_selenium_python", "node_modules/axe-core/axe.min.js"),
    ("axe_core_python", "axe.min.js"),
]


def find_axe() -> Path:
    env = os.environ.get("E2E_AXE_JS")
    if env:
        return Path(env)
    for pkg, rel in AXE_CARRIERS:
        try:
            spec = importlib.util.find_spec(pkg)  # locates the package without importing it
        except (ImportError, ValueError):
            spec = None
        if spec and spec.submodule_search_locations:
            for loc in spec.submodule_search_locations:
                p = Path(loc) / rel
                if p.exists():
                    return p
    raise RuntimeError("axe-core's axe.min.js not found: run scripts/install-e2e-tools "
                       "(pip install --no-deps -r e2e/requirements-axe.txt), or set E2E_AXE_JS")


# --------------------------------------------------------------------------- axe

class Axe:
    def __init__(self):
        self.path = find_axe()
        self.source = self.path.read_text(encoding="utf-8")
        self.version = "?"
        self.notes: dict = {}  # (rule, impact, help) -> set of page labels, for non-failing findings
        self.failing: dict = {}  # (rule, impact, element's start tag) -> set of page labels

    def run(self, b: Browser) -> list:
        d = b.driver
        if not d.execute_script("return typeof window.axe === 'object'"):
            d.execute_script(self.source)
        out = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            " .then(function (r) { done({version: axe.version, violations: r.violations}); })"
            " .catch(function (e) { done({error: String(e && e.stack || e)}); });")
        if out.get("error"):
            raise CheckFailed(f"axe.run failed: {out['error']}")
        self.version = out.get("version", self.version)
        return out["violations"]

    def check_page(self, b: Browser, label: str) -> str:
        """axe at desktop size and at phone size; fail on serious/critical violations."""
        found = {}  # rule id -> (violation, [sizes])
        for size in ("desktop", "phone"):
            if size == "phone":
                b.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                    "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
            try:
                for v in self.run(b):
                    if v["id"] in found:
                        found[v["id"]][1].append(size)
                    else:
                        found[v["id"]] = (v, [size])
            finally:
                if size == "phone":
                    b.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        bad = []
        for rule, (v, sizes) in found.items():
            impact = v.get("impact") or "?"
            if impact in FAIL_IMPACTS:
                bad.append(format_violation(v, sizes))
                for n in v.get("nodes", []):
                    start_tag = re.sub(r"\s+", " ", n.get("html", "")).split(">")[0][:120] + ">"
                    self.failing.setdefault((rule, impact, start_tag, ", ".join(sizes)), set()).add(label)
            else:
                self.notes.setdefault((rule, impact, v.get("help", "")), set()).add(label)
        expect(not bad, f"axe-core {self.version}: {len(bad)} serious/critical violation(s) on "
                        f"{b.path()}:\n" + "\n".join(bad))
        minor = [f"{r}({v.get('impact')})" for r, (v, _) in found.items() if v.get("impact") not in FAIL_IMPACTS]
        return "no serious/critical" + (f"; moderate/minor: {', '.join(minor)}" if minor else "")


def format_violation(v: dict, sizes: list) -> str:
    lines = [f"[{v.get('impact')}] {v['id']}: {v.get('help')} ({', '.join(sizes)})",
             f"    {v.get('helpUrl', '')}"]
    nodes = v.get("nodes", [])
    for n in nodes[:6]:
        target = " ".join(str(t) for t in n.get("target", []))
        html = re.sub(r"\s+", " ", n.get("html", ""))[:220]
        lines.append(f"    at {target}: {html}")
        summary = (n.get("failureSummary") or "").replace("\n", " ").strip()
        if summary:
            lines.append(f"       {summary[:400]}")
    if len(nodes) > 6:
        lines.append(f"    ... and {len(nodes) - 6} more element(s)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- html5lib

def html_errors(text: str) -> list:
    """All html5lib parse errors as readable strings, with line:col and the source line."""
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    src = text.splitlines()
    out = []
    for (line, col), code, data in parser.errors:
        msg = HTML5LIB_MESSAGES.get(code, code)
        try:
            msg = msg % data
        except (TypeError, KeyError, ValueError):
            msg = f"{msg} {data}"
        ctx = ""
        if 0 < line <= len(src):
            s = src[line - 1]
            ctx = s[max(0, col - 90): col + 30]
        out.append(f"{line}:{col} {code}: {msg}\n       near: ...{ctx}...")
    return out


def check_html(text: str, where: str) -> str:
    try:
        html5lib.HTMLParser(strict=True).parse(text)
    except html5lib.html5parser.ParseError as e:
        errs = html_errors(text)
        raise CheckFailed(f"html5lib strict parse of {where} raised ParseError({e}); "
                          f"{len(errs)} error(s):\n  " + "\n  ".join(errs[:12]))
    return f"{len(text)} chars, no parse error"


# --------------------------------------------------------------------------- page auditing

class Auditor:
    def __init__(self, res: Results, axe: Axe, art: Path):
        self.res = res
        self.axe = axe
        self.art = art
        self.pages: list = []

    def page(self, b: Browser, label: str) -> None:
        """axe + html5lib for the page the browser shows now."""
        self.pages.append(label)
        self.res.check(f"axe {label}", lambda: self.axe.check_page(b, label))
        body = b.document_html()

        def html():
            expect(body is not None, f"could not read the response body of {b.path()} from the browser")
            return check_html(body, b.path())
        self.res.check(f"html {label}", html)

    def visit(self, b: Browser, path: str, label: str = None, status: int = 200) -> None:
        label = label or path
        try:
            b.get(path, expect_status=status)
        except Exception as e:
            self.res.fail(f"open {label}", str(e))
            return
        self.page(b, label)


# --------------------------------------------------------------------------- keyboard

FOCUS_DESC = """
const e = document.activeElement;
if (!e || e === document.body || e === document.documentElement)
  return {tag: 'body', id: '', name: '', type: '', cls: '', href: '', text: '',
          outline: false, shadow: false, inForm: false};
const cs = getComputedStyle(e);
return {tag: e.tagName.toLowerCase(), id: e.id || '', name: e.getAttribute('name') || '',
        type: e.getAttribute('type') || '', cls: e.className || '', href: e.getAttribute('href') || '',
        text: (e.innerText || e.value || '').trim().slice(0, 40),
        outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
        shadow: cs.boxShadow !== 'none', inForm: !!e.closest('main form')};
"""


def describe(f: dict) -> str:
    if f["tag"] == "body":
        return "<body>"
    bits = f["tag"]
    if f.get("id"):
        bits += "#" + f["id"]
    if f.get("name"):
        bits += f"[name={f['name']}]"
    if f.get("href"):
        bits += f"[href={f['href']}]"
    if f.get("text") and f["tag"] in ("a", "button"):
        bits += f" {f['text']!r}"
    return bits


def tab(b: Browser, n: int = 1, shift: bool = False) -> dict:
    chain = ActionChains(b.driver)
    for _ in range(n):
        if shift:
            chain.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            chain.send_keys(Keys.TAB)
    chain.perform()
    return b.driver.execute_script(FOCUS_DESC)


CONTACT_ORDER = [
    ("name", lambda f: f["name"] == "name"),
    ("email", lambda f: f["name"] == "email"),
    ("phone", lambda f: f["name"] == "phone"),
    ("preferredContact", lambda f: f["name"] == "preferredContact"),
    ("message", lambda f: f["name"] == "message"),
    ("consent", lambda f: f["name"] == "consent"),
    ("submit button", lambda f: f["tag"] == "button" and f["inForm"]),
]


def keyboard_checks(res: Results, b: Browser) -> None:
    walk: list = []

    def skip_link_first():
        b.get("/contact")
        f = tab(b)
        expect(f["tag"] == "a" and "skip-link" in f["cls"],
               f"first Tab on /contact focuses {describe(f)}, expected the skip link")
        expect(f["outline"] or f["shadow"], "the focused skip link has no visible outline or box-shadow")
        b.shot("kbd-skip-link")
        ActionChains(b.driver).send_keys(Keys.ENTER).perform()
        b.wait().until(lambda d: d.execute_script("return location.hash") == "#main")
        active = b.driver.execute_script("return document.activeElement.id")
        expect(active == "main", f"after Enter on the skip link, focus is on #{active or '?'}, expected #main")
        nxt = tab(b)
        expect(nxt["tag"] != "body" and b.driver.execute_script("return !!document.activeElement.closest('main')"),
               f"Tab after the skip link focuses {describe(nxt)}, expected the first control in main")
        return f"{describe(f)}; Enter moves focus to #main; next Tab -> {describe(nxt)}"

    def tab_order():
        b.get("/contact")
        seen = []
        for _ in range(150):
            f = tab(b)
            if seen and f == seen[0]:
                break  # wrapped around
            seen.append(f)
            if f["tag"] == "body" and len(seen) > 1:
                break
        walk.extend(seen)
        names = [describe(f) for f in seen]
        (b.art / "keyboard-walk-contact.txt").write_text("\n".join(names) + "\n")
        expect(not any(f["name"] == "website" for f in seen),
               "the honeypot field (name=website) is reachable by Tab:\n  " + "\n  ".join(names))
        pos = []
        for what, pred in CONTACT_ORDER:
            idx = [i for i, f in enumerate(seen) if pred(f)]
            expect(bool(idx), f"Tab never reaches the {what} field; stops were:\n  " + "\n  ".join(names))
            pos.append((what, idx[0]))
        order = [w for w, _ in sorted(pos, key=lambda p: p[1])]
        expect(order == [w for w, _ in CONTACT_ORDER],
               f"form controls are reached in the order {order}; stops were:\n  " + "\n  ".join(names))
        no_ring = [describe(f) for f in seen if f["inForm"] and not (f["outline"] or f["shadow"])]
        expect(not no_ring, f"focused form controls without a visible outline/box-shadow: {no_ring}")
        return f"{len(seen)} Tab stops; form: " + " -> ".join(order) + "; honeypot never focused"

    def keyboard_submit():
        b.get("/contact")
        tag = uuid.uuid4().hex[:6]
        typed = {"name": f"Kim Keyboard {tag}", "email": f"kim.{tag}@example.net", "phone": "416-555-0101",
                 "message": "Sent with the keyboard only."}
        for _ in range(150):
            f = tab(b)
            if f["name"] in typed:
                ActionChains(b.driver).send_keys(typed.pop(f["name"])).perform()
            elif f["name"] == "consent":
                ActionChains(b.driver).send_keys(Keys.SPACE).perform()
                expect(b.driver.execute_script("return document.activeElement.checked") is True,
                       "Space on the consent checkbox did not tick it")
            elif f["tag"] == "button" and f["inForm"]:
                break
        else:
            raise CheckFailed("never reached the submit button by Tab")
        expect(not typed, f"Tab did not reach these fields before the button: {list(typed)}")
        b.shot("kbd-before-enter")
        expect(b.driver.execute_script("return document.activeElement.type") == "submit",
               "after the screenshot, focus is no longer on the submit button")
        old = b.driver.find_element(By.TAG_NAME, "html")
        b._drain()
        ActionChains(b.driver).send_keys(Keys.ENTER).perform()
        b.wait(20).until(document_gone(old))
        b.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")
        st = b.last_status()
        b.shot("kbd-after-enter")
        expect(b.path() == "/contact/thanks",
               f"Enter on the submit button led to {b.path()} ({st}, h1 {b.h1()!r}), expected /contact/thanks")
        return f"Enter on the submit button -> {b.path()} ({st})"

    res.steps("keyboard /contact", [
        ("Tab reaches the skip link first; it moves focus to main", skip_link_first),
        ("Tab reaches every field then the button in order, never the honeypot", tab_order),
        ("fill and submit with the keyboard only (Enter on the button)", keyboard_submit),
    ])


# --------------------------------------------------------------------------- the run




def run_checks(res: Results, srv: AppServer, art: Path, demo: bool = True) -> None:
    """All accessibility and HTML checks against a running server (fresh or not)."""
    t0 = time.monotonic()
    axe = Axe()
    log(f"-- accessibility and HTML checks (axe-core from {axe.path})")
    aud = Auditor(res, axe, art)
    browsers = []
    tag = uuid.uuid4().hex[:6]
    subscriber = f"axe.{tag}@example.net"
    try:
        anon = Browser(srv.base, art, "a11y-anon-")
        browsers.append(anon)

        # ---- public pages
        for p in PUBLIC_PAGES:
            aud.visit(anon, p)
        aud.visit(anon, f"/no-such-page-{tag}", "404 page", status=404)

        # ---- forms with errors, and what they lead to
        def contact_errors():
            anon.get("/contact")
            fill(anon, "#field-name", "Axe Tester")
            fill(anon, "#field-message", "Checking the error page.")
            anon.click_and_load(anon.button("Send my message", "main form"), expect_status=422)
            expect(anon.css(".error-summary"), "no .error-summary after submitting without email and consent")
            expect(anon.css(".field-error"), "no .field-error after submitting without email and consent")
            anon.shot("contact-errors")
        if res.check("reach /contact with errors shown", contact_errors):
            aud.page(anon, "/contact (with errors)")

            def contact_ok():
                fill(anon, "#field-email", f"axe.enquiry.{tag}@example.net")
                c = anon.one("#field-consent")
                if not c.is_selected():
                    anon.click(c)
                anon.click_and_load(anon.button("Send my message", "main form"))
                expect(anon.path() == "/contact/thanks", f"valid enquiry led to {anon.path()}")
            if res.check("reach /contact/thanks", contact_ok):
                aud.page(anon, "/contact/thanks")

        def newsletter_errors():
            anon.get("/newsletter")
            anon.click_and_load(anon.button("Sign up", "main form"), expect_status=422)
            expect(anon.css(".error-summary"), "no .error-summary on the empty newsletter form")
        if res.check("reach /newsletter with errors shown", newsletter_errors):
            aud.page(anon, "/newsletter (with errors)")

        def newsletter_ok():
            fill(anon, "#field-email", subscriber)
            c = anon.one("#field-consent")
            if not c.is_selected():
                anon.click(c)
            anon.click_and_load(anon.button("Sign up", "main form"))
            expect(anon.path() == "/newsletter/check-your-inbox", f"sign-up led to {anon.path()}")
        signed_up = res.check("reach /newsletter/check-your-inbox", newsletter_ok)
        if signed_up:
            aud.page(anon, "/newsletter/check-your-inbox")

        def sign_in_errors():
            anon.get("/staff/sign-in")
            fill(anon, "#field-email", ADMIN_EMAIL)
            fill(anon, "#field-password", "not-the-password-000")
            anon.click_and_load(anon.button("Sign in", "main form"), expect_status=None)
            expect(anon.path().startswith("/staff/sign-in"), f"a wrong password led to {anon.path()}")
            expect(anon.css(".error-summary, .notice, .field-error"), "no error shown for a wrong password")
        if res.check("reach /staff/sign-in with a wrong password", sign_in_errors):
            aud.page(anon, "/staff/sign-in (wrong password)")

        confirmed = False
        if signed_up:
            def confirm_page():
                msg = srv.wait_for_email(subscriber, "confirm")
                m = re.search(r"/newsletter/confirm/[A-Za-z0-9_\-]+", email_text(msg))
                expect(m is not None, "no confirm link in the confirmation email")
                anon.get(m.group(0))
            if res.check("reach the newsletter confirm page", confirm_page):
                aud.page(anon, "/newsletter/confirm/<token>")

                def confirm_done():
                    anon.click_and_load(anon.button("Yes, subscribe me"))
                confirmed = res.check("reach the subscription-confirmed page", confirm_done)
                if confirmed:
                    aud.page(anon, "/newsletter/confirm/<token> (confirmed)")

        # ---- keyboard walk of the enquiry form
        keyboard_checks(res, anon)

        # ---- staff pages, as admin
        admin = Browser(srv.base, art, "a11y-admin-")
        browsers.append(admin)
        if res.check("a11y: admin signs in", lambda: sign_in(admin, ADMIN_EMAIL)):
            aud.page(admin, "/staff (dashboard)")
            for p in ("/staff/enquiries", "/staff/enquiries?status=open", "/staff/enquiries?status=handled",
                      "/staff/subscribers", "/staff/subscribers?status=confirmed", "/staff/newsletters",
                      "/staff/audit", "/staff/settings", "/staff/settings/booking", "/staff/settings/appointment-types",
                      "/staff/account"):
                aud.visit(admin, p)

            def enquiry_page():
                admin.get("/staff/enquiries")
                links = [a for a in admin.css("main table a") if "/staff/enquiries/" in (a.get_attribute("href") or "")]
                expect(bool(links), "no enquiry to open in /staff/enquiries")
                admin.click_and_load(links[0])
            if res.check("reach an enquiry page", enquiry_page):
                aud.page(admin, "/staff/enquiries/<id>")

            def newsletter_errors_staff():
                # the staff form has no novalidate, so Chromium itself blocks an empty submit;
                # blanks pass the browser's `required` check and must fail on the server
                admin.get("/staff/newsletters")
                fill(admin, "#field-subject", " ")
                fill(admin, "#field-body", " ")
                admin.click_and_load(admin.button("Preview", "main form"), expect_status=422)
                expect(admin.css(".error-summary"), "no .error-summary for a blank subject and body")
            if res.check("reach /staff/newsletters with errors (blank Preview)", newsletter_errors_staff):
                aud.page(admin, "/staff/newsletters (with errors)")

            subject = f"Axe check {tag}"

            def preview():
                admin.get("/staff/newsletters")
                fill(admin, "#field-subject", subject)
                fill(admin, "#field-body", "## A heading\n\nSome **bold** text and a [link](https://example.org/).\n\n"
                                           "- one\n- two\n")
                admin.click_and_load(admin.button("Preview", "main form"))
            if res.check("reach the newsletter preview", preview):
                aud.page(admin, "/staff/newsletters (preview)")

                def send():
                    btn = [x for x in admin.css("main form button[name='intent'][value='send']") if x.is_displayed()]
                    expect(bool(btn), "no Send button on the preview")
                    admin.click_and_load(btn[0])
                if res.check("reach the page after sending a newsletter", send):
                    aud.page(admin, "/staff/newsletters (sent)")
                    if confirmed:
                        def unsubscribe_page():
                            msg = srv.wait_for_email(subscriber, subject, timeout=30)
                            m = re.search(r"/newsletter/unsubscribe/[A-Za-z0-9_\-]+", email_text(msg))
                            expect(m is not None, "no unsubscribe link in the newsletter email")
                            anon.get(m.group(0))
                        if res.check("reach the unsubscribe page", unsubscribe_page):
                            aud.page(anon, "/newsletter/unsubscribe/<token>")
                            if res.check("reach the unsubscribed page",
                                         lambda: anon.click_and_load(anon.button("Unsubscribe"))):
                                aud.page(anon, "/newsletter/unsubscribe/<token> (done)")
            aud.visit(admin, "/staff/audit/verify")

        # ---- receptionist: the 403 page
        recep = Browser(srv.base, art, "a11y-reception-")
        browsers.append(recep)
        if res.check("a11y: receptionist signs in", lambda: sign_in(recep, RECEPTION_EMAIL)):
            aud.visit(recep, "/staff/audit", "403 page (/staff/audit as receptionist)", status=403)
    finally:
        for b in browsers:
            b.quit()

    # ---- team pages need the demo data (IPT_DEMO=0 leaves the team empty)
    if demo:
        demo_team_checks(res, aud, art)

    if axe.failing:
        log("axe serious/critical violations, by element (each fails the pages listed):")
        for (rule, impact, tag_, sizes), pages in sorted(axe.failing.items()):
            log(f"  [{impact}] {rule} ({sizes}) at {tag_} -- on {len(pages)} page(s): "
                + ", ".join(sorted(pages)[:8]) + (" ..." if len(pages) > 8 else ""))
    if axe.notes:
        log("axe moderate/minor findings (listed, not failing):")
        for (rule, impact, help_), pages in sorted(axe.notes.items()):
            log(f"  [{impact}] {rule}: {help_} -- on {len(pages)} page(s): {', '.join(sorted(pages)[:6])}"
                + (" ..." if len(pages) > 6 else ""))
    log(f"-- accessibility and HTML: {len(aud.pages)} page states, axe-core {axe.version}, "
        f"{time.monotonic() - t0:.0f}s")


def demo_team_checks(res: Results, aud: Auditor, art: Path) -> None:
    srv = AppServer(art, "demo-server", demo=True)
    b = None
    try:
        try:
            srv.start()
        except Exception as e:
            res.fail("start the demo server (for /team pages)", str(e))
            return
        b = Browser(srv.base, art, "a11y-demo-")
        aud.visit(b, "/team", "/team (demo data)")
        slugs = sorted({(a.get_attribute("href") or "").split("/team/")[-1]
                        for a in b.css("main a[href*='/team/']")})
        slugs = [s for s in slugs if s]
        if res.check("demo /team lists team members",
                     lambda: (expect(bool(slugs), "no /team/<slug> links on the demo /team page"),
                              ", ".join(slugs))[1]):
            for s in slugs:
                aud.visit(b, f"/team/{s}", f"/team/{s} (demo data)")
        booking_checks(res, aud, srv, b)
    finally:
        if b:
            b.quit()
        srv.stop()


BOOKING_ORDER = [
    ("name", lambda f: f["name"] == "name"),
    ("email", lambda f: f["name"] == "email"),
    ("phone", lambda f: f["name"] == "phone"),
    ("dateOfBirth", lambda f: f["name"] == "dateOfBirth"),
    ("consent", lambda f: f["name"] == "consent"),
    ("submit button", lambda f: f["tag"] == "button" and f["inForm"]),
]


def booking_checks(res: Results, aud: "Auditor", srv: AppServer, b: Browser) -> None:
    """Booking and calendar pages on the demo clinic (it has clinicians and hours), and a
    keyboard-only booking."""
    import booking_journey
    aud.visit(b, "/book", "/book (demo data)")
    aud.visit(b, "/book/times?type=consultation&with=reduced", "/book/times (demo data)")
    aud.visit(b, "/waitlist", "/waitlist")

    def details_page():
        b.get("/book/times?type=consultation&with=reduced")
        slots = b.css("main a.bk-chip")
        expect(bool(slots), "no free times on the demo clinic")
        b.click_and_load(slots[-1])
        expect(b.path().startswith("/book/details"), f"a free time led to {b.path()}")
    if res.check("reach a booking details form", details_page):
        aud.page(b, "/book/details")
        details_url = b.driver.current_url

        def keyboard_booking():
            b.get(details_url[len(b.base):])
            tag = uuid.uuid4().hex[:6]
            typed = {"name": f"Kai Keys {tag}", "email": f"kai.{tag}@example.net", "phone": "416-555-0102"}
            seen = []
            for _ in range(150):
                f = tab(b)
                seen.append(f)
                if f["name"] in typed:
                    ActionChains(b.driver).send_keys(typed.pop(f["name"])).perform()
                elif f["name"] == "dateOfBirth":
                    # A typed field, as its hint says: year-month-day. An adult's date keeps the
                    # parent or guardian fields hidden, so Tab goes on to the consent box.
                    ActionChains(b.driver).send_keys("1994-06-15").perform()
                elif f["name"] == "consent":
                    ActionChains(b.driver).send_keys(Keys.SPACE).perform()
                elif f["tag"] == "button" and f["inForm"]:
                    break
            else:
                raise CheckFailed("never reached the booking form's button by Tab")
            expect(not any(f["name"] == "website" for f in seen), "the honeypot is reachable by Tab")
            positions = []
            for what, pred in BOOKING_ORDER:
                idx = [i for i, f in enumerate(seen) if pred(f)]
                expect(bool(idx), f"Tab never reaches {what}; stops: {[describe(f) for f in seen]}")
                positions.append(idx[0])
            expect(positions == sorted(positions), f"booking fields reached out of order: {[describe(f) for f in seen]}")
            value = b.driver.execute_script("return document.getElementById('field-dateOfBirth').value")
            expect(value == "1994-06-15", f"typing the date with the keyboard gave {value!r}")
            b.shot("kbd-booking-before-enter")
            old = b.driver.find_element(By.TAG_NAME, "html")
            b._drain()
            ActionChains(b.driver).send_keys(Keys.ENTER).perform()
            b.wait(20).until(document_gone(old))
            b.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")
            expect(b.path() == "/book/check-your-inbox", f"Enter on the button led to {b.path()} ({b.h1()!r})")
            return f"{len(seen)} Tab stops, fields in order, Enter -> {b.path()}"
        res.check("keyboard /book/details: fill, tick and send with the keyboard only", keyboard_booking)
        aud.page(b, "/book/check-your-inbox")

    staff = Browser(srv.base, aud.art, "a11y-demo-desk-")
    try:
        def desk_signs_in():
            sign_in(staff, booking_journey.DEMO_RECEPTION, booking_journey.demo_password(srv))
        if res.check("a11y: the demo front desk signs in", desk_signs_in):
            for path in ("/staff/calendar", "/staff/calendar?view=day", "/staff/appointments/new", "/staff/calendar/block", "/staff/availability",
                         "/staff/waitlist", "/staff/account"):
                aud.visit(staff, path, f"{path} (demo data)")

            def new_appointment_errors():
                staff.get("/staff/appointments/new")
                staff.click_and_load(staff.button("Book", "main form"), expect_status=422)
                expect(staff.css(".error-summary"), "no error summary on the empty new-appointment form")
            if res.check("reach /staff/appointments/new with errors", new_appointment_errors):
                aud.page(staff, "/staff/appointments/new (with errors)")
    finally:
        staff.quit()
    clinician = Browser(srv.base, aud.art, "a11y-demo-clinician-")
    try:
        def clinician_signs_in():
            sign_in(clinician, booking_journey.DEMO_STUDENT, booking_journey.demo_password(srv))
        if res.check("a11y: a demo practicum student signs in (two-factor)", clinician_signs_in):
            for path in ("/staff", "/staff/alerts", "/staff/calendar", "/staff/availability"):
                aud.visit(clinician, path, f"{path} (practicum student)")
    finally:
        clinician.quit()


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check_tools()
    run = run_name()
    art = artifacts_dir(run)
    res = Results()
    t0 = time.monotonic()
    srv = AppServer(art, "server")
    try:
        srv.create_staff(ADMIN_EMAIL, ADMIN_NAME, "admin")
        srv.create_staff(RECEPTION_EMAIL, RECEPTION_NAME, "receptionist")
        srv.start()
        log(f"app: {srv.bin} on {srv.base}")
        run_checks(res, srv, art)
    except Exception as e:
        res.fail("setup", f"{type(e).__name__}: {e}")
    finally:
        srv.stop()
    log(f"took {time.monotonic() - t0:.0f}s; artifacts in {art}")
    res.summary()
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
