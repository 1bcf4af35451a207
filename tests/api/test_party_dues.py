"""党费 dues: the 2008 brackets' bounds through the API (a step on the whole base, inclusive
upper bounds, half-up to the fen), the fixed amounts and a farmer's range, no norm no amount,
the month's sheet (a 预备党员 from the month of the vote), payments and their refusals,
arrears and the six-month list (a reason keeps a member off it; a decision is recorded and
changes nobody's status), the upward flag of a one-off >= 1,000 yuan, the report and its
audited workbook, the subtree's figures, the member's own page and scope."""
import datetime

import pytest

from conftest import PASSWORD, id_with_check, ok, refused, xlsx_rows

LONGJU = "340104006"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
YEAR = TODAY.year
MONTH = TODAY.year * 100 + TODAY.month


def month_add(m, n):
    k = (m // 100) * 12 + m % 100 - 1 + n
    return (k // 12) * 100 + k % 12 + 1


def member(admin, org, branch, name, id17, status="正式", joined_on="2010-07-01"):
    p = ok(admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": id_with_check(id17)}), 201)
    ok(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": branch, "status": status,
                                                 "joined_on": joined_on}), 201)
    return p["id"]


def declare(client, person, category, year=YEAR, **kw):
    return client.post("/api/v1/dues-declarations", json={"person_id": person, "year": year, "category": category,
                                                          **kw})


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {"longju": server.org_id(LONGJU), "city": server.org_id("3401")}
    mk = lambda name: ok(admin.post("/api/v1/orgs", json={"parent_id": ids["longju"], "level": "community",
                                                          "name": name}), 201)["id"]
    ids["c"], ids["other"] = mk("党费社区"), mk("邻近社区")
    branch = lambda org, name: ok(admin.post("/api/v1/party-orgs", json={"org_id": org, "kind": "党支部",
                                                                          "name": name}), 201)["id"]
    ids["b"], ids["b2"] = branch(ids["c"], "党费第一支部"), branch(ids["c"], "党费第二支部")
    norm = lambda key, value, basis="中组发〔2008〕3号": ok(admin.post("/api/v1/norms", json={
        "org_id": ids["city"], "key": key, "year_from": 2008, "value": value, "basis": basis}), 201)
    norm("dues.in_service_bounds", [3000, 5000, 10000])
    norm("dues.in_service_rates", [0.5, 1, 1.5, 2])
    norm("dues.retired_bounds", [5000])
    norm("dues.retired_rates", [0.5, 1])
    norm("dues.fixed_fen", {"farmer_min": 20, "farmer_max": 100, "student": 20, "unemployed": 20, "dibao": 20})
    norm("dues.upward_fen", 100000)
    norm("dues.arrears_months", 6, "中国共产党章程 第三十八条")
    ids["staff"] = server.make_user(admin, "dues-staff", "org_staff", ids["c"])
    ids["sibling"] = server.make_user(admin, "dues-sibling", "org_staff", ids["other"])
    return ids


BRACKETS = [  # (category, base fen, rate bp, monthly fen): the bounds
    ("in_service", 300000, 50, 1500), ("in_service", 300001, 100, 3000), ("in_service", 500000, 100, 5000),
    ("in_service", 540000, 150, 8100), ("in_service", 1000000, 150, 15000), ("in_service", 1000001, 200, 20000),
    ("retired", 500000, 50, 2500), ("retired", 500001, 100, 5000), ("in_service", 300150, 100, 3002),
]


def test_brackets_and_fixed_amounts(admin, city):
    staff = city["staff"]
    for i, (category, base, rate, monthly) in enumerate(BRACKETS):
        p = member(admin, city["c"], city["b"], f"申报党员{i}", f"34010419800101{i:02d}1")
        d = ok(declare(staff, p, category, base_fen=base), 201)
        assert (d["rate_bp"], d["monthly_fen"]) == (rate, monthly), (category, base)
    fixed = {}
    for i, category in enumerate(["student", "unemployed", "dibao"]):
        p = member(admin, city["c"], city["b"], f"定额党员{i}", f"34010419900101{i:02d}2")
        fixed[category] = ok(declare(staff, p, category), 201)["monthly_fen"]
    assert fixed == {"student": 20, "unemployed": 20, "dibao": 20}
    farmer = member(admin, city["c"], city["b"], "农民党员", "34010419700101033")
    refused(declare(staff, farmer, "farmer"), 400, "validation_failed", "fixed_fen")
    refused(declare(staff, farmer, "farmer", fixed_fen=101), 400, "validation_failed", "fixed_fen")
    refused(declare(staff, farmer, "farmer", fixed_fen=19), 400, "validation_failed", "fixed_fen")
    d = ok(declare(staff, farmer, "farmer", fixed_fen=100), 201)
    assert (d["monthly_fen"], d["rate_bp"]) == (100, None)
    # a base is needed in service; no norm before 2008; one declaration per year
    nobase = member(admin, city["c"], city["b"], "未申报党员", "34010419800101044")
    refused(declare(staff, nobase, "in_service"), 400, "validation_failed", "base_fen")
    refused(declare(staff, nobase, "in_service", year=2007, base_fen=100000), 409, "conflict", "category")
    refused(declare(staff, farmer, "farmer", fixed_fen=50), 409, "conflict", "year")
    # a correction recomputes: 5,400 yuan retired is 1%
    d = ok(admin.patch(f"/api/v1/dues-declarations/{d['id']}", json={"category": "retired", "base_fen": 540000}))
    assert (d["rate_bp"], d["monthly_fen"]) == (100, 5400)
    # out of scope: another community's staff cannot declare for the member
    refused(declare(city["sibling"], nobase, "retired", base_fen=1), 404, "not_found", "person_id")


def open_month(client, branch, month):
    return client.post("/api/v1/dues-sheets", json={"party_org_id": branch, "month": month})


def rows(client, branch, month):
    return {r["person_id"]: r for r in ok(client.get("/api/v1/dues-months", params={
        "party_org": branch, "month": month, "limit": 100}))["items"]}


def pay(client, row, **kw):
    body = {"paid_fen": row["due_fen"], "paid_on": TODAY.isoformat(), "channel": "wechat", "version": row["version"]}
    body.update(kw)
    return client.patch(f"/api/v1/dues-months/{row['id']}", json=body)


def test_sheet_payments_arrears_and_decisions(server, admin, city):
    staff, b2 = city["staff"], city["b2"]
    first = month_add(MONTH, -8)
    late = member(admin, city["c"], b2, "欠交党员", "34010419800102051")
    excused = member(admin, city["c"], b2, "困难党员", "34010419800102052")
    payer = member(admin, city["c"], b2, "按时党员", "34010419800102053")
    vote = month_add(MONTH, -3)
    probation = member(admin, city["c"], b2, "预备党员", "34010420000102054", status="预备",
                       joined_on=f"{vote // 100:04d}-{vote % 100:02d}-15")
    undeclared = member(admin, city["c"], b2, "未申报", "34010419800102055")
    for p in (late, excused, payer, probation):
        ok(declare(staff, p, "in_service", year=first // 100, base_fen=540000), 201)
    refused(open_month(staff, b2, month_add(MONTH, 1)), 400, "validation_failed", "month")
    refused(open_month(staff, b2, 202613 if YEAR != 2026 else 202700), 400, "validation_failed", "month")
    refused(open_month(city["sibling"], b2, MONTH), 404, "not_found", "party_org_id")
    for n in range(8, 0, -1):
        m = month_add(MONTH, -n)
        got = ok(open_month(staff, b2, m))
        assert got["rows"] == (5 if m >= vote else 4), m
        r = rows(staff, b2, m)
        assert r[late]["due_fen"] == 8100 and r[undeclared]["due_fen"] is None and r[undeclared]["state"] == "undeclared"
        ok(pay(staff, r[payer]))
        ok(admin.patch(f"/api/v1/dues-months/{r[excused]['id']}",
                       json={"reason": "生活困难，经支部同意缓交", "version": r[excused]["version"]}))
        if m >= vote:
            ok(pay(staff, r[probation], channel="cash"))
        else:
            assert probation not in r
        if n == 2:
            ok(pay(staff, r[late], paid_fen=4000, channel="bank"))  # a part: still in arrears
    assert ok(open_month(staff, b2, month_add(MONTH, -1)))["added"] == 0  # again: nothing new
    r = rows(staff, b2, month_add(MONTH, -1))
    refused(pay(staff, r[late], paid_on=(TODAY + datetime.timedelta(days=1)).isoformat()), 400,
            "validation_failed", "paid_on")
    refused(admin.patch(f"/api/v1/dues-months/{r[late]['id']}", json={"paid_fen": 8100, "version": r[late]["version"]}),
            400, "validation_failed", "paid_on")
    refused(pay(city["sibling"], r[late]), 404, "not_found", None)
    # the list: the late member (8 months, 0 paid but a part), not the excused, the payer, the undeclared
    a = ok(staff.get("/api/v1/dues-arrears", params={"org": city["c"], "party_org": b2}))
    assert a["months_min"] == 6
    assert [(x["person_id"], x["months"], x["from"], x["to"], x["owed_fen"], x["decision"]) for x in a["items"]] == \
        [(late, 8, first, month_add(MONTH, -1), 8 * 8100 - 4000, None)]
    # the branch decides; the decision is recorded and the member's status stays as it was
    ok(staff.post("/api/v1/dues-decisions", json={"person_id": late, "decision": "lapse",
                                                  "decided_on": TODAY.isoformat(), "note": "支部大会讨论"}), 201)
    a = ok(staff.get("/api/v1/dues-arrears", params={"org": city["c"], "party_org": b2}))
    assert [(x["decision"], x["decided_on"]) for x in a["items"]] == [("lapse", TODAY.isoformat())]
    assert ok(admin.get(f"/api/v1/party-members/{late}"))["status"] == "正式"
    # the report of the last month and its figures
    rep = ok(staff.get("/api/v1/dues-report", params={"org": city["c"], "month": month_add(MONTH, -2)}))
    row = [x for x in rep["items"] if x["party_org_id"] == b2][0]
    assert (row["members"], row["due_fen"], row["paid_fen"], row["members_in_arrears"], row["undeclared"]) == \
        (5, 4 * 8100, 2 * 8100 + 4000, 2, 1)
    # the member's own page
    user = server.make_user(admin, "dues-member", "party_member", city["c"])
    ok(admin.patch(f"/api/v1/users/{user.user_id}", json={"person_id": late}))
    user.login("dues-member", PASSWORD)
    mine = ok(user.get("/api/v1/my/dues", params={"year": YEAR}))
    assert mine["member"]["person_id"] == late and mine["declaration"]["monthly_fen"] == 8100
    assert mine["arrears"] == {"months": 8, "owed_fen": 8 * 8100 - 4000}
    assert all(m["month"] // 100 == YEAR for m in mine["months"])
    refused(user.get("/api/v1/dues-months", params={"party_org": b2}), 403, "forbidden", None)
    nobody = server.make_user(admin, "dues-resident", "resident", city["c"])
    assert ok(nobody.get("/api/v1/my/dues"))["member"] is None


def test_upward_flag_report_export_and_figures(admin, city):
    staff = city["staff"]
    p = member(admin, city["c"], city["b"], "多交党员", "34010419800103061")
    on = TODAY.replace(day=1).isoformat()
    big = ok(staff.post("/api/v1/dues-extras", json={"person_id": p, "paid_on": on, "amount_fen": 100000,
                                                     "channel": "bank"}), 201)
    small = ok(staff.post("/api/v1/dues-extras", json={"person_id": p, "paid_on": on, "amount_fen": 99999,
                                                       "channel": "cash"}), 201)
    assert (big["upward"], small["upward"]) == (True, False)
    refused(staff.post("/api/v1/dues-extras", json={"person_id": p, "paid_on": on, "amount_fen": 0,
                                                    "channel": "cash"}), 400, "validation_failed", "amount_fen")
    assert [x["id"] for x in ok(staff.get("/api/v1/dues-extras", params={"upward": "true"}))["items"]] == [big["id"]]
    ok(staff.patch(f"/api/v1/dues-extras/{big['id']}", json={"amount_fen": 50000}))
    assert ok(staff.get(f"/api/v1/dues-extras/{big['id']}"))["upward"] is False
    ok(staff.patch(f"/api/v1/dues-extras/{big['id']}", json={"amount_fen": 120000}))
    # this month opened for the first branch; one payment marked
    ok(open_month(staff, city["b"], MONTH))
    r = rows(staff, city["b"], MONTH)
    ok(pay(staff, r[p] if p in r else next(iter(r.values())), paid_fen=1500))
    rep = ok(staff.get("/api/v1/dues-report", params={"org": city["c"], "month": MONTH}))
    row = [x for x in rep["items"] if x["party_org_id"] == city["b"]][0]
    assert (row["extra_fen"], row["upward"], row["paid_fen"]) == (219999, 1, 1500)
    assert rep["total"]["members"] == sum(x["members"] for x in rep["items"])
    x = staff.get("/api/v1/dues-report/export", params={"org": city["c"], "month": MONTH})
    assert x.status_code == 200, x.text
    sheet = xlsx_rows(x.content)
    assert sheet[0][:5] == ["党支部", "所在组织", "党员数", "应交（元）", "实交（元）"]
    line = [s for s in sheet if s[0] == "党费第一支部"][0]
    assert float(line[4]) == 15.0 and float(line[7]) == 2199.99 and line[8] == "1"
    audit = ok(admin.get("/api/v1/audit", params={"action": "dues_report.exported"}))["items"]
    assert audit and audit[0]["summary"]["month"] == MONTH
    x = staff.get("/api/v1/dues-months/export", params={"party_org": city["b"], "month": MONTH})
    assert x.status_code == 200 and xlsx_rows(x.content)[0][0] == "月份"
    # the subtree's figures: the community and the street above it
    f = ok(staff.get("/api/v1/dues-figures", params={"org": city["c"], "year": YEAR}))
    assert f["paid_fen"] >= 1500 and f["extra_upward"] == 1 and f["members_in_arrears"] >= 1
    up = ok(admin.get("/api/v1/dues-figures", params={"org": city["longju"], "year": YEAR}))
    mine = [k for k in up["children"] if k["org_id"] == city["c"]][0]
    assert (mine["due_fen"], mine["paid_fen"]) == (f["due_fen"], f["paid_fen"])
    refused(city["sibling"].get("/api/v1/dues-figures", params={"org": city["c"]}), 404, "not_found", None)
