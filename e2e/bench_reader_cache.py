#!/usr/bin/env python3
"""What a commit by another connection costs an SQLite reader's page cache (docs/PERFORMANCE.md,
"Runs of 2026-12-08").

In WAL mode a connection that starts a read after any other connection has committed to the same
file throws away its whole page cache (SQLite's pager resets when the write-ahead log's header has
changed), and with memory-mapped reads it also unmaps the file. The app commits an audit row for
every page view, so under load the readers' caches are emptied between nearly every two reads.
This measures one read of about 2,000 index entries and rows, repeated: with no writes, with a
commit to the same file before each read, and with a commit to another, attached file before each
read (where the audit trail could live).

    python3 e2e/bench_reader_cache.py          # about 30 s; prints medians and p95s in ms
"""
from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

ROWS = 400_000
CLINICIANS = 200
READS = 400
ROUNDS = 3
QUERY = "SELECT count(*), sum(length(client)) FROM appointments WHERE clinician = ? AND starts BETWEEN 0 AND 10000000"


def build(folder: Path) -> tuple[Path, Path]:
    clinic, audit = folder / "clinic.sqlite", folder / "audit.sqlite"
    random.seed(7)
    with sqlite3.connect(clinic) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE appointments (id INTEGER PRIMARY KEY, clinician INT, starts INT, client TEXT, status TEXT)")
        db.execute("CREATE INDEX appointments_clinician_starts ON appointments (clinician, starts)")
        db.execute("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, detail TEXT)")
        db.executemany("INSERT INTO appointments VALUES (?, ?, ?, ?, ?)",
                       ((i, random.randrange(CLINICIANS), random.randrange(10_000_000), f"client-{random.randrange(100_000):08d}",
                         random.choice(["confirmed", "attended", "cancelled"])) for i in range(ROWS)))
    with sqlite3.connect(audit) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, detail TEXT)")
    return clinic, audit


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ipt-reader-cache-") as folder:
        clinic, audit = build(Path(folder))
        reader = sqlite3.connect(clinic, isolation_level=None)
        reader.execute("PRAGMA cache_size = -32768")  # as the app's readers (DatabaseSetup.sqlitePragmas)
        reader.execute(f"ATTACH '{audit}' AS audit")
        same_file = sqlite3.connect(clinic, isolation_level=None)
        other_file = sqlite3.connect(audit, isolation_level=None)
        for writer in (same_file, other_file):
            writer.execute("PRAGMA synchronous = FULL")

        def read() -> float:
            started = time.perf_counter()
            reader.execute(QUERY, (random.randrange(CLINICIANS),)).fetchone()
            return (time.perf_counter() - started) * 1000

        for _ in range(200):
            read()
        cases = {"no writes": None, "a commit to the same file before each read": same_file,
                 "a commit to another, attached file before each read": other_file}
        results: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(ROUNDS):
            for name, writer in cases.items():
                for _ in range(READS):
                    if writer is not None:
                        writer.execute("INSERT INTO audit_events (detail) VALUES ('page view')")
                    results[name].append(read())
        print(f"SQLite {sqlite3.sqlite_version}, one read of ~{ROWS // CLINICIANS:,} rows, {READS * ROUNDS} reads each:")
        for name, times in results.items():
            times.sort()
            print(f"  {name}: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms")


if __name__ == "__main__":
    main()
