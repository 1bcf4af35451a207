"""Case intake as the writer runs it at volume: reports from many clients at once
share commits, the category time limits it keeps in memory follow a change, the
audit chain it extends stays whole when another process writes in between, and
answers keep the connection open."""
import http.client
import json
import threading
from datetime import datetime

import pytest

import backend
from conftest import PASSWORD, Server, run_cli


@pytest.fixture
def fresh():
    """A server of its own (these tests stop it, or change its categories), its
    community and an administrator."""
    s = Server()
    try:
        yield s, s.org_id("340104006006"), s.admin()
    finally:
        s.close()


def report(client, comm, **extra):
    body = {"category": "other", "title": "路灯不亮", "description": "2 栋路灯不亮", "org_id": comm, **extra}
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def hours_between(a, b):
    def parse(t):
        return datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (parse(b) - parse(a)).total_seconds() / 3600


def test_many_reporters_at_once_all_answered_and_chained(fresh):
    s, comm, admin = fresh
    answered, failures = [], []
    lock = threading.Lock()

    def reporter(k):
        c = admin.same_session()
        for i in range(12):
            r = c.post("/api/v1/cases", json={"category": "other", "title": f"并发 {k}-{i}",
                                              "description": "many at once", "org_id": comm})
            with lock:
                (answered if r.status_code == 201 else failures).append(r.json())

    threads = [threading.Thread(target=reporter, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(answered) == 16 * 12
    assert len({c["id"] for c in answered}) == len(answered)
    # Each answer is the whole case as read back after its commit.
    assert all(c["state"] == "reported" and c["events"][0]["action"] == "report" for c in answered)
    audit = admin.get("/api/v1/audit", params={"action": "case.reported", "limit": 200}).json()["items"]
    assert {c["id"] for c in answered} <= {a["entity_id"] for a in audit}
    s.stop()
    assert "ok" in run_cli("audit", "verify", "--db", s.db).stdout


def test_audit_chain_whole_when_another_process_writes_between(fresh):
    s, comm, admin = fresh
    for _ in range(3):
        report(admin, comm)
    # The CLI appends audit rows through its own connection while the server runs.
    run_cli("user", "add", "--db", s.db, "cli-between", "--name", "中途用户", env={"JICENG_PASSWORD": PASSWORD})
    for _ in range(3):
        report(admin, comm)
    run_cli("user", "add", "--db", s.db, "cli-between-2", "--name", "中途用户二", env={"JICENG_PASSWORD": PASSWORD})
    report(admin, comm)
    s.stop()
    assert "ok" in run_cli("audit", "verify", "--db", s.db).stdout
    con = backend.connect(s.db)
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 6")]
    con.close()
    assert actions[0] == "case.reported" and "user.created" in actions


def test_category_limits_change_reaches_the_next_case(fresh):
    s, comm, admin = fresh
    before = report(admin, comm)
    # other: 8 h to accept; 8 + 24 + 8 + 120 + 48 h for the whole case.
    assert round(hours_between(before["created_at"], before["stage_deadline_at"])) == 8
    assert round(hours_between(before["created_at"], before["close_due_at"])) == 208
    # Another process changes the category's limits (as an administrator's tool would).
    con = backend.connect(s.db)
    con.execute("UPDATE case_category SET accept_hours = 2, dispatch_hours = 30, handle_hours = 100"
                " WHERE code = 'other'")
    con.commit()
    con.close()
    after = report(admin, comm)
    assert round(hours_between(after["created_at"], after["stage_deadline_at"])) == 2
    assert round(hours_between(after["created_at"], after["close_due_at"])) == 2 + 30 + 8 + 100 + 48
    # A later move takes its stage's hours from the changed category too.
    staff = s.make_user(admin, "intake-staff", "org_staff", comm)
    r = staff.post(f"/api/v1/cases/{after['id']}/actions", json={"action": "accept", "version": after["version"]})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert round(hours_between(moved["updated_at"], moved["stage_deadline_at"])) == 30


def test_answers_keep_the_connection_open(fresh):
    s, comm, admin = fresh
    cookie = "; ".join(f"{k}={v}" for k, v in admin.s.cookies.items())
    headers = {"Cookie": cookie, "X-CSRF-Token": admin.csrf, "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    sock = None
    # A 201, a 400 and a 404 in turn, all over one connection.
    for body, path, status in ((json.dumps({"category": "other", "title": "t", "description": "d",
                                            "org_id": comm}), "/api/v1/cases", 201),
                               (json.dumps({"category": "other"}), "/api/v1/cases", 400),
                               (None, "/api/v1/cases/999999", 404)):
        conn.request("POST" if body else "GET", path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        assert r.status == status, data
        assert r.getheader("Connection", "").lower() == "keep-alive"
        assert int(r.getheader("Content-Length")) == len(data)
        assert conn.sock is not None and (sock is None or conn.sock is sock)
        sock = conn.sock
    conn.close()
