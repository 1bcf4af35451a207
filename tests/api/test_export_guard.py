"""Full values need a reason and, in bulk, a permission of their own: a reveal and a
full export name why (kept in the audit row; never an ID or phone number in it);
an export follows every filter of the list; a full export of more residents than
the bulk limit (serve --export-bulk-rows) needs pii.export_bulk (admin only by
default), else 403 and nothing is written."""
import csv
import io

import pytest

from conftest import Server, error_of
from test_people import id_with_check

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"
EXPORT = "/api/v1/persons/export"
BULK = 3  # the bulk limit of the small server


def audit(admin, action):
    return admin.get("/api/v1/audit", params={"action": action, "limit": 200}).json()["items"]


def rows_of(r):
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]


def list_count(client, **params):
    n, after = 0, None
    while True:
        page = client.get("/api/v1/persons", params={**params, "limit": 200, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        n += len(page.json()["items"])
        after = page.json()["next"]
        if after is None:
            return n


@pytest.fixture(scope="module")
def city():
    s = Server(extra_args=("--export-bulk-rows", str(BULK)))
    admin = s.admin()
    longju, tianhai = s.org_id(LONGJU), s.org_id(TIANHAIXIANG)
    people = []
    spec = [("守护甲", longju, ["elderly_alone"]), ("守护乙", longju, ["elderly_alone", "disabled"]),
            ("守护丙", longju, []), ("看护丁", longju, ["elderly_alone"]), ("守护戊", longju, ["disabled"]),
            ("守护己", tianhai, ["elderly_alone"])]
    for i, (name, org, tags) in enumerate(spec):
        r = admin.post("/api/v1/persons", json={"org_id": org, "name": name, "tags": tags,
                                                "id_card": id_with_check(f"34010419600101{i + 700:03d}"),
                                                "phone": f"1395678{i:04d}"})
        assert r.status_code == 201, r.text
        people.append(r.json())
    staff = s.make_user(admin, "guard-staff", "org_staff", longju)
    yield {"s": s, "admin": admin, "staff": staff, "longju": longju, "tianhai": tianhai, "people": people}
    assert s.close() == 0, s.stderr


def test_export_rows_equal_the_list_for_every_filter(city):
    staff, admin, longju = city["staff"], city["admin"], city["longju"]
    combos = [{"tag": "elderly_alone"}, {"org": longju, "tag": "elderly_alone"}, {"tag": "disabled", "q": "守护"},
              {"q": "看护"}, {"org": longju}, {"tag": "elderly_alone", "phone_tail": "0001"},
              {"org": city["tianhai"], "tag": "elderly_alone"}]
    for client in (staff, admin):
        for params in combos:
            try:
                want = list_count(client, **params)
            except AssertionError:
                assert client is staff and params.get("org") == city["tianhai"]
                continue
            got = rows_of(client.get(EXPORT, params=params))
            assert len(got) == want, (params, want, len(got))
    # 独居老人 in Longju, as the console filters them: only those rows.
    names = sorted(r[0] for r in rows_of(staff.get(EXPORT, params={"org": longju, "tag": "elderly_alone"})))
    assert names == ["守护乙", "守护甲", "看护丁"]


def test_reveal_and_full_export_need_a_reason(city):
    staff, admin, p = city["staff"], city["admin"], city["people"][0]
    before_reveals, before_exports = len(audit(admin, "person.revealed")), len(audit(admin, "persons.exported"))
    for body in ({"field": "id_card"}, {"field": "id_card", "reason": None}, {"field": "id_card", "reason": "看"},
                 {"field": "id_card", "reason": "    "}):
        r = staff.post(f"/api/v1/persons/{p['id']}/reveal", json=body)
        assert r.status_code == 400 and error_of(r)["field"] == "reason", (body, r.text)
    for reason in ("核对 13956780000 的身份", "按 340104196001010 查", "回电 139-5678-0000"):
        r = staff.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "phone", "reason": reason})
        assert r.status_code == 400, (reason, r.text)
        e = error_of(r)
        assert (e["code"], e["field"]) == ("reason_personal_data", "reason"), e
        assert "1395678" not in r.text and "340104" not in r.text  # the error repeats nothing of it
    for params in ({"reveal": 1, "tag": "disabled"}, {"reveal": 1, "tag": "disabled", "reason": "看"},
                   {"reveal": 1, "tag": "disabled", "reason": "联系 13956780001"}):
        r = staff.get(EXPORT, params=params)
        assert r.status_code == 400 and error_of(r)["field"] == "reason", (params, r.text)
    assert len(audit(admin, "person.revealed")) == before_reveals
    assert len(audit(admin, "persons.exported")) == before_exports
    # A masked export needs no reason.
    assert staff.get(EXPORT, params={"tag": "disabled"}).status_code == 200


def test_reasons_are_in_the_audit_rows_and_filters_without_personal_values(city):
    staff, admin, p = city["staff"], city["admin"], city["people"][0]
    r = staff.post(f"/api/v1/persons/{p['id']}/reveal", json={"field": "id_card", "reason": "2026-12-06 上门核实"})
    assert r.status_code == 200 and r.json()["value"] == p_full(city, 0), r.text
    row = audit(admin, "person.revealed")[0]
    assert row["summary"] == {"field": "id_card", "reason": "2026-12-06 上门核实"}
    full = id_with_check("34010419600101701")
    r = staff.get(EXPORT, params={"reveal": 1, "reason": "低保复核名单", "id_card": full, "phone_tail": "0001"})
    got = rows_of(r)
    assert [x[3] for x in got] == [full]
    row = audit(admin, "persons.exported")[0]
    s = row["summary"]
    assert (s["reason"], s["revealed"], s["rows"]) == ("低保复核名单", True, 1), s
    assert s["query"] == {"reveal": 1, "id_card": True, "phone_tail": True}, s
    text = str(row)
    assert full not in text and "0001" not in text


def p_full(city, i):
    return id_with_check(f"34010419600101{i + 700:03d}")


def test_full_export_over_the_bulk_limit_needs_its_permission(city):
    staff, admin, longju = city["staff"], city["admin"], city["longju"]
    assert "pii.export_bulk" not in staff.get("/api/v1/auth/me").json()["user"]["permissions"]
    assert "pii.export_bulk" in admin.get("/api/v1/auth/me").json()["user"]["permissions"]
    before = len(audit(admin, "persons.exported"))
    many = {"org": longju, "reveal": 1, "reason": "年度复核"}  # 5 residents > 3
    r = staff.get(EXPORT, params=many)
    assert r.status_code == 403, r.text
    e = error_of(r)
    assert (e["code"], e["field"]) == ("export_bulk_forbidden", "reveal"), e
    assert "Content-Disposition" not in r.headers
    assert len(audit(admin, "persons.exported")) == before  # nothing written
    # Within the limit, or masked, staff export as before; admin exports any number in full.
    assert len(rows_of(staff.get(EXPORT, params={**many, "tag": "elderly_alone"}))) == 3
    assert len(rows_of(staff.get(EXPORT, params={"org": longju}))) == 5
    got = rows_of(admin.get(EXPORT, params=many))
    assert len(got) == 5 and all("*" not in x[3] for x in got)
    assert len(audit(admin, "persons.exported")) == before + 3


def test_bulk_limit_at_its_default(server, admin):
    """The default limit, 1,000: 1,001 residents exported in full by org_staff are refused, by admin sent."""
    lines = ["姓名,身份证号,组织编码"]
    for i in range(1001):
        lines.append(f"千人{i},{id_with_check(f'340104{1950 + i // 1000}0101{i % 1000:03d}')},{LONGJU}")
    r = admin.post("/api/v1/persons/import", data=("\r\n".join(lines) + "\r\n").encode(),
                   headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["imported"] == 1001, r.text[:300]
    staff = server.make_user(admin, "guard-default-staff", "org_staff", server.org_id(LONGJU))
    params = {"q": "千人", "reveal": 1, "reason": "年度复核"}
    r = staff.get(EXPORT, params=params)
    assert r.status_code == 403 and error_of(r)["code"] == "export_bulk_forbidden", r.text
    assert len(rows_of(staff.get(EXPORT, params={"q": "千人"}))) == 1001
    assert len(rows_of(staff.get(EXPORT, params={"q": "千人1", "reveal": 1, "reason": "年度复核"}))) == 112
    assert len(rows_of(admin.get(EXPORT, params=params))) == 1001
