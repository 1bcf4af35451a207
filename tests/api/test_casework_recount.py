"""The casework indicators are kept per node and day as cases move (case_day):
after thousands of random moves with the test clock, every node's stored days
equal a recount from the cases (the migration's own backfill), and /casework and
its trend answer exactly what the rules of docs/casework.md give when applied in
Python to the cases' stored rows (not a copy of the product's queries), for
periods on Shanghai midnights and off them."""
import calendar
import os
import random
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import backend
from conftest import ROOT, Server, run_cli

HOUR = 3600
DAY = 86400
OPEN = ("reported", "accepted", "dispatched", "handling", "handled", "verified")


@pytest.fixture(scope="module", params=["kept", "spilled"])
def world(request):
    """The writer's batch of case_day changes as it is, and written out every 16 rows (what a change of a
    whole year of cases does past its memory bound: docs/operations.md, JICENG_CASEWORK_BATCH_ROWS)."""
    s = Server(env={"JICENG_CASEWORK_BATCH_ROWS": "16"} if request.param == "spilled" else None)
    yield s
    assert s.close() == 0, s.stderr


def bearer(server, client):
    r = client.post("/api/v1/auth/tokens", json={"name": "recount", "expires_in_days": 366})
    assert r.status_code == 201, r.text
    c = server.client()
    c.s.headers["Authorization"] = "Bearer " + r.json()["token"]
    c.csrf = None
    me = c.get("/api/v1/auth/me").json()
    c.user_id, c.username = me["user"]["id"], me["user"]["username"]
    return c


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def shanghai_midnight(ts):
    return (ts + 8 * HOUR) // DAY * DAY - 8 * HOUR


# ---- the reference: the rules of docs/casework.md (Indicators) applied in Python to the cases' stored rows ----
# (plain reads of casefile, case_event and org; no formula of the product's own queries)

KEYS = ("due", "closed", "closed_on_time", "handled_on_time", "handled", "reworked", "rated", "satisfied")


def rate(n, d):
    return n / d if d else None


class Reference:
    """The cases as stored, and the indicators worked out from them."""

    def __init__(self, db, moves=True, paths=None):
        """moves: read the case logs too (the stays); paths: the org nodes' paths, when already read."""
        path = paths or dict(db.execute("SELECT id, path FROM org").fetchall())
        cols = ("id", "org_id", "state", "created_at", "closed_at", "handled_at", "close_due_at", "returns", "rating",
                "stage_deadline")
        self.cases = [dict(zip(cols, r)) for r in db.execute(f"SELECT {', '.join(cols)} FROM casefile").fetchall()]
        for c in self.cases:
            c["path"] = path[c["org_id"]]
            c["moves"] = []
        by_id = {c["id"]: c for c in self.cases}
        for case_id, from_state, to_state, at in db.execute(
                "SELECT case_id, from_state, to_state, at FROM case_event ORDER BY id").fetchall() if moves else ():
            by_id[case_id]["moves"].append((from_state, to_state, at))

    def due(self, path, a, b):
        """The subtree's cases due to close in [a, b), rejected ones left out."""
        return [c for c in self.cases if c["path"].startswith(path) and c["state"] != "rejected"
                and c["close_due_at"] is not None and a <= c["close_due_at"] < b]

    def figures(self, path, a, b):
        cs = self.due(path, a, b)
        closed = [c for c in cs if c["state"] in ("closed", "rated")]
        handled = [c for c in cs if c["handled_at"] is not None]
        k = {"due": len(cs), "closed": len(closed),
             "closed_on_time": sum(c["closed_at"] <= c["close_due_at"] for c in closed),
             "handled_on_time": sum(c["handled_at"] <= c["close_due_at"] for c in handled),
             "handled": len(handled), "reworked": sum(c["returns"] > 0 for c in cs),
             "rated": sum(c["rating"] is not None for c in cs),
             "satisfied": sum(c["rating"] in ("满意", "基本满意") for c in cs)}
        out = {key: k[key] for key in KEYS if key != "handled_on_time"}
        out.update(closure_rate=rate(k["closed"], k["due"]), on_time_closure_rate=rate(k["closed_on_time"], k["due"]),
                   on_time_handling_rate=rate(k["handled_on_time"], k["due"]),
                   rework_rate=rate(k["reworked"], k["handled"]), satisfaction_rate=rate(k["satisfied"], k["rated"]))
        return out

    def casework(self, path, a, b):
        """The figures, and the seconds of each stay that ended, per state, averaged (whole seconds): a stay
        runs from the move into a state to the next move that changes the state (escalation and other
        events that leave the state as it is do not end it)."""
        out = self.figures(path, a, b)
        spans = {}
        for c in self.due(path, a, b):
            changes = [m for m in c["moves"] if m[0] is None or m[0] != m[1]]
            for (_, _, began), (left, _, ended) in zip(changes, changes[1:]):
                spans.setdefault(left, []).append(ended - began)
        out["avg_seconds_in_state"] = {st: sum(v) // len(v) for st, v in spans.items()}
        return out

    def count(self, column, path, a, b):
        return sum(1 for c in self.cases if c["path"].startswith(path) and c[column] is not None
                   and a <= c[column] < b)

    def overdue(self, path, now):
        return sum(1 for c in self.cases if c["path"].startswith(path) and c["stage_deadline"] is not None
                   and c["stage_deadline"] < now and c["state"] not in ("rejected", "closed", "rated"))


def ts(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


# ---- the random world ----

def play(s, rnd, moves):
    """Report and move cases at random, with the clock moving between; one node moves
    to another street halfway. Returns the org ids the cases were put at."""
    admin = s.admin()
    streets = [s.org_id("340104006"), s.org_id("340102001")]
    comms = []
    for st in streets:
        kids = admin.get(f"/api/v1/orgs/{st}/children", params={"limit": 3}).json()["items"]
        comms += [k["id"] for k in kids[:2]]
    grids = []
    for i, comm in enumerate(comms[:2]):
        r = admin.post("/api/v1/orgs", json={"parent_id": comm, "level": "grid", "name": f"核算网格{i}"})
        assert r.status_code == 201, r.text
        grids.append(r.json()["id"])
    places = comms + grids
    city = s.org_id("3401")
    staff = [bearer(s, s.make_user(admin, f"rc-staff{i}", "org_staff", city)) for i in range(2)]
    clock = bearer(s, admin)
    cases = {}  # id -> the last answer

    def act(who, c, action, **extra):
        r = who.post(f"/api/v1/cases/{c['id']}/actions", json={"action": action, "version": c["version"], **extra})
        for _ in range(5):  # the escalation timer may move the case meanwhile (and again on a slow machine)
            if r.status_code != 409 or r.json()["error"]["code"] != "version_conflict":
                break
            c = who.get(f"/api/v1/cases/{c['id']}").json()
            r = who.post(f"/api/v1/cases/{c['id']}/actions", json={"action": action, "version": c["version"], **extra})
        assert r.status_code == 200, (action, r.text)
        cases[c["id"]] = r.json()

    for step in range(moves):
        if step == moves // 2:
            moved = comms[0]
            assert clock.patch(f"/api/v1/orgs/{moved}", json={"parent_id": streets[1]}).status_code == 200
        roll = rnd.random()
        if roll < 0.08:
            clock.post("/api/v1/_test/clock", json={"advance_seconds": rnd.randint(60, 30 * HOUR)})
            continue
        if roll < 0.1:
            assert clock.post("/api/v1/_test/tick").status_code == 200  # escalation moves nothing counted
            continue
        open_cases = [c for c in cases.values() if c["state"] in OPEN + ("closed",)]
        if roll < 0.3 or not open_cases:
            who = rnd.choice(staff)
            r = who.post("/api/v1/cases", json={"category": rnd.choice(["sanitation", "safety", "dispute", "other"]),
                                                "title": "核算", "description": "d", "org_id": rnd.choice(places)})
            assert r.status_code == 201, r.text
            cases[r.json()["id"]] = r.json()
            continue
        c = rnd.choice(open_cases)
        reporter = next(x for x in staff if x.user_id == c["reporter_id"])
        other = staff[1 - staff.index(reporter)]
        state = c["state"]
        if state == "reported":
            pick = rnd.random()
            if pick < 0.1:
                act(reporter, c, "reject", note="重复")
            elif pick < 0.15:
                into = [x for x in open_cases if x["id"] != c["id"] and x["state"] in OPEN]
                if into:
                    act(reporter, c, "merge", into=rnd.choice(into)["id"])
            else:
                act(rnd.choice(staff), c, "accept")
        elif state == "accepted":
            act(rnd.choice(staff), c, "dispatch", org_id=c["org_id"])
        elif state == "dispatched":
            act(rnd.choice(staff), c, "claim")
        elif state == "handling":
            act(rnd.choice(staff), c, "handle")
        elif state == "handled":
            handler = [e for e in c["events"] if e["action"] == "handle"][-1]["actor_name"]
            verifier = next(x for x in staff if x.username != handler)
            act(verifier, c, "return" if rnd.random() < 0.25 else "verify")
        elif state == "verified":
            act(rnd.choice(staff), c, "close")
        elif state == "closed":
            act(reporter, c, "rate", rating=rnd.choice(["满意", "基本满意", "不满意"]))
    return places, clock, staff


def stored_and_recount(s):
    """case_day's rows that hold anything, and the same recounted from the cases by the migration's backfill."""
    sql = open(os.path.join(ROOT, "schema", "005_casework_days.sql"), encoding="utf-8").read()
    backfill = sql[sql.index("INSERT INTO case_day"):]
    db = backend.connect(s.db)
    cols = backend.columns(db, "case_day")
    nonzero = " OR ".join(f"{c} <> 0" for c in cols[2:])
    if backend.BACKEND == "sqlite":
        scratch = sqlite3.connect(":memory:")
        scratch.execute("ATTACH DATABASE ? AS live", (f"file:{s.db}?mode=ro",))
        scratch.execute(f"CREATE TABLE case_day AS SELECT * FROM live.case_day WHERE 0")
        for t in ("casefile", "case_event", "org"):
            scratch.execute(f"CREATE TEMP VIEW {t} AS SELECT * FROM live.{t}")
        scratch.execute(backfill.replace("INSERT INTO case_day", "INSERT INTO main.case_day"))
        recount = scratch.execute(f"SELECT * FROM case_day WHERE {nonzero} ORDER BY org_id, day").fetchall()
        scratch.close()
    else:  # a temporary case_day of this session comes first on the search path
        db.execute("CREATE TEMP TABLE case_day (LIKE public.case_day)")
        db.execute(backfill)
        recount = db.execute(f"SELECT * FROM pg_temp.case_day WHERE {nonzero} ORDER BY org_id, day").fetchall()
    kept = db.execute(f"SELECT * FROM public.case_day WHERE {nonzero} ORDER BY org_id, day"
                      if backend.BACKEND == "postgres" else
                      f"SELECT * FROM case_day WHERE {nonzero} ORDER BY org_id, day").fetchall()
    db.close()
    return kept, recount


def test_kept_figures_equal_a_recount(world):
    s = world
    rnd = random.Random(20261202)
    places, clock, staff = play(s, rnd, int(os.environ.get("RECOUNT_MOVES", "2500")))
    db = backend.connect(s.db)

    # 1. Every node's stored days equal the migration's recount from the cases.
    kept, recount = stored_and_recount(s)
    assert len(kept) > 100 and kept == recount

    # 2. The answers equal a scan of the cases, on every node that holds cases or is beside one.
    admin = clock
    nodes = set()
    for (path,) in db.execute("SELECT DISTINCT o.path FROM casefile c JOIN org o ON o.id = c.org_id"):
        ids = [int(x) for x in path.strip("/").split("/")]
        nodes.update(ids)
        for parent in ids[:-1]:
            nodes.update(r[0] for r in db.execute("SELECT id FROM org WHERE parent_id = ?", (parent,)))
    paths = dict(db.execute(f"SELECT id, path FROM org WHERE id IN ({','.join(map(str, nodes))})"))
    first, last = db.execute("SELECT MIN(created_at), MAX(close_due_at) FROM casefile").fetchone()
    ref = Reference(db)
    start = shanghai_midnight(first) - DAY
    end = shanghai_midnight(last) + 2 * DAY
    periods = [(start, end), (start + 12345, end - 4321), (first + 5 * HOUR, first + 9 * HOUR),
               (first + DAY + 77, first + 6 * DAY)]
    trends = [(start, end, "week"), (start + 7777, end, "month"), (start + 7777, end, "week")]
    checked = 0
    for node in sorted(nodes):
        path = paths[node]
        for a, b in periods:
            got = admin.get(f"/api/v1/orgs/{node}/casework", params={"from": iso(a), "to": iso(b)}).json()
            got.pop("overdue_now")
            assert got == ref.casework(path, a, b), (node, a, b)
            checked += got["due"]
        for a, b, bucket in trends:
            got = admin.get(f"/api/v1/orgs/{node}/casework/trend",
                            params={"from": iso(a), "to": iso(b), "bucket": bucket}).json()["buckets"]
            for x in got:
                fa, fb = ts(x["from"]), ts(x["to"])
                want = ref.figures(path, fa, fb)
                want.update({"from": x["from"], "to": x["to"], "reported": ref.count("created_at", path, fa, fb),
                             "closed_in_bucket": ref.count("closed_at", path, fa, fb)})
                assert x == want, (node, bucket, x["from"])
    assert checked > 1000

    # 3. overdue_now stays exact: counted at the moment asked (retried if a deadline passed meanwhile).
    offset = clock.post("/api/v1/_test/clock", json={"advance_seconds": 0}).json()["offset"]
    every_path = dict(db.execute("SELECT id, path FROM org").fetchall())
    for node in sorted(nodes):
        path = paths[node]
        for _ in range(5):
            before = Reference(db, moves=False, paths=every_path).overdue(path, int(time.time()) + offset - 1)
            got = admin.get(f"/api/v1/orgs/{node}/casework", params={"from": iso(start), "to": iso(end)}).json()
            after = Reference(db, moves=False, paths=every_path).overdue(path, int(time.time()) + offset + 1)
            if before == after:
                assert got["overdue_now"] == before, node
                break
        else:
            raise AssertionError("deadlines kept passing")

    # 4. children=1 answers each child's figures as its own request does.
    city = s.org_id("3401")
    for node in (city, *sorted(n for n in nodes if paths[n].count("/") == 3)):
        q = {"from": iso(start + 12345), "to": iso(end)}
        both = admin.get(f"/api/v1/orgs/{node}/casework", params={**q, "children": 1}).json()
        kids = both.pop("children")
        assert both == admin.get(f"/api/v1/orgs/{node}/casework", params=q).json()
        want = [r[0] for r in db.execute("SELECT id FROM org WHERE parent_id = ? ORDER BY id", (node,))]
        assert [k["id"] for k in kids] == want
        for k in kids[:30]:
            one = admin.get(f"/api/v1/orgs/{k['id']}/casework", params=q).json()
            assert {x: y for x, y in k.items() if x not in ("id", "name")} == one, k["id"]
    r = admin.get(f"/api/v1/orgs/{city}/casework", params={"from": iso(start), "to": iso(end), "children": 2})
    assert r.status_code == 400 and r.json()["error"]["field"] == "children"


def test_a_failed_write_leaves_the_figures(world):
    """A request that fails after its case changed the figures (its savepoint rolled
    back) leaves case_day as it was, alone or among good requests committed with it."""
    s = world
    admin = s.admin()
    grid = s.org_id("340104006")
    city = s.org_id("3401")
    staff = bearer(s, s.make_user(admin, "rb-staff", "org_staff", city))

    def report(who, title):
        return who.post("/api/v1/cases", json={"category": "other", "title": title, "description": "d",
                                                "org_id": grid})

    r = report(staff, "回滚")
    assert r.status_code == 201, r.text
    doomed = r.json()
    # The case's audit entry is refused after its figures were changed: the request fails whole.
    db = backend.connect(s.db)
    backend.refuse_audit_of_case_titled(db, "回滚")
    try:
        before, _ = stored_and_recount(s)
        r = staff.post(f"/api/v1/cases/{doomed['id']}/actions", json={"action": "accept", "version": doomed["version"]})
        assert r.status_code == 500, r.text
        assert report(staff, "回滚").status_code == 500
        after, recount = stored_and_recount(s)
        assert after == before == recount

        # Among good reports and actions in the same groups of the writer.
        clients = [bearer(s, admin) for _ in range(8)]
        def one(i):
            who = clients[i % len(clients)]
            if i % 4 == 0:
                return report(who, "回滚").status_code
            if i % 4 == 1:
                return who.post(f"/api/v1/cases/{doomed['id']}/actions",
                                json={"action": "accept", "version": doomed["version"]}).status_code
            return report(who, f"好的{i}").status_code
        with ThreadPoolExecutor(len(clients)) as pool:
            codes = list(pool.map(one, range(64)))
        assert codes.count(500) == 32 and codes.count(201) == 32, codes
        after, recount = stored_and_recount(s)
        assert after == recount and after != before
        live = backend.connect(s.db)
        assert live.execute("SELECT COUNT(*), MIN(state) FROM casefile WHERE title = '回滚'").fetchone() == (1, "reported")
        live.close()
        # The refused requests left no gap in the audit chain, nor a head naming their rows.
        assert "ok" in run_cli("audit", "verify", "--db", s.db).stdout
    finally:
        backend.drop_refusal(db)
        db.close()
