"""The case list's category filter (a category with its subcategories), what a caller who reads
cases nowhere gets from it, and the case's handler and escalation level in every answer."""
import pytest

from conftest import PASSWORD, Server, error_of

HOURS = {"accept_hours": 1, "dispatch_hours": 8, "claim_hours": 4, "handle_hours": 48, "verify_hours": 24}


@pytest.fixture(scope="module")
def world():
    s = Server()
    admin = s.admin()
    comm = s.org_id("340104006006")
    other = s.org_id("340102001001")
    ctx = {"s": s, "admin": admin, "comm": comm, "other": other,
           "staff": s.make_user(admin, "cl-staff", "org_staff", comm),
           "worker": s.make_user(admin, "cl-worker", "grid_worker", comm),
           "resident": s.make_user(admin, "cl-resident", "resident", comm)}
    yield ctx
    assert s.close() == 0, s.stderr


def category(admin, code, parent=None):
    body = {"code": code, "name_zh": code, "name_en": code, "handler_kind": "org", **HOURS}
    if parent:
        body["parent_id"] = parent
    r = admin.post("/api/v1/case-categories", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def report(client, comm, cat, title="t"):
    r = client.post("/api/v1/cases", json={"category": cat, "title": title, "description": "d", "org_id": comm})
    assert r.status_code == 201, r.text
    return r.json()


def ids(client, **params):
    r = client.get("/api/v1/cases", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return sorted(c["id"] for c in r.json()["items"])


def test_category_filter_takes_in_subcategories(world):
    admin, comm, staff = world["admin"], world["comm"], world["staff"]
    top = category(admin, "roads")
    mid = category(admin, "roads_holes", top["id"])
    leaf = category(admin, "roads_holes_deep", mid["id"])
    category(admin, "roads_other")  # a name that begins the same is no subcategory
    a = report(world["worker"], comm, "roads")["id"]
    b = report(world["worker"], comm, "roads_holes")["id"]
    c = report(world["worker"], comm, "roads_holes_deep")["id"]
    d = report(world["worker"], comm, "roads_other")["id"]
    e = report(world["worker"], comm, "sanitation")["id"]
    assert ids(staff, org=comm, category="roads") == [a, b, c]
    assert ids(staff, org=comm, category="roads_holes") == [b, c]
    assert ids(staff, org=comm, category="roads_holes_deep") == [c]
    assert ids(staff, org=comm, category="sanitation") == [e]
    assert ids(staff, org=comm) == [a, b, c, d, e]
    # It combines with the other filters, and a deactivated category's cases are still found.
    assert ids(staff, org=comm, category="roads", state="accepted") == []
    assert admin.patch(f"/api/v1/case-categories/{leaf['id']}", json={"active": False}).status_code == 200
    assert ids(staff, org=comm, category="roads_holes") == [b, c]
    # The reporter's own list filters the same way.
    assert ids(world["worker"], mine=1, category="roads_holes") == [b, c]
    r = staff.get("/api/v1/cases", params={"org": comm, "category": "no_such"})
    assert r.status_code == 400 and error_of(r)["field"] == "category"


def test_a_caller_who_reads_cases_nowhere(world):
    res, comm = world["resident"], world["comm"]
    mine = report(res, comm, "sanitation", "门口积水")["id"]
    report(world["worker"], comm, "sanitation", "别人的")
    # Without org: what they may see, their own reports (as with mine=1).
    assert ids(res) == [mine] == ids(res, mine=1)
    # With org: a part of the tree they may not read, like any other out of scope (not their own list).
    for org in (comm, world["other"]):
        r = res.get("/api/v1/cases", params={"org": org})
        assert r.status_code == 404 and error_of(r)["code"] == "not_found", r.text
    assert res.get("/api/v1/cases", params={"org": comm, "mine": 1}).status_code == 200


def test_handler_and_escalation_level_in_the_answer(world):
    s, admin, comm, staff, worker = world["s"], world["admin"], world["comm"], world["staff"], world["worker"]
    c = report(worker, comm, "safety")  # 2 h to accept
    assert c["handler_user_id"] is None and c["escalation_level"] == 0
    assert admin.post("/api/v1/_test/clock", json={"advance_seconds": 3 * 3600}).status_code == 200
    assert s.admin().post("/api/v1/_test/tick").status_code == 200
    staff = s.client()  # the clock moved past the sessions of before
    staff.login("cl-staff", PASSWORD)
    got = staff.get(f"/api/v1/cases/{c['id']}").json()
    assert got["escalation_level"] == 1
    listed = next(x for x in staff.get("/api/v1/cases", params={"org": comm, "limit": 200}).json()["items"]
                  if x["id"] == c["id"])
    assert listed["escalation_level"] == 1 and listed["handler_user_id"] is None
    for action, extra in (("accept", {}), ("dispatch", {"org_id": comm}), ("claim", {}), ("handle", {})):
        r = staff.post(f"/api/v1/cases/{c['id']}/actions", json={"action": action, "version": got["version"], **extra})
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["escalation_level"] == 0  # a move resets it
    me = staff.get("/api/v1/auth/me").json()["user"]["id"]
    assert got["handler_user_id"] == me


def test_totals_and_pages_agree_at_every_depth(world):
    """A node down to a street is read in id order with its total counted through its
    nodes (casefile_org); a community and below through its nodes (docs/decisions.md,
    "Query plans at city scale"): at the city, the district, the street and the
    community, with and without filters, the total is the number of rows the pages hold,
    in id order, and the same as the cases of that subtree the admin's whole list holds."""
    admin, comm, other = world["s"].admin(), world["comm"], world["other"]  # signed in afresh (the clock moved)
    mine = [report(admin, comm, "sanitation", "垃圾")["id"] for _ in range(3)]
    report(admin, comm, "municipal", "路灯")
    report(admin, other, "sanitation", "垃圾")  # another district's
    chain, org = [], comm
    while org:
        chain.insert(0, org)
        org = admin.get(f"/api/v1/orgs/{org}").json().get("parent_id")
    assert len(chain) == 4, chain
    everyone = {c["id"]: c for c in admin.get("/api/v1/cases", params={"limit": 200}).json()["items"]}
    for org in chain:
        path = admin.get(f"/api/v1/orgs/{org}").json()["path"]
        for params in ({}, {"category": "sanitation"}, {"state": "reported"}, {"q": "垃圾"}):
            got, after = [], None
            while True:
                r = admin.get("/api/v1/cases", params={"org": org, "limit": 2, **params, **({"after": after} if after else {})})
                assert r.status_code == 200, r.text
                page = r.json()
                assert not page["total_capped"]
                got += [c["id"] for c in page["items"]]
                after = page["next"]
                if after is None:
                    break
            assert page["total"] == len(got) and got == sorted(got), (org, params, page["total"], got)
            assert set(mine) <= set(got) or params.get("category") not in (None, "sanitation"), (org, params)
        whole = admin.get("/api/v1/cases", params={"org": org, "limit": 200}).json()
        assert whole["total"] == len(whole["items"]) <= len(everyone), (org, path)
