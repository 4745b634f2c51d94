#!/usr/bin/env python3
"""Email that arrives (issue 16 section 1): the real `iptclinic` against a real SMTP server.

aiosmtpd runs in this process with a certificate made for the run by a throw-away certificate
authority. The app is started on a fresh data folder with IPT_SMTP_URL pointing at it, emails are
triggered through the public enquiry form and API, and what the SMTP server received is checked:

  mail test: certificate checked    `iptclinic mail test` refuses the server's certificate when the
                                    throw-away CA is not trusted, and nothing is delivered
  mail test: STARTTLS and AUTH      with IPT_SMTP_CA_FILE it delivers over STARTTLS after AUTH; the
                                    printed conversation has neither the password nor the AUTH payload
  mail test: implicit TLS (smtps)   the same over TLS from the first byte
  mail test: plain local relay      smtp:// without a password
  serve: transport in the log       the start names the SMTP server and user, never the password
  serve: delivered over STARTTLS    an enquiry's acknowledgement arrives once, encrypted, signed in,
                                    with Message-ID, Date, From and Reply-To
  serve: 4xx then success           a 451 at the end of the message: retried, delivered once
  serve: server gone mid-message    the server closes the connection after one line of the message:
                                    retried, delivered once
  serve: 5xx fails the message      a 550 to RCPT: never retried, and the dashboard counts it as failed

The closing line is `N passed, M failed`; exit status 1 on any failure. Run from the repository root
after `swift build` (scripts/e2e-smtp does both):

    python3 e2e/smtp_check.py

Environment: IPT_BIN (default .build/debug/iptclinic), E2E_RUN, E2E_KEEP_DATA (see common.py).
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import warnings
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from common import (ADMIN_EMAIL, ADMIN_NAME, PASSWORD, REPO, AppServer, CheckFailed, Results, app_binary,
                    artifacts_dir, csrf_token, expect, free_port, log, make_certificates, run_name, totp_code)

# aiosmtpd warns about its own use of a deprecated attribute on every sign-in.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
# The implicit TLS relay requires AUTH without aiosmtpd's STARTTLS flag: the whole connection is TLS.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

RELAY_USER = "clinic-relay"
RELAY_PASSWORD = "relay-s3cret!pw"
CLINIC_EMAIL = "hello@harbourview-ipt.example"  # the clinic's address on a fresh database


class Mailbox:
    """aiosmtpd's handler: records what arrived and misbehaves on purpose for some recipients.

    reject-*    550 to RCPT, every time
    tempfail-*  451 at the end of the first message, then accepted
    drop-*      the first time, the connection closes after one line of the message (FlakySMTP)
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.refused: list[tuple[str, str]] = []  # (recipient, reply)
        self.tempfailed: set[str] = set()
        self.dropped: set[str] = set()
        self.connections = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-"):
            with self.lock:
                self.refused.append((address, "550"))
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        with self.lock:
            if recipient.startswith("tempfail-") and recipient not in self.tempfailed:
                self.tempfailed.add(recipient)
                self.refused.append((recipient, "451"))
                return "451 4.3.0 try again later"
            self.received.append({
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "options": list(envelope.mail_options),
                # STARTTLS sets session.ssl; on an implicit TLS connection the transport itself is TLS.
                "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                "user": getattr(session.auth_data, "login", None),
                "message": email.message_from_bytes(envelope.original_content, policy=email.policy.default),
            })
        return "250 2.0.0 queued"

    def should_drop(self, recipient: str) -> bool:
        with self.lock:
            if recipient.startswith("drop-") and recipient not in self.dropped:
                self.dropped.add(recipient)
                return True
            return False

    def to(self, recipient: str) -> list[dict]:
        with self.lock:
            return [m for m in self.received if recipient in m["to"]]


class FlakySMTP(SMTP):
    """aiosmtpd's server, except that it goes away in the middle of a message when told to."""

    def __init__(self, handler, **kwargs):
        super().__init__(handler, **kwargs)
        self.mailbox: Mailbox = handler

    def connection_made(self, transport):
        with self.mailbox.lock:
            self.mailbox.connections += 1
        super().connection_made(transport)

    async def smtp_DATA(self, arg):
        recipients = self.envelope.rcpt_tos if self.envelope else []
        if recipients and self.mailbox.should_drop(recipients[0]):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")  # the first line of the message, then the server is gone
            self.transport.abort()
            # As aiosmtpd ends a session whose connection was lost during DATA; returning instead would
            # let it read the rest of the message as commands.
            raise asyncio.CancelledError()
        await super().smtp_DATA(arg)


class RelayController(Controller):
    def factory(self):
        return FlakySMTP(self.handler, **self.SMTP_kwargs)


def authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult
    ok = getattr(auth_data, "login", b"") == RELAY_USER.encode() and getattr(auth_data, "password", b"") == RELAY_PASSWORD.encode()
    return AuthResult(success=ok, auth_data=auth_data)


def start_relay(mailbox: Mailbox, cert: Path, key: Path, mode: str) -> tuple[Controller, int]:
    """aiosmtpd on a free port: 'starttls' (AUTH required, only after STARTTLS), 'tls' (implicit) or 'plain'."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    port = free_port()
    kwargs = dict(hostname="127.0.0.1", port=port, enable_SMTPUTF8=True, server_hostname="relay.e2e.test")
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True,
                      authenticator=authenticator)
    elif mode == "tls":
        kwargs.update(ssl_context=context, auth_required=True, auth_require_tls=False, authenticator=authenticator)
    controller = RelayController(mailbox, **kwargs)
    controller.start()
    return controller, port


def mail_test(server: AppServer, smtp_url: str, to: str, ca_file: Path | None) -> subprocess.CompletedProcess:
    env = server.env()
    env["IPT_SMTP_URL"] = smtp_url
    if ca_file:
        env["IPT_SMTP_CA_FILE"] = str(ca_file)
    result = subprocess.run([str(server.bin), "mail", "test", "--to", to], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    with open(server.art / "mail-test.log", "a") as f:
        f.write(f"$ IPT_SMTP_URL=<{smtp_url.split('@')[-1]}> iptclinic mail test --to {to}  -> {result.returncode}\n")
        f.write(result.stdout + result.stderr + "\n")
    return result


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)  # bounded poll of the relay's record
    raise CheckFailed(f"{what}: not seen within {timeout:.0f} s")


def post_enquiry_form(base: str, address: str) -> None:
    """The public contact form, as a visitor's browser posts it."""
    session = requests.Session()
    page = session.get(base + "/contact", timeout=10)
    fields = {"_csrf": csrf_token(page.text), "name": "Sam Visitor", "email": address, "phone": "",
              "preferredContact": "email", "message": "I would like to ask about IPT for grief.", "consent": "yes"}
    r = session.post(base + "/contact", data=fields, timeout=10, allow_redirects=False)
    expect(r.status_code in (302, 303), f"POST /contact answered {r.status_code}: {r.text[:300]}")


def post_enquiry_api(base: str, address: str) -> None:
    r = requests.post(base + "/api/v1/enquiries", timeout=10, json={
        "name": "Sam Visitor", "email": address, "preferredContact": "email",
        "message": "Please get in touch about IPT.", "consent": True})
    expect(200 <= r.status_code < 300, f"POST /api/v1/enquiries answered {r.status_code}: {r.text[:300]}")


def dashboard_failed_count(base: str) -> int:
    """Signs the admin in (setting up two-factor sign-in, as a fresh clinic requires) and reads the count."""
    s = requests.Session()
    r = s.get(base + "/staff/sign-in", timeout=10)
    r = s.post(base + "/staff/sign-in", timeout=10, data={"_csrf": csrf_token(r.text), "email": ADMIN_EMAIL,
                                                          "password": PASSWORD, "next": "/staff"})
    if "/staff/two-factor/setup" in r.url:
        key = re.search(r"Enter this key in the app instead: <code>([A-Z2-7 ]+)</code>", r.text)
        pending = re.search(r'name="pending" value="([^"]+)"', r.text)
        expect(bool(key and pending), "the two-factor set-up page shows no key")
        code = totp_code(key.group(1).replace(" ", ""), int(time.time()) // 30)
        r = s.post(base + "/staff/two-factor/setup", timeout=10,
                   data={"_csrf": csrf_token(r.text), "pending": pending.group(1), "code": code})
        expect(r.status_code == 200, f"turning on two-factor sign-in answered {r.status_code}")
    r = s.get(base + "/staff", timeout=10)
    expect(r.status_code == 200, f"GET /staff answered {r.status_code}")
    found = re.search(r"<strong>(\d+)</strong> emails that could not be delivered", r.text)
    expect(found is not None, "the dashboard shows no count of emails that could not be delivered")
    return int(found.group(1))


def main() -> int:
    if not app_binary().exists():
        log(f"app binary not found: {app_binary()} (run swift build, or set IPT_BIN)")
        return 1
    art = artifacts_dir(run_name() + "-smtp")
    # aiosmtpd logs every session, and the tracebacks of the failures this check causes on purpose:
    # into the artifacts, not the console.
    import logging
    relay_log = logging.getLogger("mail.log")
    relay_log.propagate = False
    relay_log.addHandler(logging.FileHandler(art / "aiosmtpd.log"))
    results = Results()
    certificates = Path(tempfile.mkdtemp(prefix="ipt-e2e-smtp-certs-"))
    ca, cert, key = make_certificates(certificates)
    mailbox = Mailbox()
    relays = {mode: start_relay(mailbox, cert, key, mode) for mode in ("starttls", "tls", "plain")}
    starttls_url = f"smtp+starttls://{RELAY_USER}:{requests.utils.quote(RELAY_PASSWORD, safe='')}@localhost:{relays['starttls'][1]}"
    server = AppServer(art, name="smtp")
    try:
        server.create_staff(ADMIN_EMAIL, ADMIN_NAME, "admin")

        def certificate_checked():
            r = mail_test(server, starttls_url, "untrusted@example.org", ca_file=None)
            expect(r.returncode != 0, "mail test succeeded although the server's certificate is from an untrusted CA")
            expect("the server's certificate could not be verified" in r.stdout + r.stderr,
                   f"the failure does not say the certificate was refused:\n{r.stdout}{r.stderr}")
            expect("C: AUTH" not in r.stdout, "the client signed in before the certificate was checked")
            expect(not mailbox.to("untrusted@example.org"), "a message reached the server over an unverified connection")
            return "the certificate could not be verified; no AUTH, no message"

        def starttls_and_auth():
            r = mail_test(server, starttls_url, "test-starttls@example.org", ca_file=ca)
            output = r.stdout + r.stderr
            expect(r.returncode == 0, f"mail test exited {r.returncode}:\n{output}")
            for line in ("C: STARTTLS", "S: 220", "C: AUTH PLAIN (credentials hidden)", "S: 235", "S: 250 2.0.0 queued"):
                expect(line in output, f"the printed conversation lacks {line!r}:\n{output}")
            payload = __import__("base64").b64encode(f"\0{RELAY_USER}\0{RELAY_PASSWORD}".encode()).decode()
            expect(RELAY_PASSWORD not in output and payload not in output, "the printed conversation shows the password")
            got = mailbox.to("test-starttls@example.org")
            expect(len(got) == 1, f"expected one message at the server, got {len(got)}")
            expect(got[0]["tls"] and got[0]["user"] == RELAY_USER.encode(), f"not over TLS after AUTH: {got[0]}")
            return f"{len(output.splitlines())} lines of conversation printed"

        def implicit_tls():
            url = f"smtps://{RELAY_USER}:{requests.utils.quote(RELAY_PASSWORD, safe='')}@localhost:{relays['tls'][1]}"
            r = mail_test(server, url, "test-smtps@example.org", ca_file=ca)
            expect(r.returncode == 0, f"mail test over smtps:// exited {r.returncode}:\n{r.stdout}{r.stderr}")
            got = mailbox.to("test-smtps@example.org")
            expect(len(got) == 1 and got[0]["tls"], f"expected one message over TLS, got {got}")
            expect("STARTTLS" not in r.stdout, "STARTTLS was used on an implicit TLS connection")

        def plain_relay():
            r = mail_test(server, f"smtp://127.0.0.1:{relays['plain'][1]}", "test-plain@example.org", ca_file=None)
            expect(r.returncode == 0, f"mail test to the local relay exited {r.returncode}:\n{r.stdout}{r.stderr}")
            expect(len(mailbox.to("test-plain@example.org")) == 1, "the local relay did not receive the message")

        for name, check in (("mail test: certificate checked", certificate_checked),
                            ("mail test: STARTTLS and AUTH", starttls_and_auth),
                            ("mail test: implicit TLS (smtps)", implicit_tls),
                            ("mail test: plain local relay", plain_relay)):
            results.check(name, check)

        # The server, with every kind of answer queued at once.
        base_env = server.env

        def serve_env():
            env = base_env()
            env.update(IPT_SMTP_URL=starttls_url, IPT_SMTP_CA_FILE=str(ca), IPT_MAIL_RETRY_SECONDS="1")
            return env
        server.env = serve_env
        server.start()
        post_enquiry_form(server.base, "visitor-ok@example.org")
        for address in ("tempfail-1@example.org", "drop-1@example.org", "reject-1@example.org"):
            post_enquiry_api(server.base, address)

        def transport_logged():
            text = server.log_path.read_text(errors="replace")
            expect(f"Email: SMTP with STARTTLS to localhost:{relays['starttls'][1]}, signing in as {RELAY_USER}" in text,
                   f"the start does not say which transport is used; log tail:\n{server.log_tail(15)}")
            expect(RELAY_PASSWORD not in text and requests.utils.quote(RELAY_PASSWORD, safe="") not in text,
                   "the server log contains the SMTP password")

        def delivered_over_starttls():
            got = wait_until(lambda: mailbox.to("visitor-ok@example.org"), 20, "the acknowledgement of the form")
            expect(len(got) == 1, f"expected one message, got {len(got)}")
            m = got[0]
            message = m["message"]
            expect(m["tls"] and m["user"] == RELAY_USER.encode(), "not delivered over STARTTLS after AUTH")
            expect(m["from"] == CLINIC_EMAIL, f"envelope sender {m['from']!r}")
            expect(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(message["Message-ID"] or "")) is not None, f"Message-ID {message['Message-ID']!r}")
            expect(message["Date"] is not None and message["Date"].datetime is not None, "no Date header")
            expect(CLINIC_EMAIL in str(message["From"]) and "Harbourview" in str(message["From"]), f"From {message['From']!r}")
            expect(str(message["Reply-To"]) == CLINIC_EMAIL, f"Reply-To {message['Reply-To']!r}")
            expect("We received your message" in str(message["Subject"]), f"Subject {message['Subject']!r}")
            return f"{message['Message-ID']}; relay saw {mailbox.connections} connections so far"

        def temporary_then_success():
            got = wait_until(lambda: mailbox.to("tempfail-1@example.org"), 30, "the message after a 451")
            time.sleep(2.5)  # two more outbox passes: a second copy would show up now
            expect(("tempfail-1@example.org", "451") in mailbox.refused, "the server never answered 451")
            expect(len(mailbox.to("tempfail-1@example.org")) == 1, f"delivered {len(mailbox.to('tempfail-1@example.org'))} times")
            return "451, then delivered once"

        def gone_mid_message():
            wait_until(lambda: mailbox.to("drop-1@example.org"), 30, "the message after the connection broke")
            expect("drop-1@example.org" in mailbox.dropped, "the server never dropped the connection")
            expect(len(mailbox.to("drop-1@example.org")) == 1, f"delivered {len(mailbox.to('drop-1@example.org'))} times")
            return "connection closed after one line, then delivered once"

        def permanent_failure():
            wait_until(lambda: ("reject-1@example.org", "550") in mailbox.refused, 20, "the 550 refusal")
            time.sleep(2.5)  # retries, if there were any, would come within this
            tries = sum(1 for r, code in mailbox.refused if r == "reject-1@example.org")
            expect(tries == 1, f"the refused message was tried {tries} times")
            count = dashboard_failed_count(server.base)
            expect(count == 1, f"the dashboard counts {count} emails that could not be delivered, expected 1")
            return "refused once, not retried, counted on the dashboard"

        for name, check in (("serve: transport in the log", transport_logged),
                            ("serve: delivered over STARTTLS", delivered_over_starttls),
                            ("serve: 4xx then success", temporary_then_success),
                            ("serve: server gone mid-message", gone_mid_message),
                            ("serve: 5xx fails the message", permanent_failure)):
            results.check(name, check)
        problems = server.log_problems()
        if problems:
            results.fail("serve: no errors in the log", "\n".join(problems[:10]))
    except Exception as e:  # setting up failed: report it as a failure rather than a traceback
        results.fail("set-up", f"{type(e).__name__}: {e}\nlog tail:\n{server.log_tail(20)}")
    finally:
        server.stop()
        for controller, _ in relays.values():
            controller.stop()
    results.summary()
    return 1 if results.failed or not results.passed else 0


if __name__ == "__main__":
    sys.exit(main())
