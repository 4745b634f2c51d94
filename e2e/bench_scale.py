#!/usr/bin/env python3
"""Benchmark at the size of a large clinic (issue 16 §7). Not a CI gate: it measures and reports.

For each size (clients) and engine, it generates a clinic with the ScaleClinic executable (or reuses
the one generated before, kept under SCALE_DIR), starts the release app on it, signs in 8 users
and measures each page of PAGES with wrk at 8 connections, every request carrying one of the 8
sessions in turn. It reports p50/p95/p99 per page at each size and the growth of p95 from the
smallest size to the largest, and writes SCALE_OUT/report.md and results.json.

    python3 e2e/bench_scale.py                          # 10,000 and 100,000 clients on SQLite
    SCALE_SIZES=10000 SCALE_ENGINES=sqlite,postgres python3 e2e/bench_scale.py

Environment:
    SCALE_SIZES          client counts, comma-separated (default 10000,100000)
    SCALE_ENGINES        sqlite and/or postgres (default sqlite)
    SCALE_PG_URL         PostgreSQL for the postgres engine (default TEST_DATABASE_URL); each size gets
                         a schema of its own, scale_<clients>, kept for reuse
    SCALE_DIR            where generated clinics are kept (default e2e/artifacts/scale-data)
    SCALE_REGENERATE=1   generate again even if a clinic of that size is there
    SCALE_DURATION       seconds per measured run (default 10), SCALE_WARMUP (default 3)
    SCALE_CONNECTIONS    concurrent connections = signed-in users (default 8)
    SCALE_PAGES          only the pages whose key is listed (comma-separated), for a quick look
    BENCH_BIN_DIR        where iptclinic and ScaleClinic are (default .build-release/release)
    SCALE_OUT            results directory (default e2e/artifacts/bench-scale)

To measure one more page, add a Page to PAGES: a key, a label, who signs in, and the request
each signed-in user makes (a function of the user's number, 1 to 8, and the clinic's size).
"""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import App, http_get, log, machine, peak_rss_kib, run, wait_for_quiet  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-bench-password-123"  # ScaleClinic.benchPassword
ADMIN = "bench-admin@scale.example"


# Ids as ScaleClinic makes them (Sources/IPTWeb/Bench/ScaleClinic.swift, `id(_:_:_:)`).
def scale_id(kind: int, a: int, b: int = 0) -> str:
    raw = bytes([0x5C, 0xA1, 0xE0, kind, (a >> 24) & 0xFF, (a >> 16) & 0xFF, 0x40 | ((a >> 8) & 0x0F), a & 0xFF,
                 0x80 | ((a >> 12) & 0x0F), (b >> 24) & 0xFF, (b >> 16) & 0xFF, (b >> 8) & 0xFF, b & 0xFF, (a >> 16) & 0xFF, 0, 0])
    return str(uuid.UUID(bytes=raw)).upper()


def clinician_id(number: int) -> str:
    return scale_id(1, number)


def client_id(number: int) -> str:
    return scale_id(2, number)


def clinician_email(number: int) -> str:
    return f"clinician-{number:04d}@scale.example"


def this_weeks_monday() -> datetime.date:
    today = datetime.date.today()
    return today - datetime.timedelta(days=today.weekday())


def months_ago(months: int) -> str:
    today = datetime.date.today()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def clinicians(clients: int) -> int:
    return (clients + 519) // 520  # ScaleClinic.Size.clinicians


def own_client(user: int, clients: int) -> int:
    """A client in the middle of a course with clinician `user` today: in the clinician's Monday
    9:00 slot, its last course (position 12 of 13, which holds the present week)."""
    return user + clinicians(clients) * 40 * 12


@dataclass
class Page:
    key: str
    label: str
    # "clinician": clinicians 1..8 sign in, one each; "admin": the director, 8 sessions;
    # "clinician-1": the long-term client's clinician, 8 sessions (the director would be asked why
    # they open a chart outside their caseload).
    who: str
    # The request of signed-in user `u` (1 to 8) in a clinic of `n` clients.
    path: Callable[[int, int], str]
    method: str = "GET"
    form: Callable[[int], dict[str, str]] | None = None


PAGES: list[Page] = [
    Page("caseload", "caseload /staff/clients", "clinician", lambda u, n: "/staff/clients"),
    Page("chart", "a chart /staff/clients/:id/chart", "clinician", lambda u, n: f"/staff/clients/{client_id(own_client(u, n))}/chart"),
    # A weekday of this week (the generated courses fill this week's slots), even on a weekend.
    Page("calendar-everyone", "calendar, everyone's day /staff/calendar?clinician=all", "admin",
         lambda u, n: f"/staff/calendar?clinician=all&date={this_weeks_monday() + datetime.timedelta(days=u % 5)}"),
    Page("calendar-week", "calendar, a clinician's week", "clinician",
         lambda u, n: f"/staff/calendar?clinician={clinician_id(u)}&view=week"),
    Page("audit-client", "audit view filtered by client", "admin", lambda u, n: f"/staff/audit?subject={client_id(u)}"),
    Page("audit-person", "audit view filtered by person", "admin", lambda u, n: f"/staff/audit?actor={clinician_id(u)}"),
    Page("today", "dashboard (Today) /staff", "clinician", lambda u, n: "/staff"),
    Page("slots", "slot finding /book/times (any registered therapist)", "clinician",
         lambda u, n: "/book/times?type=assessment&with=registered"),
    # The same page for one named clinician: the work of one calendar, which the indexes bound, apart
    # from the size of the group asked (193 registered psychotherapists at 100,000 clients, 20 at 10,000).
    Page("slots-one", "slot finding /book/times (one clinician)", "clinician",
         lambda u, n: f"/book/times?type=assessment&with=clinician-{u}"),
    Page("search", "global client search POST /staff/search", "admin", lambda u, n: "/staff/search", "POST",
         lambda u: {"q": ["Whitfield", "Sato", "Avery Abbott", "Kaur"][u % 4]}),
    Page("export", "right-of-access export, 200 appointments", "clinician-1", lambda u, n: f"/staff/clients/{client_id(1)}/record"),
    # Issue 18 §7: the clinic's outcomes over the last 12 months (the page's default), about a
    # tenth of all courses, and over the longest period the page allows (36 months).
    Page("outcomes", "outcomes, last 12 months /staff/outcomes", "admin", lambda u, n: "/staff/outcomes"),
    Page("outcomes-36", "outcomes, 36 months", "admin", lambda u, n: f"/staff/outcomes?from={months_ago(35)}&to={months_ago(0)}"),
]


@dataclass
class Session:
    cookie: str
    csrf: str


@dataclass
class Run:
    engine: str
    clients: int
    generation: dict[str, object] = field(default_factory=dict)
    pages: dict[str, dict[str, object]] = field(default_factory=dict)


def env_list(name: str, default: str) -> list[str]:
    return [x.strip() for x in os.environ.get(name, default).split(",") if x.strip()]


def binaries() -> tuple[Path, Path]:
    bin_dir = Path(os.environ.get("BENCH_BIN_DIR", REPO / ".build-release" / "release"))
    app, generator = bin_dir / "iptclinic", bin_dir / "ScaleClinic"
    for binary in (app, generator):
        if not binary.exists():
            raise SystemExit(f"{binary} is missing: build it with scripts/bench-scale (or swift build -c release "
                             "--scratch-path .build-release --product iptclinic / --product ScaleClinic)")
    return app, generator


def database_env(engine: str, clients: int, data_dir: Path, pg_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_SCHEMA", "IPT_DEMO")}
    env.update({"IPT_DATA_DIR": str(data_dir), "IPT_DEMO": "0"})
    if engine == "postgres":
        env.update({"DATABASE_URL": pg_url or "", "DATABASE_SCHEMA": f"scale_{clients}"})
    return env


def generate(engine: str, clients: int, generator: Path, root: Path, pg_url: str | None) -> dict[str, object]:
    """Generates the clinic unless one of this size is kept from before; returns its timing."""
    data_dir = root / f"{engine}-{clients}"
    marker = data_dir / "generated.json"
    if marker.exists() and os.environ.get("SCALE_REGENERATE") != "1":
        log(f"{engine} {clients}: reusing the clinic generated before in {data_dir}")
        return json.loads(marker.read_text())
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if engine == "postgres":
        run(["psql", "-X", "-q", pg_url or "", "-c", f'DROP SCHEMA IF EXISTS "scale_{clients}" CASCADE'])
    log(f"{engine} {clients}: generating")
    started = time.monotonic()
    result = subprocess.run([str(generator), "--clients", str(clients)], env=database_env(engine, clients, data_dir, pg_url),
                            cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    (data_dir / "generate.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"ScaleClinic --clients {clients} ({engine}) failed: {result.stderr[-2000:]}")
    tables = {m.group(1): {"rows": int(m.group(2)), "seconds": float(m.group(3))}
              for m in re.finditer(r"^(\w+): (\d+) rows in ([\d.]+) s$", result.stdout, re.M)}
    size = None
    if engine == "sqlite":
        size = sum(p.stat().st_size for p in data_dir.glob("clinic.sqlite*"))
    else:
        out = run(["psql", "-X", "-At", pg_url or "", "-c",
                   f"SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   f"WHERE n.nspname = 'scale_{clients}' AND c.relkind = 'r'"])
        size = int(out.stdout.strip() or 0)
    info = {"seconds": round(seconds, 1), "tables": tables, "bytes": size,
            "generated": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    marker.write_text(json.dumps(info, indent=2))
    log(f"{engine} {clients}: generated in {seconds:.0f} s ({(size or 0) / 2**30:.1f} GiB)")
    return info


def warm(database: Path) -> None:
    """Reads the database file once, so the run measures a server whose data is in memory, as a
    running clinic's is, and not the first reads from disk after generating (at 100,000 clients
    the file is 12 GiB, written long before it is read)."""
    started = time.monotonic()
    with database.open("rb") as file:
        while file.read(16 << 20):
            pass
    log(f"read {database.stat().st_size / 2**30:.1f} GiB of {database.name} into the page cache in {time.monotonic() - started:.0f} s")


class ScaleApp(App):
    """The release app on a generated clinic (kept, not a fresh data directory)."""

    def __init__(self, binary: Path, work: Path, engine: str, clients: int, root: Path, pg_url: str | None) -> None:
        super().__init__(binary, work, f"{engine}-{clients}")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir = root / f"{engine}-{clients}"
        self.env = database_env(engine, clients, self.data_dir, pg_url)
        self.env.update({"IPT_PUBLIC_URL": f"http://127.0.0.1:{self.port}", "IPT_SECURE_COOKIES": "0"})
        self.schema = None  # kept for the next run, never dropped here

    def session(self, email: str, check_path: str) -> Session:
        cookie = self.sign_in(email, PASSWORD, check_path)
        status, _, body = http_get(self.port, "/staff", {"Cookie": cookie})
        match = re.search(rb'name="_csrf" value="([^"]+)"', body)
        if status != 200 or not match:
            raise RuntimeError(f"GET /staff as {email}: {status}, no _csrf")
        return Session(cookie, match.group(1).decode())


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(page: Page, sessions: list[Session], port: int, clients: int) -> str:
    """Each request carries the next user's session and that user's path (and form)."""
    lines = ["local requests = {}", "function init(args)"]
    for number, session in enumerate(sessions, start=1):
        headers = {"Host": f"127.0.0.1:{port}", "Cookie": session.cookie}
        body = "nil"
        if page.method == "POST":
            form = dict(page.form(number) if page.form else {})
            form["_csrf"] = session.csrf
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
            body = lua_string(urllib.parse.urlencode(form))
        table = "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}"
        lines.append(f"  requests[{number}] = wrk.format({lua_string(page.method)}, {lua_string(page.path(number, clients))}, {table}, {body})")
    lines += ["end", "local i = 0",
              "function request()", "  i = i + 1", "  return requests[(i % #requests) + 1]", "end",
              "function done(summary, latency, requests)",
              '  io.write(string.format("SCALE p50=%.3f p95=%.3f p99=%.3f max=%.3f\\n", latency:percentile(50) / 1000, '
              'latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))',
              '  io.write(string.format("SCALE requests=%d non2xx=%d errors=%d\\n", summary.requests, summary.errors.status, '
              'summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))',
              "end"]
    return "\n".join(lines) + "\n"


def measure(page: Page, sessions: list[Session], app: ScaleApp, clients: int, out: Path, tag: str) -> dict[str, object]:
    connections = int(os.environ.get("SCALE_CONNECTIONS", "8"))
    duration = int(os.environ.get("SCALE_DURATION", "10"))
    warmup = int(os.environ.get("SCALE_WARMUP", "3"))
    script = out / f"wrk-{tag}-{page.key}.lua"
    script.write_text(wrk_script(page, sessions, app.port, clients))
    # One check request first: a page that fails is reported, not timed.
    if page.method == "GET":
        for number, session in enumerate(sessions, start=1):
            status, _, body = http_get(app.port, page.path(number, clients), {"Cookie": session.cookie})
            if status != 200:
                raise RuntimeError(f"{page.key}: GET {page.path(number, clients)} answered {status}")
        page_bytes = len(body)
    else:
        page_bytes = None
    # One user alone, one request after another: what a person waits for when nobody else is
    # using the clinic (the 8-user run adds queueing for the 2 cores on top of this).
    alone_ms = None
    if page.method == "GET":
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            http_get(app.port, page.path(1, clients), {"Cookie": sessions[0].cookie})
            timings.append((time.perf_counter() - started) * 1000)
        alone_ms = sorted(timings)[len(timings) // 2]
    url = f"http://127.0.0.1:{app.port}/"
    base = ["wrk", "-t2", f"-c{connections}", "-s", str(script), "--timeout", "30s"]
    if warmup > 0:
        run(base + [f"-d{warmup}s", url])
    wait_for_quiet(f"{tag} {page.key}")
    result = run(base + [f"-d{duration}s", url])
    (out / f"wrk-{tag}-{page.key}.txt").write_text(result.stdout + result.stderr)
    latency = re.search(r"SCALE p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) max=([\d.]+)", result.stdout)
    counts = re.search(r"SCALE requests=(\d+) non2xx=(\d+) errors=(\d+)", result.stdout)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if result.returncode != 0 or not latency or not counts:
        raise RuntimeError(f"wrk failed for {page.key}: {result.stdout}{result.stderr}")
    row = {"label": page.label, "p50_ms": float(latency.group(1)), "p95_ms": float(latency.group(2)),
           "p99_ms": float(latency.group(3)), "max_ms": float(latency.group(4)), "requests": int(counts.group(1)),
           "non_2xx": int(counts.group(2)), "socket_errors": int(counts.group(3)),
           "requests_per_s": float(rps.group(1)) if rps else 0.0, "page_bytes": page_bytes, "alone_ms": alone_ms}
    # The page's size too: the export lists the client's whole access log, which every earlier
    # copy (this bench's included) made longer, so its time is only comparable at the same size.
    log(f"{tag} {page.key}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, {row['requests_per_s']:.0f} req/s"
        + (f", one user alone {alone_ms:.1f} ms" if alone_ms is not None else "")
        + (f", page {page_bytes / 1024:.0f} KiB" if page_bytes is not None else "")
        + (f", {row['non_2xx']} non-2xx" if row["non_2xx"] else ""))
    return row


def report(runs: list[Run], pages: list[Page]) -> str:
    text = []
    engines = sorted({r.engine for r in runs})
    for engine in engines:
        mine = sorted((r for r in runs if r.engine == engine), key=lambda r: r.clients)
        sizes = [r.clients for r in mine]
        text.append(f"### {engine}\n")
        header = "| page | " + " | ".join(f"{s:,} p50 / p95 ms (one user alone)" for s in sizes)
        if len(sizes) > 1:
            header += f" | p95 growth {sizes[0]:,} → {sizes[-1]:,} | target (p95 < 20 ms, growth < 2x)"
        text.append(header + " |")
        text.append("| --- |" + " ---: |" * len(sizes) + (" ---: | --- |" if len(sizes) > 1 else ""))
        for page in pages:
            cells = []
            for r in mine:
                row = r.pages.get(page.key)
                if row and row["requests"] == 0:
                    cells.append("no request finished in the run")
                    continue
                cells.append(f"{row['p50_ms']:.1f} / {row['p95_ms']:.1f}"
                             + (f" ({row['alone_ms']:.1f})" if row.get("alone_ms") is not None else "")
                             + (f" ({row['non_2xx']} non-2xx)" if row["non_2xx"] else "")
                             if row else "-")
            line = f"| {page.label} | " + " | ".join(cells)
            if len(sizes) > 1:
                small, large = mine[0].pages.get(page.key), mine[-1].pages.get(page.key)
                if small and large and small["requests"] and large["requests"]:
                    growth = large["p95_ms"] / max(small["p95_ms"], 0.001)
                    met = large["p95_ms"] < 20 and growth < 2
                    line += f" | {growth:.2f}x | {'met' if met else 'missed'}"
                else:
                    line += " | - | -"
            text.append(line + " |")
        text.append("")
        text.append("| generation | clients | seconds | database size |")
        text.append("| --- | ---: | ---: | ---: |")
        for r in mine:
            g = r.generation
            text.append(f"| {engine} | {r.clients:,} | {g.get('seconds', '-')} | {(g.get('bytes') or 0) / 2**30:.1f} GiB |")
        text.append("")
    return "\n".join(text)


def main() -> int:
    sizes = [int(x) for x in env_list("SCALE_SIZES", "10000,100000")]
    engines = env_list("SCALE_ENGINES", "sqlite")
    wanted = set(env_list("SCALE_PAGES", ""))
    pages = [p for p in PAGES if not wanted or p.key in wanted]
    pg_url = os.environ.get("SCALE_PG_URL") or os.environ.get("TEST_DATABASE_URL")
    if "postgres" in engines and not pg_url:
        raise SystemExit("SCALE_ENGINES names postgres: set SCALE_PG_URL or TEST_DATABASE_URL")
    root = Path(os.environ.get("SCALE_DIR", REPO / "e2e" / "artifacts" / "scale-data"))
    out = Path(os.environ.get("SCALE_OUT", REPO / "e2e" / "artifacts" / "bench-scale"))
    out.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    app_bin, generator = binaries()
    work = Path(tempfile.mkdtemp(prefix="ipt-bench-scale-"))
    runs: list[Run] = []
    status = 0
    for engine in engines:
        for clients in sizes:
            current = Run(engine, clients)
            runs.append(current)
            app = None
            try:
                current.generation = generate(engine, clients, generator, root, pg_url)
                if engine == "sqlite":
                    warm(root / f"{engine}-{clients}" / "clinic.sqlite")
                app = ScaleApp(app_bin, work, engine, clients, root, pg_url)
                app.start()
                clinician_sessions = [app.session(clinician_email(n), "/staff") for n in range(1, 9)]
                admins = [app.session(ADMIN, "/staff") for _ in range(8)]
                first_clinician = [clinician_sessions[0]] + [app.session(clinician_email(1), "/staff") for _ in range(7)]
                for page in pages:
                    try:
                        sessions = {"clinician": clinician_sessions, "admin": admins, "clinician-1": first_clinician}[page.who]
                        current.pages[page.key] = measure(page, sessions, app, clients, out,
                                                          f"{engine}-{clients}")
                    except Exception as error:  # noqa: BLE001  (one page failing does not lose the others)
                        log(f"{engine} {clients} {page.key}: FAILED: {error}")
                        status = 1
                current.generation["server_peak_rss_kib"] = peak_rss_kib(app.process.pid) if app.process else None
            except Exception as error:  # noqa: BLE001
                log(f"{engine} {clients}: FAILED: {error}")
                status = 1
            finally:
                if app:
                    app.stop()
                    shutil.copy(app.log_path, out / f"server-{engine}-{clients}.log")
    shutil.rmtree(work, ignore_errors=True)
    results = {"machine": machine(), "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
               "runs": [{"engine": r.engine, "clients": r.clients, "generation": r.generation, "pages": r.pages} for r in runs]}
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    text = report(runs, pages)
    (out / "report.md").write_text(text)
    print()
    print(text)
    log(f"results in {out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
