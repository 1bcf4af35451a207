"""The annual comprehensive assessment (年度综合考核): plans with indicator trees, each
leaf method on crafted data with known answers, the halves normalised to 50 and the
ranking with ties, vetoes, bonuses under their caps, values from the records and the
links to them, entered values with evidence, adjustments with a reason (audited, kept
apart from the computed points), published runs frozen, recomputation as a new
version, the tree closed once a run is published, who may do what, and bad input.

One server for the module: the street 五里墩 (340104006) assesses its six
communities; each test uses its own year, so each has its own plan."""
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest

from conftest import error_of

CITY, WULIDUN, NANGANG = "3401", "340104006", "340104005"
COMMUNITIES = [f"340104006{i:03d}" for i in range(1, 7)]


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


_seq = iter(range(400, 999))


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, WULIDUN, NANGANG, *COMMUNITIES)}
    ids["units"] = [ids[c] for c in COMMUNITIES]
    norms = [("assessment.weights", {"party_building": 50, "development": 50}),
             ("assessment.grade_bands", [{"grade": "excellent", "min": 90}, {"grade": "sound", "min": 80},
                                         {"grade": "fair", "min": 60}, {"grade": "weak", "min": 0}]),
             ("assessment.bonus_cap", 3)]
    for key, value in norms:
        r = admin.post("/api/v1/norms", json={"org_id": ids[CITY], "key": key, "year_from": 2020, "value": value})
        assert r.status_code == 201, r.text
    return ids


def make_plan(admin, city, year, nodes, entries=(), cls="community"):
    """A plan of the street for year with nodes [(key, parent key, body)] and entries
    {(node key, unit index): value}; its id and the node ids by key."""
    r = admin.post("/api/v1/assessment-plans", json={"org_id": city[WULIDUN], "year": year, "class": cls,
                                                     "name": f"{year}年度社区综合考核"})
    assert r.status_code == 201, r.text
    plan = r.json()["id"]
    ids = {}
    for i, (key, parent, body) in enumerate(nodes):
        b = {"code": key, "name": f"指标{key}", "sort": i, **body}
        if parent:
            b["parent_id"] = ids[parent]
        r = admin.post(f"/api/v1/assessment-plans/{plan}/indicators", json=b)
        assert r.status_code == 201, r.text
        ids[key] = r.json()["id"]
    for (key, unit), value in dict(entries).items():
        r = admin.request("PUT", f"/api/v1/assessment-plans/{plan}/entries",
                          json={"indicator_id": ids[key], "org_id": city["units"][unit], "value": value,
                                "evidence": "台账及会议记录（第3页）"})
        assert r.status_code == 200, r.text
    return plan, ids


def xlsx_rows(data):
    """The first worksheet's rows of a workbook whose cells are shared strings (as the server writes them)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        strings = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                   for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = {}
        for c in row.findall("m:c", ns):
            col = re.match(r"[A-Z]+", c.get("r")).group()
            v = c.find("m:v", ns)
            cells[col] = strings[int(v.text)] if c.get("t") == "s" and v is not None else (v.text if v is not None else None)
        rows.append([cells.get(chr(ord("A") + i)) for i in range(11)])
    return rows


def compute(client, plan):
    r = client.post(f"/api/v1/assessment-plans/{plan}/runs", json={})
    assert r.status_code == 201, r.text
    return r.json()


def ranking(client, run, **params):
    r = client.get(f"/api/v1/assessment-runs/{run}/results", params={"sort": "rank", "limit": 200, **params})
    assert r.status_code == 200, r.text
    return {row["org_id"]: row for row in r.json()["items"]}


def tree_of(client, run, org):
    r = client.get(f"/api/v1/assessment-runs/{run}/results/{org}")
    assert r.status_code == 200, r.text
    return r.json()["result"], {n["code"]: n for n in r.json()["tree"]}


def inner(half, max_points):
    return {"half": half, "max_points": max_points}


def leaf(method, params, max_points=10, source="entered", **more):
    return {"max_points": max_points, "method": method, "source": source, "params": params, **more}


def test_leaf_methods_halves_and_ranking_with_ties(admin, city):
    nodes = [("P", None, inner("party_building", 32)),
             ("P1", "P", leaf("pass", {"at_least": 1}, 10)),
             ("P2", "P", leaf("ratio", {"target": 0.9, "floor": 0.5}, 20)),
             ("P3", "P", leaf("deduct", {"per_event": 0.5}, 2)),
             ("D", None, inner("development", 10)),
             ("D1", "D", leaf("rank", {"steps": [[0.2, 1], [0.5, 0.8], [1, 0.6]]}, 10))]
    values = {"P1": [1, 0, 1, 1, 1, None], "P2": [0.9, 0.45, 0.6, 0.9, 1.0, None], "P3": [0, 5, 3, 0, 0, None],
              "D1": [100, 90, 90, 80, 70, None]}
    entries = {(k, u): v for k, vs in values.items() for u, v in enumerate(vs) if v is not None}
    plan, _ = make_plan(admin, city, 2026, nodes, entries)
    run = compute(admin, plan)
    assert run["version"] == 1 and run["state"] == "computed" and run["unit_count"] == 6
    res = ranking(admin, run["id"])
    u = city["units"]
    # C0: 10 + 20 + 2 = 32 of 32 → 50; rank first of five → 10 of 10 → 50.
    # C1: pass missed, ratio under its floor, five deductions stop at 0 → 0; rank 2 (tied) → 8 → 40.
    # C2: 10 + 20 × 0.6/0.9 + (2 − 1.5) = 23.83 → 37.24; 8 → 40: 77.24.
    # C3, C4: 32 → 50; ranks 4 and 5 of 5 → 0.6 → 30: 80 each, tied.
    # C5: nothing entered: only the deduction's full 2 → 3.13 (2/32 of 50), no rank → 0.
    want = {u[0]: (50, 50, 100, 1, "excellent"), u[1]: (0, 40, 40, 5, "weak"), u[2]: (37.24, 40, 77.24, 4, "fair"),
            u[3]: (50, 30, 80, 2, "sound"), u[4]: (50, 30, 80, 2, "sound"), u[5]: (3.13, 0, 3.13, 6, "weak")}
    got = {org: (r["party_building"], r["development"], r["total"], r["rank"], r["grade"]) for org, r in res.items()}
    assert got == want
    # Sorted by rank, ties in org order; by total falling the same order.
    r = admin.get(f"/api/v1/assessment-runs/{run['id']}/results", params={"sort": "rank", "limit": 2})
    assert [x["org_id"] for x in r.json()["items"]] == [u[0], u[3]] and r.json()["total"] == 6
    r2 = admin.get(f"/api/v1/assessment-runs/{run['id']}/results",
                   params={"sort": "rank", "limit": 2, "after": r.json()["next"]})
    assert [x["org_id"] for x in r2.json()["items"]] == [u[4], u[2]]
    # The ranking as a workbook: the same order, points and grades.
    r = admin.get(f"/api/v1/assessment-runs/{run['id']}/export")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(r.content)
    assert rows[0][:9] == ["名次", "组织编码", "单位", "上级", "党建", "发展", "加分", "总分", "等次"]
    assert [(row[0], row[1], row[7], row[8]) for row in rows[1:]] == [
        ("1", COMMUNITIES[0], "100.00", "优秀"), ("2", COMMUNITIES[3], "80.00", "良好"),
        ("2", COMMUNITIES[4], "80.00", "良好"), ("4", COMMUNITIES[2], "77.24", "一般"),
        ("5", COMMUNITIES[1], "40.00", "较差"), ("6", COMMUNITIES[5], "3.13", "较差")]
    _, tree = tree_of(admin, run["id"], u[1])
    assert tree["P3"]["computed"] == 0 and tree["P3"]["measure"] == 5  # stopped at zero, not −0.5
    assert tree["P2"]["computed"] == 0 and tree["P1"]["computed"] == 0 and tree["D1"]["computed"] == 8
    _, tree = tree_of(admin, run["id"], u[2])
    assert tree["P2"]["computed"] == 13.33 and tree["P3"]["computed"] == 0.5 and tree["P"]["computed"] == 23.83
    assert tree["P1"]["link"] is None and tree["P1"]["source"] == "entered"


def test_bonus_capped_and_vetoes(admin, city):
    nodes = [("P", None, inner("party_building", 10)),
             ("P1", "P", leaf("pass", {"at_least": 1})),
             ("D", None, inner("development", 10)),
             ("D1", "D", leaf("pass", {"at_least": 1})),
             ("B1", None, leaf("bonus", {"per": 1, "cap": 2}, 2, half="party_building")),
             ("B2", None, leaf("bonus", {"per": 0.5, "cap": 2}, 2, half="party_building")),
             ("V1", None, leaf("veto", {"effect": "drop_grade"}, 0, half="party_building")),
             ("V2", None, leaf("veto", {"effect": "bar_advanced"}, 0, half="party_building"))]
    values = {"P1": [1, 1, 1, 1], "D1": [1, 1, 1, 0], "B1": [5, 0, 0, 0], "B2": [4, 0, 0, 0],
              "V1": [0, 1, 0, 1], "V2": [0, 0, 1, 0]}
    entries = {(k, i): v for k, vs in values.items() for i, v in enumerate(vs)}
    plan, _ = make_plan(admin, city, 2025, nodes, entries)
    res = ranking(admin, compute(admin, plan)["id"])
    u = city["units"]
    # C0: 100 + min(2, 5) + min(2, 2) = 4, capped at 3 by assessment.bonus_cap → 103.
    # C1: 100 vetoed (drop_grade): the score stays, 优秀 drops to 良好.
    # C2: 100 barred from 先进 (bar_advanced): grade unchanged.
    # C3: 50 vetoed: already the lowest band. C4, C5: nothing entered → 0.
    want = {u[0]: (3, 103, 1, "excellent", False, False), u[1]: (0, 100, 2, "sound", True, False),
            u[2]: (0, 100, 2, "excellent", False, True), u[3]: (0, 50, 4, "weak", True, False),
            u[4]: (0, 0, 5, "weak", False, False), u[5]: (0, 0, 5, "weak", False, False)}
    got = {o: (r["bonus"], r["total"], r["rank"], r["grade"], r["vetoed"], r["barred"]) for o, r in res.items()}
    assert got == want
    assert ranking(admin, compute(admin, plan)["id"], grade="sound").keys() == {u[1]}


def person(admin, org):
    r = admin.post("/api/v1/persons", json={"org_id": org, "name": "考核居民",
                                            "id_card": id_with_check(f"34010419700101{next(_seq):03d}")})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_records_freeze_versions_adjustments(server, admin, city):
    u = city["units"]
    for org, secretaries in ((u[0], ["甲", "乙"]), (u[1], ["丙", None])):
        for i, s in enumerate(secretaries):
            body = {"org_id": org, "kind": "党支部", "name": f"考核第{i + 1}党支部"}
            if s:
                body["secretary"] = s
            assert admin.post("/api/v1/party-orgs", json=body).status_code == 201
    # A 党小组 has a 组长, not a secretary: it is not counted. C2's 党支部 has no name on
    # record but its node has a cadre in the post 书记: it counts as having one.
    assert admin.post("/api/v1/party-orgs", json={"org_id": u[1], "kind": "党小组", "name": "考核第一党小组"}).status_code == 201
    assert admin.post("/api/v1/party-orgs", json={"org_id": u[2], "kind": "党支部", "name": "考核党支部"}).status_code == 201
    r = admin.post("/api/v1/cadres", json={"person_id": person(admin, u[2]), "org_id": u[2], "post": "书记",
                                           "term_start": "2021-01-01"})
    assert r.status_code == 201, r.text
    person(admin, u[0])
    nodes = [("P", None, inner("party_building", 10)),
             ("P1", "P", leaf("ratio", {"target": 1}, source="party_orgs.with_secretary_rate")),
             ("D", None, inner("development", 10)),
             ("D1", "D", leaf("pass", {"at_least": 1}, source="residents.registered"))]
    plan, ids = make_plan(admin, city, 2024, nodes)
    run1 = compute(admin, plan)
    res = ranking(admin, run1["id"])
    # C0: 2 of 2 party orgs with a secretary, a resident → 100; C1: 1 of 2 → 25, no resident.
    # C2: its 党支部 led by the node's 书记, a resident (the cadre) → 100.
    # C3..C5: no party org (nothing due: full points), no resident → 50.
    assert [res[o]["total"] for o in u] == [100, 25, 100, 50, 50, 50]
    _, tree = tree_of(admin, run1["id"], u[1])
    assert tree["P1"]["numbers"] == {"with_secretary": 1, "party_orgs": 2} and tree["P1"]["measure"] == 0.5
    assert tree["P1"]["link"] == {"page": "org-party-orgs", "query": {"org": u[1], "year": 2024}}
    _, tree = tree_of(admin, run1["id"], u[2])
    assert tree["P1"]["numbers"] == {"with_secretary": 1, "party_orgs": 1}
    _, tree = tree_of(admin, run1["id"], u[3])
    assert tree["P1"]["applies"] is False and tree["P1"]["computed"] == 10
    r = admin.post(f"/api/v1/assessment-runs/{run1['id']}/publish", json={})
    assert r.status_code == 200 and r.json()["state"] == "published", r.text
    # Frozen: the tree, adjustments; the records move on, the published run does not.
    for method, path, body in (("POST", f"/api/v1/assessment-plans/{plan}/indicators",
                                {"code": "X", "name": "新增", "half": "development", "max_points": 1}),
                               ("PATCH", f"/api/v1/assessment-indicators/{ids['D1']}", {"name": "改名", "version": 1}),
                               ("DELETE", f"/api/v1/assessment-indicators/{ids['D1']}", None),
                               ("PUT", f"/api/v1/assessment-runs/{run1['id']}/adjustments",
                                {"org_id": u[1], "indicator_id": ids["P1"], "points": 10, "reason": "核实后补正"})):
        r = admin.request(method, path, json=body)
        assert r.status_code == 409 and error_of(r)["code"] == "assess_published", (path, r.text)
    person(admin, u[1])
    run2 = compute(admin, plan)
    assert run2["version"] == 2 and run2["id"] != run1["id"]
    assert ranking(admin, run1["id"])[u[1]]["total"] == 25
    assert ranking(admin, run2["id"])[u[1]]["total"] == 75
    assert admin.get(f"/api/v1/assessment-plans/{plan}").json()["published_run_id"] == run1["id"]
    assert admin.post(f"/api/v1/assessment-runs/{run2['id']}/publish", json={}).status_code == 200
    runs = admin.get(f"/api/v1/assessment-plans/{plan}/runs").json()["items"]
    assert {r["version"]: r["state"] for r in runs} == {1: "superseded", 2: "published"}
    # Adjusting a computed run: the reason is required, checked and audited; computed kept apart.
    run3 = compute(admin, plan)
    path = f"/api/v1/assessment-runs/{run3['id']}/adjustments"
    body = {"org_id": u[1], "indicator_id": ids["P1"], "points": 10}
    r = admin.request("PUT", path, json=body)
    assert r.status_code == 400 and error_of(r)["field"] == "reason"
    r = admin.request("PUT", path, json={**body, "reason": "电话13912345678核实"})
    assert r.status_code == 400 and error_of(r)["code"] == "reason_personal_data"
    r = admin.request("PUT", path, json={**body, "points": 11, "reason": "核实后补正"})
    assert r.status_code == 400 and error_of(r)["field"] == "points"
    r = admin.request("PUT", path, json={**body, "reason": "党支部书记已于年中配齐"})
    assert r.status_code == 200, r.text
    result, tree = tree_of(admin, run3["id"], u[1])
    assert (tree["P1"]["computed"], tree["P1"]["adjusted"], tree["P1"]["points"]) == (5, 10, 10)
    assert tree["P1"]["reason"] == "党支部书记已于年中配齐" and result["total"] == 100 and result["rank"] == 1
    assert ranking(admin, run2["id"])[u[1]]["total"] == 75
    audit = admin.get("/api/v1/audit", params={"entity": "assess_run", "entity_id": run3["id"]}).json()["items"]
    adj = [a for a in audit if a["action"] == "assessment.adjusted"]
    assert len(adj) == 1 and adj[0]["summary"]["reason"] == "党支部书记已于年中配齐"
    # An entered value's evidence is required, and not kept in the audit summary.
    plan4, ids4 = make_plan(admin, city, 2023, [("P", None, leaf("pass", {"at_least": 1}, half="party_building"))])
    epath = f"/api/v1/assessment-plans/{plan4}/entries"
    r = admin.request("PUT", epath, json={"indicator_id": ids4["P"], "org_id": u[0], "value": 1})
    assert r.status_code == 400 and error_of(r)["field"] == "evidence"
    r = admin.request("PUT", epath, json={"indicator_id": ids4["P"], "org_id": u[0], "value": 1,
                                          "evidence": "联系人13912345678提供的台账"})
    assert r.status_code == 200
    audit = admin.get("/api/v1/audit", params={"entity": "assess_plan", "entity_id": plan4}).json()["items"]
    entry = [a for a in audit if a["action"] == "assessment.entry_set"]
    assert len(entry) == 1 and entry[0]["summary"]["evidence"] is True and "13912345678" not in str(audit)
    r = admin.request("PUT", epath, json={"indicator_id": ids["P1"], "org_id": u[0], "value": 1, "evidence": "台账"})
    assert r.status_code == 400 and error_of(r)["field"] == "indicator_id"
    r = admin.request("PUT", epath, json={"indicator_id": ids4["P"], "org_id": city[WULIDUN], "value": 1,
                                          "evidence": "台账"})
    assert r.status_code == 400 and error_of(r)["field"] == "org_id"


def test_permissions(server, admin, city):
    u = city["units"]
    plan, ids = make_plan(admin, city, 2022, [("P", None, leaf("pass", {"at_least": 1}, half="party_building"))],
                          {("P", 1): 1})
    computed = compute(admin, plan)
    published = compute(admin, plan)
    assert admin.post(f"/api/v1/assessment-runs/{published['id']}/publish", json={}).status_code == 200
    unit = server.make_user(admin, "assess_c1", "org_staff", u[1])
    other = server.make_user(admin, "assess_nangang", "org_staff", city[NANGANG])
    reader = server.make_user(admin, "assess_reader", "auditor", city[WULIDUN])
    # A community cannot compute, publish or change its street's plan (out of its scope: 404).
    for method, path in (("POST", f"/api/v1/assessment-plans/{plan}/runs"),
                         ("POST", f"/api/v1/assessment-runs/{computed['id']}/publish"),
                         ("GET", f"/api/v1/assessment-plans/{plan}"),
                         ("GET", f"/api/v1/assessment-runs/{published['id']}/results")):
        r = unit.request(method, path, json={} if method == "POST" else None)
        assert r.status_code == 404, (path, r.text)
    # It reads its own result once published, nobody else's, and nothing of an unpublished run.
    assert unit.get(f"/api/v1/assessment-runs/{published['id']}/results/{u[1]}").json()["result"]["total"] == 50
    assert unit.get(f"/api/v1/assessment-runs/{published['id']}/results/{u[0]}").status_code == 404
    assert unit.get(f"/api/v1/assessment-runs/{computed['id']}/results/{u[1]}").status_code == 404
    # Another street sees nothing of it; a reader of the street reads but cannot write.
    assert other.get(f"/api/v1/assessment-plans/{plan}").status_code == 404
    assert other.get(f"/api/v1/assessment-runs/{published['id']}/results/{u[1]}").status_code == 404
    assert reader.get(f"/api/v1/assessment-runs/{computed['id']}/results").status_code == 200
    r = reader.post(f"/api/v1/assessment-plans/{plan}/runs", json={})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    # A street's plan for the city's districts: the street holds no org.write at the city.
    r = unit.post("/api/v1/assessment-plans", json={"org_id": city[WULIDUN], "year": 2026, "class": "community",
                                                    "name": "越权方案"})
    assert r.status_code == 404 and error_of(r)["field"] == "org_id"


def test_bad_input(admin, city):
    base = {"org_id": city[WULIDUN], "year": 2021, "class": "community", "name": "2021年度考核"}
    r = admin.post("/api/v1/assessment-plans", json={**base, "class": "city"})
    assert r.status_code == 400 and error_of(r)["field"] == "class"
    r = admin.post("/api/v1/assessment-plans", json=base)
    assert r.status_code == 201
    plan = r.json()["id"]
    r = admin.post("/api/v1/assessment-plans", json=base)
    assert r.status_code == 409 and error_of(r) == {**error_of(r), "code": "conflict", "field": "class"}
    r = admin.post(f"/api/v1/assessment-plans/{plan}/runs", json={})
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_transition"
    path = f"/api/v1/assessment-plans/{plan}/indicators"
    top = admin.post(path, json={"code": "T", "name": "党建", "half": "party_building", "max_points": 10}).json()
    cases = [({"code": "A", "name": "无来源", "parent_id": top["id"], "max_points": 5, "method": "pass"}, "source"),
             ({"code": "A", "name": "来源", "parent_id": top["id"], "max_points": 5, "method": "pass",
               "source": "no.such"}, "source"),
             ({"code": "A", "name": "参数", "parent_id": top["id"], "max_points": 5, "method": "ratio",
               "source": "entered", "params": {"target": 0}}, "params"),
             ({"code": "A", "name": "参数", "parent_id": top["id"], "max_points": 5, "method": "deduct",
               "source": "entered", "params": {"per": 1}}, "params"),
             ({"code": "A", "name": "半", "parent_id": top["id"], "max_points": 5, "half": "development"}, "half"),
             ({"code": "A", "name": "无半"  , "max_points": 5}, "half"),
             ({"code": "T", "name": "重号", "parent_id": top["id"], "max_points": 5}, "code"),
             ({"code": "A", "name": "方法", "parent_id": top["id"], "max_points": 5, "method": "guess",
               "source": "entered"}, "method")]
    for body, field in cases:
        r = admin.post(path, json=body)
        assert r.status_code in (400, 409) and error_of(r)["field"] == field, (body, r.text)
    leaf_ = admin.post(path, json={"code": "L", "name": "末级", "parent_id": top["id"], "max_points": 5,
                                   "method": "pass", "source": "entered", "params": {"at_least": 1}}).json()
    r = admin.post(path, json={"code": "U", "name": "末级之下", "parent_id": leaf_["id"], "max_points": 1})
    assert r.status_code == 400 and error_of(r)["field"] == "parent_id"
    r = admin.request("DELETE", f"/api/v1/assessment-indicators/{top['id']}")
    assert r.status_code == 409 and error_of(r)["code"] == "not_empty"
    # A leaf made an inner node leaves its parameters behind; one with children takes no method.
    r = admin.patch(f"/api/v1/assessment-indicators/{leaf_['id']}",
                    json={"method": None, "source": None, "version": leaf_["version"]})
    assert r.status_code == 200 and r.json()["method"] is None and r.json()["params"] == {}, r.text
    r = admin.patch(f"/api/v1/assessment-indicators/{top['id']}",
                    json={"method": "pass", "source": "entered", "params": {"at_least": 1}, "version": top["version"]})
    assert r.status_code == 400 and error_of(r)["field"] == "method"
    # No norm applies before 2020.
    r = admin.post("/api/v1/assessment-plans", json={**base, "year": 2019})
    plan19 = r.json()["id"]
    admin.post(f"/api/v1/assessment-plans/{plan19}/indicators",
               json={"code": "T", "name": "党建", "half": "party_building", "max_points": 10, "method": "pass",
                     "source": "entered", "params": {"at_least": 1}})
    r = admin.post(f"/api/v1/assessment-plans/{plan19}/runs", json={})
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    r = admin.get("/api/v1/assessment-runs/1/results", params={"sort": "name"})
    assert r.status_code == 400 and error_of(r)["field"] == "sort"
    sources = admin.get("/api/v1/assessment-sources").json()["items"]
    assert len([s for s in sources if s["key"] != "entered"]) >= 20
