"""党建品牌 and 荣誉 (docs/honours.md): brands and honours of org nodes, party organisations and residents,
who may write and read them, bad input (level, year, duplicates, holders), the list filters and the
workbooks, the kept yearly figures honour.<level> and brand.created (and `jiceng figures verify` after
the writes), and an assessment plan whose bonus item counts a unit's honours of its subtree in the
plan's year, under the bonus caps. One server for the module."""
import datetime

import pytest

import backend

from conftest import id_with_check, ok, refused, run_cli, xlsx_rows

SHUSHAN, WULIDUN, TUANAN, QINGYANG, YAOHAI = "340104", "340104006", "340104006001", "340104006002", "340102"
CITY = "3401"
YEAR = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().year
PAST = 2019  # the year of the crafted figures: nothing else of the module is awarded in it


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, WULIDUN, TUANAN, QINGYANG, YAOHAI)}
    ids["party_org"] = ok(admin.post("/api/v1/party-orgs", json={"org_id": ids[TUANAN], "kind": "党委",
                                                                 "name": "团安社区党委"}), 201)["id"]
    ids["other_party_org"] = ok(admin.post("/api/v1/party-orgs", json={"org_id": ids[QINGYANG], "kind": "党委",
                                                                       "name": "青阳路社区党委"}), 201)["id"]
    ids["person"] = ok(admin.post("/api/v1/persons", json={"org_id": ids[TUANAN], "name": "张书记",
                                                           "id_card": id_with_check("34010419700101501")}), 201)["id"]
    ids["far_person"] = ok(admin.post("/api/v1/persons", json={"org_id": ids[YAOHAI], "name": "李党员",
                                                               "id_card": id_with_check("34010219700101502")}),
                           201)["id"]
    ids["community"] = server.make_user(admin, "hon-comm", "org_staff", ids[TUANAN])
    ids["street"] = server.make_user(admin, "hon-street", "org_staff", ids[WULIDUN])
    ids["sibling"] = server.make_user(admin, "hon-sibling", "org_staff", ids[QINGYANG])
    ids["grid"] = server.make_user(admin, "hon-grid", "grid_worker", ids[TUANAN])
    return ids


def honour(city, **kw):
    return {"org_id": city[TUANAN], "title": "全国先进基层党组织", "level": "national", "awarding_body": "中共中央",
            "year": 2021, "doc_no": "中发〔2021〕6号", **kw}


def figures(admin, org, year, prefix):
    rows = ok(admin.get(f"/api/v1/orgs/{org}/year-figures", params={"prefix": prefix, "year": year}))["figures"]
    return {r["figure"]: r["total"] for r in rows}


def verify(server):
    p = run_cli("figures", "verify", "--db", server.db, check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def test_honour_crud_holders_and_figures(server, admin, city):
    street = city["street"]
    # A party organisation's honour at its node; a resident's at the resident's node; a node's own.
    po = ok(street.post("/api/v1/honours", json=honour(city, party_org_id=city["party_org"], year=PAST)), 201)
    assert (po["holder"], po["party_org_name"], po["org_id"], po["level"]) == (
        "party_org", "团安社区党委", city[TUANAN], "national")
    man = ok(street.post("/api/v1/honours", json={"person_id": city["person"], "title": "安徽省优秀共产党员",
                                                  "level": "provincial", "awarding_body": "中共安徽省委",
                                                  "year": PAST}), 201)
    assert (man["holder"], man["person_name"], man["org_id"]) == ("person", "张书记", city[TUANAN])
    assert "id_card" not in man and not any("3401041970" in str(v) for v in man.values())
    node = ok(street.post("/api/v1/honours", json=honour(city, org_id=city[QINGYANG], title="合肥市先进基层党组织",
                                                         level="city", awarding_body="中共合肥市委", year=PAST)), 201)
    ok(street.post("/api/v1/honours", json=honour(city, title="五里墩街道先进基层党组织", level="district",
                                                  awarding_body="中共蜀山区委", year=PAST)), 201)
    # Kept figures by level and year, at the node and summed up the tree.
    assert figures(admin, city[TUANAN], PAST, "honour.") == {"honour.national": 1, "honour.provincial": 1,
                                                              "honour.district": 1}
    assert figures(admin, city[WULIDUN], PAST, "honour.") == {"honour.national": 1, "honour.provincial": 1,
                                                               "honour.city": 1, "honour.district": 1}
    # A change of level and year moves the figures: out of the old (node, year), into the new.
    moved = ok(street.patch(f"/api/v1/honours/{node['id']}", json={"level": "provincial", "year": PAST - 1,
                                                                   "version": node["version"]}))
    assert (moved["level"], moved["year"], moved["version"]) == ("provincial", PAST - 1, node["version"] + 1)
    assert figures(admin, city[QINGYANG], PAST, "honour.") == {}
    assert figures(admin, city[QINGYANG], PAST - 1, "honour.") == {"honour.provincial": 1}
    # A stale version is refused and changes nothing.
    r = street.patch(f"/api/v1/honours/{node['id']}", json={"year": PAST, "version": node["version"]})
    assert r.status_code == 409, r.text
    assert ok(admin.get(f"/api/v1/honours/{node['id']}"))["year"] == PAST - 1
    assert street.delete(f"/api/v1/honours/{node['id']}").status_code == 204
    assert figures(admin, city[WULIDUN], PAST - 1, "honour.") == {}
    assert admin.get(f"/api/v1/honours/{node['id']}").status_code == 404
    # The list's filters: the subtree, year, level, holder; each write audited.
    lst = ok(admin.get("/api/v1/honours", params={"org": city[TUANAN], "year": PAST}))
    assert {h["id"] for h in lst["items"]} >= {po["id"], man["id"]} and lst["total"] == 3
    assert [h["id"] for h in ok(admin.get("/api/v1/honours", params={"org": city[TUANAN], "year": PAST,
                                                                     "level": "provincial"}))["items"]] == [man["id"]]
    assert [h["id"] for h in ok(admin.get("/api/v1/honours", params={"org": city[WULIDUN], "holder": "person"}))[
        "items"]] == [man["id"]]
    actions = [a["action"] for a in ok(admin.get("/api/v1/audit", params={"limit": 200}))["items"]]
    assert {"honour.created", "honour.updated", "honour.deleted"} <= set(actions)
    verify(server)


def test_honour_bad_input(server, admin, city):
    street = city["street"]
    refused(street.post("/api/v1/honours", json=honour(city, level="county")), 400, "validation_failed", "level")
    refused(street.post("/api/v1/honours", json=honour(city, year=1900)), 400, "validation_failed", "year")
    refused(street.post("/api/v1/honours", json=honour(city, year=YEAR + 1)), 400, "validation_failed", "year")
    refused(street.post("/api/v1/honours", json={k: v for k, v in honour(city).items() if k != "title"}), 400,
            "validation_failed", "title")
    # A holder: a node (optionally its party organisation) or a resident, never both, never none.
    refused(street.post("/api/v1/honours", json={k: v for k, v in honour(city).items() if k != "org_id"}), 400,
            "validation_failed", "org_id")
    refused(street.post("/api/v1/honours", json=honour(city, person_id=city["person"])), 400, "validation_failed",
            "org_id")
    refused(street.post("/api/v1/honours", json=honour(city, party_org_id=city["other_party_org"])), 400,
            "validation_failed", "party_org_id")
    refused(street.post("/api/v1/honours", json=honour(city, org_id=None, person_id=city["far_person"])), 404,
            "not_found", "person_id")
    # One honour per holder, title and year: the node's, the party organisation's, the person's apart.
    first = ok(street.post("/api/v1/honours", json=honour(city, year=2016)), 201)
    refused(street.post("/api/v1/honours", json=honour(city, year=2016, level="provincial")), 409, "conflict", "title")
    ok(street.post("/api/v1/honours", json=honour(city, year=2016, party_org_id=city["party_org"])), 201)
    refused(street.post("/api/v1/honours", json=honour(city, year=2016, party_org_id=city["party_org"])), 409,
            "conflict", "title")
    second = ok(street.post("/api/v1/honours", json=honour(city, year=2017)), 201)
    refused(street.patch(f"/api/v1/honours/{second['id']}", json={"year": 2016}), 409, "conflict", "title")
    refused(street.patch(f"/api/v1/honours/{second['id']}", json={"year": YEAR + 1}), 400, "validation_failed",
            "year")
    assert ok(admin.get(f"/api/v1/honours/{second['id']}"))["year"] == 2017
    assert figures(admin, city[TUANAN], 2016, "honour.") == {"honour.national": 2}
    for h in (first, second):
        assert street.delete(f"/api/v1/honours/{h['id']}").status_code == 204
    verify(server)


def test_roles_and_scope(server, admin, city):
    mine = ok(city["community"].post("/api/v1/honours", json=honour(city, year=2015)), 201)
    # Outside the writer's subtree: the node is not there for them.
    refused(city["sibling"].post("/api/v1/honours", json=honour(city, year=2014)), 404, "not_found", "org_id")
    assert city["sibling"].get(f"/api/v1/honours/{mine['id']}").status_code == 404
    assert city["sibling"].patch(f"/api/v1/honours/{mine['id']}", json={"year": 2014}).status_code == 404
    assert city["sibling"].delete(f"/api/v1/honours/{mine['id']}").status_code == 404
    assert mine["id"] not in {h["id"] for h in ok(city["sibling"].get("/api/v1/honours"))["items"]}
    # party.read without party.write: reads, never writes.
    grid = city["grid"]
    assert ok(grid.get(f"/api/v1/honours/{mine['id']}"))["title"] == "全国先进基层党组织"
    assert grid.post("/api/v1/honours", json=honour(city, year=2014)).status_code == 403
    assert grid.delete(f"/api/v1/honours/{mine['id']}").status_code == 403
    assert grid.post("/api/v1/brands", json={"org_id": city[TUANAN], "name": "网格品牌",
                                             "started_year": 2020}).status_code == 403
    # A resident's honour needs the resident in the writer's sight.
    refused(city["sibling"].post("/api/v1/honours", json={"person_id": city["person"], "title": "优秀共产党员",
                                                          "level": "district", "awarding_body": "区委",
                                                          "year": 2015}), 404, "not_found", "person_id")
    assert city["community"].delete(f"/api/v1/honours/{mine['id']}").status_code == 204
    # The anonymous: nothing.
    assert server.client().get("/api/v1/honours").status_code == 401
    verify(server)


def test_brands(server, admin, city):
    street = city["street"]
    body = {"org_id": city[TUANAN], "party_org_id": city["party_org"], "name": "温暖快递", "started_year": 2016,
            "description": "快递小哥走街串巷发现隐患", "results": "一批隐患及时处理"}
    b = ok(street.post("/api/v1/brands", json=body), 201)
    assert (b["party_org_name"], b["org_id"], b["started_year"]) == ("团安社区党委", city[TUANAN], 2016)
    refused(street.post("/api/v1/brands", json=body), 409, "conflict", "name")
    refused(street.post("/api/v1/brands", json={**body, "name": "另一个", "started_year": YEAR + 1}), 400,
            "validation_failed", "started_year")
    refused(street.post("/api/v1/brands", json={**body, "name": "另一个", "party_org_id": city["other_party_org"]}),
            400, "validation_failed", "party_org_id")
    refused(street.post("/api/v1/brands", json={**body, "name": " "}), 400, "validation_failed", "name")
    refused(city["sibling"].post("/api/v1/brands", json={**body, "name": "越界"}), 404, "not_found", "org_id")
    other = ok(street.post("/api/v1/brands", json={"org_id": city[QINGYANG], "name": "楼道议事会",
                                                   "started_year": 2016}), 201)
    assert figures(admin, city[WULIDUN], 2016, "brand.") == {"brand.created": 2}
    moved = ok(street.patch(f"/api/v1/brands/{other['id']}", json={"started_year": 2018, "results": "加装电梯12部"}))
    assert (moved["started_year"], moved["results"]) == (2018, "加装电梯12部")
    assert figures(admin, city[WULIDUN], 2016, "brand.") == {"brand.created": 1}
    assert figures(admin, city[SHUSHAN], 2018, "brand.") == {"brand.created": 1}
    lst = ok(admin.get("/api/v1/brands", params={"org": city[WULIDUN], "sort": "started_year"}))
    assert [x["name"] for x in lst["items"]] == ["温暖快递", "楼道议事会"]
    assert [x["name"] for x in ok(admin.get("/api/v1/brands", params={"org": city[QINGYANG]}))["items"]] == ["楼道议事会"]
    assert [x["name"] for x in ok(admin.get("/api/v1/brands", params={"q": "快递"}))["items"]] == ["温暖快递"]
    # The workbook: the same filters, audited with the parameters' names only.
    r = admin.get("/api/v1/brands/export", params={"org": city[WULIDUN]})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(r.content)
    assert rows[0][:4] == ["品牌名称", "所属组织", "党组织", "创建年份"]
    assert sorted(row[0] for row in rows[1:]) == ["楼道议事会", "温暖快递"]
    # A brand's files (its 成效 material): party.read sees them, party.write adds; they go with the brand.
    files = {"owner": "brand", "owner_id": other["id"]}
    pdf = b"%PDF-1.4\n%test\n"
    r = street.post("/api/v1/attachments", params={**files, "name": "成效材料.pdf"}, data=pdf,
                    headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    r = city["grid"].post("/api/v1/attachments", params={**files, "name": "网格.pdf"}, data=pdf,
                          headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (403, 404), r.text  # 青阳路 is outside the 团安 grid worker's subtree
    assert [f["name"] for f in ok(city["sibling"].get("/api/v1/attachments", params=files))["items"]] == ["成效材料.pdf"]
    refused(city["community"].get("/api/v1/attachments", params=files), 404, "not_found", None)
    assert street.delete(f"/api/v1/brands/{other['id']}").status_code == 204
    assert figures(admin, city[SHUSHAN], 2018, "brand.") == {}
    assert admin.get("/api/v1/attachments", params=files).status_code == 404
    con = backend.connect(server.db)
    left = con.execute("SELECT COUNT(*) FROM attachment WHERE owner_kind = 'brand' AND owner_id = ?",
                       (other["id"],)).fetchone()[0]
    con.close()
    assert left == 0
    mine = ok(street.post("/api/v1/brands", json={"org_id": city[TUANAN], "name": "网格品牌", "started_year": 2020}),
              201)
    r = city["grid"].post("/api/v1/attachments", params={"owner": "brand", "owner_id": mine["id"], "name": "a.pdf"},
                          data=pdf, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 403, r.text
    assert street.delete(f"/api/v1/brands/{mine['id']}").status_code == 204
    verify(server)


def test_honours_export(admin, city):
    street = city["street"]
    h = ok(street.post("/api/v1/honours", json=honour(city, year=2013, title="全国文明单位", level="national")), 201)
    p = ok(street.post("/api/v1/honours", json={"person_id": city["person"], "title": "合肥市优秀党务工作者",
                                                "level": "city", "awarding_body": "中共合肥市委", "year": 2013,
                                                "doc_no": "合发〔2013〕9号"}), 201)
    r = admin.get("/api/v1/honours/export", params={"org": city[WULIDUN], "year": 2013})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][:8] == ["荣誉名称", "级别", "年度", "所属组织", "党组织", "获奖个人", "授予机关", "文号"]
    got = sorted((row[0], row[1], row[5], row[7]) for row in rows[1:])
    assert got == [("全国文明单位", "国家级", "", "中发〔2021〕6号"), ("合肥市优秀党务工作者", "市级", "张书记", "合发〔2013〕9号")]
    r = admin.get("/api/v1/honours/export", params={"org": city[WULIDUN], "year": 2013, "level": "city"})
    assert [row[0] for row in xlsx_rows(r.content)[1:]] == ["合肥市优秀党务工作者"]
    refused(admin.get("/api/v1/honours/export", params={"level": "county"}), 400, "validation_failed", "level")
    audit = ok(admin.get("/api/v1/audit", params={"action": "honours.exported", "limit": 5}))["items"]
    assert audit and "张书记" not in str(audit)
    for x in (h, p):
        assert street.delete(f"/api/v1/honours/{x['id']}").status_code == 204


def test_assessment_bonus_from_honours(server, admin, city):
    """A street's community plan with bonus items from the honours of each community's subtree in the plan's year:
    all levels (0.5 each, at most 2), national ones (0.4 each, at most 1), city and above (0.25 each, at most 1); the
    unit's bonus at most the norm's cap."""
    year = 2022
    for key, value in (("assessment.weights", {"party_building": 50, "development": 50}),
                       ("assessment.grade_bands", [{"grade": "excellent", "min": 90}, {"grade": "sound", "min": 80},
                                                   {"grade": "fair", "min": 60}, {"grade": "weak", "min": 0}]),
                       ("assessment.bonus_cap", 3)):
        ok(admin.post("/api/v1/norms", json={"org_id": city[WULIDUN], "key": key, "year_from": year, "value": value}),
           201)
    street = city["street"]
    made = []
    # 团安: six honours of the year (a national one of its party organisation, a resident's provincial one, four
    # of the node: two city, two district),
    # one of the year before (not counted); 青阳路: one district honour.
    for body in (honour(city, year=year, party_org_id=city["party_org"]),
                 {"person_id": city["person"], "title": "安徽省优秀共产党员", "level": "provincial",
                  "awarding_body": "中共安徽省委", "year": year},
                 honour(city, year=year, title="合肥市先进基层党组织", level="city"),
                 honour(city, year=year, title="合肥市五星级基层党组织", level="city"),
                 honour(city, year=year, title="蜀山区先进基层党组织", level="district"),
                 honour(city, year=year, title="蜀山区文明社区", level="district"),
                 honour(city, year=year - 1, title="合肥市文明社区", level="city"),
                 honour(city, org_id=city[QINGYANG], year=year, title="蜀山区先进基层党组织", level="district")):
        made.append(ok(street.post("/api/v1/honours", json=body), 201)["id"])
    plan = ok(street.post("/api/v1/assessment-plans", json={"org_id": city[WULIDUN], "year": year,
                                                            "class": "community", "name": "荣誉加分考核"}), 201)["id"]
    nodes = [("P", None, {"half": "party_building", "max_points": 10}),
             ("P1", "P", {"max_points": 10, "method": "pass", "source": "entered", "params": {"at_least": 0}}),
             ("D", None, {"half": "development", "max_points": 10}),
             ("D1", "D", {"max_points": 10, "method": "pass", "source": "entered", "params": {"at_least": 0}}),
             ("B1", None, {"half": "party_building", "max_points": 2, "method": "bonus", "source": "honours.all",
                           "params": {"per": 0.5, "cap": 2}}),
             ("B2", None, {"half": "party_building", "max_points": 1, "method": "bonus",
                           "source": "honours.national", "params": {"per": 0.4, "cap": 1}}),
             ("B3", None, {"half": "party_building", "max_points": 1, "method": "bonus",
                           "source": "honours.city_and_above", "params": {"per": 0.25, "cap": 1}})]
    ids = {}
    for i, (code, parent, body) in enumerate(nodes):
        b = {"code": code, "name": f"指标{code}", "sort": i, **body}
        if parent:
            b["parent_id"] = ids[parent]
        ids[code] = ok(street.post(f"/api/v1/assessment-plans/{plan}/indicators", json=b), 201)["id"]
    run = ok(street.post(f"/api/v1/assessment-plans/{plan}/runs", json={}), 201)["id"]
    res = {r["org_id"]: r for r in ok(street.get(f"/api/v1/assessment-runs/{run}/results",
                                                 params={"limit": 200}))["items"]}
    # 团安: min(2, 6 × 0.5) + min(1, 1 × 0.4) + min(1, 4 × 0.25) = 2 + 0.4 + 1 = 3.4, capped at 3.
    # 青阳路: 0.5 + 0 + 0. The others: nothing.
    t = res[city[TUANAN]]
    assert t["bonus"] == 3 and t["total"] == t["party_building"] + t["development"] + 3
    assert res[city[QINGYANG]]["bonus"] == 0.5
    assert sum(r["bonus"] for o, r in res.items() if o not in (city[TUANAN], city[QINGYANG])) == 0
    tree = {n["code"]: n for n in ok(street.get(f"/api/v1/assessment-runs/{run}/results/{city[TUANAN]}"))["tree"]}
    assert (tree["B1"]["measure"], tree["B1"]["computed"], tree["B1"]["numbers"]) == (6, 2, {"honours": 6})
    assert (tree["B2"]["measure"], tree["B2"]["computed"]) == (1, 0.4)
    assert (tree["B3"]["measure"], tree["B3"]["computed"]) == (4, 1)
    assert tree["B1"]["link"] == {"page": "org-honours", "query": {"org": city[TUANAN], "year": year}}
    sources = {s["key"]: s for s in ok(admin.get("/api/v1/assessment-sources"))["items"]}
    assert {"honours.all", "honours.city_and_above", "honours.national", "honours.provincial", "honours.city",
            "honours.district"} <= sources.keys()
    for h in made:
        assert street.delete(f"/api/v1/honours/{h}").status_code == 204
    verify(server)
