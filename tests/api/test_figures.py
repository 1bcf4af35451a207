"""数说基层 (docs/figures.md): every figure of the source text for a node and year,
computed from the families' records through the kept yearly figures. On the demo
city the page shows, for 合肥市, exactly the source text's numbers; each figure
opens a console page that exists; the workbook is the page and is audited;
`jiceng figures verify` agrees with the records."""
import datetime
import re

import backend

from conftest import PASSWORD, ROOT, Server, error_of, run_cli, xlsx_rows
from test_demo import demo_city

SOURCE_TEXT = {
    # the last year's figure and the 2012 (2014 for shell villages) one
    "pay.community_secretary": (59000, {2012: 31000}),
    "pay.village_head": (37000, {2012: 15000}),
    "venue.community": (1010.0, {2012: 532.0}),
    "venue.village": (387.0, {2012: 290.0}),
    "funds.tier1": (134000, {}),
    "funds.tier2": (176600, {}),
    "funds.tier3": (221100, {}),
    "village.shell": (245, {2014: 355}),
    "party_orgs.at_grid": (2844, {}),
    "assessment.party_building": (50, {}),
    "assessment.development": (50, {}),
}


def console_pages():
    """The route names of a node's console pages (web/src/orgPages.js)."""
    text = open(f"{ROOT}/web/src/orgPages.js", encoding="utf-8").read()
    return set(re.findall(r"name: '([a-z-]+)'", text))


def test_the_demo_city_shows_the_source_texts_figures():
    s = Server(db=demo_city(3000, 5))
    try:
        admin = s.admin()
        page = admin.get("/api/v1/orgs/1/figures").json()
        last = page["year"]
        # by default the last whole year (honours of this year are already kept)
        assert last == datetime.date.today().year - 1 and 2012 in page["years"], page["years"]
        figs = {f["key"]: f for f in page["figures"]}
        for key, (now, then) in SOURCE_TEXT.items():
            assert figs[key]["value"] == now, (key, figs[key]["value"], now)
            series = {p["year"]: p["value"] for p in figs[key].get("series", [])}
            for year, value in then.items():
                assert series[year] == value, (key, year, series.get(year), value)
        assert 230 <= figs["alliances"]["value"] <= 240, figs["alliances"]
        alliances = {p["year"]: p["value"] for p in figs["alliances"]["series"]}
        assert min(y for y, v in alliances.items() if v) == 2013, alliances
        # shell villages fall year by year from 2014
        shell = {p["year"]: p["value"] for p in figs["village.shell"]["series"]}
        assert all(shell[y] >= shell[y + 1] for y in range(2014, last)), shell
        # pay and venues rise
        for key in ("pay.community_secretary", "pay.village_head", "venue.community", "venue.village"):
            series = {p["year"]: p["value"] for p in figs[key]["series"]}
            assert all(series[y] <= series[y + 1] for y in range(2012, last)), (key, series)
        # every figure opens a page of the console, with the year for a yearly one
        pages = console_pages()
        for f in page["figures"]:
            assert f["link"]["page"] in pages, f
            assert ("year" in f["link"]["query"]) == (f["yearly"] and f["key"] not in ("alliances", "brands")), f
        # another year is another answer; a district's is its own subtree's
        then = {f["key"]: f["value"] for f in admin.get("/api/v1/orgs/1/figures", params={"year": 2014}).json()
                ["figures"]}
        assert then["village.shell"] == 355 and then["pay.community_secretary"] < 59000, then
        district = admin.get("/api/v1/orgs", params={"level": "district", "limit": 1}).json()["items"][0]
        d = {f["key"]: f["value"] for f in admin.get(f"/api/v1/orgs/{district['id']}/figures",
                                                     params={"year": last}).json()["figures"]}
        assert d["party_orgs.at_grid"] < 2844 and d["village.shell"] <= 245, d
        # the kept figures (the demo's recount: each source's records at once) agree with the records,
        # and with a recount node by node and year by year through the same sources (on SQLite: the two
        # share their SQL text but for the WHERE on either backend, and pair by pair costs PostgreSQL
        # tens of thousands of round trips)
        rows = backend.connect(s.db).execute("SELECT COUNT(*) FROM year_figure").fetchone()[0]
        for how in ([], ["--by-pair"]) if backend.BACKEND == "sqlite" else ([],):
            p = run_cli("figures", "verify", "--db", s.db, *how)
            assert f"ok: {rows} rows" in p.stdout, (how, p.stdout)
    finally:
        s.close()


def test_the_workbook_is_the_page_and_is_audited(server, admin):
    r = admin.get("/api/v1/orgs/1/figures/export", params={"year": 2020})
    assert r.status_code == 200, r.text
    assert "figures-3401-2020.xlsx" in r.headers["Content-Disposition"], r.headers
    rows = xlsx_rows(r.content)
    assert rows[0] == ["指标", "数值"] and any(row[0] == "空壳村（个）" for row in rows), rows
    audit = admin.get("/api/v1/audit", params={"action": "figures.exported"}).json()["items"]
    assert audit and audit[0]["summary"] == {"year": 2020, "format": "xlsx"}, audit


def test_the_page_is_for_figure_readers_in_scope(server, admin):
    lj = server.org_id("340104006006")  # 龙居社区
    server.make_user(admin, "fig.worker", "grid_worker", lj)
    server.make_user(admin, "fig.resident", "resident", lj)
    worker, resident = server.client(), server.client()
    worker.login("fig.worker", PASSWORD)
    resident.login("fig.resident", PASSWORD)
    city = server.org_id("3401")
    assert worker.get(f"/api/v1/orgs/{lj}/figures").status_code == 200
    r = worker.get(f"/api/v1/orgs/{city}/figures")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found", r.text
    assert resident.get(f"/api/v1/orgs/{lj}/figures").status_code == 403
    r = admin.get(f"/api/v1/orgs/{lj}/figures", params={"year": 1999})
    assert r.status_code == 400 and error_of(r)["field"] == "year", r.text
    # nothing recorded yet: averages are none, counts zero, the norms in force still shown
    page = admin.get(f"/api/v1/orgs/{lj}/figures", params={"year": 2020}).json()
    figs = {f["key"]: f["value"] for f in page["figures"]}
    assert figs["pay.community_secretary"] is None and figs["village.shell"] == 0, figs
