"""The organisation tree: listing, paging, creating, editing, moving, deleting, stats."""
from conftest import error_of


def test_real_hefei_is_loaded(server, admin):
    s = admin.get("/api/v1/orgs/1/stats").json()
    assert s["org"]["name"] == "合肥市" and s["org"]["code"] == "3401"
    f = s["figures"]
    assert (f["districts"], f["streets"], f["communities"] + f["villages"]) == (12, 160, 1773)
    assert len(s["children"]) == 12
    assert sum(c["figures"]["streets"] for c in s["children"]) == 160


def test_get_org_with_ancestors(server, admin):
    oid = server.org_id("340104006006")
    r = admin.get(f"/api/v1/orgs/{oid}")
    assert r.status_code == 200
    o = r.json()
    assert o["name"] == "龙居社区" and o["level"] == "community"
    names = [a["name"] for a in o["ancestors"]]
    assert names[0] == "合肥市" and names[1] == "蜀山区"
    assert "org.write" in o["your_permissions"]


def test_keyset_paging_visits_every_node_once(server, admin):
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 200}
        if after is not None:
            params["after"] = after
        body = admin.get("/api/v1/orgs", params=params).json()
        seen += [o["id"] for o in body["items"]]
        pages += 1
        after = body["next"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) >= 1946
    assert pages == -(-len(seen) // 200) or pages == len(seen) // 200 + 1


def test_list_filters(server, admin):
    d = server.org_id("340104")
    items = admin.get("/api/v1/orgs", params={"org": d, "level": "street", "limit": 200}).json()["items"]
    assert len(items) == 12 and all(o["level"] == "street" and o["path"].startswith(f"/1/{d}/") for o in items)
    items = admin.get("/api/v1/orgs", params={"q": "龙居"}).json()["items"]
    assert "340104006006" in [o["code"] for o in items] and all("龙居" in o["name"] for o in items)
    items = admin.get("/api/v1/orgs", params={"q": "340104006006"}).json()["items"]
    assert [o["name"] for o in items] == ["龙居社区"]
    # LIKE wildcards in q are literal.
    assert admin.get("/api/v1/orgs", params={"q": "%"}).json()["items"] == []
    r = admin.get("/api/v1/orgs", params={"level": "planet"})
    assert r.status_code == 400 and error_of(r)["field"] == "level"


def test_children(server, admin):
    d = server.org_id("340104")
    items = admin.get(f"/api/v1/orgs/{d}/children", params={"limit": 100}).json()["items"]
    assert len(items) == 12 and all(o["parent_id"] == d for o in items)


def test_create_grid_and_building(server, admin):
    c = server.org_id("340104006006")
    r = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "龙居第一网格"})
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["level"] == "grid" and g["kind"] == "grid" and g["parent_id"] == c
    assert g["path"].endswith(f"/{c}/{g['id']}/") and g["depth"] == 5
    r = admin.post("/api/v1/orgs", json={"parent_id": g["id"], "level": "building", "name": "3栋"})
    assert r.status_code == 201
    s = admin.get(f"/api/v1/orgs/{c}/stats").json()["figures"]
    assert s["grids"] == 1 and s["buildings"] == 1
    city = admin.get("/api/v1/orgs/1/stats").json()["figures"]
    assert city["grids"] >= 1


def test_create_validation_changes_nothing(server, admin):
    c = server.org_id("340104006006")
    before = admin.get("/api/v1/orgs/1/stats").json()["figures"]
    cases = [
        ({"parent_id": c, "level": "grid"}, "name"),
        ({"parent_id": c, "level": "grid", "name": ""}, "name"),
        ({"parent_id": c, "level": "grid", "name": "   "}, "name"),
        ({"parent_id": c, "level": "grid", "name": "x" * 65}, "name"),
        ({"parent_id": c, "level": "grid", "name": "tab\tname"}, "name"),
        ({"parent_id": c, "level": "galaxy", "name": "x"}, "level"),
        ({"parent_id": "1", "level": "grid", "name": "x"}, "parent_id"),
        ({"parent_id": c, "level": "grid", "name": "x", "colour": "red"}, "colour"),
        ({"parent_id": c, "level": "street", "name": "x"}, "level"),
        ({"parent_id": c, "level": "grid", "kind": "village", "name": "x"}, "kind"),
        ({"parent_id": c, "level": "grid", "name": "x", "code": "12ab"}, "code"),
    ]
    for body, field in cases:
        r = admin.post("/api/v1/orgs", json=body)
        assert r.status_code == 400, (body, r.text)
        e = error_of(r)
        assert e["code"] == "validation_failed" and e["field"] == field, (body, e)
        assert e["message"]
    r = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "a\u0000b"})
    assert r.status_code == 400 and error_of(r)["code"] == "invalid_json"
    r = admin.post("/api/v1/orgs", json={"parent_id": 999999, "level": "grid", "name": "x"})
    assert r.status_code == 404
    r = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "重码", "code": "340104006006"})
    assert r.status_code == 409 and error_of(r)["field"] == "code"
    assert admin.get("/api/v1/orgs/1/stats").json()["figures"] == before


def test_rename_with_version(server, admin):
    c = server.org_id("340104006006")
    g = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "改名网格"}).json()
    r = admin.patch(f"/api/v1/orgs/{g['id']}", json={"name": "新名网格", "version": g["version"]})
    assert r.status_code == 200 and r.json()["name"] == "新名网格" and r.json()["version"] == g["version"] + 1
    r = admin.patch(f"/api/v1/orgs/{g['id']}", json={"name": "旧版本", "version": g["version"]})
    assert r.status_code == 409 and error_of(r)["code"] == "version_conflict"
    assert admin.get(f"/api/v1/orgs/{g['id']}").json()["name"] == "新名网格"


def test_move_subtree_rewrites_paths(server, admin):
    a = server.org_id("340104006006")
    b = server.org_id("340102001001")
    g = admin.post("/api/v1/orgs", json={"parent_id": a, "level": "grid", "name": "搬家网格"}).json()
    bl = admin.post("/api/v1/orgs", json={"parent_id": g["id"], "level": "building", "name": "1栋"}).json()
    r = admin.patch(f"/api/v1/orgs/{g['id']}", json={"parent_id": b})
    assert r.status_code == 200, r.text
    moved = admin.get(f"/api/v1/orgs/{bl['id']}").json()
    bpath = admin.get(f"/api/v1/orgs/{b}").json()["path"]
    assert moved["path"] == f"{bpath}{g['id']}/{bl['id']}/"
    assert [x["id"] for x in admin.get(f"/api/v1/orgs/{b}/children").json()["items"]].count(g["id"]) == 1
    # Into its own subtree, or under a node of the wrong level: refused.
    r = admin.patch(f"/api/v1/orgs/{g['id']}", json={"parent_id": bl["id"]})
    assert r.status_code in (400, 409)
    r = admin.patch(f"/api/v1/orgs/{g['id']}", json={"parent_id": server.org_id("340104")})
    assert r.status_code in (400, 409)
    assert admin.get(f"/api/v1/orgs/{bl['id']}").json()["path"] == moved["path"]


def test_delete(server, admin):
    c = server.org_id("340104006006")
    g = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "删除网格"}).json()
    b = admin.post("/api/v1/orgs", json={"parent_id": g["id"], "level": "building", "name": "楼"}).json()
    r = admin.delete(f"/api/v1/orgs/{g['id']}")
    assert r.status_code == 409 and error_of(r)["code"] == "not_empty"
    assert admin.delete(f"/api/v1/orgs/{b['id']}").status_code == 204
    assert admin.delete(f"/api/v1/orgs/{g['id']}").status_code == 204
    assert admin.get(f"/api/v1/orgs/{g['id']}").status_code == 404
    assert admin.delete(f"/api/v1/orgs/{g['id']}").status_code == 404


def test_idempotent_create(server, admin):
    c = server.org_id("340104006006")
    h = {"Idempotency-Key": "grid-create-0001"}
    body = {"parent_id": c, "level": "grid", "name": "幂等网格"}
    r1 = admin.post("/api/v1/orgs", json=body, headers=dict(h))
    r2 = admin.post("/api/v1/orgs", json=body, headers=dict(h))
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"]
    items = admin.get("/api/v1/orgs", params={"q": "幂等网格"}).json()["items"]
    assert len(items) == 1
    r3 = admin.post("/api/v1/orgs", json={**body, "name": "别的网格"}, headers=dict(h))
    assert r3.status_code == 422 and error_of(r3)["code"] == "idempotency_key_reused"


def test_every_change_is_audited(server, admin):
    c = server.org_id("340104006006")
    g = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "审计网格"}).json()
    rows = admin.get("/api/v1/audit", params={"entity": "org", "entity_id": g["id"]}).json()["items"]
    assert [r["action"] for r in rows] == ["org.created"]
    assert rows[0]["actor_name"] == "admin" and rows[0]["source"].startswith("127.0.0.1")


def test_an_update_is_audited_as_sent(server, admin):
    """The audit row of a change names each field sent, from what it was to what was sent:
    a code sent as null clears it and says so; a field not sent is not named."""
    c = server.org_id("340104006006")
    g = admin.post("/api/v1/orgs", json={"parent_id": c, "level": "grid", "name": "清码网格",
                                         "code": "340104006906"}).json()
    r = admin.patch(f"/api/v1/orgs/{g['id']}", json={"code": None, "name": "清码网格二", "version": g["version"]})
    assert r.status_code == 200 and r.json()["code"] is None, r.text
    rows = admin.get("/api/v1/audit", params={"entity": "org", "entity_id": g["id"]}).json()["items"]
    row = next(x for x in rows if x["action"] == "org.updated")
    assert row["summary"] == {"code": {"from": "340104006906", "to": None},
                              "name": {"from": "清码网格", "to": "清码网格二"}}, row


def test_only_the_level_above_changes_what_defines_a_node(server, admin):
    """包河's own staff run 包河 but cannot rename, re-code, re-kind, move, redraw or delete it;
    they can do all that to its streets. City staff can to 包河, and only a global grant to the city."""
    baohe = server.org_id("340111")
    street = admin.get(f"/api/v1/orgs/{baohe}/children", params={"limit": 1}).json()["items"][0]
    other = server.org_id("340104")
    before = admin.get(f"/api/v1/orgs/{baohe}").json()
    staff = server.make_user(admin, "baohe-staff", "org_staff", baohe)
    city = server.make_user(admin, "city-staff", "org_staff", 1)
    for body in ({"code": "340199"}, {"name": "新包河区"}, {"kind": "county"}, {"parent_id": other}):
        r = staff.patch(f"/api/v1/orgs/{baohe}", json=body)
        assert r.status_code == 403, (body, r.text)
        e = error_of(r)
        assert e["code"] == "forbidden" and e["field"] == next(iter(body))
    r = staff.delete(f"/api/v1/orgs/{baohe}")
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    ring = [[117.3, 31.8], [117.31, 31.8], [117.31, 31.81], [117.3, 31.81], [117.3, 31.8]]
    r = staff.request("PUT", f"/api/v1/orgs/{baohe}/geometry", json={"type": "Polygon", "coordinates": [ring]})
    assert r.status_code == 403 and error_of(r)["field"] == "geometry"
    after = admin.get(f"/api/v1/orgs/{baohe}").json()
    assert {k: after[k] for k in ("code", "name", "kind", "parent_id", "version")} == \
        {k: before[k] for k in ("code", "name", "kind", "parent_id", "version")}
    # Sending the values as they are changes nothing the level above decides: allowed.
    r = staff.patch(f"/api/v1/orgs/{baohe}", json={"name": before["name"], "code": before["code"]})
    assert r.status_code == 200, r.text
    # A street of 包河 is theirs to rename and re-code.
    r = staff.patch(f"/api/v1/orgs/{street['id']}", json={"name": street["name"] + "（改）", "code": "340111999001"})
    assert r.status_code == 200, r.text
    assert staff.patch(f"/api/v1/orgs/{street['id']}",
                       json={"name": street["name"], "code": street["code"]}).status_code == 200
    # City staff may change 包河, but not the city itself (nothing above it but a global grant).
    r = city.patch(f"/api/v1/orgs/{baohe}", json={"name": "包河区（改）"})
    assert r.status_code == 200, r.text
    assert city.patch(f"/api/v1/orgs/{baohe}", json={"name": before["name"]}).status_code == 200
    r = city.patch("/api/v1/orgs/1", json={"name": "合肥"})
    assert r.status_code == 403 and error_of(r)["field"] == "name"
    assert admin.get("/api/v1/orgs/1").json()["name"] == "合肥市"
    # The node's answer says so, for the console to offer only what will pass.
    assert staff.get(f"/api/v1/orgs/{baohe}").json()["can_redefine"] is False
    assert staff.get(f"/api/v1/orgs/{street['id']}").json()["can_redefine"] is True
    assert city.get(f"/api/v1/orgs/{baohe}").json()["can_redefine"] is True
    assert city.get("/api/v1/orgs/1").json()["can_redefine"] is False
    assert admin.get("/api/v1/orgs/1").json()["can_redefine"] is True
    # Out of their subtree it is still 404, as for any record they cannot see.
    assert staff.patch(f"/api/v1/orgs/{other}", json={"name": "x"}).status_code == 404
