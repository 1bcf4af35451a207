"""The case loop: report → accept → dispatch → claim → handle → verify → close → rate,
each step only for those allowed, version-checked, and logged."""
import json
import re
import threading
import time
from datetime import datetime

import pytest

import backend
from conftest import PASSWORD, error_of

LNG, LAT, D = 117.25, 31.85, 0.01


@pytest.fixture(scope="module")
def place(server, admin):
    comm = server.org_id("340104006006")
    grid = admin.post("/api/v1/orgs", json={"parent_id": comm, "level": "grid", "name": "案件网格"}).json()["id"]
    sq = [[LNG, LAT], [LNG + D, LAT], [LNG + D, LAT + D], [LNG, LAT + D], [LNG, LAT]]
    assert admin.request("PUT", f"/api/v1/orgs/{grid}/geometry",
                         json={"type": "Polygon", "coordinates": [sq]}).status_code == 200
    people = {
        "worker": server.make_user(admin, "case-worker", "grid_worker", grid),
        "worker2": server.make_user(admin, "case-worker-2", "grid_worker", grid),
        "staff": server.make_user(admin, "case-staff", "org_staff", comm),
        "resident": server.make_user(admin, "case-resident", "resident", comm),
        "neighbour": server.make_user(admin, "case-neighbour", "resident", comm),
        "outsider": server.make_user(admin, "case-outsider", "org_staff", server.org_id("340102001001")),
    }
    return {"comm": comm, "grid": grid, **people}


def act(client, case, action, expect=200, **extra):
    r = client.post(f"/api/v1/cases/{case['id']}/actions", json={"action": action, "version": case["version"], **extra})
    assert r.status_code == expect, (action, r.text)
    return r.json() if expect == 200 else r


def report(client, **extra):
    body = {"category": "sanitation", "title": "垃圾满溢", "description": "3 栋门口垃圾桶满了",
            "lat": LAT + D / 2, "lng": LNG + D / 2, **extra}
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_full_loop(server, place):
    c = report(place["resident"])
    assert c["state"] == "reported" and c["org_id"] == place["grid"] and c["outside_grid"] is False
    assert c["tracking_code"].startswith("C") and c["overdue"] is False
    # The resident cannot accept their own report; the grid's staff can.
    act(place["resident"], c, "accept", expect=403)
    c = act(place["staff"], c, "accept")
    c = act(place["staff"], c, "dispatch", org_id=place["grid"])
    # Only the handler side claims: the outsider cannot even see the case.
    act(place["outsider"], c, "claim", expect=404)
    c = act(place["worker"], c, "claim")
    c = act(place["worker"], c, "handle", note="已清运")
    # Whoever handled it cannot verify it; the reporter can send it back.
    r = act(place["worker"], c, "verify", expect=403)
    assert error_of(r)["code"] == "verifier_is_handler"
    c = act(place["resident"], c, "return", note="还有残留")
    assert c["state"] == "handling" and c["returns"] == 1
    c = act(place["worker"], c, "handle", note="已彻底清理")
    c = act(place["worker2"], c, "verify")
    act(place["resident"], c, "close", expect=403)
    c = act(place["staff"], c, "close")
    act(place["neighbour"], c, "rate", expect=404)  # not theirs: not even visible
    act(place["staff"], c, "rate", expect=403, rating="满意")
    c = act(place["resident"], c, "rate", rating="基本满意", note="挺快的")
    assert c["state"] == "rated" and c["rating"] == "基本满意" and c["closed_at"]
    actions = [e["action"] for e in c["events"]]
    assert actions == ["report", "accept", "dispatch", "claim", "handle", "return", "handle", "verify", "close", "rate"]
    assert all(e["actor_name"] for e in c["events"])


def test_report_answer_is_the_case_as_read_back(server, admin, place):
    """The answer to a report is built from what the writer knew, not read back:
    it must be the very text GET /cases/{id} gives, for each kind of report."""
    bodies = [
        (place["resident"], {"lat": LAT + D / 3, "lng": LNG + D / 7}),   # in the grid, resident
        (place["staff"], {"source": "hotline", "org_id": place["comm"]}),  # at the community, outside any grid
        (place["staff"], {"lat": LAT + 0.5, "lng": LNG + 0.5, "org_id": place["comm"]}),  # a point in no grid
        (admin, {"category": "municipal", "org_id": place["grid"], "title": "路灯\"不亮\" \\ <b>"}),
        (admin, {"org_id": place["grid"], "description": "第一行\n第二行\t\u2028 / 完"}),
    ]
    ids = []
    for client, extra in bodies:
        body = {"category": "sanitation", "title": "井盖松动", "description": "单元门口", **extra}
        r = client.post("/api/v1/cases", json=body)
        assert r.status_code == 201, r.text
        g = client.get(f"/api/v1/cases/{r.json()['id']}")
        assert g.status_code == 200 and r.text == g.text, (r.text, g.text)
        ids.append(r.json())
    # The audit row's summary is also written as text: the compact, key-sorted JSON.
    con = backend.connect(server.db)
    try:
        for c in ids:
            (summary,) = con.execute("SELECT summary FROM audit_log WHERE action = 'case.reported' AND entity_id = ?",
                                     (c["id"],)).fetchall()[0]
            want = {"category": c["category"], "source": c["source"], "tracking_code": c["tracking_code"]}
            assert summary == json.dumps(want, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    finally:
        con.close()


def test_a_refused_point_answers_the_points_own_message(place):
    """Whatever refuses a coordinate (its declaration, or a point given half), the answer
    names it with the point's own message, not a generic one."""
    en = {"Accept-Language": "en"}
    body = {"category": "sanitation", "title": "x", "description": "y", "org_id": place["comm"]}
    for extra, field in (({"lat": 95, "lng": LNG}, "lat"), ({"lat": None, "lng": LNG}, "lat"),
                         ({"lat": LAT, "lng": "x"}, "lng"), ({"lat": LAT}, "lng"), ({"lng": LNG}, "lat")):
        r = place["resident"].post("/api/v1/cases", json={**body, **extra}, headers=en)
        err = error_of(r)
        assert r.status_code == 400 and (err["code"], err["field"]) == ("validation_failed", field), (extra, r.text)
        assert err["message"] == "give both lat (-90 to 90) and lng (-180 to 180)", (extra, err)


def test_reports_after_an_org_is_renamed_or_moved(server, admin, place):
    """The writer keeps org names and paths between reports: a rename or a move is seen
    by the very next report (its answer, its audit row, its figures' ancestors)."""
    grid = admin.post("/api/v1/orgs", json={"parent_id": place["comm"], "level": "grid", "name": "改名前"}).json()
    body = {"category": "sanitation", "title": "改名测试", "description": "d", "org_id": grid["id"]}
    first = admin.post("/api/v1/cases", json=body)
    assert first.status_code == 201 and first.json()["org_name"] == "改名前"
    r = admin.patch(f"/api/v1/orgs/{grid['id']}", json={"name": "改名后", "version": grid["version"]})
    assert r.status_code == 200, r.text
    second = admin.post("/api/v1/cases", json=body)
    assert second.status_code == 201 and second.json()["org_name"] == "改名后"
    assert admin.get(f"/api/v1/cases/{second.json()['id']}").text == second.text
    other = server.org_id("340104006005")
    r = admin.patch(f"/api/v1/orgs/{grid['id']}", json={"parent_id": other})
    assert r.status_code == 200, r.text
    third = admin.post("/api/v1/cases", json=body)
    assert third.status_code == 201, third.text
    con = backend.connect(server.db)
    try:
        path = con.execute("SELECT path FROM org WHERE id = ?", (grid["id"],)).fetchone()[0]
        assert path.startswith(con.execute("SELECT path FROM org WHERE id = ?", (other,)).fetchone()[0])
        logged = con.execute("SELECT org_path FROM audit_log WHERE entity = 'case' AND entity_id = ?",
                             (third.json()["id"],)).fetchall()
        assert logged == [(path,)]
        # The new case counts under its new community, not the old one.
        day = con.execute("SELECT MAX(day) FROM case_day WHERE org_id = ? AND reported > 0",
                          (grid["id"],)).fetchone()[0]
        reported = {org: n for org, n in con.execute(
            "SELECT org_id, reported FROM case_day WHERE day = ? AND org_id IN (?, ?)", (day, other, place["comm"]))}
    finally:
        con.close()
    assert reported.get(other, 0) >= 3  # the two earlier reports moved with the grid, and this one


def test_a_repeated_report_with_the_same_key_is_answered_the_same(admin, place):
    """A report retried with its Idempotency-Key gets the first answer again (the writer
    keeps the whole answer), and no second case."""
    body = {"category": "sanitation", "title": "重试的上报", "description": "网络断了又重发",
            "lat": LAT + D / 5, "lng": LNG + D / 9}
    key = {"Idempotency-Key": "case-retry-1"}
    first = place["staff"].post("/api/v1/cases", json=body, headers=key)
    again = place["staff"].post("/api/v1/cases", json=body, headers=key)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    got = place["staff"].get(f"/api/v1/cases/{first.json()['id']}")
    assert got.json() == first.json()
    listed = admin.get("/api/v1/cases", params={"org": place["comm"], "limit": 200}).json()["items"]
    assert [c["id"] for c in listed if c["title"] == "重试的上报"] == [first.json()["id"]]


def test_refusals(server, place):
    c = report(place["worker"])
    r = act(place["staff"], c, "close", expect=409)
    assert error_of(r)["code"] == "invalid_transition"
    r = act(place["staff"], c, "reject", expect=400)
    assert error_of(r)["field"] == "note"
    r = act(place["staff"], c, "fly", expect=400)
    assert error_of(r)["field"] == "action"
    stale = dict(c)
    c = act(place["staff"], c, "reject", note="重复上报")
    r = act(place["staff"], stale, "accept", expect=409)
    assert error_of(r)["code"] == "invalid_transition"  # the case has moved on
    for action in ("accept", "dispatch", "claim", "handle", "verify", "return", "close", "rate"):
        act(place["staff"], c, action, expect=409)


def test_two_people_at_once_one_wins(server, place):
    c = report(place["resident"])
    results = []

    def go(client):
        r = client.post(f"/api/v1/cases/{c['id']}/actions", json={"action": "accept", "version": c["version"]})
        results.append(r.status_code)

    threads = [threading.Thread(target=go, args=(place[k],)) for k in ("staff", "worker", "worker2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409]
    got = place["staff"].get(f"/api/v1/cases/{c['id']}").json()
    assert [e["action"] for e in got["events"]] == ["report", "accept"]


def test_location_and_visibility(server, place):
    outside = report(place["resident"], lat=LAT + 5 * D, lng=LNG + 5 * D, org_id=place["comm"])
    assert outside["org_id"] == place["comm"] and outside["outside_grid"] is True
    r = place["resident"].post("/api/v1/cases", json={"category": "sanitation", "title": "x", "description": "y",
                                                      "lat": LAT + 5 * D, "lng": LNG + 5 * D})
    assert r.status_code == 400 and error_of(r)["field"] == "org_id"
    r = place["resident"].post("/api/v1/cases", json={"category": "nope", "title": "x", "description": "y",
                                                      "org_id": place["comm"]})
    assert r.status_code == 400 and error_of(r)["field"] == "category"
    r = place["resident"].post("/api/v1/cases", json={"category": "sanitation", "title": "x", "description": "y",
                                                      "lat": 95, "lng": LNG})
    assert r.status_code == 400 and error_of(r)["field"] == "lat"
    mine = place["resident"].get("/api/v1/cases", params={"mine": 1}).json()["items"]
    assert outside["id"] in [x["id"] for x in mine]
    assert place["neighbour"].get(f"/api/v1/cases/{outside['id']}").status_code == 404
    assert place["outsider"].get(f"/api/v1/cases/{outside['id']}").status_code == 404
    listed = place["staff"].get("/api/v1/cases", params={"org": place["comm"], "state": "reported"}).json()["items"]
    assert outside["id"] in [x["id"] for x in listed]
    assert outside["id"] not in [x["id"] for x in place["outsider"].get("/api/v1/cases").json()["items"]]
    cats = {c["code"] for c in place["resident"].get("/api/v1/case-categories").json()["items"]}
    assert {"sanitation", "municipal", "safety", "dispute", "livelihood", "custom_help", "other"} <= cats


def test_deadlines_make_cases_overdue(server, admin, place):
    c = report(place["resident"])
    assert c["stage_deadline_at"] and c["overdue"] is False
    r = admin.post("/api/v1/_test/clock", json={"advance_seconds": 5 * 3600})  # sanitation: 4 h to accept
    assert r.status_code == 200
    # The overdue case is escalated (its version moves) by the writer's 5-second timer or by
    # this tick, whichever runs first; after it the case stays as read below.
    tick(server)
    staff = server.client()  # five hours on, every earlier session has expired
    staff.login("case-staff", PASSWORD)
    got = staff.get(f"/api/v1/cases/{c['id']}").json()
    assert got["overdue"] is True
    overdue = staff.get("/api/v1/cases", params={"org": place["comm"], "overdue": 1}).json()["items"]
    assert c["id"] in [x["id"] for x in overdue]
    got = act(staff, got, "accept")
    assert got["overdue"] is False


def tick(server):
    admin = server.admin()
    r = admin.post("/api/v1/_test/tick")
    assert r.status_code == 200, r.text
    return r.json()["escalated"]


def test_escalation_once_and_across_restart(server, place):
    street, district = server.org_id("340104006"), server.org_id("340104")
    street_staff = server.make_user(server.admin(), "case-street", "org_staff", street)
    resident = server.client()  # earlier tests moved the clock past every older session
    resident.login("case-resident", PASSWORD)
    c = report(resident, category="safety")  # 2 h to accept
    tick(server)
    admin = server.admin()
    admin.post("/api/v1/_test/clock", json={"advance_seconds": 3 * 3600})
    # The writer's own 5-second timer may escalate before the tick does: whichever runs
    # first, the case's log below must show exactly one escalation.
    tick(server)
    tick(server)  # the same deadline never escalates twice (checked on the case's log below)
    staff = server.client()
    staff.login("case-street", PASSWORD)
    got = staff.get(f"/api/v1/cases/{c['id']}").json()
    assert [e["action"] for e in got["events"]].count("escalate_street") == 1
    inbox = staff.get("/api/v1/inbox").json()
    assert c["id"] in [x["id"] for x in inbox["escalated"]["items"]]
    # Restart: still once.
    server.stop()
    server.start()
    tick(server)
    got = server.admin().get(f"/api/v1/cases/{c['id']}").json()
    assert [e["action"] for e in got["events"]].count("escalate_street") == 1
    # Another stage limit later it reaches the district, once. (A restart resets the
    # test clock's offset, so move it from the real time again.)
    server.admin().post("/api/v1/_test/clock", json={"advance_seconds": 24 * 3600})
    tick(server)
    tick(server)
    admin = server.admin()
    got = admin.get(f"/api/v1/cases/{c['id']}").json()
    acts = [e["action"] for e in got["events"]]
    assert acts.count("escalate_street") == 1 and acts.count("escalate_district") == 1
    con_rows = admin.get("/api/v1/audit", params={"action": "case.escalated", "entity_id": c["id"]}).json()["items"]
    assert len(con_rows) == 2
    del street_staff, district


def test_inbox(server, place):
    worker = server.client()
    worker.login("case-worker", PASSWORD)
    resident = server.client()
    resident.login("case-resident", PASSWORD)
    staff = server.client()
    staff.login("case-staff", PASSWORD)
    c = report(resident)
    assert c["id"] in [x["id"] for x in staff.get("/api/v1/inbox").json()["to_accept"]["items"]]
    c = act(staff, c, "accept")
    c = act(staff, c, "dispatch", org_id=place["grid"])
    box = worker.get("/api/v1/inbox").json()
    assert c["id"] in [x["id"] for x in box["dispatched"]["items"]] and box["total"] >= 1
    c = act(worker, c, "claim")
    c = act(worker, c, "handle")
    assert c["id"] in [x["id"] for x in resident.get("/api/v1/inbox").json()["to_verify"]["items"]]
    assert c["id"] not in [x["id"] for x in worker.get("/api/v1/inbox").json()["to_verify"]["items"]]
    assert resident.get("/api/v1/inbox").json()["to_accept"]["count"] == 0


def test_inbox_dispatched_to_whom_and_a_total_that_counts_each_case_once(server):
    """A street's inbox lists what is dispatched to the street, not a grid's case below
    it; a community's lists its grids'; a case in two parts counts once in the total."""
    admin = server.admin()  # a session of its own: earlier tests move the clock on
    street_id, comm_id = server.org_id("340102001"), server.org_id("340102001001")
    grid = server.square_grid(admin, comm_id, "待办网格", LNG + 0.3, LAT, D)
    street = server.make_user(admin, "inbox-street", "org_staff", street_id)
    comm = server.make_user(admin, "inbox-comm", "org_staff", comm_id)
    spot = {"lat": LAT + D / 2, "lng": LNG + 0.3 + D / 2}
    to_grid = act(comm, act(comm, report(comm, **spot), "accept"), "dispatch", org_id=grid)
    to_street = act(street, act(street, report(comm, **spot), "accept"), "dispatch", org_id=street_id)
    r = street.post(f"/api/v1/cases/{to_street['id']}/supervise", json={"deadline": "2099-01-01", "version": to_street["version"]})
    assert r.status_code == 200, r.text

    def ids(box, part):
        assert box[part]["count"] == len(box[part]["items"])  # every case of the part is on the page
        return {x["id"] for x in box[part]["items"]}

    parts = ("to_accept", "dispatched", "overdue", "escalated", "supervised", "to_verify", "to_rate")
    box = street.get("/api/v1/inbox").json()
    assert ids(box, "dispatched") == {to_street["id"]}
    assert to_street["id"] in ids(box, "supervised")
    waiting = set().union(*(ids(box, p) for p in parts))
    assert box["total"] == len(waiting) < sum(box[p]["count"] for p in parts)
    box = comm.get("/api/v1/inbox").json()
    assert ids(box, "dispatched") == {to_grid["id"]}
    assert box["total"] == len(set().union(*(ids(box, p) for p in parts)))


def test_the_log_names_people(server, place):
    """Each event carries its actor's user name and their name as the account shows it,
    in the report's own answer and when read back."""
    admin = server.admin()
    r = admin.post("/api/v1/users", json={"username": "log-namer", "display_name": "龙居记录员", "password": PASSWORD,
                                          "org_id": place["comm"], "role": "org_staff"})
    assert r.status_code == 201, r.text
    me = server.client()
    me.login("log-namer", PASSWORD)
    c = report(me)
    assert [(e["actor_name"], e["actor_display_name"]) for e in c["events"]] == [("log-namer", "龙居记录员")]
    c = act(me, c, "accept")
    got = me.get(f"/api/v1/cases/{c['id']}").json()
    assert [(e["action"], e["actor_display_name"]) for e in got["events"]] == [("report", "龙居记录员"),
                                                                               ("accept", "龙居记录员")]


def test_whistle_by_hand(server, place):
    """吹哨 now, with a reason: up to the next level the caller does not run, logged,
    audited as by hand, in that level's inbox; refused when nothing is left above."""
    admin = server.admin()
    street_id, district_id = server.org_id("340104006"), server.org_id("340104")
    street = server.make_user(admin, "whistle-street", "org_staff", street_id)
    district = server.make_user(admin, "whistle-district", "org_staff", district_id)
    staff, resident = server.client(), server.client()
    staff.login("case-staff", PASSWORD)
    resident.login("case-resident", PASSWORD)
    c = report(resident)
    url = f"/api/v1/cases/{c['id']}/escalate"
    for body, field in [({"version": c["version"]}, "reason"), ({"reason": "太短", "version": c["version"]}, "reason"),
                        ({"reason": "反映多次未解决"}, "version")]:
        r = staff.post(url, json=body)
        assert r.status_code == 400 and error_of(r)["field"] == field, r.text
    r = staff.post(url, json={"reason": "反映多次未解决", "version": c["version"] + 1})
    assert r.status_code == 409 and error_of(r)["code"] == "version_conflict"
    assert resident.post(url, json={"reason": "反映多次未解决", "version": c["version"]}).status_code == 403
    other = server.client()
    other.login("case-outsider", PASSWORD)
    assert other.post(url, json={"reason": "反映多次未解决", "version": c["version"]}).status_code == 404
    assert staff.get(f"/api/v1/cases/{c['id']}").json()["escalation_level"] == 0  # nothing moved
    # The community's staff: to the street, then to the district.
    c = staff.post(url, json={"reason": "反映多次未解决", "version": c["version"]}).json()
    assert c["escalation_level"] == 1
    assert (c["events"][-1]["action"], c["events"][-1]["note"]) == ("escalate_street", "反映多次未解决")
    assert c["id"] in [x["id"] for x in street.get("/api/v1/inbox").json()["escalated"]["items"]]
    row = admin.get("/api/v1/audit", params={"action": "case.escalated", "entity_id": c["id"]}).json()["items"][0]
    assert row["summary"]["by_hand"] is True and "反映" not in str(row["summary"])
    c = staff.post(url, json={"reason": "街道未响应", "version": c["version"]}).json()
    assert c["escalation_level"] == 2
    assert c["id"] in [x["id"] for x in district.get("/api/v1/inbox").json()["escalated"]["items"]]
    assert c["id"] not in [x["id"] for x in street.get("/api/v1/inbox").json()["escalated"]["items"]]
    r = staff.post(url, json={"reason": "再次上报", "version": c["version"]})
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_transition" and "field" not in error_of(r)
    # A street's own staff skip their own level: straight to the district.
    d = street.post(f"/api/v1/cases/{report(resident)['id']}/escalate", json={"reason": "需要区里协调", "version": 1})
    assert d.status_code == 200 and d.json()["escalation_level"] == 2, d.text
    assert d.json()["id"] in [x["id"] for x in district.get("/api/v1/inbox").json()["escalated"]["items"]]


def test_indicators_on_known_cases(server):
    """A fresh server, five cases with known fates, and the rates they must give."""
    from conftest import Server
    s = Server()
    try:
        admin = s.admin()
        comm = s.org_id("340104006006")
        staff = s.make_user(admin, "ind-staff", "org_staff", comm)
        res = s.make_user(admin, "ind-res", "resident", comm)
        worker = s.make_user(admin, "ind-worker", "grid_worker", comm)

        def new():
            r = res.post("/api/v1/cases", json={"category": "sanitation", "title": "t", "description": "d",
                                                "org_id": comm})
            assert r.status_code == 201
            return r.json()

        def to_handled(c):
            c = act(staff, c, "accept")
            c = act(staff, c, "dispatch", org_id=comm)
            c = act(worker, c, "claim")
            return act(worker, c, "handle")

        a, b, d, e, f = new(), new(), new(), new(), new()
        for c, rating in ((a, "满意"), (b, "不满意")):
            c = to_handled(c)
            c = act(res, c, "verify")
            c = act(staff, c, "close")
            act(res, c, "rate", rating=rating)
        d = to_handled(d)
        d = act(res, d, "return")        # reworked, then handled again and closed
        d = act(worker, d, "handle")
        d = act(res, d, "verify")
        act(staff, d, "close")
        to_handled(e)                    # handled, not yet verified
        act(staff, f, "reject", note="不属于本社区")  # rejected: not counted
        r = admin.get(f"/api/v1/orgs/{comm}/casework", params={"from": "2000-01-01", "to": "2100-01-01"})
        assert r.status_code == 200, r.text
        k = r.json()
        assert (k["due"], k["closed"], k["handled"], k["reworked"], k["rated"], k["satisfied"]) == (4, 3, 4, 1, 2, 1)
        assert k["closure_rate"] == 0.75 and k["on_time_closure_rate"] == 0.75
        assert k["rework_rate"] == 0.25 and k["satisfaction_rate"] == 0.5
        assert set(k["avg_seconds_in_state"]) >= {"reported", "accepted", "dispatched", "handling", "handled"}
        assert admin.get(f"/api/v1/orgs/{comm}/casework", params={"from": "2100-01-01",
                                                                  "to": "2000-01-01"}).status_code == 400
        assert admin.get(f"/api/v1/orgs/{comm}/casework").status_code == 400
    finally:
        assert s.close() == 0


def test_duplicate_hints_and_merge(server, place):
    resident = server.client()
    resident.login("case-resident", PASSWORD)
    staff = server.client()
    staff.login("case-staff", PASSWORD)
    lat, lng = LAT + D / 3, LNG + D / 3
    first = report(resident, lat=lat, lng=lng, category="municipal", title="路灯不亮")
    near = resident.get("/api/v1/cases/nearby", params={"category": "municipal", "lat": lat + 0.0002, "lng": lng})
    assert near.status_code == 200
    hits = near.json()["items"]
    assert [h["id"] for h in hits] == [first["id"]] and 15 <= hits[0]["distance_m"] <= 30
    far = resident.get("/api/v1/cases/nearby", params={"category": "municipal", "lat": lat + 0.001, "lng": lng})
    assert far.json()["items"] == []  # about 110 m away
    other_kind = resident.get("/api/v1/cases/nearby", params={"category": "sanitation", "lat": lat, "lng": lng})
    assert first["id"] not in [h["id"] for h in other_kind.json()["items"]]
    assert resident.get("/api/v1/cases/nearby", params={"category": "municipal", "lat": "x", "lng": lng}).status_code == 400
    second = report(resident, lat=lat + 0.0001, lng=lng, category="municipal", title="路灯坏了")
    dups = staff.get(f"/api/v1/cases/{second['id']}/duplicates").json()["items"]
    assert [d["id"] for d in dups] == [first["id"]]
    r = act(staff, second, "merge", expect=400)
    assert error_of(r)["field"] == "into"
    merged = act(staff, second, "merge", into=first["id"])
    assert merged["state"] == "rejected" and merged["merged_into"] == first["id"]
    outsider = server.client()
    outsider.login("case-outsider", PASSWORD)
    assert outsider.get("/api/v1/cases/nearby", params={"category": "municipal", "lat": lat,
                                                        "lng": lng}).json()["items"] == []


def test_residents_get_brief_hints_only(server, place):
    resident = server.client()
    resident.login("case-neighbour", PASSWORD)
    hits = resident.get("/api/v1/cases/nearby", params={"category": "municipal", "lat": LAT + D / 3,
                                                        "lng": LNG + D / 3}).json()["items"]
    assert hits and all(set(h) <= {"id", "tracking_code", "category", "category_name", "title", "state",
                                   "created_at", "distance_m"} for h in hits)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_photos(server, place):
    resident = server.client()
    resident.login("case-resident", PASSWORD)
    c = report(resident)
    r = resident.post(f"/api/v1/cases/{c['id']}/photos", data=PNG, headers={"Content-Type": "image/png"})
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["mime"] == "image/png" and photo["size"] == len(PNG)
    got = resident.get(f"/api/v1/cases/{c['id']}/photos/{photo['id']}")
    assert got.status_code == 200 and got.content == PNG and got.headers["Content-Type"] == "image/png"
    assert resident.get(f"/api/v1/cases/{c['id']}").json()["photos"] == 1
    listed = resident.get(f"/api/v1/cases/{c['id']}/photos").json()
    assert listed == {"items": [photo], "next": None}
    # The type comes from the bytes, whatever the header says.
    r = resident.post(f"/api/v1/cases/{c['id']}/photos", data=b"<svg onload=alert(1)>", headers={"Content-Type": "image/png"})
    assert r.status_code == 415
    r = resident.post(f"/api/v1/cases/{c['id']}/photos", data=b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024),
                      headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 413
    for who in ("case-neighbour", "case-outsider"):
        other = server.client()
        other.login(who, PASSWORD)
        assert other.get(f"/api/v1/cases/{c['id']}/photos/{photo['id']}").status_code == 404
        assert other.get(f"/api/v1/cases/{c['id']}/photos").status_code == 404
        assert other.post(f"/api/v1/cases/{c['id']}/photos", data=PNG).status_code == 404


def test_supervision(server, place):
    admin = server.admin()
    street = server.client()
    street.login("case-street", PASSWORD)
    staff = server.client()
    staff.login("case-staff", PASSWORD)
    resident = server.client()
    resident.login("case-resident", PASSWORD)
    c = report(resident)
    r = staff.post(f"/api/v1/cases/{c['id']}/supervise", json={"deadline": "2099-01-01T00:00:00Z", "version": c["version"]})
    assert r.status_code == 403  # a community cannot supervise itself
    r = street.post(f"/api/v1/cases/{c['id']}/supervise", json={"deadline": "2000-01-01", "version": c["version"]})
    assert r.status_code == 400 and error_of(r)["field"] == "deadline"
    r = street.post(f"/api/v1/cases/{c['id']}/supervise",
                    json={"deadline": "2099-01-01T00:00:00Z", "version": c["version"], "note": "限期办结"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["supervised_org_id"] == server.org_id("340104006") and s["supervise_deadline_at"].startswith("2099")
    assert c["id"] in [x["id"] for x in street.get("/api/v1/inbox").json()["supervised"]["items"]]
    assert "supervise" in [e["action"] for e in s["events"]]
    # The case ends, and its 督办 with it; the log keeps that it was supervised.
    s = act(staff, s, "reject", note="不属于受理范围")
    assert s["state"] == "rejected" and s["supervised_org_id"] is None and s["supervise_deadline_at"] is None
    assert "supervise" in [e["action"] for e in s["events"]]
    del admin


def test_dispatch_elsewhere_and_resident_list(server, place):
    admin = server.admin()
    sibling = admin.post("/api/v1/orgs", json={"parent_id": server.org_id("340102001001"), "level": "grid",
                                               "name": "兄弟网格"}).json()["id"]
    server.make_user(admin, "sibling-worker", "grid_worker", sibling)
    resident = server.client()
    resident.login("case-resident", PASSWORD)
    staff = server.client()
    staff.login("case-staff", PASSWORD)
    other = server.client()
    other.login("sibling-worker", PASSWORD)
    c = report(resident)
    assert other.get(f"/api/v1/cases/{c['id']}").status_code == 404
    # Only someone who sees both places can send a case across districts: here the admin.
    r = staff.post(f"/api/v1/cases/{c['id']}/actions", json={"action": "accept", "version": c["version"]})
    c = r.json()
    r = staff.post(f"/api/v1/cases/{c['id']}/actions", json={"action": "dispatch", "version": c["version"],
                                                             "org_id": sibling})
    assert r.status_code == 404 and error_of(r)["field"] == "org_id"
    c = act(admin, c, "dispatch", org_id=sibling)
    # Dispatched to a grid elsewhere: its worker sees the case and works it.
    assert other.get(f"/api/v1/cases/{c['id']}").status_code == 200
    c = act(other, c, "claim")
    c = act(other, c, "handle")
    assert all("at" in e and "at_at" not in e for e in c["events"])
    # A resident's list is their own reports.
    mine = resident.get("/api/v1/cases").json()["items"]
    assert mine and all(x["reporter_id"] == resident.get("/api/v1/auth/me").json()["user"]["id"] for x in mine)
    # Merging into a finished case is refused; a resident cannot pretend to be a grid worker.
    d = report(resident, source="grid_worker")
    assert d["source"] == "resident"
    rejected = act(staff, report(resident), "reject", note="无效")
    r = act(staff, d, "merge", expect=409, into=rejected["id"])
    assert error_of(r)["field"] == "into"
    r = resident.get("/api/v1/cases", params={"overdue": "maybe"})
    assert r.status_code == 400 and error_of(r)["field"] == "overdue"


def test_admin_supervises_as_the_city_and_inbox_counts_everything(server, place):
    admin = server.admin()
    resident = server.client()
    resident.login("case-resident", PASSWORD)
    c = report(resident)
    r = admin.post(f"/api/v1/cases/{c['id']}/supervise", json={"deadline": "2099-01-01", "version": c["version"]})
    assert r.status_code == 200 and r.json()["supervised_org_id"] == 1
    for _ in range(21):
        report(resident)
    staff = server.client()
    staff.login("case-staff", PASSWORD)
    box = staff.get("/api/v1/inbox").json()
    assert box["to_accept"]["count"] >= 22 and len(box["to_accept"]["items"]) == 20
    assert box["total"] >= box["to_accept"]["count"]


def test_anonymous_report_with_tracking_code():
    from conftest import Server
    s = Server(extra_args=["--public-rate", "3"])
    try:
        admin = s.admin()
        comm = s.org_id("340104006006")
        grid = admin.post("/api/v1/orgs", json={"parent_id": comm, "level": "grid", "name": "匿名网格"}).json()["id"]
        ring = [[LNG, LAT], [LNG + D, LAT], [LNG + D, LAT + D], [LNG, LAT + D], [LNG, LAT]]
        admin.request("PUT", f"/api/v1/orgs/{grid}/geometry", json={"type": "Polygon", "coordinates": [ring]})
        anon = s.client()
        body = {"category": "safety", "title": "井盖缺失", "description": "路口井盖不见了", "lat": LAT + D / 2,
                "lng": LNG + D / 2}
        started = time.time()  # the limit counts in one-minute windows of this same clock
        r = anon.post("/api/v1/public/cases", json=body)
        assert r.status_code == 201, r.text
        got = r.json()
        assert set(got) == {"tracking_code", "category", "title", "contact_phone", "state", "created_at", "updated_at",
                            "photo_token", "photo_until"}
        code = got["tracking_code"]
        assert re.fullmatch(r"C[0-9A-HJKMNP-TV-Z]{10}", code), code  # two led by time, eight random
        follow = anon.get("/api/v1/public/cases", params={"code": code})
        assert follow.status_code == 200 and follow.json()["state"] == "reported"
        # Read out over the phone: lower case, in groups, an O for a 0 and an l for a 1.
        heard = f"{code[:4]} {code[4:8]}-{code[8:]}".lower().replace("0", "o").replace("1", "l")
        follow = anon.get("/api/v1/public/cases", params={"code": heard})
        assert follow.status_code == 200 and follow.json()["tracking_code"] == code, heard
        assert anon.get("/api/v1/public/cases", params={"code": "C000000000000"}).status_code == 404
        # A case from before the codes were led by time keeps its thirteen-character code.
        con = backend.connect(s.db)
        con.execute("UPDATE casefile SET tracking_code = 'C0123456789AB' WHERE tracking_code = ?", (code,))
        con.commit()
        con.close()
        follow = anon.get("/api/v1/public/cases", params={"code": "C0123456789AB"})
        assert follow.status_code == 200 and follow.json()["title"] == body["title"]
        assert anon.get("/api/v1/public/cases", params={"code": code}).status_code == 404
        code = "C0123456789AB"
        r = anon.post("/api/v1/public/cases", json={**body, "lat": 10.0, "lng": 10.0})
        assert r.status_code == 400 and error_of(r)["field"] == "lat"
        # The fourth report this minute from the same address is refused.
        statuses = [anon.post("/api/v1/public/cases", json=body).status_code for _ in range(2)]
        if int(started) // 60 == int(time.time()) // 60:
            assert statuses == [201, 429]
        else:  # a new window began on the way: it may hold all three
            assert statuses in ([201, 429], [201, 201]), statuses
        staff = s.make_user(admin, "anon-staff", "org_staff", comm)
        listed = staff.get("/api/v1/cases", params={"org": comm}).json()["items"]
        assert code in [c["tracking_code"] for c in listed]
    finally:
        assert s.close() == 0


def test_custom_help_is_a_family_of_categories_in_the_case_loop(server, place):
    """定制帮: a resident's request for help is a case whose category is custom_help or one of its kinds (its
    sub-categories, schema 032), each with its own time limits, and runs the loop like any case: dispatched,
    handled, verified, closed, rated by the resident, in the resident's list and the family's."""
    clients = {}
    for name in ("case-resident", "case-staff", "case-worker", "case-worker-2"):
        clients[name] = server.client()
        clients[name].login(name, PASSWORD)
    resident, staff = clients["case-resident"], clients["case-staff"]
    cats = resident.get("/api/v1/case-categories").json()["items"]
    family = next(k for k in cats if k["code"] == "custom_help")
    kinds = {k["code"]: k for k in cats if k["parent_id"] == family["id"]}
    assert {k: v["name_zh"] for k, v in kinds.items()} == {
        "help_errand": "代购代办", "help_escort": "陪诊就医", "help_repair": "家电维修", "help_counsel": "心理疏导",
        "help_other": "其他帮办"}
    assert all(k["active"] for k in kinds.values())
    c = report(resident, category="help_escort", title="陪同到医院复诊", description="行动不便，下周二上午需人陪同")
    assert c["category"] == "help_escort" and c["category_name"] == "陪诊就医" and c["source"] == "resident"
    # Its own time limits: 陪诊就医 is accepted within 4 hours, and the whole case is due within their sum.
    esc = kinds["help_escort"]
    got = staff.get(f"/api/v1/cases/{c['id']}").json()

    def at(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    assert at(got["stage_deadline_at"]) - at(got["created_at"]) == esc["accept_hours"] * 3600
    assert at(got["close_due_at"]) - at(got["created_at"]) == 3600 * sum(
        esc[k] for k in ("accept_hours", "dispatch_hours", "claim_hours", "handle_hours", "verify_hours"))
    # Listed in the family: the list by category custom_help takes its kinds.
    listed = staff.get("/api/v1/cases", params={"org": place["comm"], "category": "custom_help"}).json()["items"]
    assert c["id"] in [x["id"] for x in listed]
    other = staff.get("/api/v1/cases", params={"org": place["comm"], "category": "sanitation"}).json()["items"]
    assert c["id"] not in [x["id"] for x in other]
    c = act(staff, got, "accept")
    c = act(staff, c, "dispatch", org_id=place["grid"])
    c = act(clients["case-worker"], c, "claim")
    c = act(clients["case-worker"], c, "handle", note="已安排志愿者陪同")
    c = act(clients["case-worker-2"], c, "verify")
    c = act(staff, c, "close")
    c = act(resident, c, "rate", rating="满意", note="很贴心")
    assert c["state"] == "rated" and c["rating"] == "满意"
    assert [e["action"] for e in c["events"]] == ["report", "accept", "dispatch", "claim", "handle", "verify", "close",
                                                 "rate"]
    mine = resident.get("/api/v1/cases", params={"mine": 1}).json()["items"]
    assert c["id"] in [x["id"] for x in mine]


def test_open311_groups_the_kinds_of_custom_help(server):
    """Open311's services put a sub-category in its family's group: 定制帮's kinds in custom_help (the public
    report page offers them under 定制帮 by it); a top-level category is its own group."""
    services = server.client().get("/open311/v2/services.json").json()
    group = {s["service_code"]: s["group"] for s in services}
    assert group["help_escort"] == group["help_other"] == group["custom_help"] == "custom_help"
    assert group["sanitation"] == "sanitation"
