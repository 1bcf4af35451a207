"""Notifications: the inbox's event stream (GET /api/v1/inbox/events, docs/notifications.md)."""
import time

import pytest
import requests

from conftest import Server, error_of

LNG, LAT, D = 117.25, 31.85, 0.01


@pytest.fixture(scope="module")
def server():
    # Heartbeats each second and two streams at most: both are checked here without waiting long.
    s = Server(extra_args=("--events-heartbeat", "1", "--max-event-streams", "2"))
    yield s
    assert s.close() == 0, s.stderr


@pytest.fixture(scope="module")
def admin(server):
    return server.admin()


@pytest.fixture(scope="module")
def place(server, admin):
    comm = server.org_id("340104006006")
    grid = server.square_grid(admin, comm, "通知网格", LNG, LAT, D)
    return {
        "comm": comm,
        "grid": grid,
        "worker": server.make_user(admin, "notify-worker", "grid_worker", grid),
        "staff": server.make_user(admin, "notify-staff", "org_staff", comm),
    }


class Stream:
    """An open event stream, read line by line; every read bounded by the socket timeout."""

    def __init__(self, client, timeout=10):
        self.r = client.s.get(client.url("/api/v1/inbox/events"), stream=True, timeout=timeout)
        self.lines = self.r.iter_lines(chunk_size=1, decode_unicode=True) if self.r.status_code == 200 else None

    def until(self, pred, limit=12):
        """Lines up to and including the first that pred accepts (AssertionError when the stream ends first)."""
        seen = []
        for line in self.lines:
            seen.append(line)
            if pred(line):
                return seen
            assert len(seen) < limit, seen
        raise AssertionError(f"the stream ended: {seen}")

    def event(self):
        """The next inbox event's data line."""
        self.until(lambda l: l == "event: inbox")
        return self.until(lambda l: l.startswith("data: "))[-1]

    def close(self):
        self.r.close()


def open_stream(client):
    """A stream once a place is free: a stream a client closed is given back when h2o sees the client gone,
    at its next heartbeat at the latest (h2o reads nothing more from an HTTP/1 connection while it answers)."""
    deadline = time.monotonic() + 10
    while True:
        s = Stream(client)
        if s.r.status_code == 200:
            return s
        s.close()
        assert s.r.status_code == 503 and time.monotonic() < deadline, "no place came free"
        time.sleep(0.1)  # a polling interval, not a synchronisation: the next heartbeat frees the place


def act(client, case, action, **extra):
    r = client.post(f"/api/v1/cases/{case['id']}/actions", json={"action": action, "version": case["version"], **extra})
    assert r.status_code == 200, (action, r.text)
    return r.json()


def test_an_event_follows_a_dispatch_and_heartbeats_are_comments(server, place):
    staff = place["staff"]
    c = staff.post("/api/v1/cases", json={"category": "sanitation", "title": "楼道堆物", "description": "杂物",
                                           "lat": LAT + D / 2, "lng": LNG + D / 2}).json()
    c = act(staff, c, "accept")
    s = open_stream(place["worker"])
    try:
        assert s.r.headers["Content-Type"].startswith("text/event-stream")
        assert s.r.headers["Cache-Control"] == "no-store"
        first = s.event()  # at once: a client (re)connecting reads the inbox then
        assert first.startswith('data: {"version":')
        beat = s.until(lambda l: l.startswith(":"))[-1]
        assert beat == ": heartbeat"
        c = act(staff, c, "dispatch", org_id=place["grid"])
        data = s.event()  # the dispatch's commit: nothing else was written since the stream opened
        assert data != first and data.startswith('data: {"version":')
        box = place["worker"].get("/api/v1/inbox").json()
        assert c["id"] in [x["id"] for x in box["dispatched"]["items"]]
    finally:
        s.close()


def test_no_session_no_stream(server):
    r = requests.get(server.base + "/api/v1/inbox/events", timeout=10)
    assert r.status_code == 401 and error_of(r)["code"] == "unauthenticated"


def test_streams_past_the_limit_answer_503(server, admin):
    a = open_stream(admin)
    b = open_stream(admin)
    try:
        c = Stream(admin)
        r = c.r
        code = r.json()["error"]["code"] if r.status_code == 503 else None
        c.close()
        assert r.status_code == 503 and code == "event_streams_full"
        assert r.headers["Retry-After"]
    finally:
        a.close()
        b.close()
    open_stream(admin).close()  # closed streams give their places back


def test_a_stream_ends_with_its_session(server, admin):
    c = server.client()
    c.login("notify-worker", "Str0ng-Password")
    s = open_stream(c)
    try:
        s.event()
        assert c.post("/api/v1/auth/logout").status_code in (200, 204)
        with pytest.raises(AssertionError, match="the stream ended"):
            s.until(lambda l: False)
    finally:
        s.close()


def test_a_stream_outlives_the_idle_timeout_and_ends_with_the_drain():
    """The idle timeout bounds the time to a request, not an answer's: a stream quiet for longer lives on.
    SIGTERM ends every stream, and the server stops cleanly (0) with one open."""
    s = Server(extra_args=("--events-heartbeat", "2", "--idle-timeout-ms", "500"))
    try:
        stream = open_stream(s.admin())
        stream.event()
        assert stream.until(lambda l: l.startswith(":"))[-1] == ": heartbeat"  # 2 s: four idle timeouts
        assert s.stop() == 0, s.stderr
        with pytest.raises(AssertionError, match="the stream ended"):
            stream.until(lambda l: False)
    finally:
        assert s.close() == 0


# ---- the outbox ----

def outbox(client, **params):
    r = client.get("/api/v1/outbox", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def until_sent(admin, recipient):
    """The recipient's messages once none is queued (the delivery thread looks every second)."""
    deadline = time.monotonic() + 10
    while True:
        items = outbox(admin, recipient_id=recipient)["items"]
        if items and all(x["state"] != "queued" for x in items):
            return items
        assert time.monotonic() < deadline, items
        time.sleep(0.2)  # a polling interval


def test_a_dispatch_to_a_grid_queues_a_message_for_its_workers_the_console_delivers(server, admin, place):
    staff, worker = place["staff"], place["worker"]
    c = staff.post("/api/v1/cases", json={"category": "sanitation", "title": "张三家门口积水",
                                           "description": "电话 13812345678", "lat": LAT + D / 2,
                                           "lng": LNG + D / 2}).json()
    c = act(staff, act(staff, c, "accept"), "dispatch", org_id=place["grid"])
    mine = [x for x in until_sent(admin, worker.user_id) if x["params"].get("case_id") == c["id"]]
    assert len(mine) == 1, mine
    m = mine[0]
    assert (m["channel"], m["template"], m["state"], m["attempts"], m["org_id"]) == \
        ("console", "case.dispatched", "sent", 1, place["grid"])
    assert m["params"] == {"case_id": c["id"]} and m["sent_at"]
    # One line in the log, ids only: not the title, the description or the phone typed into it.
    lines = [l for l in server.read_log().splitlines() if f"notify console: message {m['id']} " in l]
    assert len(lines) == 1, lines
    assert lines[0].endswith(f"notify console: message {m['id']} to user {worker.user_id}: case.dispatched "
                             f'{{"case_id":{c["id"]}}}'), lines[0]
    assert "张三" not in lines[0] and "13812345678" not in lines[0]
    # The staff who dispatched it got nothing: only the grid's workers.
    assert not [x for x in outbox(admin, recipient_id=staff.user_id)["items"] if x["template"] == "case.dispatched"]


def test_a_supervised_case_queues_a_message_for_its_communitys_staff(server, admin, place):
    staff = place["staff"]
    street_id = admin.get(f"/api/v1/orgs/{place['comm']}").json()["parent_id"]
    street = server.make_user(admin, "notify-street", "org_staff", street_id)  # above the community: no message
    c = staff.post("/api/v1/cases", json={"category": "sanitation", "title": "路灯不亮", "description": "夜里",
                                           "lat": LAT + D / 2, "lng": LNG + D / 2}).json()
    r = admin.post(f"/api/v1/cases/{c['id']}/supervise",
                   json={"version": c["version"], "deadline": "2099-01-01T00:00:00Z", "note": "限期办结"})
    assert r.status_code == 200, r.text
    got = [x for x in until_sent(admin, staff.user_id) if x["params"].get("case_id") == c["id"]]
    assert [(x["template"], x["state"]) for x in got] == [("case.supervised", "sent")], got
    assert not [x for x in outbox(admin, recipient_id=street.user_id)["items"]]


def test_the_outbox_list_is_scope_checked(server, admin, place):
    elsewhere = server.make_user(admin, "notify-elsewhere", "org_staff", server.org_id("340102001001"))
    assert outbox(elsewhere)["items"] == []  # the rows sit at the grid: not in this community's subtree
    assert outbox(place["staff"])["items"]  # the grid's community staff see theirs
    r = place["worker"].get("/api/v1/outbox")
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    r = admin.get("/api/v1/outbox", params={"state": "lost"})
    assert r.status_code == 400 and error_of(r)["field"] == "state"
