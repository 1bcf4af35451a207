"""Party organisations (党组织) and the units stationed in an area (驻区单位)."""
import pytest

from conftest import Server, error_of

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"


@pytest.fixture(scope="module")
def longju(server):
    return server.org_id(LONGJU)


def test_unit_crud(server, admin, longju):
    r = admin.post("/api/v1/units", json={"org_id": longju, "name": "合肥某科技有限公司", "type": "non_public_enterprise",
                                          "credit_code": "91350100M000100Y43", "address": "黄山路 1 号"})
    assert r.status_code == 201, r.text
    u = r.json()
    assert u["org_id"] == longju and u["type"] == "non_public_enterprise"
    r = admin.post("/api/v1/units", json={"org_id": longju, "name": "同码单位", "type": "enterprise",
                                          "credit_code": "91350100M000100Y43"})
    assert r.status_code == 409 and error_of(r)["field"] == "credit_code"
    r = admin.patch(f"/api/v1/units/{u['id']}", json={"address": "黄山路 2 号", "version": u["version"]})
    assert r.status_code == 200 and r.json()["address"] == "黄山路 2 号"
    r = admin.patch(f"/api/v1/units/{u['id']}", json={"address": "旧版本", "version": u["version"]})
    assert r.status_code == 409 and error_of(r)["code"] == "version_conflict"
    items = admin.get("/api/v1/units", params={"org": longju, "type": "non_public_enterprise"}).json()["items"]
    assert [x["id"] for x in items] == [u["id"]]
    assert admin.delete(f"/api/v1/units/{u['id']}").status_code == 204
    assert admin.get(f"/api/v1/units/{u['id']}").status_code == 404


def test_unit_validation(server, admin, longju):
    bad = [
        ({"org_id": longju, "name": "x", "type": "company"}, "type"),
        ({"org_id": longju, "name": "x", "type": "school", "credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"org_id": longju, "name": "x", "type": "school", "credit_code": "91350100M000100Y4"}, "credit_code"),
        ({"org_id": longju, "name": "x", "type": "school", "credit_code": "91350100M000100I43"}, "credit_code"),
        ({"org_id": longju, "type": "school"}, "name"),
    ]
    for body, field in bad:
        r = admin.post("/api/v1/units", json=body)
        assert r.status_code == 400, body
        assert error_of(r)["field"] == field, body
    assert admin.get("/api/v1/units", params={"org": longju}).json()["items"] == []


def test_party_org_tree(server, admin, longju):
    r = admin.post("/api/v1/party-orgs", json={"org_id": longju, "kind": "党委", "name": "龙居社区党委",
                                               "secretary": "张书记", "founded_on": "2015-07-01"})
    assert r.status_code == 201, r.text
    top = r.json()
    r = admin.post("/api/v1/party-orgs", json={"org_id": longju, "kind": "党支部", "name": "第一党支部",
                                               "parent_id": top["id"]})
    assert r.status_code == 201
    branch = r.json()
    assert branch["parent_id"] == top["id"]
    # A cycle is refused.
    r = admin.patch(f"/api/v1/party-orgs/{top['id']}", json={"parent_id": branch["id"]})
    assert r.status_code == 400 and error_of(r)["field"] == "parent_id"
    # Deleting a parent with children is refused.
    r = admin.delete(f"/api/v1/party-orgs/{top['id']}")
    assert r.status_code == 409 and error_of(r)["code"] == "not_empty"
    s = admin.get(f"/api/v1/orgs/{longju}/stats").json()
    assert s["figures"]["party_orgs"] == 2 and s["party_orgs_by_kind"] == {"党委": 1, "党支部": 1}


def test_party_org_validation(server, admin, longju):
    for body, field in [
        ({"org_id": longju, "kind": "党小组小组", "name": "x"}, "kind"),
        ({"org_id": longju, "kind": "党小组", "name": "x", "founded_on": "2015-02-30"}, "founded_on"),
        ({"kind": "党小组", "name": "x"}, "org_id"),
    ]:
        r = admin.post("/api/v1/party-orgs", json=body)
        assert r.status_code == 400, body
        assert error_of(r)["field"] == field


def test_unit_party_org_sits_with_unit(server, admin, longju):
    u = admin.post("/api/v1/units", json={"org_id": longju, "name": "龙居小学", "type": "school"}).json()
    r = admin.post("/api/v1/party-orgs", json={"unit_id": u["id"], "kind": "党支部", "name": "龙居小学党支部"})
    assert r.status_code == 201 and r.json()["org_id"] == longju and r.json()["unit_name"] == "龙居小学"
    other = server.org_id(TIANHAIXIANG)
    r = admin.post("/api/v1/party-orgs", json={"unit_id": u["id"], "org_id": other, "kind": "党支部", "name": "x"})
    assert r.status_code == 400 and error_of(r)["field"] == "org_id"
    # A unit with a party organisation cannot be deleted.
    assert admin.delete(f"/api/v1/units/{u['id']}").status_code == 409


def test_party_and_units_in_scope(server, admin, longju):
    staff = server.make_user(admin, "tianhai-staff", "org_staff", server.org_id(TIANHAIXIANG))
    assert staff.get("/api/v1/party-orgs", params={"org": longju}).status_code == 404
    mine = staff.get("/api/v1/party-orgs").json()["items"]
    assert mine == []
    po = admin.get("/api/v1/party-orgs", params={"org": longju}).json()["items"][0]
    assert staff.get(f"/api/v1/party-orgs/{po['id']}").status_code == 404
    assert staff.patch(f"/api/v1/party-orgs/{po['id']}", json={"name": "x"}).status_code == 404


def test_lists_of_plain_families_count_their_rows_up_to_the_cap():
    """A generic list answers its total with its filters, the same on every page, counted up to
    --list-total-cap (here 3) and said to be capped above it; what a kept figure counts (the
    subtree's units, of a type) is that figure, exact."""
    s = Server(extra_args=["--list-total-cap", "3"])
    try:
        admin = s.admin()
        org = s.org_id(TIANHAIXIANG)
        for i, kind in enumerate(["school", "school", "agency", "agency", "agency"]):
            r = admin.post("/api/v1/units", json={"org_id": org, "name": f"计数单位{i}", "type": kind})
            assert r.status_code == 201, r.text
        page = admin.get("/api/v1/units", params={"org": org, "type": "school", "limit": 1}).json()
        assert (len(page["items"]), page["total"], page["total_capped"]) == (1, 2, False), page
        second = admin.get("/api/v1/units", params={"org": org, "type": "school", "limit": 1,
                                                    "after": page["next"]}).json()
        assert (len(second["items"]), second["total"], second["next"]) == (1, 2, None), second
        capped = admin.get("/api/v1/units", params={"org": org, "q": "计数单位"}).json()
        assert (len(capped["items"]), capped["total"], capped["total_capped"]) == (5, 3, True), capped
        # Without a filter (or by type alone) the total is the subtree's kept figure: exact above the cap.
        kept = admin.get("/api/v1/units", params={"org": org}).json()
        assert (len(kept["items"]), kept["total"], kept["total_capped"]) == (5, 5, False), kept
        exact = admin.get("/api/v1/units", params={"org": org, "type": "agency"}).json()
        assert (exact["total"], exact["total_capped"]) == (3, False), exact
        assert admin.get("/api/v1/units", params={"org": org, "q": "没有这个"}).json()["total"] == 0
    finally:
        s.close()


def test_grid_party_orgs_are_counted_at_the_grid(server, admin, longju):
    """party_orgs.at_grid (the stats' grid_party_orgs): the party organisations sitting at grid-level nodes
    (网格党支部, 党小组), kept on create, move and delete, and equal to a recount."""
    from test_people import recount
    grid = admin.post("/api/v1/orgs", json={"parent_id": longju, "level": "grid", "name": "翠竹园网格"}).json()["id"]
    figures = lambda org: admin.get(f"/api/v1/orgs/{org}/stats").json()["figures"]  # noqa: E731
    before, before_here = figures(1)["grid_party_orgs"], figures(longju)["party_orgs"]
    r = admin.post("/api/v1/party-orgs", json={"org_id": grid, "kind": "党支部", "name": "翠竹园网格党支部"})
    assert r.status_code == 201, r.text
    branch = r.json()
    small = admin.post("/api/v1/party-orgs", json={"org_id": grid, "kind": "党小组", "name": "翠竹园网格党小组",
                                                   "parent_id": branch["id"]}).json()
    assert figures(grid)["grid_party_orgs"] == 2 and figures(longju)["grid_party_orgs"] == 2
    assert figures(1)["grid_party_orgs"] == before + 2
    # Not a kind: the kinds still sum to the party organisations.
    s = admin.get(f"/api/v1/orgs/{grid}/stats").json()
    assert s["party_orgs_by_kind"] == {"党支部": 1, "党小组": 1} and s["figures"]["party_orgs"] == 2
    # A unit's 党支部 sits where the unit sits: the unit moved from the grid to the community takes it along.
    u = admin.post("/api/v1/units", json={"org_id": grid, "name": "翠竹园物业服务有限公司",
                                          "type": "non_public_enterprise"}).json()
    admin.post("/api/v1/party-orgs", json={"unit_id": u["id"], "kind": "党支部", "name": "翠竹园物业党支部"})
    assert figures(grid)["grid_party_orgs"] == 3
    r = admin.patch(f"/api/v1/units/{u['id']}", json={"org_id": longju, "version": u["version"]})
    assert r.status_code == 200, r.text
    assert figures(grid)["grid_party_orgs"] == 2 and figures(longju)["grid_party_orgs"] == 2
    assert figures(longju)["party_orgs"] == before_here + 3
    want, have = recount(server.db)
    assert want == have
    r = admin.patch(f"/api/v1/units/{u['id']}", json={"org_id": grid, "version": r.json()["version"]})
    assert r.status_code == 200 and figures(longju)["grid_party_orgs"] == 3
    po = admin.get("/api/v1/party-orgs", params={"org": grid}).json()["items"]
    for p in po:
        if p["unit_id"]:
            assert admin.delete(f"/api/v1/party-orgs/{p['id']}").status_code == 204
    assert admin.delete(f"/api/v1/units/{u['id']}").status_code == 204
    assert admin.delete(f"/api/v1/party-orgs/{small['id']}").status_code == 204
    assert admin.delete(f"/api/v1/party-orgs/{branch['id']}").status_code == 204
    assert figures(grid)["grid_party_orgs"] == 0 and figures(1)["grid_party_orgs"] == before
    want, have = recount(server.db)
    assert want == have
