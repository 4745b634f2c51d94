#!/usr/bin/env python3
"""Crash durability: every write the API acknowledged survives SIGKILL of the server.

For each engine (SQLite, then PostgreSQL) and each round:
  1. start the server on the engine's data (the same data dir / schema every round),
  2. run several concurrent writers posting enquiries, newsletter sign-ups and bookings of the demo
     clinic's free times, each with a unique email, recording every one that got a 2xx answer
     (a booking that loses a race gets 409, which is expected),
  3. SIGKILL the server at a random moment (in some rounds already during start-up, before it is
     ready, so a crash in the middle of booting or migrating is covered too),
  4. read the database directly (sqlite3 on a copy of the files as the crash left them, or psql in
     the schema) and check that every acknowledged enquiry, subscriber and booking is there, that no
     clinician has two live appointments at once, and on SQLite that PRAGMA integrity_check says ok.
A round passes when nothing acknowledged is missing, the server answered no 5xx, and it came back
up. The closing line is `N passed, M failed` (one per round and engine); exit status 1 on any failure.

Run from the repository root (scripts/e2e-durability does this and starts PostgreSQL):

    python3 e2e/durability.py

Environment:
    IPT_BIN                  server binary (default .build/debug/iptclinic)
    DURABILITY_ROUNDS        kill/restart rounds per engine (default 50)
    DURABILITY_ENGINES       comma-separated: sqlite,postgres (default both)
    DURABILITY_WRITERS       concurrent writers (default 6)
    DURABILITY_MIN_LOAD / DURABILITY_MAX_LOAD
                             seconds of load before the kill (default 0.2 / 1.5, uniform)
    DURABILITY_EARLY_KILL    share of rounds whose kill comes during start-up (default 0.1)
    DURABILITY_SEED          random seed (default: random, printed)
    DATABASE_URL_PG or TEST_DATABASE_URL
                             PostgreSQL server for the postgres engine (scripts/start-postgres)
    DURABILITY_ALLOW_5XX=1   report 5xx answers without failing the round (loss still fails it)
    DURABILITY_KEEP=1        keep the data directory and the PostgreSQL schema afterwards
"""
from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import app_binary, free_port  # noqa: E402  (one helper for every e2e script)

REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[durability] {message}", flush=True)




def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class Ledger:
    """What the writers saw. Only `acked_*` matter for loss; `unknown` writes may or may not exist."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked_enquiries: set[str] = field(default_factory=set)
    acked_subscribers: set[str] = field(default_factory=set)
    acked_bookings: set[str] = field(default_factory=set)
    unknown: int = 0
    server_errors: list[str] = field(default_factory=list)
    other_statuses: list[str] = field(default_factory=list)


class Writer(threading.Thread):
    def __init__(self, port: int, tag: str, ledger: Ledger, stop: threading.Event, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.tag, self.ledger, self.stop, self.random = port, tag, ledger, stop, random.Random(seed)
        self.sequence = 0
        self.slots: list[dict] = []

    def free_times(self, connection: http.client.HTTPConnection) -> None:
        """Fetch the free consultation times of the demo clinic (either fee level)."""
        group = self.random.choice(["reduced", "registered"])
        connection.request("GET", f"/api/v1/slots?type=consultation&with={group}&days=28")
        response = connection.getresponse()
        body = response.read()
        self.slots = json.loads(body)["slots"] if response.status == 200 else []

    def run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while not self.stop.is_set():
            self.sequence += 1
            email = f"{self.tag}-{self.sequence}@example.org"
            roll = self.random.random()
            is_booking = roll < 0.15
            is_enquiry = not is_booking and roll < 0.65
            if is_booking:
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    if not self.slots:
                        self.free_times(connection)
                except (OSError, http.client.HTTPException, ValueError):
                    with self.ledger.lock:
                        self.ledger.unknown += 1
                    if connection is not None:
                        connection.close()
                        connection = None
                    time.sleep(0.02)
                    continue
                if not self.slots:
                    continue
                slot = self.slots.pop(self.random.randrange(len(self.slots)))
                path = "/api/v1/bookings"
                body = {"type": "consultation", "clinician": slot["clinician"], "start": slot["start"],
                        "name": f"Writer {self.tag}", "email": email, "phone": "416-555-0100",
                        "dateOfBirth": "1990-01-01", "consent": True}
            elif is_enquiry:
                path = "/api/v1/enquiries"
                body = {"name": f"Writer {self.tag}", "email": email, "preferredContact": "email",
                        "message": f"Durability check {self.sequence}: please get in touch.", "consent": True}
                if self.random.random() < 0.3:
                    body["phone"] = "+1 555 010 %04d" % (self.sequence % 10000)
            else:
                path = "/api/v1/newsletter/subscriptions"
                body = {"email": email, "consent": True}
            payload = json.dumps(body).encode()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("POST", path, body=payload, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                text = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                # Refused, reset or cut off by the kill: the write may or may not have happened.
                with self.ledger.lock:
                    self.ledger.unknown += 1
                if connection is not None:
                    connection.close()
                    connection = None
                time.sleep(0.02)
                continue
            with self.ledger.lock:
                if 200 <= status < 300:
                    (self.ledger.acked_bookings if is_booking else
                     self.ledger.acked_enquiries if is_enquiry else self.ledger.acked_subscribers).add(email)
                elif is_booking and status == 409:
                    # Taken by another writer first, or past the clinician's daily cap: the expected
                    # answer to a race, and the database's refusal is what is being tested.
                    pass
                elif status >= 500:
                    self.ledger.server_errors.append(f"POST {path} {email} -> {status} {text[:300]!r}")
                else:
                    self.ledger.other_statuses.append(f"POST {path} {email} -> {status} {text[:300]!r}")
        if connection is not None:
            connection.close()


class Engine:
    name = "?"

    def environment(self) -> dict[str, str]:
        raise NotImplementedError

    def stored(self) -> tuple[set[str], set[str], list[str]]:
        """(enquiry emails, subscriber emails, problems) as the database holds them right now."""
        raise NotImplementedError

    def bookings(self) -> tuple[set[str], int, list[str]]:
        """(emails of clients with a held booking, overlapping live appointments, problems)."""
        raise NotImplementedError

    def cleanup(self) -> None:
        pass


# Any status: a hold acknowledged and later expired by the sweeper was still stored.
BOOKED_SQL = "SELECT c.email FROM appointments a JOIN clients c ON c.id = a.client_id;"
OVERLAPS_SQL = ("SELECT count(*) FROM appointments a JOIN appointments b ON a.staff_id = b.staff_id AND a.id < b.id "
                "AND a.status IN ('held','confirmed') AND b.status IN ('held','confirmed') "
                "AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until;")


class SQLiteEngine(Engine):
    name = "sqlite"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def environment(self) -> dict[str, str]:
        return {"IPT_DATA_DIR": str(self.data_dir)}

    def stored(self) -> tuple[set[str], set[str], list[str]]:
        database = self.data_dir / "clinic.sqlite"
        if not database.exists():
            return set(), set(), []
        # Read a copy of the files exactly as the crash left them, so that the server's own recovery
        # at the next start is exercised too (opening the original would recover and checkpoint it).
        with tempfile.TemporaryDirectory(prefix="ipt-durability-copy-") as scratch:
            copy = Path(scratch) / "clinic.sqlite"
            for suffix in ("", "-wal", "-journal"):
                source = Path(str(database) + suffix)
                if source.exists():
                    shutil.copyfile(source, Path(str(copy) + suffix))
            problems: list[str] = []
            check = subprocess.run(["sqlite3", str(copy), "PRAGMA integrity_check;"],
                                   capture_output=True, text=True, check=False)
            if check.returncode != 0 or check.stdout.strip() != "ok":
                problems.append(f"PRAGMA integrity_check: {check.stdout.strip()} {check.stderr.strip()}".strip())
            enquiries = self._emails(copy, "enquiries", problems)
            subscribers = self._emails(copy, "newsletter_subscribers", problems)
            return enquiries, subscribers, problems

    def bookings(self) -> tuple[set[str], int, list[str]]:
        database = self.data_dir / "clinic.sqlite"
        if not database.exists():
            return set(), 0, []
        problems: list[str] = []
        booked = subprocess.run(["sqlite3", "-batch", "-noheader", str(database), BOOKED_SQL], capture_output=True, text=True)
        overlaps = subprocess.run(["sqlite3", "-batch", "-noheader", str(database), OVERLAPS_SQL], capture_output=True, text=True)
        if booked.returncode != 0 or overlaps.returncode != 0:
            if "no such table" in booked.stderr + overlaps.stderr:
                return set(), 0, []
            problems.append(f"sqlite3 bookings: {booked.stderr.strip()} {overlaps.stderr.strip()}")
            return set(), 0, problems
        return {line for line in booked.stdout.splitlines() if line}, int(overlaps.stdout.strip() or 0), problems

    @staticmethod
    def _emails(database: Path, table: str, problems: list[str]) -> set[str]:
        result = subprocess.run(["sqlite3", "-batch", "-noheader", str(database),
                                 f"SELECT email FROM {table};"], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            if "no such table" in result.stderr:
                return set()
            problems.append(f"sqlite3 SELECT FROM {table}: {result.stderr.strip()}")
            return set()
        return {line for line in result.stdout.splitlines() if line}


class PostgresEngine(Engine):
    name = "postgres"

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema

    def environment(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url, "DATABASE_SCHEMA": self.schema}

    def psql(self, sql: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
                              capture_output=True, text=True, check=False)

    def stored(self) -> tuple[set[str], set[str], list[str]]:
        problems: list[str] = []
        found: list[set[str]] = []
        for table in ("enquiries", "newsletter_subscribers"):
            result = self.psql(f'SELECT email FROM "{self.schema}".{table};')
            if result.returncode != 0:
                if "does not exist" in result.stderr:
                    found.append(set())
                    continue
                problems.append(f"psql SELECT FROM {table}: {result.stderr.strip()}")
                found.append(set())
            else:
                found.append({line for line in result.stdout.splitlines() if line})
        return found[0], found[1], problems

    def bookings(self) -> tuple[set[str], int, list[str]]:
        prefix = f'SET search_path TO "{self.schema}"; '
        booked = self.psql(prefix + BOOKED_SQL)
        overlaps = self.psql(prefix + OVERLAPS_SQL)
        if booked.returncode != 0 or overlaps.returncode != 0:
            if "does not exist" in booked.stderr + overlaps.stderr:
                return set(), 0, []
            return set(), 0, [f"psql bookings: {booked.stderr.strip()} {overlaps.stderr.strip()}"]
        return ({line for line in booked.stdout.splitlines() if line and "@" in line},
                int((overlaps.stdout.strip().splitlines() or ["0"])[-1]), [])

    def cleanup(self) -> None:
        self.psql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE;')


def run_engine(engine: Engine, binary: Path, rounds: int, rng: random.Random, log_dir: Path) -> tuple[int, int]:
    writers_count = int(os.environ.get("DURABILITY_WRITERS", "6"))
    min_load = env_float("DURABILITY_MIN_LOAD", 0.2)
    max_load = env_float("DURABILITY_MAX_LOAD", 1.5)
    early_share = env_float("DURABILITY_EARLY_KILL", 0.1)
    ledger = Ledger()
    passed = failed = 0
    started = time.monotonic()
    log_path = log_dir / f"server-{engine.name}.log"
    server_log = open(log_path, "ab")
    for round_number in range(1, rounds + 1):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_SCHEMA")}
        # The demo clinic: its clinicians and hours give the booking writers free times to race for.
        env.update({"IPT_DEMO": "1", "IPT_PUBLIC_URL": f"http://127.0.0.1:{port}",
                    "IPT_PUBLIC_FORM_LIMIT": "100000000"})
        env.update(engine.environment())
        env.setdefault("IPT_DATA_DIR", str(log_dir / f"data-{engine.name}"))
        server_log.write(f"\n===== round {round_number} port {port} =====\n".encode())
        server_log.flush()
        process = subprocess.Popen([str(binary), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=server_log, stderr=subprocess.STDOUT, cwd=REPO,
                                   start_new_session=True)
        problems: list[str] = []
        early = rng.random() < early_share
        stop = threading.Event()
        writers: list[Writer] = []
        if early:
            # Kill while it boots (opening the database, migrating, seeding).
            time.sleep(rng.uniform(0.0, 0.6))
            what = "during start-up"
        else:
            deadline = time.monotonic() + 90
            ready = False
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    connection.request("GET", "/readyz")
                    ready = connection.getresponse().status == 200
                    connection.close()
                except (OSError, http.client.HTTPException):
                    ready = False
                if ready:
                    break
                time.sleep(0.05)
            what = "before it was ready"
            if not ready:
                problems.append(f"the server did not become ready after the previous kill (exit status {process.poll()}); "
                                f"see {log_path}")
            else:
                for index in range(writers_count):
                    tag = f"{engine.name}-r{round_number}-w{index}-{rng.randrange(1 << 30):x}"
                    writer = Writer(port, tag, ledger, stop, rng.randrange(1 << 30))
                    writers.append(writer)
                    writer.start()
                load = rng.uniform(min_load, max_load)
                time.sleep(load)
                what = f"after {load:.2f}s of load"
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        for writer in writers:
            writer.join(timeout=15)

        enquiries, subscribers, read_problems = engine.stored()
        problems += read_problems
        booked, overlapping, booking_problems = engine.bookings()
        problems += booking_problems
        if overlapping:
            problems.append(f"{overlapping} pairs of overlapping appointments of one clinician (double bookings)")
        with ledger.lock:
            lost_enquiries = sorted(ledger.acked_enquiries - enquiries)
            lost_subscribers = sorted(ledger.acked_subscribers - subscribers)
            lost_bookings = sorted(ledger.acked_bookings - booked)
            server_errors, ledger.server_errors = ledger.server_errors, []
            other, ledger.other_statuses = ledger.other_statuses, []
            acked = len(ledger.acked_enquiries) + len(ledger.acked_subscribers) + len(ledger.acked_bookings)
        if lost_enquiries:
            problems.append(f"{len(lost_enquiries)} acknowledged enquiries missing, e.g. {lost_enquiries[:5]}")
        if lost_bookings:
            problems.append(f"{len(lost_bookings)} acknowledged bookings missing, e.g. {lost_bookings[:5]}")
        if lost_subscribers:
            problems.append(f"{len(lost_subscribers)} acknowledged subscribers missing, e.g. {lost_subscribers[:5]}")
        if server_errors and os.environ.get("DURABILITY_ALLOW_5XX") == "1":
            log(f"  (allowed by DURABILITY_ALLOW_5XX) {len(server_errors)} 5xx answers, e.g. {server_errors[:1]}")
        elif server_errors:
            problems.append(f"{len(server_errors)} 5xx answers, e.g. {server_errors[:3]}")
        if other:
            problems.append(f"{len(other)} unexpected non-2xx answers, e.g. {other[:3]}")
        status = "ok" if not problems else "FAILED"
        log(f"{engine.name} round {round_number}/{rounds}: killed {what}; "
            f"{acked} acknowledged so far, {len(enquiries)} enquiries + {len(subscribers)} subscribers + {len(booked)} bookings stored: {status}")
        for problem in problems:
            log(f"  {problem}")
        if problems:
            failed += 1
            if any("did not become ready" in p for p in problems):
                # Every following round would fail the same way; count them and stop.
                failed += rounds - round_number
                log(f"{engine.name}: stopping after a start-up failure; last lines of {log_path}:")
                server_log.flush()
                tail = log_path.read_text(errors="replace").splitlines()[-25:]
                for line in tail:
                    print("    " + line)
                break
        else:
            passed += 1
    server_log.close()
    log(f"{engine.name}: {passed} passed, {failed} failed in {time.monotonic() - started:.0f}s; "
        f"{len(ledger.acked_enquiries)} enquiries, {len(ledger.acked_subscribers)} sign-ups and "
        f"{len(ledger.acked_bookings)} bookings acknowledged, "
        f"{ledger.unknown} requests without an answer")
    return passed, failed


def main() -> int:
    os.chdir(REPO)
    binary = app_binary()
    if not os.access(binary, os.X_OK):
        log(f"server binary {binary} not found: build it first (swift build) or set IPT_BIN")
        print("0 passed, 1 failed")
        return 2
    if shutil.which("sqlite3") is None:
        log("the sqlite3 command-line shell is needed (apt-get install sqlite3)")
        print("0 passed, 1 failed")
        return 2
    rounds = int(os.environ.get("DURABILITY_ROUNDS", "50"))
    engines = [e.strip() for e in os.environ.get("DURABILITY_ENGINES", "sqlite,postgres").split(",") if e.strip()]
    seed = int(os.environ.get("DURABILITY_SEED") or random.randrange(1, 2**31))
    rng = random.Random(seed)
    keep = os.environ.get("DURABILITY_KEEP") == "1"
    work = Path(tempfile.mkdtemp(prefix="ipt-durability-"))
    log(f"{rounds} rounds per engine ({', '.join(engines)}), seed {seed}, work dir {work}")

    total_passed = total_failed = 0
    started = time.monotonic()
    for name in engines:
        if name == "sqlite":
            data_dir = work / "data-sqlite"
            data_dir.mkdir()
            engine: Engine = SQLiteEngine(data_dir)
        elif name == "postgres":
            url = os.environ.get("DATABASE_URL_PG") or os.environ.get("TEST_DATABASE_URL")
            if not url:
                log("postgres: no TEST_DATABASE_URL (run `eval \"$(scripts/start-postgres)\"` first)")
                total_failed += 1
                continue
            if shutil.which("psql") is None:
                log("postgres: the psql client is needed (apt-get install postgresql-client)")
                total_failed += 1
                continue
            engine = PostgresEngine(url, f"durability_{os.getpid()}_{rng.randrange(1 << 30):x}")
            log(f"postgres: schema {engine.schema}")
        else:
            log(f"unknown engine {name!r}")
            total_failed += 1
            continue
        try:
            passed, failed = run_engine(engine, binary, rounds, rng, work)
        finally:
            if not keep:
                engine.cleanup()
        total_passed += passed
        total_failed += failed
    log(f"done in {time.monotonic() - started:.0f}s (seed {seed})")
    if keep or total_failed:
        log(f"server logs and data kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{total_passed} passed, {total_failed} failed")
    return 0 if total_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
