"""Shared fixtures: a real jiceng binary on a free loopback port over a temp database
(an SQLite file, or a PostgreSQL database with JICENG_TEST_BACKEND=postgres: see backend.py)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile

import pytest
import requests

import backend

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("JICENG_BIN", os.path.join(ROOT, "jiceng"))
DIVISIONS = os.path.join(ROOT, "data", "divisions", "hefei.csv")
ADMIN_PASSWORD = "Quiet-Harbor-42!"  # no user name in it: the policy refuses that
PASSWORD = "Str0ng-Password"
CLI_TIMEOUT = int(os.environ.get("JICENG_CLI_TIMEOUT", "120"))  # seconds; more for full-size cities


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, env=None, input=None, check=True):
    e = dict(os.environ)
    e.update(backend.cli_env(args))
    e.update(env or {})
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, input=input, timeout=CLI_TIMEOUT)
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


class Server:
    def __init__(self, extra_args=(), divisions=True, login_rate=100000, db=None, parent_dir=None, wrap=()):
        """A server over a new database, or over db (made ready by the caller). parent_dir:
        where the test's data directory goes (the system's temp directory by default);
        wrap: a command the server runs under (e.g. a private mount namespace)."""
        self.dir = tempfile.mkdtemp(prefix="jiceng-test-", dir=parent_dir)
        self.wrap = list(wrap)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = db
        if db is None:
            self.db = backend.new_database(self.dir)
            run_cli("init", "--db", self.db, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
            if divisions:
                run_cli("import-divisions", "--db", self.db, DIVISIONS)
        self.args = ["serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}", "--test-clock",
                     "--login-rate", str(login_rate), *extra_args]
        self.proc = None
        self.start()

    def start(self):
        env = dict(os.environ)
        env.update(backend.cli_env(self.args))
        self.proc = subprocess.Popen([*self.wrap, BIN, *self.args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        # The server prints "listening on ..." once every loop accepts: read until then.
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise AssertionError(f"server did not start: {line!r} {err}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
        code = self.proc.returncode if self.proc else 0
        self.stderr = self.proc.stderr.read() if self.proc else ""
        self.proc = None
        return code

    def client(self, source=None):
        return Client(self.base, source)

    def admin(self):
        c = self.client()
        c.login("admin", ADMIN_PASSWORD)
        return c

    def close(self):
        code = self.stop()
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


def pytest_sessionfinish(session, exitstatus):
    backend.stop_cluster()


def pytest_report_header(config):
    return f"jiceng database backend: {backend.BACKEND}"


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
