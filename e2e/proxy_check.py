#!/usr/bin/env python3
"""Behind a reverse proxy with TLS (issue 16 section 6): the real `iptclinic` behind Debian's nginx.

The nginx site is deploy/nginx/iptclinic.conf and the app is started with the Environment= lines
and ExecStart of deploy/systemd/iptclinic.service, exactly as docs/OPERATIONS.md shows them, with
only their ports and paths substituted (each substitution must match, so the files and this check
cannot drift apart). The certificate is made for the run by a throw-away certificate authority;
nginx listens on unprivileged ports of 127.0.0.1, and runs until the end of the check.

  nginx accepts the site            `nginx -t` on the rendered site
  http redirects to https           the plain-http server answers 301 to https://
  HTTP/2 over TLS                   curl --http2 negotiates h2 (ALPN)
  staff sign-in over https          __Host- prefixed, Secure, HttpOnly session cookie; HSTS once
  static files from nginx           /css/site.css is Public/'s file with the site's Expires header,
                                    not the app's answer (no Content-Security-Policy)
  /metrics not through the proxy    404 through nginx (/metrics, /metrics/, //metrics, %-encoded);
                                    the app answers it on 127.0.0.1 directly
  body limit at nginx               a 2 MB post is refused by nginx (413) before the app
  rate limit: forged X-Forwarded-For
                                    with IPT_TRUST_PROXY=1 and IPT_PUBLIC_FORM_LIMIT=3, a client that
                                    sends a different X-Forwarded-For each time still gets 429 after 3
  rate limit: the client's address  a second client address (127.0.0.3; the first is 127.0.0.2)
                                    still has its own budget: the app counts the address nginx saw,
                                    not nginx's own (127.0.0.1)
  rate limit without IPT_TRUST_PROXY
                                    the app restarted without it: every visitor is nginx's address and
                                    shares one budget, and the log says to set IPT_TRUST_PROXY
  static files without the app      the app stopped: nginx still serves /css/site.css, pages are 502

The closing line is `N passed, M failed`; exit status 1 on any failure. Run from the repository root
(scripts/e2e-proxy installs nginx when missing):

    python3 e2e/proxy_check.py

Environment: IPT_BIN (default .build/debug/iptclinic), E2E_RUN, E2E_KEEP_DATA (see common.py),
NGINX (default nginx on the PATH, else /usr/sbin/nginx).
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import requests
from requests.adapters import HTTPAdapter

from common import (PASSWORD, REPO, CheckFailed, Results, app_binary, artifacts_dir, csrf_token, expect, free_port, log,
                    make_certificates, run_name, totp_code)

SITE = REPO / "deploy" / "nginx" / "iptclinic.conf"
UNIT = REPO / "deploy" / "systemd" / "iptclinic.service"
STAFF_EMAIL = "desk@example.org"
FORM_LIMIT = 3


def substitute(text: str, replacements: list[tuple[str, str]], what: str) -> str:
    """Plain text substitution; every original must be in the file, or the check is out of date."""
    for old, new in replacements:
        expect(old in text, f"{what} no longer contains {old!r}: update e2e/proxy_check.py with it")
        text = text.replace(old, new)
    return text


def nginx_binary() -> str:
    found = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    expect(Path(found).exists(), f"nginx not found ({found}): apt-get install nginx, or run scripts/e2e-proxy")
    return found


class Nginx:
    """nginx in the foreground with a configuration of its own around the rendered site."""

    def __init__(self, work: Path, art: Path, app_port: int, cert: Path, key: Path):
        self.work = work
        self.art = art
        self.http_port = free_port()
        self.https_port = free_port()
        self.base = f"https://localhost:{self.https_port}"
        self.access_log = work / "access.log"
        self.error_log = work / "error.log"
        site = substitute(SITE.read_text(), [
            ("listen [::]:80;\n", ""),  # no IPv6 needed (or always present) on a test machine
            ("listen [::]:443 ssl http2;\n", ""),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            ("server_name clinic.example;", "server_name localhost;"),
            ("/etc/letsencrypt/live/clinic.example/fullchain.pem", str(cert)),
            ("/etc/letsencrypt/live/clinic.example/privkey.pem", str(key)),
            ("/var/log/nginx/iptclinic.access.log", str(self.access_log)),
            ("/opt/iptclinic/Public", str(REPO / "Public")),
            ("server 127.0.0.1:8080;", f"server 127.0.0.1:{app_port};"),
        ], str(SITE.relative_to(REPO)))
        (work / "site.conf").write_text(site)
        (art / "nginx-site.conf").write_text(site)
        # As on Debian, the workers run as an unprivileged user when nginx is started by root.
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(f"    {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (work / "nginx.conf").write_text(f"""{user}worker_processes 1;
daemon off;
pid {work / 'nginx.pid'};
error_log {self.error_log} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
{temp}
    include {work / 'site.conf'};
}}
""")
        work.chmod(0o711)  # the workers' temporary folders are inside
        self.proc: Optional[subprocess.Popen] = None

    def command(self, *extra: str) -> list[str]:
        return [nginx_binary(), "-p", str(self.work), "-e", str(self.error_log), "-c", str(self.work / "nginx.conf"), *extra]

    def test_configuration(self) -> str:
        r = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        expect(r.returncode == 0, f"nginx -t refused the site:\n{r.stdout}{r.stderr}")
        return r.stderr.strip().splitlines()[-1]

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{self.error_log.read_text(errors='replace')}")
            try:
                requests.get(f"http://127.0.0.1:{self.http_port}/", timeout=1, allow_redirects=False)
                return
            except requests.RequestException:
                time.sleep(0.05)  # readiness poll, bounded by the deadline
        raise RuntimeError("nginx did not answer within 15 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: the master stops its workers and exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        for name in ("error.log", "access.log"):
            if (self.work / name).exists():
                shutil.copy(self.work / name, self.art / f"nginx-{name}")


class ProxiedApp:
    """The app as deploy/systemd/iptclinic.service starts it, on a free port and temporary folders."""

    def __init__(self, work: Path, art: Path):
        self.art = art
        self.port = free_port()
        self.direct = f"http://127.0.0.1:{self.port}"
        self.data_dir = work / "data"
        self.key_file = work / "etc" / "master.key"
        self.key_file.parent.mkdir()
        # As the unit's comment says: a key made once, outside the data directory.
        key = subprocess.run(["openssl", "rand", "-base64", "32"], capture_output=True, text=True, check=True, timeout=30).stdout
        self.key_file.write_text(key)
        self.key_file.chmod(0o600)
        self.public_url = ""  # set once nginx's port is known
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0
        self.log_path: Optional[Path] = None

    def unit(self) -> tuple[dict, list[str], str]:
        """The unit's environment, command and working directory, its paths replaced by the test's."""
        text = UNIT.read_text()
        binary = str(app_binary())
        text = substitute(text, [
            ("ExecStart=/opt/iptclinic/iptclinic ", f"ExecStart={binary} "),
            ("WorkingDirectory=/opt/iptclinic", f"WorkingDirectory={REPO}"),
            ("IPT_DATA_DIR=/var/lib/iptclinic\n", f"IPT_DATA_DIR={self.data_dir}\n"),
            ("IPT_AUDIT_CHECKPOINT_DIR=/var/lib/iptclinic-audit", f"IPT_AUDIT_CHECKPOINT_DIR={self.data_dir}-audit"),
            ("IPT_MASTER_KEY_FILE=/etc/iptclinic/master.key", f"IPT_MASTER_KEY_FILE={self.key_file}"),
            ("IPT_PUBLIC_URL=https://clinic.example", f"IPT_PUBLIC_URL={self.public_url}"),
            ("--port 8080", f"--port {self.port}"),
        ], str(UNIT.relative_to(REPO)))
        env, command, cwd = {}, [], str(REPO)
        for line in text.splitlines():
            if line.startswith("Environment="):
                name, _, value = line[len("Environment="):].partition("=")
                env[name] = value
            elif line.startswith("ExecStart="):
                command = shlex.split(line[len("ExecStart="):])
            elif line.startswith("WorkingDirectory="):
                cwd = line[len("WorkingDirectory="):]
        expect(bool(command) and "--env" in command and "production" in command, f"no production ExecStart in {UNIT.name}")
        return env, command, cwd

    def env(self, **overrides: str) -> dict:
        unit_env, _, _ = self.unit()
        env = {k: v for k, v in os.environ.items() if not k.startswith("IPT_") and k != "DATABASE_URL"}
        env.update(unit_env)
        env["IPT_PUBLIC_FORM_LIMIT"] = str(FORM_LIMIT)
        env.update(overrides)
        return env

    def create_staff(self, email_addr: str, name: str, role: str) -> None:
        _, command, cwd = self.unit()
        r = subprocess.run([command[0], "create-staff", "--email", email_addr, "--name", name, "--role", role],
                           input=PASSWORD + "\n", text=True, capture_output=True, cwd=cwd, env=self.env(), timeout=120)
        (self.art / "create-staff.log").write_text(r.stdout + r.stderr)
        if r.returncode != 0:
            raise RuntimeError(f"create-staff exited {r.returncode}:\n{r.stdout}{r.stderr}")

    def start(self, **overrides: str) -> None:
        _, command, cwd = self.unit()
        self.starts += 1
        self.log_path = self.art / f"app-{self.starts}.log"
        with open(self.log_path, "wb") as log_file:
            self.proc = subprocess.Popen(command, cwd=cwd, env=self.env(**overrides), stdout=log_file,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}; log tail:\n{self.log_tail()}")
            try:
                if requests.get(self.direct + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)  # readiness poll, bounded by the deadline
        raise RuntimeError(f"the app was not ready within 90 s; log tail:\n{self.log_tail()}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-n:]) or "(no log)"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


class FromAddress(HTTPAdapter):
    """Connections from a chosen loopback address (127.0.0.2, 127.0.0.3...): a second visitor on one machine."""

    def __init__(self, source: str, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(connections, maxsize, block=block, **kwargs)


def visitor(source: str, ca: Path) -> requests.Session:
    s = requests.Session()
    # Not the environment's settings: REQUESTS_CA_BUNDLE would win over the session's CA, and a
    # proxy in the environment has no business between this check and nginx on 127.0.0.1.
    s.trust_env = False
    s.verify = str(ca)
    s.mount("https://", FromAddress(source))
    return s


def post_enquiry(s: requests.Session, base: str, n: int, forged: Optional[str] = None) -> int:
    headers = {"X-Forwarded-For": forged} if forged else {}
    r = s.post(base + "/api/v1/enquiries", timeout=10, headers=headers, json={
        "name": "Sam Visitor", "email": f"visitor-{n}@example.org", "preferredContact": "email",
        "message": "Please get in touch about IPT.", "consent": True})
    expect(r.status_code == 429 or 200 <= r.status_code < 300, f"POST /api/v1/enquiries answered {r.status_code}: {r.text[:200]}")
    return r.status_code


def set_cookies(r: requests.Response) -> list[str]:
    return r.raw.headers.getlist("Set-Cookie")


def main() -> int:
    if not app_binary().exists():
        log(f"app binary not found: {app_binary()} (run swift build, or set IPT_BIN)")
        return 1
    started = time.monotonic()
    art = artifacts_dir(run_name() + "-proxy")
    results = Results()
    work = Path(tempfile.mkdtemp(prefix="ipt-e2e-proxy-"))
    app: Optional[ProxiedApp] = None
    nginx: Optional[Nginx] = None
    try:
        ca, cert, key = make_certificates(work)
        app = ProxiedApp(work, art)
        nginx = Nginx(work, art, app.port, cert, key)
        app.public_url = nginx.base
        results.check("nginx accepts the site", nginx.test_configuration)
        nginx.start()
        app.create_staff(STAFF_EMAIL, "Rita Reception", "receptionist")
        app.start()
        base = nginx.base
        browser = visitor("127.0.0.1", ca)

        def redirects_to_https():
            r = requests.get(f"http://127.0.0.1:{nginx.http_port}/contact?x=1", timeout=10, allow_redirects=False)
            expect(r.status_code == 301, f"plain http answered {r.status_code}")
            expect(r.headers.get("Location", "").startswith("https://") and r.headers["Location"].endswith("/contact?x=1"),
                   f"redirected to {r.headers.get('Location')!r}")
            return r.headers["Location"]

        def http2():
            r = subprocess.run(["curl", "--http2", "-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                                "--cacert", str(ca), base + "/"], capture_output=True, text=True, timeout=30)
            expect(r.returncode == 0, f"curl failed: {r.stderr}")
            expect(r.stdout.strip() == "2 200", f"curl --http2 got HTTP version and status {r.stdout!r}, expected '2 200'")
            return "h2, 200"

        def staff_sign_in():
            r = browser.get(base + "/staff/sign-in", timeout=10)
            expect(r.status_code == 200, f"GET /staff/sign-in answered {r.status_code}")
            hsts = r.raw.headers.getlist("Strict-Transport-Security")
            expect(hsts == ["max-age=31536000; includeSubDomains"], f"Strict-Transport-Security headers: {hsts}")
            form_cookies = set_cookies(r)
            r = browser.post(base + "/staff/sign-in", timeout=10, allow_redirects=False,
                             data={"_csrf": csrf_token(r.text), "email": STAFF_EMAIL, "password": PASSWORD, "next": "/staff"})
            expect(r.status_code in (302, 303), f"sign-in answered {r.status_code}: {r.text[:300]}")
            cookies = set_cookies(r)
            # Every cookie over https (the form's CSRF cookie too) is __Host- prefixed and Secure.
            loose = [c.split("=")[0] for c in form_cookies + cookies
                     if not (c.startswith("__Host-") and "secure" in [a.strip().lower() for a in c.split(";")])]
            expect(bool(form_cookies) and not loose, f"cookies without __Host- or Secure: {loose or 'no cookie on the form'}")
            session = [c for c in cookies if "ipt_session=" in c]
            expect(len(session) == 1, f"expected one session cookie, got {cookies}")
            attributes = [a.strip().lower() for a in session[0].split(";")]
            expect(session[0].startswith("__Host-ipt_session="), f"session cookie is not __Host- prefixed: {session[0][:40]}...")
            expect("secure" in attributes and "httponly" in attributes and "path=/" in attributes
                   and not any(a.startswith("domain=") for a in attributes), f"session cookie attributes: {attributes[1:]}")
            location = r.headers.get("Location", "")
            if "/staff/two-factor/setup" in location:
                r = browser.get(base + location if location.startswith("/") else location, timeout=10)
                secret = re.search(r"Enter this key in the app instead: <code>([A-Z2-7 ]+)</code>", r.text)
                pending = re.search(r'name="pending" value="([^"]+)"', r.text)
                expect(bool(secret and pending), "the two-factor set-up page shows no key")
                code = totp_code(secret.group(1).replace(" ", ""), int(time.time()) // 30)
                browser.post(base + "/staff/two-factor/setup", timeout=10,
                             data={"_csrf": csrf_token(r.text), "pending": pending.group(1), "code": code})
            r = browser.get(base + "/staff", timeout=10, allow_redirects=False)
            expect(r.status_code == 200, f"GET /staff with the session answered {r.status_code}")
            expect(r.headers.get("Cache-Control") == "no-store", f"staff page Cache-Control {r.headers.get('Cache-Control')!r}")
            return f"{session[0].split('=')[0]}; {'; '.join(attributes[1:])}"

        def static_files():
            r = browser.get(base + "/css/site.css", timeout=10)
            expect(r.status_code == 200, f"/css/site.css answered {r.status_code}")
            expect(r.content == (REPO / "Public" / "css" / "site.css").read_bytes(), "/css/site.css is not Public/css/site.css")
            expect(r.headers.get("Cache-Control") == "max-age=3600" and "Expires" in r.headers,
                   f"not the site's caching headers: Cache-Control {r.headers.get('Cache-Control')!r}")
            expect("Content-Security-Policy" not in r.headers, "/css/site.css carries the app's headers: the app served it")
            expect(r.headers.get("X-Content-Type-Options") == "nosniff", "no X-Content-Type-Options on the static file")
            expect(r.headers.get("Content-Type", "").startswith("text/css"), f"Content-Type {r.headers.get('Content-Type')!r}")
            r = browser.get(base + "/js/no-such-file.js", timeout=10)
            expect(r.status_code == 404 and "Content-Security-Policy" not in r.headers, f"missing script: {r.status_code}")
            return f"{r.headers.get('Server')}, Cache-Control max-age=3600"

        def metrics_not_public():
            for path in ("/metrics", "/metrics/", "//metrics", "/%6Detrics", "/metrics?format=text"):
                r = browser.get(base + path, timeout=10)
                expect(r.status_code == 404, f"{path} through nginx answered {r.status_code}")
                expect("http_requests_total" not in r.text, f"{path} through nginx shows metrics")
                # nginx's own 404: the request never reached the app (which would refuse it too).
                expect("Content-Security-Policy" not in r.headers, f"{path} was passed on to the app")
            r = requests.get(app.direct + "/metrics", timeout=10)
            expect(r.status_code == 200 and "http_requests_total" in r.text, f"/metrics on loopback answered {r.status_code}")
            return "404 through nginx, 200 on 127.0.0.1 directly"

        def body_limit():
            r = browser.post(base + "/api/v1/enquiries", timeout=10, data=b"x" * 2_000_000,
                             headers={"Content-Type": "application/json"})
            expect(r.status_code == 413, f"a 2 MB body answered {r.status_code}")
            expect("<center>nginx</center>" in r.text, "the 413 is not nginx's: the body reached the app")
            # Under the limit but over nginx's memory buffer: written to the workers' temporary
            # folder and passed on; the app answers (400: it is not JSON).
            r = browser.post(base + "/api/v1/enquiries", timeout=10, data=b"x" * 60_000,
                             headers={"Content-Type": "application/json"})
            expect(r.status_code == 400 and "Content-Security-Policy" in r.headers,
                   f"a 60 KB body answered {r.status_code}, expected the app's 400")
            return "2 MB: 413 from nginx; 60 KB: the app's 400"

        first = visitor("127.0.0.2", ca)
        second = visitor("127.0.0.3", ca)

        def forged_headers():
            codes = [post_enquiry(first, base, i, forged=f"203.0.113.{i}") for i in range(FORM_LIMIT)]
            expect(all(200 <= c < 300 for c in codes), f"the first {FORM_LIMIT} posts answered {codes}")
            later = [post_enquiry(first, base, 10 + i, forged=f) for i, f in
                     enumerate(("198.51.100.7", "127.0.0.3", "203.0.113.9, 127.0.0.4", ""))]
            expect(later == [429] * 4, f"posts over the limit with forged X-Forwarded-For answered {later}, expected 429s")
            return f"{codes} then {later}"

        def own_budget():
            code = post_enquiry(second, base, 20)
            expect(200 <= code < 300, f"a second visitor (127.0.0.3) answered {code}: the app counted nginx's address")
            return f"127.0.0.3 answered {code} while 127.0.0.2 is held at 429"

        for name, check in (("http redirects to https", redirects_to_https),
                            ("HTTP/2 over TLS", http2),
                            ("staff sign-in over https: __Host- cookie, Secure, HSTS", staff_sign_in),
                            ("static files from nginx", static_files),
                            ("/metrics not through the proxy", metrics_not_public),
                            ("body limit at nginx", body_limit),
                            ("rate limit: forged X-Forwarded-For does not reset the budget", forged_headers),
                            ("rate limit: the client's address, not nginx's", own_budget)):
            results.check(name, check)
        problems = [l for l in app.log_text().splitlines() if "[ ERROR ]" in l or "[ CRITICAL ]" in l]
        if problems:
            results.fail("no errors in the app's log", "\n".join(problems[:10]))

        def without_trust():
            app.stop()
            app.start(IPT_TRUST_PROXY="0")  # rate limits are in memory: a fresh budget
            a = visitor("127.0.0.2", ca)
            b = visitor("127.0.0.3", ca)
            codes = [post_enquiry(a, base, 30 + i) for i in range(FORM_LIMIT)]
            expect(all(200 <= c < 300 for c in codes), f"the first {FORM_LIMIT} posts answered {codes}")
            code = post_enquiry(b, base, 40)
            expect(code == 429, f"without IPT_TRUST_PROXY a second visitor answered {code}, expected 429 (nginx's budget)")
            expect("IPT_TRUST_PROXY is not set" in app.log_text(), "no warning in the log that IPT_TRUST_PROXY is not set")
            return "one budget for everyone, and the log says so"

        def static_without_app():
            app.stop()
            r = browser.get(base + "/css/site.css", timeout=10)
            expect(r.status_code == 200, f"/css/site.css with the app stopped answered {r.status_code}")
            r = browser.get(base + "/", timeout=10)
            expect(r.status_code == 502, f"/ with the app stopped answered {r.status_code}")
            return "200 for the style sheet, 502 for a page"

        results.check("rate limit without IPT_TRUST_PROXY: one budget, and a warning", without_trust)
        results.check("static files without the app", static_without_app)

        def audit_checkpoint():
            # The unit's own directory for the audit trail's signed checkpoints, apart from the data.
            folder = Path(str(app.data_dir) + "-audit")
            files = sorted(folder.glob("audit-checkpoint-*.json")) if folder.exists() else []
            expect(len(files) >= 1, f"no signed audit checkpoint in {folder}")
            expect("Audit checkpoint: row" in app.log_text(), "the checkpoint is not in the app's log")
            return f"{files[-1].name} in the unit's IPT_AUDIT_CHECKPOINT_DIR, and in the log"
        results.check("the audit trail's signed checkpoint is written where the unit says", audit_checkpoint)

        def nginx_log_clean():
            text = nginx.error_log.read_text(errors="replace") if nginx.error_log.exists() else ""
            serious = [l for l in text.splitlines() if re.search(r"\[(crit|alert|emerg)\]", l)]
            expect(not serious, "\n".join(serious[:10]))
        results.check("nothing critical in nginx's error log", nginx_log_clean)
    except Exception as e:  # setting up failed: report it as a failure rather than a traceback
        tail = app.log_tail(20) if app else ""
        results.fail("set-up", f"{type(e).__name__}: {e}\n{tail}")
    finally:
        if app:
            app.stop()
        if nginx:
            nginx.stop()
        if os.environ.get("E2E_KEEP_DATA") == "1":
            log(f"kept the temporary folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"({time.monotonic() - started:.0f} s; nginx and app logs in {art.relative_to(REPO)})")
    results.summary()
    return 1 if results.failed or not results.passed else 0


if __name__ == "__main__":
    sys.exit(main())
