"""民主评议党员: a branch's yearly round, its members' steps in order (self, peer, branch,
decision, follow-up), 预备党员 taking part ungraded, the 优秀 cap counted against the graded
(full) members only, the round closing once every member is through, who sees what, and
the figures."""
import concurrent.futures
import datetime

import pytest

from conftest import PASSWORD, error_of

LONGJU, YAOHAI = "340104006", "340102"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
YEAR = TODAY.year


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def created(r):
    assert r.status_code == 201, r.text
    return r.json()


def ok(r):
    assert r.status_code == 200, r.text
    return r.json()


def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def account(server, admin, username, role, org, person=None):
    c = server.make_user(admin, username, role, org)
    if person:
        ok(admin.patch(f"/api/v1/users/{c.user_id}", json={"person_id": person}))
        c.login(username, PASSWORD)
    return c


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (LONGJU, YAOHAI)}
    community = created(admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "community",
                                                         "name": "评议社区"}))["id"]
    elsewhere = created(admin.post("/api/v1/orgs", json={"parent_id": ids[YAOHAI], "level": "street",
                                                         "name": "评议别处街道"}))["id"]
    po = created(admin.post("/api/v1/party-orgs", json={"org_id": community, "kind": "党支部",
                                                        "name": "评议第一党支部"}))["id"]
    empty_po = created(admin.post("/api/v1/party-orgs", json={"org_id": community, "kind": "党支部",
                                                              "name": "评议空党支部"}))["id"]
    people = []
    # 7 full members and 3 probationary: the cap is a third of 7 (2), not of 10 (3).
    for i in range(10):
        p = created(admin.post("/api/v1/persons", json={"org_id": community, "name": f"评议党员{i}",
                                                        "id_card": id_with_check(f"340104198502{i + 10:02d}271")}))
        created(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": po,
                                                          "status": "预备" if i >= 7 else "正式",
                                                          "joined_on": "2010-07-01"}))
        people.append(p["id"])
    ids.update(community=community, elsewhere=elsewhere, po=po, empty_po=empty_po, people=people)
    ids["member"] = account(server, admin, "ev-member", "party_member", community, people[0])
    ids["other_member"] = account(server, admin, "ev-member2", "party_member", community, people[1])
    ids["resident"] = account(server, admin, "ev-resident", "resident", community)
    ids["staff"] = account(server, admin, "ev-staff", "org_staff", community)
    ids["outsider"] = account(server, admin, "ev-outsider", "org_staff", elsewhere)
    return ids


def open_round(client, city, year=YEAR, po=None):
    return client.post("/api/v1/member-evaluations", json={"party_org_id": po or city["po"], "year": year})


def entry_of(rnd, person):
    return next(e for e in rnd["entries"] if e["person_id"] == person)


def step(client, entry, name, **kw):
    return client.post(f"/api/v1/member-evaluation-entries/{entry['id']}/steps",
                       json={"step": name, "version": entry["version"], **kw})


PEERS = {"peer_excellent": 3, "peer_qualified": 5, "peer_basic": 1, "peer_unqualified": 0}


def through_branch(client, entry, grade="qualified"):
    """Self, peer and (for a full member) branch steps; the entry as it is then."""
    entry = ok(step(client, entry, "self", text="按时参加组织生活。"))
    entry = ok(step(client, entry, "peer", **PEERS))
    if not entry["probationary"]:
        entry = ok(step(client, entry, "branch", grade=grade))
    return entry


def test_a_round_opens_once_per_branch_and_year_with_its_members(admin, city):
    staff = city["staff"]
    refused(open_round(staff, city, year=YEAR + 1), 400, "validation_failed", "year")
    refused(open_round(staff, city, po=city["empty_po"]), 409, "conflict", "party_org_id")
    refused(open_round(city["outsider"], city), 404, "not_found", "party_org_id")
    refused(open_round(city["member"], city), 403, "forbidden", None)
    rnd = created(open_round(staff, city))
    assert (rnd["year"], rnd["state"], rnd["members"], rnd["decided"]) == (YEAR, "open", 10, 0)
    assert sorted(e["person_id"] for e in rnd["entries"]) == sorted(city["people"])
    assert sum(e["probationary"] for e in rnd["entries"]) == 3
    assert rnd["cap"]["graded"] == 7
    refused(open_round(staff, city), 409, "conflict", "year")
    assert staff.get("/api/v1/member-evaluations", params={"year": YEAR}).json()["total"] == 1
    city["round"] = rnd["id"]


def test_steps_come_in_order_and_each_is_whose_it_is(admin, city):
    staff, member = city["staff"], city["member"]
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    mine = entry_of(rnd, city["people"][0])
    refused(step(staff, mine, "peer", **PEERS), 409, "invalid_transition", "step")
    refused(step(staff, mine, "decision", grade="qualified"), 409, "invalid_transition", "step")
    refused(step(member, mine, "self"), 400, "validation_failed", "text")
    # The member files their own self-assessment, and may change it until the peers' tally.
    mine = ok(step(member, mine, "self", text="认真学习，按时交纳党费。"))
    assert mine["step"] == "self" and mine["can"] == ["self"]
    mine = ok(step(member, mine, "self", text="认真学习，按时交纳党费，参加志愿服务。"))
    refused(step(member, mine, "peer", **PEERS), 403, "forbidden", "step")
    refused(step(staff, mine, "peer", peer_excellent=1), 400, "validation_failed", "peer_qualified")
    refused(step(staff, {**mine, "version": mine["version"] - 1}, "peer", **PEERS), 409, "version_conflict", "version")
    mine = ok(step(staff, mine, "peer", **PEERS))
    refused(step(member, mine, "self", text="改一改"), 409, "invalid_transition", "step")
    refused(step(staff, mine, "follow_up", follow_up="rectify"), 409, "invalid_transition", "step")
    # A member sees the branch's round (party.read over the community), but another's
    # self-assessment is not theirs to write.
    other = entry_of(rnd, city["people"][1])
    refused(step(member, other, "self", text="代写"), 403, "forbidden", "step")
    assert member.get(f"/api/v1/member-evaluations/{city['round']}").status_code == 200


def test_probationary_members_take_part_but_are_not_graded(admin, city):
    staff = city["staff"]
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    prob = entry_of(rnd, city["people"][7])
    assert prob["probationary"] is True
    prob = through_branch(staff, prob)
    assert prob["step"] == "peer" and prob["can"] == ["peer"]
    refused(step(staff, prob, "branch", grade="qualified"), 409, "probationary_not_graded", "grade")
    refused(step(staff, prob, "decision", grade="excellent"), 409, "probationary_not_graded", "grade")


def test_excellent_is_capped_at_a_third_of_the_graded_members(admin, city):
    staff = city["staff"]
    # No norm in force for the year: 优秀 cannot be decided, other grades can.
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    assert rnd["cap"]["max"] is None
    first = through_branch(staff, entry_of(rnd, city["people"][2]), "excellent")
    refused(step(staff, first, "decision", grade="excellent"), 409, "conflict", "grade")
    created(admin.post("/api/v1/norms", json={"org_id": city[LONGJU], "key": "member_eval.excellent_share",
                                              "year_from": YEAR, "value": {"excellent": 1, "graded": 3},
                                              "basis": "测试"}))
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    assert (rnd["cap"]["graded"], rnd["cap"]["max"], rnd["cap"]["excellent"]) == (7, 2, 0)
    first = ok(step(staff, first, "decision", grade="excellent"))
    assert first["grade"] == "excellent" and first["can"] == []
    refused(step(staff, first, "decision", grade="qualified"), 409, "invalid_transition", "step")
    second = through_branch(staff, entry_of(rnd, city["people"][3]), "excellent")
    ok(step(staff, second, "decision", grade="excellent"))
    # 3 would be a third of all 10 members; of the 7 graded it is one too many.
    third = through_branch(staff, entry_of(rnd, city["people"][4]), "excellent")
    refused(step(staff, third, "decision", grade="excellent"), 409, "excellent_cap_exceeded", "grade")
    third = ok(step(staff, third, "decision", grade="qualified"))
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    assert (rnd["cap"]["excellent"], rnd["cap"]["max"]) == (2, 2)


def test_concurrent_excellent_decisions_keep_to_the_cap(server, admin, city):
    """Three full members of another branch (a third of 3 is 1), each proposed 优秀, decided at once by three
    staff: one decision passes, two are refused."""
    po = created(admin.post("/api/v1/party-orgs", json={"org_id": city["community"], "kind": "党支部",
                                                        "name": "评议第二党支部"}))["id"]
    for i in range(3):
        p = created(admin.post("/api/v1/persons", json={"org_id": city["community"], "name": f"并发党员{i}",
                                                        "id_card": id_with_check(f"340104198503{i + 10:02d}272")}))
        created(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": po, "status": "正式",
                                                          "joined_on": "2010-07-01"}))
    rnd = created(open_round(city["staff"], city, po=po))
    entries = [through_branch(admin, e, "excellent") for e in rnd["entries"]]
    clients = [server.make_user(admin, f"ev-conc-{i}", "org_staff", city["community"]) for i in range(3)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda ce: step(ce[0], ce[1], "decision", grade="excellent"), zip(clients, entries)))
    assert sorted(r.status_code for r in answers) == [200, 409, 409], [r.text for r in answers]
    assert all(error_of(r)["code"] == "excellent_cap_exceeded" for r in answers if r.status_code == 409)
    rnd = ok(admin.get(f"/api/v1/member-evaluations/{rnd['id']}"))
    assert (rnd["cap"]["excellent"], rnd["cap"]["max"]) == (1, 1)


def test_unqualified_takes_a_recorded_follow_up_and_the_round_closes_when_all_are_through(admin, city):
    staff = city["staff"]
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    refused(staff.post(f"/api/v1/member-evaluations/{rnd['id']}/close", json={"version": rnd["version"]}),
            409, "invalid_transition", "entries")
    assert rnd["can"]["close"] is False
    failed = through_branch(staff, entry_of(rnd, city["people"][5]), "unqualified")
    failed = ok(step(staff, failed, "decision", grade="unqualified"))
    assert failed["follow_up"] is None and "follow_up" in failed["can"]
    refused(step(staff, failed, "follow_up"), 400, "validation_failed", "follow_up")
    failed = ok(step(staff, failed, "follow_up", follow_up="rectify", note="限期三个月改正"))
    assert failed["follow_up"] == "rectify"
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    qualified = entry_of(rnd, city["people"][4])
    refused(step(staff, qualified, "follow_up", follow_up="expel"), 409, "invalid_transition", "follow_up")
    for e in rnd["entries"]:
        if e["step"] is None or e["step"] in ("self", "peer", "branch"):
            e = through_branch(staff, e) if e["step"] in (None, "self") else e
            if not e["probationary"] and e["step"] != "decision":
                if e["step"] == "peer":
                    e = ok(step(staff, e, "branch", grade="qualified"))
                ok(step(staff, e, "decision", grade="qualified"))
    rnd = ok(staff.get(f"/api/v1/member-evaluations/{city['round']}"))
    assert rnd["unfinished"] == 0 and rnd["can"]["close"] is True
    closed = ok(staff.post(f"/api/v1/member-evaluations/{rnd['id']}/close", json={"version": rnd["version"]}))
    assert closed["state"] == "closed" and closed["can"]["close"] is False
    assert all(e["can"] == [] for e in closed["entries"])
    refused(step(staff, entry_of(closed, city["people"][0]), "decision", grade="qualified"), 409,
            "invalid_transition", "step")


def test_who_sees_what_and_the_figures(admin, city):
    member, outsider, resident = city["member"], city["outsider"], city["resident"]
    mine = ok(member.get("/api/v1/my/evaluation"))
    assert mine["member"] is True and len(mine["items"]) == 1
    item = mine["items"][0]
    assert (item["year"], item["round_state"], item["grade"], item["party_org_name"]) == (YEAR, "closed", "qualified",
                                                                                          "评议第一党支部")
    assert ok(resident.get("/api/v1/my/evaluation")) == {"member": False, "items": []}
    assert outsider.get(f"/api/v1/member-evaluations/{city['round']}").status_code == 404
    assert outsider.get(f"/api/v1/member-evaluation-entries/{item['id']}").status_code == 404
    assert outsider.get("/api/v1/member-evaluations").json()["total"] == 0
    assert ok(member.get(f"/api/v1/member-evaluation-entries/{item['id']}"))["id"] == item["id"]
    f = ok(admin.get("/api/v1/member-evaluation-figures", params={"org": city[LONGJU], "year": YEAR}))
    # The first branch's round (closed) and the second's (open, one 优秀 decided).
    assert (f["rounds"], f["rounds_closed"], f["members"], f["graded"], f["probationary"]) == (2, 1, 13, 10, 3)
    assert (f["decided"], f["excellent"], f["qualified"], f["basic"], f["unqualified"], f["follow_ups"]) == \
        (8, 3, 4, 0, 1, 1)
    child = next(c for c in f["children"] if c["org_id"] == city["community"])
    assert child["rounds_closed"] == 1
    assert ok(admin.get("/api/v1/member-evaluation-figures", params={"org": city[YAOHAI], "year": YEAR}))["rounds"] == 0
    assert outsider.get("/api/v1/member-evaluation-figures", params={"org": city[LONGJU]}).status_code == 404
