"""结对共建 (agency-community pairings, their items and completion) and purchased social
services (contracts, beneficiaries, visits): who may write what, validation, and the
figures computed from known rows. One server for the module."""
import datetime

import pytest

from conftest import PASSWORD, error_of, xlsx_rows

SHUSHAN, WULIDUN, TUANAN, QINGYANG, YAOHAI = "340104", "340104006", "340104006001", "340104006002", "340102"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
YEAR = TODAY.year


def id_with_check(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(a) * b for a, b in zip(first17, w)) % 11]


def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def unit_account(server, staff, username, unit, org):
    r = staff.post("/api/v1/users", json={"username": username, "display_name": username, "password": PASSWORD,
                                          "org_id": org})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    assert staff.post(f"/api/v1/users/{uid}/grants", json={"role": "unit_staff", "unit_id": unit}).status_code == 201
    c = server.client()
    c.login(username, PASSWORD)
    return c


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (SHUSHAN, WULIDUN, TUANAN, QINGYANG, YAOHAI)}
    unit = lambda org, name, type_: ok(admin.post("/api/v1/units", json={"org_id": ids[org], "name": name,
                                                                         "type": type_}), 201)["id"]
    ids["agency"] = unit(SHUSHAN, "蜀山区民政局", "agency")
    ids["agency2"] = unit(SHUSHAN, "蜀山区司法局", "agency")
    ids["school"] = unit(SHUSHAN, "蜀山小学", "school")
    ids["social"] = unit(WULIDUN, "乐龄社工服务中心", "social_organisation")
    ids["party_org"] = ok(admin.post("/api/v1/party-orgs", json={"org_id": ids[SHUSHAN], "unit_id": ids["agency"],
                                                                 "kind": "党支部", "name": "区民政局机关党支部"}), 201)["id"]
    ids["community"] = server.make_user(admin, "pair-comm", "org_staff", ids[TUANAN])
    ids["district"] = server.make_user(admin, "pair-district", "org_staff", ids[SHUSHAN])
    ids["sibling"] = server.make_user(admin, "pair-sibling", "org_staff", ids[QINGYANG])
    ids["grid"] = server.make_user(admin, "pair-grid", "grid_worker", ids[TUANAN])
    ids["auditor"] = server.make_user(admin, "pair-auditor", "auditor", ids[SHUSHAN])
    ids["agency_acct"] = unit_account(server, admin, "pair-agency", ids["agency"], ids[SHUSHAN])
    ids["agency2_acct"] = unit_account(server, admin, "pair-agency2", ids["agency2"], ids[SHUSHAN])
    ids["social_acct"] = unit_account(server, admin, "pair-social", ids["social"], ids[WULIDUN])
    people = []
    for seq, org in enumerate((TUANAN, TUANAN, QINGYANG, YAOHAI), start=1):
        p = ok(admin.post("/api/v1/persons", json={"org_id": ids[org], "name": f"服务对象{seq}",
                                                   "id_card": id_with_check(f"34010419370402{seq:03d}"),
                                                   "tags": ["elderly_alone"] if seq == 1 else []}), 201)
        people.append(p["id"])
    ids["people"] = people
    return ids


def pairing_body(city, **kw):
    return {"org_id": city[TUANAN], "unit_id": city["agency"], "party_org_id": city["party_org"], "year": YEAR,
            "note": "共建协议", **kw}


def item_body(**kw):
    return {"content": "走访慰问困难党员", "due_on": f"{YEAR}-12-31", "responsible": "王处长", **kw}


def test_pairing_validation_and_scope(server, admin, city):
    d, c = city["district"], city["community"]
    before = ok(admin.get("/api/v1/pairings"))["total"]
    for field in ("org_id", "unit_id", "year"):
        b = pairing_body(city)
        del b[field]
        refused(d.post("/api/v1/pairings", json=b), 400, "validation_failed", field)
    refused(d.post("/api/v1/pairings", json=pairing_body(city, org_id=city[WULIDUN])), 400, "validation_failed", "org_id")
    refused(d.post("/api/v1/pairings", json=pairing_body(city, unit_id=city["school"], party_org_id=None)),
            400, "validation_failed", "unit_id")
    refused(d.post("/api/v1/pairings", json=pairing_body(city, unit_id=city["agency2"])), 400, "validation_failed",
            "party_org_id")
    # Staff of another community, a grid worker and a unit's account may not create one.
    refused(city["sibling"].post("/api/v1/pairings", json=pairing_body(city)), 404, "not_found", "org_id")
    assert city["grid"].post("/api/v1/pairings", json=pairing_body(city)).status_code == 403
    assert city["agency_acct"].post("/api/v1/pairings", json=pairing_body(city)).status_code == 403
    assert ok(admin.get("/api/v1/pairings"))["total"] == before
    b = pairing_body(city)
    del b["party_org_id"]  # the agency's party organisation when not named
    p = ok(c.post("/api/v1/pairings", json=b), 201)
    assert (p["org_name"], p["unit_name"], p["party_org_name"], p["items"], p["completion_rate"]) == \
        ("团安村社区", "蜀山区民政局", "区民政局机关党支部", 0, None)
    refused(d.post("/api/v1/pairings", json=pairing_body(city)), 409, "conflict", "unit_id")
    refused(city["sibling"].get(f"/api/v1/pairings/{p['id']}"), 404, "not_found", None)
    refused(city["agency2_acct"].get(f"/api/v1/pairings/{p['id']}"), 404, "not_found", None)
    # The agency's own account sees its pairing, in the list too.
    assert ok(city["agency_acct"].get(f"/api/v1/pairings/{p['id']}"))["id"] == p["id"]
    assert [x["id"] for x in ok(city["agency_acct"].get("/api/v1/pairings"))["items"]] == [p["id"]]
    assert ok(city["agency2_acct"].get("/api/v1/pairings"))["items"] == []
    assert p["id"] not in [x["id"] for x in ok(city["sibling"].get("/api/v1/pairings"))["items"]]


def test_items_reported_by_the_agency_and_confirmed_by_the_community(server, admin, city):
    c, agency = city["community"], city["agency_acct"]
    p = ok(c.post("/api/v1/pairings", json=pairing_body(city, unit_id=city["agency2"], party_org_id=None)), 201)
    refused(c.post(f"/api/v1/pairings/{p['id']}/items", json=item_body(due_on=f"{YEAR + 1}-01-10")),
            400, "validation_failed", "due_on")
    refused(c.post(f"/api/v1/pairings/{p['id']}/items", json=item_body(responsible="")), 400, "validation_failed",
            "responsible")
    assert city["agency2_acct"].post(f"/api/v1/pairings/{p['id']}/items", json=item_body()).status_code == 403
    p = ok(c.post(f"/api/v1/pairings/{p['id']}/items", json=item_body()), 201)
    item = p["items_list"][0]
    assert (item["state"], item["can"]) == ("open", {"done": True, "confirm": False})
    a2 = city["agency2_acct"]
    seen = ok(a2.get(f"/api/v1/pairings/{p['id']}"))
    assert seen["items_list"][0]["can"] == {"done": True, "confirm": False} and seen["can"]["add_item"] is False
    # Another agency's account sees nothing of it.
    refused(agency.post(f"/api/v1/pairing-items/{item['id']}/done", json={"done_on": str(TODAY), "version": 1}),
            404, "not_found", None)
    refused(a2.post(f"/api/v1/pairing-items/{item['id']}/confirm", json={"version": 1}), 403, "forbidden", None)
    refused(c.post(f"/api/v1/pairing-items/{item['id']}/confirm", json={"version": 1}), 409, "invalid_transition",
            "state")
    future = str(TODAY + datetime.timedelta(days=3))
    refused(a2.post(f"/api/v1/pairing-items/{item['id']}/done", json={"done_on": future, "version": 1}),
            400, "validation_failed", "done_on")
    refused(a2.post(f"/api/v1/pairing-items/{item['id']}/done", json={"done_on": str(TODAY), "version": 9}),
            409, "version_conflict", "version")
    p = ok(a2.post(f"/api/v1/pairing-items/{item['id']}/done",
                   json={"done_on": str(TODAY), "note": "已走访 12 户", "version": 1}))
    item = p["items_list"][0]
    assert (item["state"], item["done_on"], item["done_note"], item["done_by_name"]) == \
        ("done", str(TODAY), "已走访 12 户", "pair-agency2")
    assert (p["items_done"], p["completion_rate"]) == (1, 1.0)
    refused(a2.post(f"/api/v1/pairing-items/{item['id']}/done", json={"done_on": str(TODAY), "version": 2}),
            409, "invalid_transition", "state")
    # The agency's files on the item, until the community confirms.
    files = {"owner": "pairing_item", "owner_id": item["id"]}
    pdf = b"%PDF-1.4\n%test\n"
    r = a2.post("/api/v1/attachments", params={**files, "name": "走访记录.pdf"}, data=pdf,
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    refused(agency.get("/api/v1/attachments", params=files), 404, "not_found", None)
    p = ok(c.post(f"/api/v1/pairing-items/{item['id']}/confirm", json={"version": 2}))
    assert (p["items_list"][0]["state"], p["items_list"][0]["confirmed_by_name"]) == ("confirmed", "pair-comm")
    r = a2.post("/api/v1/attachments", params={**files, "name": "补充.pdf"}, data=pdf,
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 409, r.text


def test_pairing_figures_from_known_rows(server, admin, city):
    d = city["district"]
    # A community of its own for this test: Qingyang.
    b = {"org_id": city[QINGYANG], "unit_id": city["agency"], "party_org_id": None, "year": YEAR - 1}
    p = ok(d.post("/api/v1/pairings", json=b), 201)
    for due in (f"{YEAR - 1}-03-01", f"{YEAR - 1}-06-01", f"{YEAR - 1}-09-01", f"{YEAR - 1}-12-01"):
        p = ok(d.post(f"/api/v1/pairings/{p['id']}/items", json=item_body(due_on=due)), 201)
    items = p["items_list"]
    ok(d.post(f"/api/v1/pairing-items/{items[0]['id']}/done", json={"done_on": f"{YEAR - 1}-02-20", "version": 1}))
    ok(d.post(f"/api/v1/pairing-items/{items[1]['id']}/done", json={"done_on": f"{YEAR - 1}-06-20", "version": 1}))
    ok(d.post(f"/api/v1/pairing-items/{items[1]['id']}/confirm", json={"version": 2}))
    f = ok(d.get("/api/v1/pairing-figures", params={"org": city[QINGYANG], "year": YEAR - 1}))
    assert {k: f[k] for k in ("pairings", "items", "items_done", "items_confirmed", "items_overdue",
                                         "completion_rate")} == \
        {"pairings": 1, "items": 4, "items_done": 2, "items_confirmed": 1, "items_overdue": 2, "completion_rate": 0.5}
    w = ok(d.get("/api/v1/pairing-figures", params={"org": city[WULIDUN], "year": YEAR - 1}))
    assert w["items"] == 4
    child = [x for x in w["children"] if x["org_id"] == city[QINGYANG]][0]
    assert child["items_done"] == 2
    a = ok(d.get("/api/v1/pairing-agency-figures", params={"org": city[SHUSHAN], "year": YEAR - 1}))
    assert [(x["unit_name"], x["communities"], x["items"], x["items_overdue"]) for x in a["agencies"]] == \
        [("蜀山区民政局", 1, 4, 2)]
    resp = ok(d.get("/api/v1/responsibility-figures", params={"org": city[QINGYANG], "year": YEAR - 1}))
    assert resp["pairing"]["items"] == 4
    refused(city["sibling"].get("/api/v1/pairing-agency-figures", params={"org": city[TUANAN]}), 404, "not_found", None)


def contract_body(city, **kw):
    return {"org_id": city[WULIDUN], "unit_id": city["social"], "title": "居家养老上门服务", "service": "home_elderly_care",
            "start_on": f"{YEAR}-01-01", "end_on": f"{YEAR}-03-31", "amount_fen": 12_000_000, "visits_per_month": 4,
            "minutes_per_visit": 60, "person_ids": city["people"][:3], **kw}


def test_contract_validation_and_access(server, admin, city):
    d, c = city["district"], city["community"]
    before = ok(admin.get("/api/v1/service-contracts"))["total"]
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, org_id=city[SHUSHAN])), 400,
            "validation_failed", "org_id")
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, unit_id=city["agency"])), 400,
            "validation_failed", "unit_id")
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, end_on=f"{YEAR - 1}-12-31")), 400,
            "validation_failed", "end_on")
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, amount_fen=-1)), 400, "validation_failed",
            "amount_fen")
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, amount_fen=1.5)), 400, "validation_failed",
            "amount_fen")
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, service="massage")), 400, "validation_failed",
            "service")
    # A beneficiary outside the purchaser's subtree (Yaohai) is refused, whatever the caller sees.
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, person_ids=city["people"])), 400,
            "validation_failed", "person_ids")
    refused(d.post("/api/v1/service-contracts", json=contract_body(city, person_ids=["x"])), 400,
            "validation_failed", "person_ids")
    for ids in ([0], [city["people"][0], city["people"][0]], 5):  # ids from 1, each once, a list
        refused(d.post("/api/v1/service-contracts", json=contract_body(city, person_ids=ids)), 400,
                "validation_failed", "person_ids")
    # A community's staff may not buy for its street; a grid worker not at all.
    refused(c.post("/api/v1/service-contracts", json=contract_body(city)), 404, "not_found", "org_id")
    assert city["grid"].post("/api/v1/service-contracts", json=contract_body(city, org_id=city[TUANAN])).status_code \
        == 403
    assert ok(admin.get("/api/v1/service-contracts"))["total"] == before
    k = ok(d.post("/api/v1/service-contracts", json=contract_body(city)), 201)
    assert (k["beneficiaries"], k["months"], k["contracted_visits"], k["contracted_minutes"]) == (3, 3, 36, 2160)
    names = [(b["name"], b["tags"]) for b in k["beneficiaries_list"]]
    assert names == [("服务对象1", ["elderly_alone"]), ("服务对象2", []), ("服务对象3", [])]
    assert not any(key in b for b in k["beneficiaries_list"] for key in ("id_card", "phone", "birth_date"))
    assert ok(city["social_acct"].get(f"/api/v1/service-contracts/{k['id']}"))["can"] == \
        {"beneficiaries": False, "visit": True}
    refused(city["agency_acct"].get(f"/api/v1/service-contracts/{k['id']}"), 404, "not_found", None)
    refused(city["sibling"].get(f"/api/v1/service-contracts/{k['id']}"), 404, "not_found", None)
    assert [x["id"] for x in ok(city["social_acct"].get("/api/v1/service-contracts"))["items"]] == [k["id"]]
    # Beneficiaries added later: the same rule.
    refused(d.post(f"/api/v1/service-contracts/{k['id']}/beneficiaries", json={"person_ids": [city["people"][3]]}),
            400, "validation_failed", "person_ids")
    assert city["social_acct"].post(f"/api/v1/service-contracts/{k['id']}/beneficiaries",
                                    json={"person_ids": [city["people"][0]]}).status_code == 403


def test_visits_and_contract_figures(server, admin, city):
    d, social, grid = city["district"], city["social_acct"], city["grid"]
    k = ok(d.post("/api/v1/service-contracts", json=contract_body(city, org_id=city[TUANAN], unit_id=city["social"],
                                                                  person_ids=city["people"][:1], start_on=f"{YEAR - 1}-11-01",
                                                                  end_on=f"{YEAR - 1}-12-31", amount_fen=500_000)), 201)
    path = f"/api/v1/service-contracts/{k['id']}/visits"
    first = {"person_id": city["people"][0], "visited_on": f"{YEAR - 1}-11-05", "minutes": 50, "content": "助浴",
             "satisfaction": 5}
    refused(social.post(path, json={**first, "person_id": city["people"][1]}), 400, "validation_failed", "person_id")
    refused(social.post(path, json={**first, "visited_on": f"{YEAR}-01-02"}), 400, "validation_failed", "visited_on")
    refused(social.post(path, json={**first, "satisfaction": 6}), 400, "validation_failed", "satisfaction")
    refused(social.post(path, json={**first, "minutes": 0}), 400, "validation_failed", "minutes")
    refused(city["agency_acct"].post(path, json=first), 404, "not_found", None)
    ok(social.post(path, json=first), 201)
    ok(grid.post(path, json={**first, "visited_on": f"{YEAR - 1}-11-20", "minutes": 40, "satisfaction": 4}), 201)
    k = ok(grid.post(path, json={**first, "visited_on": f"{YEAR - 1}-12-03", "minutes": 30, "satisfaction": None}), 201)
    assert (k["contracted_visits"], k["delivered_visits"], k["contracted_minutes"], k["delivered_minutes"],
            k["satisfaction"], k["visit_rate"]) == (8, 3, 480, 120, 4.5, 0.375)
    visits = ok(d.get(path))
    assert visits["total"] == 3 and [v["minutes"] for v in visits["items"]] == [30, 40, 50]
    assert visits["items"][0]["person_name"] == "服务对象1"
    f = ok(d.get("/api/v1/contract-figures", params={"org": city[TUANAN], "year": YEAR - 1}))
    assert {x: f[x] for x in ("contracts", "amount_fen", "beneficiaries", "contracted_visits", "delivered_visits",
                              "delivered_minutes", "satisfaction")} == \
        {"contracts": 1, "amount_fen": 500_000, "beneficiaries": 1, "contracted_visits": 8, "delivered_visits": 3,
         "delivered_minutes": 120, "satisfaction": 4.5}
    assert ok(d.get("/api/v1/contract-figures", params={"org": city[TUANAN], "year": YEAR - 2}))["contracts"] == 0
    assert ok(d.get("/api/v1/responsibility-figures", params={"org": city[TUANAN], "year": YEAR - 1}))["contract"][
        "delivered_visits"] == 3
    assert ok(d.get("/api/v1/service-contracts", params={"org": city[TUANAN], "year": YEAR - 1}))["total"] == 1
    assert ok(d.get("/api/v1/service-contracts", params={"org": city[TUANAN], "year": YEAR - 2}))["total"] == 0
    assert ok(city["auditor"].get(f"/api/v1/service-contracts/{k['id']}"))["can"] == \
        {"beneficiaries": False, "visit": False}
    refused(city["auditor"].post(path, json=first), 403, "forbidden", None)
    # A beneficiary stays: their visits are the provider's record.
    refused(admin.delete(f"/api/v1/persons/{city['people'][0]}"), 409, "not_empty", None)


def test_exports_are_the_lists_and_audited(server, admin, city):
    d, agency = city["district"], city["agency_acct"]
    audit = lambda: admin.get("/api/v1/audit", params={"action": "pairings.exported", "limit": 200}).json()["items"]
    before = len(audit())
    q = {"org": city[SHUSHAN], "year": YEAR}
    listed = ok(d.get("/api/v1/pairings", params={**q, "limit": 200}))["items"]
    r = d.get("/api/v1/pairings/export", params=q)
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][:4] == ["编号", "年度", "结对社区", "结对单位"]
    assert sorted(int(x[0]) for x in rows[1:]) == sorted(x["id"] for x in listed) and len(listed) >= 2
    after = audit()
    assert len(after) == before + 1 and after[0]["summary"]["rows"] == len(listed)
    # The agency's own account exports only its agency's pairings.
    mine = xlsx_rows(agency.get("/api/v1/pairings/export").content)[1:]
    assert {x[3] for x in mine} == {"蜀山区民政局"}
    refused(city["sibling"].get("/api/v1/pairings/export", params={"org": city[TUANAN]}), 404, "not_found", None)
    r = d.get("/api/v1/service-contracts/export", params={"org": city[WULIDUN], "service": "home_elderly_care"})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    listed = ok(d.get("/api/v1/service-contracts", params={"org": city[WULIDUN], "service": "home_elderly_care"}))
    assert len(rows) - 1 == listed["total"] > 0
    assert {row[rows[0].index("服务类别")] for row in rows[1:]} == {"居家养老"}  # the word, not the code
    assert not any("服务对象" in cell for row in rows[1:] for cell in row)  # no beneficiary's name
