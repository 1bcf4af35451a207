"""Registers that go to Excel: the residents' .xlsx import keeps an 18-digit ID number
with an X check digit whole, the server's workbooks hold ID and phone numbers as text
cells (never numbers, which Excel rounds to 3.40104E+17), the export names each row's
community, grid and building by name and code, and the import template's example row
sits in a grid of the node asked for."""
import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest

from conftest import SML, error_of, id_with_check, xlsx_column, xlsx_rows
from test_people import recount

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LONGJU = "340104006006"


@pytest.fixture(scope="module")
def place(server, admin):
    """A grid (with a code) and a building (without one) under 龙居社区."""
    longju = server.org_id(LONGJU)
    grid = admin.post("/api/v1/orgs", json={"parent_id": longju, "level": "grid", "name": "表册网格",
                                            "code": "340104006006901"})
    assert grid.status_code == 201, grid.text
    building = admin.post("/api/v1/orgs", json={"parent_id": grid.json()["id"], "level": "building",
                                                "name": "表册 5 栋"})
    assert building.status_code == 201, building.text
    return {"longju": longju, "grid": grid.json()["id"], "building": building.json()["id"]}


def cell_kinds(data):
    """Each cell of the first sheet: its reference -> its type attribute (None for a number)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    return {c.get("r"): c.get("t") for c in sheet.iter("{%s}c" % SML)}


def column_of(rows, header):
    return rows[0].index(header)


def test_xlsx_import_keeps_an_x_id_and_the_export_holds_it_as_text(server, admin, place):
    # An ID number ending in X, found by trying birth serials.
    idc = next(i for i in (id_with_check(f"34010419850315{n:03d}") for n in range(100, 200)) if i.endswith("X"))
    book = io.BytesIO()
    rows = [["姓名", "身份证号", "手机号", "组织编码"], ["表册甲", idc, "13912345678", str(place["building"])]]
    sheet = "".join(f'<row r="{r + 1}">' + "".join(
        f'<c r="{chr(65 + c)}{r + 1}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(row)) + "</row>"
                    for r, row in enumerate(rows))
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{SML}" xmlns:r="{rel}"><sheets><sheet name="居民" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                   f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{SML}"><sheetData>{sheet}</sheetData></worksheet>')
    r = admin.post("/api/v1/persons/import", params={"org": place["longju"]}, data=book.getvalue(),
                   headers={"Content-Type": XLSX})
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    who = admin.get("/api/v1/persons", params={"org": place["building"], "q": "表册甲"}).json()["items"]
    assert len(who) == 1
    shown = admin.post(f"/api/v1/persons/{who[0]['id']}/reveal", json={"field": "id_card", "reason": "核对导入"})
    assert shown.status_code == 200 and shown.json()["value"] == idc, shown.text

    # The full export: the ID number whole, in a text cell (a shared string), as is the phone.
    full = admin.get("/api/v1/persons/export", params={"org": place["building"], "format": "xlsx", "reveal": 1,
                                                        "reason": "核对导入"})
    assert full.status_code == 200, full.text
    rows = xlsx_rows(full.content)
    id_col, phone_col = column_of(rows, "身份证号"), column_of(rows, "手机号")
    assert rows[1][id_col] == idc and rows[1][phone_col] == "13912345678"
    kinds = cell_kinds(full.content)
    for col in (id_col, phone_col):
        ref = next(k for k in kinds if xlsx_column(k) == col and k.endswith("2") and not k[:-1].endswith("1"))
        assert kinds[ref] in ("s", "inlineStr"), (ref, kinds[ref])
    # The workbook imports back as it is: nothing new.
    back = admin.post("/api/v1/persons/import", params={"org": place["longju"]}, data=full.content,
                      headers={"Content-Type": XLSX})
    assert back.status_code == 200 and (back.json()["imported"], back.json()["unchanged"]) == (0, 1), back.text


def test_exports_name_community_grid_and_building(server, admin, place):
    for name, org, idc in (("表册乙", place["grid"], id_with_check("34010419860101201")),
                           ("表册丙", place["longju"], id_with_check("34010419860101202"))):
        r = admin.post("/api/v1/persons", json={"name": name, "id_card": idc, "org_id": org})
        assert r.status_code == 201, r.text
    r = admin.get("/api/v1/persons/export", params={"org": place["longju"], "q": "表册"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head = rows[0]
    assert head[head.index("组织") + 1:head.index("组织") + 7] == ["社区", "社区编码", "网格", "网格编码", "楼栋", "楼栋编码"]
    places = {row[0]: row[head.index("社区"):head.index("楼栋编码") + 1] for row in rows[1:]}
    assert places == {
        "表册甲": ["龙居社区", LONGJU, "表册网格", "340104006006901", "表册 5 栋", ""],
        "表册乙": ["龙居社区", LONGJU, "表册网格", "340104006006901", "", ""],
        "表册丙": ["龙居社区", LONGJU, "", "", "", ""],
    }
    # The masked export stays masked, in .xlsx as in CSV.
    x = xlsx_rows(admin.get("/api/v1/persons/export", params={"org": place["longju"], "q": "表册",
                                                               "format": "xlsx"}).content)
    assert {row[0]: row[x[0].index("网格")] for row in x[1:]}["表册乙"] == "表册网格"
    assert all("*" in row[x[0].index("身份证号")] for row in x[1:])


def test_template_places_its_example_in_a_grid(server, admin, place):
    for fmt in ("csv", "xlsx"):
        t = admin.get("/api/v1/persons/import-template", params={"format": fmt, "org": place["longju"]})
        assert t.status_code == 200, t.text
        rows = xlsx_rows(t.content) if fmt == "xlsx" else \
            list(csv.reader(io.StringIO(t.content.decode("utf-8-sig"))))
        assert rows[1][rows[0].index("组织编码")] == "340104006006901"
        if fmt == "xlsx":  # the example ID number is a text cell too
            assert cell_kinds(t.content)["B2"] in ("s", "inlineStr")
    # It imports as it is into the node (a dry run: the example is one valid row).
    r = admin.post("/api/v1/persons/import", params={"org": place["longju"], "dry_run": 1}, data=t.content,
                   headers={"Content-Type": XLSX})
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text
    # A node outside the caller's scope is one it cannot name.
    other = server.make_user(admin, "registers.staff", "org_staff", place["grid"])
    r = other.get("/api/v1/persons/import-template", params={"org": place["longju"]})
    assert r.status_code == 404, r.text
    assert admin.get("/api/v1/persons/import-template", params={"org": "x"}).status_code == 400


def test_households_export_names_places_and_is_audited(server, admin, place):
    for org, address in ((place["building"], "表册 5 栋 101"), (place["longju"], "表册路 9 号")):
        r = admin.post("/api/v1/households", json={"org_id": org, "address": address})
        assert r.status_code == 201, r.text
    r = admin.get("/api/v1/households/export", params={"org": place["longju"], "q": "表册"})
    assert r.status_code == 200 and r.headers["Content-Type"] == XLSX, r.text
    rows = xlsx_rows(r.content)
    head = rows[0]
    assert head == ["编号", "户地址", "所在组织", "社区", "社区编码", "网格", "网格编码", "楼栋", "楼栋编码", "人数",
                    "登记时间"], head
    got = {row[1]: row[3:9] for row in rows[1:]}
    assert got == {"表册 5 栋 101": ["龙居社区", LONGJU, "表册网格", "340104006006901", "表册 5 栋", ""],
                   "表册路 9 号": ["龙居社区", LONGJU, "", "", "", ""]}, got
    # Codes are text cells: a 15-digit grid code is never a number.
    kinds = cell_kinds(r.content)
    assert all(kinds[f"G{n}"] in ("s", "inlineStr") for n in range(2, len(rows) + 1) if rows[n - 1][6])
    audit = admin.get("/api/v1/audit", params={"action": "households.exported"}).json()["items"]
    assert audit[0]["summary"]["rows"] == 2 and audit[0]["summary"]["params"] == ["org", "q"]
    # Outside the caller's scope: 404, as the list.
    staff = server.make_user(admin, "registers.grid", "org_staff", place["grid"])
    assert staff.get("/api/v1/households/export", params={"org": place["longju"]}).status_code == 404
    mine = xlsx_rows(staff.get("/api/v1/households/export").content)
    assert [row[1] for row in mine[1:]] == ["表册 5 栋 101"]


def person_in(admin, org, name, first17):
    r = admin.post("/api/v1/persons", json={"name": name, "id_card": id_with_check(first17), "org_id": org})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_bulk_changes_are_one_write_in_scope_and_audited(server, admin, place):
    longju, grid = place["longju"], place["grid"]
    tianhai = server.org_id("340102001001")
    mine = [person_in(admin, longju, f"批量{n}", f"3401041987010130{n}") for n in range(3)]
    theirs = person_in(admin, tianhai, "批量他处", "34010219870101309")
    staff = server.make_user(admin, "registers.longju", "org_staff", longju)

    # A tag on two of them: one write, one audit row with the count and ids, figures kept.
    r = staff.post("/api/v1/persons/bulk", json={"action": "tag_add", "tag": "veteran", "ids": mine[:2]})
    assert r.status_code == 200 and r.json() == {"action": "tag_add", "count": 2, "changed": 2}, r.text
    tagged = {p["id"] for p in admin.get("/api/v1/persons", params={"org": longju, "tag": "veteran",
                                                                     "q": "批量"}).json()["items"]}
    assert tagged == set(mine[:2])
    want, have = recount(server.db)
    assert want == have
    row = admin.get("/api/v1/audit", params={"action": "persons.bulk_changed"}).json()["items"][0]
    assert row["summary"] == {"action": "tag_add", "count": 2, "changed": 2, "ids": mine[:2], "tag": "veteran"}
    assert row["entity"] == "org" and "批量" not in str(row)
    # Again: nothing changes, and it says so.
    r = staff.post("/api/v1/persons/bulk", json={"action": "tag_add", "tag": "veteran", "ids": mine[:2]})
    assert r.json()["changed"] == 0

    # A resident of another community among them: 404 naming the id, and nothing at all is written.
    r = staff.post("/api/v1/persons/bulk", json={"action": "tag_remove", "tag": "veteran", "ids": [mine[0], theirs]})
    assert r.status_code == 404, r.text
    assert (error_of(r)["field"], error_of(r)["id"]) == ("ids", theirs)
    assert admin.get(f"/api/v1/persons/{mine[0]}").json()["tags"] == ["veteran"]
    # Moved into the grid, all of them; a node outside the scope is refused by field.
    r = staff.post("/api/v1/persons/bulk", json={"action": "move", "org_id": grid, "ids": mine})
    assert r.status_code == 200 and r.json()["changed"] == 3, r.text
    assert {admin.get(f"/api/v1/persons/{i}").json()["org_id"] for i in mine} == {grid}
    want, have = recount(server.db)
    assert want == have
    r = staff.post("/api/v1/persons/bulk", json={"action": "move", "org_id": tianhai, "ids": mine})
    assert r.status_code == 404 and error_of(r)["field"] == "org_id", r.text

    # Bad batches: too many ids, repeated ids, a missing tag or node, an unknown tag or action.
    r = staff.post("/api/v1/persons/bulk", json={"action": "delete", "ids": list(range(1, 202))})
    assert r.status_code == 400 and error_of(r)["field"] == "ids" and "200" in error_of(r)["message"], r.text
    for body, field in (({"action": "delete", "ids": [mine[0], mine[0]]}, "ids"),
                        ({"action": "delete", "ids": []}, "ids"),
                        ({"action": "tag_add", "ids": mine}, "tag"),
                        ({"action": "tag_add", "tag": "nope", "ids": mine}, "tag"),
                        ({"action": "move", "ids": mine}, "org_id"),
                        ({"action": "shred", "ids": mine}, "action")):
        r = staff.post("/api/v1/persons/bulk", json=body)
        assert r.status_code == 400 and error_of(r)["field"] == field, (body, r.text)

    # Deleted together; the figures follow; an auditor cannot.
    auditor = server.make_user(admin, "registers.auditor", "auditor", longju)
    assert auditor.post("/api/v1/persons/bulk", json={"action": "delete", "ids": mine}).status_code == 403
    r = staff.post("/api/v1/persons/bulk", json={"action": "delete", "ids": mine})
    assert r.status_code == 200 and r.json()["changed"] == 3, r.text
    assert all(admin.get(f"/api/v1/persons/{i}").status_code == 404 for i in mine)
    rows = admin.get("/api/v1/audit", params={"action": "persons.bulk_changed"}).json()["items"]
    assert rows[0]["summary"]["ids"] == mine and rows[0]["summary"]["action"] == "delete"
    want, have = recount(server.db)
    assert want == have
