"""Importing residents from CSV (UTF-8 or GBK; all or nothing, or row by row; a
preview; idempotent) and exporting them (masked unless revealed, always audited)."""
import csv
import io

import pytest

from conftest import error_of
from test_people import id_with_check, recount

LONGJU, TIANHAIXIANG = "340104006006", "340102001001"


@pytest.fixture(scope="module")
def longju(server):
    return server.org_id(LONGJU)


def upload(client, text, encoding="utf-8", **params):
    return client.post("/api/v1/persons/import", params=params, data=text.encode(encoding),
                       headers={"Content-Type": "text/csv"})


def good_file(n, start=300):
    lines = ["姓名,身份证号,手机号,组织编码,户地址,与户主关系,标签"]
    for i in range(n):
        lines.append(f"导入{i},{id_with_check(f'34010419900101{start + i:03d}')},1385678{start + i:04d},{LONGJU},"
                     f"龙居小区 {i // 3 + 1} 栋,{'户主' if i % 3 == 0 else '子女'},独居老人;veteran")
    return "\r\n".join(lines) + "\r\n"


def test_import_all_then_again_changes_nothing(server, admin, longju):
    text = good_file(9)
    r = upload(admin, text)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["imported"], body["unchanged"], body["errors"]) == (9, 9, 0, [])
    people = admin.get("/api/v1/persons", params={"org": longju, "q": "导入", "limit": 50}).json()["items"]
    assert len(people) == 9 and all(set(p["tags"]) == {"elderly_alone", "veteran"} for p in people)
    assert len({p["household_id"] for p in people}) == 3
    again = upload(admin, text).json()
    assert (again["imported"], again["unchanged"]) == (0, 9)
    assert len(admin.get("/api/v1/persons", params={"org": longju, "q": "导入", "limit": 50}).json()["items"]) == 9
    want, have = recount(server.db)
    assert want == have


def test_gbk_file(server, admin, longju):
    text = "姓名,身份证号\n国标编码,%s\n" % id_with_check("34010419900202401")
    r = upload(admin, text, encoding="gbk")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "org"  # the admin's scope is no one node
    r = upload(admin, text, encoding="gbk", org=longju)
    assert r.status_code == 200 and r.json()["imported"] == 1
    names = [p["name"] for p in admin.get("/api/v1/persons", params={"q": "国标"}).json()["items"]]
    assert names == ["国标编码"]


def test_bad_rows_reject_the_whole_file_by_default(server, admin, longju):
    before = admin.get(f"/api/v1/orgs/{longju}/stats").json()["people"]
    text = ("name,id_card,phone,org\n"
            f"好人,{id_with_check('34010419900303501')},,\n"
            "坏号,110105194912310021,,\n"
            f"坏电话,{id_with_check('34010419900303502')},123,\n"
            f"越界,{id_with_check('34010419900303503')},,{TIANHAIXIANG}x\n"
            f"重复,{id_with_check('34010419900303501')},,\n")
    r = upload(admin, text, org=longju)
    assert r.status_code == 422
    body = r.json()
    assert error_of(r)["code"] == "import_rejected"
    assert body["rows"] == 5 and body["valid"] == 1
    got = {(e["row"], e["field"]) for e in body["errors"]}
    assert got == {(2, "id_card"), (3, "phone"), (4, "org"), (5, "id_card")}
    assert admin.get(f"/api/v1/orgs/{longju}/stats").json()["people"] == before
    # The preview says the same and writes nothing.
    preview = upload(admin, text, org=longju, dry_run=1)
    assert preview.status_code == 200 and preview.json()["errors"] == body["errors"]
    assert "imported" not in preview.json()
    # Row by row when asked: the good row goes in, the report lists the rest.
    part = upload(admin, text, org=longju, mode="partial")
    assert part.status_code == 200 and part.json()["imported"] == 1 and len(part.json()["errors"]) == 4


def test_import_scope_and_refusals(server, admin, longju):
    staff = server.make_user(admin, "tianhai-importer", "org_staff", server.org_id(TIANHAIXIANG))
    r = upload(staff, "姓名,身份证号,组织编码\n外人,%s,%s\n" % (id_with_check("34010419900404601"), LONGJU))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "org"
    assert staff.post("/api/v1/persons/import", params={"org": longju}, data=b"x",
                      headers={"Content-Type": "text/csv"}).status_code == 404
    assert upload(admin, "only,header\n").status_code == 400
    assert upload(admin, "姓名\n张三\n").status_code == 400  # no ID column
    r = admin.post("/api/v1/persons/import", data=b"\x89PNG\r\n\x1a\n\x00\x00", headers={"Content-Type": "text/csv"})
    assert r.status_code == 400 and error_of(r)["field"] == "file"
    r = admin.post("/api/v1/persons/import", data=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415
    big = b"a" * (10 * 1024 * 1024 + 1)
    assert admin.post("/api/v1/persons/import", data=big, headers={"Content-Type": "text/csv"}).status_code == 413
    t = admin.get("/api/v1/persons/import-template")
    assert t.status_code == 200 and t.headers["Content-Type"].startswith("text/csv")
    assert upload(admin, t.content.decode("utf-8-sig"), dry_run=1).json()["valid"] == 1


def test_export_masked_unless_revealed_and_always_audited(server, admin, longju):
    r = admin.get("/api/v1/persons/export", params={"org": longju})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["姓名", "性别", "出生年份", "身份证号"]
    assert len(rows) > 5 and all("*" in row[3] for row in rows[1:])
    full = admin.get("/api/v1/persons/export", params={"org": longju, "reveal": 1, "reason": "导出核对"})
    frows = list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))
    assert all("*" not in row[3] and len(row[3]) == 18 for row in frows[1:])
    auditor = server.make_user(admin, "export-auditor", "auditor", 1)
    assert auditor.get("/api/v1/persons/export", params={"org": longju, "reveal": 1, "reason": "导出核对"}).status_code == 403
    assert auditor.get("/api/v1/persons/export", params={"org": longju}).status_code == 200
    audit = admin.get("/api/v1/audit", params={"action": "persons.exported"}).json()["items"]
    assert len(audit) == 3 and [a["summary"]["revealed"] for a in audit] == [False, True, False]
    assert all(a["summary"]["rows"] == len(rows) - 1 for a in audit)


def test_import_edges(server, admin, longju):
    idc = id_with_check("34010419900505701")
    first = upload(admin, f"姓名,身份证号,户地址\n边界,{idc},龙居小区 9 栋\n", org=longju)
    assert first.status_code == 200 and first.json()["imported"] == 1
    before = admin.get(f"/api/v1/orgs/{longju}/stats").json()["people"]["households"]
    # The same person with a new address: unchanged, and no empty household appears.
    again = upload(admin, f"姓名,身份证号,户地址\n边界,{idc},别处 1 号\n", org=longju).json()
    assert (again["imported"], again["unchanged"]) == (0, 1)
    assert admin.get(f"/api/v1/orgs/{longju}/stats").json()["people"]["households"] == before
    r = upload(admin, "姓名,身份证号,户地址\n长地址,%s,%s\n" % (id_with_check("34010419900505702"), "址" * 201),
               org=longju)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "address"
    # A row naming a node outside the file's node is refused.
    r = upload(admin, "姓名,身份证号,组织编码\n别处,%s,%s\n" % (id_with_check("34010419900505703"), TIANHAIXIANG),
               org=longju)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "org"
    rows = admin.get("/api/v1/audit", params={"action": "household.created"}).json()["items"]
    assert any(x["summary"].get("via") == "import" for x in rows)


def test_xlsx_export_and_import_round_trip(server, admin, longju):
    r = admin.get("/api/v1/persons/export", params={"org": longju, "reveal": 1, "reason": "导出核对", "format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    import zipfile
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert "xl/worksheets/sheet1.xml" in z.namelist()
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "身份证号" in sheet or "身份证号" in z.read("xl/sharedStrings.xml").decode()
    # Importing the export back changes nothing: everyone is already registered.
    back = admin.post("/api/v1/persons/import", params={"org": longju}, data=r.content,
                      headers={"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    assert back.status_code == 200, back.text
    body = back.json()
    assert body["imported"] == 0 and body["unchanged"] == body["rows"] > 0
    masked = admin.get("/api/v1/persons/export", params={"org": longju, "format": "xlsx"})
    assert masked.status_code == 200
    strings = zipfile.ZipFile(io.BytesIO(masked.content)).read("xl/sharedStrings.xml").decode()
    assert "********" in strings
    bad = admin.post("/api/v1/persons/import", params={"org": longju}, data=b"PK\x03\x04broken",
                     headers={"Content-Type": "text/csv"})
    assert bad.status_code == 400 and error_of(bad)["field"] == "file"
    assert admin.get("/api/v1/persons/export", params={"format": "pdf"}).status_code == 400
    audit = admin.get("/api/v1/audit", params={"action": "persons.exported", "limit": 2}).json()["items"]
    assert [a["summary"]["format"] for a in audit] == ["xlsx", "xlsx"]


def test_xlsx_template_imports(server, admin, longju):
    t = admin.get("/api/v1/persons/import-template", params={"format": "xlsx"})
    assert t.status_code == 200 and t.headers["Content-Type"].endswith("spreadsheetml.sheet")
    r = admin.post("/api/v1/persons/import", params={"org": longju, "dry_run": 1}, data=t.content,
                   headers={"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text
    assert admin.get("/api/v1/persons/import-template", params={"format": "doc"}).status_code == 400
