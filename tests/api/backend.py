"""The database backend the API tests run on: SQLite files (the default) or, with
JICENG_TEST_BACKEND=postgres, databases in a throwaway PostgreSQL 15 cluster that
this module starts itself (initdb into a temp folder as the unprivileged user
postgres, a free loopback port, its socket in that folder) and stops and removes
when the test process ends, whatever happened."""
import atexit
import itertools
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile

BACKEND = os.environ.get("JICENG_TEST_BACKEND", "sqlite")
assert BACKEND in ("sqlite", "postgres"), f"JICENG_TEST_BACKEND must be sqlite or postgres, not {BACKEND}"
PG_BIN = os.environ.get("JICENG_PG_BIN", "/usr/lib/postgresql/15/bin")
PG_USER = "postgres"

# Key files of PostgreSQL databases (an SQLite file's key sits beside it).
_keys = {}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """A PostgreSQL cluster of our own: fsync on, trust auth on loopback only."""

    def __init__(self, no_sync=False, initdb=True):
        """no_sync: a cluster thrown away whatever happens, whose durability across a crash of its
        own is not under test: initdb and the server do not fsync (the shared cluster does).
        initdb=False: only the folder is made (owned by the cluster's user); the caller puts a data
        folder at .data (a base backup, written with .prefix to run as that user) and calls start()."""
        self.dir = tempfile.mkdtemp(prefix="jiceng-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.running = False
        self.fsync = "off" if no_sync else "on"
        self._names = itertools.count(1)
        as_root = os.geteuid() == 0
        if as_root:
            pw = pwd.getpwnam(PG_USER)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.prefix = ["runuser", "-u", PG_USER, "--"] if as_root else []
        _clusters[self.port] = self
        if not initdb:
            return
        try:
            self._run(os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C", *(("--no-sync",) if no_sync else ()))
            self.start()
        except BaseException:
            self.stop()
            raise

    def start(self):
        """Starts the server (again) on the same port and folder."""
        self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "server.log"),
                  "-w", "-t", "60", "-o",
                  f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync={self.fsync}"
                  " -c max_connections=200 -c shared_buffers=64MB", "start")
        self.running = True

    def halt(self):
        """Stops the server the way an operator does (pg_ctl stop -m fast), keeping its data for start()."""
        self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")
        self.running = False

    def pids(self):
        """The postmaster's pid and its children's (every backend and helper process)."""
        postmaster = int(open(os.path.join(self.data, "postmaster.pid")).readline())
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = open(f"/proc/{entry}/stat").read()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(entry))
        return [postmaster, *children]

    def signal_all(self, sig):
        """Sends sig to the postmaster first (so it forks no new child meanwhile), then to its children."""
        for pid in self.pids():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def _run(self, *args):
        p = subprocess.run([*self.prefix, *args], cwd=self.dir, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            log = ""
            try:
                log = open(os.path.join(self.dir, "server.log")).read()[-2000:]
            except OSError:
                pass
            raise AssertionError(f"{' '.join(args)} failed: {p.stdout}{p.stderr}{log}")
        return p

    def url(self, name):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, template=None):
        """A new database: empty, or a copy of the database template (its URL; no one may be connected to it)."""
        import psycopg2
        name = f"jiceng_test_{os.getpid()}_{next(self._names)}"
        con = psycopg2.connect(self.url("postgres"))
        con.autocommit = True
        if template is None:
            con.cursor().execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C'"
                                 " LC_CTYPE 'C'")
        else:
            con.cursor().execute(f"CREATE DATABASE {name} TEMPLATE {template.rsplit('/', 1)[1]}")
        con.close()
        return self.url(name)

    def stop(self, mode="fast"):
        """Stops the server (mode: pg_ctl's; "immediate" skips the checkpoint) and removes the cluster."""
        if self.running:
            p = subprocess.run([*self.prefix, os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w",
                                "stop"], cwd=self.dir, capture_output=True, text=True, timeout=120)
            if p.returncode != 0:  # last resort: the postmaster's pid from its pid file
                try:
                    pid = int(open(os.path.join(self.data, "postmaster.pid")).readline())
                    os.kill(pid, signal.SIGQUIT)
                except (OSError, ValueError):
                    pass
            self.running = False
        _clusters.pop(self.port, None)
        shutil.rmtree(self.dir, ignore_errors=True)


_cluster = None
_clusters = {}  # port -> every cluster of this process (the shared one, and a module's own)

# Test modules for one backend only: not collected on the other (conftest.collect_ignore),
# so a run on SQLite neither runs nor reports them as skipped.
ONLY_ON = {"test_faults_pg.py": "postgres", "test_faults_sqlite.py": "sqlite", "test_migrations_pg.py": "postgres",
           "test_restore_cli.py": "sqlite", "test_restore_drill_pg.py": "postgres"}


def cluster_of(url):
    """The cluster of this process holding the database at url."""
    return _clusters[int(url.rsplit(":", 1)[1].split("/", 1)[0])]


def database_in(c, folder, name="test.db"):
    """A new, empty database in cluster c (a PgCluster of a module's own), its key file in folder."""
    url = c.create_database()
    _keys[url] = os.path.join(folder, name + ".key")
    return url


def cluster():
    """The test process's one cluster, started on first use."""
    global _cluster
    if _cluster is None:
        _cluster = PgCluster()
        atexit.register(stop_cluster)
    return _cluster


def stop_cluster():
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None


def new_database(folder, name="test.db"):
    """A new, empty database for a test: an SQLite path in folder, or a fresh
    PostgreSQL database whose key file lives in folder."""
    if BACKEND == "sqlite":
        return os.path.join(folder, name)
    url = cluster().create_database()
    _keys[url] = os.path.join(folder, name + ".key")
    return url


def copy_database(src, folder, name="test.db"):
    """A new database for a test holding what src (a database of new_database no one is connected
    to) holds, its key file copied beside it: a copy of the SQLite file, or on PostgreSQL
    CREATE DATABASE ... TEMPLATE src."""
    if BACKEND == "sqlite":
        db = os.path.join(folder, name)
        for suffix in ("", "-wal"):
            if os.path.exists(src + suffix):
                shutil.copy(src + suffix, db + suffix)  # the mode too: 0600 like the product's own files
    else:
        db = cluster().create_database(template=src)
        _keys[db] = os.path.join(folder, name + ".key")
    shutil.copy(key_file(src), key_file(db))
    return db


def key_file(db):
    """The key file of a database made by new_database."""
    return _keys.get(db, db + ".key")


def cli_env(args):
    """What the environment of `jiceng ARGS` needs for the databases named in args."""
    for a in args:
        if a in _keys:
            return {"JICENG_KEY_FILE": _keys[a]}
    return {}


class _PgConnection:
    """The bits of sqlite3's connection the tests use, over psycopg2."""

    def __init__(self, url):
        import psycopg2
        self.con = psycopg2.connect(url)
        self.con.autocommit = True  # like sqlite3's reads: no snapshot held between statements

    def execute(self, sql, params=None):
        cur = self.con.cursor()
        if params:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        else:
            cur.execute(sql)
        return cur

    def commit(self):
        self.con.commit()

    def close(self):
        self.con.close()


def connect(db):
    """A direct connection to a test database (sqlite3-like: execute, commit, close)."""
    if db.startswith("postgres://") or db.startswith("postgresql://"):
        return _PgConnection(db)
    return sqlite3.connect(db)


def has_tables(db):
    """Whether the database exists and holds any table (an SQLite file counts by existing)."""
    if BACKEND == "sqlite":
        return os.path.exists(db)
    con = connect(db)
    n = con.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    con.close()
    return n > 0


def integrity_ok(db):
    """The backend's own consistency check: PRAGMA integrity_check on SQLite, amcheck's
    bt_index_check of every index on PostgreSQL (raises on a corrupt index)."""
    con = connect(db)
    try:
        if BACKEND == "sqlite":
            return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        n = con.execute("SELECT COUNT(bt_index_check(c.oid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                        " JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace s ON s.oid = c.relnamespace"
                        " WHERE a.amname = 'btree' AND s.nspname = 'public'").fetchone()[0]
        con.commit()
        return n > 0
    finally:
        con.close()


def backup_copy(db, out, run_cli):
    """A backup of a live database the way docs/operations.md says to take one, restored
    into a database of its own; returns that copy (same key file). SQLite: jiceng backup
    writes the file out. PostgreSQL: pg_dump, then pg_restore into a new database."""
    if BACKEND == "sqlite":
        run_cli("backup", "--db", db, out)
        shutil.copy(key_file(db), out + ".key")
        return out
    subprocess.run([os.path.join(PG_BIN, "pg_dump"), "--format=custom", "--file", out, db], check=True,
                   capture_output=True, timeout=120)
    copy = cluster().create_database()
    subprocess.run([os.path.join(PG_BIN, "pg_restore"), "--exit-on-error", "--dbname", copy, out], check=True,
                   capture_output=True, timeout=120)
    _keys[copy] = _keys[db]
    return copy


def stored_bytes(db):
    """What the database holds at rest, as bytes: the SQLite file and its WAL, or
    everything pg_dump writes out of the PostgreSQL database."""
    if BACKEND == "sqlite":
        raw = b""
        for suffix in ("", "-wal"):
            if os.path.exists(db + suffix):
                raw += open(db + suffix, "rb").read()
        return raw
    return subprocess.run([os.path.join(PG_BIN, "pg_dump"), "--format=plain", db], check=True,
                          capture_output=True, timeout=120).stdout


class hold_write_lock:
    """Holds the database's one write lock until the block ends, as a second writer
    would: SQLite's BEGIN IMMEDIATE, or on PostgreSQL the transaction-scoped advisory
    lock every jiceng write transaction takes (src/db/pg.c, WRITE_LOCK_KEY)."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        if BACKEND == "sqlite":
            self.con = sqlite3.connect(self.db, isolation_level=None, timeout=30)
            self.con.execute("BEGIN IMMEDIATE")
        else:
            import psycopg2
            self.con = psycopg2.connect(self.db)
            self.con.cursor().execute("SELECT pg_advisory_xact_lock(74657)")
        return self

    def __exit__(self, *exc):
        if BACKEND == "sqlite":
            self.con.execute("ROLLBACK")
        else:
            self.con.rollback()
        self.con.close()


def refuse_audit_of_case_titled(con, title):
    """A trigger that makes inserting the audit entry of a case with this title fail,
    so the request writing it fails after its case changed (SQLite RAISE, or a
    PL/pgSQL trigger function on PostgreSQL). con: a connection from connect()."""
    if BACKEND == "sqlite":
        con.execute("CREATE TRIGGER refuse_rollback BEFORE INSERT ON audit_log WHEN NEW.entity = 'case'"
                    " AND (SELECT title FROM casefile WHERE id = NEW.entity_id) = '" + title + "'"
                    " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    else:
        con.execute("CREATE FUNCTION refuse_rollback() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF NEW.entity = 'case' AND (SELECT title FROM casefile WHERE id = NEW.entity_id) = '"
                    + title + "' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$")
        con.execute("CREATE TRIGGER refuse_rollback BEFORE INSERT ON audit_log FOR EACH ROW"
                    " EXECUTE FUNCTION refuse_rollback()")
    con.commit()


def drop_refusal(con):
    """Removes what refuse_audit_of_case_titled made."""
    con.execute("DROP TRIGGER refuse_rollback" + ("" if BACKEND == "sqlite" else " ON audit_log"))
    if BACKEND != "sqlite":
        con.execute("DROP FUNCTION refuse_rollback()")
    con.commit()


def columns(con, table):
    """A table's column names in order."""
    if BACKEND == "sqlite":
        return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
    return [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                                      " 'public' AND table_name = ? ORDER BY ordinal_position", (table,))]
