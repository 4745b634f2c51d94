#!/usr/bin/env python3
"""Load benchmark (issue 3 item 6). Not a CI gate: it measures and reports, and exits 0 unless a
measurement could not be taken.

One run, all on this machine, wrk with 64 connections (after a warm-up) against:
  a. nginx serving a saved copy of the home page HTML (a config of our own, on a free port)
  b. the Vapor floor: the BenchFloor executable, one bare route returning the same bytes
  c. the real home page and a team page (/team/daniel-reyes; demo clinic seeded), SQLite
  d. a staff page with a signed-in session (/staff/enquiries, one audit row per view), on SQLite,
     and again with the app on PostgreSQL
  e. the databases' own durable commit rate for one small row: the sqlite3 shell (WAL,
     synchronous=FULL, one INSERT per transaction) and pgbench (one INSERT; 1 and 16 clients)
and reports requests/s, p50, p99, the server's peak RSS (VmHWM) and the ratios c/b, c/a, d/e.

Run from the repository root after a release build (scripts/bench does both):

    python3 e2e/bench.py

Environment:
    BENCH_BIN_DIR        where iptclinic and BenchFloor are (default .build-release/release)
    BENCH_DURATION       seconds per measured wrk run (default 12)
    BENCH_WARMUP         seconds of warm-up before each (default 3)
    BENCH_CONNECTIONS    wrk connections (default 64)
    BENCH_THREADS        wrk threads (default: nproc)
    BENCH_COMMIT_SECONDS target seconds for each durable-commit measurement (default 10)
    TEST_DATABASE_URL    PostgreSQL for d (PostgreSQL) and pgbench; unset or BENCH_PG=0 skips them
    BENCH_QUIET_WAIT     seconds to wait for the machine to be idle before each run (default 120)
    BENCH_OUT            results directory (default e2e/artifacts/bench): results.json, report.md, logs
"""
from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from common import free_port  # noqa: E402  (one helper for every e2e script)

REPO = Path(__file__).resolve().parent.parent
# The front desk reads the enquiry inbox too, and its role does not need two-factor sign-in, so the
# benchmark's session is an ordinary password sign-in.
STAFF_EMAIL = "bench-desk@example.org"
STAFF_PASSWORD = "a-long-bench-password-123"


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)




def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


def http_get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    multi: dict[str, list[str]] = {}
    for key, value in response.getheaders():
        multi.setdefault(key.lower(), []).append(value)
    connection.close()
    return response.status, multi, body


def seed_enquiries(port: int, count: int) -> None:
    """Sends `count` enquiries through the JSON API (the app runs with a high per-form limit)."""
    for number in range(count):
        body = json.dumps({"name": f"Bench Visitor {number}", "email": f"visitor{number}@example.org",
                           "preferredContact": "email", "message": "A question about booking a first session.",
                           "consent": True})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/api/v1/enquiries", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        connection.close()
        if not 200 <= response.status < 300:
            raise RuntimeError(f"seeding enquiry {number}: HTTP {response.status}")


def wait_http(port: int, path: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process serving port {port} exited with status {process.returncode}")
        try:
            if http_get(port, path)[0] == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered 200 on port {port}{path} within {seconds:.0f}s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_rss_kib(pid: int) -> int:
    """VmHWM of the process plus that of its direct children (nginx workers), in KiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


CLK_TCK = os.sysconf("SC_CLK_TCK")


def system_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def process_ticks(pid: int) -> int:
    """utime + stime of the process and its direct children (nginx workers)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total


def wait_for_quiet(label: str) -> None:
    """Waits (up to BENCH_QUIET_WAIT s) until the machine is nearly idle, so that someone else's
    build does not share the cores with a measurement."""
    limit = float(os.environ.get("BENCH_QUIET_WAIT", "120"))
    threshold = float(os.environ.get("BENCH_QUIET_BUSY", "0.15"))
    deadline = time.monotonic() + limit
    while True:
        busy0, total0 = system_ticks()
        time.sleep(2)
        busy1, total1 = system_ticks()
        share = (busy1 - busy0) / max(1, total1 - total0)
        if share <= threshold:
            return
        if time.monotonic() > deadline:
            log(f"{label}: the machine is still {share:.0%} busy with other work after {limit:.0f}s; measuring anyway")
            return


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk(url: str, headers: list[str], label: str, out_dir: Path, server_pid: int | None = None) -> dict[str, object]:
    connections = int(os.environ.get("BENCH_CONNECTIONS", "64"))
    threads = int(os.environ.get("BENCH_THREADS", str(os.cpu_count() or 2)))
    duration = int(os.environ.get("BENCH_DURATION", "12"))
    warmup = int(os.environ.get("BENCH_WARMUP", "3"))
    header_args: list[str] = []
    for header in headers:
        header_args += ["-H", header]
    base = ["wrk", f"-t{threads}", f"-c{connections}"] + header_args
    if warmup > 0:
        run(base + [f"-d{warmup}s", url])
    command = base + [f"-d{duration}s", "--latency", url]
    wait_for_quiet(label)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, total0 = system_ticks()
    server0 = process_ticks(server_pid) if server_pid else 0
    result = run(command)
    busy1, total1 = system_ticks()
    server1 = process_ticks(server_pid) if server_pid else 0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_ticks = ((children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)) * CLK_TCK
    capacity = max(1, total1 - total0)  # ticks of all cores over the run
    server_share = (server1 - server0) / capacity
    wrk_share = wrk_ticks / capacity
    other_share = max(0.0, (busy1 - busy0) / capacity - server_share - wrk_share)
    shown = re.sub(r"Cookie: \S.*?(?= -d\d)", "Cookie: <signed-in session>", " ".join(command))
    (out_dir / f"wrk-{label}.txt").write_text(shown + "\n\n" + result.stdout + result.stderr)
    text = result.stdout
    if result.returncode != 0 or "Requests/sec" not in text:
        raise RuntimeError(f"wrk failed for {label}: {result.stdout}{result.stderr}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {"label": label, "url": url, "requests_per_s": rps, "p50_ms": p50, "p99_ms": p99,
            "requests": total, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
            "cpu_server": server_share, "cpu_wrk": wrk_share, "cpu_other": other_share,
            "command": shown}


# ---------------------------------------------------------------------------------------- servers

class App:
    """The real server (release build), demo clinic seeded, on SQLite or a fresh PostgreSQL schema."""

    def __init__(self, binary: Path, work: Path, name: str, pg_url: str | None = None) -> None:
        self.binary, self.name = binary, name
        self.port = free_port()
        self.data_dir = work / f"data-{name}"
        self.data_dir.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_SCHEMA", "IPT_DEMO")}
        self.env.update({"IPT_DATA_DIR": str(self.data_dir), "IPT_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
                         # Production settings (log level notice) except plain-http cookie names.
                         "IPT_SECURE_COOKIES": "0"})
        self.schema: str | None = None
        self.pg_url = pg_url
        if pg_url:
            self.schema = f"bench_{os.getpid()}_{random.randrange(1 << 30):x}"
            self.env.update({"DATABASE_URL": pg_url, "DATABASE_SCHEMA": self.schema})
        self.log_path = work / f"server-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--env", "production", "--hostname", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
        wait_http(self.port, "/readyz", self.process)

    def create_staff(self) -> None:
        result = run([str(self.binary), "create-staff", "--env", "production", "--email", STAFF_EMAIL,
                      "--name", "Bench Desk", "--role", "receptionist"], input=STAFF_PASSWORD + "\n", env=self.env, cwd=REPO)
        if result.returncode != 0:
            raise RuntimeError(f"create-staff failed: {result.stdout}{result.stderr}")

    def sign_in(self, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD, check_path: str = "/staff/enquiries") -> str:
        """Signs in (by default as the bench front desk) and returns the Cookie header value for the session."""
        status, headers, body = http_get(self.port, "/staff/sign-in")
        cookies = {}
        for value in headers.get("set-cookie", []):
            name, _, rest = value.partition("=")
            cookies[name.strip()] = rest.split(";")[0]
        match = re.search(rb'name="_csrf"[^>]*value="([^"]+)"', body) or re.search(rb'value="([^"]+)"[^>]*name="_csrf"', body)
        if status != 200 or not match:
            raise RuntimeError(f"GET /staff/sign-in: {status}, no _csrf field found")
        csrf = match.group(1).decode()
        form = urllib.parse.urlencode({"email": email, "password": password, "_csrf": csrf})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", "/staff/sign-in", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Origin": f"http://127.0.0.1:{self.port}"})
        response = connection.getresponse()
        response.read()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";")[0]
        connection.close()
        if response.status != 303 or "ipt_session" not in cookies:
            raise RuntimeError(f"POST /staff/sign-in answered {response.status}, cookies {sorted(cookies)}")
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        status, _, _ = http_get(self.port, check_path, {"Cookie": cookie})
        if status != 200:
            raise RuntimeError(f"GET {check_path} with the session answered {status}")
        return cookie

    def audit_rows(self) -> int:
        if self.schema:
            result = run(["psql", "-X", "-At", self.pg_url, "-c", f'SELECT count(*) FROM "{self.schema}".audit_events'])
        else:
            result = run(["sqlite3", str(self.data_dir / "clinic.sqlite"), "SELECT count(*) FROM audit_events;"])
        return int(result.stdout.strip() or -1)

    def stop(self) -> None:
        stop(self.process)
        if self.schema:
            run(["psql", "-X", "-q", self.pg_url, "-c", f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'])


def start_nginx(work: Path, html: bytes) -> tuple[subprocess.Popen[bytes], int]:
    root = work / "nginx"
    (root / "www").mkdir(parents=True)
    (root / "www" / "index.html").write_bytes(html)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / sub).mkdir()
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = f"""{user}worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        default_type text/html;
        location = / {{ try_files /index.html =404; }}
    }}
}}
"""
    (root / "nginx.conf").write_text(config)
    process = subprocess.Popen(["nginx", "-p", str(root), "-c", str(root / "nginx.conf")],
                               stdout=open(root / "stdout.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_http(port, "/", process)
    return process, port


# ------------------------------------------------------------------------------------ commit rates

def sqlite_commit_rate(work: Path, target_seconds: float) -> dict[str, object]:
    def attempt(rows: int) -> float:
        database = work / f"commit-{rows}.sqlite"
        script = work / f"commit-{rows}.sql"
        with open(script, "w") as f:
            f.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=FULL;\n"
                    "CREATE TABLE commit_rate (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL);\n")
            line = "INSERT INTO commit_rate (body, created_at) VALUES ('a small row', '2026-01-01T00:00:00Z');\n"
            f.write(line * rows)
        started = time.monotonic()
        with open(script) as stdin:
            result = subprocess.run(["sqlite3", str(database)], stdin=stdin, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            raise RuntimeError(f"sqlite3: {result.stderr}")
        check = run(["sqlite3", str(database), "PRAGMA journal_mode; PRAGMA synchronous; SELECT count(*) FROM commit_rate;"])
        count = int(check.stdout.split()[-1])
        if count != rows:
            raise RuntimeError(f"sqlite3 wrote {count} rows, expected {rows}")
        return elapsed

    calibration_rows = 2000
    rate = calibration_rows / attempt(calibration_rows)
    rows = max(1000, min(500_000, int(rate * target_seconds)))
    elapsed = attempt(rows)
    return {"label": "sqlite3 WAL synchronous=FULL, 1 INSERT per transaction", "rows": rows,
            "seconds": round(elapsed, 2), "commits_per_s": rows / elapsed,
            "command": f"sqlite3 FILE < (PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE ...; {rows} x INSERT)"}


def pgbench_rates(pg_url: str, work: Path, seconds: int) -> list[dict[str, object]]:
    schema = f"bench_commit_{os.getpid()}"
    setup = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg_url, "-c",
                 f'CREATE SCHEMA "{schema}"; CREATE TABLE "{schema}".commit_rate '
                 "(id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"])
    if setup.returncode != 0:
        raise RuntimeError(f"psql: {setup.stderr}")
    script = work / "pgbench-insert.sql"
    script.write_text(f"INSERT INTO \"{schema}\".commit_rate (body) VALUES ('a small row');\n")
    results = []
    try:
        settings = run(["psql", "-X", "-At", pg_url, "-c", "SHOW synchronous_commit; SHOW fsync; SHOW wal_sync_method;"])
        for clients in (1, 16):
            command = ["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 2)),
                       "-T", str(seconds), pg_url]
            wait_for_quiet(f"pgbench -c {clients}")
            result = run(command)
            (work / f"pgbench-{clients}.txt").write_text(" ".join(command) + "\n\n" + result.stdout + result.stderr)
            match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
            latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
            if result.returncode != 0 or not match:
                raise RuntimeError(f"pgbench -c {clients}: {result.stdout}{result.stderr}")
            results.append({"label": f"pgbench, 1 INSERT per transaction, {clients} client(s)", "clients": clients,
                            "commits_per_s": float(match.group(1)),
                            "latency_avg_ms": float(latency.group(1)) if latency else None,
                            "server_settings": settings.stdout.split(),
                            "command": " ".join(command).replace(pg_url, "$TEST_DATABASE_URL")})
    finally:
        run(["psql", "-X", "-q", pg_url, "-c", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'])
    return results


# ------------------------------------------------------------------------------------------ report

def machine() -> dict[str, str]:
    info = {"nproc": str(os.cpu_count()), "kernel": platform.release()}
    lscpu = run(["lscpu"]).stdout
    model = re.search(r"Model name:\s+(.*)", lscpu)
    info["cpu"] = model.group(1).strip() if model else platform.processor()
    meminfo = Path("/proc/meminfo").read_text()
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    info["memory"] = f"{mem_kib / 1024 / 1024:.1f} GiB"
    df = run(["df", "-hT", str(REPO)]).stdout.splitlines()
    info["disk"] = df[-1] if df else "?"
    lsblk = run(["lsblk", "-d", "-o", "NAME,ROTA,SIZE,MODEL"]).stdout.strip().splitlines()
    info["block devices"] = "; ".join(" ".join(l.split()) for l in lsblk[1:]) if len(lsblk) > 1 else "?"
    info["wrk"] = run(["wrk", "--version"]).stdout.splitlines()[0].strip() if shutil.which("wrk") else "?"
    # bench-scale needs no nginx; the machine description must not fail for want of it.
    info["nginx"] = run(["nginx", "-v"]).stderr.strip() if shutil.which("nginx") else "-"
    info["sqlite3"] = run(["sqlite3", "--version"]).stdout.split()[0]
    info["pgbench"] = run(["pgbench", "--version"]).stdout.strip() if shutil.which("pgbench") else "-"
    info["swift"] = run(["swift", "--version"]).stdout.splitlines()[0] if shutil.which("swift") else "?"
    return info


def fsync_latency(directory: Path, count: int = 2000) -> str:
    """Median and p99 of one 4 KiB append + fsync on the disk the databases use."""
    path = directory / "fsync-probe"
    samples = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        block = b"x" * 4096
        for _ in range(count):
            started = time.perf_counter()
            os.write(fd, block)
            os.fsync(fd)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    samples.sort()
    return (f"median {samples[len(samples) // 2] * 1000:.3f} ms, p99 {samples[int(len(samples) * 0.99)] * 1000:.3f} ms "
            f"({count} x 4 KiB append + fsync)")


def fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def report(results: dict[str, object]) -> str:
    lines = ["| run | requests/s | p50 ms | p99 ms | requests | non-2xx | server peak RSS | CPU server / wrk / other |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in results["http"]:
        rss = f"{row['peak_rss_kib'] / 1024:.1f} MiB" if row.get("peak_rss_kib") else "-"
        cpu = f"{row['cpu_server']:.0%} / {row['cpu_wrk']:.0%} / {row['cpu_other']:.0%}"
        lines.append(f"| {row['label']} | {fmt(row['requests_per_s'])} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                     f"{row['requests']} | {row['non_2xx']} | {rss} | {cpu} |")
    for row in results["http"]:
        if row.get("audit_rows_written") is not None:
            lines.append(f"\n{row['label']}: {row['audit_rows_written']} audit rows written during warm-up and run "
                         f"({row['requests']} requests in the measured run)")
    lines += ["", "| durable commit rate | commits/s | notes |", "| --- | ---: | --- |"]
    for row in results["commits"]:
        note = f"{row['rows']} rows in {row['seconds']} s" if "rows" in row else f"latency avg {row.get('latency_avg_ms')} ms"
        lines.append(f"| {row['label']} | {fmt(row['commits_per_s'])} | {note} |")
    lines += ["", "| ratio | value | target |", "| --- | ---: | --- |"]
    for name, value, target in results["ratios"]:
        lines.append(f"| {name} | {value} | {target} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    os.chdir(REPO)
    bin_dir = Path(os.environ.get("BENCH_BIN_DIR", ".build-release/release"))
    if not bin_dir.is_absolute():
        bin_dir = REPO / bin_dir
    app_bin, floor_bin = bin_dir / "iptclinic", bin_dir / "BenchFloor"
    for needed in (app_bin, floor_bin):
        if not os.access(needed, os.X_OK):
            log(f"{needed} not found: build with `swift build -c release --scratch-path .build-release` (scripts/bench)")
            return 2
    for tool in ("wrk", "nginx", "sqlite3"):
        if shutil.which(tool) is None:
            log(f"{tool} is needed (apt-get install {tool})")
            return 2
    pg_url = os.environ.get("TEST_DATABASE_URL") if os.environ.get("BENCH_PG", "1") != "0" else None
    if pg_url and not (shutil.which("pgbench") and shutil.which("psql")):
        log("pgbench/psql not found: skipping the PostgreSQL measurements")
        pg_url = None
    out = Path(os.environ.get("BENCH_OUT", "e2e/artifacts/bench"))
    if not out.is_absolute():
        out = REPO / out
    out.mkdir(parents=True, exist_ok=True)
    commit_seconds = float(os.environ.get("BENCH_COMMIT_SECONDS", "10"))
    work = Path(tempfile.mkdtemp(prefix="ipt-bench-", dir=os.environ.get("BENCH_WORK_PARENT")))
    results: dict[str, object] = {"machine": machine(), "http": [], "commits": [], "ratios": [],
                                  "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    processes: list[subprocess.Popen[bytes]] = []
    apps: list[App] = []
    try:
        # The real app on SQLite, demo seeded; its home page is what nginx and the floor serve.
        app = App(app_bin, work, "sqlite")
        app.env["IPT_PUBLIC_FORM_LIMIT"] = "100000000"  # for d2's enquiries, sent from one address
        apps.append(app)
        app.start()
        status, _, home = http_get(app.port, "/")
        if status != 200:
            raise RuntimeError(f"GET / answered {status}")
        status, _, _ = http_get(app.port, "/team/daniel-reyes")
        if status != 200:
            raise RuntimeError(f"GET /team/daniel-reyes answered {status} (is the demo clinic seeded?)")
        (work / "home.html").write_bytes(home)
        (out / "home.html").write_bytes(home)
        log(f"home page: {len(home)} bytes")

        # a. nginx
        nginx, nginx_port = start_nginx(work, home)
        processes.append(nginx)
        row = wrk(f"http://127.0.0.1:{nginx_port}/", [], "a-nginx", out, nginx.pid)
        row.update(label="a. nginx, static copy of /", peak_rss_kib=peak_rss_kib(nginx.pid))
        results["http"].append(row)
        log(f"a nginx: {row['requests_per_s']:.0f} req/s, p99 {row['p99_ms']:.2f} ms")
        stop(nginx)

        # b. floor
        floor_port = free_port()
        floor_env = dict(os.environ, BENCH_FLOOR_FILE=str(work / "home.html"))
        floor = subprocess.Popen([str(floor_bin), "serve", "--env", "production", "--hostname", "127.0.0.1", "--port", str(floor_port)],
                                 env=floor_env, stdout=open(work / "floor.log", "wb"), stderr=subprocess.STDOUT,
                                 cwd=work, start_new_session=True)
        processes.append(floor)
        wait_http(floor_port, "/", floor)
        _, _, floor_body = http_get(floor_port, "/")
        if floor_body != home:
            raise RuntimeError("the floor does not serve the same bytes as the home page")
        row = wrk(f"http://127.0.0.1:{floor_port}/", [], "b-floor", out, floor.pid)
        row.update(label="b. Vapor floor (BenchFloor), same bytes", peak_rss_kib=peak_rss_kib(floor.pid))
        results["http"].append(row)
        log(f"b floor: {row['requests_per_s']:.0f} req/s, p99 {row['p99_ms']:.2f} ms")
        stop(floor)

        # c. public pages
        for label, path, name in (("c1. app home page /", "/", "c1-home"),
                                  ("c2. app team page /team/daniel-reyes", "/team/daniel-reyes", "c2-team")):
            row = wrk(f"http://127.0.0.1:{app.port}{path}", [], name, out, app.process.pid)
            row.update(label=label + " (SQLite)", peak_rss_kib=peak_rss_kib(app.process.pid))
            results["http"].append(row)
            log(f"{label}: {row['requests_per_s']:.0f} req/s, p99 {row['p99_ms']:.2f} ms")

        # d. audited staff page, SQLite
        app.create_staff()
        cookie = app.sign_in()
        before = app.audit_rows()
        row = wrk(f"http://127.0.0.1:{app.port}/staff/enquiries", [f"Cookie: {cookie}"], "d-staff-sqlite", out, app.process.pid)
        after = app.audit_rows()
        row.update(label="d. staff /staff/enquiries, signed in (SQLite)", peak_rss_kib=peak_rss_kib(app.process.pid),
                   audit_rows_written=after - before)
        results["http"].append(row)
        log(f"d staff (SQLite): {row['requests_per_s']:.0f} req/s, p99 {row['p99_ms']:.2f} ms, "
            f"{after - before} audit rows for {row['requests']} measured requests (+ warm-up)")

        # d2. the same page listing a full page of rows: the demo clinic has no enquiries, so d's list
        # is empty; 60 enquiries sent through the API fill the first page (50 rows and a next-page link).
        seed_enquiries(app.port, 60)
        row = wrk(f"http://127.0.0.1:{app.port}/staff/enquiries", [f"Cookie: {cookie}"], "d2-staff-sqlite-50-rows", out,
                  app.process.pid)
        row.update(label="d2. staff /staff/enquiries listing 50 enquiries, signed in (SQLite)",
                   peak_rss_kib=peak_rss_kib(app.process.pid))
        results["http"].append(row)
        log(f"d2 staff, 50 rows (SQLite): {row['requests_per_s']:.0f} req/s, p99 {row['p99_ms']:.2f} ms")
        app.stop()

        # d. audited staff page, PostgreSQL
        if pg_url:
            pg_app = App(app_bin, work, "postgres", pg_url)
            apps.append(pg_app)
            pg_app.start()
            pg_app.create_staff()
            cookie = pg_app.sign_in()
            before = pg_app.audit_rows()
            row = wrk(f"http://127.0.0.1:{pg_app.port}/staff/enquiries", [f"Cookie: {cookie}"], "d-staff-postgres", out,
                      pg_app.process.pid)
            after = pg_app.audit_rows()
            row.update(label="d. staff /staff/enquiries, signed in (PostgreSQL)",
                       peak_rss_kib=peak_rss_kib(pg_app.process.pid), audit_rows_written=after - before)
            results["http"].append(row)
            log(f"d staff (PostgreSQL): {row['requests_per_s']:.0f} req/s, p99 {row['p99_ms']:.2f} ms, "
                f"{after - before} audit rows")
            pg_app.stop()

        # e. durable commit rates
        wait_for_quiet("sqlite3 commit rate")
        results["machine"]["fsync"] = fsync_latency(work)
        row = sqlite_commit_rate(work, commit_seconds)
        results["commits"].append(row)
        log(f"e sqlite3: {row['commits_per_s']:.0f} commits/s ({row['rows']} rows in {row['seconds']} s)")
        if pg_url:
            for row in pgbench_rates(pg_url, out, int(commit_seconds)):
                results["commits"].append(row)
                log(f"e {row['label']}: {row['commits_per_s']:.0f} commits/s")

        by_label = {row["label"]: row for row in results["http"]}
        a = by_label["a. nginx, static copy of /"]["requests_per_s"]
        b = by_label["b. Vapor floor (BenchFloor), same bytes"]["requests_per_s"]
        ratios = results["ratios"]
        for row in results["http"]:
            if row["label"].startswith("c"):
                name = row["label"].split(" (")[0].split(" ")[-1]
                ratios.append((f"c/b: {name} / floor", f"{row['requests_per_s'] / b:.2f}",
                               f"≥ 0.90 (p99 {row['p99_ms']:.1f} ms, target < 20 ms)"))
                ratios.append((f"c/a: {name} / nginx", f"{row['requests_per_s'] / a:.2f}", "-"))
        sqlite_e = results["commits"][0]["commits_per_s"]
        for row in results["http"]:
            if row["label"].startswith("d2"):
                ratios.append(("d2/e: staff page listing 50 rows (SQLite) / sqlite3 commit rate",
                               f"{row['requests_per_s'] / sqlite_e:.2f}", "- (for scale)"))
            elif row["label"].startswith("d") and "SQLite" in row["label"]:
                ratios.append(("d/e: staff page (SQLite) / sqlite3 commit rate",
                               f"{row['requests_per_s'] / sqlite_e:.2f}", "≥ 0.50"))
            if row["label"].startswith("d") and "PostgreSQL" in row["label"]:
                for commit in results["commits"][1:]:
                    ratios.append((f"d/e: staff page (PostgreSQL) / pgbench {commit['clients']} client(s)",
                                   f"{row['requests_per_s'] / commit['commits_per_s']:.2f}", "≥ 0.50"))
    except Exception as error:  # noqa: BLE001
        log(f"FAILED: {error}")
        for path in sorted(work.glob("server-*.log")):
            shutil.copy(path, out / path.name)
        return 1
    finally:
        for app_ in apps:
            app_.stop()
        for process in processes:
            stop(process)
    for path in sorted(work.glob("server-*.log")):
        shutil.copy(path, out / path.name)
    shutil.rmtree(work, ignore_errors=True)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    text = "## Machine\n\n" + "\n".join(f"- {k}: {v}" for k, v in results["machine"].items()) + "\n\n## Results\n\n" + report(results)
    (out / "report.md").write_text(text)
    print()
    print(text)
    log(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
