"""Grid outlines, building points, locating a point's grid, cadres, and the
coverage audit on a crafted community with one of each defect."""
import datetime
import pytest

from conftest import error_of

BASE_LNG, BASE_LAT = 117.20, 31.80


def square(x0, y0, s):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]]}


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


@pytest.fixture(scope="module")
def city(server, admin):
    """One community with three grids: A and B side by side, C overlapping B by a sliver
    (0.5% of their area, within the tolerance: the coverage audit still names it)."""
    street = server.org_id("340104006")
    comm = admin.post("/api/v1/orgs", json={"parent_id": street, "level": "community", "name": "测绘社区"}).json()["id"]
    empty = admin.post("/api/v1/orgs", json={"parent_id": street, "level": "community", "name": "无网格社区"}).json()["id"]
    g = {}
    for name in "ABC":
        g[name] = admin.post("/api/v1/orgs", json={"parent_id": comm, "level": "grid", "name": f"网格{name}"}).json()["id"]
    d = 0.01
    assert admin.request("PUT", f"/api/v1/orgs/{g['A']}/geometry", json=square(BASE_LNG, BASE_LAT, d)).status_code == 200
    assert admin.request("PUT", f"/api/v1/orgs/{g['B']}/geometry",
                         json=square(BASE_LNG + d, BASE_LAT, d)).status_code == 200
    assert admin.request("PUT", f"/api/v1/orgs/{g['C']}/geometry",
                         json=square(BASE_LNG + 1.995 * d, BASE_LAT, d)).status_code == 200
    inside = admin.post("/api/v1/orgs", json={"parent_id": g["A"], "level": "building", "name": "1栋"}).json()["id"]
    outside = admin.post("/api/v1/orgs", json={"parent_id": g["A"], "level": "building", "name": "2栋"}).json()["id"]
    admin.request("PUT", f"/api/v1/orgs/{inside}/geometry",
                  json={"type": "Point", "coordinates": [BASE_LNG + d / 2, BASE_LAT + d / 2]})
    admin.request("PUT", f"/api/v1/orgs/{outside}/geometry",
                  json={"type": "Point", "coordinates": [BASE_LNG + 5 * d, BASE_LAT + d / 2]})
    # A building inside grid B: each building is judged against its own grid's outline.
    in_b = admin.post("/api/v1/orgs", json={"parent_id": g["B"], "level": "building", "name": "3栋"}).json()["id"]
    assert admin.request("PUT", f"/api/v1/orgs/{in_b}/geometry",
                         json={"type": "Point", "coordinates": [BASE_LNG + 1.5 * d, BASE_LAT + d / 2]}).status_code == 200
    # Grid A is staffed and has a branch; B and C have neither.
    worker = admin.post("/api/v1/persons", json={"org_id": g["A"], "name": "网格员甲",
                                                 "id_card": id_with_check("34010419850101771")}).json()
    r = admin.post("/api/v1/cadres", json={"person_id": worker["id"], "org_id": g["A"], "post": "网格员",
                                           "term_start": "2024-01-01"})
    assert r.status_code == 201, r.text
    admin.post("/api/v1/party-orgs", json={"org_id": g["A"], "kind": "党小组", "name": "网格A党小组"})
    # A household left at community level: in no grid.
    stray = admin.post("/api/v1/households", json={"org_id": comm, "address": "无网格地址 1 号"}).json()["id"]
    admin.post("/api/v1/households", json={"org_id": inside, "address": "1栋 101"})
    return {"comm": comm, "empty": empty, "grids": g, "inside": inside, "outside": outside, "stray": stray, "d": d}


def locate(admin, lng, lat):
    r = admin.get("/api/v1/locate", params={"lng": lng, "lat": lat})
    assert r.status_code == 200, r.text
    return r.json()


def test_locate(server, admin, city):
    d, g = city["d"], city["grids"]
    got = locate(admin, BASE_LNG + d / 2, BASE_LAT + d / 2)
    assert got["grid"]["id"] == g["A"] and got["position"] == "inside" and got["grid"]["community_name"] == "测绘社区"
    assert locate(admin, BASE_LNG - d, BASE_LAT)["grid"] is None
    # On the outer edge of A: boundary counts as in.
    edge = locate(admin, BASE_LNG, BASE_LAT + d / 2)
    assert edge["grid"]["id"] == g["A"] and edge["position"] == "boundary"
    # On the edge A shares with B: the answer is one of them, on the boundary.
    shared = locate(admin, BASE_LNG + d, BASE_LAT + d / 4)
    assert shared["grid"]["id"] in (g["A"], g["B"])
    for params, field in [({"lng": "x", "lat": 1}, "lng"), ({"lng": 1}, "lat"), ({"lng": 200, "lat": 1}, "lng"),
                          ({"lng": 1, "lat": 91}, "lat")]:
        r = admin.get("/api/v1/locate", params=params)
        assert r.status_code == 400 and error_of(r)["field"] == field


def test_locate_respects_scope(server, admin, city):
    d = city["d"]
    other = server.make_user(admin, "geo-outsider", "org_staff", server.org_id("340102001001"))
    assert locate(other, BASE_LNG + d / 2, BASE_LAT + d / 2)["grid"] is None


def test_geometry_validation(server, admin, city):
    g = city["grids"]["A"]
    bad = [
        ({"type": "Point", "coordinates": [117, 31]}, "type"),
        ({"type": "Polygon", "coordinates": [[[117, 31], [117.1, 31], [117.1, 31.1], [117, 31]]], "x": 1}, "x"),
        ({"type": "LineString", "coordinates": []}, "type"),
        ({"type": "Polygon", "coordinates": [[[117, 31], [117.1, 31], [117.1, 31.1]]]}, "coordinates"),
        ({"type": "Polygon", "coordinates": [[[117, 31], [117.1, 31], [117.2, 31], [117, 31]]]}, "coordinates"),
        ({"type": "Polygon", "coordinates": [[[117, 31], [190, 31], [117.1, 31.1], [117, 31]]]}, "coordinates"),
        ({"type": "Polygon", "coordinates": "nope"}, "coordinates"),
    ]
    before = admin.get(f"/api/v1/orgs/{g}/geometry").json()
    for body, field in bad:
        r = admin.request("PUT", f"/api/v1/orgs/{g}/geometry", json=body)
        assert r.status_code == 400, body
        assert error_of(r)["field"] == field, body
    assert admin.get(f"/api/v1/orgs/{g}/geometry").json() == before
    r = admin.request("PUT", f"/api/v1/orgs/{city['inside']}/geometry", json=square(117, 31, 0.1))
    assert r.status_code == 400 and error_of(r)["field"] == "type"


def test_coverage_finds_each_defect(server, admin, city):
    r = admin.get(f"/api/v1/orgs/{city['comm']}/coverage")
    assert r.status_code == 200, r.text
    c = r.json()
    g = city["grids"]
    assert c["households_without_grid"]["count"] == 1
    assert c["households_without_grid"]["items"][0]["id"] == city["stray"]
    assert {x["id"] for x in c["grids_without_worker"]["items"]} == {g["B"], g["C"]}
    assert {x["id"] for x in c["grids_without_party_branch"]["items"]} == {g["B"], g["C"]}
    assert [x["id"] for x in c["buildings_outside_grid"]["items"]] == [city["outside"]]
    pairs = [{p["a"]["id"], p["b"]["id"]} for p in c["overlapping_grids"]["items"]]
    assert pairs == [{g["B"], g["C"]}]
    assert c["communities_without_grids"]["count"] == 0
    street = admin.get(f"/api/v1/orgs/{server.org_id('340104006')}/coverage").json()
    assert city["empty"] in [x["id"] for x in street["communities_without_grids"]["items"]]
    # Fix the defects and they are gone.
    admin.request("PUT", f"/api/v1/orgs/{g['C']}/geometry", json=square(BASE_LNG + 2 * city["d"], BASE_LAT, city["d"]))
    assert admin.get(f"/api/v1/orgs/{city['comm']}/coverage").json()["overlapping_grids"]["count"] == 0


def test_coverage_scope(server, admin, city):
    other = server.make_user(admin, "coverage-outsider", "org_staff", server.org_id("340102001001"))
    assert other.get(f"/api/v1/orgs/{city['comm']}/coverage").status_code == 404


def test_cadres(server, admin, city):
    g = city["grids"]["B"]
    p = admin.post("/api/v1/persons", json={"org_id": g, "name": "网格员乙",
                                            "id_card": id_with_check("34010419850101772")}).json()
    r = admin.post("/api/v1/cadres", json={"person_id": p["id"], "org_id": city["comm"], "post": "网格员",
                                           "term_start": "2024-01-01"})
    assert r.status_code == 400 and error_of(r)["field"] == "post"
    r = admin.post("/api/v1/cadres", json={"person_id": p["id"], "org_id": g, "post": "网格员",
                                           "term_start": "2024-01-01", "term_end": "2023-01-01"})
    assert r.status_code == 400 and error_of(r)["field"] == "term_end"
    c = admin.post("/api/v1/cadres", json={"person_id": p["id"], "org_id": g, "post": "网格员",
                                           "term_start": "2024-01-01"}).json()
    assert c["name"] == "网格员乙" and c["org_level"] == "grid"
    cov = admin.get(f"/api/v1/orgs/{city['comm']}/coverage").json()
    assert g not in [x["id"] for x in cov["grids_without_worker"]["items"]]
    assert admin.patch(f"/api/v1/cadres/{c['id']}", json={"term_end": "2025-12-31"}).status_code == 200
    cov = admin.get(f"/api/v1/orgs/{city['comm']}/coverage").json()
    assert g in [x["id"] for x in cov["grids_without_worker"]["items"]]
    listed = admin.get("/api/v1/cadres", params={"org": city["comm"], "post": "网格员"}).json()["items"]
    assert c["id"] in [x["id"] for x in listed]
    assert admin.delete(f"/api/v1/cadres/{c['id']}").status_code == 204


def test_worker_terms_by_date_and_post_rules(server, admin, city):
    g = city["grids"]["C"]
    p = admin.post("/api/v1/persons", json={"org_id": g, "name": "网格员丙",
                                            "id_card": id_with_check("34010419850101773")}).json()
    # Terms may be set up to ten years ahead: one starting in two years, one ending in five.
    year = datetime.date.today().year
    future = admin.post("/api/v1/cadres", json={"person_id": p["id"], "org_id": g, "post": "网格员",
                                                "term_start": f"{year + 2}-01-01"}).json()
    ids = lambda: [x["id"] for x in admin.get(f"/api/v1/orgs/{city['comm']}/coverage").json()
                   ["grids_without_worker"]["items"]]
    assert g in ids()  # a term that has not started does not staff the grid
    assert admin.patch(f"/api/v1/cadres/{future['id']}", json={"term_start": "2020-01-01",
                                                               "term_end": f"{year + 5}-12-31"}).status_code == 200
    assert g not in ids()  # one that ends in the future does
    r = admin.patch(f"/api/v1/cadres/{future['id']}", json={"post": "书记"})
    assert r.status_code == 400 and error_of(r)["field"] == "post"
    assert admin.get(f"/api/v1/cadres/{future['id']}").json()["post"] == "网格员"
    for v in ("0x10", "inf", "nan", "1e400"):
        assert admin.get("/api/v1/locate", params={"lng": v, "lat": 31}).status_code == 400, v
