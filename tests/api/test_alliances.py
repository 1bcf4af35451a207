"""区域化党建联盟 (regional party alliances): alliances, members, joint meetings, the needs / resources /
projects lists with claims both ways and completion; who may do what (party.write at the lead node), bad
input, the kept figures alliance.* (and `jiceng figures verify` after the writes), the list's filters and
export, and the demo's 232 alliances existing in the last year."""
import datetime

import pytest

from conftest import ok, refused, run_cli, xlsx_rows
from test_demo import demo_city

SHUSHAN, WULIDUN, TUANAN, QINGYANG, YAOHAI, MINGGUANG = (
    "340104", "340104006", "340104006001", "340104006002", "340102", "340102001")
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
YEAR = TODAY.year


def figures(client, org, year=None):
    params = {"prefix": "alliance."}
    if year:
        params["year"] = year
    rows = ok(client.get(f"/api/v1/orgs/{org}/year-figures", params=params))["figures"]
    return {(r["year"], r["figure"]): r["total"] for r in rows}


def verify(server):
    p = run_cli("figures", "verify", "--db", server.db, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (SHUSHAN, WULIDUN, TUANAN, QINGYANG, YAOHAI, MINGGUANG)}
    unit = lambda org, name: ok(admin.post("/api/v1/units", json={"org_id": ids[org], "name": name,
                                                                  "type": "enterprise"}), 201)["id"]
    ids["u1"] = unit(TUANAN, "合肥某电商产业园")
    ids["u2"] = unit(QINGYANG, "五里墩某物流公司")
    ids["u_far"] = unit(YAOHAI, "瑶海某商贸公司")
    party = lambda org, name: ok(admin.post("/api/v1/party-orgs", json={"org_id": ids[org], "kind": "党工委",
                                                                        "name": name}), 201)["id"]
    ids["street_party"] = party(WULIDUN, "五里墩街道党工委")
    ids["far_party"] = party(YAOHAI, "瑶海区某党委")
    ids["street"] = server.make_user(admin, "ally-street", "org_staff", ids[WULIDUN])
    ids["district"] = server.make_user(admin, "ally-district", "org_staff", ids[SHUSHAN])
    ids["sibling"] = server.make_user(admin, "ally-sibling", "org_staff", ids[YAOHAI])
    ids["grid"] = server.make_user(admin, "ally-grid", "grid_worker", ids[TUANAN])
    ids["auditor"] = server.make_user(admin, "ally-auditor", "auditor", ids[SHUSHAN])
    return ids


def alliance_body(city, **kw):
    return {"org_id": city[WULIDUN], "party_org_id": city["street_party"], "name": "五里墩街道区域化党建联盟",
            "kind": "territorial", "founded_on": "2019-04-01", "description": "街道牵头，驻区单位共建", **kw}


@pytest.fixture(scope="module")
def alliance(city):
    """An alliance with three members: the street's party committee (lead), two enterprises."""
    street = city["street"]
    a = ok(street.post("/api/v1/alliances", json=alliance_body(city)), 201)
    aid = a["id"]
    ok(street.post(f"/api/v1/alliances/{aid}/members", json={"party_org_id": city["street_party"], "role": "lead",
                                                              "joined_on": "2019-04-01"}), 201)
    ok(street.post(f"/api/v1/alliances/{aid}/members", json={"unit_id": city["u1"], "role": "rotating_chair",
                                                              "joined_on": "2019-04-01"}), 201)
    a = ok(street.post(f"/api/v1/alliances/{aid}/members", json={"member_org_id": city[QINGYANG], "role": "member",
                                                                  "joined_on": "2020-01-01"}), 201)
    members = {m["member_kind"]: m["id"] for m in a["members_list"]}
    return {"id": aid, "lead": members["party_org"], "unit": members["unit"], "community": members["org"]}


def test_create_validation_and_scope(server, admin, city):
    street, sibling, auditor, grid = city["street"], city["sibling"], city["auditor"], city["grid"]
    for field, value in (("name", ""), ("kind", "regional"), ("founded_on", "2019-13-01"),
                         ("founded_on", f"{YEAR + 1}-01-01"), ("org_id", 0)):
        refused(street.post("/api/v1/alliances", json=alliance_body(city, **{field: value})), 400,
                "validation_failed", field)
    body = alliance_body(city, name="临时联盟")
    del body["kind"]
    refused(street.post("/api/v1/alliances", json=body), 400, "validation_failed", "kind")
    refused(street.post("/api/v1/alliances", json=alliance_body(city, name="临时联盟", dissolved_on="2018-01-01")),
            400, "validation_failed", "dissolved_on")
    refused(street.post("/api/v1/alliances", json=alliance_body(city, name="临时联盟", party_org_id=city["far_party"])),
            400, "validation_failed", "party_org_id")
    # A node out of the caller's scope is not found; a reader without party.write is refused outright.
    refused(sibling.post("/api/v1/alliances", json=alliance_body(city, name="临时联盟")), 404, "not_found", "org_id")
    assert auditor.post("/api/v1/alliances", json=alliance_body(city, name="临时联盟")).status_code == 403
    assert grid.post("/api/v1/alliances", json=alliance_body(city, name="临时联盟")).status_code == 403
    # Nothing was written.
    assert ok(admin.get("/api/v1/alliances", params={"q": "临时联盟"}))["items"] == []


def test_members_rules(city, alliance):
    street, aid = city["street"], alliance["id"]
    url = f"/api/v1/alliances/{aid}/members"
    refused(street.post(url, json={"role": "member", "joined_on": "2020-01-01"}), 400, "validation_failed", "unit_id")
    refused(street.post(url, json={"unit_id": city["u2"], "party_org_id": city["street_party"], "role": "member",
                                   "joined_on": "2020-01-01"}), 400, "validation_failed", "unit_id")
    refused(street.post(url, json={"unit_id": city["u1"], "role": "member", "joined_on": "2020-01-01"}), 409,
            "conflict", "unit_id")
    refused(street.post(url, json={"unit_id": city["u2"], "role": "lead", "joined_on": "2020-01-01"}), 409,
            "conflict", "role")
    refused(street.post(url, json={"unit_id": city["u2"], "role": "member", "joined_on": "2018-01-01"}), 400,
            "validation_failed", "joined_on")
    refused(street.post(url, json={"unit_id": city["u_far"], "role": "member", "joined_on": "2020-01-01"}), 404,
            "not_found", "unit_id")
    refused(street.post(url, json={"unit_id": city["u2"], "role": "chair", "joined_on": "2020-01-01"}), 400,
            "validation_failed", "role")
    # Another street's staff do not see the alliance at all.
    refused(city["sibling"].post(url, json={"unit_id": city["u2"], "role": "member", "joined_on": "2020-01-01"}),
            404, "not_found", None)
    a = ok(street.get(f"/api/v1/alliances/{aid}"))
    assert [m["role"] for m in a["members_list"]] == ["lead", "rotating_chair", "member"]
    assert a["members_list"][1]["name"] == "合肥某电商产业园" and a["members"] == 3


def test_meeting_records_attendees(city, alliance):
    street, aid = city["street"], alliance["id"]
    url = f"/api/v1/alliances/{aid}/meetings"
    body = {"held_on": "2024-06-18", "topic": "需求清单与资源清单对接", "minutes": "确定三个共建项目",
            "attendee_ids": [alliance["lead"], alliance["unit"]]}
    refused(street.post(url, json={**body, "attendee_ids": [alliance["lead"], 999999]}), 400, "validation_failed",
            "attendee_ids")
    refused(street.post(url, json={**body, "held_on": "2019-01-01"}), 400, "validation_failed", "held_on")
    refused(street.post(url, json={**body, "topic": ""}), 400, "validation_failed", "topic")
    a = ok(street.post(url, json=body), 201)
    m = a["meetings_list"][0]
    assert (m["topic"], [x["member_id"] for x in m["attendees"]]) == ("需求清单与资源清单对接",
                                                                      [alliance["lead"], alliance["unit"]])
    assert a["meetings"] == 1


def item(a, title):
    return next(i for i in a["items_list"] if i["title"] == title)


def test_need_offer_accept_complete_and_refusals(server, city, alliance):
    street, district, aid = city["street"], city["district"], alliance["id"]
    items = f"/api/v1/alliances/{aid}/items"
    refused(street.post(items, json={"list": "need", "title": "老年食堂志愿者", "raised_by": 999999,
                                     "raised_on": "2024-03-01"}), 400, "validation_failed", "raised_by")
    refused(street.post(items, json={"list": "wish", "title": "老年食堂志愿者", "raised_by": alliance["community"],
                                     "raised_on": "2024-03-01"}), 400, "validation_failed", "list")
    a = ok(street.post(items, json={"list": "need", "title": "老年食堂志愿者", "raised_by": alliance["community"],
                                    "raised_on": "2024-03-01"}), 201)
    a = ok(street.post(items, json={"list": "resource", "title": "职工食堂向老人开放", "raised_by": alliance["unit"],
                                    "raised_on": "2024-03-05"}), 201)
    need, res = item(a, "老年食堂志愿者"), item(a, "职工食堂向老人开放")
    assert need["state"] == "open" and need["can"] == {"claim": True, "complete": False, "withdraw": True}
    claims = f"/api/v1/alliance-items/{need['id']}/claims"
    # The raiser cannot claim its own need; a non-member cannot; the resource offered must be the claimant's.
    refused(street.post(claims, json={"member_id": alliance["community"]}), 400, "validation_failed", "member_id")
    refused(street.post(claims, json={"member_id": 999999}), 400, "validation_failed", "member_id")
    refused(street.post(claims, json={"member_id": alliance["lead"], "resource_id": res["id"]}), 400,
            "validation_failed", "resource_id")
    # Completing an open need is a wrong state.
    refused(street.post(f"/api/v1/alliance-items/{need['id']}/complete",
                        json={"done_on": "2024-04-01", "note": "完成", "version": need["version"]}), 409,
            "invalid_transition", "state")
    # The enterprise offers its resource; the lead offers too; a second offer of the same member waits already.
    a = ok(street.post(claims, json={"member_id": alliance["unit"], "resource_id": res["id"], "note": "每周二、四开放",
                                     "offered_on": "2024-03-10"}), 201)
    refused(street.post(claims, json={"member_id": alliance["unit"]}), 409, "conflict", "member_id")
    a = ok(street.post(claims, json={"member_id": alliance["lead"], "offered_on": "2024-03-11"}), 201)
    offer, other = item(a, "老年食堂志愿者")["claims"]
    assert (offer["resource_title"], offer["state"], offer["can"]) == ("职工食堂向老人开放", "offered",
                                                                       {"accept": True, "decline": True})
    # Out of scope: not found; a reader: forbidden.
    refused(city["sibling"].post(f"/api/v1/alliance-claims/{offer['id']}/accept", json={"version": 1}), 404,
            "not_found", None)
    assert city["auditor"].post(f"/api/v1/alliance-claims/{offer['id']}/accept",
                                json={"version": 1}).status_code == 403
    refused(street.post(f"/api/v1/alliance-claims/{offer['id']}/accept", json={"version": 7}), 409,
            "version_conflict", "version")
    # The raiser (its staff at the lead node, or above) accepts the enterprise's offer: the other is declined.
    a = ok(district.post(f"/api/v1/alliance-claims/{offer['id']}/accept", json={"version": offer["version"]}))
    need = item(a, "老年食堂志愿者")
    assert (need["state"], need["taken_by"], [c["state"] for c in need["claims"]]) == (
        "taken", alliance["unit"], ["accepted", "declined"])
    refused(street.post(f"/api/v1/alliance-claims/{other['id']}/accept", json={"version": 2}), 409,
            "invalid_transition", "state")
    refused(street.post(f"/api/v1/alliance-items/{need['id']}/claims", json={"member_id": alliance["lead"]}), 409,
            "invalid_transition", "state")
    done = f"/api/v1/alliance-items/{need['id']}/complete"
    refused(street.post(done, json={"done_on": "2024-02-01", "note": "完成", "version": need["version"]}), 400,
            "validation_failed", "done_on")
    refused(street.post(done, json={"done_on": "2024-05-01", "version": need["version"]}), 400,
            "validation_failed", "note")
    a = ok(street.post(done, json={"done_on": "2024-05-01", "note": "每周两天向辖区老人开放", "version": need["version"]}))
    need = item(a, "老年食堂志愿者")
    assert (need["state"], need["done_on"], need["can"]["complete"]) == ("done", "2024-05-01", False)
    refused(street.post(done, json={"done_on": "2024-05-01", "note": "again", "version": need["version"]}), 409,
            "invalid_transition", "state")
    # A need done is no project: projects_done does not move.
    assert figures(street, city[WULIDUN]).get((2024, "alliance.projects_done"), 0) == 0
    verify(server)


def test_resource_request_and_project_taken_on_count_when_done(server, city, alliance):
    street, aid = city["street"], alliance["id"]
    items = f"/api/v1/alliances/{aid}/items"
    a = ok(street.post(items, json={"list": "resource", "title": "会议室与培训场地", "raised_by": alliance["lead"],
                                    "raised_on": "2024-01-10"}), 201)
    res = item(a, "会议室与培训场地")
    # The other way: a member asks for a resource; the provider declines, then accepts another member's request.
    a = ok(street.post(f"/api/v1/alliance-items/{res['id']}/claims", json={"member_id": alliance["unit"]}), 201)
    c = item(a, "会议室与培训场地")["claims"][0]
    a = ok(street.post(f"/api/v1/alliance-claims/{c['id']}/decline", json={"version": c["version"]}))
    assert item(a, "会议室与培训场地")["claims"][0]["state"] == "declined"
    refused(street.post(f"/api/v1/alliance-claims/{c['id']}/decline", json={"version": c["version"] + 1}), 409,
            "invalid_transition", "state")
    a = ok(street.post(f"/api/v1/alliance-items/{res['id']}/claims", json={"member_id": alliance["community"]}), 201)
    c = item(a, "会议室与培训场地")["claims"][1]
    a = ok(street.post(f"/api/v1/alliance-claims/{c['id']}/accept", json={"version": c["version"]}))
    assert item(a, "会议室与培训场地")["taken_by"] == alliance["community"]
    # A project taken on by a member and done in 2024: alliance.projects_done of 2024 at the lead node and above.
    before_city = figures(city["district"], city[SHUSHAN]).get((2024, "alliance.projects_done"), 0)
    a = ok(street.post(items, json={"list": "project", "title": "共建红色物业示范小区", "raised_by": alliance["lead"],
                                    "raised_on": "2024-02-01"}), 201)
    p = item(a, "共建红色物业示范小区")
    a = ok(street.post(f"/api/v1/alliance-items/{p['id']}/claims", json={"member_id": alliance["unit"]}), 201)
    c = item(a, "共建红色物业示范小区")["claims"][0]
    a = ok(street.post(f"/api/v1/alliance-claims/{c['id']}/accept", json={"version": c["version"]}))
    p = item(a, "共建红色物业示范小区")
    assert figures(street, city[WULIDUN]).get((2024, "alliance.projects_done"), 0) == 0
    ok(street.post(f"/api/v1/alliance-items/{p['id']}/complete",
                   json={"done_on": "2024-11-30", "note": "示范小区挂牌", "version": p["version"]}))
    assert figures(street, city[WULIDUN])[(2024, "alliance.projects_done")] == 1
    assert figures(city["district"], city[SHUSHAN])[(2024, "alliance.projects_done")] == before_city + 1
    # An open item withdrawn: its waiting offers are declined, and it takes no more.
    a = ok(street.post(items, json={"list": "need", "title": "青少年暑期托管场地", "raised_by": alliance["community"],
                                    "raised_on": "2024-06-01"}), 201)
    n = item(a, "青少年暑期托管场地")
    a = ok(street.post(f"/api/v1/alliance-items/{n['id']}/claims", json={"member_id": alliance["unit"]}), 201)
    n = item(a, "青少年暑期托管场地")
    a = ok(street.post(f"/api/v1/alliance-items/{n['id']}/withdraw", json={"version": n["version"]}))
    n = item(a, "青少年暑期托管场地")
    assert (n["state"], n["claims"][0]["state"]) == ("withdrawn", "declined")
    refused(street.post(f"/api/v1/alliance-items/{n['id']}/withdraw", json={"version": n["version"]}), 409,
            "invalid_transition", "state")
    verify(server)


def test_figures_dissolution_and_list_filters(server, admin, city):
    street, district = city["street"], city["district"]
    base = figures(district, city[SHUSHAN])
    a = ok(district.post("/api/v1/alliances", json={"org_id": city[SHUSHAN], "name": "蜀山物流行业党建联盟",
                                                    "kind": "industrial", "founded_on": "2016-09-01"}), 201)
    b = ok(street.post("/api/v1/alliances", json=alliance_body(city, name="五里墩商圈党建联盟",
                                                                founded_on="2016-03-01", party_org_id=None)), 201)
    f = figures(district, city[SHUSHAN])
    assert f[(2016, "alliance.founded")] == base.get((2016, "alliance.founded"), 0) + 2
    assert f[(2016, "alliance.founded.industrial")] == base.get((2016, "alliance.founded.industrial"), 0) + 1
    assert f[(2016, "alliance.founded.territorial")] == base.get((2016, "alliance.founded.territorial"), 0) + 1
    # The street's own figure: only its own alliance (the district's sits at the district node).
    assert figures(street, city[WULIDUN])[(2016, "alliance.founded")] == 1
    # Dissolved in 2021: existing at the end of 2020, not of 2021.
    upd = {"name": "五里墩商圈党建联盟", "kind": "territorial", "founded_on": "2016-03-01", "dissolved_on": "2021-06-30",
           "version": b["version"]}
    refused(street.request("PUT", f"/api/v1/alliances/{b['id']}", json={**upd, "dissolved_on": "2015-01-01"}), 400,
            "validation_failed", "dissolved_on")
    refused(street.request("PUT", f"/api/v1/alliances/{b['id']}", json={**upd, "name": "五里墩街道区域化党建联盟"}), 409,
            "conflict", "name")
    b = ok(street.request("PUT", f"/api/v1/alliances/{b['id']}", json=upd))
    assert b["dissolved_on"] == "2021-06-30" and b["can"]["add"] is False
    f = figures(district, city[SHUSHAN])
    assert f[(2021, "alliance.dissolved")] == base.get((2021, "alliance.dissolved"), 0) + 1
    assert f[(2021, "alliance.dissolved.territorial")] == base.get((2021, "alliance.dissolved.territorial"), 0) + 1
    refused(street.post(f"/api/v1/alliances/{b['id']}/items", json={"list": "need", "title": "x", "raised_by": 1,
                                                                      "raised_on": "2021-01-01"}), 400,
            "validation_failed", "raised_by")
    refused(street.post(f"/api/v1/alliances/{b['id']}/members", json={"unit_id": city["u2"], "role": "member",
                                                                        "joined_on": "2020-01-01"}), 409,
            "invalid_transition", None)
    # A change of the founding year moves the count between years.
    a = ok(district.request("PUT", f"/api/v1/alliances/{a['id']}", json={"name": "蜀山物流行业党建联盟", "kind": "industrial",
                                                               "founded_on": "2017-02-01", "version": a["version"]}))
    f = figures(district, city[SHUSHAN])
    assert f.get((2016, "alliance.founded.industrial"), 0) == base.get((2016, "alliance.founded.industrial"), 0)
    assert f[(2017, "alliance.founded.industrial")] == base.get((2017, "alliance.founded.industrial"), 0) + 1
    verify(server)
    # The list: org subtree, kind, active_in (existing at the end of the year).
    names = lambda c, **p: sorted(x["name"] for x in ok(c.get("/api/v1/alliances", params=p))["items"])
    assert "五里墩商圈党建联盟" in names(street, active_in=2020)
    assert "五里墩商圈党建联盟" not in names(street, active_in=2021)
    assert "五里墩商圈党建联盟" not in names(street, active_in=2015)
    assert names(district, org=city[SHUSHAN], kind="industrial") == ["蜀山物流行业党建联盟"]
    assert "蜀山物流行业党建联盟" not in names(street)  # the district's alliance is above the street's scope
    refused(street.get("/api/v1/alliances", params={"org": city[YAOHAI]}), 404, "not_found", "org")
    refused(street.get("/api/v1/alliances", params={"kind": "x"}), 400, "validation_failed", "kind")
    refused(street.get("/api/v1/alliances", params={"active_in": "20x"}), 400, "validation_failed", "active_in")
    assert city["sibling"].get(f"/api/v1/alliances/{b['id']}").status_code == 404
    assert city["auditor"].get(f"/api/v1/alliances/{b['id']}").status_code == 200
    r = district.get("/api/v1/alliances/export", params={"org": city[SHUSHAN], "kind": "industrial"})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][:4] == ["编号", "联盟名称", "类型", "牵头单位"]
    assert [row[1:4] for row in rows[1:]] == [["蜀山物流行业党建联盟", "行业型", "蜀山区"]]


def test_demo_has_232_alliances_in_the_last_year():
    from conftest import Server
    s = Server(db=demo_city(3000, 5))
    try:
        admin = s.admin()
        f = figures(admin, 1)
        last = max(y for y, _ in f)
        assert last == YEAR - 1
        founded = sum(v for (y, k), v in f.items() if k == "alliance.founded")
        dissolved = sum(v for (y, k), v in f.items() if k == "alliance.dissolved")
        assert founded - dissolved == 232
        assert min(y for (y, k) in f if k == "alliance.founded") == 2013 and f[(2013, "alliance.founded")] == 1
        assert sum(v for (y, k), v in f.items() if k == "alliance.projects_done") > 0
        page = ok(admin.get("/api/v1/alliances", params={"org": 1, "active_in": last, "limit": 1}))
        assert page["total"] == 232
        first = ok(admin.get("/api/v1/alliances", params={"sort": "founded_on", "limit": 1}))["items"][0]
        assert (first["founded_on"][:4], first["org_name"]) == ("2013", "滨湖世纪社区")
        ds = ok(admin.get("/api/v1/alliances", params={"q": "蜀山电商产业党建联盟"}))["items"]
        assert [(x["org_name"], x["kind"]) for x in ds] == [("蜀山区", "industrial")]
        one = ok(admin.get(f"/api/v1/alliances/{ds[0]['id']}"))
        assert one["members_list"] and one["meetings_list"] and one["items_list"]
        verify(s)
    finally:
        assert s.close() == 0
