"""双报到: an in-service member reports to a residence community (pending → reported →
returned/cancelled) by themself or through staff, at most one active report per member
under concurrent requests, service records (own entries unverified, overlaps refused,
only verified hours counted), quarterly service cards that reach only the employer's
party organisation, and who may do what at each step."""
import concurrent.futures
import datetime

import pytest

from conftest import PASSWORD, error_of

LONGJU, NANGANG, YAOHAI = "340104006", "340104005", "340102"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
YEAR, QUARTER = TODAY.year, (TODAY.month - 1) // 3 + 1
DAY = TODAY.isoformat()


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def created(r):
    assert r.status_code == 201, r.text
    return r.json()


def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def member(admin, org, party_org, unit, name, id17, in_service=True):
    p = created(admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": id_with_check(id17)}))
    created(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": party_org, "status": "正式",
                                                      "joined_on": "2010-07-01", "in_service": in_service,
                                                      "employer_unit_id": unit}))
    return p["id"]


def account(server, admin, username, role, org, person=None):
    c = server.make_user(admin, username, role, org)
    if person:
        r = admin.patch(f"/api/v1/users/{c.user_id}", json={"person_id": person})
        assert r.status_code == 200, r.text
        c.login(username, PASSWORD)
    return c


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (LONGJU, NANGANG, YAOHAI)}
    community = created(admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "community",
                                                         "name": "报到社区"}))["id"]
    other_community = created(admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "community",
                                                               "name": "邻近社区"}))["id"]
    grid = created(admin.post("/api/v1/orgs", json={"parent_id": community, "level": "grid", "name": "一网格"}))["id"]
    employer_node = created(admin.post("/api/v1/orgs", json={"parent_id": ids[NANGANG], "level": "community",
                                                             "name": "单位所在社区"}))["id"]
    elsewhere = created(admin.post("/api/v1/orgs", json={"parent_id": ids[NANGANG], "level": "community",
                                                         "name": "别处社区"}))["id"]
    unit = created(admin.post("/api/v1/units", json={"org_id": employer_node, "name": "市测试局", "type": "agency"}))["id"]
    employer_po = created(admin.post("/api/v1/party-orgs", json={"org_id": employer_node, "unit_id": unit,
                                                                 "kind": "党支部", "name": "市测试局机关党支部"}))["id"]
    other_po = created(admin.post("/api/v1/party-orgs", json={"org_id": elsewhere, "kind": "党支部",
                                                              "name": "别处党支部"}))["id"]
    ids.update(community=community, other_community=other_community, grid=grid, employer_node=employer_node,
               unit=unit, employer_po=employer_po, other_party_org=other_po)
    ids["p1"] = member(admin, community, employer_po, unit, "报到党员甲", "34010419800101761")
    ids["p2"] = member(admin, community, employer_po, unit, "报到党员乙", "34010419800101762")
    ids["retired"] = member(admin, community, employer_po, None, "退休党员", "34010419500101763", in_service=False)
    ids["member"] = account(server, admin, "sr-member", "party_member", community, ids["p1"])
    ids["retired_user"] = account(server, admin, "sr-retired", "party_member", community, ids["retired"])
    ids["resident"] = account(server, admin, "sr-resident", "resident", community)
    ids["staff"] = account(server, admin, "sr-community", "org_staff", community)
    ids["sibling"] = account(server, admin, "sr-sibling", "org_staff", other_community)
    ids["employer"] = account(server, admin, "sr-employer", "org_staff", employer_node)
    ids["other_po"] = account(server, admin, "sr-otherpo", "org_staff", elsewhere)
    return ids


def report(client, city, **kw):
    body = {"org_id": city["community"], "employer_unit_id": city["unit"], "employer_party_org_id": city["employer_po"],
            "skills": "法律咨询", "preferred_grid_id": city["grid"], "preferred_team": "法律服务队", **kw}
    return client.post("/api/v1/member-reports", json=body)


def move(client, rep, action, **kw):
    return client.post(f"/api/v1/member-reports/{rep['id']}/moves",
                       json={"action": action, "version": rep["version"], **kw})


def registered(admin, person):
    r = admin.get(f"/api/v1/party-members/{person}")
    assert r.status_code == 200, r.text
    return r.json()["registered_org_id"]


def registered_here(admin, city):
    """The community's people figure: in-service members registered there (kept with the report)."""
    return admin.get(f"/api/v1/orgs/{city['community']}/stats").json()["people"].get("in_service_registered", 0)


def test_a_report_needs_an_in_service_member_and_a_community(server, admin, city):
    refused(report(city["resident"], city), 403, "forbidden", "person_id")
    refused(report(city["retired_user"], city), 400, "validation_failed", "person_id")
    refused(report(city["member"], city, org_id=city[LONGJU]), 400, "validation_failed", "org_id")
    refused(report(city["member"], city, preferred_grid_id=city["other_community"]), 400, "validation_failed",
            "preferred_grid_id")
    refused(report(city["member"], city, employer_party_org_id=10**12), 404, "not_found", "employer_party_org_id")
    refused(report(city["member"], city, org_id="x"), 400, "validation_failed", "org_id")
    # Staff act for a member only over the member's party organisation.
    refused(report(city["other_po"], city, person_id=city["p2"]), 404, "not_found", "person_id")
    assert admin.get("/api/v1/member-reports", params={"person_id": city["p1"]}).json()["total"] == 0


def test_the_member_reports_and_the_community_receives_then_the_member_leaves(server, admin, city):
    member, staff = city["member"], city["staff"]
    rep = created(report(member, city))
    assert (rep["state"], rep["org_id"], rep["person_id"], rep["preferred_grid_id"]) == \
        ("pending", city["community"], city["p1"], city["grid"])
    assert rep["can"]["moves"] == ["withdraw"]
    refused(report(member, city), 409, "conflict", "person_id")
    # Seen by the member, the community and the employer's side; no one else.
    for c in (member, staff, city["employer"], admin):
        assert c.get(f"/api/v1/member-reports/{rep['id']}").status_code == 200
    for c in (city["sibling"], city["other_po"], city["resident"]):
        assert c.get(f"/api/v1/member-reports/{rep['id']}").status_code == 404
        assert move(c, rep, "receive").status_code == 404
    assert staff.get(f"/api/v1/member-reports/{rep['id']}").json()["can"]["moves"] == ["receive", "decline"]
    # Whose move: the member does not receive; the community does not withdraw or leave.
    refused(move(member, rep, "receive"), 403, "forbidden", "action")
    refused(move(staff, rep, "withdraw"), 403, "forbidden", "action")
    refused(move(staff, rep, "leave", reason="x"), 409, "invalid_transition", "action")
    refused(move(staff, rep, "decline"), 400, "validation_failed", "reason")
    assert registered(admin, city["p1"]) is None
    r = move(staff, rep, "receive")
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["state"], got["received_by_name"]) == ("reported", "sr-community")
    assert [h["action"] for h in got["history"]] == ["report", "receive"]
    assert registered(admin, city["p1"]) == city["community"]
    assert registered_here(admin, city) == 1
    refused(move(staff, rep, "cancel", reason="x"), 409, "version_conflict", "version")
    refused(move(staff, got, "receive"), 409, "invalid_transition", "action")
    refused(move(member, got, "cancel", reason="迁出"), 403, "forbidden", "action")
    refused(report(member, city), 409, "conflict", "person_id")
    assert member.get(f"/api/v1/member-reports/{rep['id']}").json()["can"]["moves"] == ["leave"]
    # A record while reported, then the member goes back to their unit: no longer registered.
    left = move(member, got, "leave", reason="工作调动")
    assert left.status_code == 200 and left.json()["state"] == "returned", left.text
    assert left.json()["can"]["moves"] == []
    assert registered(admin, city["p1"]) is None
    assert registered_here(admin, city) == 0
    for a in ("receive", "decline", "withdraw", "leave", "cancel"):
        refused(move(staff, left.json(), a, reason="x"), 409, "invalid_transition", "action")


def test_withdraw_decline_and_cancel(server, admin, city):
    member, staff = city["member"], city["staff"]
    rep = created(report(member, city))
    assert move(member, rep, "withdraw").json()["state"] == "cancelled"
    rep = created(report(member, city))
    declined = move(staff, rep, "decline", reason="非本社区居民")
    assert (declined.json()["state"], declined.json()["reason"]) == ("returned", "非本社区居民")
    # Staff over the member's party organisation report for them.
    rep = created(report(city["employer"], city, person_id=city["p1"]))
    got = move(staff, rep, "receive").json()
    assert registered(admin, city["p1"]) == city["community"]
    assert move(staff, got, "cancel", reason="迁出").json()["state"] == "cancelled"
    assert registered(admin, city["p1"]) is None
    lst = staff.get("/api/v1/member-reports", params={"person_id": city["p1"], "sort": "-created_at"}).json()
    assert lst["total"] == 4 and lst["items"][0]["state"] == "cancelled"
    assert staff.get("/api/v1/member-reports", params={"person_id": city["p1"], "state": "returned"}).json()["total"] == 2
    assert city["sibling"].get("/api/v1/member-reports", params={"person_id": city["p1"]}).json()["total"] == 0


def test_one_active_report_per_member_under_concurrent_requests(server, admin, city):
    employer = city["employer"]
    clients = [server.make_user(admin, f"sr-conc-{i}", "org_staff", city["employer_node"]) for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(lambda c: report(c, city, person_id=city["p2"]), clients))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7, codes
    assert all(error_of(r)["code"] == "conflict" for r in answers if r.status_code == 409)
    lst = employer.get("/api/v1/member-reports", params={"person_id": city["p2"], "employer_party_org_id": city["employer_po"]}).json()
    assert (lst["total"], lst["items"][0]["state"]) == (1, "pending")


def reported_member(city):
    """p1 reported (and received) at the community: the report."""
    rep = created(report(city["member"], city))
    return move(city["staff"], rep, "receive").json()


def record(client, **kw):
    return client.post("/api/v1/service-records", json={"served_on": DAY, "start_min": 540, "end_min": 600,
                                                        "content": "政策宣讲", **kw})


def test_records_hours_and_the_card_to_the_employer(server, admin, city):
    member, staff, employer, other = city["member"], city["staff"], city["employer"], city["other_po"]
    refused(record(member), 409, "invalid_transition", "person_id")
    rep = reported_member(city)
    own = created(record(member))
    assert (own["verified"], own["source"], own["minutes"], own["org_id"]) == (False, "manual", 60, city["community"])
    refused(record(member, start_min=570, end_min=630), 409, "service_overlap", "start_min")
    refused(record(member, start_min=700, end_min=700), 400, "validation_failed", "end_min")
    refused(record(member, start_min=-1), 400, "validation_failed", "start_min")
    refused(record(city["sibling"], person_id=city["p1"], start_min=800, end_min=860), 404, "not_found", "person_id")
    # Unverified hours do not count.
    mine = member.get("/api/v1/my/service").json()
    assert (mine["report"]["id"], mine["status"]["activities"], mine["status"]["minutes"]) == (rep["id"], 0, 0)
    assert [r["id"] for r in mine["records"]] == [own["id"]]
    # The community enters one (verified at once) and verifies the member's own.
    entered = created(record(staff, person_id=city["p1"], start_min=600, end_min=690, content="巡逻"))
    assert entered["verified"] is True and entered["verified_by_name"] == "sr-community"
    assert member.post(f"/api/v1/service-records/{own['id']}/verify", json={"version": own["version"]}).status_code == 403
    assert city["sibling"].post(f"/api/v1/service-records/{own['id']}/verify",
                                json={"version": own["version"]}).status_code == 404
    v = staff.post(f"/api/v1/service-records/{own['id']}/verify", json={"version": own["version"]})
    assert v.status_code == 200 and v.json()["verified"] is True, v.text
    refused(staff.post(f"/api/v1/service-records/{own['id']}/verify", json={"version": v.json()["version"]}), 409,
            "invalid_transition", "version")
    rated = staff.post(f"/api/v1/service-records/{own['id']}/rating", json={"rating": 5, "version": v.json()["version"]})
    assert rated.status_code == 200 and rated.json()["rating"] == 5, rated.text
    refused(staff.post(f"/api/v1/service-records/{own['id']}/rating", json={"rating": 6, "version": 1}), 400,
            "validation_failed", "rating")
    status = member.get("/api/v1/my/service").json()["status"]
    assert (status["activities"], status["minutes"]) == (2, 150)
    lst = staff.get("/api/v1/service-records", params={"person_id": city["p1"], "verified": 1, "sort": "-minutes"})
    assert lst.status_code == 200, lst.text
    assert [r["minutes"] for r in lst.json()["items"]] == [90, 60] and lst.json()["total"] == 2
    assert staff.get("/api/v1/service-records", params={"org": city["other_community"]}).status_code == 404
    assert city["sibling"].get("/api/v1/service-records", params={"person_id": city["p1"]}).json()["total"] == 0
    x = staff.get("/api/v1/service-records/export", params={"person_id": city["p1"]})
    assert x.status_code == 200 and x.content[:2] == b"PK", x.text[:200]
    late = created(record(member, start_min=1000, end_min=1030, content="未核实"))
    # The card: the community's, addressed to the employer party organisation only.
    body = {"report_id": rep["id"], "year": YEAR, "quarter": QUARTER, "grade": "excellent", "comment": "表现突出"}
    refused(member.post("/api/v1/service-cards", json=body), 403, "forbidden", None)
    refused(employer.post("/api/v1/service-cards", json=body), 403, "forbidden", "report_id")
    refused(other.post("/api/v1/service-cards", json=body), 404, "not_found", "report_id")
    refused(staff.post("/api/v1/service-cards", json={**body, "grade": "great"}), 400, "validation_failed", "grade")
    refused(staff.post("/api/v1/service-cards", json={**body, "year": YEAR + 1, "quarter": 1}), 400,
            "validation_failed", "quarter")
    card = created(staff.post("/api/v1/service-cards", json=body))
    assert (card["activities"], card["minutes"], card["party_org_id"], card["grade"], card["acknowledged"]) == \
        (2, 150, city["employer_po"], "excellent", False)
    assert sorted((r["content"], r["verified"]) for r in card["records"]) == \
        [("巡逻", True), ("政策宣讲", True), ("未核实", False)]
    assert card["can"] == {"acknowledge": False}
    refused(staff.post("/api/v1/service-cards", json=body), 409, "conflict", "quarter")
    # Frozen: a later verification does not move the card.
    staff.post(f"/api/v1/service-records/{late['id']}/verify", json={"version": late["version"]})
    for c in (staff, employer, member, admin):
        got = c.get(f"/api/v1/service-cards/{card['id']}")
        assert got.status_code == 200 and got.json()["minutes"] == 150, got.text
    for c in (other, city["sibling"], city["resident"]):
        assert c.get(f"/api/v1/service-cards/{card['id']}").status_code == 404
        want = 403 if c is city["resident"] else 404  # a resident holds no party write anywhere
        assert c.post(f"/api/v1/service-cards/{card['id']}/acknowledge", json={"version": 1}).status_code == want
    r = other.get("/api/v1/service-cards", params={"party_org_id": city["employer_po"]})
    assert r.status_code == 200 and r.json()["total"] == 0, r.text
    r = other.get("/api/v1/service-cards", params={"party_org_id": city["other_party_org"]})
    assert r.status_code == 200 and r.json()["total"] == 0, r.text
    assert other.get("/api/v1/service-cards").json()["total"] == 0
    got = employer.get("/api/v1/service-cards", params={"party_org_id": city["employer_po"]}).json()
    assert [c["id"] for c in got["items"]] == [card["id"]] and got["total"] == 1
    got = employer.get("/api/v1/service-cards", params={"addressed": 1}).json()
    assert [c["id"] for c in got["items"]] == [card["id"]]
    assert other.get("/api/v1/service-cards", params={"addressed": 1}).json()["total"] == 0
    assert staff.get("/api/v1/service-cards", params={"addressed": 1}).json()["total"] == 0
    assert employer.get(f"/api/v1/service-cards/{card['id']}").json()["can"] == {"acknowledge": True}
    refused(staff.post(f"/api/v1/service-cards/{card['id']}/acknowledge", json={"version": card["version"]}), 403,
            "forbidden", None)
    ack = employer.post(f"/api/v1/service-cards/{card['id']}/acknowledge", json={"version": card["version"],
                                                                                  "note": "已阅，纳入年度考核"})
    assert ack.status_code == 200 and ack.json()["acknowledged"] is True, ack.text
    assert ack.json()["acknowledged_by_name"] == "sr-employer"
    refused(employer.post(f"/api/v1/service-cards/{card['id']}/acknowledge", json={"version": ack.json()["version"]}),
            409, "invalid_transition", "version")
    assert [c["id"] for c in member.get("/api/v1/my/service").json()["cards"]] == [card["id"]]
    x = staff.get("/api/v1/service-cards/export", params={"org": city["community"]})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    # The figures of the street: reported members, verified hours, cards sent and acknowledged.
    f = admin.get("/api/v1/service-report-figures", params={"org": city[LONGJU], "year": YEAR})
    assert f.status_code == 200, f.text
    fig = f.json()
    whole = fig.get("figures", fig)
    assert whole["members_active"] == 1
    assert whole["minutes_verified"] == 180 and whole["records_verified"] == 3
    assert (whole["cards_sent"], whole["cards_acknowledged"]) == (1, 1)
    assert city["other_po"].get("/api/v1/service-report-figures", params={"org": city[LONGJU]}).status_code == 404


def test_my_service_is_a_members_own(server, admin, city):
    refused(city["resident"].get("/api/v1/my/service"), 403, "forbidden", "person_id")
    refused(admin.get("/api/v1/my/service"), 403, "forbidden", "person_id")
    mine = city["retired_user"].get("/api/v1/my/service").json()
    assert (mine["member"]["in_service"], mine["report"], mine["reports"]) == (False, None, [])


def test_a_unit_reports_and_signs_the_years_agreement(server, admin, city):
    staff, employer, sibling = city["staff"], city["employer"], city["sibling"]
    body = {"unit_id": city["unit"], "party_org_id": city["employer_po"], "org_id": city["community"],
            "reported_on": DAY, "contact_role": "机关党支部书记", "offers": "法律咨询、志愿服务场地"}
    # The unit's side reports, through staff over the unit's node; the community does not report for it.
    refused(staff.post("/api/v1/unit-reports", json=body), 404, "not_found", "unit_id")
    refused(employer.post("/api/v1/unit-reports", json={**body, "party_org_id": city["other_party_org"]}), 400,
            "validation_failed", "party_org_id")
    refused(employer.post("/api/v1/unit-reports", json={**body, "org_id": city[LONGJU]}), 400, "validation_failed",
            "org_id")
    rep = created(employer.post("/api/v1/unit-reports", json=body))
    assert (rep["state"], rep["agreements"], rep["can"]) == ("pending", [], {"receive": False, "agree": False})
    refused(employer.post("/api/v1/unit-reports", json=body), 409, "conflict", "org_id")
    assert staff.get(f"/api/v1/unit-reports/{rep['id']}").json()["can"] == {"receive": True, "agree": False}
    assert sibling.get(f"/api/v1/unit-reports/{rep['id']}").status_code == 404
    assert city["other_po"].get(f"/api/v1/unit-reports/{rep['id']}").status_code == 404
    # An agreement needs the community's receipt first; the receipt is the community's.
    refused(employer.post(f"/api/v1/unit-reports/{rep['id']}/agreements", json={"year": YEAR}), 409,
            "invalid_transition", "report_id")
    refused(employer.post(f"/api/v1/unit-reports/{rep['id']}/receive", json={"version": rep["version"]}), 403,
            "forbidden", None)
    got = staff.post(f"/api/v1/unit-reports/{rep['id']}/receive", json={"version": rep["version"]})
    assert got.status_code == 200, got.text
    got = got.json()
    assert (got["state"], got["received_by_name"]) == ("received", "sr-community")
    refused(staff.post(f"/api/v1/unit-reports/{rep['id']}/receive", json={"version": got["version"]}), 409,
            "invalid_transition", "version")
    ag = created(employer.post(f"/api/v1/unit-reports/{rep['id']}/agreements", json={"year": YEAR}))
    refused(staff.post(f"/api/v1/unit-reports/{rep['id']}/agreements", json={"year": YEAR}), 409, "conflict", "year")
    agreement = ag["agreements"][0]["id"]
    items = f"/api/v1/unit-agreements/{agreement}/items"
    refused(staff.post(items, json={"what": "共建活动", "due_on": f"{YEAR + 1}-03-01", "responsible": "张主任"}), 400,
            "validation_failed", "due_on")
    assert sibling.post(items, json={"what": "x", "due_on": f"{YEAR}-06-30", "responsible": "x"}).status_code == 404
    created(staff.post(items, json={"what": "联合开展政策宣讲", "due_on": f"{YEAR}-06-30", "responsible": "张主任"}))
    two = created(employer.post(items, json={"what": "捐建社区书屋", "due_on": f"{YEAR}-12-31", "responsible": "李书记"}))
    a = two["agreements"][0]
    assert (len(a["items"]), a["items_done"], a["completion"]) == (2, 0, 0)
    item = a["items"][0]
    done = employer.post(f"/api/v1/unit-agreement-items/{item['id']}/done", json={"done": True, "version": item["version"]})
    assert done.status_code == 200, done.text
    a = done.json()["agreements"][0]
    assert (a["items_done"], a["completion"], a["items"][0]["done"]) == (1, 0.5, True)
    refused(employer.post(f"/api/v1/unit-agreement-items/{item['id']}/done", json={"done": False, "version": 1}), 409,
            "version_conflict", "version")
    lst = staff.get("/api/v1/unit-reports", params={"org": city["community"], "state": "received"}).json()
    assert [r["id"] for r in lst["items"]] == [rep["id"]] and lst["total"] == 1
    assert employer.get("/api/v1/unit-reports", params={"unit_id": city["unit"]}).json()["total"] == 1
    assert sibling.get("/api/v1/unit-reports", params={"unit_id": city["unit"]}).json()["total"] == 0
    x = staff.get("/api/v1/unit-reports/export", params={"org": city["community"]})
    assert x.status_code == 200 and x.content[:2] == b"PK"
    f = admin.get("/api/v1/service-report-figures", params={"org": city[LONGJU], "year": YEAR}).json()
    assert (f["units_reported"], f["agreement_items"], f["agreement_items_done"]) == (1, 2, 1)
