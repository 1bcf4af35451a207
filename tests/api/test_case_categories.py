"""Configurable case categories: the city's administrators add them (in a tree),
rename them, set each stage's hours and the handler kind, and deactivate them;
new cases take the hours in force when they are reported, deactivated categories
take no new cases, existing cases keep going, and every change is audited."""
from datetime import datetime

import pytest

from conftest import error_of

LONGJU = "340104006006"
HOURS = {"accept_hours": 2, "dispatch_hours": 3, "claim_hours": 4, "handle_hours": 5, "verify_hours": 6}


def ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()


@pytest.fixture(scope="module")
def ctx(server, admin):
    comm = server.org_id(LONGJU)
    return {"comm": comm,
            "city_staff": server.make_user(admin, "cat-city-staff", "org_staff", 1),
            "district_admin": server.make_user(admin, "cat-district-admin", "admin", server.org_id("340104")),
            "worker": server.make_user(admin, "cat-worker", "grid_worker", comm)}


def new_category(client, expect=201, **extra):
    body = {"code": "noise", "name_zh": "噪音扰民", "name_en": "noise", "handler_kind": "org", **HOURS, **extra}
    r = client.post("/api/v1/case-categories", json=body)
    assert r.status_code == expect, r.text
    return r.json() if expect == 201 else r


def report(client, comm, category):
    r = client.post("/api/v1/cases", json={"category": category, "title": "夜间施工", "description": "凌晨还在施工",
                                           "org_id": comm})
    return r


def test_who_may_configure(server, admin, ctx):
    body = {"code": "perm_test", "name_zh": "权限", "name_en": "perm", "handler_kind": "org", **HOURS}
    for client in (ctx["city_staff"], ctx["worker"], ctx["district_admin"]):
        r = client.post("/api/v1/case-categories", json=body)
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden", r.text
    cats = admin.get("/api/v1/case-categories").json()["items"]
    r = ctx["district_admin"].patch(f"/api/v1/case-categories/{cats[0]['id']}", json={"name_zh": "改名"})
    assert r.status_code == 403
    assert "perm_test" not in [c["code"] for c in admin.get("/api/v1/case-categories").json()["items"]]
    assert admin.get("/api/v1/case-categories").json()["items"][0]["name_zh"] == cats[0]["name_zh"]


def test_validation(server, admin, ctx):
    cats = {c["code"]: c for c in admin.get("/api/v1/case-categories").json()["items"]}
    bad = [({"accept_hours": 0}, "accept_hours"), ({"handle_hours": -5}, "handle_hours"),
           ({"verify_hours": 8761}, "verify_hours"), ({"claim_hours": "4"}, "claim_hours"),
           ({"handler_kind": "person"}, "handler_kind"), ({"code": "Bad-Code"}, "code"), ({"code": "9lives"}, "code"),
           ({"code": ""}, "code"), ({"name_zh": "   "}, "name_zh"), ({"colour": "red"}, "colour"),
           ({"parent_id": 0}, "parent_id")]
    for extra, field in bad:
        r = new_category(admin, expect=400, **{"code": "valid_code", **extra})
        assert error_of(r)["field"] == field, (extra, r.text)
    r = new_category(admin, expect=404, code="orphan", parent_id=999999)
    assert error_of(r)["field"] == "parent_id"
    r = new_category(admin, expect=409, code="sanitation")
    assert error_of(r)["field"] == "code"
    body = dict(HOURS)
    del body["verify_hours"]
    r = admin.post("/api/v1/case-categories", json={"code": "x_y", "name_zh": "缺", "name_en": "x", "handler_kind": "org",
                                                    **body})
    assert r.status_code == 400 and error_of(r)["field"] == "verify_hours"
    sid = cats["sanitation"]["id"]
    for extra, field in [({"accept_hours": 0}, "accept_hours"), ({"name_en": None}, "name_en"),
                         ({"code": "renamed"}, "code"), ({"active": "no"}, "active"), ({"parent_id": sid}, "parent_id")]:
        r = admin.patch(f"/api/v1/case-categories/{sid}", json=extra)
        assert r.status_code == 400 and error_of(r)["field"] == field, (extra, r.text)
    assert admin.patch("/api/v1/case-categories/999999", json={"name_zh": "无"}).status_code == 404
    # Nothing of that changed anything.
    assert {c["code"]: c for c in admin.get("/api/v1/case-categories").json()["items"]}["sanitation"] == \
        cats["sanitation"]


def test_tree_rename_hours_and_new_cases(server, admin, ctx):
    parent = new_category(admin)
    assert (parent["parent_id"], parent["active"], parent["accept_hours"]) == (None, True, 2)
    child = new_category(admin, code="noise_night", name_zh="夜间噪音", name_en="night noise", parent_id=parent["id"],
                         sort=5)
    assert child["parent_id"] == parent["id"]
    listed = {c["code"]: c for c in ctx["worker"].get("/api/v1/case-categories").json()["items"]}
    assert listed["noise_night"]["parent_id"] == parent["id"] and listed["noise"]["name_en"] == "noise"
    # No loops: a category cannot go under its own child.
    r = admin.patch(f"/api/v1/case-categories/{parent['id']}", json={"parent_id": child["id"]})
    assert r.status_code == 400 and error_of(r)["field"] == "parent_id"
    # A new case's deadlines come from its category's hours.
    c = report(ctx["worker"], ctx["comm"], "noise_night")
    assert c.status_code == 201, c.text
    c = c.json()
    assert ts(c["stage_deadline_at"]) - ts(c["created_at"]) == 2 * 3600
    assert ts(c["close_due_at"]) - ts(c["created_at"]) == 20 * 3600
    r = admin.patch(f"/api/v1/case-categories/{child['id']}",
                    json={"name_zh": "夜间施工噪音", "accept_hours": 10, "handle_hours": 100, "handler_kind": "unit"})
    assert r.status_code == 200, r.text
    assert (r.json()["name_zh"], r.json()["accept_hours"], r.json()["handler_kind"]) == ("夜间施工噪音", 10, "unit")
    d = report(ctx["worker"], ctx["comm"], "noise_night").json()
    assert ts(d["stage_deadline_at"]) - ts(d["created_at"]) == 10 * 3600
    assert ts(d["close_due_at"]) - ts(d["created_at"]) == (10 + 3 + 4 + 100 + 6) * 3600
    assert d["category_name"] == "夜间施工噪音"
    # The earlier case keeps the deadlines it was given.
    again = admin.get(f"/api/v1/cases/{c['id']}").json()
    assert (again["stage_deadline_at"], again["close_due_at"]) == (c["stage_deadline_at"], c["close_due_at"])
    # Moved to the top of the tree (parent_id null).
    r = admin.patch(f"/api/v1/case-categories/{child['id']}", json={"parent_id": None})
    assert r.status_code == 200 and r.json()["parent_id"] is None
    audit = admin.get("/api/v1/audit", params={"action": "case_category.updated"}).json()["items"]
    assert audit[0]["entity_id"] == child["id"] and audit[0]["summary"] == {"parent_id": None}
    assert audit[1]["summary"]["accept_hours"] == 10 and audit[1]["actor_name"] == "admin"
    created = admin.get("/api/v1/audit", params={"action": "case_category.created"}).json()["items"]
    assert [a["entity_id"] for a in created][:2] == [child["id"], parent["id"]]


def test_deactivated_categories_refuse_new_cases_only(server, admin, ctx):
    cat = new_category(admin, code="stray_dogs", name_zh="流浪犬", name_en="stray dogs")
    old = report(ctx["worker"], ctx["comm"], "stray_dogs").json()
    r = admin.patch(f"/api/v1/case-categories/{cat['id']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = report(ctx["worker"], ctx["comm"], "stray_dogs")
    assert r.status_code == 400 and error_of(r)["field"] == "category"
    assert error_of(r)["code"] == "category_inactive"  # not the unknown category's validation_failed
    r = report(ctx["worker"], ctx["comm"], "no_such_kind")
    assert r.status_code == 400 and error_of(r)["code"] == "validation_failed" and error_of(r)["field"] == "category"
    pub = server.client().s.post(server.base + "/api/v1/public/cases", json={
        "category": "stray_dogs", "title": "t", "description": "d", "lat": 31.8, "lng": 117.2})
    assert pub.status_code == 400 and error_of(pub)["code"] == "category_inactive", pub.text
    codes = [c["code"] for c in admin.get("/api/v1/case-categories").json()["items"]]
    assert "stray_dogs" not in codes
    everything = admin.get("/api/v1/case-categories", params={"include_inactive": 1}).json()["items"]
    assert {c["code"]: c["active"] for c in everything}["stray_dogs"] is False
    assert "stray_dogs" not in [s["service_code"] for s in
                                 server.client().s.get(server.base + "/open311/v2/services.json").json()]
    # The case reported before goes on, its next stage timed by the category's hours.
    staff = server.make_user(admin, "cat-comm-staff", "org_staff", ctx["comm"])
    r = staff.post(f"/api/v1/cases/{old['id']}/actions", json={"action": "accept", "version": old["version"]})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["state"] == "accepted" and moved["stage_deadline_at"]
    # Active again: reports are taken again.
    assert admin.patch(f"/api/v1/case-categories/{cat['id']}", json={"active": True}).status_code == 200
    assert report(ctx["worker"], ctx["comm"], "stray_dogs").status_code == 201


def test_updates_are_version_checked(server, admin, ctx):
    cat = new_category(admin, code="lamp_broken", name_zh="路灯损坏", name_en="broken lamp")
    assert cat["version"] == 1
    r = admin.patch(f"/api/v1/case-categories/{cat['id']}", json={"name_zh": "路灯不亮", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    # A second editor who read version 1 is refused, and nothing changes.
    r = admin.patch(f"/api/v1/case-categories/{cat['id']}", json={"handle_hours": 5, "version": 1})
    assert r.status_code == 409 and error_of(r)["code"] == "version_conflict" and error_of(r)["field"] == "version"
    now = next(c for c in admin.get("/api/v1/case-categories").json()["items"] if c["id"] == cat["id"])
    assert now["version"] == 2 and now["handle_hours"] == cat["handle_hours"] and now["name_zh"] == "路灯不亮"
    # Without a version the change is taken (as before), and counted.
    r = admin.patch(f"/api/v1/case-categories/{cat['id']}", json={"sort": 7})
    assert r.status_code == 200 and r.json()["version"] == 3
