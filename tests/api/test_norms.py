"""Norms (规则参数): values issued by a node from a year on, checked against their key's form,
and which one applies at a node in a year."""
import json

import pytest

from conftest import error_of

CITY, SHUSHAN, LONGJU, YAOHAI, TIANHAIXIANG = "3401", "340104", "340104006006", "340102", "340102001001"


@pytest.fixture(scope="module")
def ids(server):
    return {code: server.org_id(code) for code in (CITY, SHUSHAN, LONGJU, YAOHAI, TIANHAIXIANG)}


def issue(client, org, key, year, value, basis=None):
    body = {"org_id": org, "key": key, "year_from": year, "value": value}
    if basis:
        body["basis"] = basis
    return client.post("/api/v1/norms", json=body)


def applying(client, org, year, key):
    r = client.get("/api/v1/norms/effective", params={"org": org, "year": year})
    assert r.status_code == 200, r.text
    return next(i["norm"] for i in r.json()["items"] if i["key"] == key)


def test_the_nearest_issuer_latest_year_applies(server, admin, ids):
    key = "wish.value_cap_fen"
    city = issue(admin, ids[CITY], key, 2014, 20000, basis="合组〔2014〕示例号")
    assert city.status_code == 201, city.text
    assert (city.json()["value"], city.json()["org_name"], city.json()["basis"]) == (20000, "合肥市", "合组〔2014〕示例号")
    assert issue(admin, ids[SHUSHAN], key, 2025, 50000).status_code == 201
    # Before anyone issued it: nothing applies.
    assert applying(admin, ids[LONGJU], 2013, key) is None
    got = applying(admin, ids[LONGJU], 2024, key)
    assert (got["value"], got["org_id"], got["year_from"]) == (20000, ids[CITY], 2014)
    got = applying(admin, ids[LONGJU], 2025, key)
    assert (got["value"], got["org_id"], got["year_from"]) == (50000, ids[SHUSHAN], 2025)
    assert applying(admin, ids[TIANHAIXIANG], 2025, key)["value"] == 20000
    # The city raises it from 2026: the district's own rule still applies in its subtree.
    assert issue(admin, ids[CITY], key, 2026, 100000).status_code == 201
    assert applying(admin, ids[LONGJU], 2026, key)["value"] == 50000
    assert applying(admin, ids[TIANHAIXIANG], 2026, key)["value"] == 100000
    assert applying(admin, ids[TIANHAIXIANG], 2025, key)["value"] == 20000
    # Every key of the catalogue is answered, in force or not.
    keys = admin.get("/api/v1/enums").json()["norm_keys"]
    r = admin.get("/api/v1/norms/effective", params={"org": ids[LONGJU], "year": 2025}).json()
    assert [i["key"] for i in r["items"]] == keys and (r["org_id"], r["year"]) == (ids[LONGJU], 2025)
    assert [k["key"] for k in admin.get("/api/v1/norm-keys").json()["items"]] == keys


def test_update_checks_the_version_and_the_value_and_is_audited(server, admin, ids):
    key = "assessment.weights"
    n = issue(admin, ids[CITY], key, 2020, {"party_building": 50, "development": 50}).json()
    r = admin.patch(f"/api/v1/norms/{n['id']}", json={"value": {"party_building": 60, "development": 40},
                                                       "version": n["version"]})
    assert r.status_code == 200 and r.json()["value"] == {"party_building": 60, "development": 40}, r.text
    r = admin.patch(f"/api/v1/norms/{n['id']}", json={"value": {"party_building": 70, "development": 30},
                                                       "version": n["version"]})
    assert r.status_code == 409 and error_of(r)["code"] == "version_conflict"
    # The value is checked against the norm's own key, which an update does not change.
    r = admin.patch(f"/api/v1/norms/{n['id']}", json={"value": 50})
    assert r.status_code == 400 and error_of(r)["field"] == "value"
    r = admin.patch(f"/api/v1/norms/{n['id']}", json={"key": "review.satisfaction_floor"})
    assert r.status_code == 400 and error_of(r)["field"] == "key"
    assert admin.get(f"/api/v1/norms/{n['id']}").json()["value"] == {"party_building": 60, "development": 40}
    rows = admin.get("/api/v1/audit", params={"action": "norm.updated", "limit": 5}).json()["items"]
    assert any(row["entity_id"] == n["id"] for row in rows), rows
    assert admin.delete(f"/api/v1/norms/{n['id']}").status_code == 204
    assert admin.get(f"/api/v1/norms/{n['id']}").status_code == 404
    assert applying(admin, ids[LONGJU], 2025, key) is None


GOOD = {
    "review.grade_bands": [{"grade": "good", "min": 90}, {"grade": "fairly_good", "min": 80},
                           {"grade": "average", "min": 60}, {"grade": "poor", "min": 0}],
    "review.grade_points": {"good": 100, "fairly_good": 80, "average": 60, "poor": 0},
    "volunteer.star_hours": [100, 300, 600, 1000, 1500],
    "review.satisfaction_floor": 50,
}

BAD = [
    ("assessment.weights", {"party_building": 50, "development": 49}),      # not 100 in all
    ("assessment.weights", {"party_building": 100}),                        # a share missing
    ("assessment.weights", {"party_building": 50, "development": 50, "x": 0}),
    ("review.grade_points", {"good": 101, "fairly_good": 80, "average": 60, "poor": 0}),
    ("review.grade_bands", GOOD["review.grade_bands"][:3]),                  # a grade missing
    ("review.grade_bands", [dict(b, min=m) for b, m in zip(GOOD["review.grade_bands"], [90, 90, 60, 0])]),
    ("review.grade_bands", [dict(b, min=m) for b, m in zip(GOOD["review.grade_bands"], [90, 80, 60, 10])]),
    ("review.grade_bands", list(reversed(GOOD["review.grade_bands"]))),
    ("review.grade_bands", [dict(b, extra=1) for b in GOOD["review.grade_bands"]]),
    ("volunteer.star_hours", [100, 300, 300]),                              # not ascending
    ("volunteer.star_hours", []),
    ("volunteer.star_hours", list(range(1, 12))),
    ("review.satisfaction_floor", 101),
    ("review.satisfaction_floor", "50"),
    ("review.satisfaction_floor", [50]),
    ("wish.value_cap_fen", -1),
    ("village.income_bands", [{"grade": "strong", "min": 100000}, {"grade": "general", "min": 50000},
                              {"grade": "shell", "min": 20000}, {"grade": "weak", "min": 0}]),  # grades out of order
]


def test_values_have_their_keys_form(server, admin, ids):
    org = ids[YAOHAI]
    for key, value in BAD:
        r = issue(admin, org, key, 2024, value)
        assert r.status_code == 400, (key, value, r.text)
        assert (error_of(r)["code"], error_of(r)["field"]) == ("validation_failed", "value"), (key, value)
    r = issue(admin, org, "assessment.weights", 2024, {"party_building": 1, "development": 99, "pad": "x" * 2000})
    assert r.status_code == 400 and error_of(r)["field"] == "value"
    r = issue(admin, org, "no.such_key", 2024, 1)
    assert r.status_code == 400 and error_of(r)["field"] == "key"
    r = issue(admin, org, "review.satisfaction_floor", 1999, 50)
    assert r.status_code == 400 and error_of(r)["field"] == "year_from"
    assert admin.get("/api/v1/norms", params={"org": org}).json()["items"] == []
    for key, value in GOOD.items():
        r = issue(admin, org, key, 2024, value)
        assert r.status_code == 201 and r.json()["value"] == value, r.text
        assert applying(admin, ids[TIANHAIXIANG], 2030, key)["value"] == value
    # One norm per node, key and year.
    r = issue(admin, org, "review.satisfaction_floor", 2024, 60)
    assert r.status_code == 409 and (error_of(r)["code"], error_of(r)["field"]) == ("conflict", "year_from")
    page = admin.get("/api/v1/norms", params={"org": org, "key": "review.grade_bands"}).json()
    assert [n["value"] for n in page["items"]] == [GOOD["review.grade_bands"]] and page["total"] == 1
    # The stored text is the value, not the request's spelling of it.
    assert json.loads(json.dumps(page["items"][0]["value"])) == GOOD["review.grade_bands"]


def test_who_issues_and_who_reads(server, admin, ids):
    staff = server.make_user(admin, "norm-yaohai-staff", "org_staff", ids[YAOHAI])
    city_norm = issue(admin, ids[CITY], "inservice.hours_min", 2023, 50).json()
    # A district issues for its own subtree, not for the city or another district.
    assert issue(staff, ids[YAOHAI], "inservice.activities_min", 2024, 4).status_code == 201
    r = issue(staff, ids[CITY], "inservice.activities_min", 2024, 6)
    assert r.status_code == 404 and error_of(r)["field"] == "org_id"
    assert issue(staff, ids[SHUSHAN], "inservice.activities_min", 2024, 6).status_code == 404
    # It sees the city's norm in force at its nodes, but not the city's row itself.
    got = applying(staff, ids[TIANHAIXIANG], 2024, "inservice.hours_min")
    assert (got["value"], got["org_name"]) == (50, "合肥市")
    assert applying(staff, ids[TIANHAIXIANG], 2024, "inservice.activities_min")["value"] == 4
    assert staff.get(f"/api/v1/norms/{city_norm['id']}").status_code == 404
    assert staff.patch(f"/api/v1/norms/{city_norm['id']}", json={"value": 1}).status_code == 404
    assert all(n["org_id"] != ids[CITY] for n in staff.get("/api/v1/norms").json()["items"])
    r = staff.get("/api/v1/norms/effective", params={"org": ids[LONGJU]})
    assert r.status_code == 404 and error_of(r)["field"] == "org"
    assert staff.get("/api/v1/norms/effective").status_code == 400
    resident = server.make_user(admin, "norm-resident", "resident", ids[LONGJU])
    assert resident.get("/api/v1/norms").status_code == 403
    assert resident.get("/api/v1/norms/effective", params={"org": ids[LONGJU]}).status_code == 403
