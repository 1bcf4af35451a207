"""Faults of the storage under the SQLite backend, injected into the real server by a
SQLite VFS loaded with LD_PRELOAD (tests/fault/sqlite_fault.c, built by the Makefile as
build/fault/libsqlitefault.so): the disk full, a failed write, a failed fsync, and writes
never synced lost at a kill -9. The server answers 503 (storage_full, storage_error), keeps
serving reads, acknowledges nothing it has not made durable, loses nothing it acknowledged
and writes again by itself once the storage does. See docs/reliability.md.

SQLite only: not collected on PostgreSQL (collect_ignore in tests/api/conftest.py; named on
the command line, it says it is skipped), whose storage is PostgreSQL's own to make durable
and whose connection faults have tests of their own."""
import errno
import os
import random
import shutil
import signal
import sqlite3
import tempfile
import threading

import pytest
import requests

import backend
from conftest import ROOT, Server, id_with_check, ready_database, run_cli

if backend.BACKEND != "sqlite":  # only when named on the command line: tests/api leaves it out (conftest)
    pytest.skip("SQLite's storage faults: this module does not run on PostgreSQL", allow_module_level=True)

SHIM = os.path.join(ROOT, "build", "fault", "libsqlitefault.so")
COMMUNITY = "340104006006"


class FaultServer(Server):
    """A server with the fault VFS preloaded. fault(...) sets the faults in force (none: clear)."""

    def __init__(self, drop_unsynced=False, **kw):
        assert os.path.exists(SHIM), f"{SHIM} is missing: make build/fault/libsqlitefault.so"
        self.fault_dir = tempfile.mkdtemp(prefix="jiceng-fault-")
        self.ctl = os.path.join(self.fault_dir, "ctl")
        self.fault_log = os.path.join(self.fault_dir, "faults")
        env = ["env", f"LD_PRELOAD={SHIM}", f"JICENG_FAULT_CTL={self.ctl}", f"JICENG_FAULT_LOG={self.fault_log}",
               f"JICENG_FAULT_DROP_UNSYNCED={1 if drop_unsynced else 0}"]
        if os.environ.get("JICENG_SANITIZED"):  # the shim is loaded before the sanitizer's runtime
            env.append("ASAN_OPTIONS=" + os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
        super().__init__(wrap=env, **kw)

    def fault(self, **faults):
        tmp = self.ctl + ".new"
        with open(tmp, "w") as f:
            f.write("".join(f"{k}={v}\n" for k, v in faults.items()))
        os.replace(tmp, self.ctl)  # a new inode: the shim reads it at its next write or sync

    def faults_seen(self):
        if not os.path.exists(self.fault_log):
            return []
        with open(self.fault_log) as f:
            return f.read().split()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def close(self):
        try:
            code = super().close()
        finally:
            shutil.rmtree(self.fault_dir, ignore_errors=True)
        return code


def intact(s):
    """The stopped server's database passes its integrity check and audit verify, and its log
    (every run) holds no sanitizer report."""
    assert backend.integrity_ok(s.db)
    run_cli("audit", "verify", "--db", s.db)
    log = s.read_log(whole=True)
    assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]


def writer(s):
    admin = s.admin()
    return admin, s.org_id(COMMUNITY)


def new_case(c, org, title):
    return c.post("/api/v1/cases", json={"category": "other", "title": title, "description": "fault test",
                                         "org_id": org})


def refused(r, code):
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == code, r.text
    assert r.headers.get("retry-after") == "1"


def titles(db):
    con = sqlite3.connect(db)
    try:
        return {row[0] for row in con.execute("SELECT title FROM casefile")}
    finally:
        con.close()


def assert_kept(db, cases, people):
    """Every acknowledged case and resident (their ids) is in the database."""
    con = sqlite3.connect(db)
    try:
        stored_cases = {row[0] for row in con.execute("SELECT id FROM casefile")}
        stored_people = {row[0] for row in con.execute("SELECT id FROM person")}
    finally:
        con.close()
    assert set(cases) <= stored_cases, f"{len(set(cases) - stored_cases)} of {len(cases)} acknowledged cases lost"
    assert set(people) <= stored_people, f"{len(set(people) - stored_people)} of {len(people)} acknowledged residents lost"


def test_disk_full_answers_503_serves_reads_and_recovers_by_itself():
    s = FaultServer()
    try:
        admin, comm = writer(s)
        acked = []
        for i in range(5):
            r = new_case(admin, comm, f"before-{i}")
            assert r.status_code == 201, r.text
            acked.append(r.json())
        s.fault(full=1)
        # Space already allocated (the WAL's tail) may still take a write or two: write until refused.
        for i in range(200):
            r = new_case(admin, comm, f"filling-{i}")
            if r.status_code != 201:
                break
            acked.append(r.json())
        refused(r, "storage_full")
        assert "full" in s.faults_seen()
        for i in range(3):  # and stays refused while the disk is full, never 500
            refused(new_case(admin, comm, f"refused-{i}"), "storage_full")
        # Reads go on: the list, each acknowledged case, and the health check, which says why writes fail.
        listed = admin.get("/api/v1/cases", params={"limit": 200})
        assert listed.status_code == 200
        assert {c["id"] for c in acked} <= {c["id"] for c in listed.json()["items"]}
        assert admin.get(f"/api/v1/cases/{acked[-1]['id']}").status_code == 200
        health = s.client().get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "degraded", "writes": "storage_full"}
        assert "database or disk is full" in s.read_log()
        # Space returns: the next write succeeds without a restart, and the health check is ok again.
        s.fault()
        r = new_case(admin, comm, "after")
        assert r.status_code == 201, r.text
        acked.append(r.json())
        assert s.client().get("/healthz").json() == {"status": "ok", "writes": "ok"}
        assert s.stop() == 0
        stored = titles(s.db)
        assert {c["title"] for c in acked} <= stored
        assert not any(t.startswith("refused-") for t in stored)
        intact(s)
    finally:
        s.close()


def test_failed_write_or_fsync_is_never_acknowledged():
    """An I/O error on a write of the WAL, then on its fsync: 503 storage_error, the change is
    not visible, the next write succeeds once the storage does, and after a restart the
    refused changes are still absent and every acknowledged one present."""
    s = FaultServer()
    try:
        admin, comm = writer(s)
        acked = []
        for fault in ("write_error", "sync_error"):
            r = new_case(admin, comm, f"ok-before-{fault}")
            assert r.status_code == 201, r.text
            acked.append(r.json()["title"])
            s.fault(**{fault: 1})
            refused(new_case(admin, comm, f"failed-{fault}"), "storage_error")
            assert fault in s.faults_seen()
            assert s.client().get("/healthz").json() == {"status": "degraded", "writes": "storage_error"}
            assert f"failed-{fault}" not in titles(s.db)
            found = admin.get("/api/v1/cases", params={"q": f"failed-{fault}"})
            assert found.status_code == 200 and found.json()["items"] == []
            s.fault()
            r = new_case(admin, comm, f"ok-after-{fault}")
            assert r.status_code == 201, r.text
            acked.append(r.json()["title"])
            assert s.client().get("/healthz").json()["writes"] == "ok"
        assert s.stop() == 0
        s.start()  # the recovery a restart runs brings back nothing that was refused
        stored = titles(s.db)
        assert set(acked) <= stored
        assert not any(t.startswith("failed-") for t in stored)
        assert s.stop() == 0
        intact(s)
    finally:
        s.close()


def test_failed_fsync_then_kill9_does_not_bring_the_change_back():
    """An fsync fails but the kernel keeps the pages (the shim passes the writes through), then
    the process dies: WAL recovery at the next start must not revive the change answered 503.
    Twice, the second time with the fsync failing again for the writer's next commit too."""
    s = FaultServer()
    try:
        admin, comm = writer(s)
        for k in range(2):
            s.fault(sync_error=1)
            refused(new_case(admin, comm, f"failed-fsync-{k}"), "storage_error")
            s.kill9()
            s.fault()
            s.start()
            admin, comm = writer(s)
            assert f"failed-fsync-{k}" not in titles(s.db)
            r = new_case(admin, comm, f"ok-{k}")
            assert r.status_code == 201, r.text
        assert s.stop() == 0
        assert {"ok-0", "ok-1"} <= titles(s.db)
        intact(s)
    finally:
        s.close()


def test_kill9_loses_nothing_acknowledged_when_unsynced_writes_are_lost():
    """Every write not yet fsynced lives only in the process (the shim's drop_unsynced), so a
    kill -9 loses it as a power cut would: cases and residents written by several clients,
    killed at random moments, and each one answered 2xx is there after the restart. A skipped
    or ignored fsync (PRAGMA synchronous=OFF or NORMAL, a commit answered before it is
    durable) fails this test; the kill -9 of test_crash, which keeps the page cache, would not.
    Last, a write whose fsync fails, then the kill: not there after the restart either."""
    s = FaultServer(drop_unsynced=True)
    rnd = random.Random(20)
    try:
        comm = s.org_id(COMMUNITY)
        cases, people = [], []
        seq = iter(range(1, 10**6))
        for round_ in range(3):
            admin = s.admin()
            stop = threading.Event()
            progress = threading.Condition()

            def client(kind, k):
                c = admin.same_session()
                while not stop.is_set():
                    n = next(seq)
                    try:
                        if kind == "case":
                            r = new_case(c, comm, f"k{round_}-{k}-{n}")
                        else:
                            born = f"{1940 + n // 1000:04d}0101{n % 1000:03d}"  # a new number each time
                            r = c.post("/api/v1/persons", json={"org_id": comm, "name": f"住户{n}",
                                                                "id_card": id_with_check("340104" + born)})
                    except requests.RequestException:
                        return
                    if r.status_code == 201:
                        with progress:
                            (cases if kind == "case" else people).append(r.json()["id"])
                            progress.notify_all()

            threads = [threading.Thread(target=client, args=(kind, k)) for kind in ("case", "person") for k in range(2)]
            for t in threads:
                t.start()
            target = len(cases) + len(people) + rnd.randint(10, 50)
            with progress:
                assert progress.wait_for(lambda: len(cases) + len(people) >= target, timeout=60)
            s.kill9()
            stop.set()
            for t in threads:
                t.join()
            s.start()
            assert_kept(s.db, cases, people)
        # A failed fsync, then the kill: the refused case is gone with what was never synced.
        admin = s.admin()
        s.fault(sync_error=1)
        refused(new_case(admin, comm, "failed-then-killed"), "storage_error")
        s.kill9()
        s.fault()
        s.start()
        assert s.client().get("/healthz").status_code == 200
        assert s.stop() == 0
        assert len(cases) >= 15 and len(people) >= 15, (len(cases), len(people))
        assert_kept(s.db, cases, people)
        assert "failed-then-killed" not in titles(s.db)
        intact(s)
    finally:
        s.close()


def test_a_real_full_file_system():
    """The same promises on a real full file system, the kernel answering ENOSPC: the server
    runs in a private mount namespace (an unprivileged user namespace, as test_exports does)
    whose database folder is a small tmpfs holding a copy of the database; the test fills it
    through /proc/PID/root, then frees the space again."""
    folder = tempfile.mkdtemp(prefix="jiceng-enospc-")
    disk = os.path.join(folder, "disk")
    os.mkdir(disk)
    db = ready_database(disk)
    room = sum(os.path.getsize(os.path.join(disk, f)) for f in os.listdir(disk)) + 8 * 1024 * 1024
    # Stash the folder's files (bind mount), put the tmpfs over it, copy them in, then run the server.
    script = ('set -e; d="$JICENG_DISK"; mount --bind "$d" /mnt; mount -t tmpfs -o size="$JICENG_ROOM" tmpfs "$d";'
              ' cp -a /mnt/. "$d"/; umount /mnt; exec "$0" "$@"')
    s = Server(db=db, wrap=["env", f"JICENG_DISK={disk}", f"JICENG_ROOM={room}", "unshare", "--user",
                            "--map-root-user", "--mount", "sh", "-c", script])
    try:
        inside = f"/proc/{s.proc.pid}/root"  # the server's view: its tmpfs, not the stash below
        assert os.path.ismount(inside + disk)  # never fill the real /tmp
        admin, comm = writer(s)
        acked = [new_case(admin, comm, "before").json()["title"]]
        filler = inside + os.path.join(disk, "filler")
        with open(filler, "wb") as f:
            try:
                for _ in range(room // 65536 + 16):  # bounded: the tmpfs is full well before
                    f.write(b"\0" * 65536)
                    f.flush()
                raise AssertionError("the tmpfs never filled")
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
        for i in range(200):
            r = new_case(admin, comm, f"filling-{i}")
            if r.status_code != 201:
                break
            acked.append(r.json()["title"])
        refused(r, "storage_full")
        refused(new_case(admin, comm, "refused"), "storage_full")
        assert admin.get("/api/v1/cases", params={"limit": 200}).status_code == 200
        assert s.client().get("/healthz").json()["writes"] == "storage_full"
        os.remove(filler)
        r = new_case(admin, comm, "after")
        assert r.status_code == 201, r.text
        acked.append(r.json()["title"])
        # The database lives on the tmpfs, gone with the server: copy it out while the server is
        # idle (SQLite would resolve /proc/PID/root to the outside view: open the files, not the path).
        out = os.path.join(folder, "copy")
        os.mkdir(out)
        for suffix in ("", "-wal", ".key"):
            if os.path.exists(inside + db + suffix):
                shutil.copy(inside + db + suffix, os.path.join(out, "test.db" + suffix))  # the mode too (0600)
        copy = os.path.join(out, "test.db")
        stored = titles(copy)
        assert set(acked) <= stored and "refused" not in stored
        assert backend.integrity_ok(copy)
        run_cli("audit", "verify", "--db", copy)
        assert s.stop() == 0
        log = s.read_log(whole=True)
        assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]
    finally:
        s.close()
        shutil.rmtree(folder, ignore_errors=True)
