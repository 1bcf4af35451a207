"""Clock jumps, forwards and back, on either backend: an overdue case is escalated to its
street once and, a stage limit later, to its district once, however the clock moves in
between; a case reported while the clock was behind is escalated once the clock is right
again (not lost); a restart (which sets the clock back to the real time) adds nothing.
The server's test clock (--test-clock, POST /api/v1/_test/clock) moves the time every
part of the server reads; /api/v1/_test/tick runs the writer's periodic work at once."""
from conftest import Server

COMMUNITY = "340104006006"  # under the street 340104006 and the district 340104
HOUR = 3600


def admin(s):
    """The administrator's session, signed in again only when a jump has ended it (a login
    costs a password hash: many of them would take most of the test's time)."""
    c = getattr(s, "clock_admin", None)
    if c is None or c.get("/api/v1/auth/me").status_code == 401:
        c = s.clock_admin = s.admin()
    return c


def jump(s, seconds):
    r = admin(s).post("/api/v1/_test/clock", json={"advance_seconds": seconds})
    assert r.status_code == 200, r.text
    return r.json()["offset"]


def tick(s):
    r = admin(s).post("/api/v1/_test/tick")
    assert r.status_code == 200, r.text


def report(s, org, title):
    r = admin(s).post("/api/v1/cases", json={"category": "safety", "title": title, "description": "clock test",
                                              "org_id": org})  # safety: 2 h to accept
    assert r.status_code == 201, r.text
    return r.json()["id"]


def escalations(s, ids):
    """{case id: (street escalations, district escalations, audit entries)} from the case logs and the audit."""
    c = admin(s)
    out = {}
    for i in ids:
        case = c.get(f"/api/v1/cases/{i}").json()
        acts = [e["action"] for e in case["events"]]
        audit = c.get("/api/v1/audit", params={"action": "case.escalated", "entity_id": i}).json()["items"]
        out[i] = (acts.count("escalate_street"), acts.count("escalate_district"), len(audit))
    return out


def overdue(s, i):
    return admin(s).get(f"/api/v1/cases/{i}").json()["overdue"]


def test_clock_jumps_never_escalate_twice_nor_lose_an_escalation():
    s = Server()
    try:
        comm = s.org_id(COMMUNITY)
        a = report(s, comm, "jump-a")
        jump(s, 3 * HOUR)
        assert overdue(s, a)
        tick(s)
        tick(s)
        assert escalations(s, [a]) == {a: (1, 0, 1)}
        # Back before the deadline: not overdue, nothing undone, nothing new.
        jump(s, -3 * HOUR)
        assert not overdue(s, a)
        b = report(s, comm, "jump-b")
        tick(s)
        assert escalations(s, [a, b]) == {a: (1, 0, 1), b: (0, 0, 0)}
        # Forwards again past both deadlines: b once, a not again.
        jump(s, 3 * HOUR)
        tick(s)
        tick(s)
        assert escalations(s, [a, b]) == {a: (1, 0, 1), b: (1, 0, 1)}
        # A case reported while the clock is a day behind is escalated once it is right again.
        jump(s, -24 * HOUR)
        c = report(s, comm, "jump-c")
        tick(s)
        assert escalations(s, [c]) == {c: (0, 0, 0)}
        jump(s, 24 * HOUR)
        tick(s)
        # Long overdue by then, it goes to the street and on to the district at once (two limits past).
        assert escalations(s, [a, b, c]) == {a: (1, 0, 1), b: (1, 0, 1), c: (1, 1, 2)}
        # A stage limit later each reaches the district, once; back and forth again changes nothing.
        jump(s, 24 * HOUR)
        tick(s)
        tick(s)
        once_each = {a: (1, 1, 2), b: (1, 1, 2), c: (1, 1, 2)}
        assert escalations(s, [a, b, c]) == once_each
        jump(s, -48 * HOUR)
        tick(s)
        jump(s, 48 * HOUR)
        tick(s)
        tick(s)
        assert escalations(s, [a, b, c]) == once_each
        # A restart takes the clock back to the real time: nothing fires again.
        assert s.stop() == 0
        s.start()
        s.clock_admin = None  # sign in afresh after the restart
        tick(s)
        assert escalations(s, [a, b, c]) == once_each
        log = s.read_log(whole=True)
        assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]
    finally:
        assert s.close() == 0
