"""村/社区干部报酬: pay records, benchmarks, the standard (the norm pay.standard: the highest part
that applies, unchecked when none does), compliance, averages, the kept figures pay.* and the
demo's exact averages. Crafted records with known answers; one server for the module."""
import os
import subprocess

import backend
import pytest
from conftest import BIN, assert_clean, Server, id_with_check, ok, refused, verify_figures, xlsx_rows

CITY, SHUSHAN, WULIDUN, TUANAN, QINGYANG = "3401", "340104", "340104006", "340104006001", "340104006002"
LUYANG, DAYANG = "340103", "340103100200"  # 大杨村: a village of 庐阳区


def figures(client, org, year):
    rows = ok(client.get(f"/api/v1/orgs/{org}/year-figures", params={"prefix": "pay.", "year": year}))
    items = rows["figures"]
    return {r["figure"]: r["total"] for r in items}


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, WULIDUN, TUANAN, QINGYANG, LUYANG, DAYANG)}
    people = {}
    for seq, (key, org) in enumerate((("sec", TUANAN), ("deputy", TUANAN), ("q_sec", QINGYANG),
                                      ("v_sec", DAYANG), ("v_dir", DAYANG)), start=1):
        people[key] = ok(admin.post("/api/v1/persons", json={"org_id": ids[org], "name": f"干部{seq}",
                                                             "id_card": id_with_check(f"34010419700402{seq:03d}")}),
                         201)["id"]
    ids["p"] = people
    ids["community"] = server.make_user(admin, "pay-comm", "org_staff", ids[TUANAN])
    ids["district"] = server.make_user(admin, "pay-district", "org_staff", ids[SHUSHAN])
    ids["sibling"] = server.make_user(admin, "pay-sibling", "org_staff", ids[QINGYANG])
    ids["grid"] = server.make_user(admin, "pay-grid", "grid_worker", ids[TUANAN])
    return ids


def record(city, person, org, post, year, basic, **kw):
    return {"person_id": city["p"][person], "org_id": city[org], "post": post, "year": year, "basic": basic,
            "performance": 0, "growth_reward": 0, "other": 0, **kw}


def norm(admin, org, year, b=0, r=0, d=0):
    return ok(admin.post("/api/v1/norms", json={"org_id": org, "key": "pay.standard", "year_from": year,
                                                "value": {"benchmark_pct": b, "rural_income_multiple_pct": r,
                                                          "deputy_of_secretary_pct": d}}), 201)


def get(client, rid):
    return ok(client.get(f"/api/v1/pay-records/{rid}"))


def test_standard_by_year_and_county_highest_rule_deputy_share(server, admin, city):
    comm = city["community"]
    # nothing applies yet: unchecked, said so
    sec21 = ok(comm.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "secretary", 2021, 40000,
                                                            performance=8000, growth_reward=1500, other=500)), 201)
    assert sec21["total"] == 50000 and sec21["person_name"] == "干部1"
    assert not any("id_card" in k or "phone" in k for k in sec21)
    g = get(comm, sec21["id"])
    assert (g["standard"], g["checked"], g["below"], g["gap"]) == (None, False, False, 0)
    assert figures(admin, city[CITY], 2021).get("pay.checked", 0) == 0
    # the city's rule, but no benchmark: still unchecked
    city_norm = norm(admin, city[CITY], 2021, b=100)
    assert get(comm, sec21["id"])["standard"] is None
    # the district's benchmark: 100% of 60,000 -> 10,000 below
    ok(city["district"].post("/api/v1/pay-benchmarks", json={"org_id": city[SHUSHAN], "year": 2021,
                                                             "civil_servant_pay": 60000, "rural_income": 20000}), 201)
    g = get(comm, sec21["id"])
    assert (g["standard"], g["standard_rule"], g["below"], g["gap"]) == (60000, "benchmark", True, 10000)
    f = figures(admin, city[CITY], 2021)
    assert (f["pay.checked"], f["pay.below"], f["pay.below_gap"]) == (1, 1, 10000)
    # the city's benchmark: the district's, nearer, still applies to 团安; 大杨村 (庐阳) takes the city's
    ok(admin.post("/api/v1/pay-benchmarks", json={"org_id": city[CITY], "year": 2021, "civil_servant_pay": 70000}),
       201)
    assert get(comm, sec21["id"])["standard"] == 60000
    v21 = ok(admin.post("/api/v1/pay-records", json=record(city, "v_sec", DAYANG, "secretary_director", 2021,
                                                           72000)), 201)
    assert (get(admin, v21["id"])["standard"], get(admin, v21["id"])["below"]) == (70000, False)
    # another year: the district's own rule from 2022 (the nearest issuer), its 2022 benchmark
    norm(admin, city[SHUSHAN], 2022, b=50, r=200, d=80)
    ok(admin.post("/api/v1/pay-benchmarks", json={"org_id": city[SHUSHAN], "year": 2022, "civil_servant_pay": 80000,
                                                  "rural_income": 25000}), 201)
    sec22 = ok(comm.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "secretary", 2022, 60000)), 201)
    g = get(comm, sec22["id"])  # 50% of 80,000 = 40,000; 200% of 25,000 = 50,000: the highest
    assert (g["std_benchmark"], g["std_rural"], g["std_deputy"]) == (40000, 50000, None)
    assert (g["standard"], g["standard_rule"], g["below"]) == (50000, "rural_income", False)
    dep = ok(comm.post("/api/v1/pay-records", json=record(city, "deputy", TUANAN, "deputy_secretary", 2022, 45000)),
             201)
    g = get(comm, dep["id"])  # deputy: 80% of the secretary's 60,000 = 48,000 < 50,000
    assert (g["std_deputy"], g["standard"], g["gap"]) == (48000, 50000, 5000)
    # the secretary's pay rises: the deputy's share now rules (56,000)
    ok(comm.patch(f"/api/v1/pay-records/{sec22['id']}", json={"basic": 70000, "version": sec22["version"]}))
    g = get(comm, dep["id"])
    assert (g["standard"], g["standard_rule"], g["gap"], g["below"]) == (56000, "deputy_share", 11000, True)
    f = figures(admin, city[SHUSHAN], 2022)
    assert (f["pay.checked"], f["pay.below"], f["pay.below_gap"]) == (2, 1, 11000)
    # the city's rule changes (100% -> 80%): 2021's 团安 record is no longer below
    ok(admin.patch(f"/api/v1/norms/{city_norm['id']}", json={"value": {"benchmark_pct": 80,
                                                                        "rural_income_multiple_pct": 0,
                                                                        "deputy_of_secretary_pct": 0},
                                                              "version": city_norm["version"]}))
    assert (get(comm, sec21["id"])["standard"], get(comm, sec21["id"])["below"]) == (48000, False)
    assert figures(admin, city[CITY], 2021).get("pay.below", 0) == 0
    verify_figures(server)


def test_averages_below_list_and_page_figures(server, admin, city):
    ok(city["sibling"].post("/api/v1/pay-records", json=record(city, "q_sec", QINGYANG, "secretary", 2022, 50000)),
       201)
    ok(admin.post("/api/v1/pay-records", json=record(city, "v_sec", DAYANG, "secretary_director", 2022, 30000)), 201)
    ok(admin.post("/api/v1/pay-records", json=record(city, "v_dir", DAYANG, "director", 2022, 20000)), 201)
    f = figures(admin, city[CITY], 2022)  # 团安 70,000 + 青阳路 50,000; 大杨村 30,000 + 20,000
    assert (f["pay.community_secretary.n"], f["pay.community_secretary.sum"]) == (2, 120000)
    assert (f["pay.village_head.n"], f["pay.village_head.sum"]) == (2, 50000)
    page = ok(admin.get("/api/v1/pay-figures", params={"org": city[SHUSHAN], "year": 2022}))
    assert page["groups"]["community_secretary"] == {"n": 2, "sum": 120000, "average": 60000}
    assert page["groups"]["village_head"]["n"] == 0 and page["groups"]["village_head"]["average"] is None
    posts = {p["post"]: p for p in page["posts"]}
    assert posts["deputy_secretary"]["average"] == 45000 and posts["secretary"]["n"] == 2
    assert (page["checked"], page["below"], page["below_gap"]) == (3, 1, 11000)
    assert [s["year"] for s in page["series"]] == [2021, 2022]
    # who is below, and by how much
    below = ok(admin.get("/api/v1/pay-records", params={"org": city[SHUSHAN], "year": 2022, "below": "true"}))
    assert [(r["person_name"], r["gap"], r["standard"]) for r in below["items"]] == [("干部2", 11000, 56000)]
    heads = ok(admin.get("/api/v1/pay-records", params={"org": city[CITY], "post_group": "village_head",
                                                        "year": 2022}))
    assert sorted(r["total"] for r in heads["items"]) == [20000, 30000]
    # 大杨村 (庐阳) in 2022: the city's rule applies (80%) but no benchmark: unchecked
    assert all(r["checked"] is False for r in heads["items"])
    r = admin.get("/api/v1/pay-records/export", params={"org": city[SHUSHAN], "year": 2022, "below": "true"})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][:3] == ["编号", "村/社区", "姓名"] and len(rows) == 2 and rows[1][2] == "干部2"
    verify_figures(server)


def test_roles_scope_and_bad_input(server, admin, city):
    comm, sib, grid, dist = city["community"], city["sibling"], city["grid"], city["district"]
    # duplicates: one per person, node, post and year
    refused(comm.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "secretary", 2022, 1)),
            409, "conflict", "person_id")
    # bad input changes nothing
    before = ok(admin.get("/api/v1/pay-records", params={"org": city[CITY]}))["total"]
    refused(dist.post("/api/v1/pay-records", json=record(city, "sec", WULIDUN, "secretary", 2023, 1)),
            400, "validation_failed", "org_id")
    refused(comm.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "boss", 2023, 1)),
            400, "validation_failed", "post")
    refused(comm.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "secretary", 1999, 1)),
            400, "validation_failed", "year")
    refused(comm.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "secretary", 2023, -1)),
            400, "validation_failed", "basic")
    refused(comm.post("/api/v1/pay-records", json=record(city, "v_dir", TUANAN, "secretary", 2023, 1)),
            404, "not_found", "person_id")  # a resident the caller does not see
    refused(admin.get("/api/v1/pay-records", params={"below": "yes"}), 400, "validation_failed", "below")
    assert ok(admin.get("/api/v1/pay-records", params={"org": city[CITY]}))["total"] == before
    # scope: a sibling community neither sees nor writes 团安's
    mine = ok(comm.get("/api/v1/pay-records", params={"year": 2022}))["items"]
    assert {r["org_id"] for r in mine} == {city[TUANAN]}
    refused(sib.get(f"/api/v1/pay-records/{mine[0]['id']}"), 404, "not_found", None)
    refused(sib.patch(f"/api/v1/pay-records/{mine[0]['id']}", json={"basic": 1}), 404, "not_found", None)
    refused(sib.post("/api/v1/pay-records", json=record(city, "q_sec", TUANAN, "member", 2022, 1)),
            404, "not_found", "org_id")
    refused(sib.get("/api/v1/pay-records", params={"org": city[TUANAN]}), 404, "not_found", "org")
    # a grid worker reads (people.read) but does not write (no org.write)
    assert ok(grid.get("/api/v1/pay-records", params={"org": city[TUANAN]}))["total"] >= 2
    assert grid.post("/api/v1/pay-records", json=record(city, "sec", TUANAN, "member", 2022, 1)).status_code == 403
    # benchmarks: at a county, district or the city, by org.write there
    refused(dist.post("/api/v1/pay-benchmarks", json={"org_id": city[WULIDUN], "year": 2023,
                                                      "civil_servant_pay": 1}), 400, "validation_failed", "org_id")
    refused(comm.post("/api/v1/pay-benchmarks", json={"org_id": city[SHUSHAN], "year": 2023,
                                                      "civil_servant_pay": 1}), 404, "not_found", "org_id")
    refused(dist.post("/api/v1/pay-benchmarks", json={"org_id": city[SHUSHAN], "year": 2022,
                                                      "civil_servant_pay": 1}), 409, "conflict", "year")
    refused(dist.post("/api/v1/pay-benchmarks", json={"org_id": city[SHUSHAN], "year": 2023,
                                                      "rural_income": -5}), 400, "validation_failed", "rural_income")
    listed = ok(dist.get("/api/v1/pay-benchmarks", params={"org": city[SHUSHAN]}))["items"]
    assert sorted(b["year"] for b in listed) == [2021, 2022]
    # the page's figures: the caller's subtree only
    refused(sib.get("/api/v1/pay-figures", params={"org": city[TUANAN], "year": 2022}), 404, "not_found", "org")
    # a removed record leaves the figures
    extra = ok(comm.post("/api/v1/pay-records", json=record(city, "deputy", TUANAN, "member", 2023, 9000)), 201)
    assert figures(admin, city[CITY], 2023)["pay.post.member.n"] == 1
    assert comm.delete(f"/api/v1/pay-records/{extra['id']}").status_code in (200, 204)
    assert figures(admin, city[CITY], 2023).get("pay.post.member.n", 0) == 0
    verify_figures(server)


# ---------------------------------------------------------------- the demo

def test_demo_pay_averages_exact():
    from test_demo import demo_city
    db = demo_city(3000, 11)
    s = Server(db=db)
    try:
        admin = s.admin()
        hefei = s.org_id(CITY)
        rows = ok(admin.get(f"/api/v1/orgs/{hefei}/year-figures", params={"prefix": "pay."}))
        items = rows["figures"]
        by = {}
        for r in items:
            by.setdefault(r["year"], {})[r["figure"]] = r["total"]
        years = sorted(by)
        first, last = years[0], years[-1]
        assert first == 2012 and last >= 2024
        avg = lambda y, g: by[y][f"pay.{g}.sum"] / by[y][f"pay.{g}.n"]
        assert avg(first, "community_secretary") == 31000 and avg(last, "community_secretary") == 59000
        assert avg(first, "village_head") == 15000 and avg(last, "village_head") == 37000
        for g in ("community_secretary", "village_head"):
            seq = [avg(y, g) for y in years]
            assert seq == sorted(seq) and len(set(seq)) == len(seq)
        assert 0 < by[last]["pay.below"] <= 10 and by[last]["pay.below_gap"] > 0
        assert all(by[y].get("pay.below", 0) == 0 for y in years[:-1])
        # benchmarks for every county and district, every year
        districts = [o for o in ok(admin.get("/api/v1/orgs", params={"level": "district", "limit": 200}))["items"]]
        bench = ok(admin.get("/api/v1/pay-benchmarks", params={"limit": 200, "year": last}))
        assert bench["total"] == len(districts) > 0
        # the whole city's figures: longer than one CLI call is given elsewhere
        args = ["figures", "verify", "--db", db]
        env = {**os.environ, **backend.cli_env(args)}
        p = subprocess.run([BIN, *args], capture_output=True, text=True, env=env, timeout=900)
        assert_clean(p.stderr, "jiceng figures verify")
        assert p.returncode == 0 and "ok" in p.stdout, p.stdout + p.stderr
    finally:
        assert s.close() == 0
