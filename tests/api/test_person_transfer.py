"""A resident registered outside the caller's scope: the refusal says nothing about
where, is audited where the holding org reads it, and 迁入申请 moves the person
when the holding org's staff accept."""
import pytest

from conftest import error_of
from test_people import id_with_check, x_id

LONGJU, TIANHAIXIANG, GUANTANG, SHUIXIMEN = "340104006006", "340102001001", "340111001008", "340103001001"


@pytest.fixture(scope="module")
def orgs(server):
    return {c: server.org_id(c) for c in (LONGJU, TIANHAIXIANG, GUANTANG, SHUIXIMEN)}


@pytest.fixture(scope="module")
def staff(server, admin, orgs):
    return {
        "longju": server.make_user(admin, "tr-longju", "org_staff", orgs[LONGJU]),
        "tianhai": server.make_user(admin, "tr-tianhai", "org_staff", orgs[TIANHAIXIANG]),
        "guantang": server.make_user(admin, "tr-guantang", "org_staff", orgs[GUANTANG]),
        "shuiximen": server.make_user(admin, "tr-shuiximen", "org_staff", orgs[SHUIXIMEN]),
        "auditor": server.make_user(admin, "tr-auditor", "auditor", 1),
    }


def register(client, org, name, idc, **kw):
    return client.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": idc}, **kw)


def residents(admin, org):
    return admin.get(f"/api/v1/orgs/{org}/stats").json()["people"].get("residents", 0)


def audit(client, **params):
    r = client.get("/api/v1/audit", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_the_refusal_is_the_same_whichever_org_holds_the_person(server, admin, orgs, staff):
    a, b = id_with_check("34010419700101511"), id_with_check("34010419700101522")
    pa = register(staff["longju"], orgs[LONGJU], "甲", a).json()
    pb = register(staff["guantang"], orgs[GUANTANG], "乙", b).json()
    answers = []
    for idc in (a, b):
        r = register(staff["tianhai"], orgs[TIANHAIXIANG], "新", idc)
        assert r.status_code == 409, r.text
        answers.append(r.json())
        for leak in ("龙居", "官塘", str(orgs[LONGJU]), str(orgs[GUANTANG]), str(pa["id"]), str(pb["id"]), "甲", "乙"):
            assert leak not in r.text
    assert answers[0] == answers[1]
    e = answers[0]["error"]
    assert (e["code"], e["field"]) == ("person_exists_elsewhere", "id_card")
    # Inside one's own scope the answer stays the plain conflict.
    r = register(staff["longju"], orgs[LONGJU], "甲", a)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    # Nothing was registered.
    assert staff["tianhai"].get("/api/v1/persons", params={"q": "新"}).json()["items"] == []


def test_the_attempt_is_audited_for_the_holder_without_the_number(server, admin, orgs, staff):
    idc = id_with_check("34010419700101533")
    p = register(staff["longju"], orgs[LONGJU], "丙", idc).json()
    assert register(staff["tianhai"], orgs[TIANHAIXIANG], "丙", idc).status_code == 409
    mine = [r for r in audit(staff["auditor"], entity="person", entity_id=p["id"])
            if r["action"] == "person.exists_elsewhere"]
    assert len(mine) == 1
    row = mine[0]
    assert row["actor_name"] == "tr-tianhai" and row["org_id"] == orgs[LONGJU]
    assert row["summary"]["target_org_id"] == orgs[TIANHAIXIANG] and row["summary"]["via"] == "create"
    text = str(row)
    assert idc not in text and idc[-4:] not in text and idc[6:14] not in text
    # The holding org's staff (who do not read the audit log) see the attempt among theirs.
    seen = staff["longju"].get("/api/v1/person-transfers", params={"box": "attempts"}).json()["items"]
    att = [a for a in seen if a["id"] == row["id"]]
    assert len(att) == 1 and att[0]["person_id"] == p["id"] and att[0]["target_org_name"] == "填海巷社区"
    assert att[0]["actor_name"] == "tr-tianhai" and att[0]["person_id_card"] == p["id_card"] and idc not in str(att)
    # The requesting side's staff and a third org see no such row.
    for who in ("tianhai", "guantang"):
        got = staff[who].get("/api/v1/person-transfers", params={"box": "attempts"}).json()["items"]
        assert all(a["id"] != row["id"] for a in got)


def test_an_import_row_held_elsewhere_is_refused_and_audited(server, admin, orgs, staff):
    idc = id_with_check("34010419700101544")
    p = register(staff["longju"], orgs[LONGJU], "丁", idc).json()
    csv = f"姓名,身份证号\n丁,{idc}\n".encode()
    for query in ({"org": orgs[TIANHAIXIANG]}, {"org": orgs[TIANHAIXIANG], "dry_run": 1},
                  {"org": orgs[TIANHAIXIANG], "mode": "partial"}):
        r = staff["tianhai"].post("/api/v1/persons/import", params=query, data=csv,
                                  headers={"Content-Type": "text/csv"})
        assert r.status_code in (200, 422), r.text
        errors = r.json()["errors"]
        assert [(e["row"], e["code"]) for e in errors] == [(1, "person_exists_elsewhere")], query
        assert "龙居" not in r.text and str(orgs[LONGJU]) not in r.text
    rows = [r for r in audit(staff["auditor"], entity="person", entity_id=p["id"])
            if r["action"] == "person.exists_elsewhere"]
    assert len(rows) == 3 and all(r["summary"]["via"] == "import" for r in rows)


def test_request_then_accept_moves_the_person_and_the_figures(server, admin, orgs, staff):
    idc = id_with_check("34010419700101555")
    p = register(staff["longju"], orgs[LONGJU], "戊", idc).json()
    hh = staff["longju"].post("/api/v1/households", json={"org_id": orgs[LONGJU], "address": "龙居 1 栋"}).json()
    assert staff["longju"].patch(f"/api/v1/persons/{p['id']}",
                                 json={"household_id": hh["id"], "relation": "户主"}).status_code == 200
    before = {o: residents(admin, orgs[o]) for o in (LONGJU, TIANHAIXIANG)}
    city = residents(admin, 1)
    body = {"id_card": idc, "to_org_id": orgs[TIANHAIXIANG], "reason": "已搬至天海巷居住"}
    key = {"Idempotency-Key": "transfer-0001"}
    r = staff["tianhai"].post("/api/v1/person-transfers", json=body, headers=dict(key))
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["status"] == "pending" and t["to_org_id"] == orgs[TIANHAIXIANG]
    for leak in (idc, idc[-4:], "龙居", str(orgs[LONGJU]), "戊"):
        assert leak not in r.text
    assert t["person_id"] is None
    # A retry with the same key answers the same and creates nothing.
    again = staff["tianhai"].post("/api/v1/person-transfers", json=body, headers=dict(key))
    assert again.status_code == 201 and again.json()["id"] == t["id"]
    r = staff["tianhai"].post("/api/v1/person-transfers", json=body)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    # The holder is told: the request is among its incoming ones, the person masked.
    incoming = staff["longju"].get("/api/v1/person-transfers", params={"box": "incoming", "status": "pending"}).json()
    mine = [i for i in incoming["items"] if i["id"] == t["id"]]
    assert len(mine) == 1 and mine[0]["person_id"] == p["id"] and mine[0]["to_org_name"] == "填海巷社区"
    assert mine[0]["person_id_card"] == p["id_card"] and idc not in str(incoming)
    # The requester cannot accept its own request (not theirs to see).
    assert staff["tianhai"].post(f"/api/v1/person-transfers/{t['id']}/accept").status_code == 404
    r = staff["longju"].post(f"/api/v1/person-transfers/{t['id']}/accept", json={"note": "同意"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    moved = admin.get(f"/api/v1/persons/{p['id']}").json()
    assert moved["org_id"] == orgs[TIANHAIXIANG] and moved["household_id"] is None
    assert staff["tianhai"].get(f"/api/v1/persons/{p['id']}").status_code == 200
    assert staff["longju"].get(f"/api/v1/persons/{p['id']}").status_code == 404
    assert residents(admin, orgs[LONGJU]) == before[LONGJU] - 1
    assert residents(admin, orgs[TIANHAIXIANG]) == before[TIANHAIXIANG] + 1
    assert residents(admin, 1) == city
    out = staff["tianhai"].get("/api/v1/person-transfers", params={"box": "outgoing"}).json()["items"]
    done = [i for i in out if i["id"] == t["id"]][0]
    assert done["status"] == "accepted" and done["person_id"] == p["id"] and done["note"] == "同意"
    assert "holding_org_id" not in done
    # Deciding twice is refused; both sides' audit rows are there.
    assert staff["longju"].post(f"/api/v1/person-transfers/{t['id']}/decline").status_code == 404
    actions = [r["action"] for r in audit(admin, entity="person_transfer", entity_id=t["id"])]
    assert sorted(actions) == sorted(["person_transfer.requested"] * 2 + ["person_transfer.accepted"] * 2)
    assert [r["action"] for r in audit(admin, entity="person", entity_id=p["id"])][0] == "person.transferred"
    assert all(idc not in str(r) for r in audit(admin, limit=50))


def test_decline_leaves_the_person_and_tells_the_requester(server, admin, orgs, staff):
    idc = id_with_check("34010419700101566")
    p = register(staff["guantang"], orgs[GUANTANG], "己", idc).json()
    before = residents(admin, orgs[GUANTANG])
    t = staff["tianhai"].post("/api/v1/person-transfers",
                              json={"id_card": idc, "to_org_id": orgs[TIANHAIXIANG], "reason": "申请"}).json()
    r = staff["guantang"].post(f"/api/v1/person-transfers/{t['id']}/decline", json={"note": "本人仍在此居住"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert admin.get(f"/api/v1/persons/{p['id']}").json()["org_id"] == orgs[GUANTANG]
    assert residents(admin, orgs[GUANTANG]) == before
    out = staff["tianhai"].get("/api/v1/person-transfers", params={"box": "outgoing", "status": "declined"}).json()
    d = [i for i in out["items"] if i["id"] == t["id"]][0]
    assert d["note"] == "本人仍在此居住" and d["person_id"] is None and d["person_name"] is None
    assert "官塘" not in str(d)
    # Still on the holder's list, decided.
    got = staff["guantang"].get("/api/v1/person-transfers", params={"status": "declined"}).json()["items"]
    assert [i["status"] for i in got if i["id"] == t["id"]] == ["declined"]
    rows = audit(staff["auditor"], entity="person_transfer", entity_id=t["id"], org=orgs[GUANTANG])
    assert [r["action"] for r in rows] == ["person_transfer.declined", "person_transfer.requested"]


def test_out_of_scope_and_third_org(server, admin, orgs, staff):
    idc = id_with_check("34010419700101577")
    register(staff["longju"], orgs[LONGJU], "庚", idc)
    # Into an org outside one's own scope: 404, as for a missing one.
    r = staff["tianhai"].post("/api/v1/person-transfers",
                              json={"id_card": idc, "to_org_id": orgs[GUANTANG], "reason": "x"})
    assert r.status_code == 404 and error_of(r)["field"] == "to_org_id"
    # A number nobody holds; a person already in scope.
    r = staff["tianhai"].post("/api/v1/person-transfers", json={"id_card": id_with_check("34010419700101588"),
                                                                "to_org_id": orgs[TIANHAIXIANG], "reason": "x"})
    assert r.status_code == 404 and error_of(r)["field"] == "id_card"
    r = staff["longju"].post("/api/v1/person-transfers", json={"id_card": idc, "to_org_id": orgs[LONGJU], "reason": "x"})
    assert r.status_code == 409
    r = staff["tianhai"].post("/api/v1/person-transfers", json={"id_card": "123", "to_org_id": orgs[TIANHAIXIANG],
                                                                "reason": "x"})
    assert r.status_code == 400 and error_of(r)["field"] == "id_card"
    t = staff["tianhai"].post("/api/v1/person-transfers",
                              json={"id_card": idc, "to_org_id": orgs[TIANHAIXIANG], "reason": "x"}).json()
    # A third org sees nothing and can decide nothing.
    third = staff["shuiximen"]
    for box in ("incoming", "outgoing"):
        assert third.get("/api/v1/person-transfers", params={"box": box}).json()["items"] == []
    assert third.post(f"/api/v1/person-transfers/{t['id']}/accept").status_code == 404
    assert third.post(f"/api/v1/person-transfers/{t['id']}/decline").status_code == 404
    assert staff["guantang"].post(f"/api/v1/person-transfers/{t['id']}/accept").status_code == 404
    assert staff["tianhai"].get("/api/v1/person-transfers", params={"org": orgs[LONGJU]}).status_code == 404
    r = staff["tianhai"].get("/api/v1/person-transfers", params={"box": "sideways"})
    assert r.status_code == 400 and error_of(r)["field"] == "box"
    # The requester's own incoming list does not show its outgoing request.
    assert all(i["id"] != t["id"] for i in staff["tianhai"].get("/api/v1/person-transfers").json()["items"])


def test_changing_a_number_to_one_held_elsewhere_is_refused_alike(server, admin, orgs, staff):
    held = id_with_check("34010419700101599")
    p = register(staff["longju"], orgs[LONGJU], "辛", held).json()
    mine = register(staff["tianhai"], orgs[TIANHAIXIANG], "壬", id_with_check("34010419700101600")).json()
    r = staff["tianhai"].patch(f"/api/v1/persons/{mine['id']}", json={"id_card": held, "name": "改名"})
    assert r.status_code == 409 and error_of(r)["code"] == "person_exists_elsewhere"
    assert "龙居" not in r.text and str(p["id"]) not in r.text
    after = admin.get(f"/api/v1/persons/{mine['id']}").json()
    assert (after["name"], after["id_card"], after["version"]) == ("壬", mine["id_card"], mine["version"])
    rows = [r for r in audit(staff["auditor"], entity="person", entity_id=p["id"])
            if r["action"] == "person.exists_elsewhere"]
    assert [r["summary"]["via"] for r in rows] == ["update"] and rows[0]["org_id"] == orgs[LONGJU]


def test_a_request_finds_the_person_whatever_case_the_check_character_is_typed_in(server, admin, orgs, staff):
    idc = x_id("34010419580810", "F")
    p = register(staff["longju"], orgs[LONGJU], "己", idc.lower()).json()
    r = staff["tianhai"].post("/api/v1/person-transfers", json={"id_card": idc.lower(), "to_org_id": orgs[TIANHAIXIANG],
                                                                 "reason": "已搬至天海巷居住"})
    assert r.status_code == 201, r.text
    incoming = staff["longju"].get("/api/v1/person-transfers", params={"box": "incoming", "status": "pending"}).json()
    assert [i["person_id"] for i in incoming["items"] if i["id"] == r.json()["id"]] == [p["id"]]
