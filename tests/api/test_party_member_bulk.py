"""Many party members at once (POST /api/v1/party-members/bulk, the console's selected rows):
a move to another party organisation (调整所在党组织) or a delete, one write for all of them
or none, each member changed as its own PATCH or DELETE would change it: the scope check, the
party member figures at both nodes and their ancestors, and one audit row per member."""
import pytest

from conftest import id_with_check, ok, refused

LONGJU, NANGANG = "340104006", "340104005"
BULK = "/api/v1/party-members/bulk"


def created(r):
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (LONGJU, NANGANG)}
    a = created(admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "community", "name": "批量甲社区"}))["id"]
    b = created(admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "community", "name": "批量乙社区"}))["id"]
    c = created(admin.post("/api/v1/orgs", json={"parent_id": ids[NANGANG], "level": "community", "name": "批量丙社区"}))["id"]
    po = {k: created(admin.post("/api/v1/party-orgs", json={"org_id": org, "kind": "党支部", "name": f"批量{k}党支部"}))["id"]
          for k, org in (("a", a), ("b", b), ("c", c))}
    members = {}
    for n, (k, org) in enumerate((("a", a), ("a", a), ("a", a), ("c", c))):
        p = created(admin.post("/api/v1/persons", json={"org_id": org, "name": f"批量党员{n}",
                                                        "id_card": id_with_check(f"34010419800203{n}88"),
                                                        "phone": f"1391234567{n}"}))
        created(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": po[k],
                                                          "status": "正式" if n else "预备",
                                                          "joined_on": "2012-07-01"}))
        members[n] = p["id"]
    staff = server.make_user(admin, "pmb-street", "org_staff", ids[LONGJU])
    return {"a": a, "b": b, "c": c, "po": po, "m": members, "staff": staff, **ids}


def figures(admin, org):
    """The kept party member figures of a node's subtree: all, full, probationary."""
    people = admin.get(f"/api/v1/orgs/{org}/stats").json()["people"]
    return tuple(people.get(k, 0) for k in ("party_members", "party_members_formal", "party_members_probationary"))


def party_org_of(admin, person):
    return ok(admin.get(f"/api/v1/party-members/{person}"))["party_org_id"]


def test_bad_input_is_refused_and_changes_nothing(city, admin):
    s, m, po = city["staff"], city["m"], city["po"]
    refused(s.post(BULK, json={"action": "move", "ids": [m[0]]}), 400, "validation_failed", "party_org_id")
    refused(s.post(BULK, json={"action": "promote", "ids": [m[0]]}), 400, "validation_failed", "action")
    refused(s.post(BULK, json={"action": "delete", "ids": []}), 400, "validation_failed", "ids")
    refused(s.post(BULK, json={"action": "delete", "ids": [m[0], m[0]]}), 400, "validation_failed", "ids")
    refused(s.post(BULK, json={"action": "delete", "ids": list(range(1, 202))}), 400, "validation_failed", "ids")
    # A party organisation outside the caller's scope to move to: as if missing.
    refused(s.post(BULK, json={"action": "move", "party_org_id": po["c"], "ids": [m[0]]}), 404, "not_found",
            "party_org_id")
    refused(s.post(BULK, json={"action": "move", "party_org_id": 999999999, "ids": [m[0]]}), 404, "not_found",
            "party_org_id")
    assert [party_org_of(admin, m[n]) for n in range(3)] == [po["a"]] * 3


def test_a_member_outside_the_scope_refuses_the_whole_batch(city, admin):
    s, m, po = city["staff"], city["m"], city["po"]
    before = figures(admin, city["a"]), figures(admin, city["b"])
    for action in ({"action": "move", "party_org_id": po["b"]}, {"action": "delete"}):
        r = s.post(BULK, json={**action, "ids": [m[1], m[3], m[2]]})  # m[3] is 南岗's, beyond the street
        refused(r, 404, "not_found", "ids")
        assert r.json()["error"]["id"] == m[3]
        r = s.post(BULK, json={**action, "ids": [m[1], 999999999]})
        refused(r, 404, "not_found", "ids")
        assert r.json()["error"]["id"] == 999999999
    assert [party_org_of(admin, m[n]) for n in (1, 2)] == [po["a"]] * 2
    assert (figures(admin, city["a"]), figures(admin, city["b"])) == before


def test_a_move_keeps_the_figures_and_audits_each_member(city, admin):
    s, m, po = city["staff"], city["m"], city["po"]
    a, b, street = figures(admin, city["a"]), figures(admin, city["b"]), figures(admin, city[LONGJU])
    assert a[0] >= 3
    r = ok(s.post(BULK, json={"action": "move", "party_org_id": po["b"], "ids": [m[0], m[1]]}))
    assert r == {"action": "move", "count": 2, "changed": 2}
    assert [party_org_of(admin, m[n]) for n in range(3)] == [po["b"], po["b"], po["a"]]
    # m[0] is 预备, m[1] 正式: each figure follows its member; the street holds both communities.
    assert figures(admin, city["a"]) == (a[0] - 2, a[1] - 1, a[2] - 1)
    assert figures(admin, city["b"]) == (b[0] + 2, b[1] + 1, b[2] + 1)
    assert figures(admin, city[LONGJU]) == street
    rows = admin.get("/api/v1/audit", params={"action": "party_member.updated", "limit": 10}).json()["items"]
    assert {row["entity_id"] for row in rows[:2]} == {m[0], m[1]}
    # Already there: unchanged, and no audit row.
    assert ok(s.post(BULK, json={"action": "move", "party_org_id": po["b"], "ids": [m[0]]}))["changed"] == 0
    again = admin.get("/api/v1/audit", params={"action": "party_member.updated", "limit": 10}).json()["items"]
    assert again[0]["id"] == rows[0]["id"]
    listed = ok(s.get("/api/v1/party-members", params={"org": city["b"]}))["items"]
    assert {x["person_id"] for x in listed} == {m[0], m[1]}
    assert {x["phone"] for x in listed} == {"139****5670", "139****5671"}  # masked, as in the residents list
    assert all("*" in x["id_card"] and x["birth_year"] == 1980 for x in listed)


def test_a_delete_removes_every_member_or_none(city, admin):
    s, m = city["staff"], city["m"]
    b = figures(admin, city["b"])
    r = ok(s.post(BULK, json={"action": "delete", "ids": [m[0], m[1]]}))
    assert r == {"action": "delete", "count": 2, "changed": 2}
    assert admin.get(f"/api/v1/party-members/{m[0]}").status_code == 404
    assert figures(admin, city["b"]) == (b[0] - 2, b[1] - 1, b[2] - 1)
    rows = admin.get("/api/v1/audit", params={"action": "party_member.deleted", "limit": 10}).json()["items"]
    assert {row["entity_id"] for row in rows[:2]} == {m[0], m[1]}
    # The residents stay: only the membership went.
    assert ok(admin.get(f"/api/v1/persons/{m[0]}"))["party_member"] is False
