"""Booking race benchmark (issue 4): 64 concurrent clients racing over 100 free times.

Starts the release build on the demo clinic (SQLite in a fresh data directory, then PostgreSQL in a
fresh schema when a URL is given), takes the first 100 free consultation times of the reduced-rate
clinic from GET /api/v1/slots, and lets 64 client threads book them through POST /api/v1/bookings,
each picking a random one of the 100 every time, until all 100 are taken. Every request has its
own email address, so only the clinician's calendar can refuse it. Afterwards it counts, in the
database itself, pairs of live appointments of one clinician whose times overlap: the double
bookings, which must be 0.

Run by scripts/bench-scheduling; results in e2e/artifacts/bench-scheduling/.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import App, REPO  # noqa: E402  (the same app wrapper as the load benchmark)

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "64"))
SLOTS = int(os.environ.get("BENCH_SLOTS", "100"))
OCCUPYING = "('held','requested','offered','confirmed','attended','no_show','blocked')"
DOUBLE_BOOKINGS_SQL = f"""
SELECT count(*) FROM appointments a JOIN appointments b
  ON a.staff_id = b.staff_id AND a.id < b.id
 AND a.status IN {OCCUPYING} AND b.status IN {OCCUPYING}
 AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until
"""


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def race(app: App, label: str) -> dict[str, object]:
    status, body = request(app.port, "GET", "/api/v1/slots?type=consultation&with=reduced&days=28")
    if status != 200:
        raise RuntimeError(f"slots answered {status}")
    # At most 7 per clinician and day: the demo clinic caps a clinician's day at 7 appointments, and a
    # time past the cap would rightly never be bookable.
    per_day: dict[tuple[str, str], int] = {}
    slots = []
    for slot in json.loads(body)["slots"]:
        local_day = datetime.fromisoformat(slot["start"].replace("Z", "+00:00")).astimezone(ZoneInfo("America/Toronto")).date()
        key = (slot["clinician"], str(local_day))
        if per_day.get(key, 0) < 7 and len(slots) < SLOTS:
            per_day[key] = per_day.get(key, 0) + 1
            slots.append(slot)
    if len(slots) < SLOTS:
        raise RuntimeError(f"only {len(slots)} free times, {SLOTS} wanted")
    taken: set[int] = set()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(10**9))

    deadline = time.monotonic() + float(os.environ.get("BENCH_RACE_SECONDS", "300"))

    def client(number: int) -> None:
        rng = random.Random(number)
        while True:
            with lock:
                if len(taken) == len(slots) or time.monotonic() > deadline:
                    return
                n = next(counter)
            index = rng.randrange(len(slots))
            slot = slots[index]
            payload = {"type": "consultation", "clinician": slot["clinician"], "start": slot["start"],
                       "name": f"Racer {n}", "email": f"racer{n}@example.net", "phone": "416-555-0100",
                       "dateOfBirth": "1990-01-01", "consent": True}
            started = time.perf_counter()
            code, _ = request(app.port, "POST", "/api/v1/bookings", payload)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[code] = statuses.get(code, 0) + 1
                if code == 202:
                    taken.add(index)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    total = len(latencies)
    return {
        "engine": label, "clients": CLIENTS, "slots": len(slots), "requests": total, "seconds": round(seconds, 2),
        "requests_per_s": round(total / seconds, 1), "bookings_per_s": round(statuses.get(202, 0) / seconds, 1),
        "p50_ms": round(latencies[total // 2], 1), "p99_ms": round(latencies[min(total - 1, int(total * 0.99))], 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "successes": statuses.get(202, 0),
    }


def double_bookings_sqlite(app: App) -> int:
    out = subprocess.run(["sqlite3", str(app.data_dir / "clinic.sqlite"), DOUBLE_BOOKINGS_SQL],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def double_bookings_postgres(app: App) -> int:
    sql = f"SET search_path TO {app.schema}; {DOUBLE_BOOKINGS_SQL};"
    out = subprocess.run(["psql", app.pg_url, "-At", "-c", sql], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1])


def main() -> int:
    binary = Path(os.environ.get("IPT_BIN", REPO / ".build-release/release/iptclinic"))
    out_dir = REPO / "e2e/artifacts/bench-scheduling"
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(os.environ.get("BENCH_WORK") or out_dir / f"work-{int(time.time())}")
    work.mkdir(parents=True, exist_ok=True)
    results = []
    engines = [("sqlite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        engines.append(("postgres", os.environ["TEST_DATABASE_URL"]))
    for label, url in engines:
        app = App(binary, work, f"race-{label}", pg_url=url)
        app.env["IPT_PUBLIC_FORM_LIMIT"] = "100000000"
        app.start()
        try:
            result = race(app, label)
            result["double_bookings"] = double_bookings_sqlite(app) if url is None else double_bookings_postgres(app)
        finally:
            app.process.terminate()
            app.process.wait(timeout=30)
        print(json.dumps(result), flush=True)
        results.append(result)
    (out_dir / "booking-race.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["double_bookings"] == 0 and r["successes"] == r["slots"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
