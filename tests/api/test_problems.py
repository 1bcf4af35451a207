"""Rectification problems (问题清单 / 任务清单 / 责任清单): raised by an org about an org at
or below it, moved forward by the concerned org, closed (销号) or returned with a reason
only by the raiser or above it, 督办 and escalation of overdue problems with the test
clock, carry-over into the next year, and the figures against the rows."""
import datetime

import pytest

from conftest import PASSWORD, error_of

CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI = "3401", "340104", "340104006", "340104005", "340102"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()  # the server's day
YEAR = TODAY.year
FUTURE = f"{YEAR + 1}-06-30"


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI)}
    ids["street"] = server.make_user(admin, "prob-street", "org_staff", ids[LONGJU])
    ids["district"] = server.make_user(admin, "prob-district", "org_staff", ids[SHUSHAN])
    ids["sibling"] = server.make_user(admin, "prob-sibling", "org_staff", ids[YAOHAI])
    ids["resident"] = server.make_user(admin, "prob-resident", "resident", ids[LONGJU])
    return ids


def body(city, org=LONGJU, raised=SHUSHAN, **kw):
    return {"org_id": city[org], "raised_org_id": city[raised], "year": YEAR, "source": "open_inspection",
            "category": "三会一课", "severity": "ordinary", "description": "支部会议记录不全",
            "evidence": "抽查会议记录本", "measure": "补齐记录并建立月度检查", "deadline": FUTURE,
            "lead_name": "张书记", "unit_name": "龙街党工委", "person_name": "李委员", **kw}


def move(client, p, action, **kw):
    return client.post(f"/api/v1/problems/{p['id']}/moves", json={"action": action, "version": p["version"], **kw})


def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def count(client, **params):
    return ok(client.get("/api/v1/problems", params=params))["total"]


def test_bad_input_names_the_field_and_changes_nothing(server, admin, city):
    d = city["district"]
    before = count(admin)
    for field in ("org_id", "raised_org_id", "year", "source", "severity", "description", "measure", "deadline"):
        b = body(city)
        del b[field]
        refused(d.post("/api/v1/problems", json=b), 400, "validation_failed", field)
    refused(d.post("/api/v1/problems", json=body(city, source="rumour")), 400, "validation_failed", "source")
    refused(d.post("/api/v1/problems", json=body(city, severity="huge")), 400, "validation_failed", "severity")
    refused(d.post("/api/v1/problems", json=body(city, deadline="2026-02-30")), 400, "validation_failed", "deadline")
    refused(d.post("/api/v1/problems", json=body(city, x=1)), 400, "validation_failed", "x")
    # Carried-over problems only come from the carry-over.
    refused(d.post("/api/v1/problems", json=body(city, source="carried_over")), 400, "validation_failed", "source")
    # A raiser speaks of its own subtree only; a street cannot raise for its district.
    refused(d.post("/api/v1/problems", json=body(city, org=YAOHAI)), 400, "validation_failed", "org_id")
    refused(city["street"].post("/api/v1/problems", json=body(city)), 404, "not_found", "raised_org_id")
    refused(d.get("/api/v1/problems", params={"state": "done"}), 400, "validation_failed", "state")
    refused(d.get("/api/v1/problems", params={"source": "rumour"}), 400, "validation_failed", "source")
    refused(d.get("/api/v1/problem-figures"), 400, "validation_failed", "org")
    assert count(admin) == before


def test_from_raised_to_closed_with_a_return(server, admin, city):
    d, s = city["district"], city["street"]
    p = ok(d.post("/api/v1/problems", json=body(city)), 201)
    assert (p["state"], p["source"], p["overdue"]) == ("pending", "open_inspection", False)
    # The street starts the work (a grant covers its subtree: the district may act for it too).
    assert p["can"]["moves"] == ["start"]
    assert ok(s.get(f"/api/v1/problems/{p['id']}"))["can"]["moves"] == ["start"]
    # The raiser may not do the concerned org's moves, the concerned org not the raiser's.
    refused(move(d, p, "close"), 409, "invalid_transition", "action")
    p = ok(move(s, p, "start"))
    assert p["state"] == "fixing"
    p = ok(move(s, p, "apply"))
    assert p["state"] == "applied"
    refused(move(s, p, "close"), 403, "forbidden", "action")  # never the org that fixed it
    refused(move(s, p, "return", reason="自己退回"), 403, "forbidden", "action")
    assert ok(s.get(f"/api/v1/problems/{p['id']}"))["can"]["moves"] == []
    assert sorted(ok(d.get(f"/api/v1/problems/{p['id']}"))["can"]["moves"]) == ["close", "return"]
    refused(move(d, p, "return"), 400, "validation_failed", "reason")
    refused(move(d, {**p, "version": p["version"] - 1}, "close"), 409, "version_conflict", "version")
    p = ok(move(d, p, "return", reason="记录仍缺第三季度"))
    assert (p["state"], p["return_reason"]) == ("fixing", "记录仍缺第三季度")
    p = ok(move(s, p, "apply"))
    # Above the raiser may close as well (the city's admin here).
    p = ok(move(admin, p, "close"))
    assert p["state"] == "closed" and p["closed_at"]
    assert [h["action"] for h in p["history"]] == ["raise", "start", "apply", "return", "apply", "close"]
    assert p["history"][3]["reason"] == "记录仍缺第三季度"
    refused(move(d, p, "return", reason="再看"), 409, "invalid_transition", "action")


def test_scope_hides_problems_from_siblings_and_residents(server, admin, city):
    d = city["district"]
    p = ok(d.post("/api/v1/problems", json=body(city, description="范围测试")), 201)
    refused(city["sibling"].get(f"/api/v1/problems/{p['id']}"), 404, "not_found", None)
    refused(city["sibling"].post(f"/api/v1/problems/{p['id']}/moves", json={"action": "start", "version": 1}),
            404, "not_found", None)
    assert p["id"] not in [x["id"] for x in ok(city["sibling"].get("/api/v1/problems"))["items"]]
    assert city["resident"].get("/api/v1/problems").status_code == 403
    assert p["id"] in [x["id"] for x in ok(city["street"].get("/api/v1/problems"))["items"]]


def test_a_problem_the_street_raised_about_itself_is_closed_above_it(server, admin, city):
    s, d = city["street"], city["district"]
    p = ok(s.post("/api/v1/problems", json=body(city, raised=LONGJU, source="daily_inspection")), 201)
    p = ok(move(s, ok(move(s, p, "start")), "apply"))
    refused(move(s, p, "close"), 403, "forbidden", "action")
    p = ok(move(d, p, "close"))
    assert p["state"] == "closed"


def test_figures_equal_counts_from_rows(server, admin, city):
    d = city["district"]
    past = f"{YEAR}-01-01" if TODAY > datetime.date(YEAR, 1, 1) else f"{YEAR - 1}-12-31"
    # A repeated category at Nangang, an overdue one.
    for i in range(2):
        ok(d.post("/api/v1/problems", json=body(city, org=NANGANG, category="发展党员", description=f"重复{i}")), 201)
    ok(d.post("/api/v1/problems", json=body(city, org=NANGANG, category="阵地建设", deadline=past)), 201)
    f = ok(d.get("/api/v1/problem-figures", params={"org": city[SHUSHAN], "year": YEAR}))
    rows = ok(admin.get("/api/v1/problems", params={"org": city[SHUSHAN], "year": YEAR, "limit": 200}))["items"]
    assert f["problems"] == len(rows) > 0
    assert f["closed"] == sum(r["state"] == "closed" for r in rows) > 0
    assert f["open"] == sum(r["state"] != "closed" for r in rows)
    assert f["overdue"] == sum(r["overdue"] for r in rows) >= 1
    assert f["overdue"] == count(admin, org=city[SHUSHAN], year=YEAR, overdue=1)
    assert f["closure_rate"] == pytest.approx(f["closed"] / f["problems"])
    pairs = [(r["org_id"], r["category"]) for r in rows if r["category"]]
    assert f["repeated"] == sum(pairs.count(p) > 1 for p in pairs) >= 2
    kids = {k["org_id"]: k for k in f["children"]}
    assert kids[city[NANGANG]]["problems"] == sum(r["org_id"] == city[NANGANG] for r in rows) == 3
    assert kids[city[NANGANG]]["repeated"] == 2


def test_carry_over_once_keeps_a_link(server, admin, city):
    d = city["district"]
    last = YEAR - 1
    old = ok(d.post("/api/v1/problems", json=body(city, year=last, description="上年遗留")), 201)
    done = ok(d.post("/api/v1/problems", json=body(city, year=last, description="上年已销号")), 201)
    s = city["street"]
    done = ok(move(d, ok(move(s, ok(move(s, done, "start")), "apply")), "close"))
    refused(s.post("/api/v1/problem-carry-over", json={"org_id": city[SHUSHAN], "year": last}), 404, "not_found",
            "org_id")
    r = ok(d.post("/api/v1/problem-carry-over", json={"org_id": city[SHUSHAN], "year": last}))
    assert (r["carried"], r["year"]) == (1, YEAR)
    assert ok(d.post("/api/v1/problem-carry-over", json={"org_id": city[SHUSHAN], "year": last}))["carried"] == 0
    carried = ok(d.get("/api/v1/problems", params={"source": "carried_over", "year": YEAR}))["items"]
    assert [c["carried_from_id"] for c in carried] == [old["id"]]
    c = ok(d.get(f"/api/v1/problems/{carried[0]['id']}"))
    assert (c["description"], c["state"], c["year"]) == ("上年遗留", "pending", YEAR)
    assert c["history"][0]["action"] == "carry_over"


def inspection(client, city, **kw):
    b = {"org_id": city[SHUSHAN], "type": "open", "title": "明查党群服务中心", "held_on": TODAY.isoformat(),
         "team_names": ["督查组甲"], "nodes": [city[LONGJU], city[NANGANG]], "items": ["制度上墙", "台账齐全"], **kw}
    return client.post("/api/v1/inspections", json=b)


def test_inspection_bad_input_names_the_field(server, admin, city):
    d = city["district"]
    before = ok(admin.get("/api/v1/inspections"))["total"]
    refused(inspection(d, city, type="secret"), 400, "validation_failed", "type")
    refused(inspection(d, city, nodes=[]), 400, "validation_failed", "nodes")
    refused(inspection(d, city, nodes=["x"]), 400, "validation_failed", "nodes")
    refused(inspection(d, city, nodes=[city[YAOHAI]]), 400, "validation_failed", "nodes")  # not below the inspector
    refused(inspection(d, city, items=[]), 400, "validation_failed", "items")
    refused(inspection(d, city, team_user_ids=[10**12]), 400, "validation_failed", "team_user_ids")
    refused(inspection(d, city, held_on="2026-13-01"), 400, "validation_failed", "held_on")
    refused(inspection(city["street"], city), 404, "not_found", "org_id")
    assert ok(admin.get("/api/v1/inspections"))["total"] == before


def test_a_failed_item_becomes_a_problem_once(server, admin, city):
    d, s = city["district"], city["street"]
    x = ok(inspection(d, city), 201)
    assert len(x["items"]) == 4 and x["can"] == {"record": True, "publish": True}
    assert ok(s.get(f"/api/v1/inspections/{x['id']}"))["can"] == {"record": False, "publish": False}
    first = x["items"][0]
    finding = {"severity": "minor", "measure": "制度上墙", "deadline": FUTURE}
    refused(s.post(f"/api/v1/inspection-items/{first['id']}/result", json={"result": "fail"}), 403, "forbidden", None)
    refused(d.post(f"/api/v1/inspection-items/{first['id']}/result", json={"result": "bad"}), 400,
            "validation_failed", "result")
    refused(d.post(f"/api/v1/inspection-items/{first['id']}/problem", json=finding), 409, "invalid_transition", None)
    x = ok(d.post(f"/api/v1/inspection-items/{first['id']}/result", json={"result": "pass"}))
    refused(d.post(f"/api/v1/inspection-items/{first['id']}/problem", json=finding), 409, "invalid_transition", None)
    x = ok(d.post(f"/api/v1/inspection-items/{first['id']}/result", json={"result": "fail", "note": "制度未上墙"}))
    refused(d.post(f"/api/v1/inspection-items/{first['id']}/problem", json={**finding, "deadline": None}), 400,
            "validation_failed", "deadline")
    p = ok(d.post(f"/api/v1/inspection-items/{first['id']}/problem", json=finding), 201)
    assert (p["source"], p["org_id"], p["raised_org_id"], p["inspection_id"], p["category"], p["description"]) == (
        "open_inspection", city[LONGJU], city[SHUSHAN], x["id"], "制度上墙", "制度未上墙")
    refused(d.post(f"/api/v1/inspection-items/{first['id']}/problem", json=finding), 409, "invalid_transition", None)
    x = ok(d.get(f"/api/v1/inspections/{x['id']}"))
    assert x["items"][0]["problem_id"] == p["id"] and x["failed"] == 1 and x["unrecorded"] == 3
    # An open inspection is seen by the inspected street at once, its problem too.
    assert ok(s.get(f"/api/v1/problems/{p['id']}"))["can"]["moves"] == ["start"]
    x = ok(d.post(f"/api/v1/inspections/{x['id']}/publish", json={"version": x["version"]}))
    refused(d.post(f"/api/v1/inspections/{x['id']}/publish", json={"version": x["version"]}), 409,
            "invalid_transition", None)
    assert [i["id"] for i in ok(s.get("/api/v1/inspections", params={"type": "open"}))["items"]] == [x["id"]]


def tick(server):
    ok(server.admin().post("/api/v1/_test/tick"))


def test_overdue_is_supervised_then_escalated_with_the_clock(server, admin, city):
    """Last in the module: it moves the server's clock."""
    d = city["district"]
    three_days_ago = (TODAY - datetime.timedelta(days=3)).isoformat()
    p = ok(d.post("/api/v1/problems", json=body(city, deadline=three_days_ago, description="逾期督办")), 201)
    fresh = ok(d.post("/api/v1/problems", json=body(city, description="未到期")), 201)
    # Yaohai gives its problems 30 days before escalating (the norm problem.escalate_days).
    ok(admin.post("/api/v1/norms", json={"org_id": city[YAOHAI], "key": "problem.escalate_days", "year_from": 2020,
                                         "value": 30}), 201)
    yaohai_staff = city["sibling"]
    slow = ok(yaohai_staff.post("/api/v1/problems", json=body(city, org=YAOHAI, raised=YAOHAI, deadline=three_days_ago,
                                                             description="姚海逾期")), 201)
    tick(server)
    p = ok(d.get(f"/api/v1/problems/{p['id']}"))
    assert (p["overdue"], p["supervise_level"], p["supervise_org_id"]) == (True, 1, city[SHUSHAN])
    assert ok(d.get(f"/api/v1/problems/{fresh['id']}"))["supervise_level"] == 0
    assert p["id"] in [x["id"] for x in ok(d.get("/api/v1/problems", params={"supervised": 1}))["items"]]
    # The inbox: the concerned street's and the supervising district's, not a sibling district's.
    for client, has in ((city["street"], True), (d, True), (city["sibling"], False)):
        box = ok(client.get("/api/v1/inbox"))["problems"]
        assert (p["id"] in [x["id"] for x in box["items"]]) is has
        assert box["count"] >= len(box["items"])
    assert fresh["id"] not in [x["id"] for x in ok(city["street"].get("/api/v1/inbox"))["problems"]["items"]]
    tick(server)  # once per level
    assert [h["action"] for h in ok(d.get(f"/api/v1/problems/{p['id']}"))["history"]] == ["raise", "supervise"]
    ok(server.admin().post("/api/v1/_test/clock", json={"advance_seconds": 5 * 86400}))
    tick(server)
    d = server.client()
    d.login("prob-district", PASSWORD)
    p = ok(d.get(f"/api/v1/problems/{p['id']}"))
    assert (p["supervise_level"], p["supervise_org_id"]) == (2, city[CITY])
    assert [h["action"] for h in p["history"]] == ["raise", "supervise", "escalate"]
    slow = ok(server.admin().get(f"/api/v1/problems/{slow['id']}"))
    assert (slow["supervise_level"], slow["supervise_org_id"]) == (1, city[YAOHAI])  # 8 days overdue: not 30
