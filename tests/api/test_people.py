"""Residents, households and party members: ID validation, encryption at rest,
masking, audited reveal, scope, and exact rollups."""
import random
import time

import pytest

import backend
from conftest import error_of

LONGJU, TIANHAIXIANG, SHUSHAN = "340104006006", "340102001001", "340104"


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * w for c, w in zip(first17, weights))
    return first17 + "10X98765432"[s % 11]


@pytest.fixture(scope="module")
def orgs(server):
    return {c: server.org_id(c) for c in (LONGJU, TIANHAIXIANG, SHUSHAN)}


def new_person(admin, org, seq, **extra):
    body = {"org_id": org, "name": f"居民{seq}", "id_card": id_with_check(f"34010419800101{seq:03d}"), **extra}
    r = admin.post("/api/v1/persons", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_id_vectors(server, admin, orgs):
    ok = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "甲", "id_card": "11010519491231002X"})
    assert ok.status_code == 201, ok.text
    p = ok.json()
    # The birth year, never the date: with it the masked number would be rebuilt (test_pii_rebuild.py).
    assert (p["gender"], p["birth_year"], p["id_card"]) == ("F", 1949, "1101*************X") and "birth_date" not in p
    assert p["age"] == time.gmtime(time.time() + 8 * 3600).tm_year - 1949
    ok2 = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "乙", "id_card": "440524188001010014"})
    assert ok2.status_code == 201 and ok2.json()["gender"] == "M"
    for bad, reason in [("110105194912310021", "idcard_checksum"), (id_with_check("34010419800230001"), "idcard_date"),
                        (id_with_check("34010421000101001"), "idcard_date"),
                        (id_with_check("99010419800101001"), "idcard_region"), ("3401041980", "idcard_format")]:
        r = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "丙", "id_card": bad})
        assert r.status_code == 400, bad
        e = error_of(r)
        assert (e["code"], e["field"], e["reason"]) == ("validation_failed", "id_card", reason), bad
    # Given gender and birth date must agree with the number.
    r = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "丁", "gender": "M",
                                            "id_card": id_with_check("34010419800101002")})
    assert r.status_code == 400 and error_of(r)["field"] == "gender"
    r = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "丁", "birth_date": "1980-01-02",
                                            "id_card": id_with_check("34010419800101002")})
    assert r.status_code == 400 and error_of(r)["field"] == "birth_date"
    r = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "丁", "phone": "12345",
                                            "id_card": id_with_check("34010419800101002")})
    assert r.status_code == 400 and error_of(r)["field"] == "phone"


def test_duplicate_id_reveals_nothing(server, admin, orgs):
    staff = server.make_user(admin, "tianhai-people", "org_staff", orgs[TIANHAIXIANG])
    idc = id_with_check("34010419900505123")
    assert admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "原", "id_card": idc}).status_code == 201
    r = staff.post("/api/v1/persons", json={"org_id": orgs[TIANHAIXIANG], "name": "重", "id_card": idc.lower()})
    assert r.status_code == 409
    e = error_of(r)
    assert e["field"] == "id_card" and "龙居" not in r.text and str(orgs[LONGJU]) not in r.text


def test_encrypted_at_rest_and_masked_everywhere(server, admin, orgs):
    idc, phone = id_with_check("34010419751111567"), "13912345678"
    p = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "秘", "id_card": idc, "phone": phone}).json()
    assert p["id_card"] == idc[:4] + "*" * 13 + idc[-1:] and p["phone"] == "139****5678"
    for body in (admin.get(f"/api/v1/persons/{p['id']}").text,
                 admin.get("/api/v1/persons", params={"org": orgs[LONGJU], "limit": 200}).text,
                 admin.get("/api/v1/audit", params={"entity": "person", "entity_id": p["id"]}).text):
        assert idc not in body and phone not in body
    # Nothing of it in clear in the stored bytes (the SQLite file and its WAL; a pg_dump).
    raw = backend.stored_bytes(server.db)
    assert "秘".encode() in raw  # the name is stored in clear: the search finds real content
    assert idc.encode() not in raw and phone.encode() not in raw
    assert idc[6:14].encode() + idc[14:].encode() not in raw
    assert b"1975-11-11" not in raw and b"19751111" not in raw  # the birth year only


def test_reveal_needs_permission_and_is_audited(server, admin, orgs):
    idc = id_with_check("34010419660606111")
    p = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "查", "id_card": idc,
                                            "phone": "0551-62345678"}).json()
    r = admin.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "id_card", "reason": "上门核实"})
    assert r.status_code == 200 and r.json()["value"] == idc
    r = admin.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "phone", "reason": "电话回访"})
    assert r.json()["value"] == "0551-62345678"
    rows = admin.get("/api/v1/audit", params={"action": "person.revealed", "entity_id": p["id"]}).json()["items"]
    assert len(rows) == 2
    assert rows[1]["summary"] == {"field": "id_card", "reason": "上门核实"}
    assert rows[0]["summary"] == {"field": "phone", "reason": "电话回访"}
    assert idc not in str(rows)
    auditor = server.make_user(admin, "people-auditor", "auditor", 1)
    assert auditor.get(f"/api/v1/persons/{p['id']}").status_code == 200
    r = auditor.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "id_card", "reason": "上门核实"})
    assert r.status_code == 403
    r = admin.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "name", "reason": "上门核实"})
    assert r.status_code == 400 and error_of(r)["field"] == "field"


def test_person_scope(server, admin, orgs):
    mine = new_person(admin, orgs[LONGJU], 501)
    other = new_person(admin, orgs[TIANHAIXIANG], 502)
    staff = server.make_user(admin, "longju-people", "org_staff", orgs[LONGJU])
    grid_street = server.make_user(admin, "yaohai-gridder", "grid_worker", orgs[TIANHAIXIANG])
    assert staff.get(f"/api/v1/persons/{mine['id']}").status_code == 200
    for c, target in ((staff, other), (grid_street, mine)):
        pid = target["id"]
        assert c.get(f"/api/v1/persons/{pid}").status_code == 404
        assert c.patch(f"/api/v1/persons/{pid}", json={"name": "改"}).status_code == 404
        assert c.delete(f"/api/v1/persons/{pid}").status_code == 404
        assert c.post(f"/api/v1/persons/{pid}/reveal", json={"field": "id_card", "reason": "上门核实"}).status_code == 404
        assert c.patch(f"/api/v1/persons/{pid}", json={"org_id": orgs[LONGJU]}).status_code == 404
    ids = {p["id"] for p in staff.get("/api/v1/persons", params={"limit": 200}).json()["items"]}
    assert mine["id"] in ids and other["id"] not in ids
    # Searches never cross the line either.
    tail = other["id_card"][-4:]
    found = staff.get("/api/v1/persons", params={"id_tail": tail}).json()["items"]
    assert all(p["org_id"] == orgs[LONGJU] for p in found)
    other_id = admin.post(f"/api/v1/persons/{other['id']}/reveal", json={"field": "id_card", "reason": "范围核对"}).json()["value"]
    assert [p["id"] for p in admin.get("/api/v1/persons", params={"id_card": other_id}).json()["items"]] == [other["id"]]
    assert staff.get("/api/v1/persons", params={"id_card": other_id}).json()["items"] == []
    def exported(client):
        r = client.get("/api/v1/persons/export", params={"id_card": other_id})
        assert r.status_code == 200, r.text
        return len(r.text.strip().splitlines()) - 1
    assert exported(admin) == 1 and exported(staff) == 0
    assert staff.get("/api/v1/persons", params={"org": orgs[TIANHAIXIANG]}).status_code == 404
    # Moving a resident out of one's scope is refused.
    r = staff.patch(f"/api/v1/persons/{mine['id']}", json={"org_id": orgs[TIANHAIXIANG]})
    assert r.status_code == 404 and error_of(r)["field"] == "org_id"
    assert admin.get(f"/api/v1/persons/{other['id']}").json()["name"] == other["name"]


def test_search(server, admin, orgs):
    p = new_person(admin, orgs[LONGJU], 601, name="欧阳娜娜", phone="13700001234", tags=["veteran"])
    def ids(**params):
        return [x["id"] for x in admin.get("/api/v1/persons", params={"limit": 200, **params}).json()["items"]]
    assert p["id"] in ids(q="欧阳") and p["id"] not in ids(q="阳娜")
    assert p["id"] in ids(phone_tail="1234") and p["id"] in ids(id_tail=id_with_check("34010419800101601")[-4:])
    assert ids(id_card=id_with_check("34010419800101601")) == [p["id"]]
    # An exact number is looked for within the asked subtree only, and combines with the other filters.
    assert ids(id_card=id_with_check("34010419800101601"), org=orgs[SHUSHAN]) == [p["id"]]
    assert ids(id_card=id_with_check("34010419800101601"), org=orgs[TIANHAIXIANG]) == []
    assert ids(id_card=id_with_check("34010419800101601"), q="欧阳") == [p["id"]]
    assert ids(id_card=id_with_check("34010419800101601"), q="王") == []
    assert ids(id_card=id_with_check("34010419800101998")) == []
    assert p["id"] in ids(tag="veteran") and p["id"] not in ids(tag="disabled")
    assert admin.get("/api/v1/persons", params={"id_tail": "12"}).status_code == 400
    r = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "x", "tags": ["no_such_tag"],
                                            "id_card": id_with_check("34010419800101602")})
    assert r.status_code == 400 and error_of(r)["field"] == "tags"
    tags = admin.get("/api/v1/person-tags").json()["items"]
    assert {"code": "elderly_alone", "name_zh": "独居老人", "name_en": "elderly living alone"} in tags
    # A resident's tags come back in code order whatever order they were given in, on every backend.
    given = ["veteran", "low_income", "disabled", "elderly_alone"]
    q = new_person(admin, orgs[LONGJU], 603, tags=given)
    assert q["tags"] == sorted(given)
    listed = [x for x in admin.get("/api/v1/persons", params={"org": orgs[LONGJU], "limit": 200}).json()["items"]
              if x["id"] == q["id"]]
    assert listed[0]["tags"] == sorted(given)


def test_households_and_party_members(server, admin, orgs):
    h = admin.post("/api/v1/households", json={"org_id": orgs[LONGJU], "address": "龙居小区 3 栋 201"}).json()
    head = new_person(admin, orgs[LONGJU], 701, household_id=h["id"], relation="户主")
    assert admin.get(f"/api/v1/households/{h['id']}").json()["members"] == 1
    r = admin.delete(f"/api/v1/households/{h['id']}")
    assert r.status_code == 409 and error_of(r)["code"] == "not_empty"
    po = admin.post("/api/v1/party-orgs", json={"org_id": orgs[LONGJU], "kind": "党支部", "name": "龙居第二党支部"}).json()
    r = admin.post("/api/v1/party-members", json={"person_id": head["id"], "party_org_id": po["id"], "status": "正式",
                                                  "joined_on": "2001-07-01", "in_service": True,
                                                  "registered_org_id": orgs[LONGJU]})
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["name"] == head["name"] and m["id_card"] == head["id_card"] and m["in_service"] is True
    assert admin.get(f"/api/v1/persons/{head['id']}").json()["party_member"] is True
    r = admin.post("/api/v1/party-members", json={"person_id": head["id"], "party_org_id": po["id"],
                                                  "status": "正式", "joined_on": "2001-07-01"})
    assert r.status_code == 409
    r = admin.post("/api/v1/party-members", json={"person_id": head["id"], "party_org_id": po["id"],
                                                  "status": "党员", "joined_on": "2001-07-01"})
    assert r.status_code == 400 and error_of(r)["field"] == "status"
    people = admin.get(f"/api/v1/orgs/{orgs[LONGJU]}/stats").json()["people"]
    assert people["party_members"] >= 1 and people["in_service_registered"] >= 1
    assert admin.patch(f"/api/v1/party-members/{head['id']}", json={"status": "预备"}).status_code == 200
    listed = admin.get("/api/v1/party-members", params={"org": orgs[LONGJU], "status": "预备"}).json()["items"]
    assert [x["person_id"] for x in listed] == [head["id"]]


def recount(db_path):
    """Every node's figures recounted from the rows, the slow way."""
    con = backend.connect(db_path)
    paths = dict(con.execute("SELECT id, path FROM org"))
    want = {}

    def add(org, fig, n=1):
        for a in paths[org].strip("/").split("/"):
            key = (int(a), fig)
            want[key] = want.get(key, 0) + n

    for pid, org in con.execute("SELECT id, org_id FROM person"):
        add(org, "residents")
    for org, tag in con.execute("SELECT p.org_id, t.tag FROM person_tag t JOIN person p ON p.id = t.person_id"):
        add(org, "tag." + tag)
    for (org,) in con.execute("SELECT org_id FROM household"):
        add(org, "households")
    for org, status, ins, reg in con.execute(
            "SELECT po.org_id, m.status, m.in_service, m.registered_org_id FROM party_member m"
            " JOIN party_org po ON po.id = m.party_org_id"):
        add(org, "party_members")
        add(org, "party_members_formal" if status == "正式" else "party_members_probationary")
        if ins:
            add(org, "party_members_in_service")
            if reg:
                add(reg, "in_service_registered")
    for oid, level, kind in con.execute("SELECT id, level, kind FROM org WHERE level <> 'city'"):
        add(oid, "org." + (kind if level == "community" else level))
    for org, kind, level in con.execute("SELECT p.org_id, p.kind, o.level FROM party_org p JOIN org o ON o.id = p.org_id"):
        add(org, "party_orgs")
        add(org, "party_orgs." + kind)
        if level == "grid":
            add(org, "party_orgs.at_grid")
    for org, typ in con.execute("SELECT org_id, type FROM unit"):
        add(org, "units")
        add(org, "units." + typ)
    for (org,) in con.execute("SELECT org_id FROM app_user WHERE org_id IS NOT NULL"):
        add(org, "users")
    have = {(o, f): v for o, f, v in con.execute("SELECT org_id, figure, value FROM org_figure") if v != 0}
    con.close()
    return want, have


def test_a_household_member_lives_where_the_household_is(server, admin, orgs):
    """Registered at the community into a household of one of its buildings: the person
    is placed at that building (so in its grid), not left at the community."""
    grid = admin.post("/api/v1/orgs", json={"parent_id": orgs[LONGJU], "level": "grid", "name": "住户网格"}).json()
    building = admin.post("/api/v1/orgs", json={"parent_id": grid["id"], "level": "building", "name": "9 栋"}).json()
    h = admin.post("/api/v1/households", json={"org_id": building["id"], "address": "龙居小区 9 栋 101"}).json()
    p = new_person(admin, orgs[LONGJU], 801, household_id=h["id"], relation="户主")
    assert p["org_id"] == building["id"], p
    # Moving an existing resident of the community into it moves them there too.
    q = new_person(admin, orgs[LONGJU], 802)
    assert q["org_id"] == orgs[LONGJU]
    r = admin.patch(f"/api/v1/persons/{q['id']}", json={"household_id": h["id"], "relation": "配偶", "version": q["version"]})
    assert r.status_code == 200 and r.json()["org_id"] == building["id"], r.text
    # A household elsewhere (another community's) does not move them out of their own node.
    other = admin.post("/api/v1/households", json={"org_id": orgs[TIANHAIXIANG], "address": "填海巷 1 号"}).json()
    t = new_person(admin, orgs[LONGJU], 803, household_id=other["id"])
    assert t["org_id"] == orgs[LONGJU]
    assert admin.get(f"/api/v1/households/{h['id']}").json()["members"] == 2


def test_rollups_match_a_full_recount_after_random_writes(server, admin, orgs):
    rnd = random.Random(20261128)
    street = server.org_id("340104006")
    communities = [o["id"] for o in admin.get(f"/api/v1/orgs/{street}/children").json()["items"]]
    grids = [admin.post("/api/v1/orgs", json={"parent_id": rnd.choice(communities), "level": "grid",
                                              "name": f"汇总网格{i}"}).json()["id"] for i in range(6)]
    places = communities + grids
    pos = [admin.post("/api/v1/party-orgs", json={"org_id": c, "kind": "党支部", "name": f"汇总支部{c}"}).json()["id"]
           for c in communities[:3]]
    tags = ["elderly_alone", "disabled", "veteran", "low_income"]
    people, households, seq = [], [], 100
    for step in range(400):
        op = rnd.random()
        if op < 0.45 or not people:
            seq += 1
            body = {"org_id": rnd.choice(places), "name": f"随机{seq}",
                    "id_card": id_with_check(f"340104{1950 + seq % 60}0{1 + seq % 9}1{seq % 10}{seq % 1000:03d}"),
                    "tags": rnd.sample(tags, rnd.randint(0, 2))}
            if households and rnd.random() < 0.5:
                body["household_id"] = rnd.choice(households)
            r = admin.post("/api/v1/persons", json=body)
            if r.status_code == 201:
                people.append(r.json()["id"])
            else:
                assert r.status_code in (404, 409), r.text  # a household elsewhere, or a repeated number
        elif op < 0.55:
            r = admin.post("/api/v1/households", json={"org_id": rnd.choice(places), "address": f"地址{step}"})
            households.append(r.json()["id"])
        elif op < 0.7:
            pid = rnd.choice(people)
            r = admin.patch(f"/api/v1/persons/{pid}", json={"org_id": rnd.choice(places),
                                                            "tags": rnd.sample(tags, rnd.randint(0, 3))})
            assert r.status_code == 200, r.text
        elif op < 0.8:
            pid = people.pop(rnd.randrange(len(people)))
            assert admin.delete(f"/api/v1/persons/{pid}").status_code == 204
        elif op < 0.9:
            pid = rnd.choice(people)
            r = admin.post("/api/v1/party-members", json={"person_id": pid, "party_org_id": rnd.choice(pos),
                                                          "status": rnd.choice(["正式", "预备"]),
                                                          "joined_on": "2010-01-01", "in_service": rnd.random() < .5,
                                                          "registered_org_id": rnd.choice(communities)})
            if r.status_code == 409:
                assert admin.patch(f"/api/v1/party-members/{pid}",
                                   json={"status": rnd.choice(["正式", "预备"]), "in_service": rnd.random() < .5,
                                         "party_org_id": rnd.choice(pos)}).status_code == 200
        elif households:
            hid = rnd.choice(households)
            assert admin.patch(f"/api/v1/households/{hid}", json={"org_id": rnd.choice(places)}).status_code == 200
        if step % 100 == 99:
            # Move a grid to another community: its whole subtree's figures follow.
            g = rnd.choice(grids)
            assert admin.patch(f"/api/v1/orgs/{g}", json={"parent_id": rnd.choice(communities)}).status_code == 200
    want, have = recount(server.db)
    assert want == have
    city = admin.get("/api/v1/orgs/1/stats").json()["people"]
    assert city.get("residents", 0) == want.get((1, "residents"), 0)


def test_reveal_is_never_replayed_or_stored(server, admin, orgs):
    idc = id_with_check("34010419700707707")
    p = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "重放", "id_card": idc}).json()
    h = {"Idempotency-Key": "reveal-key-1"}
    for _ in range(2):
        r = admin.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "id_card", "reason": "重放核对"},
                       headers=dict(h))
        assert r.json()["value"] == idc
    rows = admin.get("/api/v1/audit", params={"action": "person.revealed", "entity_id": p["id"]}).json()["items"]
    assert len(rows) == 2
    con = backend.connect(server.db)
    assert all(idc not in (body or "") for (body,) in con.execute("SELECT body FROM idempotency"))
    con.close()
    # Search by tail takes a lower-case x too.
    x = admin.post("/api/v1/persons", json={"org_id": orgs[LONGJU], "name": "尾号", "id_card": "11010519491231002X"})
    tail_ids = [q["id"] for q in admin.get("/api/v1/persons", params={"id_tail": "002x"}).json()["items"]]
    owner = [q["id"] for q in admin.get("/api/v1/persons", params={"id_card": "11010519491231002X"}).json()["items"]]
    assert len(owner) == 1 and owner[0] in tail_ids and tail_ids == [
        q["id"] for q in admin.get("/api/v1/persons", params={"id_tail": "002X"}).json()["items"]]
    assert x.status_code in (201, 409)


def test_moving_a_unit_moves_its_members_figures(server, admin, orgs):
    u = admin.post("/api/v1/units", json={"org_id": orgs[LONGJU], "name": "搬迁企业", "type": "enterprise"}).json()
    po = admin.post("/api/v1/party-orgs", json={"unit_id": u["id"], "kind": "党支部", "name": "搬迁企业党支部"}).json()
    person = new_person(admin, orgs[LONGJU], 901)
    assert admin.post("/api/v1/party-members", json={"person_id": person["id"], "party_org_id": po["id"],
                                                     "status": "正式", "joined_on": "2015-01-01"}).status_code == 201
    assert admin.patch(f"/api/v1/units/{u['id']}", json={"org_id": orgs[TIANHAIXIANG]}).status_code == 200
    want, have = recount(server.db)
    assert want == have
    assert admin.delete(f"/api/v1/party-members/{person['id']}").status_code == 204
    want, have = recount(server.db)
    assert want == have


def x_id(first14, gender):
    """An ID number born on first14's date whose check character is X, of that gender (odd sequence: M)."""
    return next(i for i in (id_with_check(f"{first14}{s:03d}") for s in range(1, 1000))
                if i.endswith("X") and int(i[16]) % 2 == (gender == "M"))


def test_a_persons_audit_summary_is_the_input_as_it_came(server, admin, orgs):
    """The summary of a create, an update and an imported row is what the caller sent and the declaration accepted:
    nothing derived from the number is added (gender, birth year), the birth date (checked against the number, kept
    nowhere) is left out, and of the personal numbers it says only that they changed. The write derives what it
    stores from the number itself, a check character x taken as X."""
    org = orgs[LONGJU]
    tag = admin.get("/api/v1/person-tags").json()["items"][0]["code"]
    first, second = x_id("34010419580808", "M"), x_id("34010419610203", "F")
    r = admin.post("/api/v1/persons", json={"org_id": org, "name": "摘要甲", "id_card": first.lower(),
                                            "phone": "13958080808", "gender": "M", "birth_date": "1958-08-08",
                                            "tags": [tag], "relation": "户主"})
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["gender"], p["birth_year"], p["id_card"][-1], p["tags"]) == ("M", 1958, "X", [tag])
    assert [x["id"] for x in admin.get("/api/v1/persons", params={"id_card": first}).json()["items"]] == [p["id"]]

    def summaries(action):
        return [a["summary"] for a in admin.get("/api/v1/audit", params={"entity": "person", "entity_id": p["id"],
                                                                           "action": action}).json()["items"]]

    # The log keeps what was sent; the list shows a resident's name to the surname (docs/audit.md).
    assert summaries("person.created") == [{"org_id": org, "name": "摘*", "id_card": "(changed)",
                                            "phone": "(changed)", "gender": "M", "tags": [tag], "relation": "户主"}]
    r = admin.patch(f"/api/v1/persons/{p['id']}", json={"id_card": second.lower(), "relation": None, "phone": None,
                                                        "version": p["version"]})
    assert r.status_code == 200, r.text
    q = r.json()
    assert (q["gender"], q["birth_year"], q["relation"], q["phone"], q["tags"]) == ("F", 1961, None, None, [tag])
    assert [x["id"] for x in admin.get("/api/v1/persons", params={"id_card": second}).json()["items"]] == [p["id"]]
    assert summaries("person.updated") == [{"id_card": "(changed)", "relation": None, "phone": "(removed)",
                                            "version": p["version"]}]
    # An imported row: the row as the file gave it, its address rather than the household found for it.
    third = id_with_check("34010419580809004")
    r = admin.post("/api/v1/persons/import", params={"org": org}, headers={"Content-Type": "text/csv"},
                   data=f"姓名,身份证号,户地址,标签\n摘要丙,{third},摘要路 1 号,{tag}\n".encode())
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    imported = admin.get("/api/v1/persons", params={"id_card": third}).json()["items"][0]
    assert imported["household_id"] and (imported["gender"], imported["birth_year"]) == ("F", 1958)
    rows = admin.get("/api/v1/audit", params={"entity": "person", "entity_id": imported["id"]}).json()["items"]
    assert [a["summary"] for a in rows if a["action"] == "person.created"] == [
        {"org_id": org, "name": "摘*", "id_card": "(changed)", "tags": [tag], "address": "摘要路 1 号"}]
