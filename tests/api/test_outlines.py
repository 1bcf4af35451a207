"""Hefei's real district outlines (data/divisions/hefei-outlines.geojson): loaded by
import-divisions, valid, idempotent; /locate names the district holding a point; the demo
city's communities and grids lie inside their district's outline (docs/maps.md)."""
import json
import os
import shutil
import tempfile

import backend
from conftest import DIVISIONS, ROOT, Server, ready_database, run_cli
from test_demo import demo_city

OUTLINES = os.path.join(ROOT, "data", "divisions", "hefei-outlines.geojson")
WULIDUN = (117.2431, 31.8525)  # a real phone location in 五里墩街道, 蜀山区
# 高新区, 经开区 and 新站区 have no outline of their own: their communities lie in a host's.
HOST = {"340176": "340104", "340177": "340104", "340178": "340102"}


def ring_holds(ring, p):
    """Even-odd test; a point on an edge may go either way, which the callers allow for."""
    inside = False
    for (xi, yi), (xj, yj) in zip(ring, ring[-1:] + ring[:-1]):
        if (yi > p[1]) != (yj > p[1]) and p[0] < xj + (p[1] - yj) * (xi - xj) / (yi - yj):
            inside = not inside
    return inside


def polygons(geometry):
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def holds(geometry, p):
    return any(ring_holds(poly[0], p) and not any(ring_holds(h, p) for h in poly[1:]) for poly in polygons(geometry))


def district_outlines(con):
    rows = con.execute("SELECT o.id, o.code, o.name, g.kind, g.geojson, g.updated_at FROM org o"
                       " JOIN org_geometry g ON g.org_id = o.id WHERE o.level = 'district' ORDER BY o.code").fetchall()
    return {code: {"id": i, "name": name, "kind": kind, "geometry": json.loads(geo), "updated_at": at}
            for i, code, name, kind, geo, at in rows}


def test_outlines_load_valid_and_idempotent():
    with open(OUTLINES, encoding="utf-8") as f:
        features = json.load(f)["features"]
    assert len(features) == 9
    d = tempfile.mkdtemp(prefix="jiceng-outlines-")
    try:
        db = ready_database(d, divisions=False)
        p = run_cli("import-divisions", "--db", db, DIVISIONS)
        assert "district outlines 9" in p.stdout and "9 stored anew" in p.stdout, p.stdout
        con = backend.connect(db)
        first = district_outlines(con)
        con.close()
        assert {f["properties"]["code"] for f in features} == set(first)
        assert {v["name"] for v in first.values()} == {"瑶海区", "庐阳区", "蜀山区", "包河区", "长丰县", "肥东县", "肥西县",
                                                      "庐江县", "巢湖市"}
        for code, v in first.items():
            assert v["kind"] == v["geometry"]["type"] in ("Polygon", "MultiPolygon"), code
        # A rerun changes nothing.
        p = run_cli("import-divisions", "--db", db, DIVISIONS)
        assert "0 new nodes" in p.stdout and "0 stored anew" in p.stdout, p.stdout
        con = backend.connect(db)
        assert district_outlines(con) == first
        con.close()
        # An outline in several pieces (a MultiPolygon: 蜀山区's as one piece of one) is taken too, and replaces
        # the one stored; the file beside the divisions puts it back.
        shushan = next(f for f in features if f["properties"]["code"] == "340104")
        multi = os.path.join(d, "multi-outlines.geojson")
        with open(multi, "w", encoding="utf-8") as f:
            json.dump({"type": "FeatureCollection", "features": [dict(shushan, geometry={
                "type": "MultiPolygon", "coordinates": [shushan["geometry"]["coordinates"]]})]}, f)
        p = run_cli("import-divisions", "--db", db, "--outlines", multi, DIVISIONS)
        assert "district outlines 1" in p.stdout and "1 stored anew" in p.stdout, p.stdout
        con = backend.connect(db)
        assert district_outlines(con)["340104"]["kind"] == "MultiPolygon"
        con.close()
        assert "1 stored anew" in run_cli("import-divisions", "--db", db, DIVISIONS).stdout
        # A file naming a street instead of a district is refused whole: nothing stored, the divisions neither.
        bad = os.path.join(d, "bad-outlines.geojson")
        broken = dict(features[0], properties={"code": "340104006", "name": "五里墩街道"})
        with open(bad, "w", encoding="utf-8") as f:
            json.dump({"type": "FeatureCollection", "features": [broken]}, f)
        p = run_cli("import-divisions", "--db", db, "--outlines", bad, DIVISIONS, check=False)
        assert p.returncode == 1 and "340104006" in p.stderr, p.stderr
        con = backend.connect(db)
        assert con.execute("SELECT COUNT(*) FROM org_geometry").fetchone()[0] == 9
        con.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    # Valid (GEOS, through the API's own check): each outline stored again as it is is taken.
    s = Server()
    try:
        admin = s.admin()
        for code, v in district_outlines(backend.connect(s.db)).items():
            assert v["geometry"]["type"] == "Polygon"  # the API takes Polygon; the file has no MultiPolygon today
            r = admin.request("PUT", f"/api/v1/orgs/{v['id']}/geometry", json=v["geometry"])
            assert r.status_code == 200, (code, r.text)
        # Without any grid there, a point still has its district; outside Hefei it has none.
        got = admin.get("/api/v1/locate", params={"lng": WULIDUN[0], "lat": WULIDUN[1]}).json()
        assert got["grid"] is None and got["district"]["name"] == "蜀山区" and got["district"]["code"] == "340104"
        assert admin.get("/api/v1/locate", params={"lng": 116.0, "lat": 31.0}).json()["district"] is None
    finally:
        assert s.close() == 0, s.stderr


def test_demo_city_lies_inside_the_real_outlines():
    s = Server(db=demo_city(3000, 3))
    try:
        admin = s.admin()
        con = backend.connect(s.db)
        outlines = district_outlines(con)
        comms = con.execute("SELECT c.id, d.code, g.geojson FROM org c JOIN org st ON st.id = c.parent_id"
                            " JOIN org d ON d.id = st.parent_id JOIN org_geometry g ON g.org_id = c.id"
                            " WHERE c.level = 'community' ORDER BY c.id").fetchall()
        grids = con.execute("SELECT o.id, o.parent_id, g.geojson FROM org o JOIN org_geometry g ON g.org_id = o.id"
                            " WHERE o.level = 'grid' ORDER BY o.id").fetchall()
        path = dict(con.execute("SELECT id, path FROM org WHERE level IN ('district', 'grid')").fetchall())
        con.close()
        # Every community has its own outline, its corners inside its district's (a zone's: its host's).
        assert len(comms) == 1773
        rect = {}
        for cid, code, geo in comms:
            ring = json.loads(geo)["coordinates"][0]
            outline = outlines[HOST.get(code, code)]["geometry"]
            assert all(holds(outline, p) for p in ring[:4]), (cid, code)
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            rect[cid] = (min(xs), max(xs), min(ys), max(ys))
        # Every grid lies in its community's rectangle, and no two grids overlap (all are rectangles).
        boxes = []
        for gid, parent, geo in grids:
            ring = json.loads(geo)["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            b = (min(xs), max(xs), min(ys), max(ys))
            c = rect[parent]
            assert c[0] <= b[0] < b[1] <= c[1] and c[2] <= b[2] < b[3] <= c[3], gid
            boxes.append((b, gid))
        boxes.sort()
        for i, (a, ga) in enumerate(boxes):
            for b, gb in boxes[i + 1:]:
                if b[0] >= a[1]:
                    break
                assert b[2] >= a[3] or a[2] >= b[3], ("overlap", ga, gb)
        # A real location in 五里墩街道 lands in a grid of 蜀山区, and its district is 蜀山区.
        got = admin.get("/api/v1/locate", params={"lng": WULIDUN[0], "lat": WULIDUN[1]}).json()
        assert got["district"]["name"] == "蜀山区" and got["position"] == "inside"
        assert got["grid"]["path"].startswith(path[outlines["340104"]["id"]]), got
        # The middle of a community of each district, and of each zone: its district (the host's for a zone).
        seen = set()
        for cid, code, _ in comms:
            if code in seen:
                continue
            seen.add(code)
            x0, x1, y0, y1 = rect[cid]
            got = admin.get("/api/v1/locate", params={"lng": (x0 + x1) / 2, "lat": (y0 + y1) / 2}).json()
            assert got["district"]["code"] == HOST.get(code, code), (cid, code, got)
        assert len(seen) == 12
        # The API's own rules agree: a few grids and communities stored again as they are are taken.
        for gid, _, geo in grids[:: len(grids) // 10]:
            r = admin.request("PUT", f"/api/v1/orgs/{gid}/geometry", json=json.loads(geo))
            assert r.status_code == 200, (gid, r.text)
        for cid, _, geo in comms[:: len(comms) // 10]:
            r = admin.request("PUT", f"/api/v1/orgs/{cid}/geometry", json=json.loads(geo))
            assert r.status_code == 200, (cid, r.text)
    finally:
        assert s.close() == 0, s.stderr
