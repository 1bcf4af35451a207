"""The command line: init, divisions, users, backup, audit verification, clean shutdown."""
import os
import signal
import stat
import subprocess
import tempfile
import threading

import pytest
import requests

import backend
from backend import connect, key_file
from conftest import ADMIN_PASSWORD, BIN, assert_clean, DIVISIONS, PASSWORD, Server, run_cli


@pytest.fixture()
def db():
    d = tempfile.mkdtemp(prefix="jiceng-cli-")
    path = backend.new_database(d, "c.db")
    run_cli("init", "--db", path, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield path
    subprocess.run(["rm", "-rf", d])


def test_init_creates_private_key_and_is_safe_to_repeat(db):
    mode = stat.S_IMODE(os.stat(key_file(db)).st_mode)
    assert mode == 0o600
    key = open(key_file(db)).read()
    con = connect(db)
    before = con.execute("SELECT password_hash FROM app_user WHERE username = 'admin'").fetchone()[0]
    p = run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
    assert "already has users" in p.stdout
    assert open(key_file(db)).read() == key
    assert con.execute("SELECT password_hash FROM app_user WHERE username = 'admin'").fetchone()[0] == before


def test_init_generates_password_file():
    d = tempfile.mkdtemp(prefix="jiceng-cli-")
    try:
        path, pwfile = backend.new_database(d, "g.db"), os.path.join(d, "pw.txt")
        env = {k: v for k, v in os.environ.items() if k != "JICENG_ADMIN_PASSWORD"}
        env.update(backend.cli_env([path]))
        p = subprocess.run([BIN, "init", "--db", path, "--password-file", pwfile], env=env, capture_output=True,
                           text=True, timeout=60)
        assert_clean(p.stderr, "jiceng init")
        assert p.returncode == 0, p.stderr
        assert stat.S_IMODE(os.stat(pwfile).st_mode) == 0o600
        pw = open(pwfile).read().strip()
        assert len(pw) >= 16 and pw not in p.stdout + p.stderr
        con = connect(path)
        h = con.execute("SELECT password_hash FROM app_user WHERE username = 'admin'").fetchone()[0]
        assert h.startswith("$argon2id$") and pw not in h
        # At libsodium's interactive cost (64 MiB, 2 passes): what every password the product hashes costs.
        assert h.startswith("$argon2id$v=19$m=65536,t=2,p=1$"), h
    finally:
        subprocess.run(["rm", "-rf", d])


def test_weak_admin_password_refused():
    d = tempfile.mkdtemp(prefix="jiceng-cli-")
    try:
        db = backend.new_database(d, "w.db")
        p = run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": "password"}, check=False)
        assert p.returncode == 1 and "JICENG_ADMIN_PASSWORD refused (password_too_short)" in p.stderr, p.stderr
        assert not os.path.exists(key_file(db)) and not backend.has_tables(db)
    finally:
        subprocess.run(["rm", "-rf", d])


def test_import_divisions_is_idempotent_and_all_or_nothing(db):
    p = run_cli("import-divisions", "--db", db, DIVISIONS)
    assert "districts/counties 12" in p.stdout and "streets/townships 160" in p.stdout
    assert "communities 999" in p.stdout and "villages 774" in p.stdout
    con = connect(db)
    n = con.execute("SELECT COUNT(*) FROM org").fetchone()[0]
    assert n == 1 + 12 + 160 + 1773
    con.commit()
    p = run_cli("import-divisions", "--db", db, DIVISIONS)
    assert "0 new nodes" in p.stdout
    assert con.execute("SELECT COUNT(*) FROM org").fetchone()[0] == n
    # A broken file changes nothing.
    bad = key_file(db) + ".csv"
    with open(bad, "w") as f:
        f.write("code,name,level,kind,parent_code\n3401,合肥市,city,city,\n340199,新区,district,district,3401\n"
                "340199001,坏街道,street,planet,340199\n")
    p = run_cli("import-divisions", "--db", db, bad, check=False)
    assert p.returncode == 1 and f"{bad}:4: bad row for code 340199001" in p.stderr, p.stderr
    assert con.execute("SELECT COUNT(*) FROM org WHERE code = '340199'").fetchone()[0] == 0
    # Parents and paths are consistent.
    rows = con.execute("SELECT c.path, p.path, c.id FROM org c JOIN org p ON p.id = c.parent_id").fetchall()
    assert all(cp == pp + f"{cid}/" for cp, pp, cid in rows)


def test_database_from_environment(db):
    """Without --db, JICENG_DB names the database: a file, or a postgres:// URL."""
    env = {"JICENG_DB": db, **backend.cli_env([db])}
    p = run_cli("migrate", env=env)
    assert "(0 migrations applied)" in p.stdout
    assert "admin" in run_cli("user", "list", env=env).stdout


def test_user_cli(db):
    run_cli("import-divisions", "--db", db, DIVISIONS)
    run_cli("user", "add", "--db", db, "cli-staff", "--name", "命令行用户", "--org", "340104006006", "--role",
            "org_staff", env={"JICENG_PASSWORD": PASSWORD})
    p = run_cli("user", "list", "--db", db)
    assert "cli-staff" in p.stdout and "org_staff@340104006006" in p.stdout
    p = run_cli("user", "add", "--db", db, "weakling", "--name", "x", env={"JICENG_PASSWORD": "abc"}, check=False)
    assert p.returncode == 1 and "password refused (password_too_short)" in p.stderr, p.stderr
    p = run_cli("user", "grant", "--db", db, "cli-staff", "emperor", "--org", "3401", check=False)
    assert p.returncode == 1 and "grant_exceeds_own field role" in p.stderr, p.stderr
    run_cli("user", "revoke", "--db", db, "cli-staff", "org_staff", "--org", "340104006006")
    con = connect(db)
    assert con.execute("SELECT COUNT(*) FROM user_grant g JOIN app_user u ON u.id = g.user_id"
                       " WHERE u.username = 'cli-staff'").fetchone()[0] == 0
    run_cli("audit", "verify", "--db", db)


def test_user_cli_unit_accounts():
    """unit_staff accounts from the command line: granted over a resident unit with --unit; such an account
    signs in and sees only the unit's cases; a wrong unit, or --unit with another role, changes nothing."""
    s = Server()
    try:
        admin = s.admin()
        comm = s.org_id("340104006006")
        r = admin.post("/api/v1/units", json={"org_id": comm, "name": "命令行单位", "type": "school"})
        assert r.status_code == 201, r.text
        unit = r.json()["id"]
        run_cli("user", "add", "--db", s.db, "cli-unit", "--name", "单位账号", "--org", "340104006006", "--role",
                "unit_staff", "--unit", str(unit), env={"JICENG_PASSWORD": PASSWORD})
        run_cli("user", "add", "--db", s.db, "cli-unit2", "--name", "单位账号二", env={"JICENG_PASSWORD": PASSWORD})
        run_cli("user", "grant", "--db", s.db, "cli-unit2", "unit_staff", "--unit", str(unit))
        for bad, said in ((["cli-unit2", "unit_staff", "--unit", str(unit + 1000)],  # no such unit
                           f"no resident unit with id {unit + 1000}"),
                          (["cli-unit2", "org_staff", "--unit", str(unit)],  # a unit grant is unit_staff's only
                           "validation_failed field unit_id: only unit_staff is granted over a unit"),
                          (["cli-unit2", "unit_staff"],  # unit_staff needs its unit
                           "validation_failed field unit_id: unit_staff is granted over a unit: give unit_id")):
            p = run_cli("user", "grant", "--db", s.db, *bad, check=False)
            assert p.returncode == 1 and said in p.stderr, (bad, p.stderr)
        users = {u["username"]: u["id"] for u in admin.get("/api/v1/users", params={"limit": 200}).json()["items"]}
        for name in ("cli-unit", "cli-unit2"):
            grants = admin.get(f"/api/v1/users/{users[name]}").json()["grants"]
            assert [(g["role"], g["unit_id"], g["org_id"]) for g in grants] == [("unit_staff", unit, comm)], name
        c = s.client()
        c.login("cli-unit", PASSWORD)
        assert c.get("/api/v1/cases").json()["items"] == []
        assert c.get("/api/v1/persons", params={"org": comm}).status_code in (403, 404)
        run_cli("user", "revoke", "--db", s.db, "cli-unit2", "unit_staff", "--unit", str(unit))
        assert admin.get(f"/api/v1/users/{users['cli-unit2']}").json()["grants"] == []
        run_cli("audit", "verify", "--db", s.db)
    finally:
        assert s.close() == 0


def test_audit_verify_detects_edits_and_deletions(db):
    run_cli("import-divisions", "--db", db, DIVISIONS)
    run_cli("user", "add", "--db", db, "someone", "--name", "x", env={"JICENG_PASSWORD": PASSWORD})
    run_cli("user", "add", "--db", db, "someone2", "--name", "y", env={"JICENG_PASSWORD": PASSWORD})
    assert "ok" in run_cli("audit", "verify", "--db", db).stdout
    con = connect(db)
    # Edit a row's content, then put it back.
    name = con.execute("SELECT actor_name FROM audit_log WHERE id = 2").fetchone()[0]
    con.execute("UPDATE audit_log SET actor_name = 'nobody' WHERE id = 2")
    con.commit()
    p = run_cli("audit", "verify", "--db", db, check=False)
    assert p.returncode == 1 and "audit chain BROKEN at row 2: audit row 2 was edited" in p.stdout, p.stdout
    con.execute("UPDATE audit_log SET actor_name = ? WHERE id = 2", (name,))
    con.commit()
    run_cli("audit", "verify", "--db", db)
    # A middle row deleted, then the last one; each put back afterwards.
    last = con.execute("SELECT MAX(id) FROM audit_log").fetchone()[0]
    for rid, needle in [(3, "BROKEN at row 3: audit row 3 is missing"),
                        (last, f"BROKEN at row {last}: the audit head names row {last} but the log ends at row {last - 1}")]:
        row = con.execute("SELECT * FROM audit_log WHERE id = ?", (rid,)).fetchone()
        con.execute("DELETE FROM audit_log WHERE id = ?", (rid,))
        con.commit()
        p = run_cli("audit", "verify", "--db", db, check=False)
        assert p.returncode == 1 and needle in p.stdout, (rid, p.stdout)
        con.execute("INSERT INTO audit_log VALUES (" + ", ".join("?" * len(row)) + ")", row)
        con.commit()
    con.close()
    # Without the right key nothing verifies.
    run_cli("audit", "verify", "--db", db)
    with open(key_file(db), "w") as f:
        f.write("00" * 32 + "\n")
    p = run_cli("audit", "verify", "--db", db, check=False)
    assert p.returncode == 1 and "audit chain BROKEN at row 1: audit row 1 was edited" in p.stdout, p.stdout


def test_backup_is_consistent_and_never_overwrites(db):
    """SQLite: jiceng backup writes a consistent file and never overwrites one.
    PostgreSQL: jiceng backup refuses and names the tools to use; pg_dump as
    docs/operations.md says restores to a database whose audit chain verifies."""
    run_cli("import-divisions", "--db", db, DIVISIONS)
    out = key_file(db) + ".backup"
    if backend.BACKEND == "postgres":
        p = run_cli("backup", "--db", db, out, check=False)
        assert p.returncode == 1 and "back up PostgreSQL with pg_dump (a logical dump) or pg_basebackup" in p.stderr
        assert not os.path.exists(out)
    copy = backend.backup_copy(db, out, run_cli)
    assert backend.integrity_ok(copy)
    con = connect(copy)
    assert con.execute("SELECT COUNT(*) FROM org").fetchone()[0] == 1946
    con.close()
    run_cli("audit", "verify", "--db", copy)
    if backend.BACKEND == "sqlite":
        p = run_cli("backup", "--db", db, out, check=False)
        assert p.returncode == 1 and f"{out} already exists; refusing to overwrite it" in p.stderr, p.stderr


def test_backup_while_serving():
    s = Server()
    try:
        admin = s.admin()
        c = s.org_id("340104006006")
        for i in range(20):
            assert admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": f"备份网格{i}"}).status_code == 201
        copy = backend.backup_copy(s.db, os.path.join(s.dir, "live.backup"), run_cli)
        assert backend.integrity_ok(copy)
        con = connect(copy)
        assert con.execute("SELECT COUNT(*) FROM org WHERE level = 'grid'").fetchone()[0] == 20
        con.close()
    finally:
        assert s.close() == 0


def test_sigterm_drains_in_flight_requests():
    """Writes keep coming while SIGTERM arrives: every write answered 201 is on
    disk, the server exits 0, and the database is intact."""
    s = Server()
    admin = s.admin()
    created, failures = [], []
    lock = threading.Lock()
    enough = threading.Event()

    def work(k):
        c = s.client()
        c.s.cookies.update(admin.s.cookies)
        c.csrf = admin.csrf
        for i in range(10000):
            try:
                r = c.post("/api/v1/orgs", json={"parent_id": 1, "level": "district", "name": f"区{k}-{i}"})
            except requests.RequestException:
                return  # the server has closed its doors
            with lock:
                if r.status_code == 201:
                    created.append(r.json()["id"])
                else:
                    failures.append(r.status_code)
                    enough.set()
                    return
                if len(created) >= 40:
                    enough.set()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(timeout=60), (failures[:5], created[:5])
    code = s.stop(signal.SIGTERM)
    for t in threads:
        t.join(timeout=60)
    assert code == 0, s.stderr
    assert "stopped cleanly" in s.stderr
    assert failures == [] or set(failures) <= {503}
    assert backend.integrity_ok(s.db)
    con = connect(s.db)
    on_disk = {r[0] for r in con.execute("SELECT id FROM org WHERE level = 'district'")}
    assert set(created) <= on_disk
    con.close()
    run_cli("audit", "verify", "--db", s.db)
    s.close()
