"""Shared helpers for the browser end-to-end checks (journeys, accessibility, HTML).

Everything here talks only to a server started on 127.0.0.1 by these scripts, on a
fresh temporary database and a free port; nothing else on the network is touched.

Environment:
  IPT_BIN        the app binary (default .build/debug/iptclinic, relative to the repo root)
  E2E_CHROMIUM   Chromium binary (default /usr/bin/chromium)
  E2E_DRIVER     chromedriver (default /usr/bin/chromedriver)
  E2E_RUN        name of the artifacts folder under e2e/artifacts/ (default a timestamp)
  E2E_KEEP_DATA  set to 1 to keep the temporary data folder(s) after the run
"""
from __future__ import annotations

import email
import email.policy
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import requests

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parent

ADMIN_EMAIL = "admin@example.org"
ADMIN_NAME = "Ada Admin"
RECEPTION_EMAIL = "desk@example.org"
RECEPTION_NAME = "Rita Reception"
PASSWORD = "a-long-password-123"

DESKTOP = (1366, 900)
PHONE = (390, 844)

# Public pages that exist on a fresh database (IPT_DEMO=0).
PUBLIC_PAGES = [
    "/",
    "/what-is-ipt",
    "/when-to-consider",
    "/what-to-expect",
    "/focus/grief",
    "/focus/role-disputes",
    "/focus/role-transitions",
    "/focus/interpersonal-sensitivity",
    "/ipt-a",
    "/evidence",
    "/team",
    "/fees",
    "/privacy",
    "/contact",
    "/newsletter",
    "/portal/sign-in",
    "/staff/sign-in",
]


def log(msg: str = "") -> None:
    print(msg, flush=True)


def run_name() -> str:
    return os.environ.get("E2E_RUN") or time.strftime("%Y%m%d-%H%M%S")


def artifacts_dir(run: str) -> Path:
    d = E2E_DIR / "artifacts" / run
    d.mkdir(parents=True, exist_ok=True)
    return d


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_binary() -> Path:
    b = Path(os.environ.get("IPT_BIN", ".build/debug/iptclinic"))
    if not b.is_absolute():
        b = REPO / b
    return b


class CheckFailed(Exception):
    """A check failed; the message says what was expected and what was seen."""


def expect(cond: bool, message: str) -> None:
    if not cond:
        raise CheckFailed(message)


# --------------------------------------------------------------------------- results

def describe_exception(e: BaseException) -> str:
    """One readable paragraph: selenium's message without its native stack, plus where it happened."""
    msg = getattr(e, "msg", None) or str(e)
    msg = msg.split("\nStacktrace:")[0].strip()
    frames = traceback.extract_tb(e.__traceback__)
    ours = [f for f in frames if "/e2e/" in f.filename]
    where = f" (at {Path(ours[-1].filename).name}:{ours[-1].lineno} {ours[-1].name})" if ours else ""
    return f"{type(e).__name__}: {msg}{where}"


@dataclass
class Results:
    passed: int = 0
    failed: int = 0
    not_run: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        log(f"PASS {name}" + (f"  ({detail})" if detail else ""))

    def fail(self, name: str, message: str) -> None:
        self.failed += 1
        self.failures.append((name, message))
        text = message.rstrip().replace("\n", "\n     ")
        log(f"FAIL {name}\n     {text}")

    def check(self, name: str, fn: Callable[[], Optional[str]]) -> bool:
        """Run one check; a CheckFailed or any other exception counts as a failure."""
        try:
            detail = fn()
        except CheckFailed as e:
            self.fail(name, str(e))
            return False
        except Exception as e:  # a crash in the check itself or in selenium
            self.fail(name, describe_exception(e))
            return False
        self.ok(name, detail or "")
        return True

    def steps(self, journey: str, steps: list) -> bool:
        """Run dependent steps in order; after the first failure the rest are not run."""
        for i, (name, fn) in enumerate(steps):
            if not self.check(f"{journey}: {name}", fn):
                rest = [n for n, _ in steps[i + 1:]]
                if rest:
                    self.not_run.extend(f"{journey}: {n}" for n in rest)
                    log(f"     (not run after this failure: {', '.join(rest)})")
                return False
        return True

    def summary(self) -> str:
        if self.failures:
            log("")
            log("Failures:")
            for name, msg in self.failures:
                first = msg.strip().splitlines()[0] if msg.strip() else ""
                log(f"  - {name}: {first}")
        if self.not_run:
            log(f"Not run because an earlier step failed: {len(self.not_run)}")
        line = f"{self.passed} passed, {self.failed} failed"
        log(line)
        return line


# --------------------------------------------------------------------------- server

class AppServer:
    """The app on a fresh temporary database and a free loopback port."""

    def __init__(self, art: Path, name: str = "server", demo: bool = False):
        self.bin = app_binary()
        self.art = art
        self.name = name
        self.demo = demo
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"ipt-e2e-{name}-"))
        self.outbox = self.data_dir / "outbox"
        self.log_path = art / f"{name}.log"
        self.proc: Optional[subprocess.Popen] = None
        self._log_file = None

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            IPT_DATA_DIR=str(self.data_dir),
            IPT_PUBLIC_URL=self.base,
            IPT_PUBLIC_FORM_LIMIT="1000",
        )
        if self.demo:
            env.pop("IPT_DEMO", None)
        else:
            env["IPT_DEMO"] = "0"
        return env

    def create_staff(self, email_addr: str, name: str, role: str, password: str = PASSWORD) -> None:
        r = subprocess.run(
            [str(self.bin), "create-staff", "--email", email_addr, "--name", name, "--role", role],
            input=password + "\n", text=True, capture_output=True, cwd=REPO, env=self.env(), timeout=120,
        )
        with open(self.art / f"{self.name}-create-staff.log", "a") as f:
            f.write(r.stdout + r.stderr)
        if r.returncode != 0:
            raise RuntimeError(f"create-staff {email_addr} ({role}) exited {r.returncode}:\n{r.stdout}{r.stderr}")

    def start(self, timeout: float = 90.0) -> None:
        if not self.bin.exists():
            raise RuntimeError(f"app binary not found: {self.bin} (build it, or set IPT_BIN)")
        self._log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.bin), "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO, env=self.env(), stdout=self._log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} before it was ready; "
                                   f"log tail:\n{self.log_tail()}")
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)  # readiness poll (bounded by the deadline)
        raise RuntimeError(f"server not ready on {self.base}/readyz within {timeout:.0f}s; "
                           f"log tail:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        if os.environ.get("E2E_KEEP_DATA") != "1":
            shutil.rmtree(self.data_dir, ignore_errors=True)
        else:
            log(f"kept data folder of {self.name}: {self.data_dir}")

    def log_problems(self) -> list:
        """Lines of the server log at level ERROR or CRITICAL."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [l for l in text.splitlines() if "[ ERROR ]" in l or "[ CRITICAL ]" in l]

    # ---- outbox (.eml files written by the mail worker)

    def emails(self) -> list:
        out = []
        for p in sorted(glob.glob(str(self.outbox / "*.eml"))):
            try:
                with open(p, "rb") as f:
                    msg = email.message_from_binary_file(f, policy=email.policy.default)
            except OSError:
                continue
            msg["X-E2E-File"] = os.path.basename(p)
            out.append(msg)
        return out

    def wait_for_email(self, to: str, subject_contains: str, timeout: float = 20.0,
                       exclude: tuple = ()) -> email.message.EmailMessage:
        """Poll the outbox folder (bounded) for a message to `to` whose subject contains the text."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.emails():
                if msg["X-E2E-File"] in exclude:
                    continue
                if to.lower() in str(msg.get("To", "")).lower() and \
                        subject_contains.lower() in str(msg.get("Subject", "")).lower():
                    return msg
            if time.monotonic() > deadline:
                seen = [f"{m.get('To')} | {m.get('Subject')}" for m in self.emails()]
                raise CheckFailed(f"no email to {to} with subject containing {subject_contains!r} "
                                  f"in {self.outbox} after {timeout:.0f}s; outbox has: {seen or 'nothing'}")
            time.sleep(0.25)  # bounded outbox poll


def email_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain", "html")) if msg.is_multipart() else msg
    return part.get_content()


# --------------------------------------------------------------------------- certificates

def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A certificate authority made for this run and a server certificate it signed for localhost."""
    ca_key, ca_pem = folder / "ca.key", folder / "ca.pem"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    ext = folder / "server.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    steps = [
        ["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_pem, "-days", "2", "-subj", "/CN=iptclinic e2e throw-away CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
         "-days", "2", "-extfile", ext],
    ]
    for step in steps:
        subprocess.run([str(s) for s in step], check=True, capture_output=True, timeout=30)
    return ca_pem, cert, key


# --------------------------------------------------------------------------- two-factor sign-in

# The TOTP secret each staff account set up in this run, and the last 30-second step used, since a
# code works once: a second sign-in within the same step waits for the next one.
TOTP_SECRETS: dict[str, str] = {}
TOTP_LAST_STEP: dict[str, int] = {}


def totp_code(secret_b32: str, step: int) -> str:
    """RFC 6238 with HMAC-SHA1, 6 digits, 30-second steps."""
    import base64
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(secret_b32.replace(" ", "").upper() + "=" * (-len(secret_b32.replace(" ", "")) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_totp(email_addr: str) -> str:
    """A code for the account's current step, waiting (at most one step) if that step was used."""
    secret = TOTP_SECRETS[email_addr]
    step = int(time.time()) // 30
    if step <= TOTP_LAST_STEP.get(email_addr, -1):
        time.sleep((step + 1) * 30 - time.time() + 0.5)
        step = int(time.time()) // 30
    TOTP_LAST_STEP[email_addr] = step
    return totp_code(secret, step)


# --------------------------------------------------------------------------- HTTP (requests)

def csrf_token(html: str) -> str:
    import re
    m = re.search(r'name="_csrf"\s+value="([^"]+)"', html)
    if not m:
        raise CheckFailed("no _csrf hidden field in the form")
    return m.group(1)


def staff_session(base: str, email_addr: str, password: str = PASSWORD) -> requests.Session:
    s = requests.Session()
    r = s.get(base + "/staff/sign-in", timeout=10)
    r = s.post(base + "/staff/sign-in", timeout=10, allow_redirects=False,
               data={"_csrf": csrf_token(r.text), "email": email_addr, "password": password, "next": "/staff"})
    if r.status_code not in (302, 303):
        raise CheckFailed(f"staff sign-in for {email_addr} over HTTP answered {r.status_code}, expected a redirect")
    return s


# --------------------------------------------------------------------------- browser

def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=en-CA",
              "--disable-extensions", "--no-first-run", "--no-default-browser-check",
              "--disable-background-networking", "--disable-sync", "--disable-component-update",
              "--disable-features=Translate,OptimizationHints,MediaRouter",
              "--password-store=basic", "--hide-scrollbars"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = Service(executable_path=os.environ.get("E2E_DRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    set_viewport(driver, *DESKTOP)
    return driver


def set_viewport(driver, width: int, height: int) -> None:
    """Size the window so that the page's viewport (innerWidth x innerHeight) is width x height."""
    driver.set_window_size(width, height)
    dw, dh = driver.execute_script("return [outerWidth - innerWidth, outerHeight - innerHeight]")
    if dw or dh:
        driver.set_window_size(width + dw, height + dh)


def document_gone(old):
    """A wait condition: the element `old` belongs to a document that has been replaced.

    Selenium's staleness_of only knows StaleElementReferenceException; Chromium may instead answer
    "Node with given id does not belong to the document" for an element of a page that is being
    navigated away from, which means the same thing."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def gone(_driver) -> bool:
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return gone


class Browser:
    """A Selenium driver plus the helpers the checks share."""

    def __init__(self, base: str, art: Path, prefix: str = ""):
        self.base = base
        self.art = art
        self.prefix = prefix
        self.driver = make_driver()
        self.statuses: list = []  # (url, status) of main-frame document responses
        self.last_doc_request: Optional[str] = None  # DevTools requestId of the last document

    def quit(self) -> None:
        try:
            self.driver.quit()
        except Exception:
            pass

    # ---- response status of documents, from Chrome's performance log
    def _drain(self) -> list:
        got = []
        try:
            entries = self.driver.get_log("performance")
        except Exception:
            return got
        for e in entries:
            try:
                m = json.loads(e["message"])["message"]
            except (KeyError, ValueError):
                continue
            if m.get("method") == "Network.responseReceived":
                p = m.get("params", {})
                if p.get("type") == "Document":
                    resp = p.get("response", {})
                    got.append((resp.get("url"), resp.get("status")))
                    self.last_doc_request = p.get("requestId")
        self.statuses.extend(got)
        return got

    def document_html(self) -> Optional[str]:
        """The body of the last document response exactly as the browser received it."""
        import base64
        self._drain()
        if not self.last_doc_request:
            return None
        try:
            r = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": self.last_doc_request})
        except Exception:
            return None
        body = r.get("body", "")
        return base64.b64decode(body).decode("utf-8", "replace") if r.get("base64Encoded") else body

    def last_status(self) -> Optional[int]:
        got = self._drain()
        return got[-1][1] if got else None

    # ---- navigation
    def wait(self, timeout: float = 10):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout)

    def get(self, path: str, expect_status: Optional[int] = 200) -> Optional[int]:
        self._drain()
        self.driver.get(path if path.startswith("http") else self.base + path)
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")
        st = self.last_status()
        if expect_status is not None:
            expect(st == expect_status, f"GET {path} answered {st}, expected {expect_status}"
                                        f" (page title: {self.driver.title!r})")
        return st

    def click_and_load(self, element, expect_status: Optional[int] = 200) -> Optional[int]:
        """Click something that navigates; wait for the new document to finish loading."""
        from selenium.webdriver.common.by import By
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        self._drain()
        old = self.driver.find_element(By.TAG_NAME, "html")
        try:
            self.click(element)
        except (StaleElementReferenceException, WebDriverException) as error:
            # Chromium sometimes reports the element gone while the click it received is already
            # navigating; that is a success if the old document is going away.
            if "does not belong to the document" not in str(error) and not isinstance(error, StaleElementReferenceException):
                raise
            try:
                self.wait(5).until(document_gone(old))
            except Exception:
                raise error
        self.wait(20).until(document_gone(old))
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")
        st = self.last_status()
        if expect_status is not None:
            expect(st == expect_status, f"navigation to {self.driver.current_url} answered {st}, "
                                        f"expected {expect_status} (page title: {self.driver.title!r})")
        return st

    def click(self, element) -> None:
        """Click, after scrolling the element into view at once.

        The site's CSS has html { scroll-behavior: smooth }, so WebDriver's own scrolling is
        still animating when it clicks and the click lands on something else."""
        self.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        element.click()

    def path(self) -> str:
        u = self.driver.current_url
        return u[len(self.base):] if u.startswith(self.base) else u

    def h1(self) -> str:
        from selenium.webdriver.common.by import By
        els = self.driver.find_elements(By.TAG_NAME, "h1")
        return els[0].text.strip() if els else ""

    def css(self, sel: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, sel)

    def one(self, sel: str, what: str = ""):
        els = self.css(sel)
        expect(bool(els), f"{what or sel}: no element matches {sel!r} on {self.path()} "
                          f"(h1: {self.h1()!r})")
        return els[0]

    def link(self, text: str, scope: str = "body"):
        """A visible link whose text is exactly `text` inside `scope`."""
        for a in self.css(f"{scope} a"):
            if a.text.strip() == text and a.is_displayed():
                return a
        raise CheckFailed(f"no visible link {text!r} in {scope} on {self.path()}")

    def button(self, text: str, scope: str = "main"):
        for b in self.css(f"{scope} button"):
            if b.text.strip() == text and b.is_displayed():
                return b
        raise CheckFailed(f"no visible button {text!r} in {scope} on {self.path()}")

    def cookie_session(self) -> requests.Session:
        s = requests.Session()
        for c in self.driver.get_cookies():
            s.cookies.set(c["name"], c["value"], path=c.get("path", "/"))
        return s

    # ---- screenshots, desktop and phone, whole page
    _shot_counter = [0]  # shared by all browsers of a run, so files sort in step order

    def shot(self, name: str) -> None:
        Browser._shot_counter[0] += 1
        stem = f"{Browser._shot_counter[0]:03d}-{self.prefix}{name}"
        self._capture(self.art / f"{stem}-desktop.png")
        d = self.driver
        # mobile=False on purpose: switching mobile emulation on and off can make Chromium reload the
        # page a moment later, and an element found after the screenshot then belongs to a document
        # that is gone ("Node with given id does not belong to the document"). The width alone
        # drives the stylesheet's phone layout.
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": False})
        try:
            self._capture(self.art / f"{stem}-phone.png")
            # Nothing on a page may make a phone scroll sideways (issue 15): measured here, on
            # every screenshot of every journey, while the phone width is in force.
            wide = d.execute_script(
                "return Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0)")
        finally:
            d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            self.wait().until(lambda drv: drv.execute_script("return document.readyState") == "complete")
        expect(wide <= PHONE[0], f"{name}: the page is {wide} px wide on a {PHONE[0]} px phone (it scrolls sideways)")

    def _capture(self, path: Path) -> None:
        import base64
        d = self.driver
        m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = m.get("cssContentSize") or m.get("contentSize")
        vp = m.get("cssLayoutViewport") or m.get("layoutViewport")
        width = max(int(vp["clientWidth"]), 1)
        height = min(max(int(size["height"]), int(vp["clientHeight"])), 12000)
        data = d.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        })["data"]
        path.write_bytes(base64.b64decode(data))


def check_tools() -> None:
    """Fail early, with a clear message, when a tool is missing."""
    missing = []
    for p in (os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"),
              os.environ.get("E2E_DRIVER", "/usr/bin/chromedriver")):
        if not Path(p).exists():
            missing.append(p)
    if missing:
        log(f"error: missing {', '.join(missing)}; run scripts/install-e2e-tools first")
        sys.exit(2)
    if not app_binary().exists():
        log(f"error: app binary not found at {app_binary()} (build it first, or set IPT_BIN)")
        sys.exit(2)


def complete_two_factor(b: "Browser", email_addr: str, shots: bool = False) -> str:
    """After the password: sets two-factor sign-in up the first time (reading the key the page
    shows, as a person would type it into an app), or enters the current code later. Returns
    what it did."""
    path = b.path()
    if path.startswith("/staff/two-factor/setup"):
        if shots:
            b.shot("b-two-factor-setup")
        expect(bool(b.css("main .qr-code svg")), "the set-up page shows no QR code")
        key = b.one("main p code").text.strip()
        TOTP_SECRETS[email_addr] = key.replace(" ", "")
        fill(b, "#field-code", fresh_totp(email_addr))
        b.click_and_load(b.button("Turn on two-factor sign-in", "main form"))
        codes = b.css("main ul.recovery-codes li")
        expect(len(codes) == 10, f"expected 10 recovery codes, saw {len(codes)}")
        if shots:
            b.shot("b-two-factor-recovery-codes")
        b.click_and_load(b.link("Continue to the dashboard", "main"))
        return "set up with the app key; 10 recovery codes shown"
    if path.startswith("/staff/two-factor"):
        expect(email_addr in TOTP_SECRETS, f"{email_addr} has two-factor sign-in but this run never set it up")
        fill(b, "#field-code", fresh_totp(email_addr))
        b.click_and_load(b.button("Continue", "main form"))
        return "code entered"
    return "not asked for a code"


def fill(b: "Browser", sel: str, text: str) -> None:
    el = b.one(sel)
    el.clear()
    el.send_keys(text)


def sign_in(b: "Browser", email_addr: str, password: str = PASSWORD) -> None:
    """Staff sign-in as a person does it, including the second factor when the account has one."""
    b.get("/staff/sign-in")
    fill(b, "#field-email", email_addr)
    fill(b, "#field-password", password)
    b.click_and_load(b.button("Sign in", "main form"))
    complete_two_factor(b, email_addr)
    expect(b.path().startswith("/staff") and not b.path().startswith("/staff/sign-in"),
           f"after signing in as {email_addr} the browser is at {b.path()} ({b.h1()!r})")


def open_in_calendar(b: "Browser", name: str, days: int = 21):
    """The visible calendar block (or agenda entry) of `name`'s appointment, walking the day view
    forward from today, as a receptionist would look for it. Returns the link."""
    b.get("/staff/calendar?view=day")
    for _ in range(days):
        # textContent, not .text: a 15-minute block is a few pixels high and clips the name it holds.
        links = [a for a in b.css("main a[href*='/staff/appointments/']")
                 if a.is_displayed() and name in (a.get_attribute("textContent") or "")]
        if links:
            return links[0]
        b.click_and_load(b.link("Next day", "main"))
    raise CheckFailed(f"{name} is not in the calendar in the next {days} days")


def check_server_health(res: "Results", name: str, srv: "AppServer", browsers: list) -> None:
    """After a journey: no 5xx seen by any browser, and no ERROR or CRITICAL line in the server log."""
    seen = [s for b in browsers for s in b.statuses]
    bad = [f"{s} {u}" for u, s in seen if s and s >= 500]
    res.check(f"{name}: no 5xx response seen by the browser",
              lambda: (expect(not bad, "5xx responses:\n" + "\n".join(bad)), f"{len(seen)} documents")[1])
    problems = srv.log_problems()
    res.check(f"{name} server log has no ERROR/CRITICAL lines",
              lambda: (expect(not problems, "\n".join(problems[:20])), "")[1])


def close_journey(name: str, srv: "AppServer", browsers: list) -> None:
    """Quits the browsers and stops the server, whatever happened."""
    for b in browsers:
        b.quit()
    srv.stop()
    log(f"     {name} server log: {srv.log_path}")
