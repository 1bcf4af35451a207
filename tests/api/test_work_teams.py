"""驻村工作队 (work teams: composition rule, attendance norm, 民情日记, village analyses) and the
poverty ledger (建档立卡户: exit conditions, status changes, masking/reveal/audit), with their kept
yearly figures (workteam., poverty.) checked against known answers and `jiceng figures verify`.
One server for the module."""
import datetime

import pytest

from conftest import error_of, id_with_check, ok, run_cli, xlsx_rows

VILLAGE, VILLAGE2, TOWN, LUYANG = "340103100200", "340103100201", "340103100", "340103"
FAR_VILLAGE, FAR_COUNTY, COMMUNITY = "340123106210", "340123", "340104006001"
YEAR = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().year


def refused(r, status, code, field=None):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e
    return e


def figures(admin, org, prefix):
    rows = ok(admin.get(f"/api/v1/orgs/{org}/year-figures", params={"prefix": prefix}))
    rows = rows["figures"]
    return {(r["year"], r["figure"]): r["total"] for r in rows}


def verify(server):
    p = run_cli("figures", "verify", "--db", server.db)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {c: server.org_id(c) for c in (VILLAGE, VILLAGE2, TOWN, LUYANG, FAR_VILLAGE, FAR_COUNTY, COMMUNITY)}
    city_id = server.org_id("3401")
    ids["city"] = city_id
    norm = lambda key, year, value: ok(admin.post("/api/v1/norms", json={"org_id": city_id, "key": key,
                                                                           "year_from": year, "value": value}), 201)
    norm("workteam.days_min", 2015, 20)
    norm("workteam.term_years", 2015, 3)
    norm("poverty.line", 2015, 3000)
    norm("poverty.line", 2020, 4000)
    ids["staff"] = server.make_user(admin, "wt-county", "org_staff", ids[LUYANG])
    ids["far"] = server.make_user(admin, "wt-far", "org_staff", ids[FAR_COUNTY])
    ids["grid"] = server.make_user(admin, "wt-grid", "grid_worker", ids[VILLAGE])
    ids["auditor"] = server.make_user(admin, "wt-auditor", "auditor", ids[LUYANG])
    people = []
    for seq, org in enumerate((VILLAGE,) * 6 + (FAR_VILLAGE,), start=1):
        p = ok(admin.post("/api/v1/persons", json={"org_id": ids[org], "name": f"村民{seq}",
                                                   "id_card": id_with_check(f"34010319700101{seq:03d}"),
                                                   "phone": f"1390000{seq:04d}"}), 201)
        people.append(p["id"])
    ids["people"] = people
    ids["unit"] = ok(admin.post("/api/v1/units", json={"org_id": ids[LUYANG], "name": "庐阳区农业农村局",
                                                       "type": "agency"}), 201)["id"]
    return ids


def new_team(c, city, **kw):
    return c.post("/api/v1/work-teams", json={"org_id": city[VILLAGE], "year_from": 2015, **kw})


def test_team_term_and_composition_rule(server, admin, city):
    staff, p = city["staff"], city["people"]
    t = ok(new_team(staff, city), 201)
    assert (t["year_from"], t["year_to"]) == (2015, 2017)  # the term norm: 3 years
    assert t["complete"] is False and t["missing"] == ["leader", "township_contact"]
    f = figures(admin, city[VILLAGE], "workteam.")
    assert f[(2015, "workteam.n")] == 1 and f[(2017, "workteam.n")] == 1 and (2018, "workteam.n") not in f
    assert (2015, "workteam.complete") not in f
    m = ok(staff.post(f"/api/v1/work-teams/{t['id']}/members",
                      json={"person_id": p[0], "role": "first_secretary", "unit_level": "city",
                            "unit_name": "合肥市农业农村局"}), 201)
    assert m["missing"] == ["township_contact"] and m["members_list"][0]["unit_name"] == "合肥市农业农村局"
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": p[1], "role": "secretary"}),
            409, "conflict", "role")
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": p[0], "role": "member"}),
            409, "conflict", "person_id")
    ok(staff.post(f"/api/v1/work-teams/{t['id']}/members",
                  json={"person_id": p[1], "role": "member", "unit_level": "county", "unit_id": city["unit"]}), 201)
    m = ok(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": p[2], "role": "township_contact"}),
           201)
    assert m["complete"] is True and m["missing"] == [] and m["members"] == 3
    assert [x["unit_name"] for x in m["members_list"]][1] == "庐阳区农业农村局"
    f = figures(admin, city[VILLAGE], "workteam.")
    assert f[(2016, "workteam.complete")] == 1
    assert figures(admin, city["city"], "workteam.")[(2016, "workteam.complete")] == 1  # summed up the tree
    # Removing the contact makes it incomplete again.
    contact = [x for x in m["members_list"] if x["role"] == "township_contact"][0]["id"]
    m = ok(staff.delete(f"/api/v1/work-team-members/{contact}"))
    assert m["complete"] is False and m["missing"] == ["township_contact"]
    assert (2016, "workteam.complete") not in figures(admin, city[VILLAGE], "workteam.")
    ok(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": p[2], "role": "township_contact"}), 201)
    # Lists: by year and completeness; the export.
    items = ok(staff.get("/api/v1/work-teams", params={"org": city[LUYANG], "year": 2017}))["items"]
    assert [i["id"] for i in items] == [t["id"]] and items[0]["complete"] is True
    assert ok(staff.get("/api/v1/work-teams", params={"org": city[LUYANG], "year": 2018}))["items"] == []
    assert ok(staff.get("/api/v1/work-teams", params={"org": city[LUYANG], "complete": "0"}))["items"] == []
    r = staff.get("/api/v1/work-teams/export", params={"org": city[LUYANG]})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][:3] == ["编号", "村", "任期起"] and rows[1][1] == "大杨村" and rows[1][6] == "是"
    verify(server)


def test_team_bad_input_roles_and_scope(server, admin, city):
    staff, far, grid, auditor = city["staff"], city["far"], city["grid"], city["auditor"]
    refused(staff.post("/api/v1/work-teams", json={"org_id": city[TOWN], "year_from": 2015}), 400,
            "validation_failed", "org_id")
    refused(new_team(staff, city, year_from=2018, year_to=2016), 400, "validation_failed", "year_to")
    refused(new_team(staff, city, year_from=1999), 400, "validation_failed", "year_from")
    refused(far.post("/api/v1/work-teams", json={"org_id": city[VILLAGE], "year_from": 2015}), 404, "not_found",
            "org_id")
    assert grid.post("/api/v1/work-teams", json={"org_id": city[VILLAGE], "year_from": 2015}).status_code == 403
    assert auditor.post("/api/v1/work-teams", json={"org_id": city[VILLAGE], "year_from": 2015}).status_code == 403
    t = ok(new_team(staff, city, year_from=2021, year_to=2021), 201)
    assert far.get(f"/api/v1/work-teams/{t['id']}").status_code == 404
    assert far.get(f"/api/v1/work-teams/{t['id']}/members").status_code == 404
    assert auditor.get(f"/api/v1/work-teams/{t['id']}").status_code == 200
    # A member the caller may not read: 404 naming person_id; an unknown role: 400.
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/members",
                       json={"person_id": city["people"][6], "role": "member"}), 404, "not_found", "person_id")
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": city["people"][0], "role": "boss"}),
            400, "validation_failed", "role")
    # No term norm in that year: year_to must be given.
    refused(new_team(staff, city, year_from=2012), 409, "conflict", "year_to")
    # Deleting: refused while members remain.
    ok(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": city["people"][3], "role": "member"}),
       201)
    refused(staff.delete(f"/api/v1/work-teams/{t['id']}"), 409, "conflict")
    verify(server)


def test_attendance_against_the_norm(server, admin, city):
    staff = city["staff"]
    t = ok(new_team(staff, city, org_id=city[VILLAGE2], year_from=2016), 201)
    a = ok(staff.post(f"/api/v1/work-teams/{t['id']}/members", json={"person_id": city["people"][4],
                                                                     "role": "first_secretary"}), 201)
    member = a["members_list"][0]["id"]
    for month, days in (("2016-03", 22), ("2016-04", 19), ("2017-01", 20), ("2017-02", 3)):
        r = ok(staff.post(f"/api/v1/work-teams/{t['id']}/attendance", json={"member_id": member, "month": month,
                                                                            "days": days}))
    assert [(i["month"], i["short"]) for i in r["items"]] == [("2017-01", False), ("2017-02", True)]
    assert r["days_min"] == {"2017": 20}
    ok(staff.post(f"/api/v1/work-teams/{t['id']}/attendance", json={"member_id": member, "month": "2016-03",
                                                                    "days": 10}))  # corrected: now short
    f = figures(admin, city[VILLAGE2], "workteam.")
    assert (f[(2016, "workteam.attendance_months")], f[(2016, "workteam.attendance_short")]) == (2, 2)
    assert (f[(2017, "workteam.attendance_months")], f[(2017, "workteam.attendance_short")]) == (2, 1)
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/attendance", json={"member_id": member, "month": "2019-01",
                                                                         "days": 20}), 400, "validation_failed", "month")
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/attendance", json={"member_id": member, "month": "2016-13",
                                                                         "days": 20}), 400, "validation_failed", "month")
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/attendance", json={"member_id": member, "month": "2016-05",
                                                                         "days": 32}), 400, "validation_failed", "days")
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/attendance", json={"member_id": 999999, "month": "2016-05",
                                                                         "days": 20}), 400, "validation_failed",
            "member_id")
    # Raising the norm reclassifies the months it applies to.
    ok(admin.post("/api/v1/norms", json={"org_id": city["city"], "key": "workteam.days_min", "year_from": 2017,
                                         "value": 21}), 201)
    assert figures(admin, city[VILLAGE2], "workteam.")[(2017, "workteam.attendance_short")] == 2
    verify(server)


def test_visits_and_analyses(server, admin, city):
    staff, far = city["staff"], city["far"]
    t = ok(staff.get("/api/v1/work-teams", params={"org": city[VILLAGE], "year": 2015}))["items"][0]
    v = ok(staff.post(f"/api/v1/work-teams/{t['id']}/visits",
                      json={"kind": "old_member", "visited_on": "2016-05-04",
                            "note": "老党员反映道路问题，电话13912345678"}), 201)
    assert "13912345678" not in v["note"] and "***" in v["note"]
    refused(staff.post(f"/api/v1/work-teams/{t['id']}/visits", json={"kind": "tourist", "visited_on": "2016-05-04",
                                                                      "note": "x"}), 400, "validation_failed", "kind")
    items = ok(staff.get(f"/api/v1/work-teams/{t['id']}/visits", params={"kind": "old_member"}))["items"]
    assert len(items) == 1 and items[0]["kind"] == "old_member"
    a = ok(staff.post("/api/v1/village-analyses", json={"org_id": city[VILLAGE], "year": 2016, "problems": "集体经济薄弱",
                                                         "advantages": "靠近城区", "funds_sought": 1200000,
                                                         "projects": "光伏电站"}), 201)
    refused(staff.post("/api/v1/village-analyses", json={"org_id": city[VILLAGE], "year": 2016}), 409, "conflict",
            "year")
    refused(staff.post("/api/v1/village-analyses", json={"org_id": city[COMMUNITY], "year": 2016}), 404, "not_found",
            "org_id")
    refused(admin.post("/api/v1/village-analyses", json={"org_id": city[COMMUNITY], "year": 2016}), 400,
            "validation_failed", "org_id")
    refused(staff.post("/api/v1/village-analyses", json={"org_id": city[VILLAGE], "year": 2017, "funds_sought": -1}),
            400, "validation_failed", "funds_sought")
    assert ok(staff.get("/api/v1/village-analyses", params={"org": city[LUYANG], "year": 2016}))["items"][0]["id"] == a["id"]
    assert far.get(f"/api/v1/village-analyses/{a['id']}").status_code == 404


def household_body(city, head, **kw):
    return {"org_id": city[VILLAGE], "head_person_id": head, "helper_person_id": city["people"][0],
            "attribute": "dibao", "cause": "illness", "size": 3, "year_in": 2015, **kw}


EXIT_OK = {"food_clothing": True, "housing": True, "education": True, "medical_insurance": True}


def test_poverty_exit_conditions_and_status(server, admin, city):
    staff, grid, p = city["staff"], city["grid"], city["people"]
    h = ok(staff.post("/api/v1/poverty-households", json=household_body(city, p[3])), 201)
    assert h["status"] == "not_exited" and h["head_name"] == "村民4"
    refused(staff.post("/api/v1/poverty-households", json=household_body(city, p[3])), 409, "conflict",
            "head_person_id")
    refused(staff.post("/api/v1/poverty-households", json=household_body(city, p[4], attribute="rich")), 400,
            "validation_failed", "attribute")
    refused(staff.post("/api/v1/poverty-households", json=household_body(city, p[4], org_id=city[VILLAGE2])), 400,
            "validation_failed", "head_person_id")  # the head lives in another village
    refused(staff.post(f"/api/v1/poverty-households/{h['id']}/incomes", json={"year": 2014, "per_capita": 2000}), 400,
            "validation_failed", "year")
    for year, income in ((2015, 2500), (2016, 3600), (2017, 4200)):
        ok(staff.post(f"/api/v1/poverty-households/{h['id']}/incomes", json={"year": year, "per_capita": income}))
    f = figures(admin, city[VILLAGE], "poverty.")
    assert f[(2015, "poverty.households")] == 1 and f[(2017, "poverty.not_exited")] == 1
    # Exit refused: income not above the line in 2015 and no safe housing.
    e = refused(staff.post(f"/api/v1/poverty-households/{h['id']}/exit",
                           json={"on": "2015-12-20", **EXIT_OK, "housing": False, "version": h["version"]}),
                409, "exit_conditions_unmet")
    assert e["missing"] == ["income", "housing"]
    e = refused(staff.post(f"/api/v1/poverty-households/{h['id']}/exit",
                           json={"on": "2018-06-01", **EXIT_OK, "version": h["version"]}), 409, "exit_conditions_unmet")
    assert e["missing"] == ["income"]  # no income recorded for 2018
    assert grid.post(f"/api/v1/poverty-households/{h['id']}/exit",
                     json={"on": "2016-12-20", **EXIT_OK, "version": h["version"]}).status_code == 403
    r = ok(staff.post(f"/api/v1/poverty-households/{h['id']}/exit",
                      json={"on": "2016-12-20", **EXIT_OK, "version": h["version"]}))
    assert r["household"]["status"] == "exited" and r["changes"][0]["line"] == 3000
    assert r["changes"][0]["conditions"]["housing"] is True
    refused(staff.post(f"/api/v1/poverty-households/{h['id']}/exit",
                       json={"on": "2017-01-20", **EXIT_OK, "version": r["household"]["version"]}), 409,
            "invalid_transition", "status")
    f = figures(admin, city[VILLAGE], "poverty.")
    assert f[(2015, "poverty.not_exited")] == 1 and (2015, "poverty.exited") not in f
    assert f[(2016, "poverty.exited")] == 1 and f[(2017, "poverty.exited")] == 1
    refused(staff.post(f"/api/v1/poverty-households/{h['id']}/return",
                       json={"on": "2016-01-01", "version": r["household"]["version"]}), 400, "validation_failed", "on")
    r = ok(staff.post(f"/api/v1/poverty-households/{h['id']}/return",
                      json={"on": "2017-09-01", "note": "因病返贫", "version": r["household"]["version"]}))
    assert r["household"]["status"] == "returned"
    f = figures(admin, city[VILLAGE], "poverty.")
    assert f[(2016, "poverty.exited")] == 1 and f[(2017, "poverty.returned")] == 1 and (2017, "poverty.exited") not in f
    assert ok(staff.get("/api/v1/poverty-households", params={"org": city[LUYANG], "status": "returned"}))["items"][0][
        "id"] == h["id"]
    assert ok(staff.get("/api/v1/poverty-households", params={"org": city[LUYANG], "status": "exited"}))["items"] == []
    refused(staff.delete(f"/api/v1/poverty-households/{h['id']}"), 409, "conflict")
    v = ok(staff.post(f"/api/v1/poverty-households/{h['id']}/visits",
                      json={"visited_on": "2017-10-01", "visitor_person_id": p[0], "note": "走访了解病情"}), 201)
    assert v["visitor_name"] == "村民1"
    assert len(ok(staff.get(f"/api/v1/poverty-households/{h['id']}/visits"))["items"]) == 1
    verify(server)


def test_poverty_masking_reveal_audit(server, admin, city):
    staff, far, grid, auditor, p = city["staff"], city["far"], city["grid"], city["auditor"], city["people"]
    idc, phone = id_with_check("34010319700101006"), "13900000006"
    h = ok(staff.post("/api/v1/poverty-households", json=household_body(city, p[5], attribute="tekun")), 201)
    assert h["id_card"] == idc[:4] + "*" * 13 + idc[-1:] and h["phone"] == "139****0006"
    listed = staff.get("/api/v1/poverty-households", params={"org": city[VILLAGE]}).text
    assert idc not in listed and phone not in listed
    r = staff.get("/api/v1/poverty-households/export", params={"org": city[VILLAGE]})
    assert r.status_code == 200 and idc.encode() not in r.content
    rows = xlsx_rows(r.content)
    assert "身份证号" in rows[0] and any("特困供养贫困户" in row for row in rows[1:])
    refused(staff.post(f"/api/v1/poverty-households/{h['id']}/reveal", json={"field": "id_card", "reason": "x"}), 400,
            "validation_failed", "reason")
    refused(staff.post(f"/api/v1/poverty-households/{h['id']}/reveal",
                       json={"field": "id_card", "reason": "核对 13912345678"}), 400, "reason_personal_data", "reason")
    assert auditor.post(f"/api/v1/poverty-households/{h['id']}/reveal",
                        json={"field": "id_card", "reason": "入户核实"}).status_code == 403
    assert far.post(f"/api/v1/poverty-households/{h['id']}/reveal",
                    json={"field": "id_card", "reason": "入户核实"}).status_code == 404
    assert far.get(f"/api/v1/poverty-households/{h['id']}").status_code == 404
    r = ok(grid.post(f"/api/v1/poverty-households/{h['id']}/reveal", json={"field": "id_card", "reason": "入户核实"}))
    assert r["value"] == idc
    assert ok(staff.post(f"/api/v1/poverty-households/{h['id']}/reveal",
                         json={"field": "phone", "reason": "电话回访"}))["value"] == phone
    rows = ok(admin.get("/api/v1/audit", params={"action": "poverty_household.revealed", "entity_id": h["id"]}))["items"]
    assert [x["summary"] for x in rows] == [{"field": "phone", "reason": "电话回访"},
                                            {"field": "id_card", "reason": "入户核实"}]
    audit = admin.get("/api/v1/audit", params={"entity": "poverty_household", "entity_id": h["id"]}).text
    assert idc not in audit and phone not in audit
    # Incomes are read with people.read only.
    assert auditor.get(f"/api/v1/poverty-households/{h['id']}/incomes").status_code == 200
    assert far.get(f"/api/v1/poverty-households/{h['id']}/incomes").status_code == 404
    verify(server)
