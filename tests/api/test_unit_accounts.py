"""Unit accounts: a resident unit (驻区单位) a case is dispatched to reports for duty
(报到) by its own login. A unit_staff grant names the unit and covers no node: its
holder sees, claims and handles the cases dispatched to that unit, and nothing else."""
import pytest

from conftest import PASSWORD, error_of

LNG, LAT, D = 117.23, 31.83, 0.01


@pytest.fixture(scope="module")
def place(server, admin):
    comm, sibling = server.org_id("340104006006"), server.org_id("340102001001")
    grid = server.square_grid(admin, comm, "单位网格", LNG, LAT, D)
    units = {}
    for key, name in (("school", "龙居小学"), ("water", "供水公司营业所")):
        r = admin.post("/api/v1/units", json={"org_id": comm, "name": name, "type": "school"})
        assert r.status_code == 201, r.text
        units[key] = r.json()["id"]
    far = admin.post("/api/v1/units", json={"org_id": sibling, "name": "别处单位", "type": "agency"}).json()["id"]
    staff = server.make_user(admin, "unit-comm-staff", "org_staff", comm)
    sibling_staff = server.make_user(admin, "unit-sibling-staff", "org_staff", sibling)
    reporter = server.make_user(admin, "unit-reporter", "grid_worker", grid)
    accounts = {}
    for key in ("school", "water"):
        r = staff.post("/api/v1/users", json={"username": f"unit-{key}", "display_name": key, "password": PASSWORD,
                                               "org_id": comm})
        assert r.status_code == 201, r.text
        uid = r.json()["id"]
        # The community's staff give the unit's own login its grant, over the unit.
        g = staff.post(f"/api/v1/users/{uid}/grants", json={"role": "unit_staff", "unit_id": units[key]})
        assert g.status_code == 201, g.text
        assert [(x["role"], x["unit_id"], x["unit_name"], x["org_id"]) for x in g.json()["grants"]] == \
            [("unit_staff", units[key], "龙居小学" if key == "school" else "供水公司营业所", comm)]
        c = server.client()
        c.login(f"unit-{key}", PASSWORD)
        c.user_id = uid
        accounts[key] = c
    return {"comm": comm, "grid": grid, "units": units, "far": far, "staff": staff, "sibling": sibling_staff,
            "reporter": reporter, **accounts}


def act(client, case, action, expect=200, **extra):
    r = client.post(f"/api/v1/cases/{case['id']}/actions", json={"action": action, "version": case["version"], **extra})
    assert r.status_code == expect, (action, r.text)
    return r.json() if expect == 200 else r


def dispatched_case(p, unit_key):
    r = p["reporter"].post("/api/v1/cases", json={"category": "municipal", "title": "水管漏水", "description": "路边水管破裂",
                                                  "lat": LAT + D / 2, "lng": LNG + D / 2})
    assert r.status_code == 201, r.text
    c = act(p["staff"], r.json(), "accept")
    return act(p["staff"], c, "dispatch", unit_id=p["units"][unit_key]) if unit_key else c


def test_unit_account_claims_and_handles_its_case(server, place):
    school = place["school"]
    c = dispatched_case(place, "school")
    box = school.get("/api/v1/inbox").json()
    assert [x["id"] for x in box["dispatched"]["items"]] == [c["id"]] and box["dispatched"]["count"] == 1
    assert box["to_accept"]["count"] == 0 and box["overdue"]["count"] == 0
    assert school.get(f"/api/v1/cases/{c['id']}").status_code == 200
    c = act(school, c, "claim")
    assert c["state"] == "handling" and c["events"][-1]["actor_name"] == "unit-school"
    c = act(school, c, "handle", note="已更换阀门")
    assert c["state"] == "handled"
    # The unit does not verify or close its own work: the community does.
    act(school, c, "verify", expect=403)
    c = act(place["staff"], c, "verify")
    assert act(place["staff"], c, "close")["state"] == "closed"
    # Its list: the cases dispatched to its unit, whatever state they reached.
    listed = school.get("/api/v1/cases").json()["items"]
    assert [x["id"] for x in listed] == [c["id"]]
    assert school.get("/api/v1/cases", params={"org": place["comm"]}).status_code == 404


def test_unit_account_sees_nothing_else(server, place):
    school, water = place["school"], place["water"]
    other_unit = dispatched_case(place, "water")
    undispatched = dispatched_case(place, None)
    to_node = act(place["staff"], dispatched_case(place, None), "dispatch", org_id=place["grid"])
    for c in (other_unit, undispatched, to_node):
        assert school.get(f"/api/v1/cases/{c['id']}").status_code == 404
        r = act(school, c, "claim", expect=404)
        assert error_of(r)["code"] == "not_found"
        assert school.get(f"/api/v1/cases/{c['id']}/duplicates").status_code == 404
    assert [x["id"] for x in school.get("/api/v1/inbox").json()["dispatched"]["items"]] == []
    assert other_unit["id"] in [x["id"] for x in water.get("/api/v1/inbox").json()["dispatched"]["items"]]
    # Nothing of the node: not its people, not its tree's figures, not its cases' indicators.
    for path in ("/api/v1/persons", "/api/v1/households", "/api/v1/users", "/api/v1/units"):
        assert school.get(path).status_code == 403, path
    assert school.get(f"/api/v1/orgs/{place['comm']}").status_code == 404
    # The indicators are staff's figures (stats.read): a unit's account holds none anywhere.
    assert school.get(f"/api/v1/orgs/{place['comm']}/casework").status_code == 403
    r = school.post(f"/api/v1/cases/{other_unit['id']}/supervise", json={"deadline": "2099-01-01",
                                                                        "version": other_unit["version"]})
    assert r.status_code == 404


def test_sibling_staff_cannot_claim_for_the_unit(server, admin, place):
    c = dispatched_case(place, "school")
    r = act(place["sibling"], c, "claim", expect=404)
    assert error_of(r)["code"] == "not_found"
    # Even a sibling's staff who may see the case (a grant over the case's grid as a reader) cannot claim for the unit.
    reader = server.make_user(admin, "unit-sibling-reader", "party_member", place["grid"])
    assert reader.get(f"/api/v1/cases/{c['id']}").status_code == 200
    r = act(reader, c, "claim", expect=403)
    assert error_of(r)["code"] == "forbidden"
    c = act(place["school"], c, "claim")
    assert c["state"] == "handling"


def test_granting_unit_accounts(server, admin, place):
    staff, comm = place["staff"], place["comm"]
    uid = staff.post("/api/v1/users", json={"username": "unit-new", "display_name": "新账号", "password": PASSWORD,
                                            "org_id": comm}).json()["id"]
    school = place["units"]["school"]
    for body, status, field in [({"role": "unit_staff"}, 400, "unit_id"),
                                ({"role": "unit_staff", "unit_id": school, "org_id": comm}, 400, "org_id"),
                                ({"role": "grid_worker", "unit_id": school}, 400, "unit_id"),
                                ({"role": "unit_staff", "unit_id": 999999}, 404, "unit_id"),
                                ({"role": "unit_staff", "unit_id": place["far"]}, 404, "unit_id")]:
        r = staff.post(f"/api/v1/users/{uid}/grants", json=body)
        assert r.status_code == status and error_of(r)["field"] == field, (body, r.text)
    # Staff of a sibling subtree may not give a grant over this community's unit (nor manage its users).
    r = place["sibling"].post(f"/api/v1/users/{uid}/grants", json={"role": "unit_staff", "unit_id": school})
    assert r.status_code == 404
    # A grid worker manages no users at all.
    assert place["reporter"].post(f"/api/v1/users/{uid}/grants",
                                  json={"role": "unit_staff", "unit_id": school}).status_code == 403
    r = staff.post(f"/api/v1/users/{uid}/grants", json={"role": "unit_staff", "unit_id": school})
    assert r.status_code == 201
    grant = r.json()["grants"][0]
    assert staff.post(f"/api/v1/users/{uid}/grants", json={"role": "unit_staff", "unit_id": school}).status_code == 409
    assert set(r.json()["permissions"]) == {"org.read", "case.read", "case.write"}
    audit = admin.get("/api/v1/audit", params={"entity": "user", "entity_id": uid}).json()["items"]
    added = [a for a in audit if a["action"] == "user.grant_added"]
    assert added[0]["summary"]["unit_id"] == school
    # A unit with accounts is not deleted under them; revoked, the account sees nothing again.
    assert admin.delete(f"/api/v1/units/{school}").status_code == 409
    assert staff.delete(f"/api/v1/users/{uid}/grants/{grant['id']}").status_code == 204
