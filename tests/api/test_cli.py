"""The command line: init, divisions, users, backup, audit verification, clean shutdown."""
import os
import signal
import sqlite3
import stat
import subprocess
import tempfile
import threading

import pytest
import requests

from conftest import ADMIN_PASSWORD, BIN, DIVISIONS, PASSWORD, Server, run_cli


@pytest.fixture()
def db():
    d = tempfile.mkdtemp(prefix="jiceng-cli-")
    path = os.path.join(d, "c.db")
    run_cli("init", "--db", path, env={"JICENG_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield path
    subprocess.run(["rm", "-rf", d])


def test_init_creates_private_key_and_is_safe_to_repeat(db):
    mode = stat.S_IMODE(os.stat(db + ".key").st_mode)
    assert mode == 0o600
    key = open(db + ".key").read()
    con = sqlite3.connect(db)
    before = con.execute("SELECT password_hash FROM app_user WHERE username = 'admin'").fetchone()[0]
    p = run_cli("init", "--db", db, env={"JICENG_ADMIN_PASSWORD": "An0ther-Passw0rd!"})
    assert "already has users" in p.stdout
    assert open(db + ".key").read() == key
    assert con.execute("SELECT password_hash FROM app_user WHERE username = 'admin'").fetchone()[0] == before


def test_init_generates_password_file():
    d = tempfile.mkdtemp(prefix="jiceng-cli-")
    try:
        path, pwfile = os.path.join(d, "g.db"), os.path.join(d, "pw.txt")
        env = {k: v for k, v in os.environ.items() if k != "JICENG_ADMIN_PASSWORD"}
        p = subprocess.run([BIN, "init", "--db", path, "--password-file", pwfile], env=env, capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert stat.S_IMODE(os.stat(pwfile).st_mode) == 0o600
        pw = open(pwfile).read().strip()
        assert len(pw) >= 16 and pw not in p.stdout + p.stderr
        con = sqlite3.connect(path)
        h = con.execute("SELECT password_hash FROM app_user WHERE username = 'admin'").fetchone()[0]
        assert h.startswith("$argon2id$") and pw not in h
    finally:
        subprocess.run(["rm", "-rf", d])


def test_weak_admin_password_refused():
    d = tempfile.mkdtemp(prefix="jiceng-cli-")
    try:
        p = run_cli("init", "--db", os.path.join(d, "w.db"), env={"JICENG_ADMIN_PASSWORD": "password"}, check=False)
        assert p.returncode != 0 and "password" in p.stderr
        assert not os.path.exists(os.path.join(d, "w.db.key")) and not os.path.exists(os.path.join(d, "w.db"))
    finally:
        subprocess.run(["rm", "-rf", d])


def test_import_divisions_is_idempotent_and_all_or_nothing(db):
    p = run_cli("import-divisions", "--db", db, DIVISIONS)
    assert "districts/counties 12" in p.stdout and "streets/townships 160" in p.stdout
    assert "communities 999" in p.stdout and "villages 774" in p.stdout
    con = sqlite3.connect(db)
    n = con.execute("SELECT COUNT(*) FROM org").fetchone()[0]
    assert n == 1 + 12 + 160 + 1773
    p = run_cli("import-divisions", "--db", db, DIVISIONS)
    assert "0 new nodes" in p.stdout
    assert con.execute("SELECT COUNT(*) FROM org").fetchone()[0] == n
    # A broken file changes nothing.
    bad = db + ".csv"
    with open(bad, "w") as f:
        f.write("code,name,level,kind,parent_code\n3401,合肥市,city,city,\n340199,新区,district,district,3401\n"
                "340199001,坏街道,street,planet,340199\n")
    p = run_cli("import-divisions", "--db", db, bad, check=False)
    assert p.returncode != 0 and ":4:" in p.stderr
    assert con.execute("SELECT COUNT(*) FROM org WHERE code = '340199'").fetchone()[0] == 0
    # Parents and paths are consistent.
    rows = con.execute("SELECT c.path, p.path, c.id FROM org c JOIN org p ON p.id = c.parent_id").fetchall()
    assert all(cp == pp + f"{cid}/" for cp, pp, cid in rows)


def test_user_cli(db):
    run_cli("import-divisions", "--db", db, DIVISIONS)
    run_cli("user", "add", "--db", db, "cli-staff", "--name", "命令行用户", "--org", "340104006006", "--role",
            "org_staff", env={"JICENG_PASSWORD": PASSWORD})
    p = run_cli("user", "list", "--db", db)
    assert "cli-staff" in p.stdout and "org_staff@340104006006" in p.stdout
    p = run_cli("user", "add", "--db", db, "weakling", "--name", "x", env={"JICENG_PASSWORD": "abc"}, check=False)
    assert p.returncode != 0
    p = run_cli("user", "grant", "--db", db, "cli-staff", "emperor", "--org", "3401", check=False)
    assert p.returncode != 0
    run_cli("user", "revoke", "--db", db, "cli-staff", "org_staff", "--org", "340104006006")
    con = sqlite3.connect(db)
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
        for bad in (["cli-unit2", "unit_staff", "--unit", str(unit + 1000)],  # no such unit
                    ["cli-unit2", "org_staff", "--unit", str(unit)],  # a unit grant is unit_staff's only
                    ["cli-unit2", "unit_staff"]):  # unit_staff needs its unit
            p = run_cli("user", "grant", "--db", s.db, *bad, check=False)
            assert p.returncode != 0, bad
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
    backup = db + ".bak"
    run_cli("backup", "--db", db, backup)
    def restore():
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        subprocess.run(["cp", backup, db], check=True)

    con = sqlite3.connect(db)
    # Edit a row's content.
    con.execute("UPDATE audit_log SET actor_name = 'nobody' WHERE id = 2")
    con.commit()
    con.close()
    p = run_cli("audit", "verify", "--db", db, check=False)
    assert p.returncode != 0 and "row 2" in (p.stdout + p.stderr)
    # A middle row deleted, in a fresh copy.
    for sql, needle in [("DELETE FROM audit_log WHERE id = 3", "row 3"),
                        ("DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)", "row")]:
        restore()
        con = sqlite3.connect(db)
        con.execute(sql)
        con.commit()
        con.close()
        p = run_cli("audit", "verify", "--db", db, check=False)
        assert p.returncode != 0 and needle in (p.stdout + p.stderr), sql
    # Without the right key nothing verifies.
    restore()
    run_cli("audit", "verify", "--db", db)
    with open(db + ".key", "w") as f:
        f.write("00" * 32 + "\n")
    p = run_cli("audit", "verify", "--db", db, check=False)
    assert p.returncode != 0


def test_backup_is_consistent_and_never_overwrites(db):
    run_cli("import-divisions", "--db", db, DIVISIONS)
    out = db + ".backup"
    p = run_cli("backup", "--db", db, out)
    con = sqlite3.connect(out)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM org").fetchone()[0] == 1946
    p = run_cli("backup", "--db", db, out, check=False)
    assert p.returncode != 0


def test_backup_while_serving():
    s = Server()
    try:
        admin = s.admin()
        c = s.org_id("340104006006")
        for i in range(20):
            assert admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": f"备份网格{i}"}).status_code == 201
        out = os.path.join(s.dir, "live.backup")
        run_cli("backup", "--db", s.db, out)
        con = sqlite3.connect(out)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM org WHERE level = 'grid'").fetchone()[0] == 20
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
    con = sqlite3.connect(s.db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    on_disk = {r[0] for r in con.execute("SELECT id FROM org WHERE level = 'district'")}
    assert set(created) <= on_disk
    con.close()
    run_cli("audit", "verify", "--db", s.db)
    s.close()
