"""Shared fixtures: a real jiceng binary on a free loopback port over a temp database
(an SQLite file, or a PostgreSQL database with JICENG_TEST_BACKEND=postgres: see backend.py)."""
import ctypes
import ctypes.util
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import zipfile
from xml.etree import ElementTree

import pytest
import requests

import backend

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("JICENG_BIN", os.path.join(ROOT, "jiceng"))
DIVISIONS = os.path.join(ROOT, "data", "divisions", "hefei.csv")
ADMIN_PASSWORD = "Quiet-Harbor-42!"  # no user name in it: the policy refuses that
PASSWORD = "Str0ng-Password"
CLI_TIMEOUT = int(os.environ.get("JICENG_CLI_TIMEOUT", "120"))  # seconds; more for full-size cities


# Modules of the other backend only are not collected (backend.ONLY_ON); nor, outside `make
# api-asan`, the leak probe's module (api-asan builds the probe and names it in
# JICENG_LEAK_PROBE_BIN) and the soak, which runs once per make check, there (JICENG_SOAK=1
# runs it anywhere).
collect_ignore = [m for m, b in backend.ONLY_ON.items() if b != backend.BACKEND]
if not os.environ.get("JICENG_LEAK_PROBE_BIN"):
    collect_ignore.append("test_sanitizers.py")
if os.environ.get("JICENG_SOAK") != "1" and not (os.environ.get("JICENG_SANITIZED") == "1" and backend.BACKEND == "sqlite"):
    collect_ignore.append("test_soak.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- personal numbers the tests send, and where they must never be found in clear ----
#
# Every ID number (GB 11643 shape) and phone number (mobile or landline) a test sends to a
# server (JSON and form bodies, query strings, uploaded CSV/XLSX, CLI arguments, stdin and
# the files named on its command line) is recorded for that server (by port) or database
# (by --db). When the server is closed, its database (the SQLite file, -wal, -shm; on
# PostgreSQL the database's files, the WAL written meanwhile and the cluster's log), the
# backups and exports the product wrote for the tests (except an export --reveal, which the
# user asked to hold values in clear) and the server's log are scanned for each recorded
# value in clear; searched tails (id_tail, phone_tail) must not appear in an audit summary
# or the log. A hit fails the test that closes the server, naming the value masked.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
LANDLINE = re.compile(r"(?<![0-9A-Za-z])0[0-9]{2,3}-?[0-9]{7,8}(?![0-9A-Za-z])")
TAIL_PARAMS = ("id_tail", "phone_tail", "id-tail", "phone-tail")
_sent = {}          # port or database -> {"values": set(), "tails": set()}
_clear_files = set()  # files the product wrote in clear at the user's request (export --reveal)
_product_files = {}   # database -> files the product wrote for it (backups, exports)


# Each of ID_NUMBER, MOBILE and LANDLINE needs a run of 7 digits: a text without one (found at C
# speed: the text's bytes with the digits mapped to "1", everything else to "0") holds none of
# them, and is not searched (an uploaded workbook may be hundreds of MB of text).
_DIGITS = bytes(0x31 if 0x30 <= b <= 0x39 else 0x30 for b in range(256))


def _may_hold_numbers(text):
    return b"1111111" in text.encode("utf-8", "surrogatepass").translate(_DIGITS)


def _record(owner, texts, tails=()):
    """Record the numbers each of texts holds (each searched on its own: a number does not span two)."""
    book = _sent.setdefault(owner, {"values": set(), "tails": set()})
    for text in texts:
        if _may_hold_numbers(text):
            for rx in (ID_NUMBER, MOBILE, LANDLINE):
                for v in rx.findall(text):
                    book["values"].add(v.upper())
    book["tails"].update(t.upper() for t in tails if len(t) == 4)  # others are refused, never searched


def _readable(raw):
    """The texts a sent body carries: itself (UTF-8 or GB18030), URL-decoded, and an XLSX's parts."""
    if isinstance(raw, str):
        raw = raw.encode()
    if not raw:
        return []
    parts = []
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        except zipfile.BadZipFile:
            pass
    for enc in ("utf-8", "gb18030"):
        try:
            parts.append(raw.decode(enc))
            break
        except UnicodeDecodeError:
            continue
    parts.append(urllib.parse.unquote_plus(raw.decode("latin-1")))
    return parts


_send = requests.Session.send


def _recording_send(self, req, **kw):
    u = urllib.parse.urlsplit(req.url)
    if u.hostname == "127.0.0.1" and u.port:
        q = urllib.parse.parse_qs(u.query)
        _record(u.port, [urllib.parse.unquote_plus(u.query), *_readable(req.body)],
                [v for k in TAIL_PARAMS for v in q.get(k, [])])
    return _send(self, req, **kw)


requests.Session.send = _recording_send


def _record_cli(args, input):
    args = [str(a) for a in args]
    db = args[args.index("--db") + 1] if "--db" in args[:-1] else None
    if db is None:
        return
    texts = ["\n".join(args) + "\n" + (input or "")]
    for a in args:
        if os.path.isfile(a) and os.path.getsize(a) < 32 * 1024 * 1024 and a != db:
            texts += _readable(open(a, "rb").read())
    _record(db, texts, [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--id-tail", "--phone-tail")])
    out = None
    if args and args[0] == "backup":
        out = args[-1]
    elif args and args[0] == "export":
        for flag in ("-o", "--output"):
            if flag in args[:-1]:
                out = args[args.index(flag) + 1]
    if out:
        (_clear_files if "--reveal" in args else _product_files.setdefault(db, set())).add(os.path.abspath(out))


def _mask(v):
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def _pg_files(db, since):
    """A PostgreSQL database's own files, the WAL written since the server started and the cluster's log."""
    if not db.startswith("postgres"):
        return []
    c = backend.cluster_of(db)
    con = backend.connect(db)
    try:
        con.execute("CHECKPOINT")  # what the server wrote, in the database's own files too
        oid = con.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
    finally:
        con.close()
    files = [os.path.join(c.dir, "server.log")]
    for d in (os.path.join(c.data, "base", str(oid)), os.path.join(c.data, "pg_wal")):
        for name in os.listdir(d):
            f = os.path.join(d, name)
            if os.path.isfile(f) and (not d.endswith("pg_wal") or os.path.getmtime(f) >= since - 1):
                files.append(f)
    return files


def leaks(db, owners, log_text, started, extra_dirs=()):
    """What of the values sent to owners is found in clear: a list of messages (values masked)."""
    values, tails = set(), set()
    for o in owners:
        values |= _sent.get(o, {}).get("values", set())
        tails |= _sent.get(o, {}).get("tails", set())
    if not values and not tails:
        return []
    files = [db + sfx for sfx in ("", "-wal", "-shm", "-journal") if not db.startswith("postgres")]
    files += sorted(_product_files.get(db, set()))
    files += _pg_files(db, started)
    found = []
    lengths = {len(v) for v in values}
    runs = re.compile(rb"[0-9][0-9\-]{5,}[0-9Xx]")
    for f in files:
        if not os.path.isfile(f) or os.path.abspath(f) in _clear_files:
            continue
        with open(f, "rb") as fh:
            data = fh.read()
        hits = set()
        for m in runs.finditer(data):
            run = m.group().decode().upper()
            for n in lengths:
                for i in range(len(run) - n + 1):
                    if run[i:i + n] in values:
                        hits.add(run[i:i + n])
        where = os.path.relpath(f, backend.cluster_of(db).data) if db.startswith("postgres") and "/data/" in f \
            else os.path.basename(f)
        found += [f"{_mask(v)} in {where}" for v in sorted(hits)]
    text_hits = {v for v in values if v in log_text}
    found += [f"{_mask(v)} in the server's log" for v in sorted(text_hits)]
    if tails:
        summaries = ""
        if os.path.exists(db) or db.startswith("postgres"):
            con = backend.connect(db)
            try:
                summaries = "\n".join(r[0] or "" for r in con.execute("SELECT summary FROM audit_log").fetchall())
            except Exception:  # a database the test left without the table (never initialised)
                summaries = ""
            finally:
                con.close()
        log_words = "\n".join(line.split(" ", 1)[-1] for line in log_text.splitlines())  # not the timestamp
        for t in sorted(tails):
            # In a summary's text, not as one of its numbers (an id that happens to end the same).
            if re.search(rf"(?<![0-9A-Za-z:]){re.escape(t)}(?![0-9A-Za-z])", summaries):
                found.append(f"a searched tail ({t[:1]}***) in an audit summary")
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(t)}(?![0-9A-Za-z])", log_words):
                found.append(f"a searched tail ({t[:1]}***) in the server's log")
    return found


def assert_no_leaks(db, started, owners=(), log_text=""):
    """Fail if a personal number sent to db (or to the servers in owners) is found in clear (see leaks)."""
    found = leaks(db, (*owners, db), log_text, started)
    assert not found, "personal numbers the tests sent are stored or logged in clear: " + "; ".join(found)


# ---- sanitizer reports: every jiceng process the tests start is checked when it ends ----
#
# The sanitizer build (`make api-asan`) reports an error, a leak or undefined behaviour on
# stderr ("==N==ERROR: AddressSanitizer ...", "... runtime error: ...", "SUMMARY: ...Sanitizer").
# Checked for every build (a plain build prints none): the server's log when it stops, is
# killed (up to the kill: read when it is started again or closed) or closes; a CLI command's
# stderr (run_cli); and the processes a test starts itself (assert_clean).
SANITIZER_LINE = re.compile(r"^.*(?:Sanitizer|runtime error).*$", re.M)


def assert_clean(stderr, what):
    """Fail if stderr (of the jiceng process what) holds a sanitizer's report."""
    found = SANITIZER_LINE.findall(stderr or "")
    assert not found, f"{what}: sanitizer report on stderr:\n" + "\n".join(found[:20]) + "\n---\n" + stderr[-20000:]


def run_cli(*args, env=None, input=None, check=True):
    _record_cli(args, input)
    e = dict(os.environ)
    e.update(backend.cli_env(args))
    e.update(env or {})
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, input=input, timeout=CLI_TIMEOUT)
    assert_clean(p.stderr, f"jiceng {' '.join(map(str, args))}")
    if check and p.returncode != 0:
        raise AssertionError(f"jiceng {' '.join(args)} failed ({p.returncode}): {p.stdout}{p.stderr}")
    return p


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connections from a given local address: on Linux all of 127.0.0.0/8 is the loopback, so a client bound to
    127.0.0.2 reaches a server listening on 127.0.0.1 and the server sees it come from 127.0.0.2."""

    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kw)


class Client:
    """A browser-like client: cookie session plus the CSRF header on changes; source: the loopback address its
    connections come from (127.0.0.1 by default)."""

    def __init__(self, base, source=None):
        self.base = base
        self.s = requests.Session()
        if source is not None:
            self.s.mount("http://", SourceAddressAdapter(source))
        self.csrf = None

    def url(self, path):
        return self.base + path

    def login(self, username, password, expect=200):
        r = self.s.post(self.url("/api/v1/auth/login"), json={"username": username, "password": password})
        assert r.status_code == expect, r.text
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
        return r

    def request(self, method, path, csrf=True, **kw):
        headers = kw.pop("headers", {})
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.s.request(method, self.url(path), headers=headers, timeout=30, **kw)

    def same_session(self):
        """Another client on this client's session, with connections of its own (for threads)."""
        c = Client(self.base)
        c.s.cookies.update(self.s.cookies)
        c.csrf = self.csrf
        return c

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)



_ready = {}  # (divisions, init_admin_hash) -> (database, its folder): made once per test process


def quick_hash(password):
    """An argon2id hash of password at libsodium's least cost (t=1, m=8 KiB), which jiceng
    verifies like any other (crypto_pwhash_str_verify reads the cost from the hash)."""
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
    assert sodium.sodium_init() >= 0
    for f in ("crypto_pwhash_argon2id_strbytes", "crypto_pwhash_argon2id_opslimit_min",
              "crypto_pwhash_argon2id_memlimit_min"):
        getattr(sodium, f).restype = ctypes.c_size_t
    out = ctypes.create_string_buffer(sodium.crypto_pwhash_argon2id_strbytes())
    pw = password.encode()
    assert sodium.crypto_pwhash_argon2id_str(out, pw, ctypes.c_ulonglong(len(pw)),
                                             ctypes.c_ulonglong(sodium.crypto_pwhash_argon2id_opslimit_min()),
                                             ctypes.c_size_t(sodium.crypto_pwhash_argon2id_memlimit_min())) == 0
    return out.value.decode()


def ready_database(folder, divisions=True, name="test.db", init_admin_hash=False):
    """A new database in folder (or with its key file there), initialised with the admin password
    ADMIN_PASSWORD and, with divisions, holding hefei.csv's divisions. `jiceng init` and
    `import-divisions` run once per test process, into a database kept aside that each caller
    gets a copy of (backend.copy_database, the key file with it): on PostgreSQL a database made
    from a template instead of a migration run per server. The tests of init, the migrations and
    the import run them for real.

    The admin's password is stored as quick_hash makes it: an admin login (the tests' most
    frequent request: Server.admin, Server.org_id) costs no argon2id work at init's cost, about
    0.1 s of CPU each. Users the tests create (make_user, POST /users) are hashed by the server
    at its own cost. init_admin_hash: the hash `jiceng init` wrote, for a test whose admin logins
    must cost what a real one does (a password check in flight when the server is stopped)."""
    key = (divisions, init_admin_hash)
    if (divisions, True) not in _ready:
        d = tempfile.mkdtemp(prefix="jiceng-ready-")
        db = backend.new_database(d, "ready.db")
        run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
        if divisions:
            run_cli("import-divisions", "--db", db, DIVISIONS)
        _ready[(divisions, True)] = (db, d)
    if key not in _ready:
        d = tempfile.mkdtemp(prefix="jiceng-ready-")
        db = backend.copy_database(_ready[(divisions, True)][0], d, "ready.db")
        con = backend.connect(db)
        try:
            con.execute("UPDATE app_user SET password_hash = ? WHERE username = 'admin'", (quick_hash(ADMIN_PASSWORD),))
            con.commit()
        finally:
            con.close()
        _ready[key] = (db, d)
    return backend.copy_database(_ready[key][0], folder, name)


class Server:
    def __init__(self, extra_args=(), divisions=True, login_rate=100000, db=None, parent_dir=None, wrap=(), bin=BIN,
                 init_admin_hash=False, env=None):
        """A server over a new database, or over db (made ready by the caller). parent_dir:
        where the test's data directory goes (the system's temp directory by default);
        wrap: a command the server runs under (e.g. a private mount namespace); bin: the program;
        init_admin_hash: see ready_database; env: more environment for the server."""
        self.bin = bin
        self.env = dict(env or {})
        self.dir = tempfile.mkdtemp(prefix="jiceng-test-", dir=parent_dir)
        self.wrap = list(wrap)
        self.port = free_port()
        _sent.pop(self.port, None)  # a port used before by another server: that one's values are not this one's
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = db
        if db is None:
            self.db = ready_database(self.dir, divisions, init_admin_hash=init_admin_hash)
        self.args = ["serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}", "--test-clock",
                     "--login-rate", str(login_rate), *extra_args]
        self.proc = None
        self.log = os.path.join(self.dir, "server.log")  # every run's stderr, appended
        self.checked = 0  # how much of the log is checked for sanitizer reports
        self.started = time.time()
        self.start()

    def check_log(self):
        """Fail on a sanitizer report in the log of the runs that ended (stopped or killed) since the last check."""
        if self.proc is None or self.proc.poll() is not None:
            with open(self.log, "rb") as f:
                f.seek(self.checked)
                text = f.read()
            self.checked += len(text)
            assert_clean(text.decode("utf-8", "replace"), f"jiceng {' '.join(self.args)}")

    def start(self):
        if os.path.exists(self.log):
            self.check_log()  # the run before, killed (or stopped) since
        env = dict(os.environ)
        env.update(backend.cli_env(self.args))
        env.update(self.env)
        self.log_from = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([*self.wrap, self.bin, *self.args], stdout=subprocess.PIPE, stderr=log,
                                         text=True, env=env)
        # The server prints "listening on ..." once every loop accepts: read until then.
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            err = self.read_log() if self.proc.poll() is not None else ""
            raise AssertionError(f"server did not start: {line!r} {err}")

    def read_log(self, whole=False):
        """The server's log: this run's, or every run's."""
        with open(self.log, encoding="utf-8", errors="replace") as f:
            f.seek(0 if whole else self.log_from)
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
        code = self.proc.returncode if self.proc else 0
        self.stderr = self.read_log() if self.proc else ""
        self.proc = None
        self.check_log()
        return code

    def client(self, source=None):
        return Client(self.base, source)

    def admin(self):
        c = self.client()
        c.login("admin", ADMIN_PASSWORD)
        return c

    def close(self):
        try:
            code = self.stop()
            assert_no_leaks(self.db, self.started, (self.port,), self.read_log(whole=True))
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
        return code

    def org_id(self, code):
        """The id of the org with this division code, through the API as admin."""
        c = self.admin()
        r = c.get("/api/v1/orgs", params={"q": code, "limit": 200})
        assert r.status_code == 200, r.text
        for o in r.json()["items"]:
            if o["code"] == code:
                return o["id"]
        raise AssertionError(f"no org with code {code}")

    def square_grid(self, admin, parent, name, lng, lat, d):
        """A grid under parent whose outline is the square [lng, lng+d] x [lat, lat+d]; its id."""
        r = admin.post("/api/v1/orgs", json={"parent_id": parent, "level": "grid", "name": name})
        assert r.status_code == 201, r.text
        grid = r.json()["id"]
        ring = [[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]
        r = admin.request("PUT", f"/api/v1/orgs/{grid}/geometry", json={"type": "Polygon", "coordinates": [ring]})
        assert r.status_code == 200, r.text
        return grid

    def make_user(self, admin, username, role, org_id, password=PASSWORD):
        """Create a user homed at org_id with one grant; return a logged-in client."""
        body = {"username": username, "display_name": username, "password": password}
        if org_id:
            body["org_id"] = org_id
        r = admin.post("/api/v1/users", json=body)
        assert r.status_code == 201, r.text
        uid = r.json()["id"]
        g = {"role": role}
        if org_id:
            g["org_id"] = org_id
        r = admin.post(f"/api/v1/users/{uid}/grants", json=g)
        assert r.status_code == 201, r.text
        c = self.client()
        c.login(username, password)
        c.user_id = uid
        return c


def pytest_configure(config):
    config.addinivalue_line("markers", "timed: measures response times against a bound; `make api` runs these"
                                       " after the others, in one process with no other test process beside it")
    # The run's demo cities (test_demo.demo_city), shared by its processes: the first process (the
    # controller when there are workers: they start later and inherit it) names the folder.
    if "JICENG_DEMO_CACHE" not in os.environ:
        os.environ["JICENG_DEMO_CACHE"] = tempfile.mkdtemp(prefix="jiceng-demo-cities-")
        config._jiceng_demo_cache = os.environ["JICENG_DEMO_CACHE"]


# The modules that take longest (--durations of `make api-asan`, 2026-12-07), longest first,
# collected before all the others: pytest-xdist's --dist loadfile hands whole modules out in the
# order collected, so a long module handed out last kept one process busy while the other, done,
# waited. Longest first, the run ends on short modules. Two modules of one demo city
# (test_demo.demo_city) are not next to each other: the second would wait while the first makes
# it. Each module's own tests keep their order.
LONGEST_FIRST = ("test_demo.py", "test_migrations.py", "test_service_claims.py", "test_users.py", "test_teams.py",
                 "test_openapi.py", "test_auth.py", "test_venues_funds.py", "test_figures.py",
                 "test_village_economy.py", "test_alliances.py", "test_crash.py", "test_service_report.py",
                 "test_pay.py", "test_outlines.py", "test_copy_data.py", "test_scope_routes.py", "test_faults_pg.py",
                 "test_migrations_pg.py", "test_notices.py", "test_staff_figures.py", "test_import_caps.py",
                 "test_partner.py", "test_faults_sqlite.py", "test_cases.py", "test_unit_accounts.py")


def pytest_collection_modifyitems(items):
    rank = {m: i for i, m in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0].rsplit("/", 1)[-1], len(LONGEST_FIRST)))


def pytest_sessionfinish(session, exitstatus):
    backend.stop_cluster()
    for _, d in _ready.values():
        shutil.rmtree(d, ignore_errors=True)


def pytest_unconfigure(config):
    folder = getattr(config, "_jiceng_demo_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_report_header(config):
    left_out = f"; not collected on it: {', '.join(collect_ignore)}" if collect_ignore else ""
    return f"jiceng database backend: {backend.BACKEND}{left_out}"


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    assert s.close() == 0, s.stderr


@pytest.fixture(scope="module")
def admin(server):
    return server.admin()


def error_of(r):
    body = r.json()
    assert "error" in body, body
    return body["error"]


SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_column(ref):
    """"BC12" -> 54, the zero-based column of a cell reference."""
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def xlsx_rows(data):
    """The rows of an .xlsx workbook's first worksheet (xl/worksheets/sheet1.xml), as lists of strings: shared and
    inline strings and plain values, a cell left out between two cells read as an empty string."""
    ns = "{%s}" % SML
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            shared = ["".join(t.text or "" for t in si.iter(ns + "t"))
                      for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).iter(ns + "si")]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(ns + "row"):
        cells = []
        for c in row.iter(ns + "c"):
            kind, value = c.get("t"), c.findtext(ns + "v") or ""
            if kind == "s":
                value = shared[int(value)]
            elif kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(ns + "t"))
            col = xlsx_column(c.get("r")) if c.get("r") else len(cells)
            cells += [""] * (col - len(cells)) + [value]
        rows.append(cells)
    return rows


# Helpers the families' tests share.

def id_with_check(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(a) * b for a, b in zip(first17, w)) % 11]



def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e



def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()



def verify_figures(server):
    """`jiceng figures verify` on the server's database: the kept yearly figures agree with the records."""
    p = run_cli("figures", "verify", "--db", server.db)
    assert p.returncode == 0 and "ok" in p.stdout, p.stdout + p.stderr


def walk_list(client, path, limit=2, **params):
    """Every page of a list: the rows in order and the totals each page answered."""
    rows, totals, after = [], set(), None
    while True:
        q = {"limit": limit, **params}
        if after is not None:
            q["after"] = after
        r = client.get(path, params=q)
        assert r.status_code == 200, r.text
        page = r.json()
        rows += page["items"]
        totals.add((page["total"], page["total_capped"]))
        after = page["next"]
        if after is None:
            return rows, totals
