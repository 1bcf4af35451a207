"""Indicator trends: per-bucket figures by the same formulas as the indicators,
on crafted cases whose answers are known, with weeks and calendar months."""
import pytest

from conftest import PASSWORD, Server, error_of

WEEK = 7 * 86400


def act(client, case, action, **extra):
    r = client.post(f"/api/v1/cases/{case['id']}/actions", json={"action": action, "version": case["version"], **extra})
    assert r.status_code == 200, (action, r.text)
    return r.json()


@pytest.fixture(scope="module")
def fresh():
    s = Server()
    yield s
    assert s.close() == 0


def iso(ts):
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(text):
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def test_weekly_trend_on_known_cases(fresh):
    s = fresh
    admin = s.admin()
    comm = s.org_id("340104006006")
    for name, role in (("tr-staff", "org_staff"), ("tr-res", "resident"), ("tr-worker", "grid_worker")):
        s.make_user(admin, name, role, comm)

    def logins():
        out = {}
        for name in ("tr-staff", "tr-res", "tr-worker"):
            c = s.client()
            c.login(name, PASSWORD)
            out[name] = c
        return out["tr-staff"], out["tr-res"], out["tr-worker"]

    staff, res, worker = logins()

    def new():
        r = res.post("/api/v1/cases", json={"category": "sanitation", "title": "t", "description": "d", "org_id": comm})
        assert r.status_code == 201, r.text
        return r.json()

    def moves(c, *steps):
        """Apply (client, action, extra) steps in turn; the last answer."""
        for client, action, extra in steps:
            c = act(client, c, action, **extra)
        return c

    def handled():
        return [(staff, "accept", {}), (staff, "dispatch", {"org_id": comm}), (worker, "claim", {}),
                (worker, "handle", {})]

    # Week 1: A rated 满意; B rejected (reported, but never counted as due); C reworked once, closed.
    a, b, c = new(), new(), new()
    t0 = ts(a["created_at"])
    moves(a, *handled(), (res, "verify", {}), (staff, "close", {}), (res, "rate", {"rating": "满意"}))
    act(staff, b, "reject", note="重复")
    moves(c, *handled(), (res, "return", {}), (worker, "handle", {}), (res, "verify", {}), (staff, "close", {}))

    # Eight days on (sanitation's whole limit is 88 h, so each case is due in its own week):
    # D closed and rated 不满意, E left waiting.
    assert admin.post("/api/v1/_test/clock", json={"advance_seconds": 8 * 86400}).status_code == 200
    admin = s.admin()
    staff, res, worker = logins()
    d, e = new(), new()
    moves(d, *handled(), (res, "verify", {}), (staff, "close", {}), (res, "rate", {"rating": "不满意"}))
    assert e["state"] == "reported"

    start = t0 - 3600
    r = admin.get(f"/api/v1/orgs/{comm}/casework/trend",
                  params={"from": iso(start), "to": iso(start + 3 * WEEK), "bucket": "week"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bucket"] == "week"
    got = body["buckets"]
    assert [(x["from"], x["to"]) for x in got] == [(iso(start + i * WEEK), iso(start + (i + 1) * WEEK)) for i in range(3)]
    keys = ("due", "closed", "closed_on_time", "handled", "reworked", "rated", "satisfied", "reported", "closed_in_bucket")
    assert [tuple(x[k] for k in keys) for x in got] == [
        (2, 2, 2, 2, 1, 1, 1, 3, 2),
        (2, 1, 1, 1, 0, 1, 0, 2, 1),
        (0, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    rates = ("closure_rate", "on_time_closure_rate", "on_time_handling_rate", "rework_rate", "satisfaction_rate")
    assert [tuple(x[k] for k in rates) for x in got] == [
        (1.0, 1.0, 1.0, 0.5, 1.0),
        (0.5, 0.5, 0.5, 0.0, 0.0),
        (None, None, None, None, None),
    ]
    # Each bucket is exactly what the indicators answer for its period.
    for x in got:
        k = admin.get(f"/api/v1/orgs/{comm}/casework", params={"from": x["from"], "to": x["to"]}).json()
        for key in keys[:7] + rates:
            assert k[key] == x[key], (key, x["from"])
    # A finished case has no stage deadline: the overdue list, like overdue_now, leaves it out.
    assert admin.get("/api/v1/cases", params={"org": comm, "overdue": 1}).json()["items"] == []
    # Staff of another community cannot see this one's trend.
    outsider = s.make_user(admin, "tr-outsider", "org_staff", s.org_id("340102001001"))
    assert outsider.get(f"/api/v1/orgs/{comm}/casework/trend",
                        params={"from": iso(start), "to": iso(start + WEEK)}).status_code == 404


def test_month_buckets_follow_the_shanghai_calendar(fresh):
    admin = fresh.admin()
    comm = fresh.org_id("340104006006")
    # From 31 January (Shanghai): the next starts are clipped to each month's last day.
    r = admin.get(f"/api/v1/orgs/{comm}/casework/trend",
                  params={"from": "2026-01-31T00:00:00+08:00", "to": "2026-05-15T00:00:00+08:00"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["bucket"] == "month"
    assert [(x["from"], x["to"]) for x in body["buckets"]] == [
        ("2026-01-30T16:00:00Z", "2026-02-27T16:00:00Z"),
        ("2026-02-27T16:00:00Z", "2026-03-30T16:00:00Z"),
        ("2026-03-30T16:00:00Z", "2026-04-29T16:00:00Z"),
        ("2026-04-29T16:00:00Z", "2026-05-14T16:00:00Z"),
    ]
    assert all(x["due"] == 0 and x["closure_rate"] is None for x in body["buckets"])


def test_trend_refuses_bad_periods(fresh):
    admin = fresh.admin()
    comm = fresh.org_id("340104006006")
    url = f"/api/v1/orgs/{comm}/casework/trend"
    for params, field in (({"from": "2026-01-01", "to": "2026-02-01", "bucket": "day"}, "bucket"),
                          ({"from": "2000-01-01", "to": "2100-01-01", "bucket": "month"}, "to"),
                          ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
                          ({"to": "2026-01-01"}, "from")):
        r = admin.get(url, params=params)
        assert r.status_code == 400 and error_of(r)["field"] == field, (params, r.text)
    assert admin.get(url, params={"from": "2026-01-01", "to": "2036-01-01", "bucket": "month"}).status_code == 200
