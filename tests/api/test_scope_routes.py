"""The scope matrix, built from the route table (`jiceng routes --json`): every route whose path names
a record by {id} (each method it has), called by staff of every level (district, street, community,
grid) homed in a district that is not the record's, and by staff of a street, community and grid
beside the record's own (sibling subtrees inside its district, where the record sits deep enough):
the answer is 404, as for a missing record (DESIGN.md: "An id outside the caller's scope answers 404, exactly like a missing
one"), or 403 where the caller's role holds the route's permission nowhere, and nothing changes: the
record as admin reads it and the audit log are the same afterwards.

The records come from a demo city (every family has rows there), found through the API as admin:
each family's list filtered to one grid, its community, its street, else a district, or for a
family with no list of its own the record that holds its rows (NESTED). A route that names no record of an org's subtree is listed in
NOT_SCOPED with the reason; a new {id} route that is neither covered nor listed fails
test_every_id_route_is_in_the_matrix, so a family added later is in the matrix without anyone
remembering to put it there."""
import concurrent.futures
import hashlib
import json
import re
import threading

import pytest

import backend
from conftest import Server, id_with_check, run_cli
from test_demo import demo_city

# Routes with a path parameter that is not a record of an org's subtree (checked against the route table).
NOT_SCOPED = {
    "DELETE /api/v1/auth/tokens/{id}": "the caller's own API token: another user's token answers 404 (test_auth)",
    "PATCH /api/v1/case-categories/{id}": "case categories are city-wide by design (admin only)",
    "POST /api/v1/service-posts/{id}/claims": "any post reaches the claim's write, which refuses a non-member (403)"
                                              " or one not reported to the post's community (docs/service-claims.md)",
    "POST /api/v1/wishes/{id}/claims": "any in-service member may claim any published wish: the board is public"
                                       " (docs/service-claims.md)",
    "GET /open311/v2/discovery.{name}": "public Open311 endpoint (the format's name, no record)",
    "GET /open311/v2/services.{name}": "public Open311 endpoint (the format's name, no record)",
    "GET /open311/v2/services/{name}.{name}": "public Open311 service definition (a category, city-wide)",
    "GET /open311/v2/requests.{name}": "public Open311 endpoint (the format's name, no record)",
    "POST /open311/v2/requests.{name}": "public Open311 endpoint (the format's name, no record)",
    "GET /open311/v2/requests/{id}.{name}": "public Open311 request: the public view of a case, by design",
    "GET /open311/v2/tokens/{name}.{name}": "public Open311 token lookup (a reporter's token, no org record)",
}

# Families with no list of their own: (the family holding their rows, the path under its record that
# shows them, the keys leading to the rows in its answer).
NESTED = {
    "duty-items": ("duty-lists", "", ["items"]),
    "review-reporters": ("review-sessions", "", ["reporter_list"]),
    "review-questions": ("review-sessions", "", ["reporter_list", "questions"]),
    "review-delegates": ("review-sessions", "", ["roster"]),
    "inspection-items": ("inspections", "", ["items"]),
    "assessment-indicators": ("assessment-plans", "/indicators", ["items"]),
    "assessment-runs": ("assessment-plans", "/runs", ["items"]),
    "pairing-items": ("pairings", "", ["items_list"]),
    "unit-agreements": ("unit-reports", "", ["agreements"]),
    "unit-agreement-items": ("unit-reports", "", ["agreements", "items"]),
    "alliance-items": ("alliances", "", ["items_list"]),
    "alliance-claims": ("alliances", "", ["items_list", "claims"]),
    "work-team-members": ("work-teams", "/members", ["members_list"]),
    "member-evaluation-entries": ("member-evaluations", "", ["entries"]),
}

# Bodies the route table cannot tell (an enum's first value would be refused before the scope check).
BODIES = {
    "POST /api/v1/users/{id}/grants": {"role": "grid_worker"},
}

# The user of each level: the staff role that writes there.
LEVELS = (("district", "org_staff"), ("street", "org_staff"), ("community", "org_staff"), ("grid", "grid_worker"))
ID_ROUTE = re.compile(r"^(/api/v1/[a-z0-9-]+)/\{id\}")


@pytest.fixture(scope="module")
def routes():
    return json.loads(run_cli("routes", "--json").stdout)


@pytest.fixture(scope="module")
def city():
    s = Server(db=demo_city(3000, 11))
    yield s
    assert s.close() == 0, s.stderr


def test_every_id_route_is_in_the_matrix(routes):
    """Each route with a path parameter is either checked by the matrix (its family's records can be
    found) or listed in NOT_SCOPED; nothing listed is gone from the route table."""
    lists = {r["pattern"] for r in routes if r["method"] == "GET"}
    keyed = {f"{r['method']} {r['pattern']}" for r in routes if "{" in r["pattern"]}
    for key in sorted(keyed - set(NOT_SCOPED)):
        m = ID_ROUTE.match(key.split(" ", 1)[1])
        assert m, f"{key}: a route with a path parameter the scope matrix does not know: cover it or list it"
        family = m.group(1).rsplit("/", 1)[1]
        assert m.group(1) in lists or family in NESTED, \
            f"{key}: no list of {family} to find a record by, and no NESTED entry: add one"
    assert set(NOT_SCOPED) <= keyed, set(NOT_SCOPED) - keyed
    assert {"/api/v1/" + f for f in NESTED} <= {ID_ROUTE.match(k.split(" ", 1)[1]).group(1)
                                                for k in keyed - set(NOT_SCOPED)}


def value(field):
    """A value the route's declared field takes (its type, its bounds)."""
    t, lo, hi = field["type"], field.get("min"), field.get("max")
    if field.get("enum"):
        return field["enum"][0]
    if t in ("text", "name", "block"):
        return "x" * max(lo or 1, 1)
    if t == "integer":
        return max(lo if lo is not None else 1, 1) if (hi is None or hi >= 1) else lo
    if t == "number":
        return float(max(lo if lo is not None else 1, 1))
    if t == "boolean":
        return False
    if t == "date":
        return "2026-06-01"
    if t in ("ids", "list"):
        return [1] if t == "ids" else ["x"]
    if t == "coordinates":
        return [[[117.0, 31.0], [117.1, 31.0], [117.1, 31.1], [117.0, 31.0]]]
    raise AssertionError(f"a field type the scope matrix cannot fill: {field}")


def body_of(route):
    key = f"{route['method']} {route['pattern']}"
    b = {f["name"]: value(f) for f in route["body"] or [] if f["required"]}
    b.update(BODIES.get(key, {}))
    return b


def snapshot(r):
    """What admin reads of a record: its JSON, or the digest of a file."""
    assert r.status_code == 200, r.text[:200]
    if r.headers.get("Content-Type", "").startswith("application/json"):
        return r.json()
    return hashlib.sha256(r.content).hexdigest()


def path_of(admin, org_id, cache):
    """An org node's ancestors and itself, from the city down (its materialized path)."""
    if org_id not in cache:
        r = admin.get(f"/api/v1/orgs/{org_id}")
        assert r.status_code == 200, r.text
        cache[org_id] = [int(p) for p in r.json()["path"].strip("/").split("/")]
    return cache[org_id]


def disjoint(a, b):
    """Two nodes' subtrees share nothing: neither is the other's ancestor (or itself)."""
    return a[-1] not in b and b[-1] not in a


def org_ids(obj):
    """Every org node a record's answer names (its own, a transfer's two ends...): not party orgs."""
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.endswith("org_id") and "party" not in k and isinstance(v, int):
                out.add(v)
            elif isinstance(v, (dict, list)):
                out |= org_ids(v)
    elif isinstance(obj, list):
        for v in obj:
            out |= org_ids(v)
    return out


def find_records(admin, places, families):
    """family -> (record id, what places it: the admin's answer listing it and, for a NESTED family,
    its holder's answer, the node whose list held it): a record inside one node of places, the
    first (deepest) that has one."""
    found = {}
    for family in families:
        if family in NESTED or family in ("attachments", "users"):
            continue
        if family == "orgs":
            r = admin.get(f"/api/v1/orgs/{places[1]}")  # the chain's community
            found[family] = (places[1], r.json(), places[1])
            continue
        for d in places:
            r = admin.get(f"/api/v1/{family}", params={"org": d, "limit": 1})
            if r.status_code == 200 and r.json()["items"]:
                item = r.json()["items"][0]
                found[family] = (item.get("id", item.get("person_id")), item, d)
                break
    for family, (parent, sub, keys) in NESTED.items():
        if family not in families or parent not in found:
            continue
        holder = admin.get(f"/api/v1/{parent}/{found[parent][0]}{sub}").json()
        rows = [holder]
        for k in keys:
            rows = [x for row in rows for x in row.get(k) or []]
        if rows:
            found[family] = (rows[0]["id"], [rows[0], holder, found[parent][1]], found[parent][2])
    return found


def view_of(family, rid, found, gets):
    """Where admin reads the record to see that it did not change: its own GET, its holder's, or its list."""
    if f"/api/v1/{family}/{{id}}" in gets:
        return f"/api/v1/{family}/{rid}"
    if family in NESTED:
        parent, sub, _ = NESTED[family]
        return f"/api/v1/{parent}/{found[parent][0]}{sub}"
    return f"/api/v1/{family}?limit=200"


def make_missing(city, admin, districts):
    """The records the demo city does not make inside a district, made as admin: a district's own
    assessment plan (the demo's are the city's) with an indicator and a run, and a person transfer
    (迁入申请) from a community of one district to one of another."""
    plan = admin.post("/api/v1/assessment-plans", json={"org_id": districts[0], "year": 2026, "class": "street",
                                                        "name": "范围矩阵考核"})
    assert plan.status_code == 201, plan.text
    plan = plan.json()["id"]
    r = admin.post(f"/api/v1/assessment-plans/{plan}/indicators", json={"code": "1", "name": "指标", "max_points": 10,
                                                                      "half": "party_building"})
    assert r.status_code == 201, r.text
    r = admin.post(f"/api/v1/assessment-plans/{plan}/runs", json={})
    assert r.status_code in (200, 201), r.text
    communities = [admin.get("/api/v1/orgs", params={"org": d, "level": "community", "limit": 1}).json()["items"][0]["id"]
                   for d in districts[:2]]
    idc = id_with_check("34010219800101777")
    r = admin.post("/api/v1/persons", json={"org_id": communities[0], "name": "迁出人", "id_card": idc})
    assert r.status_code == 201, r.text
    taker = city.make_user(admin, "scope-transfer-taker", "org_staff", communities[1])
    r = taker.post("/api/v1/person-transfers", json={"id_card": idc, "to_org_id": communities[1], "reason": "搬家"})
    assert r.status_code == 201, r.text


def find_attachment(admin, found):
    """An attachment of a duty item of the duty list found (the demo attaches files to duty items)."""
    items = admin.get(f"/api/v1/duty-lists/{found['duty-lists'][0]}").json()["items"]
    for it in items:
        got = admin.get("/api/v1/attachments", params={"owner": "duty_item", "owner_id": it["id"]}).json()["items"]
        if got:
            return got[0]["id"]
    return None


def test_outsiders_get_404_on_every_id_route(city, routes):
    admin = city.admin()
    districts = [o["id"] for o in admin.get("/api/v1/orgs", params={"level": "district", "limit": 50}).json()["items"]]
    perms = {r["role"]: set(r["permissions"]) for r in admin.get("/api/v1/roles").json()["items"]}
    by_family = {}
    for r in routes:
        key = f"{r['method']} {r['pattern']}"
        m = ID_ROUTE.match(r["pattern"])
        if key in NOT_SCOPED or not m or "{" not in r["pattern"]:
            continue
        by_family.setdefault(m.group(1).rsplit("/", 1)[1], []).append(r)
    make_missing(city, admin, districts)

    def first_child(node, level, skip=None):
        kids = [o["id"] for o in admin.get(f"/api/v1/orgs/{node}/children", params={"limit": 200}).json()["items"]
                if o["level"] == level and o["id"] != skip]
        assert kids, (node, level)
        return kids[0]

    def chain(district):
        """The district, its first street, that street's first community and its first grid."""
        street = first_child(district, "street")
        community = first_child(street, "community")
        return {"district": district, "street": street, "community": community,
                "grid": first_child(community, "grid")}

    # Records are looked for in one chain of nodes, deepest first, then in every district.
    home = chain(districts[0])
    found = find_records(admin, [home["grid"], home["community"], home["street"], *districts], set(by_family))
    found["attachments"] = (find_attachment(admin, found), *found["duty-lists"][1:])

    # Outsiders: staff of each level homed beside the chain (a sibling grid, community and street
    # inside the same district), and staff of each level in another district. Each record is
    # called by every one whose subtree and the record's (every node it names) share nothing.
    def staff(nodes, tag):
        return {lvl: (city.make_user(admin, f"outsider-{lvl}-{tag}", role, nodes[lvl]), role, nodes[lvl])
                for lvl, role in LEVELS if lvl in nodes}

    near = staff({"street": first_child(home["district"], "street", skip=home["street"]),
                  "community": first_child(home["street"], "community", skip=home["community"]),
                  "grid": first_child(home["community"], "grid", skip=home["grid"])}, "near")
    far = {}

    def far_staff(district):
        if district not in far:
            far[district] = staff(chain(district), district)
        return far[district]

    # The users family: a user homed at the chain's district (another district's outsider of the
    # first), seen by the staff of a third district.
    uid = far_staff(districts[0])["district"][0].user_id
    found["users"] = (uid, admin.get(f"/api/v1/users/{uid}").json(), districts[0])
    where = {}
    pcache = {}
    gets = {r["pattern"] for r in routes if r["method"] == "GET"}
    for family, (rid, placed, at) in found.items():
        # The node whose list held it, and every node the record names (its own, a transfer's other end...).
        names = [path_of(admin, o, pcache) for o in {at} | org_ids(placed)]
        where[family] = (view_of(family, rid, found, gets), names)
    missing = sorted(set(by_family) - set(found))
    assert not missing, f"no record found in the demo city for {missing}: give the family rows or a NESTED entry"

    calls = []
    called = set()
    for family, rs in by_family.items():
        path, names = where[family]
        other = next(d for d in districts if all(d not in n for n in names))
        callers = [(f"{lvl} of another district", c) for lvl, c in far_staff(other).items()]
        callers += [(f"{lvl} beside", c) for lvl, c in near.items()
                    if all(disjoint(path_of(admin, c[2], pcache), n) for n in names)]
        called |= {who for who, _ in callers}
        for who, (client, role, _) in callers:
            for r in rs:
                url = re.sub(r"\{id\}", str(found[family][0]), r["pattern"], count=1).replace("{id}", "1")
                calls.append((who, role, client, r, url))
    # Some families' records sit inside the chain's street, community and grid: the staff beside them are called.
    assert {f"{lvl} beside" for lvl in ("street", "community", "grid")} <= called, called

    con = backend.connect(city.db)
    audit_before = con.execute("SELECT COUNT(*), MAX(id) FROM audit_log").fetchone()
    before = {f: snapshot(admin.get(p)) for f, (p, _) in where.items()}

    local = threading.local()

    def call(c):
        lvl, role, client, r, url = c
        mine = local.__dict__.setdefault("clients", {})  # each thread its own connections
        client = mine.setdefault(id(client), client.same_session())
        kw = {}
        if "upload" in r["flags"]:
            kw = {"data": b"\x89PNG\r\n\x1a\n", "headers": {"Content-Type": "image/png"}}
        elif r["body"] is not None or "body" in r["flags"]:
            kw = {"json": body_of(r)}
        elif r["method"] != "GET" and "body_optional" in r["flags"]:
            kw = {"json": {}}
        query = {q["name"]: value(q) for q in r["query"] if q["required"]}
        got = client.request(r["method"], url, params=query, **kw)
        may = {404} | ({403} if r["access"] not in ("authenticated", "all") and r["access"] not in perms[role]
                       else set())
        return None if got.status_code in may else \
            f"{lvl} {role}: {r['method']} {url} ({r['pattern']}) -> {got.status_code} {got.text[:200]}"

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        wrong = [w for w in pool.map(call, calls) if w]
    after = {f: snapshot(admin.get(p)) for f, (p, _) in where.items()}
    audit_after = con.execute("SELECT COUNT(*), MAX(id) FROM audit_log").fetchone()
    con.close()
    assert not wrong, f"{len(wrong)} of {len(calls)} calls from outside the record's subtree were not 404:\n" + \
        "\n".join(wrong[:60])
    changed = [f for f in before if before[f] != after[f]]
    assert not changed, f"records changed by refused calls: {changed}"
    assert audit_after == audit_before, "a refused call wrote to the audit log"
    assert len(calls) >= 4 * sum(len(rs) for rs in by_family.values())
