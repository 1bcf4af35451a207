"""Restore drills: a backup taken from a live server while cases and residents are being
written, restored on a fresh folder as docs/operations.md says (on SQLite `jiceng backup`
then `jiceng restore`, the key file copied beside it; on PostgreSQL pg_dump, then
pg_restore into a new database; pg_basebackup: test_restore_drill_pg.py), and a server
started on the copy. Every write answered
before the backup started is in the copy; each table the load appends to holds in the copy
exactly the live database's rows up to the copy's last one (count and digest); the copy's
audit chain verifies and the live chain extends it (an anchor of the copy verifies on the
live database). On SQLite the restored file also equals the backup table by table (what `jiceng restore`
refuses: test_restore_cli.py)."""
import datetime
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading

import backend
from conftest import Server, id_with_check, run_cli

LOAD_THREADS = 4            # two add cases, two add residents
ACKED_BEFORE_BACKUP = 40    # writes answered before the backup starts
ACKED_AFTER_BACKUP = 40     # and after it started: the backup runs while they are written
APPEND_ONLY = ("casefile", "person", "audit_log")  # what the load adds to and never changes

def tables(con):
    if backend.BACKEND == "sqlite":
        rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = con.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(r[0] for r in rows)

def digest(con, table, where=""):
    """(rows, SHA-256 of the rows in id order, or in the order of every column for a table without an id)."""
    cols = backend.columns(con, table)
    order = "id" if "id" in cols else ", ".join(str(i + 1) for i in range(len(cols)))
    h, n = hashlib.sha256(), 0
    for row in con.execute(f"SELECT * FROM {table} {where} ORDER BY {order}"):
        h.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode())
        n += 1
    return n, h.hexdigest()

def id_number(n):
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    return id_with_check(f"340104{born:%Y%m%d}{n % 1000:03d}")

class Load:
    """Cases and residents written through the API by LOAD_THREADS clients; acked: (table, id) answered 201."""

    def __init__(self, admin, org):
        self.acked, self.stop, self.errors = [], threading.Event(), []
        self.progress = threading.Condition()
        self.threads = [threading.Thread(target=self.writer, args=(admin.same_session(), org, k))
                        for k in range(LOAD_THREADS)]
        for t in self.threads:
            t.start()

    def writer(self, c, org, k):
        i = 0
        while not self.stop.is_set():
            i += 1
            if k % 2 == 0:
                table, r = "casefile", c.post("/api/v1/cases", json={
                    "category": "other", "title": f"演练 {k}-{i}", "description": "restore drill", "org_id": org})
            else:
                n = k * 100000 + i
                table, r = "person", c.post("/api/v1/persons", json={
                    "org_id": org, "name": f"演练居民{n}", "id_card": id_number(n)})
            with self.progress:
                if r.status_code != 201:
                    self.errors.append(r.text)
                else:
                    self.acked.append((table, r.json()["id"]))
                self.progress.notify_all()
            if r.status_code != 201:
                return

    def wait_for(self, n):
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.acked) >= n or self.errors, timeout=120), len(self.acked)
        assert not self.errors, self.errors[:3]

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        assert not self.errors, self.errors[:3]

def take_backup(s, folder):
    """The backup of the live database, as docs/operations.md says to take one: the file written."""
    out = os.path.join(folder, "jiceng-backup.db" if backend.BACKEND == "sqlite" else "jiceng-backup.dump")
    if backend.BACKEND == "sqlite":
        run_cli("backup", "--db", s.db, out)
    else:
        subprocess.run([os.path.join(backend.PG_BIN, "pg_dump"), "--format=custom", "--file", out, s.db],
                       check=True, capture_output=True, timeout=120)
    return out

def restore(s, out, fresh):
    """The backup restored on a fresh machine (the folder fresh), the key file copied there first: the new database."""
    if backend.BACKEND == "sqlite":
        db = os.path.join(fresh, "jiceng.db")
        shutil.copy(backend.key_file(s.db), db + ".key")
        p = run_cli("restore", "--db", db, out)
        assert "audit chain ok" in p.stdout and p.stderr == "", p.stdout + p.stderr
        return db
    db = backend.cluster().create_database()
    subprocess.run([os.path.join(backend.PG_BIN, "pg_restore"), "--exit-on-error", "--single-transaction",
                    "--dbname", db, out],
                   check=True, capture_output=True, timeout=120)
    backend._keys[db] = os.path.join(fresh, "jiceng.key")
    shutil.copy(backend.key_file(s.db), backend._keys[db])
    return db

def check_restored(s, db, before, acked, taken=None):
    """The restored database db holds the backup of the live database: the same tables; for each
    table the load appends to, exactly the live rows up to its own last id (count and digest);
    every write answered before the backup started and not all of those answered after it; the
    backend's integrity check. taken: the SQLite backup file, which db must equal table by table."""
    assert backend.integrity_ok(db)
    live, restored = backend.connect(s.db), backend.connect(db)
    try:
        assert tables(restored) == tables(live)
        for table in APPEND_ONLY:
            last = restored.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0] or 0
            assert digest(restored, table) == digest(live, table, f"WHERE id <= {last}"), table
        if taken is not None:   # the restored file is the backup, table by table
            backup = backend.connect(taken)
            try:
                for table in tables(backup):
                    assert digest(restored, table) == digest(backup, table), table
            finally:
                backup.close()
        for t in ("casefile", "person"):
            stored = {r[0] for r in restored.execute(f"SELECT id FROM {t}")}
            assert {i for tt, i in before if tt == t} <= stored, t
            # Some writes answered after the backup started are not in it: it was taken under load.
            assert not {i for tt, i in acked if tt == t} <= stored, t
    finally:
        live.close()
        restored.close()


def check_chain_and_serve(s, db, before, fresh):
    """The copy's audit chain verifies and the live chain extends it (an anchor of the copy verified
    on the live database, which stops s); a server started on the copy (returned, to be closed)
    answers each write answered before the backup by its id."""
    p = run_cli("audit", "verify", "--db", db)
    assert "audit chain ok" in p.stdout and p.stderr == "", p.stdout + p.stderr
    anchor = os.path.join(fresh, "anchor.json")
    run_cli("audit", "anchor", "--db", db, "-o", anchor)
    s.stop()
    p = run_cli("audit", "verify", "--db", s.db, "--anchor", anchor)   # the live chain extends the copy's
    assert "extending the anchor" in p.stdout and p.stderr == "", p.stdout + p.stderr
    copy = Server(db=db)
    c = copy.admin()
    for table, rid in before:
        path = "/api/v1/cases/" if table == "casefile" else "/api/v1/persons/"
        assert c.get(path + str(rid)).status_code == 200, (table, rid)
    return copy


def test_backup_under_write_load_restores_every_acknowledged_write_and_the_chain():
    s = Server()
    fresh = tempfile.mkdtemp(prefix="jiceng-fresh-")
    copy = None
    try:
        load = Load(s.admin(), s.org_id("340104006006"))
        try:
            load.wait_for(ACKED_BEFORE_BACKUP)
            with load.progress:
                before = list(load.acked)   # answered before the backup started
            out = take_backup(s, s.dir)
            load.wait_for(len(before) + ACKED_AFTER_BACKUP)
        finally:
            load.finish()
        db = restore(s, out, fresh)
        check_restored(s, db, before, load.acked, out if backend.BACKEND == "sqlite" else None)
        copy = check_chain_and_serve(s, db, before, fresh)
    finally:
        if copy is not None:
            assert copy.close() == 0, copy.stderr
        assert s.close() == 0, s.stderr
        shutil.rmtree(fresh, ignore_errors=True)
