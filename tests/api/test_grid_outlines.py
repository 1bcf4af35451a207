"""Grid outlines cannot capture other places' reports (issue #13, item 6): a grid's
outline must be valid, lie within its community's outline where the community has one,
and overlap no other grid, each up to a tolerance (serve --geo-tolerance-m2 and
--geo-tolerance-permille); a community's outline must keep its grids; locating a point
gives one answer however outlines touch, only among grids whose community holds the
point."""
import json

import pytest

import backend
from conftest import Server, error_of

BH_COMM, BH_BARE, JK_COMM = "340111001013", "340111001014", "340177006001"  # 包河 x2, 经开区
JK = (117.20, 31.75)   # 经开区 community's outline: a 0.02-degree square from here
BH = (117.30, 31.85)   # 包河 community's outline
D = 0.01


def square(x0, y0, w, h=None):
    h = w if h is None else h
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]]}


def put(client, org, geometry):
    return client.request("PUT", f"/api/v1/orgs/{org}/geometry", json=geometry)


def grid(s, admin, comm, name, geometry=None):
    r = admin.post("/api/v1/orgs", json={"parent_id": comm, "level": "grid", "name": name})
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    if geometry:
        r = put(admin, gid, geometry)
        assert r.status_code == 200, r.text
    return gid


def refused(r, code, status=409):
    assert r.status_code == status, r.text
    err = error_of(r)
    assert (err["code"], err["field"]) == (code, "geometry"), err
    return err


@pytest.fixture(scope="module")
def city():
    s = Server(extra_args=["--public-rate", "1000"])
    admin = s.admin()
    ids = {"bh": s.org_id(BH_COMM), "bh_bare": s.org_id(BH_BARE), "jk": s.org_id(JK_COMM)}
    assert put(admin, ids["bh"], square(*BH, 2 * D)).status_code == 200
    assert put(admin, ids["jk"], square(*JK, 2 * D)).status_code == 200
    ids["jk_grid"] = grid(s, admin, ids["jk"], "经开网格", square(JK[0] + D / 2, JK[1] + D / 2, D))
    ids["bh_a"] = grid(s, admin, ids["bh"], "包河网格A", square(BH[0], BH[1], D / 2, D))
    ids["bh_b"] = grid(s, admin, ids["bh"], "包河网格B", square(BH[0] + D / 2, BH[1], D, D))
    ids["bh_staff"] = s.make_user(admin, "bh-staff", "org_staff", ids["bh"])
    ids["bh_bare_staff"] = s.make_user(admin, "bh-bare-staff", "org_staff", ids["bh_bare"])
    ids["jk_staff"] = s.make_user(admin, "jk-staff", "org_staff", ids["jk"])
    yield s, admin, ids
    assert s.close() == 0, s.stderr


def outline(admin, org):
    return admin.get(f"/api/v1/orgs/{org}/geometry").json()["geometry"]


def test_grid_redrawn_over_the_city_is_refused(city):
    s, admin, ids = city
    whole_city = square(116.7, 31.4, 0.9)
    before = outline(admin, ids["bh_a"])
    # Its community has an outline: the grid sticks out of it.
    refused(put(ids["bh_staff"], ids["bh_a"], whole_city), "geometry_outside_parent")
    assert outline(admin, ids["bh_a"]) == before
    # A community without an outline: the grid overlaps 经开区's grid (and 包河's own).
    bare = grid(s, admin, ids["bh_bare"], "包河无轮廓社区网格")
    err = refused(put(ids["bh_bare_staff"], bare, whole_city), "geometry_overlap")
    assert err["message"]
    assert outline(admin, bare) is None


def test_grid_sticking_out_of_its_community(city):
    s, admin, ids = city
    g = grid(s, admin, ids["bh"], "包河出界网格")
    # Half of it beyond the community's east edge.
    refused(put(admin, g, square(BH[0] + 1.5 * D, BH[1] + D, D)), "geometry_outside_parent")
    # A sliver beyond it (1e-5 degree, about 1 m by 1 km): within the tolerance.
    r = put(admin, g, square(BH[0] + D * 1.5, BH[1] + D, D / 2 + 1e-5, D))
    assert r.status_code == 200, r.text
    assert admin.delete(f"/api/v1/orgs/{g}").status_code == 204


def test_overlapping_a_sibling(city):
    s, admin, ids = city
    g = grid(s, admin, ids["bh"], "包河重叠网格")
    # A third over grid B.
    refused(put(admin, g, square(BH[0] + D * 1.5 - D / 3, BH[1], D / 2, D)), "geometry_overlap")
    assert outline(admin, g) is None
    # 0.4% of the smaller (this one's) area over B: within 1%.
    r = put(admin, g, square(BH[0] + D * 1.5 - D / 2 * 0.004, BH[1], D / 2, D))
    assert r.status_code == 200, r.text
    # Sharing B's edge exactly is no overlap at all.
    r = put(admin, g, square(BH[0] + D * 1.5, BH[1], D / 2, D))
    assert r.status_code == 200, r.text
    assert admin.delete(f"/api/v1/orgs/{g}").status_code == 204


def test_tolerance_is_a_parameter():
    s = Server(extra_args=["--geo-tolerance-m2", "0", "--geo-tolerance-permille", "0"])
    try:
        admin = s.admin()
        comm = s.org_id(BH_COMM)
        grid(s, admin, comm, "甲", square(*BH, D))
        b = grid(s, admin, comm, "乙")
        refused(put(admin, b, square(BH[0] + D * 0.996, BH[1], D)), "geometry_overlap")
        assert put(admin, b, square(BH[0] + D, BH[1], D)).status_code == 200
    finally:
        assert s.close() == 0, s.stderr


def test_invalid_outline(city):
    s, admin, ids = city
    x, y = BH[0], BH[1]
    bowtie = {"type": "Polygon", "coordinates": [[[x, y], [x + D, y + D], [x + D, y], [x, y + D / 2], [x, y]]]}
    err = refused(put(admin, ids["bh_a"], bowtie), "geometry_invalid", 400)
    assert err["reason"] == "self_intersection"
    hole_outside = {"type": "Polygon", "coordinates": square(x, y, D / 2)["coordinates"] +
                    square(x + D, y, D / 4)["coordinates"]}
    assert refused(put(admin, ids["bh_a"], hole_outside), "geometry_invalid", 400)["reason"] == "hole_lies_outside_shell"
    assert outline(admin, ids["bh_a"]) == square(BH[0], BH[1], D / 2, D)


def test_community_outline_must_keep_its_grids(city):
    s, admin, ids = city
    before = outline(admin, ids["bh"])
    # Shrunk to leave grid B out.
    refused(put(admin, ids["bh"], square(*BH, D)), "geometry_excludes_grids")
    assert outline(admin, ids["bh"]) == before
    # Grown is fine.
    assert put(admin, ids["bh"], square(BH[0] - D, BH[1] - D, 4 * D)).status_code == 200
    assert put(admin, ids["bh"], before).status_code == 200


def locate(client, lng, lat):
    r = client.get("/api/v1/locate", params={"lng": lng, "lat": lat})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_point_on_a_shared_edge_always_goes_to_the_same_grid(city):
    s, admin, ids = city
    # A (half the size of B, the lower id) and B share the edge x = BH[0] + D/2.
    edge = (BH[0] + D / 2, BH[1] + D / 3)
    got = {locate(admin, *edge)["grid"]["id"] for _ in range(5)}
    assert got == {ids["bh_a"]}  # the smaller
    assert locate(admin, *edge)["position"] == "boundary"
    # A smaller grid made later on B's other edge wins that edge, though its id is higher.
    c = grid(s, admin, ids["bh"], "包河小网格", square(BH[0] + 1.5 * D, BH[1], D / 4, D / 4))
    far_edge = (BH[0] + 1.5 * D, BH[1] + D / 8)
    assert locate(admin, *far_edge)["grid"]["id"] == c
    # A report there lands in the same grid the locate answer names.
    r = s.client().post("/api/v1/public/cases", json={"category": "safety", "title": "边界", "description": "x",
                                                       "lat": far_edge[1], "lng": far_edge[0]})
    assert r.status_code == 201, r.text
    assert case_org(admin, r.json()["tracking_code"]) == c
    assert admin.delete(f"/api/v1/orgs/{c}").status_code in (204, 409)


def case_org(admin, code):
    r = admin.get("/api/v1/public/cases", params={"code": code})
    assert r.status_code == 200, r.text
    items = admin.get("/api/v1/cases", params={"limit": 200}).json()["items"]
    return next(c["org_id"] for c in items if c["tracking_code"] == code)


def legacy_outline(s, org, x0, y0, w, geometry=None):
    """An outline stored before the rules held (straight into the database)."""
    geo = json.dumps(geometry or square(x0, y0, w), separators=(",", ":"), sort_keys=True)
    con = backend.connect(s.db)
    con.execute("INSERT INTO org_geometry (org_id, kind, geojson, updated_at) VALUES (?, 'Polygon', ?, 0)", (org, geo))
    con.execute("INSERT INTO org_geometry_box (org_id, min_lng, max_lng, min_lat, max_lat) VALUES (?, ?, ?, ?, ?)",
                (org, x0, x0 + w, y0, y0 + w))
    con.commit()
    con.close()


def test_anonymous_report_from_jk_lands_in_jk_grid(city):
    """Even with 包河 grids over the whole city already in the data (stored before these
    rules), a report from inside 经开区's grid lands there: a grid whose community's
    outline does not hold the point is no candidate, and among the rest the smallest
    holding it wins. 包河's staff never see it."""
    s, admin, ids = city
    # The old grids have the lower ids: a first-found answer would be theirs.
    over_outlined = grid(s, admin, ids["bh"], "包河旧大网格")
    over_bare = grid(s, admin, ids["bh_bare"], "包河旧大网格2")
    jk_grid = grid(s, admin, ids["jk"], "经开网格2", square(JK[0], JK[1], D / 2))
    legacy_outline(s, over_outlined, 116.7, 31.4, 0.9)
    legacy_outline(s, over_bare, 116.7, 31.4, 0.9)
    here = (JK[0] + D / 4, JK[1] + D / 4)
    assert locate(admin, *here)["grid"]["id"] == jk_grid
    assert locate(admin, JK[0] + D, JK[1] + D)["grid"]["id"] == ids["jk_grid"]
    r = s.client().post("/api/v1/public/cases", json={"category": "safety", "title": "路灯不亮",
                                                       "description": "经开区路口", "lat": here[1], "lng": here[0]})
    assert r.status_code == 201, r.text
    code = r.json()["tracking_code"]
    assert case_org(admin, code) == jk_grid
    for staff, sees in ((ids["jk_staff"], True), (ids["bh_staff"], False), (ids["bh_bare_staff"], False)):
        items = staff.get("/api/v1/cases", params={"limit": 200}).json()["items"]
        assert (code in [c["tracking_code"] for c in items]) == sees
    # Outside every community outline but inside the old grid of the bare community:
    # that grid still answers (no outline rules it out), nothing better is there.
    assert locate(admin, 116.75, 31.45)["grid"]["id"] == over_bare
    # The coverage audit names the old overlaps so they can be redrawn.
    cov = admin.get(f"/api/v1/orgs/{ids['bh']}/coverage").json()
    assert cov["overlapping_grids"]["count"] >= 1


def test_an_old_invalid_outline_is_measured_repaired(city):
    """A crossing outline stored before outlines were checked does not break the checks of
    its neighbours (GEOS cannot overlay it as it is): it counts as the area it encloses."""
    s, admin, ids = city
    x, y = 117.70, 32.40  # beyond the old city-wide outlines of the test above
    old = grid(s, admin, ids["bh_bare"], "包河旧蝴蝶网格")
    legacy_outline(s, old, x, y, D, {"type": "Polygon", "coordinates": [
        [[x, y], [x + D, y + D], [x + D, y], [x, y + D / 2], [x, y]]]})
    assert locate(admin, x + D * 0.9, y + D * 0.5)["grid"]["id"] == old
    new = grid(s, admin, ids["bh_bare"], "包河新网格")
    # Over the larger of its two triangles: refused; beside it: taken.
    refused(put(admin, new, square(x + D * 0.6, y + D * 0.4, D * 0.3)), "geometry_overlap")
    r = put(admin, new, square(x + D, y, D))
    assert r.status_code == 200, r.text
