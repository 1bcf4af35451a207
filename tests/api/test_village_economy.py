"""村级集体经济 and 空壳村: villages' yearly accounts, their bands against the
village.income_bands norm in force at the village that year (operating income only),
the kept village. figures (shells, entered, left, unclassified) and how a norm's change
reclassifies them; who may write and read; bad input; the demo's exact figures."""
import pytest

from conftest import ok, refused, run_cli, xlsx_rows

CITY, SHUSHAN, CHANGFENG, TUANAN = "3401", "340104", "340121", "340104006001"
BANDS = lambda weak, general=50000, strong=100000: [
    {"grade": "strong", "min": strong}, {"grade": "general", "min": general},
    {"grade": "weak", "min": weak}, {"grade": "shell", "min": 0}]


def account(org, year, contracting=0, investment=0, business=0, subsidy=0, other_income=0, **kw):
    return {"org_id": org, "year": year, "contracting": contracting, "investment": investment,
            "business": business, "subsidy": subsidy, "other_income": other_income, **kw}


def figures(client, org, year):
    got = ok(client.get(f"/api/v1/orgs/{org}/year-figures", params={"prefix": "village.", "year": year}))
    return {f["figure"]: f["total"] for f in got["figures"]}


def verify(server):
    p = run_cli("figures", "verify", "--db", server.db, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def villages(server, admin, district, n):
    """The first n villages (kind village) under a district, by id."""
    items, after = [], None
    while True:
        q = {"q": district, "limit": 200, **({"after": after} if after else {})}
        page = ok(admin.get("/api/v1/orgs", params=q))
        items += [o for o in page["items"] if o["code"].startswith(district) and o.get("kind") == "village"]
        after = page.get("next")
        if not after or len(items) >= n:
            break
    assert len(items) >= n, items
    return [o["id"] for o in items[:n]]


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, CHANGFENG, TUANAN)}
    ids["v"] = villages(server, admin, SHUSHAN, 3)
    ids["cf"] = villages(server, admin, CHANGFENG, 1)[0]
    ids["staff"] = server.make_user(admin, "ve-staff", "org_staff", ids[SHUSHAN])
    ids["cf_staff"] = server.make_user(admin, "ve-cf-staff", "org_staff", ids[CHANGFENG])
    ids["auditor"] = server.make_user(admin, "ve-auditor", "auditor", ids[SHUSHAN])
    ids["grid"] = server.make_user(admin, "ve-grid", "grid_worker", ids[TUANAN])
    # The city's bands from 2015 (nothing applies in 2014); 长丰县's own, a higher shell line, from 2016.
    ids["city_norm"] = ok(admin.post("/api/v1/norms", json={"org_id": ids[CITY], "key": "village.income_bands",
                                                            "year_from": 2015, "value": BANDS(20000)}), 201)
    ok(admin.post("/api/v1/norms", json={"org_id": ids[CHANGFENG], "key": "village.income_bands",
                                         "year_from": 2016, "value": BANDS(30000)}), 201)
    return ids


def test_bands_by_operating_income_and_norm_in_force(server, admin, city):
    v1, v2, v3 = city["v"]
    staff, cf = city["staff"], city["cf"]
    made = {}
    # v1: unclassified (2014: no norm), shell on operating income alone (subsidies do not count), left in 2016.
    made["v1-2014"] = ok(staff.post("/api/v1/village-accounts", json=account(v1, 2014, contracting=5000)), 201)
    a = ok(staff.post("/api/v1/village-accounts", json=account(
        v1, 2015, contracting=10000, investment=5000, business=4999, subsidy=200000, other_income=50000,
        assets=1200000, measures=["land_transfer"], note="土地流转起步")), 201)
    assert (a["operating_income"], a["other_total"], a["measures"]) == (19999, 250000, ["land_transfer"])
    made["v1-2016"] = ok(staff.post("/api/v1/village-accounts", json=account(
        v1, 2016, contracting=20000, measures=["photovoltaic", "asset_integration"])), 201)
    # v2: weak at the edge (20000), then a shell: entered in 2016.
    ok(staff.post("/api/v1/village-accounts", json=account(v2, 2015, business=20000)), 201)
    made["v2-2016"] = ok(staff.post("/api/v1/village-accounts", json=account(v2, 2016, business=19999)), 201)
    # v3: strong at the edge, then general just below it.
    ok(staff.post("/api/v1/village-accounts", json=account(v3, 2015, investment=100000)), 201)
    ok(staff.post("/api/v1/village-accounts", json=account(v3, 2016, investment=99999, subsidy=1)), 201)
    # 长丰: weak under the city's line in 2015, a shell under the county's own 30000 in 2016.
    ok(admin.post("/api/v1/village-accounts", json=account(cf, 2015, contracting=25000)), 201)
    ok(admin.post("/api/v1/village-accounts", json=account(cf, 2016, contracting=25000)), 201)

    got = ok(staff.get(f"/api/v1/village-accounts/{made['v1-2014']['id']}"))
    assert (got["band"], got["prev_band"]) == (None, None)
    got = ok(staff.get(f"/api/v1/village-accounts/{made['v1-2016']['id']}"))
    assert (got["band"], got["prev_band"], got["measures"]) == ("weak", "shell", ["photovoltaic", "asset_integration"])
    assert got["measures_words"] == "光伏发电、资产整合"

    assert figures(admin, city[SHUSHAN], 2014) == {"village.n": 1, "village.unclassified": 1,
                                                   "village.operating_income": 5000}
    assert figures(admin, city[SHUSHAN], 2015) == {"village.n": 3, "village.band.shell": 1, "village.band.weak": 1,
                                                   "village.band.strong": 1,
                                                   "village.operating_income": 19999 + 20000 + 100000}
    assert figures(admin, city[SHUSHAN], 2016) == {"village.n": 3, "village.band.weak": 1, "village.band.shell": 1,
                                                   "village.band.general": 1, "village.entered_shell": 1,
                                                   "village.left_shell": 1,
                                                   "village.operating_income": 20000 + 19999 + 99999}
    assert figures(admin, city[CHANGFENG], 2016) == {"village.n": 1, "village.band.shell": 1,
                                                     "village.entered_shell": 1, "village.operating_income": 25000}
    # The city sums its districts; the previous year unclassified: v1 did not "enter" in 2015.
    c16 = figures(admin, city[CITY], 2016)
    assert (c16["village.band.shell"], c16["village.entered_shell"], c16["village.left_shell"]) == (2, 2, 1)
    assert "village.entered_shell" not in figures(admin, city[CITY], 2015)

    # The list and its filters.
    lst = lambda **q: [(i["org_id"], i["year"]) for i in ok(admin.get("/api/v1/village-accounts",
                                                                      params=q))["items"]]
    assert set(lst(year=2016, band="shell")) == {(v2, 2016), (cf, 2016)}
    assert lst(org=city[SHUSHAN], year=2016, band="shell") == [(v2, 2016)]
    assert set(lst(change="entered_shell")) == {(v2, 2016), (cf, 2016)}
    assert lst(change="left_shell") == [(v1, 2016)]
    assert lst(band="unclassified") == [(v1, 2014)]
    assert len(lst(org=city[SHUSHAN], year=2015)) == 3
    page = ok(admin.get("/api/v1/village-accounts", params={"year": 2016, "limit": 2}))
    assert page["total"] == 4 and len(page["items"]) == 2 and page["next"]
    # The export: the same rows, the bands in words, audited.
    r = admin.get("/api/v1/village-accounts/export", params={"year": 2016, "band": "shell"})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert len(rows) == 3 and rows[0][0] == "村" and {row[9] for row in rows[1:]} == {"空壳村"}
    audit = ok(admin.get("/api/v1/audit", params={"action": "village_accounts.exported"}))["items"]
    assert audit and "band" in audit[0]["summary"]["params"]
    verify(server)

    # A change of the year's account moves the next year's comparison too.
    ok(staff.patch(f"/api/v1/village-accounts/{made['v2-2016']['id']}", json={"business": 20000}))
    f16 = figures(admin, city[SHUSHAN], 2016)
    assert "village.entered_shell" not in f16 and f16["village.band.weak"] == 2
    ok(staff.patch(f"/api/v1/village-accounts/{made['v2-2016']['id']}", json={"business": 19999}))
    v1_2015 = next(i for i in ok(admin.get("/api/v1/village-accounts", params={"org": v1, "year": 2015}))["items"])
    assert v1_2015["id"] == a["id"]
    ok(staff.patch(f"/api/v1/village-accounts/{a['id']}", json={"business": 5000}))  # 20000: weak in 2015
    f16 = figures(admin, city[SHUSHAN], 2016)
    assert "village.left_shell" not in f16, f16
    verify(server)
    ok(staff.patch(f"/api/v1/village-accounts/{a['id']}", json={"business": 4999}))
    assert figures(admin, city[SHUSHAN], 2016)["village.left_shell"] == 1
    # Deleting the previous year: nothing to compare with.
    d = ok(staff.post("/api/v1/village-accounts", json=account(v2, 2013, business=1)), 201)
    assert staff.delete(f"/api/v1/village-accounts/{d['id']}").status_code == 204
    verify(server)


def test_norm_change_reclassifies(server, admin, city):
    v1 = city["v"][0]
    norm = city["city_norm"]
    # The city raises the 2015 line to 20001: v1's 20000 in 2016 is a shell again (it left
    # nothing), and v2's 20000 in 2015 is one too (it entered nothing in 2016).
    ok(admin.patch(f"/api/v1/norms/{norm['id']}", json={"value": BANDS(20001), "version": norm["version"]}))
    f16 = figures(admin, city[SHUSHAN], 2016)
    assert (f16["village.band.shell"], f16.get("village.left_shell"), f16.get("village.entered_shell")) \
        == (2, None, None)
    assert figures(admin, city[SHUSHAN], 2015)["village.band.shell"] == 2
    assert [i["org_id"] for i in ok(admin.get("/api/v1/village-accounts",
                                              params={"org": city[SHUSHAN], "year": 2016, "band": "shell"}))["items"]] \
        == [city["v"][0], city["v"][1]]
    verify(server)
    # 长丰's own norm still applies in its subtree.
    assert figures(admin, city[CHANGFENG], 2016)["village.band.shell"] == 1
    # Back to 20000, and a city norm from 2014 classifies the unclassified year.
    cur = ok(admin.get(f"/api/v1/norms/{norm['id']}"))
    ok(admin.patch(f"/api/v1/norms/{norm['id']}", json={"value": BANDS(20000), "version": cur["version"]}))
    f16 = figures(admin, city[SHUSHAN], 2016)
    assert (f16["village.left_shell"], f16["village.entered_shell"]) == (1, 1)
    n14 = ok(admin.post("/api/v1/norms", json={"org_id": city[CITY], "key": "village.income_bands", "year_from": 2014,
                                               "value": BANDS(20000)}), 201)
    assert figures(admin, city[SHUSHAN], 2014) == {"village.n": 1, "village.band.shell": 1,
                                                   "village.operating_income": 5000}
    assert "village.entered_shell" not in figures(admin, city[SHUSHAN], 2015)  # shell in 2014 and 2015
    verify(server)
    assert admin.delete(f"/api/v1/norms/{n14['id']}").status_code == 204
    assert figures(admin, city[SHUSHAN], 2014)["village.unclassified"] == 1
    verify(server)


def test_roles_scope_and_bad_input(server, admin, city):
    v1, v2, _ = city["v"]
    staff, cf_staff, auditor, grid = city["staff"], city["cf_staff"], city["auditor"], city["grid"]
    # Out of the district's subtree: 404 naming the node; a community is refused.
    refused(staff.post("/api/v1/village-accounts", json=account(city["cf"], 2020)), 404, "not_found", "org_id")
    refused(staff.post("/api/v1/village-accounts", json=account(city[TUANAN], 2020)), 400, "validation_failed",
            "org_id")
    refused(admin.post("/api/v1/village-accounts", json=account(city[SHUSHAN], 2020)), 400, "validation_failed",
            "org_id")
    # One account per village and year.
    refused(staff.post("/api/v1/village-accounts", json=account(v1, 2015)), 409, "conflict", "year")
    for body, field in ((account(v1, 2020, contracting=-1), "contracting"),
                        (account(v1, 2020, subsidy="5"), "subsidy"),
                        (account(v1, 1999), "year"),
                        (account(v1, 2020, measures=["land_transfer", "land_transfer"]), "measures"),
                        (account(v1, 2020, measures=["mining"]), "measures"),
                        (account(v1, 2020, measures="land_transfer"), "measures"),
                        (account(v1, 2020, assets=-5), "assets"),
                        ({k: v for k, v in account(v1, 2020).items() if k != "business"}, "business"),
                        (account(v1, 2020, extra=1), "extra")):
        refused(staff.post("/api/v1/village-accounts", json=body), 400, "validation_failed", field)
    refused(admin.get("/api/v1/village-accounts", params={"band": "rich"}), 400, "validation_failed", "band")
    refused(admin.get("/api/v1/village-accounts", params={"change": "x"}), 400, "validation_failed", "change")
    assert ok(admin.get("/api/v1/village-accounts", params={"year": 2020}))["total"] == 0
    # Read: the auditor reads in its district, not writes; the other county's staff sees nothing of it.
    mine = ok(staff.post("/api/v1/village-accounts", json=account(v2, 2020, contracting=1)), 201)
    assert ok(auditor.get(f"/api/v1/village-accounts/{mine['id']}"))["org_id"] == v2
    assert auditor.post("/api/v1/village-accounts", json=account(v2, 2021)).status_code == 403
    assert auditor.patch(f"/api/v1/village-accounts/{mine['id']}", json={"contracting": 2}).status_code == 403
    assert cf_staff.get(f"/api/v1/village-accounts/{mine['id']}").status_code == 404
    assert cf_staff.patch(f"/api/v1/village-accounts/{mine['id']}", json={"contracting": 2}).status_code == 404
    assert cf_staff.delete(f"/api/v1/village-accounts/{mine['id']}").status_code == 404
    assert [i["org_id"] for i in ok(cf_staff.get("/api/v1/village-accounts", params={"year": 2016}))["items"]] \
        == [city["cf"]]
    assert cf_staff.get("/api/v1/village-accounts", params={"org": city[SHUSHAN]}).status_code == 404
    # A community's grid worker: nothing of the villages in sight, and no writes.
    assert ok(grid.get("/api/v1/village-accounts"))["total"] == 0
    assert grid.post("/api/v1/village-accounts", json=account(v1, 2022)).status_code == 403
    # A stale version is refused; the update moves the year, touching both.
    refused(staff.patch(f"/api/v1/village-accounts/{mine['id']}", json={"contracting": 5, "version": 9}),
            409, "version_conflict", "version")
    ok(staff.patch(f"/api/v1/village-accounts/{mine['id']}", json={"year": 2021}))
    assert figures(admin, city[SHUSHAN], 2020) == {} and figures(admin, city[SHUSHAN], 2021)["village.n"] == 1
    refused(staff.patch(f"/api/v1/village-accounts/{mine['id']}", json={"year": 2016}), 409, "conflict", "year")
    # Every write audited, without amounts in a personal field (none are personal here).
    acts = {i["action"] for i in ok(admin.get("/api/v1/audit", params={"entity": "village_account",
                                                                       "limit": 200}))["items"]}
    assert {"village_account.created", "village_account.updated", "village_account.deleted"} <= acts
    verify(server)


def test_demo_shell_villages():
    """The demo city: 774 villages' accounts every year, 355 shells in 2014 and 245 in the last
    year, falling in between, against the city's 2万 line from 2012."""
    from test_demo import demo_city
    db = demo_city(3000, 11)
    run_cli("figures", "verify", "--db", db)
    from conftest import Server
    s = Server(db=db)
    try:
        c = s.admin()
        city = s.org_id(CITY)
        rows = ok(c.get(f"/api/v1/orgs/{city}/year-figures", params={"prefix": "village."}))["figures"]
        by = {}
        for r in rows:
            by.setdefault(r["year"], {})[r["figure"]] = r["total"]
        years = sorted(by)
        last = years[-1]
        assert years[0] == 2012 and years == list(range(2012, last + 1))
        assert all(by[y]["village.n"] == 774 for y in years)
        assert by[2014]["village.band.shell"] == 355 and by[last]["village.band.shell"] == 245
        shells = [by[y]["village.band.shell"] for y in range(2014, last + 1)]
        assert all(a > b for a, b in zip(shells, shells[1:])), shells
        assert all(by[y].get("village.unclassified", 0) == 0 for y in years)
        assert all(by[y]["village.band.strong"] < by[y]["village.band.weak"] for y in years)
        assert by[last]["village.left_shell"] > 0
        # The villages that left carry their measures.
        left = ok(c.get("/api/v1/village-accounts", params={"org": city, "year": last, "change": "left_shell"}))
        assert left["total"] == by[last]["village.left_shell"]
        assert all(i["measures"] for i in left["items"])
        norm = ok(c.get("/api/v1/norms/effective", params={"org": city, "year": last}))["items"]
        bands = next(i for i in norm if i["key"] == "village.income_bands")["norm"]
        assert (bands["year_from"], bands["value"][2]) == (2012, {"grade": "weak", "min": 20000})
    finally:
        s.close()
