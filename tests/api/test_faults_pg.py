"""PostgreSQL going away under a running server (PostgreSQL only: backend.ONLY_ON), on a
cluster of this module's own that the tests stop, restart and freeze: a connection
killed in the middle of a write transaction (pg_terminate_backend), the server stopped
and started again (pg_ctl stop -m fast / start on the same port), and every postgres
process SIGSTOPped for longer than the server's --db-timeout-ms, then SIGCONTed.

While the database is gone every answer is 503 `database_unavailable` (`unhealthy` from
/healthz), never a 500, and comes within the timeout; every write answered 2xx is
stored; and the server's connections come back by themselves (docs/reliability.md)."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
import requests

import backend
import conftest
from conftest import ADMIN_PASSWORD, DIVISIONS, Server, run_cli

DB_TIMEOUT_MS = 500
# The longest a request may take while PostgreSQL does not answer. One wait is the timeout
# plus the client's second of grace (src/db/pg.c). A write waits for the writer's group ahead
# of it (one wait), then its own group's statement and a new connection's (two): three waits,
# and 1.5 s for a machine busy with other tests (CI ran one answer at 4.0 s where two waits
# were allowed). Without the deadline an answer would wait for SIGCONT: the whole freeze.
WAIT_S = (DB_TIMEOUT_MS + 1000) / 1000
ANSWER_BOUND_S = 3 * WAIT_S + 1.5
COMM = "340104006006"


@pytest.fixture(scope="module")
def pg():
    """This module's own cluster and a ready database in it (init, divisions) to copy per test."""
    c = backend.PgCluster(no_sync=True)
    folder = tempfile.mkdtemp(prefix="jiceng-faults-")
    try:
        db = backend.database_in(c, folder, "ready.db")
        run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
        run_cli("import-divisions", "--db", db, DIVISIONS)
        yield c, db
    finally:
        if c.running:
            c.signal_all(signal.SIGCONT)
        else:
            c.start()  # stop() wants a running cluster to shut down
        c.stop(mode="immediate")  # thrown away: no checkpoint
        shutil.rmtree(folder, ignore_errors=True)


def server_on(pg):
    c, ready = pg
    d = tempfile.mkdtemp(prefix="jiceng-faults-db-")
    db = c.create_database(template=ready)
    backend._keys[db] = os.path.join(d, "test.db.key")
    shutil.copy(backend.key_file(ready), backend.key_file(db))
    s = Server(db=db, extra_args=("--threads", "2", "--db-timeout-ms", str(DB_TIMEOUT_MS)))
    s.key_dir = d
    return s


def verify(s):
    """Stops the server; the database is intact and its audit chain verifies."""
    assert s.stop() == 0, s.stderr
    assert backend.integrity_ok(s.db)
    run_cli("audit", "verify", "--db", s.db)


def close(s):
    try:
        s.close()
    finally:
        shutil.rmtree(s.key_dir, ignore_errors=True)


def new_case(c, comm, title):
    return c.post("/api/v1/cases", json={"category": "other", "title": title, "description": "fault test",
                                         "org_id": comm})


def stored_titles(db):
    con = backend.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT title FROM casefile")]
    finally:
        con.close()


def unavailable(r):
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "database_unavailable", r.text
    assert r.headers.get("retry-after") == "1"


def until_back(admin, seconds=30):
    """Reads until the server answers 200 again (the pool comes back by itself); every answer
    meanwhile is a 503 database_unavailable. Returns the number of 503s seen."""
    deadline = time.monotonic() + seconds
    seen = 0
    while True:
        r = admin.get("/api/v1/cases", params={"limit": 5})
        if r.status_code == 200:
            return seen
        unavailable(r)
        seen += 1
        assert time.monotonic() < deadline, "the server did not reconnect"


class Writers:
    """Threads reporting cases for as long as the block lasts, each answer timed: every 201 is
    remembered, every answer is 201 or 503 database_unavailable, and each comes within bound."""

    def __init__(self, s, admin, comm, prefix, n=2):
        self.answered, self.refused, self.errors = [], 0, []
        self.stop = threading.Event()
        self.cond = threading.Condition()
        self.threads = [threading.Thread(target=self.run, args=(s, admin, comm, f"{prefix}-{k}")) for k in range(n)]

    def run(self, s, admin, comm, prefix):
        c = admin.same_session()
        i = 0
        while not self.stop.is_set():
            i += 1
            t0 = time.monotonic()
            r = new_case(c, comm, f"{prefix}-{i}")
            took = time.monotonic() - t0
            with self.cond:
                if r.status_code == 201:
                    self.answered.append(f"{prefix}-{i}")
                elif r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable":
                    self.refused += 1
                else:
                    self.errors.append(f"{r.status_code} {r.text[:200]}")
                if took > ANSWER_BOUND_S:
                    self.errors.append(f"an answer took {took:.1f} s")
                self.cond.notify_all()

    def wait(self, pred):
        with self.cond:
            assert self.cond.wait_for(lambda: pred(self) or self.errors, timeout=60), "no progress"
        assert not self.errors, self.errors

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def test_connection_killed_mid_transaction(pg):
    """The writer's connection is killed while its transaction is half done (a trigger holds it
    in the case's audit entry, once), and every read connection is killed while idle: the
    write is done again on a new connection and answered 201, stored once; reads go on
    answering 200; no 500 and no restart."""
    s = server_on(pg)
    try:
        admin = s.admin()
        comm = s.org_id(COMM)
        con = backend.connect(s.db)
        con.execute("CREATE SEQUENCE fault_once")
        con.execute("CREATE FUNCTION fault_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF NEW.entity = 'case' AND (SELECT title FROM casefile WHERE id = NEW.entity_id) = 'held'"
                    " AND nextval('fault_once') = 1 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$")
        con.execute("CREATE TRIGGER fault_hold BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fault_hold()")
        answer = {}
        t = threading.Thread(target=lambda: answer.setdefault("r", new_case(admin.same_session(), comm, "held")))
        t.start()
        deadline = time.monotonic() + 30
        pid = None
        while pid is None:  # the writer's backend, sleeping inside its transaction
            assert time.monotonic() < deadline and t.is_alive(), "the write never reached the trigger"
            row = con.execute("SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
                              " AND datname = current_database()").fetchone()
            pid = row[0] if row else None
        con.execute("SELECT pg_terminate_backend(?)", (pid,))
        t.join(timeout=30)
        assert not t.is_alive()
        assert answer["r"].status_code == 201, answer["r"].text
        assert stored_titles(s.db).count("held") == 1
        # Every connection of the server killed while idle: the next reads and writes go on.
        n = con.execute("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
                        " datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
        assert n >= 3  # the writer, two loops' readers (and the outbox's)
        for _ in range(4):
            r = admin.get("/api/v1/cases", params={"limit": 5})
            assert r.status_code == 200, r.text
        assert new_case(admin, comm, "after").status_code == 201
        assert "after" in stored_titles(s.db)
        con.execute("DROP TRIGGER fault_hold ON audit_log")
        con.close()
        assert "PostgreSQL connection lost" in s.read_log()
        assert s.proc.poll() is None
        verify(s)
    finally:
        close(s)


def outage_under_writes(pg, prefix, go_away, come_back, while_away):
    """A server writing cases in threads; go_away() makes PostgreSQL unreachable, while_away(admin,
    comm) checks the answers then, come_back() ends the outage. Every answer is 201 or 503
    database_unavailable within the bound, the server reads and writes again by itself, every
    case answered 201 is stored (the case tried meanwhile is not), the database is intact and its
    audit chain verifies. Returns the server's log."""
    s = server_on(pg)
    try:
        admin = s.admin()
        comm = s.org_id(COMM)
        with Writers(s, admin, comm, prefix) as w:
            w.wait(lambda w: len(w.answered) >= 5)
            go_away()
            try:
                w.wait(lambda w: w.refused >= 2)
                while_away(admin, comm)
                unavailable(new_case(admin, comm, "while-away"))
            finally:
                come_back()
            until_back(admin)
            before = len(w.answered)
            w.wait(lambda w: len(w.answered) >= before + 5)
        assert not w.errors, w.errors
        stored = set(stored_titles(s.db))
        assert set(w.answered) <= stored
        assert "while-away" not in stored
        assert admin.get("/healthz").status_code == 200
        log = s.read_log()
        verify(s)
        return log
    finally:
        close(s)


def test_server_stopped_and_started(pg):
    """pg_ctl stop -m fast under reads and writes, then pg_ctl start on the same port: reads,
    writes and /healthz answer 503 at once while it is down, and the server comes back by
    itself."""
    c, _ = pg

    def while_away(admin, comm):
        unavailable(admin.get("/api/v1/cases"))
        r = admin.get("/healthz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "unhealthy", r.text

    log = outage_under_writes(pg, "stop", c.halt, c.start, while_away)
    assert "PostgreSQL connection made again" in log


def test_server_frozen_longer_than_the_timeout(pg):
    """Every postgres process SIGSTOPped (the TCP connections stay open, nothing answers) for
    longer than --db-timeout-ms, then SIGCONTed: reads and writes answer 503 within the
    timeout's bound (no hang), and the server comes back by itself."""
    c, _ = pg

    def while_away(admin, comm):
        for _ in range(2):
            t0 = time.monotonic()
            unavailable(admin.get("/api/v1/cases"))
            assert time.monotonic() - t0 < ANSWER_BOUND_S

    log = outage_under_writes(pg, "frozen", lambda: c.signal_all(signal.SIGSTOP),
                              lambda: c.signal_all(signal.SIGCONT), while_away)
    assert "no answer within" in log


def refused(r, code):
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == code, r.text
    assert r.headers.get("retry-after") == "1"


def test_disk_full_and_io_error_on_a_write(pg):
    """PostgreSQL refusing a case's INSERT with SQLSTATE 53100 (disk_full: a trigger raises it, as
    the server does when it cannot extend a table's file) is answered 503 storage_full, as on
    SQLite, with nothing of the write stored; reads go on, /healthz says writes are refused;
    58030 (io_error) is 503 storage_error. Once the trigger is gone the same request (its
    Idempotency-Key) is stored once, without a restart, and nothing answered before is lost."""
    s = server_on(pg)
    try:
        admin = s.admin()
        comm = s.org_id(COMM)
        answered = []
        for i in range(3):
            assert new_case(admin, comm, f"before-{i}").status_code == 201
            answered.append(f"before-{i}")
        con = backend.connect(s.db)
        audit_rows = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        con.execute("CREATE FUNCTION fault_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100';"
                    " END $$")
        con.execute("CREATE TRIGGER fault_full BEFORE INSERT ON casefile FOR EACH ROW EXECUTE FUNCTION fault_full()")

        def post(title, key):
            return admin.post("/api/v1/cases", headers={"Idempotency-Key": key},
                              json={"category": "other", "title": title, "description": "fault test", "org_id": comm})

        refused(post("full", "k-full"), "storage_full")
        assert admin.get("/api/v1/cases", params={"limit": 5}).status_code == 200
        assert s.client().get("/healthz").json() == {"status": "degraded", "writes": "storage_full"}
        con.execute("CREATE OR REPLACE FUNCTION fault_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " RAISE EXCEPTION 'could not write block' USING ERRCODE = '58030'; END $$")
        refused(post("ioerr", "k-ioerr"), "storage_error")
        assert s.client().get("/healthz").json() == {"status": "degraded", "writes": "storage_error"}
        assert "full" not in stored_titles(s.db) and "ioerr" not in stored_titles(s.db)
        assert con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == audit_rows
        con.execute("DROP TRIGGER fault_full ON casefile")
        for _ in range(2):  # the retry is stored, once
            assert post("full", "k-full").status_code == 201
        answered.append("full")
        assert s.client().get("/healthz").json() == {"status": "ok", "writes": "ok"}
        con.close()
        titles = stored_titles(s.db)
        assert set(answered) <= set(titles) and titles.count("full") == 1
        verify(s)
    finally:
        close(s)


PASSWORD = "Fault-pw-7e1d"  # in the URL (the cluster trusts loopback): never in a message


def with_password(url):
    return url.replace("postgres@", f"postgres:{PASSWORD}@", 1)


def serve(db, *args):
    port = conftest.free_port()
    argv = [conftest.BIN, "serve", "--db", with_password(db), "--listen", f"127.0.0.1:{port}",
            "--db-timeout-ms", str(DB_TIMEOUT_MS), *args]
    env = dict(os.environ, JICENG_KEY_FILE=backend.key_file(db))
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env), port


def cli_down(db, *args):
    """jiceng audit verify (a command reading the whole database) with a small --db-timeout-ms: exit
    code 1 and one line on stderr, without the password. Returns the line and the time taken."""
    env = dict(os.environ, JICENG_KEY_FILE=backend.key_file(db))
    t0 = time.monotonic()
    p = subprocess.run([conftest.BIN, "audit", "verify", "--db", with_password(db), *args], capture_output=True,
                       text=True, env=env, timeout=60)
    took = time.monotonic() - t0
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("jiceng: cannot connect to PostgreSQL: "), p.stderr
    assert PASSWORD not in p.stderr + p.stdout
    return lines[0], took


def test_started_and_commands_while_postgres_is_down(pg):
    """PostgreSQL shut down: a command exits 1 at once; serve waits for it (--db-wait-ms), logging
    the wait once, and is ready without a restart when it comes up; when it never does, serve
    exits 1 at the bound with one line. Frozen (SIGSTOP): a command exits 1 within its
    --db-timeout-ms. The URL's password is in no message."""
    c, ready = pg
    db = c.create_database(template=ready)
    backend._keys[db] = backend.key_file(ready)
    c.halt()
    try:
        line, took = cli_down(db, "--db-timeout-ms", "500")
        assert took < 5 and "Connection refused" in line, (took, line)

        p, _ = serve(db, "--db-wait-ms", "1000")  # never comes up
        out, err = p.communicate(timeout=30)
        assert p.returncode == 1 and out == "", (p.returncode, out, err)
        lines = err.splitlines()
        assert len(lines) == 2, err
        assert "PostgreSQL cannot be reached: " in lines[0] and "trying again for up to 1.0 s" in lines[0], err
        assert lines[1].startswith("jiceng: cannot connect to PostgreSQL: ") and "(waited 1." in lines[1], err
        assert PASSWORD not in err

        p, port = serve(db, "--db-wait-ms", "60000")  # comes up during the wait
        try:
            assert "PostgreSQL cannot be reached: " in p.stderr.readline()
            c.start()
            assert p.stdout.readline().startswith("listening on"), p.stderr.read()
            r = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert "PostgreSQL reachable after" in err and PASSWORD not in err
        conftest.assert_clean(err, "jiceng serve")

        c.signal_all(signal.SIGSTOP)
        try:
            line, took = cli_down(db, "--db-timeout-ms", "500")
            assert took < 0.5 + 2 and "no answer within 500 ms" in line, (took, line)
        finally:
            c.signal_all(signal.SIGCONT)

        # A statement of a command may run longer than --db-timeout-ms while the server works
        # (it answers a new connection): audit verify waits on a lock held for 1.5 s, and passes.
        con = backend.connect(db)
        con.con.autocommit = False
        con.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
        env = dict(os.environ, JICENG_KEY_FILE=backend.key_file(db))
        p = subprocess.Popen([conftest.BIN, "audit", "verify", "--db", db, "--db-timeout-ms", "500"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 30
        while not con.execute("SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'audit_log'::regclass"
                              ).fetchone():
            assert time.monotonic() < deadline and p.poll() is None, "the command never waited for the lock"
        time.sleep(1.5)  # the statement's length, not a synchronisation: three timeouts
        con.con.commit()
        con.close()
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0 and err == "", (p.returncode, out, err)

        # A server that answers and refuses (here: no such database) is not waited for.
        t0 = time.monotonic()
        p, _ = serve(db.rsplit("/", 1)[0] + "/no_such_db", "--db-wait-ms", "60000")
        out, err = p.communicate(timeout=30)
        assert p.returncode == 1 and time.monotonic() - t0 < 5, (p.returncode, err)
        assert err.startswith("jiceng: cannot connect to PostgreSQL: ") and err.count("\n") == 1, err
        assert 'database "no_such_db" does not exist' in err
    finally:
        if not c.running:
            c.start()


def test_copy_into_frozen_postgres_ends(pg):
    """copy-data into PostgreSQL frozen (SIGSTOP) while it streams a table's rows (COPY FROM STDIN,
    sent without blocking): the command exits 1 within --db-timeout-ms and its ping, the target
    unchanged, instead of waiting for SIGCONT."""
    import sqlite3
    c, _ = pg
    d = tempfile.mkdtemp(prefix="jiceng-faults-copy-")
    try:
        lite = os.path.join(d, "src.db")
        run_cli("init", "--db", lite, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
        con = sqlite3.connect(lite)  # 40 MB of rows: more than the sockets' buffers hold
        uid = con.execute("SELECT MIN(id) FROM app_user").fetchone()[0]
        con.executemany("INSERT INTO idempotency VALUES (?, ?, 'r', 'h', 201, ?, 0)",
                        ((uid, f"k{i}", "x" * 2000) for i in range(20000)))
        con.commit()
        con.close()
        target = backend.database_in(c, d, "copy")
        env = dict(os.environ, JICENG_KEY_FILE=backend.key_file(target))
        p = subprocess.Popen([conftest.BIN, "copy-data", "--from", "sqlite:" + lite, "--to", with_password(target),
                              "--db-timeout-ms", "500"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
        watch = backend.connect(c.url("postgres"))
        while not watch.execute("SELECT 1 FROM pg_stat_activity WHERE state = 'active'"
                                " AND query LIKE 'COPY idempotency %'").fetchone():
            assert p.poll() is None, p.communicate()
        watch.close()
        c.signal_all(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            out, err = p.communicate(timeout=60)
            took = time.monotonic() - t0
        finally:
            c.signal_all(signal.SIGCONT)
        assert p.returncode == 1, (p.returncode, out, err)
        conftest.assert_clean(err, "jiceng copy-data")
        assert took < 1.5 + 2 + 2, took  # the call's deadline, the ping's 2 s, slack
        assert err.splitlines()[-1] == ("jiceng: copy failed, the target is unchanged: writing idempotency:"
                                        " PostgreSQL gave no answer within 1500 ms"), err
        assert PASSWORD not in err + out
        con = backend.connect(target)
        assert con.execute("SELECT COUNT(*) FROM idempotency").fetchone()[0] == 0
        con.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)
