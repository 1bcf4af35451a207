"""The scope matrix, built from the route table (`jiceng routes --json`): every route whose path names
a record by {id} (each method it has), called by staff of every level (district, street, community,
grid) homed in a district that is not the record's (a sibling subtree): the answer is 404, as for a
missing record (DESIGN.md: "An id outside the caller's scope answers 404, exactly like a missing
one"), or 403 where the caller's role holds the route's permission nowhere, and nothing changes: the
record as admin reads it and the audit log are the same afterwards.

The records come from a demo city (every family has rows there), found through the API as admin:
each family's list filtered to one district, or for a family with no list of its own the record
that holds its rows (NESTED). A route that names no record of an org's subtree is listed in
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


def district_of(admin, org_id, cache):
    if org_id not in cache:
        r = admin.get(f"/api/v1/orgs/{org_id}")
        assert r.status_code == 200, r.text
        parts = [int(p) for p in r.json()["path"].strip("/").split("/")]
        cache[org_id] = parts[1] if len(parts) > 1 else None  # None: the city itself
    return cache[org_id]


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


def find_records(admin, districts, families):
    """family -> (record id, what places it: the admin's answer listing it and, for a NESTED family,
    its holder's answer, the district it was found in): a record inside one district."""
    found = {}
    for family in families:
        if family in NESTED or family in ("attachments", "users"):
            continue
        if family == "orgs":
            r = admin.get("/api/v1/orgs", params={"org": districts[0], "level": "community", "limit": 1})
            found[family] = (r.json()["items"][0]["id"], r.json()["items"][0], districts[0])
            continue
        for d in districts:
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
    found = find_records(admin, districts, set(by_family))
    found["attachments"] = (find_attachment(admin, found), *found["duty-lists"][1:])

    # Outsiders: staff of each level homed in a district (and its street, community, grid).
    outsiders = {}

    def staff_of(district):
        if district not in outsiders:
            chain, node = {}, district
            chain["district"] = node
            for level in ("street", "community", "grid"):
                r = admin.get(f"/api/v1/orgs/{node}/children", params={"limit": 200})
                kids = [o for o in r.json()["items"] if o["level"] == level]
                assert kids, (node, level)
                node = chain[level] = kids[0]["id"]
            outsiders[district] = {lvl: (city.make_user(admin, f"outsider-{lvl}-{district}", role, chain[lvl]), role)
                                   for lvl, role in LEVELS}
        return outsiders[district]

    # The users family: a user homed in a district (the outsiders of one), seen by those of another.
    uid = staff_of(districts[0])["district"][0].user_id
    found["users"] = (uid, admin.get(f"/api/v1/users/{uid}").json(), districts[0])
    where = {}
    dcache = {}
    gets = {r["pattern"] for r in routes if r["method"] == "GET"}
    for family, (rid, placed, district) in found.items():
        # The district it was found in, and every other the record names (a transfer's other end...).
        homes = {district} | {district_of(admin, o, dcache) for o in org_ids(placed)}
        where[family] = (view_of(family, rid, found, gets), homes)
    missing = sorted(set(by_family) - set(found))
    assert not missing, f"no record found in the demo city for {missing}: give the family rows or a NESTED entry"

    calls = []
    for family, rs in by_family.items():
        path, homes = where[family]
        other = next(d for d in districts if d not in homes)
        for lvl, (client, role) in staff_of(other).items():
            for r in rs:
                url = re.sub(r"\{id\}", str(found[family][0]), r["pattern"], count=1).replace("{id}", "1")
                calls.append((lvl, role, client, r, url))

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
    assert len(calls) >= 4 * len(by_family)
