"""Venues (党群服务中心/阵地) and operating funds (运转经费): standards by kind, year and
issuer (venue.min_area, venue.area_per_100_households), tiers by population
(funds.population_tiers), registry against entered figures, the kept figures
(venue., funds.) after writes and norm changes, roles and scope, bad input,
exports, photos; and the demo city's exact averages."""

import pytest

import backend
from conftest import Server, id_with_check, ok, refused, run_cli, xlsx_rows

CITY, SHUSHAN, WULIDUN, TUANAN, QINGYANG = "3401", "340104", "340104006", "340104006001", "340104006002"
DAYANG, SHIZHANG = "340103100200", "340103100201"  # villages of 庐阳区
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def verify(server):
    p = run_cli("figures", "verify", "--db", server.db, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def figures(admin, org, prefix, year):
    rows = ok(admin.get(f"/api/v1/orgs/{org}/year-figures", params={"prefix": prefix, "year": year}))["figures"]
    return {r["figure"]: r["total"] for r in rows if r["year"] == year}


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, WULIDUN, TUANAN, QINGYANG, DAYANG, SHIZHANG)}
    ids["tuanan"] = server.make_user(admin, "vf-tuanan", "org_staff", ids[TUANAN])
    ids["district"] = server.make_user(admin, "vf-district", "org_staff", ids[SHUSHAN])
    ids["sibling"] = server.make_user(admin, "vf-sibling", "org_staff", ids[QINGYANG])
    ids["grid"] = server.make_user(admin, "vf-grid", "grid_worker", ids[TUANAN])
    norm = lambda org, key, year, value: ok(admin.post("/api/v1/norms", json={
        "org_id": ids[org], "key": key, "year_from": year, "value": value}), 201)["id"]
    ids["norm_min_city"] = norm(CITY, "venue.min_area", 2020, {"community": 600, "village": 200})
    norm(SHUSHAN, "venue.min_area", 2021, {"community": 800, "village": 300})
    norm(CITY, "venue.area_per_100_households", 2022, 30)
    ids["norm_tiers_city"] = norm(CITY, "funds.population_tiers", 2020, [3000, 8000])
    norm(SHUSHAN, "funds.population_tiers", 2023, [5000])
    return ids


def venue(client, org, year, area, **kw):
    return client.post("/api/v1/venues", json={"org_id": org, "year": year, "area_x10": area, **kw})


def test_venue_standard_by_kind_year_and_issuer(server, admin, city):
    t, v = city[TUANAN], city[DAYANG]
    st = lambda r: (r["min_x10"], r["per_household_x10"], r["standard_x10"], r["below"], r["shortfall_x10"])
    # before any norm: not checked
    a = ok(venue(admin, t, 2019, 5000, functions=["party_room", "library"], address="团安路1号"), 201)
    assert a["functions"] == ["party_room", "library"] and a["households"] is None
    assert st(ok(admin.get(f"/api/v1/venues/{a['id']}"))) == (None, None, None, None, 0)
    # the city's 600 m² for a community, 200 for a village
    b = ok(venue(admin, t, 2020, 5000), 201)
    assert st(ok(admin.get(f"/api/v1/venues/{b['id']}"))) == (6000, None, 6000, True, 1000)
    c = ok(venue(admin, v, 2020, 2500, households=900), 201)
    assert st(ok(admin.get(f"/api/v1/venues/{c['id']}"))) == (2000, None, 2000, False, 0)
    # the district's own 800 from 2021 in its subtree; the village (庐阳区) keeps the city's
    d = ok(venue(admin, t, 2021, 7000), 201)
    assert st(ok(admin.get(f"/api/v1/venues/{d['id']}"))) == (8000, None, 8000, True, 1000)
    e = ok(venue(admin, v, 2021, 1900), 201)
    assert st(ok(admin.get(f"/api/v1/venues/{e['id']}"))) == (2000, None, 2000, True, 100)
    # 30 m² per 100 households from 2022: 3,000 entered households need 900 m², more than 800
    f = ok(venue(admin, t, 2022, 8500, households=3000), 201)
    assert f["households_source"] == "entered"
    assert st(ok(admin.get(f"/api/v1/venues/{f['id']}"))) == (8000, 9000, 9000, True, 500)
    g = ok(venue(admin, v, 2022, 2100, households=500), 201)  # 150 m² per households, 200 minimum
    assert st(ok(admin.get(f"/api/v1/venues/{g['id']}"))) == (2000, 1500, 2000, False, 0)
    # the kept figures, at the node and above
    assert figures(admin, city[CITY], "venue.", 2020) == {
        "venue.community.n": 1, "venue.community.area_x10": 5000, "venue.community.checked": 1,
        "venue.community.below": 1, "venue.community.shortfall_x10": 1000,
        "venue.village.n": 1, "venue.village.area_x10": 2500, "venue.village.checked": 1}
    assert figures(admin, city[SHUSHAN], "venue.", 2022) == {
        "venue.community.n": 1, "venue.community.area_x10": 8500, "venue.community.checked": 1,
        "venue.community.below": 1, "venue.community.shortfall_x10": 500}
    assert figures(admin, city[CITY], "venue.", 2019) == {"venue.community.n": 1, "venue.community.area_x10": 5000}
    # the list of those below, by year and kind
    below = ok(admin.get("/api/v1/venues", params={"below": "true", "org": city[CITY]}))["items"]
    assert sorted(x["id"] for x in below) == sorted([b["id"], d["id"], e["id"], f["id"]])
    assert [x["id"] for x in ok(admin.get("/api/v1/venues", params={"below": "true", "kind": "village"}))["items"]] \
        == [e["id"]]
    assert [x["id"] for x in ok(admin.get("/api/v1/venues", params={"year": 2020, "kind": "community"}))["items"]] \
        == [b["id"]]
    # an update moves the figures: 2020 now meets the standard
    ok(admin.patch(f"/api/v1/venues/{b['id']}", json={"area_x10": 6000}))
    assert figures(admin, city[CITY], "venue.", 2020)["venue.community.area_x10"] == 8500 - 2500
    assert "venue.community.below" not in figures(admin, city[CITY], "venue.", 2020)
    # a norm's change reclassifies: the city asks 700 m² of a community from 2020
    ok(admin.patch(f"/api/v1/norms/{city['norm_min_city']}",
                   json={"value": {"community": 700, "village": 200}}))
    assert figures(admin, city[CITY], "venue.", 2020)["venue.community.below"] == 1
    assert ok(admin.get(f"/api/v1/venues/{b['id']}"))["shortfall_x10"] == 1000
    # a delete takes its record out
    assert admin.delete(f"/api/v1/venues/{a['id']}").status_code == 204
    assert figures(admin, city[CITY], "venue.", 2019) == {}
    verify(server)


def test_venue_households_from_the_registry(server, admin, city):
    q = city[QINGYANG]
    # no households in the registry: none, the per-household norm is not applied
    a = ok(venue(admin, q, 2022, 6000), 201)
    assert (a["households"], a["households_source"]) == (None, None)
    assert ok(admin.get(f"/api/v1/venues/{a['id']}"))["standard_x10"] == 8000
    for n in range(3):
        ok(admin.post("/api/v1/households", json={"org_id": q, "address": f"青阳路{n + 1}号"}), 201)
    b = ok(venue(admin, q, 2023, 6000), 201)
    assert (b["households"], b["households_source"]) == (3, "registry")
    # entered when given; null given: the registry's again
    b = ok(admin.patch(f"/api/v1/venues/{b['id']}", json={"households": 4000}))
    assert (b["households"], b["households_source"]) == (4000, "entered")
    assert ok(admin.get(f"/api/v1/venues/{b['id']}"))["standard_x10"] == 12000
    b = ok(admin.patch(f"/api/v1/venues/{b['id']}", json={"households": None}))
    assert (b["households"], b["households_source"]) == (3, "registry")
    verify(server)


def funds(client, org, year, population=None, **kw):
    body = {"org_id": org, "year": year, "basic_pay": 60000, "office": 10000, "service_ops": 20000,
            "special_fund": 10000, "others": 0, **kw}
    if population is not None:
        body["population"] = population
    return client.post("/api/v1/operating-funds", json=body)


def test_funds_tiers_by_population_and_year(server, admin, city):
    t, q, v, s = city[TUANAN], city[QINGYANG], city[DAYANG], city[SHIZHANG]
    tier = lambda r: ok(admin.get(f"/api/v1/operating-funds/{r['id']}"))["tier"]
    a = ok(funds(admin, t, 2019, 5000), 201)
    assert (a["total"], a["population_source"]) == (100000, "entered") and tier(a) is None  # no norm yet
    assert tier(ok(funds(admin, t, 2020, 2999), 201)) == 1
    assert tier(ok(funds(admin, q, 2020, 3000, basic_pay=90000), 201)) == 2  # a cut-off opens the next tier
    assert tier(ok(funds(admin, v, 2020, 8000, special_fund=30000), 201)) == 3
    assert tier(ok(funds(admin, s, 2020, 7999, others=5000), 201)) == 2
    # the district's own single cut-off from 2023 in its subtree; 庐阳区 keeps the city's
    assert tier(ok(funds(admin, t, 2023, 6000), 201)) == 2
    assert tier(ok(funds(admin, q, 2023, 4999), 201)) == 1
    assert tier(ok(funds(admin, v, 2023, 9000), 201)) == 3
    assert figures(admin, city[CITY], "funds.", 2020) == {
        "funds.tier1.n": 1, "funds.tier1.sum": 100000, "funds.tier2.n": 2, "funds.tier2.sum": 130000 + 105000,
        "funds.tier3.n": 1, "funds.tier3.sum": 120000, "funds.population_entered": 4}
    assert figures(admin, city[CITY], "funds.", 2019) == {
        "funds.unclassified.n": 1, "funds.unclassified.sum": 100000, "funds.population_entered": 1}
    assert [x["org_id"] for x in ok(admin.get("/api/v1/operating-funds", params={"year": 2020, "tier": 2}))["items"]] \
        == [q, s]
    # a tier norm's change moves records between tiers: the city's cut-offs become [3000, 7000]
    ok(admin.patch(f"/api/v1/norms/{city['norm_tiers_city']}", json={"value": [3000, 7000]}))
    f = figures(admin, city[CITY], "funds.", 2020)
    assert (f["funds.tier2.n"], f["funds.tier3.n"], f["funds.tier3.sum"]) == (1, 2, 120000 + 105000)
    verify(server)


def test_funds_population_from_the_registry_or_entered(server, admin, city):
    w = city[WULIDUN]
    s = city[SHIZHANG]
    # no residents in the registry at 十张村: the population must be entered
    refused(funds(admin, s, 2024), 400, "validation_failed", "population")
    assert ok(admin.get("/api/v1/operating-funds", params={"year": 2024}))["total"] == 0
    # households at 青阳 (the test above) are no residents; a resident at 团安 is
    ok(admin.post("/api/v1/persons", json={"org_id": city[TUANAN], "name": "经费测试",
                                           "id_card": id_with_check("34010419600101001")}), 201)
    r = ok(funds(admin, city[TUANAN], 2024), 201)
    assert (r["population"], r["population_source"]) == (1, "registry")
    assert ok(admin.get(f"/api/v1/operating-funds/{r['id']}"))["tier"] == 1
    r = ok(admin.patch(f"/api/v1/operating-funds/{r['id']}", json={"population": 12000}))
    assert (r["population"], r["population_source"]) == (12000, "entered")
    assert ok(admin.get(f"/api/v1/operating-funds/{r['id']}"))["tier"] == 2  # the district's [5000]
    assert figures(admin, w, "funds.", 2024) == {"funds.tier2.n": 1, "funds.tier2.sum": 100000,
                                                 "funds.population_entered": 1}
    verify(server)


def test_roles_scope_and_bad_input(server, admin, city):
    t, q = city[TUANAN], city[QINGYANG]
    mine = ok(venue(city["tuanan"], t, 2015, 4000), 201)
    fund = ok(funds(city["tuanan"], t, 2015, 4000), 201)
    # another community's staff: neither sees nor writes them
    refused(venue(city["sibling"], t, 2016, 4000), 404, "not_found", "org_id")
    refused(city["sibling"].get(f"/api/v1/venues/{mine['id']}"), 404, "not_found", None)
    refused(city["sibling"].get(f"/api/v1/operating-funds/{fund['id']}"), 404, "not_found", None)
    assert city["sibling"].patch(f"/api/v1/venues/{mine['id']}", json={"area_x10": 1}).status_code == 404
    assert mine["id"] not in [x["id"] for x in ok(city["sibling"].get("/api/v1/venues"))["items"]]
    # the district sees them; a grid worker may not write
    assert ok(city["district"].get(f"/api/v1/venues/{mine['id']}"))["id"] == mine["id"]
    assert venue(city["grid"], t, 2016, 4000).status_code == 403
    assert funds(city["grid"], t, 2016, 4000).status_code == 403
    # bad input: 4xx naming the field, nothing changes
    before = ok(admin.get("/api/v1/venues"))["total"]
    refused(venue(admin, t, 2016, 0), 400, "validation_failed", "area_x10")
    refused(venue(admin, t, 2016, 4000, functions=["party_room", "casino"]), 400, "validation_failed", "functions")
    refused(venue(admin, t, 2016, 4000, functions=["library", "library"]), 400, "validation_failed", "functions")
    refused(venue(admin, t, 2016, 4000, functions="library"), 400, "validation_failed", "functions")
    refused(venue(admin, city[WULIDUN], 2016, 4000), 400, "validation_failed", "org_id")  # a street
    refused(venue(admin, t, 1999, 4000), 400, "validation_failed", "year")
    refused(venue(admin, t, 2015, 4000), 409, "conflict", "year")
    refused(venue(admin, t, 2016, 4000, households=-1), 400, "validation_failed", "households")
    assert ok(admin.get("/api/v1/venues"))["total"] == before
    before = ok(admin.get("/api/v1/operating-funds"))["total"]
    refused(funds(admin, t, 2016, 4000, basic_pay=-1), 400, "validation_failed", "basic_pay")
    refused(funds(admin, t, 2016, 4000, office=1.5), 400, "validation_failed", "office")
    refused(funds(admin, t, 2015, 4000), 409, "conflict", "year")
    refused(funds(admin, city[SHUSHAN], 2016, 4000), 400, "validation_failed", "org_id")
    refused(admin.get("/api/v1/operating-funds", params={"tier": 0}), 400, "validation_failed", "tier")
    refused(admin.get("/api/v1/venues", params={"kind": "town"}), 400, "validation_failed", "kind")
    assert ok(admin.get("/api/v1/operating-funds"))["total"] == before
    # stale version
    refused(admin.patch(f"/api/v1/venues/{mine['id']}", json={"area_x10": 4100, "version": 99}), 409,
            "version_conflict", "version")
    verify(server)


def test_exports_and_photos(server, admin, city):
    r = admin.get("/api/v1/venues/export", params={"below": "true", "kind": "village"})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][:3] == ["编号", "年度", "社区（村）"] and len(rows) == 2 and rows[1][2] == "大杨村", rows
    r = admin.get("/api/v1/operating-funds/export", params={"year": 2020, "tier": 3})
    rows = xlsx_rows(r.content)
    assert len(rows) == 3 and {x[2] for x in rows[1:]} == {"大杨村", "十张村"}, rows
    assert rows[1][4] == "填报"
    v = ok(admin.get("/api/v1/venues", params={"org": city[TUANAN], "year": 2015}))["items"][0]
    up = lambda c: c.post("/api/v1/attachments", params={"owner": "venue", "owner_id": v["id"], "name": "外景.png"},
                          data=PNG, headers={"Content-Type": "application/octet-stream"})
    assert up(city["sibling"]).status_code == 404
    assert up(city["grid"]).status_code == 403
    ok(up(city["tuanan"]), 201)
    assert ok(admin.get(f"/api/v1/venues/{v['id']}"))["photos"] == 1
    assert len(ok(city["district"].get("/api/v1/attachments", params={"owner": "venue", "owner_id": v["id"]}))
               ["items"]) == 1
    refused(city["sibling"].get("/api/v1/attachments", params={"owner": "venue", "owner_id": v["id"]}), 404,
            "not_found", None)


def test_demo_city_exact_averages():
    from test_demo import demo_city
    s = Server(db=demo_city(3000, 11))
    try:
        admin = s.admin()
        con = backend.connect(s.db)
        city = con.execute("SELECT id FROM org WHERE level = 'city'").fetchone()[0]
        last = con.execute("SELECT MAX(year) FROM venue").fetchone()[0]
        con.close()
        first = figures(admin, city, "venue.", 2012)
        end = figures(admin, city, "venue.", last)
        avg = lambda f, k: f[f"venue.{k}.area_x10"] / f[f"venue.{k}.n"]
        assert (avg(first, "community"), avg(end, "community")) == (5320, 10100)
        assert (avg(first, "village"), avg(end, "village")) == (2900, 3870)
        series = [avg(figures(admin, city, "venue.", y), "community") for y in range(2012, last + 1)]
        assert series == sorted(series) and len(set(series)) == len(series)
        below = lambda f: f.get("venue.community.below", 0) + f.get("venue.village.below", 0)
        n = end["venue.community.n"] + end["venue.village.n"]
        assert below(first) > n // 3 and 0 < below(end) < n // 10, (below(first), below(end))
        f = figures(admin, city, "funds.", last)
        assert [f[f"funds.tier{t}.sum"] / f[f"funds.tier{t}.n"] for t in (1, 2, 3)] == [134000, 176600, 221100]
        assert f["funds.population_entered"] == sum(f[f"funds.tier{t}.n"] for t in (1, 2, 3))
        before = figures(admin, city, "funds.", last - 1)
        assert all(before[f"funds.tier{t}.sum"] / before[f"funds.tier{t}.n"] < f[f"funds.tier{t}.sum"] /
                   f[f"funds.tier{t}.n"] for t in (1, 2, 3))
        verify(s)
    finally:
        assert s.close() == 0
