"""Duty lists (书记抓基层党建责任清单): a list per secretary per year walked from draft to
published by the list's node and the level above, common items issued down, progress
and quarterly reviews, who may do what, and the figures against the rows."""
import datetime

import pytest

from conftest import error_of

CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI = "3401", "340104", "340104006", "340104005", "340102"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()  # the server's day: Asia/Shanghai
YEAR = TODAY.year
PAST = f"{YEAR}-01-01" if TODAY > datetime.date(YEAR, 1, 1) else None
FUTURE = f"{YEAR}-12-31"


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def cadre(admin, org, name, id17, post="书记"):
    p = admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": id_with_check(id17)})
    assert p.status_code == 201, p.text
    r = admin.post("/api/v1/cadres", json={"person_id": p.json()["id"], "org_id": org, "post": post,
                                           "term_start": "2021-01-01"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI)}
    ids["secretary"] = cadre(admin, ids[LONGJU], "龙街书记", "34010419700101851")
    ids["other_secretary"] = cadre(admin, ids[NANGANG], "南街书记", "34010419700101852")
    ids["director"] = cadre(admin, ids[LONGJU], "龙街主任", "34010419700101853", post="主任")
    ids["street"] = server.make_user(admin, "duty-street", "org_staff", ids[LONGJU])
    ids["district"] = server.make_user(admin, "duty-district", "org_staff", ids[SHUSHAN])
    ids["sibling"] = server.make_user(admin, "duty-sibling", "org_staff", ids[YAOHAI])
    ids["resident"] = server.make_user(admin, "duty-resident", "resident", ids[LONGJU])
    return ids


def item(what="抓支部规范化建设", deadline=FUTURE, **kw):
    return {"what": what, "how": "每季度检查一次支部台账", "deadline": deadline, "indicator": "达标率100%", **kw}


def move(client, lst, action, **kw):
    return client.post(f"/api/v1/duty-lists/{lst['id']}/moves",
                       json={"action": action, "version": lst["version"], **kw})


def refused(r, status, code, field):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def test_bad_input_names_the_field_and_changes_nothing(server, admin, city):
    street = city["street"]
    refused(street.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"]}), 400, "validation_failed", "year")
    refused(street.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": 1999}), 400,
            "validation_failed", "year")
    refused(street.post("/api/v1/duty-lists", json={"cadre_id": city["director"], "year": YEAR}), 400,
            "validation_failed", "cadre_id")
    refused(street.post("/api/v1/duty-lists", json={"cadre_id": 10**12, "year": YEAR}), 404, "not_found", "cadre_id")
    refused(street.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": YEAR, "x": 1}), 400,
            "validation_failed", "x")
    refused(admin.post("/api/v1/duty-commons", json={"org_id": city[CITY], "year": YEAR, **item(deadline="2020-13-01")}),
            400, "validation_failed", "deadline")
    refused(admin.post("/api/v1/duty-commons", json={"org_id": city[CITY], "year": YEAR,
                                                     **item(deadline=f"{YEAR - 1}-06-30")}),
            400, "validation_failed", "deadline")
    refused(street.get("/api/v1/duty-lists", params={"state": "signedx"}), 400, "validation_failed", "state")
    refused(street.get("/api/v1/duty-figures", params={"year": YEAR}), 400, "validation_failed", "org")
    assert admin.get("/api/v1/duty-lists", params={"org": city[SHUSHAN]}).json()["items"] == []
    assert admin.get("/api/v1/duty-commons", params={"org": city[CITY]}).json()["items"] == []


def test_a_resident_and_a_sibling_district_are_refused(server, admin, city):
    resident = city["resident"]
    assert resident.get("/api/v1/duty-lists").status_code == 403
    assert resident.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": YEAR - 1}).status_code == 403
    assert resident.get("/api/v1/duty-figures", params={"org": city[LONGJU]}).status_code == 403
    sibling = city["sibling"]
    refused(sibling.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": YEAR - 1}), 404,
            "not_found", "cadre_id")
    lst = city["district"].post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": YEAR - 1})
    assert lst.status_code == 201, lst.text
    lst = lst.json()
    assert sibling.get(f"/api/v1/duty-lists/{lst['id']}").status_code == 404
    assert move(sibling, lst, "submit").status_code == 404
    assert sibling.post(f"/api/v1/duty-lists/{lst['id']}/items",
                        json=item(deadline=f"{YEAR - 1}-12-31")).status_code == 404
    assert sibling.get("/api/v1/duty-lists", params={"org": city[SHUSHAN]}).status_code == 404
    assert sibling.get("/api/v1/duty-lists").json()["items"] == []
    assert sibling.get("/api/v1/duty-figures", params={"org": city[SHUSHAN]}).status_code == 404
    assert admin.get(f"/api/v1/duty-lists/{lst['id']}").json()["state"] == "draft"


def test_the_workflow_by_role_and_state(server, admin, city):
    street, district = city["street"], city["district"]
    # The city issues a common item before the list exists: the list starts with it.
    common = admin.post("/api/v1/duty-commons", json={"org_id": city[CITY], "year": YEAR,
                                                      **item("学习贯彻党的创新理论", secretary_project=True)})
    assert common.status_code == 201 and common.json()["lists"] == 0, common.text
    lst = street.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": YEAR})
    assert lst.status_code == 201, lst.text
    lst = lst.json()
    assert (lst["state"], lst["org_id"], lst["secretary_name"]) == ("draft", city[LONGJU], "龙街书记")
    assert [(i["what"], i["issued"], i["issued_by_org_id"], i["secretary_project"]) for i in lst["items"]] == \
        [("学习贯彻党的创新理论", True, city[CITY], True)]
    assert lst["can"] == {"moves": ["submit"], "edit_items": True, "report_progress": False, "review": False}
    refused(street.post("/api/v1/duty-lists", json={"cadre_id": city["secretary"], "year": YEAR}), 409, "conflict",
            "year")
    # The node's own items; the issued one is not the node's to change or remove.
    r = street.post(f"/api/v1/duty-lists/{lst['id']}/items", json=item("书记领办民生实事", secretary_project=True))
    assert r.status_code == 201, r.text
    if PAST:
        r = street.post(f"/api/v1/duty-lists/{lst['id']}/items", json=item("年初部署", deadline=PAST))
        assert r.status_code == 201, r.text
    refused(street.post(f"/api/v1/duty-lists/{lst['id']}/items", json=item(deadline=f"{YEAR + 1}-01-31")), 400,
            "validation_failed", "deadline")
    refused(street.post(f"/api/v1/duty-lists/{lst['id']}/items", json={"what": "缺少措施", "deadline": FUTURE}), 400,
            "validation_failed", "how")
    lst = r.json()
    issued = next(i for i in lst["items"] if i["issued"])
    own = next(i for i in lst["items"] if i["what"] == "书记领办民生实事")
    refused(street.patch(f"/api/v1/duty-items/{issued['id']}", json={"what": "改掉"}), 403, "forbidden", None)
    refused(street.delete(f"/api/v1/duty-items/{issued['id']}"), 403, "forbidden", None)
    r = street.patch(f"/api/v1/duty-items/{own['id']}", json={"how": "书记每月调度一次", "indicator": None,
                                                             "version": own["version"]})
    assert r.status_code == 200, r.text
    got = next(i for i in r.json()["items"] if i["id"] == own["id"])
    assert (got["how"], got["indicator"], got["what"]) == ("书记每月调度一次", None, "书记领办民生实事")
    refused(street.patch(f"/api/v1/duty-items/{own['id']}", json={"how": "x", "version": own["version"]}), 409,
            "version_conflict", "version")
    extra = street.post(f"/api/v1/duty-lists/{lst['id']}/items", json=item("临时事项")).json()
    gone = next(i for i in extra["items"] if i["what"] == "临时事项")
    assert street.delete(f"/api/v1/duty-items/{gone['id']}").status_code == 204
    lst = street.get(f"/api/v1/duty-lists/{lst['id']}").json()
    assert "临时事项" not in [i["what"] for i in lst["items"]]
    # Draft: the node may not sign; the level above may not review what is not submitted.
    refused(move(street, lst, "sign"), 409, "invalid_transition", "action")
    refused(move(district, lst, "return", reason="x"), 409, "invalid_transition", "action")
    refused(move(street, lst, "submit", version=lst["version"] - 1), 409, "version_conflict", "version")
    r = move(street, lst, "submit")
    assert r.status_code == 200 and r.json()["state"] == "review", r.text
    lst = r.json()
    assert lst["can"]["moves"] == [] and lst["can"]["edit_items"] is False
    refused(street.post(f"/api/v1/duty-lists/{lst['id']}/items", json=item()), 409, "invalid_transition", "state")
    refused(move(street, lst, "sign"), 403, "forbidden", "action")
    refused(move(street, lst, "return", reason="自己退回"), 403, "forbidden", "action")
    assert district.get(f"/api/v1/duty-lists/{lst['id']}").json()["can"]["moves"] == ["return", "sign"]
    refused(move(district, lst, "return"), 400, "validation_failed", "reason")
    r = move(district, lst, "return", reason="请细化“怎么抓”的措施")
    assert r.status_code == 200, r.text
    lst = r.json()
    assert (lst["state"], lst["return_reason"]) == ("draft", "请细化“怎么抓”的措施")
    r = move(street, lst, "submit")
    lst = r.json()
    assert (lst["state"], lst["return_reason"]) == ("review", None)
    r = move(district, lst, "sign")
    assert r.status_code == 200, r.text
    lst = r.json()
    assert lst["state"] == "signed" and lst["signed_at"]
    assert [(e["action"], e["from_state"], e["to_state"], e["reason"]) for e in lst["history"]] == [
        ("submit", "draft", "review", None), ("return", "review", "draft", "请细化“怎么抓”的措施"),
        ("submit", "draft", "review", None), ("sign", "review", "signed", None)]
    assert [e["by_name"] for e in lst["history"]] == ["duty-street", "duty-district", "duty-street", "duty-district"]
    refused(move(district, lst, "sign"), 409, "invalid_transition", "action")
    # The district issues a common item now: the signed list takes it as it stands.
    r = district.post("/api/v1/duty-commons", json={"org_id": city[SHUSHAN], "year": YEAR,
                                                    **item("落实党风廉政建设主体责任")})
    assert r.status_code == 201 and r.json()["lists"] == 1, r.text
    lst = street.get(f"/api/v1/duty-lists/{lst['id']}").json()
    assert [i["issued_by_org_id"] for i in lst["items"] if i["what"] == "落实党风廉政建设主体责任"] == [city[SHUSHAN]]
    refused(street.post("/api/v1/duty-commons", json={"org_id": city[SHUSHAN], "year": YEAR, **item()}), 404,
            "not_found", "org_id")
    # Progress, by the node, once signed.
    assert lst["can"]["report_progress"] is True
    r = street.post(f"/api/v1/duty-items/{own['id']}/progress", json={"note": "已召开专题会", "done": False})
    assert r.status_code == 201, r.text
    r = street.post(f"/api/v1/duty-items/{own['id']}/progress", json={"note": "已完成", "done": True})
    got = next(i for i in r.json()["items"] if i["id"] == own["id"])
    assert got["done"] is True and got["done_at"]
    assert [(g["note"], g["done"]) for g in got["progress"]] == [("已召开专题会", False), ("已完成", True)]
    refused(street.post(f"/api/v1/duty-items/{own['id']}/progress", json={"note": "x"}), 400, "validation_failed",
            "done")
    assert city["sibling"].post(f"/api/v1/duty-items/{own['id']}/progress",
                                json={"note": "x", "done": True}).status_code == 404
    # Quarterly review by the level above.
    refused(street.post(f"/api/v1/duty-lists/{lst['id']}/reviews",
                        json={"quarter": 1, "rating": "good", "comment": "自评"}), 403, "forbidden", None)
    refused(district.post(f"/api/v1/duty-lists/{lst['id']}/reviews",
                          json={"quarter": 5, "rating": "good", "comment": "x"}), 400, "validation_failed", "quarter")
    refused(district.post(f"/api/v1/duty-lists/{lst['id']}/reviews",
                          json={"quarter": 1, "rating": "excellent", "comment": "x"}), 400, "validation_failed",
            "rating")
    r = district.post(f"/api/v1/duty-lists/{lst['id']}/reviews",
                      json={"quarter": 1, "rating": "fairly_good", "comment": "推进有力，书记项目需加快"})
    assert r.status_code == 201, r.text
    refused(district.post(f"/api/v1/duty-lists/{lst['id']}/reviews",
                          json={"quarter": 1, "rating": "good", "comment": "再评"}), 409, "conflict", "quarter")
    assert [(v["quarter"], v["rating"]) for v in r.json()["reviews"]] == [(1, "fairly_good")]
    # The node publishes the signed list; nothing moves after.
    lst = r.json()
    r = move(street, lst, "publish")
    assert r.status_code == 200 and r.json()["state"] == "published" and r.json()["published_at"], r.text
    lst = r.json()
    for a in ("submit", "return", "sign", "publish"):
        refused(move(district, lst, a, reason="x"), 409, "invalid_transition", "action")
    # Every move is audited.
    rows = admin.get("/api/v1/audit", params={"action": "duty_list.moved", "limit": 50}).json()["items"]
    assert sorted((r["summary"]["action"]) for r in rows if r["entity_id"] == lst["id"]) == \
        sorted(["submit", "return", "submit", "sign", "publish"])
    # A draft in the sibling street, one item overdue there when the year allows.
    other = admin.post("/api/v1/duty-lists", json={"cadre_id": city["other_secretary"], "year": YEAR}).json()
    assert [i["issued_by_org_id"] for i in other["items"]] == [city[CITY], city[SHUSHAN]]
    if PAST:
        assert admin.post(f"/api/v1/duty-lists/{other['id']}/items", json=item(deadline=PAST)).status_code == 201


def counted(client, org):
    """The figures counted from the rows: every list of the year at or below org."""
    page = client.get("/api/v1/duty-lists", params={"org": org, "year": YEAR, "limit": 200}).json()
    lists = page["items"]
    assert (page["total"], page["total_capped"]) == (len(lists), False)  # 共 N 条
    want = {"lists": 0, "lists_signed": 0, "lists_draft": 0, "lists_review": 0, "lists_published": 0,
            "items": 0, "items_done": 0, "items_overdue": 0}
    for row in lists:
        lst = client.get(f"/api/v1/duty-lists/{row['id']}").json()
        want["lists"] += 1
        want["lists_signed"] += lst["state"] in ("signed", "published")
        want[f"lists_{lst['state']}"] = want.get(f"lists_{lst['state']}", 0) + (lst["state"] != "signed")
        want["items"] += len(lst["items"])
        want["items_done"] += sum(i["done"] for i in lst["items"])
        want["items_overdue"] += sum(not i["done"] and i["deadline"] < TODAY.isoformat() for i in lst["items"])
        assert (row["items_total"], row["items_done"], row["items_overdue"]) == \
            (len(lst["items"]), sum(i["done"] for i in lst["items"]),
             sum(not i["done"] and i["deadline"] < TODAY.isoformat() for i in lst["items"]))
    return want


def test_figures_are_what_the_rows_say(server, admin, city):
    district = city["district"]
    for org in (CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI):
        f = admin.get("/api/v1/duty-figures", params={"org": city[org], "year": YEAR})
        assert f.status_code == 200, f.text
        f = f.json()
        want = counted(admin, city[org])
        assert {k: f[k] for k in want} == want, (org, f, want)
    f = district.get("/api/v1/duty-figures", params={"org": city[SHUSHAN], "year": YEAR}).json()
    assert (f["lists"], f["lists_signed"], f["lists_published"], f["lists_draft"]) == (2, 1, 1, 1)
    assert f["items_done"] == 1 and f["items_overdue"] == (2 if PAST else 0)
    kids = {k["org_id"]: k for k in f["children"]}
    assert kids[city[LONGJU]]["lists_signed"] == 1 and kids[city[NANGANG]]["lists_draft"] == 1
    assert sum(k["items"] for k in f["children"]) == f["items"]
    # The lists of a state, at the node and below.
    drafts = district.get("/api/v1/duty-lists", params={"org": city[SHUSHAN], "state": "draft", "year": YEAR})
    assert [r["org_id"] for r in drafts.json()["items"]] == [city[NANGANG]] and drafts.json()["total"] == 1
    assert district.get("/api/v1/duty-commons", params={"org": city[SHUSHAN], "year": YEAR}).json()["items"][0][
        "lists"] == 2
