"""Who sees what: every grant covers its org's subtree and nothing else; outside
ids answer 404 exactly like missing ones."""
import pytest

from conftest import error_of

SHUSHAN, LONGJU_STREET, LONGJU = "340104", "340104006", "340104006006"
YAOHAI, TIANHAIXIANG = "340102", "340102001001"


@pytest.fixture(scope="module")
def ids(server):
    return {c: server.org_id(c) for c in (SHUSHAN, LONGJU_STREET, LONGJU, YAOHAI, TIANHAIXIANG)}


@pytest.fixture(scope="module")
def grid(server, admin, ids):
    r = admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "grid", "name": "龙居一网格"})
    assert r.status_code == 201
    return r.json()["id"]


@pytest.fixture(scope="module")
def users(server, admin, ids, grid):
    return {
        "district": server.make_user(admin, "shushan-staff", "org_staff", ids[SHUSHAN]),
        "street": server.make_user(admin, "longju-street", "org_staff", ids[LONGJU_STREET]),
        "community": server.make_user(admin, "longju-staff", "org_staff", ids[LONGJU]),
        "grid": server.make_user(admin, "longju-grid-1", "grid_worker", grid),
        "auditor": server.make_user(admin, "city-auditor", "auditor", 1),
        "resident": server.make_user(admin, "longju-resident", "resident", ids[LONGJU]),
    }


def visible(client, org_id):
    r = client.get(f"/api/v1/orgs/{org_id}")
    assert r.status_code in (200, 404), r.text
    return r.status_code == 200


def test_visibility_matrix(ids, grid, users):
    expect = {
        #            city  shushan street longju grid yaohai tianhaixiang
        "district": (0, 1, 1, 1, 1, 0, 0),
        "street": (0, 0, 1, 1, 1, 0, 0),
        "community": (0, 0, 0, 1, 1, 0, 0),
        "grid": (0, 0, 0, 0, 1, 0, 0),
        "auditor": (1, 1, 1, 1, 1, 1, 1),
        "resident": (0, 0, 0, 1, 1, 0, 0),
    }
    nodes = [1, ids[SHUSHAN], ids[LONGJU_STREET], ids[LONGJU], grid, ids[YAOHAI], ids[TIANHAIXIANG]]
    for who, row in expect.items():
        got = tuple(int(visible(users[who], n)) for n in nodes)
        assert got == row, who


def test_outside_looks_missing(users, ids):
    out = users["community"].get(f"/api/v1/orgs/{ids[YAOHAI]}")
    missing = users["community"].get("/api/v1/orgs/987654321")
    assert out.status_code == missing.status_code == 404
    assert error_of(out) == error_of(missing)


def test_lists_stay_in_scope(users, ids):
    body = users["street"].get("/api/v1/orgs", params={"limit": 200}).json()
    paths = [o["path"] for o in body["items"]]
    assert paths and all(f"/{ids[LONGJU_STREET]}/" in p for p in paths)
    assert users["street"].get("/api/v1/orgs", params={"org": ids[YAOHAI]}).status_code == 404
    # Searching finds nothing outside either.
    assert users["street"].get("/api/v1/orgs", params={"q": "填海巷"}).json()["items"] == []


def test_stats_in_scope(users, ids):
    s = users["district"].get(f"/api/v1/orgs/{ids[SHUSHAN]}/stats")
    assert s.status_code == 200 and s.json()["figures"]["streets"] == 12
    assert users["district"].get("/api/v1/orgs/1/stats").status_code == 404


def test_breadcrumbs_hide_ancestors_out_of_scope(users, grid):
    o = users["community"].get(f"/api/v1/orgs/{grid}").json()
    assert [a["name"] for a in o["ancestors"]] == ["龙居社区"]


def test_writes_need_write_rights(users, ids, grid):
    r = users["resident"].post("/api/v1/orgs", json={"parent_id": grid, "level": "building", "name": "x"})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    r = users["auditor"].post("/api/v1/orgs", json={"parent_id": grid, "level": "building", "name": "x"})
    assert r.status_code == 403
    # Staff write inside their subtree, and not outside it (404: the parent is not theirs to see).
    r = users["community"].post("/api/v1/orgs", json={"parent_id": grid, "level": "building", "name": "5栋"})
    assert r.status_code == 201
    r = users["community"].post("/api/v1/orgs",
                                json={"parent_id": ids[TIANHAIXIANG], "level": "grid", "name": "越界网格"})
    assert r.status_code == 404
    # Nor can they rename or delete their own root's parent, or move a node out of scope.
    assert users["community"].patch(f"/api/v1/orgs/{ids[LONGJU_STREET]}", json={"name": "x"}).status_code == 404
    r = users["community"].patch(f"/api/v1/orgs/{grid}", json={"parent_id": ids[TIANHAIXIANG]})
    assert r.status_code == 404


def test_auditor_reads_audit_but_staff_do_not(users):
    assert users["auditor"].get("/api/v1/audit").status_code == 200
    assert users["district"].get("/api/v1/audit").status_code == 403


def test_staff_create_users_only_within_their_power(server, users, ids, grid):
    staff = users["community"]
    r = staff.post("/api/v1/users", json={"username": "new-gridder", "display_name": "新网格员",
                                          "password": "Str0ng-Password", "org_id": grid})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    assert staff.post(f"/api/v1/users/{uid}/grants", json={"role": "grid_worker", "org_id": grid}).status_code == 201
    # Not an admin grant, not above their own node, not in another community.
    r = staff.post(f"/api/v1/users/{uid}/grants", json={"role": "admin", "org_id": grid})
    assert r.status_code == 403 and error_of(r)["code"] == "grant_exceeds_own"
    r = staff.post(f"/api/v1/users/{uid}/grants", json={"role": "auditor", "org_id": grid})
    assert r.status_code == 403
    assert staff.post(f"/api/v1/users/{uid}/grants",
                      json={"role": "grid_worker", "org_id": ids[LONGJU_STREET]}).status_code == 404
    assert staff.post(f"/api/v1/users/{uid}/grants", json={"role": "grid_worker"}).status_code in (403, 404)
    r = staff.post("/api/v1/users", json={"username": "elsewhere", "display_name": "x",
                                          "password": "Str0ng-Password", "org_id": ids[TIANHAIXIANG]})
    assert r.status_code == 404


def test_staff_cannot_manage_someone_more_powerful(server, admin, users, ids):
    # The street staff member's home is inside the district; the community staff cannot touch them.
    street_id = users["street"].get("/api/v1/auth/me").json()["user"]["id"]
    assert users["community"].get(f"/api/v1/users/{street_id}").status_code == 404
    # The district staff can see and manage the street staff, but not a user with a city-wide grant homed inside.
    assert users["district"].get(f"/api/v1/users/{street_id}").status_code == 200
    r = admin.post("/api/v1/users", json={"username": "big-boss", "display_name": "boss",
                                          "password": "Str0ng-Password", "org_id": ids[LONGJU]})
    boss = r.json()["id"]
    assert admin.post(f"/api/v1/users/{boss}/grants", json={"role": "admin"}).status_code == 201
    r = users["district"].patch(f"/api/v1/users/{boss}", json={"disabled": True})
    assert r.status_code == 403
    assert admin.get(f"/api/v1/users/{boss}").json()["disabled"] is False


def test_user_list_in_scope(users, ids):
    names = {u["username"] for u in users["street"].get("/api/v1/users", params={"limit": 200}).json()["items"]}
    assert {"longju-street", "longju-staff", "longju-grid-1"} <= names
    assert "shushan-staff" not in names and "admin" not in names and "city-auditor" not in names


def test_revoking_a_grant_takes_effect_at_once(server, admin, ids):
    u = server.make_user(admin, "short-lived", "org_staff", ids[LONGJU])
    assert visible(u, ids[LONGJU])
    me = admin.get(f"/api/v1/users/{u.user_id}").json()
    gid = me["grants"][0]["id"]
    assert admin.delete(f"/api/v1/users/{u.user_id}/grants/{gid}").status_code == 204
    # With no grant left the user holds no right at all: 403 everywhere.
    r = u.get(f"/api/v1/orgs/{ids[LONGJU]}")
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"


def test_no_write_outside_scope(server, admin, ids, grid, users):
    """Users at every level try GET, PATCH and DELETE on nodes in parent and sibling
    subtrees: every answer is 404 and nothing changes."""
    sibling_grid = admin.post("/api/v1/orgs", json={"parent_id": ids[TIANHAIXIANG], "level": "grid",
                                                    "name": "填海巷一网格"}).json()["id"]
    sibling_community = admin.get(f"/api/v1/orgs/{ids[LONGJU_STREET]}/children").json()["items"]
    sibling_community = [o["id"] for o in sibling_community if o["id"] != ids[LONGJU]][0]
    targets = {
        "district": [1, ids[YAOHAI], ids[TIANHAIXIANG], sibling_grid],
        "street": [1, ids[SHUSHAN], ids[YAOHAI], ids[TIANHAIXIANG], sibling_grid],
        "community": [1, ids[SHUSHAN], ids[LONGJU_STREET], sibling_community, ids[TIANHAIXIANG], sibling_grid],
        "grid": [1, ids[LONGJU], ids[LONGJU_STREET], sibling_community, sibling_grid],
    }
    before = {o: admin.get(f"/api/v1/orgs/{o}").json() for t in targets.values() for o in t}
    for who, nodes in targets.items():
        c = users[who]
        for o in nodes:
            assert c.get(f"/api/v1/orgs/{o}").status_code == 404, (who, o)
            assert c.get(f"/api/v1/orgs/{o}/children").status_code == 404, (who, o)
            assert c.get(f"/api/v1/orgs/{o}/stats").status_code == 404, (who, o)
            r = c.patch(f"/api/v1/orgs/{o}", json={"name": "被改了"})
            assert r.status_code in (403, 404), (who, o)
            assert c.delete(f"/api/v1/orgs/{o}").status_code in (403, 404), (who, o)
    for o, b in before.items():
        assert admin.get(f"/api/v1/orgs/{o}").json() == b


# ---- rectification problems (问题清单): the 暗访 visibility rule ----
def test_covert_inspection_hidden_until_published(server, admin, ids, users):
    """An unpublished 暗访 by the district of Longju, and the problem it found: seen by the district's own staff
    (not on the team) and by a team member who sits below the district, not by the street's staff below it who
    are not on the team nor by the inspected community; after the 通报 the street and the community see both."""
    team = server.make_user(admin, "covert-team-street", "org_staff", ids[LONGJU_STREET])
    r = users["district"].post("/api/v1/inspections", json={
        "org_id": ids[SHUSHAN], "type": "covert", "title": "暗访矩阵", "held_on": "2026-03-01",
        "team_user_ids": [team.user_id], "team_names": ["暗访组长"], "nodes": [ids[LONGJU]], "items": ["值班在岗"]})
    assert r.status_code == 201, r.text
    insp = r.json()
    item = insp["items"][0]
    r = team.post(f"/api/v1/inspection-items/{item['id']}/result", json={"result": "fail", "note": "无人值守"})
    assert r.status_code == 200, r.text
    r = team.post(f"/api/v1/inspection-items/{item['id']}/problem",
                  json={"severity": "serious", "measure": "落实值班制度", "deadline": "2027-12-31"})
    assert r.status_code == 201, r.text
    problem = r.json()
    assert (problem["source"], problem["org_id"], problem["raised_org_id"]) == ("covert_inspection", ids[LONGJU],
                                                                               ids[SHUSHAN])

    def sees(client):
        got = (client.get(f"/api/v1/inspections/{insp['id']}").status_code == 200,
               insp["id"] in [x["id"] for x in client.get("/api/v1/inspections").json()["items"]],
               client.get(f"/api/v1/problems/{problem['id']}").status_code == 200,
               problem["id"] in [x["id"] for x in client.get("/api/v1/problems", params={"limit": 200}).json()["items"]],
               client.get("/api/v1/problem-figures", params={"org": ids[LONGJU], "year": 2026}).json()["problems"] == 1)
        assert len(set(got)) == 1, got  # gets, lists and figures agree
        return got[0]

    viewers = {"district": users["district"], "team": team, "street": users["street"], "community": users["community"]}
    before = {"district": True, "team": True, "street": False, "community": False}
    assert {k: sees(c) for k, c in viewers.items()} == before
    # Hidden looks missing, and cannot be acted on.
    r = users["community"].post(f"/api/v1/problems/{problem['id']}/moves", json={"action": "start", "version": 1})
    assert r.status_code == 404, r.text
    r = users["street"].post(f"/api/v1/inspections/{insp['id']}/publish", json={"version": insp["version"]})
    assert r.status_code == 404, r.text
    r = team.post(f"/api/v1/inspections/{insp['id']}/publish", json={"version": insp["version"]})
    assert r.status_code == 403, r.text  # the team records; the inspecting org publishes
    insp = users["district"].get(f"/api/v1/inspections/{insp['id']}").json()
    r = users["district"].post(f"/api/v1/inspections/{insp['id']}/publish", json={"version": insp["version"]})
    assert r.status_code == 200 and r.json()["published_at"], r.text
    assert {k: sees(c) for k, c in viewers.items()} == {k: True for k in viewers}
# ---- end rectification problems ----
