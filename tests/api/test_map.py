"""The map of a node (issue 18): GET /api/v1/orgs/{id}/map answers the node's outline,
its children's outlines, a community's or grid's buildings and the open cases of the
subtree that have a place; scoped like the node, cases only for who reads cases there,
no personal data, and never a cached answer older than the last commit. GET
/api/v1/map/tiles says which tile layer the operator configured (none by default), and
the CSP allows its origin only then."""
import os

import pytest

from conftest import ADMIN_PASSWORD, PASSWORD, Server, error_of

COMM, OTHER = "340111001013", "340111001014"  # two communities of 包河区
X, Y, D = 117.30, 31.85, 0.01


def square(x0, y0, w):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + w], [x0, y0 + w], [x0, y0]]]}


def r15(v):
    """v with every number as the map writes it: fifteen significant digits."""
    if isinstance(v, float):
        return float(f"{v:.15g}")
    if isinstance(v, list):
        return [r15(x) for x in v]
    if isinstance(v, dict):
        return {k: r15(x) for k, x in v.items()}
    return v


def put(client, org, geometry):
    return client.request("PUT", f"/api/v1/orgs/{org}/geometry", json=geometry)


def report(client, lng, lat, **extra):
    body = {"category": "sanitation", "title": "垃圾满溢", "description": "张三 13800138000 门口垃圾", **extra}
    if lng is not None:
        body.update(lng=lng, lat=lat)
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def city():
    s = Server(extra_args=["--public-rate", "1000"])
    admin = s.admin()
    ids = {"comm": s.org_id(COMM), "other": s.org_id(OTHER)}
    assert put(admin, ids["comm"], square(X, Y, 2 * D)).status_code == 200
    ids["a"] = s.square_grid(admin, ids["comm"], "地图网格A", X, Y, D)
    ids["b"] = s.square_grid(admin, ids["comm"], "地图网格B", X + D, Y, D)
    ids["bare"] = admin.post("/api/v1/orgs", json={"parent_id": ids["comm"], "level": "grid", "name": "无轮廓网格"}).json()["id"]
    r = admin.post("/api/v1/orgs", json={"parent_id": ids["a"], "level": "building", "name": "1栋"})
    assert r.status_code == 201, r.text
    ids["bld"] = r.json()["id"]
    assert put(admin, ids["bld"], {"type": "Point", "coordinates": [X + D / 4, Y + D / 4]}).status_code == 200
    ids["other_grid"] = s.square_grid(admin, ids["other"], "邻社区网格", X + 0.1, Y, D)
    ids["staff"] = s.make_user(admin, "map-staff", "org_staff", ids["comm"])
    ids["other_staff"] = s.make_user(admin, "map-other", "org_staff", ids["other"])
    ids["resident"] = s.make_user(admin, "map-resident", "resident", ids["comm"])
    yield s, admin, ids
    assert s.close() == 0, s.stderr


def map_of(client, org, status=200):
    r = client.get(f"/api/v1/orgs/{org}/map")
    assert r.status_code == status, r.text
    return r.json()


def test_shape_children_buildings_and_cases(city):
    s, admin, ids = city
    inside = report(ids["resident"], X + D / 2, Y + D / 2)
    nowhere = report(ids["resident"], None, None, org_id=ids["comm"])
    elsewhere = report(admin, X + 0.1 + D / 2, Y + D / 2)
    m = map_of(ids["staff"], ids["comm"])
    assert set(m) == {"org", "children", "grids", "buildings", "cases", "truncated"}
    assert m["grids"] == []  # only a street's map lists the grids within its children
    assert m["org"]["id"] == ids["comm"] and m["org"]["level"] == "community"
    assert m["org"]["geometry"]["type"] == "Polygon"
    kids = {c["id"]: c for c in m["children"]}
    assert {ids["a"], ids["b"], ids["bare"]} <= set(kids)
    assert kids[ids["a"]]["geometry"] == r15(square(X, Y, D))
    assert kids[ids["bare"]]["geometry"] is None
    assert {"id", "name", "level", "code", "geometry"} <= set(kids[ids["a"]])
    assert m["buildings"] == [r15({"id": ids["bld"], "name": "1栋", "parent_id": ids["a"], "lng": X + D / 4, "lat": Y + D / 4})]
    cases = {c["id"]: c for c in m["cases"]}
    # A case with a place in the subtree; none without a place, none of the other community.
    assert inside["id"] in cases and nowhere["id"] not in cases and elsewhere["id"] not in cases
    c = cases[inside["id"]]
    assert set(c) == {"id", "tracking_code", "state", "overdue", "lng", "lat", "org_id"}
    assert (c["state"], c["overdue"], c["org_id"]) == ("reported", False, ids["a"])
    assert c["tracking_code"] == inside["tracking_code"]
    assert m["truncated"] is False
    # Numbers as stored, not jansson's seventeen digits (31.850000000000001).
    assert "00000000" not in ids["staff"].get(f"/api/v1/orgs/{ids['comm']}/map").text
    # No personal data: the report's words (a name, a phone) are nowhere in the answer.
    text = ids["staff"].get(f"/api/v1/orgs/{ids['comm']}/map").text
    assert "13800138000" not in text and "张三" not in text
    # A grid: its buildings, no children areas; the street: its communities, no buildings.
    g = map_of(ids["staff"], ids["a"])
    assert g["children"] == [] and [b["id"] for b in g["buildings"]] == [ids["bld"]]
    assert [x["id"] for x in g["cases"]] == [inside["id"]]
    street = map_of(admin, m["org"]["parent_id"])
    assert ids["comm"] in [x["id"] for x in street["children"]] and street["buildings"] == []
    in_street = {x["id"]: x for x in street["grids"]}
    assert in_street[ids["b"]] == {"id": ids["b"], "name": "地图网格B", "parent_id": ids["comm"], "geometry": r15(square(X + D, Y, D))}
    assert ids["bare"] not in in_street  # no outline, nothing to draw
    assert inside["id"] in [x["id"] for x in street["cases"]]
    # Overdue once the stage's deadline passes (sanitation: 4 h to accept); ended cases leave.
    assert admin.post("/api/v1/_test/clock", json={"advance_seconds": 5 * 3600}).status_code == 200
    admin.login("admin", ADMIN_PASSWORD)  # the sessions idled out meanwhile
    for name, user in (("staff", "map-staff"), ("other_staff", "map-other"), ("resident", "map-resident")):
        ids[name].login(user, PASSWORD)
    assert {x["id"]: x for x in map_of(ids["staff"], ids["comm"])["cases"]}[inside["id"]]["overdue"] is True
    r = ids["staff"].post(f"/api/v1/cases/{inside['id']}/actions",
                          json={"action": "reject", "version": inside["version"], "note": "重复"})
    assert r.status_code == 200, r.text
    assert inside["id"] not in [x["id"] for x in map_of(ids["staff"], ids["comm"])["cases"]]


def test_scope(city):
    s, admin, ids = city
    # Another community's staff: 404 as for any node out of scope, the same as a missing id.
    for org in (ids["comm"], ids["a"]):
        r = ids["other_staff"].get(f"/api/v1/orgs/{org}/map")
        assert r.status_code == 404 and error_of(r)["code"] == "not_found", r.text
    r = admin.get("/api/v1/orgs/999999999/map")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert admin.get("/api/v1/orgs/abc/map").status_code == 404
    assert s.client().get(f"/api/v1/orgs/{ids['comm']}/map").status_code == 401
    # A resident reads the node but not its cases: the outlines without cases.
    m = map_of(ids["resident"], ids["comm"])
    assert m["cases"] is None and len(m["children"]) >= 3


def test_answer_follows_a_new_outline_at_once(city):
    s, admin, ids = city
    before = map_of(ids["staff"], ids["comm"])
    map_of(ids["staff"], ids["comm"])  # kept now
    moved = square(X + D / 4, Y + D, D / 2)
    assert put(ids["staff"], ids["bare"], moved).status_code == 200
    after = map_of(ids["staff"], ids["comm"])
    assert {c["id"]: c for c in before["children"]}[ids["bare"]]["geometry"] is None
    assert {c["id"]: c for c in after["children"]}[ids["bare"]]["geometry"] == r15(moved)
    # A refused outline (over grid A) changes nothing on the map.
    r = put(ids["staff"], ids["bare"], square(X, Y, D))
    assert r.status_code == 409 and error_of(r)["code"] == "geometry_overlap"
    assert {c["id"]: c for c in map_of(ids["staff"], ids["comm"])["children"]}[ids["bare"]]["geometry"] == r15(moved)


def test_multipolygon_and_tiles_default(city):
    s, admin, ids = city
    r = s.client().get("/api/v1/map/tiles")
    assert r.status_code == 200 and r.json() == {"url": None, "attribution": ""}
    assert "img-src 'self' data: blob:;" in r.headers["content-security-policy"]


def test_configured_tiles_in_csp(tmp_path):
    url = "https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=SECRETKEY&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    old = dict(os.environ)
    os.environ.update(JICENG_MAP_TILES=url, JICENG_MAP_TILES_ATTRIBUTION="天地图")
    try:
        s = Server(divisions=False, parent_dir=str(tmp_path))
    finally:
        os.environ.clear()
        os.environ.update(old)
    try:
        r = s.client().get("/api/v1/map/tiles")
        assert r.json() == {"url": url, "attribution": "天地图"}
        assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in r.headers["content-security-policy"]
        assert "SECRETKEY" not in s.read_log(whole=True)
    finally:
        assert s.close() == 0, s.stderr
    os.environ["JICENG_MAP_TILES"] = "https://tiles.example.cn/{z}/{x}/{y}.png; script-src *"
    try:
        bad = Server(divisions=False, parent_dir=str(tmp_path / "bad"))
    except Exception:  # noqa: BLE001 - the server refuses to start, which is the point
        bad = None
    finally:
        os.environ.clear()
        os.environ.update(old)
    if bad is not None:
        code = bad.close()
        pytest.fail(f"a template that would end the CSP directive was accepted (exit {code})")


def test_public_map_and_locate(city):
    """A visitor's report form: the city's outlines and where a point falls, with no
    account; no building, case or figure; a point's lookups limited per address."""
    s, admin, ids = city
    anon = s.client()
    root = anon.get("/api/v1/public/map")
    assert root.status_code == 200, root.text
    m = root.json()
    assert set(m) == {"org", "children", "grids", "buildings", "truncated"}
    assert m["org"]["level"] == "city" and m["buildings"] == []
    assert {c["level"] for c in m["children"]} == {"district"}
    assert sum(1 for c in m["children"] if c["geometry"]) >= 9  # the real outlines
    # A street: its communities and their grids, no buildings and no cases.
    street = map_of(admin, ids["comm"])["org"]["parent_id"]
    st = anon.get(f"/api/v1/public/map?org={street}").json()
    assert ids["comm"] in [c["id"] for c in st["children"]]
    assert ids["a"] in [g["id"] for g in st["grids"]]
    assert "cases" not in st and st["buildings"] == []
    # A community: its grids; never its buildings (a staff map has them).
    assert anon.get(f"/api/v1/public/map?org={ids['comm']}").json()["buildings"] == []
    for bad, code in (("999999999", 404), ("abc", 400), ("0", 400), (str(ids["bld"]), 404)):
        r = anon.get(f"/api/v1/public/map?org={bad}")
        assert r.status_code == code and error_of(r)["field"] == "org", (bad, r.text)
    # Where a point falls: the grid, its community and street, and the district.
    r = anon.get(f"/api/v1/public/locate?lng={X + D / 2}&lat={Y + D / 2}")
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["position"] == "inside"
    assert (found["grid"]["id"], found["grid"]["name"], found["grid"]["community_id"]) == (ids["a"], "地图网格A", ids["comm"])
    assert found["grid"]["street_id"] == street and found["district"]["name"] == "包河区"
    out = anon.get("/api/v1/public/locate?lng=116&lat=40").json()
    assert out == {"grid": None, "position": "outside", "district": None}
    r = anon.get("/api/v1/public/locate?lng=200&lat=31")
    assert r.status_code == 400 and error_of(r)["field"] == "lng"
    # Limited per address: past the minute's allowance, 429 until the next minute.
    codes = [anon.get(f"/api/v1/public/locate?lng={X}&lat={Y}").status_code for _ in range(70)]
    assert codes.count(429) >= 1 and codes[0] == 200
    r = anon.get(f"/api/v1/public/locate?lng={X}&lat={Y}")
    assert r.status_code == 429 and error_of(r)["code"] == "rate_limited"
    assert admin.post("/api/v1/_test/clock", json={"advance_seconds": 60}).status_code == 200
    assert anon.get(f"/api/v1/public/locate?lng={X}&lat={Y}").status_code == 200
