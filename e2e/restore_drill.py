#!/usr/bin/env python3
"""The restore drill (issue 16 section 2): a backup taken while the clinic is busy restores.

  1. Start the demo clinic (IPT_DEMO=1) on a fresh SQLite data directory, with the master key in a
     file outside the data directory (IPT_MASTER_KEY_FILE).
  2. Run load in threads: public enquiries and bookings over the JSON API (each with a unique
     email), and the front desk's signed-in page views (the enquiry list, and each enquiry opened
     once: every one writes an audit row). Every write the server acknowledged (2xx/3xx) is noted
     with the moment its answer arrived.
  3. While the load runs, `iptclinic backup --to DIR` on the same data directory. Its snapshot
     (VACUUM INTO) is taken after the command starts, so every write acknowledged before that
     moment must be in the backup; writes acknowledged after the command returned cannot be.
  4. Stop the load and the clinic; `iptclinic restore --from FILE` into a new, empty data
     directory; a second restore into it must refuse and change nothing.
  5. Starting on the restored data with a wrong master key must refuse, in words.
  6. Start on the restored data with the same key: every enquiry, booking and audited page view
     acknowledged before the backup's moment is there, the front desk signs in with the same
     password, an enquiry's sealed message opens, and `iptclinic audit verify` exits 0.

The closing line is `N passed, M failed`; the exit status is 1 when anything failed. Run from the
repository root (scripts/e2e-restore does). Environment:
    IPT_BIN            the app binary (default .build/debug/iptclinic)
    DRILL_LOAD_BEFORE  seconds of load before the backup starts (default 3)
    DRILL_LOAD_AFTER   seconds of load after the backup returned (default 1)
    DRILL_STALE_WAL=0  skip restoring into a directory that holds only a clinic.sqlite-wal left from
                       the running clinic (no database file); by default the drill checks restore
                       refuses it and leaves nothing.
    E2E_RUN, E2E_KEEP_DATA as for the other checks (artifacts under e2e/artifacts/<run>-restore/)
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (REPO, AppServer, Results, artifacts_dir, csrf_token, expect,  # noqa: E402
                    log, run_name)

DESK_EMAIL = "frontdesk@harbourview-ipt.example"
ENQUIRY_WRITERS = 3
BOOKING_WRITERS = 1
PAGE_VIEWERS = 2


class DrillServer(AppServer):
    """The demo clinic with a given master key file, on a given (or fresh) data directory."""

    def __init__(self, art: Path, name: str, key_file: Path, data_dir: Optional[Path] = None):
        super().__init__(art, name=name, demo=True)
        self.key_file = key_file
        if data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = data_dir
            self.outbox = data_dir / "outbox"

    def env(self) -> dict:
        env = super().env()
        env.pop("IPT_MASTER_KEY", None)
        env.update(IPT_DEMO="1", IPT_MASTER_KEY_FILE=str(self.key_file))
        return env

    def halt(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 15 s) and keeps the data directory."""
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

    @property
    def database(self) -> Path:
        return self.data_dir / "clinic.sqlite"

    def command(self, *args: str, env: Optional[dict] = None, timeout: float = 90) -> subprocess.CompletedProcess:
        """Runs `iptclinic ARGS` with this server's environment; output appended to <name>-commands.log."""
        started = time.time()
        r = subprocess.run([str(self.bin), *args], cwd=REPO, env=env or self.env(), capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        with open(self.art / f"{self.name}-commands.log", "a") as f:
            f.write(f"$ iptclinic {' '.join(args)}   (exit {r.returncode}, {time.time() - started:.1f}s)\n"
                    f"{r.stdout}{r.stderr}\n")
        return r


# --------------------------------------------------------------------------- load

@dataclass
class Ledger:
    """Acknowledged writes, each with the wall-clock moment its answer arrived."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    enquiries: list = field(default_factory=list)   # (email, ack time)
    bookings: list = field(default_factory=list)    # (email, ack time)
    views: list = field(default_factory=list)       # (enquiry id, ack time): one audited enquiry page view each
    lists: list = field(default_factory=list)       # ack times of audited enquiry-list page views
    errors: list = field(default_factory=list)      # unexpected answers (5xx, or what a writer did not expect)

    def note(self, kind: str, item) -> None:
        with self.lock:
            getattr(self, kind).append(item)

    def problem(self, text: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(text)


def enquiry_writer(base: str, tag: str, ledger: Ledger, stop: threading.Event) -> None:
    s = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        email = f"drill-{tag}-{n}@example.org"
        body = {"name": f"Drill {tag} {n}", "email": email, "preferredContact": "email",
                "message": f"Restore drill message {tag}-{n}: please call me back.", "consent": True}
        try:
            r = s.post(base + "/api/v1/enquiries", json=body, timeout=15)
        except requests.RequestException as e:
            if not stop.is_set():
                ledger.problem(f"enquiry {email}: {type(e).__name__}")
            continue
        if 200 <= r.status_code < 400:
            ledger.note("enquiries", (email, time.time()))
        else:
            ledger.problem(f"enquiry {email}: {r.status_code} {r.text[:200]}")


def booking_writer(base: str, tag: str, ledger: Ledger, stop: threading.Event) -> None:
    s = requests.Session()
    n = 0
    slots: list = []
    while not stop.is_set():
        try:
            if not slots:
                r = s.get(base + "/api/v1/slots?type=consultation&with=registered&days=28", timeout=15)
                slots = r.json().get("slots", []) if r.status_code == 200 else []
                if not slots:
                    time.sleep(0.1)
                    continue
            slot = slots.pop(0)
            n += 1
            email = f"drill-{tag}-{n}@example.org"
            body = {"type": "consultation", "clinician": slot["clinician"], "start": slot["start"],
                    "name": f"Drill {tag} {n}", "email": email, "phone": "416-555-0100",
                    "dateOfBirth": "1990-01-01", "consent": True}
            r = s.post(base + "/api/v1/bookings", json=body, timeout=15)
        except (requests.RequestException, ValueError) as e:
            if not stop.is_set():
                ledger.problem(f"booking {tag}: {type(e).__name__}")
            continue
        if 200 <= r.status_code < 400:
            ledger.note("bookings", (email, time.time()))
        elif r.status_code != 409:  # a time another writer took first
            ledger.problem(f"booking {email}: {r.status_code} {r.text[:200]}")


ENQUIRY_LINK = re.compile(r'href="/staff/enquiries/([0-9A-Fa-f-]{36})"')


def desk_session(base: str, password: str) -> requests.Session:
    s = requests.Session()
    r = s.get(base + "/staff/sign-in", timeout=15)
    r = s.post(base + "/staff/sign-in", timeout=15, allow_redirects=False,
               data={"_csrf": csrf_token(r.text), "email": DESK_EMAIL, "password": password, "next": "/staff"})
    expect(r.status_code in (302, 303) and "sign-in" not in r.headers.get("Location", "sign-in"),
           f"the front desk's sign-in answered {r.status_code} (Location {r.headers.get('Location')!r})")
    return s


def page_viewer(base: str, password: str, seen: set, ledger: Ledger, stop: threading.Event) -> None:
    """The desk reads the inbox and opens each enquiry once (shared `seen`), as fast as it can."""
    try:
        s = desk_session(base, password)
    except Exception as e:  # noqa: BLE001 - noted, and the drill's checks see no views
        ledger.problem(f"page viewer could not sign in: {e}")
        return
    while not stop.is_set():
        try:
            r = s.get(base + "/staff/enquiries", timeout=15, allow_redirects=False)
            if r.status_code != 200:
                ledger.problem(f"GET /staff/enquiries: {r.status_code}")
                continue
            ledger.note("lists", time.time())
            for enquiry_id in ENQUIRY_LINK.findall(r.text):
                with ledger.lock:
                    if enquiry_id.lower() in seen:
                        continue
                    seen.add(enquiry_id.lower())
                if stop.is_set():
                    break
                v = s.get(f"{base}/staff/enquiries/{enquiry_id}", timeout=15, allow_redirects=False)
                if v.status_code == 200:
                    ledger.note("views", (enquiry_id.lower(), time.time()))
                else:
                    ledger.problem(f"GET /staff/enquiries/{enquiry_id}: {v.status_code}")
        except requests.RequestException as e:
            if not stop.is_set():
                ledger.problem(f"page viewer: {type(e).__name__}")


# --------------------------------------------------------------------------- the drill

def read_db(path: Path, sql: str) -> list:
    """Rows from a database file, opened read-only (nothing is written to the restored copy)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return c.execute(sql).fetchall()


def tables(path: Path) -> list:
    return [n for (n,) in read_db(path, "SELECT name FROM sqlite_master WHERE type = 'table'")]


def row_count(path: Path, table: str) -> int:
    return read_db(path, f'SELECT count(*) FROM "{table}"')[0][0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    run = run_name() + "-restore"
    art = artifacts_dir(run)
    res = Results()
    log(f"restore drill; artifacts in {art}")
    keys = Path(tempfile.mkdtemp(prefix="ipt-drill-keys-"))
    key_file, wrong_key_file = keys / "master.key", keys / "wrong.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    wrong_key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    backup_dir = Path(tempfile.mkdtemp(prefix="ipt-drill-backups-"))
    restored_dir = Path(tempfile.mkdtemp(prefix="ipt-drill-restored-")) / "data"  # does not exist yet

    origin = DrillServer(art, "origin", key_file)
    restored = DrillServer(art, "restored", key_file, data_dir=restored_dir)
    before_s = float(os.environ.get("DRILL_LOAD_BEFORE", "3"))
    after_s = float(os.environ.get("DRILL_LOAD_AFTER", "1"))
    ledger = Ledger()
    st: dict = {}

    def start_origin() -> str:
        origin.start()
        text = origin.log_path.read_text(errors="replace")
        m = re.search(r"password, shown only now:\s+(\S+)", text)
        expect(m is not None, "the demo server did not print its password")
        st["password"] = m.group(1)
        expect(not (origin.data_dir / "master.key").exists(), "a master.key was written into the data directory")
        return f"{origin.base}, data in {origin.data_dir}"

    def backup_under_load() -> str:
        stop = threading.Event()
        seen: set = set()
        threads = [threading.Thread(target=enquiry_writer, args=(origin.base, f"e{i}", ledger, stop), daemon=True)
                   for i in range(ENQUIRY_WRITERS)]
        threads += [threading.Thread(target=booking_writer, args=(origin.base, f"b{i}", ledger, stop), daemon=True)
                    for i in range(BOOKING_WRITERS)]
        threads += [threading.Thread(target=page_viewer, args=(origin.base, st["password"], seen, ledger, stop),
                                     daemon=True) for _ in range(PAGE_VIEWERS)]
        for t in threads:
            t.start()
        try:
            time.sleep(before_s)  # load before the backup
            st["backup_started"] = time.time()
            r = origin.command("backup", "--to", str(backup_dir), timeout=120)
            st["backup_done"] = time.time()
            time.sleep(after_s)  # and after it
            wal = origin.data_dir / "clinic.sqlite-wal"
            if wal.exists():  # for the stale-WAL check (DRILL_STALE_WAL=1)
                shutil.copy(wal, keys / "stale.sqlite-wal")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        expect(r.returncode == 0, f"backup exited {r.returncode}:\n{r.stdout}{r.stderr}")
        m = re.search(r"Backup written and checked: (\S+\.sqlite)", r.stdout)
        expect(m is not None, f"the backup did not name its file:\n{r.stdout}")
        st["backup"] = Path(m.group(1))
        expect("audit chain intact" in r.stdout, f"the backup did not report the audit chain intact:\n{r.stdout}")
        return (f"{st['backup'].name} in {st['backup_done'] - st['backup_started']:.1f}s; acknowledged: "
                f"{len(ledger.enquiries)} enquiries, {len(ledger.bookings)} bookings, "
                f"{len(ledger.views)} enquiry views, {len(ledger.lists)} inbox views")

    def load_was_clean() -> str:
        expect(not ledger.errors, "unexpected answers during the load:\n" + "\n".join(ledger.errors[:20]))
        t0, t1 = st["backup_started"], st["backup_done"]
        for kind, items in (("enquiries", [t for _, t in ledger.enquiries]), ("enquiry views", [t for _, t in ledger.views])):
            expect(any(t < t0 for t in items), f"no {kind} were acknowledged before the backup started")
            expect(any(t0 <= t <= t1 for t in items), f"no {kind} were acknowledged while the backup ran "
                   f"(the drill would not show a backup under load)")
        return "writes and page views acknowledged before, during and after the backup"

    def backup_files() -> str:
        names = sorted(p.name for p in backup_dir.iterdir())
        b = st["backup"]
        expect(names == [b.name, b.name + ".sha256"], f"the backup directory holds {names}, expected the copy and its .sha256")
        raw = b.read_bytes()
        for text in (key_file.read_text().strip(),):
            expect(text.encode() not in raw and base64.b64decode(text) not in raw, "the master key is inside the backup")
        recorded = (backup_dir / (b.name + ".sha256")).read_text().split()[0]
        expect(recorded == sha256(b), "the .sha256 beside the backup does not match it")
        return ", ".join(names) + "; no master key inside"

    def stop_origin() -> str:
        origin.halt()
        return "stopped"

    def restore() -> str:
        r = restored.command("restore", "--from", str(st["backup"]))
        expect(r.returncode == 0, f"restore exited {r.returncode}:\n{r.stdout}{r.stderr}")
        expect("audit chain intact" in r.stdout, f"restore did not report the audit chain intact:\n{r.stdout}")
        expect(restored.database.exists(), f"no database at {restored.database} after restore")
        # Byte equality is not expected: opening the copy (WAL mode) rewrites its header. Same rows, though.
        differ = [t for t in tables(st["backup"]) if row_count(st["backup"], t) != row_count(restored.database, t)]
        expect(not differ, f"the restored database's row counts differ from the backup's in {differ}")
        return r.stdout.strip().splitlines()[0]

    def restore_refuses_non_empty() -> str:
        before = sha256(restored.database)
        r = restored.command("restore", "--from", str(st["backup"]))
        expect(r.returncode != 0, "a second restore into a directory that holds a database exited 0")
        expect("already exists" in r.stderr + r.stdout, f"the refusal does not say why:\n{r.stdout}{r.stderr}")
        expect(sha256(restored.database) == before, "the refused restore changed the database")
        expect(not any(p.name.endswith(".restoring") for p in restored.data_dir.iterdir()), "a .restoring file was left")
        return (r.stderr + r.stdout).strip().splitlines()[-1]

    def wrong_key_refuses() -> str:
        env = restored.env()
        env["IPT_MASTER_KEY_FILE"] = str(wrong_key_file)
        before = sha256(restored.database)
        # `serve` on a port nobody uses: it must exit on its own, before it listens.
        r = restored.command("serve", "--hostname", "127.0.0.1", "--port", str(restored.port), env=env, timeout=60)
        text = r.stdout + r.stderr
        expect(r.returncode != 0, f"the clinic started with the wrong master key:\n{text[-2000:]}")
        expect("not the key this database was set up with" in text and "will not start" in text,
               f"the refusal does not say the key is wrong:\n{text[-2000:]}")
        expect(sha256(restored.database) == before, "the refused start changed the restored database")
        return [l for l in text.splitlines() if "key" in l][-1].strip()

    def acknowledged_before_backup_are_there() -> str:
        t0 = st["backup_started"]
        db = restored.database
        enquiries = {e.lower() for (e,) in read_db(db, "SELECT email FROM enquiries")}
        clients = {e.lower() for (e,) in read_db(db, "SELECT c.email FROM appointments a JOIN clients c ON c.id = a.client_id")}
        viewed = {(r or "").lower() for (r,) in read_db(db, "SELECT record_id FROM audit_events WHERE action = 'view' AND record_type = 'enquiry'")}
        lists = read_db(db, "SELECT count(*) FROM audit_events WHERE record_type = 'enquiry-list'")[0][0]
        missing = [f"enquiry {e}" for e, t in ledger.enquiries if t < t0 and e.lower() not in enquiries]
        missing += [f"booking {e}" for e, t in ledger.bookings if t < t0 and e.lower() not in clients]
        missing += [f"audit row of the view of enquiry {i}" for i, t in ledger.views if t < t0 and i not in viewed]
        lists_before = sum(1 for t in ledger.lists if t < t0)
        if lists < lists_before:
            missing.append(f"audit rows of inbox views: {lists} in the backup, {lists_before} acknowledged before it")
        expect(not missing, f"{len(missing)} acknowledged before the backup are missing:\n" + "\n".join(missing[:30]))
        # The other side: what was acknowledged after the backup returned cannot be in it.
        late = [e for e, t in ledger.enquiries if t > st["backup_done"] and e.lower() in enquiries]
        expect(not late, f"enquiries acknowledged after the backup finished are in it: {late[:5]}")
        n = lambda items: sum(1 for _, t in items if t < t0)  # noqa: E731
        during = sum(1 for e, t in ledger.enquiries if t0 <= t <= st["backup_done"] and e.lower() in enquiries)
        return (f"all there: {n(ledger.enquiries)} enquiries, {n(ledger.bookings)} bookings, {n(ledger.views)} "
                f"enquiry views, {lists_before} inbox views; {during} acknowledged while the backup ran made it in too")

    def start_restored() -> str:
        restored.start()
        return restored.base

    def sealed_records_open() -> str:
        s = desk_session(restored.base, st["password"])
        before = [(e, t) for e, t in ledger.enquiries if t < st["backup_started"]]
        email, _ = before[-1]
        (eid,) = read_db(restored.database, f"SELECT id FROM enquiries WHERE email = '{email}'")[0]
        stored = read_db(restored.database, f"SELECT message FROM enquiries WHERE email = '{email}'")[0][0]
        tag_n = email.split("drill-")[1].split("@")[0]
        plain = f"Restore drill message {tag_n}"
        expect(plain not in str(stored), "the enquiry's message is not sealed in the database (the check proves nothing)")
        r = s.get(f"{restored.base}/staff/enquiries/{str(eid).upper()}", timeout=15)
        if r.status_code == 404:
            r = s.get(f"{restored.base}/staff/enquiries/{str(eid).lower()}", timeout=15)
        expect(r.status_code == 200, f"the enquiry page answered {r.status_code}")
        expect(plain in r.text, f"the enquiry page does not show the message {plain!r}")
        inbox = s.get(restored.base + "/staff/enquiries", timeout=15)
        expect(inbox.status_code == 200, f"the inbox answered {inbox.status_code}")
        return f"signed in with the same password; {email}'s sealed message reads back"

    def restored_log_clean() -> str:
        problems = restored.log_problems()
        expect(not problems, "\n".join(problems[:20]))
        return ""

    def stop_restored() -> str:
        restored.halt()  # its data stays: audit verify runs on it next
        return "stopped"

    def audit_verify() -> str:
        r = restored.command("audit", "verify")
        expect(r.returncode == 0, f"audit verify exited {r.returncode}:\n{r.stdout}{r.stderr}")
        expect("Audit chain intact" in r.stdout, f"audit verify said:\n{r.stdout}{r.stderr}")
        return r.stdout.strip()

    def stale_wal() -> str:
        """A data directory with a -wal left from another database but no database file is not empty."""
        stale = keys / "stale.sqlite-wal"
        expect(stale.exists(), "no -wal file of the running clinic was captured")
        target = restored_dir.parent / "stale"
        target.mkdir()
        shutil.copy(stale, target / "clinic.sqlite-wal")
        probe = DrillServer(art, "stale-wal", key_file, data_dir=target)
        r = probe.command("restore", "--from", str(st["backup"]))
        text = (r.stdout + r.stderr).strip()
        if r.returncode != 0:
            expect(not (target / "clinic.sqlite").exists(),
                   f"restore failed ({text}) and left its broken copy as clinic.sqlite, so a second try is refused")
            return f"refused: {text}"
        differ = [t for t in tables(st["backup"]) if row_count(st["backup"], t) != row_count(target / "clinic.sqlite", t)]
        expect(not differ, f"restore took the stale -wal into the restored database: row counts differ in {differ}")
        return "the stale -wal was not applied"

    try:
        if os.environ.get("DRILL_STALE_WAL", "1") == "1":
            st["stale"] = True
        res.steps("restore drill", [
            ("the demo clinic starts with its key outside the data directory", start_origin),
            ("a backup taken while enquiries, bookings and audited page views run", backup_under_load),
            ("the load had no unexpected answers and overlapped the backup", load_was_clean),
            ("the backup is the copy and its checksum, without the key", backup_files),
            ("the clinic stops", stop_origin),
            ("restore into a new, empty data directory", restore),
            ("restore refuses a data directory that holds a database", restore_refuses_non_empty),
            ("the restored clinic refuses to start with a wrong master key", wrong_key_refuses),
            ("everything acknowledged before the backup's moment is in the restored database",
             acknowledged_before_backup_are_there),
            ("the restored clinic starts with the same key", start_restored),
            ("sealed records open on the restored clinic", sealed_records_open),
            ("the restored clinic's log has no ERROR/CRITICAL lines", restored_log_clean),
            ("the restored clinic stops", stop_restored),
            ("audit verify on the restored data exits 0", audit_verify),
        ])
        if st.get("stale") and "backup" in st:
            res.check("restore into a directory holding a stale -wal (DRILL_STALE_WAL=1)", stale_wal)
    finally:
        origin.stop()
        restored.stop()
        if os.environ.get("E2E_KEEP_DATA") != "1":
            for d in (keys, backup_dir, restored_dir.parent):
                shutil.rmtree(d, ignore_errors=True)
        else:
            log(f"kept: backups {backup_dir}, restored data {restored_dir}, keys {keys}")
        (art / "ledger.json").write_text(json.dumps({
            "backup_started": st.get("backup_started"), "backup_done": st.get("backup_done"),
            "enquiries": ledger.enquiries, "bookings": ledger.bookings, "views": ledger.views,
            "lists": ledger.lists, "errors": ledger.errors}, indent=1))
    res.summary()
    return 1 if res.failed or res.not_run else 0


if __name__ == "__main__":
    sys.exit(main())
