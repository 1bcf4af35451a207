"""责任落实 figures of a node and year: inspections and findings, 述职评议 turnout and grades
(their own endpoints), every family's figures in one answer, and the same as an audited
.xlsx workbook whose numbers are the answer's. Crafted data on a fresh server, known answers."""
import datetime
import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
import requests

from conftest import error_of

CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI = "3401", "340104", "340104006", "340104005", "340102"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()  # the server's day
YEAR = TODAY.year
FUTURE = f"{YEAR + 1}-06-30"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def secretary(admin, org, name, n):
    p = ok(admin.post("/api/v1/persons", json={"org_id": org, "name": name,
                                               "id_card": id_with_check(f"34010419660402{n:03d}")}), 201)
    return ok(admin.post("/api/v1/cadres", json={"person_id": p["id"], "org_id": org, "post": "书记",
                                                 "term_start": "2021-01-01"}), 201)["id"]


@pytest.fixture(scope="module")
def city(server, admin):
    """The crafted year at 蜀山区 (SHUSHAN), its streets 龙居 (LONGJU) and 南岗 (NANGANG)."""
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI)}
    ids["district"] = d = server.make_user(admin, "rf-district", "org_staff", ids[SHUSHAN])
    ids["street"] = s = server.make_user(admin, "rf-street", "org_staff", ids[LONGJU])
    ids["nangang"] = server.make_user(admin, "rf-nangang", "org_staff", ids[NANGANG])
    ids["sibling"] = server.make_user(admin, "rf-sibling", "org_staff", ids[YAOHAI])
    ids["resident"] = server.make_user(admin, "rf-resident", "resident", ids[LONGJU])
    longju_sec = secretary(admin, ids[LONGJU], "龙居书记", 1)
    nangang_sec = secretary(admin, ids[NANGANG], "南岗书记", 2)

    # Inspections this year: an open one of both streets (2 items each), a covert one of
    # Nangang (unpublished, 1 item unrecorded); a daily one of Longju last year.
    def inspect(type_, nodes, items, held_on):
        return ok(d.post("/api/v1/inspections", json={
            "org_id": ids[SHUSHAN], "type": type_, "title": "督查", "held_on": held_on, "team_names": ["督查组"],
            "nodes": [ids[n] for n in nodes], "items": items}), 201)
    x = inspect("open", [LONGJU, NANGANG], ["制度上墙", "台账齐全"], TODAY.isoformat())
    item = {(i["org_id"], i["item"]): i["id"] for i in x["items"]}
    for (org, what), result in (((LONGJU, "制度上墙"), "fail"), ((LONGJU, "台账齐全"), "pass"),
                                ((NANGANG, "制度上墙"), "fail")):
        ok(d.post(f"/api/v1/inspection-items/{item[(ids[org], what)]}/result", json={"result": result}))
    # One finding (Longju's failed item) becomes a problem of the year.
    ok(d.post(f"/api/v1/inspection-items/{item[(ids[LONGJU], '制度上墙')]}/problem",
              json={"severity": "minor", "measure": "制度上墙", "deadline": FUTURE}), 201)
    inspect("covert", [NANGANG], ["暗访窗口"], TODAY.isoformat())
    inspect("daily", [LONGJU], ["值班"], f"{YEAR - 1}-06-01")

    # A duty list of Longju's secretary with one item.
    lst = ok(s.post("/api/v1/duty-lists", json={"cadre_id": longju_sec, "year": YEAR}), 201)
    ok(s.post(f"/api/v1/duty-lists/{lst['id']}/items", json={
        "what": "抓支部规范化建设", "how": "逐支部过堂", "deadline": f"{YEAR}-12-31", "indicator": "全部达标",
        "evidence": "台账"}), 201)

    # A notice to the district's streets, a reply asked for; Longju reads it.
    ok(d.post("/api/v1/notices", json={"org_id": ids[SHUSHAN], "kind": "dispatch", "title": "关于年度调度的通知",
                                       "body": "各街道：\n请按时报送。", "target_org_id": ids[SHUSHAN],
                                       "levels": ["street"], "reply_due": "2099-01-01T00:00:00Z"}), 201)
    notice = ok(s.get("/api/v1/notices", params={"box": "received"}))["items"][0]
    ok(s.post(f"/api/v1/notices/{notice['notice_id'] if 'notice_id' in notice else notice['id']}/read"))

    # 述职评议 of the year: both secretaries, 4 delegates; Longju 3 ballots, Nangang 2;
    # Longju's grade confirmed, Nangang's not.
    for key, value in (("review.grade_points", {"good": 100, "fairly_good": 80, "average": 60, "poor": 0}),
                       ("review.grade_bands", [{"grade": "good", "min": 90}, {"grade": "fairly_good", "min": 80},
                                               {"grade": "average", "min": 60}, {"grade": "poor", "min": 0}]),
                       ("review.satisfaction_floor", 50)):
        ok(admin.post("/api/v1/norms", json={"org_id": ids[CITY], "key": key, "year_from": YEAR - 1,
                                             "value": value}), 201)
    sess = ok(d.post("/api/v1/review-sessions", json={"org_id": ids[SHUSHAN], "year": YEAR,
                                                      "held_on": TODAY.isoformat(), "title": "述职评议会"}), 201)
    for cadre_id in (longju_sec, nangang_sec):
        ok(d.post(f"/api/v1/review-sessions/{sess['id']}/reporters", json={"cadre_id": cadre_id}), 201)
    codes = [x["code"] for x in ok(d.post(f"/api/v1/review-sessions/{sess['id']}/delegates",
                                          json={"names": ["代表甲", "代表乙", "代表丙", "代表丁"]}), 201)["delegates"]]
    reporters = {r["org_id"]: r["id"] for r in ok(d.get(f"/api/v1/review-sessions/{sess['id']}"))["reporter_list"]}
    for org, grades in ((LONGJU, ["good", "good", "poor"]), (NANGANG, ["average", "unknown"])):
        for code, grade in zip(codes, grades):
            r = requests.post(server.base + "/api/v1/public/review-ballots",
                              json={"code": code, "reporter_id": reporters[ids[org]], "grade": grade}, timeout=30)
            assert r.status_code == 200, r.text
    ok(d.post(f"/api/v1/review-sessions/{sess['id']}/close"))
    ok(d.post(f"/api/v1/review-reporters/{reporters[ids[LONGJU]]}/confirm",
              json={"grade": "fairly_good", "reason": "结合日常考察"}))
    return ids


def child(f, org_id):
    return next(c for c in f["children"] if c["org_id"] == org_id)


def test_bad_input_and_scope(server, admin, city):
    d = city["district"]
    for path in ("/api/v1/inspection-figures", "/api/v1/review-figures", "/api/v1/responsibility-figures",
                 "/api/v1/responsibility-figures/export"):
        refused(d.get(path), 400, "validation_failed", "org")
        refused(d.get(path, params={"org": city[SHUSHAN], "year": 1999}), 400, "validation_failed", "year")
        refused(d.get(path, params={"org": city[SHUSHAN], "x": 1}), 400, "validation_failed", "x")
        # Another district's node is not found; a resident holds neither permission.
        refused(city["sibling"].get(path, params={"org": city[SHUSHAN]}), 404, "not_found", None)
        assert city["resident"].get(path, params={"org": city[LONGJU]}).status_code == 403
    refused(d.get("/api/v1/inspections", params={"year": "x"}), 400, "validation_failed", "year")
    # None of the refused exports wrote an audit row.
    assert admin.get("/api/v1/audit", params={"action": "responsibility_figures.exported"}).json()["items"] == []


def test_inspection_figures_by_node_and_year(server, admin, city):
    f = ok(city["district"].get("/api/v1/inspection-figures", params={"org": city[SHUSHAN], "year": YEAR}))
    pick = ("inspections", "daily", "open", "covert", "items_checked", "items_failed", "findings")
    assert [f[k] for k in pick] == [2, 0, 1, 1, 3, 2, 1]
    assert [child(f, city[LONGJU])[k] for k in pick] == [1, 0, 1, 0, 2, 1, 1]
    assert [child(f, city[NANGANG])[k] for k in pick] == [2, 0, 1, 1, 1, 1, 0]
    assert child(f, city[LONGJU])["org_name"] and f["year"] == YEAR and f["org_id"] == city[SHUSHAN]
    last = ok(admin.get("/api/v1/inspection-figures", params={"org": city[SHUSHAN], "year": YEAR - 1}))
    assert [last[k] for k in pick] == [1, 1, 0, 0, 0, 0, 0]
    # The list with the same node and year shows as many; the unpublished 暗访 stays hidden
    # from the inspected street, in the figures as in the list.
    assert ok(admin.get("/api/v1/inspections", params={"org": city[SHUSHAN], "year": YEAR}))["total"] == 2
    assert ok(admin.get("/api/v1/inspections", params={"org": city[SHUSHAN], "year": YEAR - 1}))["total"] == 1
    own = ok(city["nangang"].get("/api/v1/inspection-figures", params={"org": city[NANGANG], "year": YEAR}))
    assert (own["inspections"], own["covert"], own["items_checked"]) == (1, 0, 1)
    assert ok(city["nangang"].get("/api/v1/inspections", params={"org": city[NANGANG], "year": YEAR}))["total"] == 1


def test_review_figures_turnout_and_grades(server, admin, city):
    f = ok(city["district"].get("/api/v1/review-figures", params={"org": city[SHUSHAN], "year": YEAR}))
    pick = ("sessions", "reporters", "possible", "voted", "good", "fairly_good", "average", "poor", "ungraded")
    assert [f[k] for k in pick] == [1, 2, 8, 5, 0, 1, 0, 0, 1]
    assert f["turnout"] == pytest.approx(5 / 8)
    lj, ng = child(f, city[LONGJU]), child(f, city[NANGANG])
    assert [lj[k] for k in pick] == [1, 1, 4, 3, 0, 1, 0, 0, 0] and lj["turnout"] == pytest.approx(0.75)
    assert [ng[k] for k in pick] == [1, 1, 4, 2, 0, 0, 0, 0, 1] and ng["turnout"] == pytest.approx(0.5)
    # Another year has no session: no turnout rather than 0%.
    other = ok(admin.get("/api/v1/review-figures", params={"org": city[SHUSHAN], "year": YEAR - 1}))
    assert (other["reporters"], other["turnout"]) == (0, None)


def test_one_answer_holds_every_family(server, admin, city):
    d = city["district"]
    q = {"org": city[SHUSHAN], "year": YEAR}
    all_ = ok(d.get("/api/v1/responsibility-figures", params=q))
    assert (all_["org_id"], all_["year"], all_["org_name"]) == (city[SHUSHAN], YEAR, "蜀山区")
    for key, path in (("duty", "duty-figures"), ("problem", "problem-figures"), ("inspection", "inspection-figures"),
                      ("review", "review-figures")):
        assert all_[key] == ok(d.get(f"/api/v1/{path}", params=q)), key
    assert (all_["duty"]["lists"], all_["duty"]["items"], all_["problem"]["problems"]) == (1, 1, 1)
    # Notices of the year: one receipt per street of the district, Longju's read.
    streets = len(all_["notice"]["children"])
    n, lj = all_["notice"], child(all_["notice"], city[LONGJU])
    assert (n["receipts"], n["unread"], n["unreplied"], n["overdue"]) == (streets, streets - 1, streets, 0)
    assert (lj["receipts"], lj["unread"], lj["unreplied"]) == (1, 0, 1)
    before = ok(d.get("/api/v1/responsibility-figures", params={**q, "year": YEAR - 1}))["notice"]
    assert before["receipts"] == 0
    # The default year is this year.
    assert ok(d.get("/api/v1/responsibility-figures", params={"org": city[SHUSHAN]})) == all_


@pytest.fixture(scope="module")
def assessed(server, admin, city):
    """The annual assessment of the year: 蜀山区 assesses its streets (a published run, then
    a later run with other values left unpublished); the city's plan of its districts has
    only a computed run, so no published plan covers 蜀山区 itself."""
    for key, value in (("assessment.weights", {"party_building": 50, "development": 50}),
                       ("assessment.grade_bands", [{"grade": "excellent", "min": 90}, {"grade": "sound", "min": 80},
                                                   {"grade": "fair", "min": 60}, {"grade": "weak", "min": 0}])):
        ok(admin.post("/api/v1/norms", json={"org_id": city[CITY], "key": key, "year_from": YEAR - 1,
                                             "value": value}), 201)

    def plan(org, cls, nodes):
        p = ok(admin.post("/api/v1/assessment-plans", json={"org_id": city[org], "year": YEAR, "class": cls,
                                                            "name": "年度综合考核"}), 201)["id"]
        ids = {}
        for code, parent, body in nodes:
            ids[code] = ok(admin.post(f"/api/v1/assessment-plans/{p}/indicators", json={
                "code": code, "name": f"指标{code}", **({"parent_id": ids[parent]} if parent else {}), **body}), 201)["id"]
        return p, ids

    def enter(p, ids, org, code, value):
        ok(admin.request("PUT", f"/api/v1/assessment-plans/{p}/entries", json={
            "indicator_id": ids[code], "org_id": city[org], "value": value, "evidence": "会议记录及台账"}))

    def compute(p):
        return ok(admin.post(f"/api/v1/assessment-plans/{p}/runs", json={}), 201)["id"]

    leaf = {"method": "pass", "source": "entered", "params": {"at_least": 1}, "max_points": 10}
    streets, ids = plan(SHUSHAN, "street", [
        ("P", None, {"half": "party_building", "max_points": 10}), ("P1", "P", leaf),
        ("D", None, {"half": "development", "max_points": 10}),
        ("D1", "D", {**leaf, "method": "ratio", "params": {"target": 1}}),
        ("V", None, {"half": "party_building", "max_points": 0, "method": "veto", "source": "entered",
                     "params": {"effect": "drop_grade"}})])
    # 南岗 50 + 50 = 100 (优秀, first); 龙居 50 + 25 = 75 (一般, vetoed: 较差); the other streets 0.
    for org, code, value in ((NANGANG, "P1", 1), (NANGANG, "D1", 1), (LONGJU, "P1", 1), (LONGJU, "D1", 0.5),
                             (LONGJU, "V", 1)):
        enter(streets, ids, org, code, value)
    published = compute(streets)
    ok(admin.post(f"/api/v1/assessment-runs/{published}/publish", json={}))
    enter(streets, ids, NANGANG, "P1", 0)
    later = compute(streets)
    districts, dids = plan(CITY, "district", [("P", None, {**leaf, "half": "party_building"})])
    enter(districts, dids, SHUSHAN, "P", 1)
    compute(districts)

    def ranking(run):
        items = ok(admin.get(f"/api/v1/assessment-runs/{run}/results", params={"sort": "rank", "limit": 200}))["items"]
        return {row["org_id"]: row for row in items}
    return {"plan": streets, "published": published, "later": later, "ranking": ranking(published),
            "later_ranking": ranking(later)}


ASSESS = ("total", "party_building", "development", "bonus", "rank", "grade", "vetoed", "barred")


def test_assessment_figures_are_the_published_ranking(server, admin, city, assessed):
    q = {"org": city[SHUSHAN], "year": YEAR}
    a = ok(city["district"].get("/api/v1/responsibility-figures", params=q))["assessment"]
    ranking = assessed["ranking"]
    # 蜀山区 itself: only the city's computed run covers it, so no figures.
    assert all(a[k] is None for k in (*ASSESS, "units", "run_id", "plan_id")), a
    # Every street is a unit of the plan; a child of another class (a township) has no figures.
    assert {c["org_id"] for c in a["children"]} >= set(ranking) and len(ranking) > 2
    for c in a["children"]:
        want = ranking.get(c["org_id"])
        if want is None:
            assert all(c[k] is None for k in (*ASSESS, "units", "run_id", "plan_id")), c
            continue
        assert {k: c[k] for k in ASSESS} == {k: want[k] for k in ASSESS}, c["org_name"]
        assert (c["units"], c["run_id"], c["plan_id"]) == (len(ranking), assessed["published"], assessed["plan"])
    ng, lj = child(a, city[NANGANG]), child(a, city[LONGJU])
    assert (ng["total"], ng["rank"], ng["grade"], ng["vetoed"]) == (100, 1, "excellent", False)
    assert (lj["total"], lj["party_building"], lj["development"], lj["rank"], lj["grade"], lj["vetoed"]) == \
        (75, 50, 25, 2, "weak", True)
    # The later run (南岗 50 there) is not published: the figures stay the published run's.
    assert assessed["later_ranking"][city[NANGANG]]["total"] == 50
    # A street's own staff read its own result; another year has none.
    own = ok(city["nangang"].get("/api/v1/responsibility-figures", params={"org": city[NANGANG], "year": YEAR}))
    assert {k: own["assessment"][k] for k in ASSESS} == {k: ranking[city[NANGANG]][k] for k in ASSESS}
    before = ok(admin.get("/api/v1/responsibility-figures", params={**q, "year": YEAR - 1}))["assessment"]
    assert all(c["total"] is None and c["run_id"] is None for c in before["children"])


def read_xlsx(raw):
    """{sheet name: rows of values (str, or float for numbers, None when empty)}."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        strings = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                   for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)]
        rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        book = {}
        for sh in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
            target = rels[sh.get(f"{{{ns['r']}}}id")].lstrip("/")
            root = ET.fromstring(z.read(target if target.startswith("xl/") else "xl/" + target))
            rows = []
            for row in root.iter(f"{{{ns['m']}}}row"):
                cells = {}
                for c in row.findall("m:c", ns):
                    col = re.match(r"[A-Z]+", c.get("r")).group(0)
                    v = c.find("m:v", ns)
                    cells[ord(col) - 65] = (strings[int(v.text)] if c.get("t") == "s" else float(v.text)) \
                        if v is not None else None
                rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
            book[sh.get("name")] = rows
    return book


SHEETS = {"duty": "责任清单", "problem": "问题整改", "inspection": "明查暗访", "notice": "调度通报", "review": "述职评议",
          "assessment": "综合考核", "volunteer": "志愿服务", "enterprise_visit": "非公企业走访",
          "service_report": "双报到", "claims": "岗位与心愿", "party_meeting": "三会一课", "dues": "党费",
          "party_transfer": "组织关系转接", "party_development": "发展党员", "member_eval": "民主评议党员"}
GRADE_WORDS = {"excellent": "优秀", "sound": "良好", "fair": "一般", "weak": "较差"}


def cell_of(value):
    """A figure as the workbook writes it: a grade as its word, yes as 是, no and null empty."""
    if value is True:
        return "是"
    if value is False or value is None:
        return None
    return GRADE_WORDS.get(value, value)


def test_the_workbook_is_the_figures_and_is_audited(server, admin, city, assessed):
    d = city["district"]
    q = {"org": city[SHUSHAN], "year": YEAR}
    r = d.get("/api/v1/responsibility-figures/export", params=q)
    assert r.status_code == 200 and r.headers["Content-Type"] == XLSX, r.text
    assert r.headers["Content-Disposition"] == f'attachment; filename="responsibility-{SHUSHAN}-{YEAR}.xlsx"'
    fig = ok(d.get("/api/v1/responsibility-figures", params=q))
    book = read_xlsx(r.content)
    assert list(book) == ["责任清单", "问题整改", "明查暗访", "调度通报", "述职评议", "综合考核", "结对共建", "购买服务",
                          "志愿服务", "非公企业走访", "双报到", "岗位与心愿", "三会一课", "党费", "组织关系转接",
                          "发展党员", "民主评议党员"]
    checked = 0
    for key, sheet in SHEETS.items():
        rows = book[sheet]
        head = rows[0]
        assert head[0] == "单位" and sorted(head[1:]) == sorted(HEADERS[key].values()), (sheet, head)
        f = fig[key]
        # A row per child in the answer's order, then the node's total (the assessment: its own result).
        last = "本级（蜀山区）" if key == "assessment" else "合计（蜀山区）"
        assert [row[0] for row in rows[1:]] == [c["org_name"] for c in f["children"]] + [last]
        # Every figure column equals the answer's number (an empty cell: a rate without a denominator).
        figures = [k for k in f if k not in ("children", "org_id", "year")]
        for row, src in zip(rows[1:], f["children"] + [f]):
            for col, title in enumerate(head[1:], start=1):
                value = row[col] if col < len(row) else None
                key_of = next(k for k in figures if column_title(key, k) == title)
                want = cell_of(src[key_of])
                assert value == want if isinstance(want, str) or want is None else value == pytest.approx(want), \
                    (sheet, title, src["org_name"] if "org_name" in src else "")
                checked += 1
    assert checked > 100
    rows = admin.get("/api/v1/audit", params={"action": "responsibility_figures.exported"}).json()["items"]
    assert len(rows) == 1 and rows[0]["org_id"] == city[SHUSHAN], rows
    assert rows[0]["summary"]["year"] == YEAR and rows[0]["summary"]["sheets"] == list(book)


HEADERS = {
    "duty": {"lists": "清单数", "lists_signed": "已签订", "lists_draft": "起草", "lists_review": "上级审核",
             "lists_published": "已公开", "items": "事项数", "items_done": "已完成事项", "items_overdue": "逾期事项"},
    "problem": {"problems": "问题数", "open": "未销号", "overdue": "逾期", "supervised": "督办中", "closed": "已销号",
                "closure_rate": "销号率", "repeated": "重复问题"},
    "inspection": {"inspections": "检查次数", "daily": "日常督查", "open": "明查", "covert": "暗访",
                   "items_checked": "已检查项", "items_failed": "不合格项", "findings": "发现问题"},
    "notice": {"receipts": "接收", "unread": "未读", "unreplied": "未回复", "overdue": "逾期未回复"},
    "review": {"sessions": "评议会", "reporters": "述职书记", "possible": "应投票", "voted": "已投票", "turnout": "参评率",
               "good": "好", "fairly_good": "较好", "average": "一般", "poor": "差", "ungraded": "未定等次"},
    "assessment": {"total": "总分", "party_building": "党建", "development": "发展", "bonus": "加分", "rank": "名次",
                   "units": "参评单位数", "grade": "等次", "vetoed": "一票否决", "barred": "不得评先"},
    "volunteer": {"teams": "志愿队伍", "volunteers": "志愿者", "activities": "活动", "verified_hours": "核实时长（小时）"},
    "enterprise_visit": {"enterprises": "非公企业", "visited_this_month": "本月已走访", "visit_rate": "走访率",
                         "visits": "全年走访", "with_problems": "发现问题", "cases": "转为案件"},
    "service_report": {"members_active": "在册报到党员", "members_pending": "待接收报到", "members_received": "累计接收",
                       "records_verified": "核实服务次数", "hours_verified": "核实服务时长（小时）", "cards_sent": "反馈卡",
                       "cards_acknowledged": "已签收", "cards_acknowledged_rate": "签收率"},
    "claims": {"posts": "服务岗位", "post_places": "名额", "post_claims": "认领", "post_attended": "到岗",
               "post_fill_rate": "认领率", "wishes_published": "心愿待认领", "wishes_claimed": "心愿已认领",
               "wishes_confirmed": "受助人确认", "fulfilled_in_year": "本年实现心愿", "fulfil_days_mean": "平均实现天数", "fulfil_days_median": "实现天数中位数"},
    "party_meeting": {"meetings": "会议", "held_branch_assembly": "党员大会", "held_committee": "支委会",
                      "held_lecture": "党课", "held_theme_day": "主题党日", "orgs_judged": "应开展的党组织",
                      "orgs_behind": "未按期开展", "orgs_behind_rate": "未按期比例", "attendance_rate": "出席率"},
    "dues": {"due_fen": "应交（分）", "paid_fen": "已交（分）", "collected_rate": "收缴率", "members_in_arrears": "欠交党员",
             "members_undeclared": "未申报", "extra_fen": "自愿多交（分）", "extra_upward": "上缴笔数"},
    "party_transfer": {"pending_out": "待转出", "pending_in": "待接收", "expired_out": "介绍信过期", "completed_out": "已转出",
                       "completed_in": "已转入"},
    "party_development": {"stage1": "申请入党", "stage2": "入党积极分子", "stage3": "发展对象", "stage4": "预备党员接收",
                          "stage5": "考察转正", "applications": "本年申请", "admitted": "本年接收预备党员",
                          "converted": "本年转正"},
    "member_eval": {"rounds": "评议轮次", "rounds_closed": "已结束", "graded": "参评正式党员", "excellent": "优秀",
                    "qualified": "合格", "basic": "基本合格", "unqualified": "不合格", "excellent_rate": "优秀比例"},
}


def column_title(module, key):
    return HEADERS[module].get(key)
