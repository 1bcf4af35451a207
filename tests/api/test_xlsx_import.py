"""Reading uploaded .xlsx workbooks, built here with zipfile: the first worksheet as
the workbook names it, inline and rich-text strings read whole, empty and
formatting-only rows skipped, and a cell far beyond the template refused by name
without a column for every empty cell before it."""
import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from conftest import error_of
from test_people import id_with_check

LONGJU = "340104006006"
SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def longju(server):
    return server.org_id(LONGJU)


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row(n, *cells, attrs=""):
    return f'<row r="{n}"{attrs}>{"".join(cells)}</row>'


def workbook(sheets, shared=None):
    """sheets: [(name, part path under xl/, sheet XML rows)] in workbook order; the
    relationship ids are numbered from the end so rId1 is never the first sheet."""
    n = len(sheets)
    wb = "".join(f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{n - i + 1}"/>' for i, (name, _, _) in
                 enumerate(sheets))
    rels = "".join(f'<Relationship Id="rId{n - i + 1}" Type="{REL}/worksheet" Target="{part}"/>'
                   for i, (_, part, _) in enumerate(sheets))
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{SML}" xmlns:r="{REL}"><sheets>{wb}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{rels}'
                                      f'<Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/>'
                                      '</Relationships>',
    }
    for _, part, rows in sheets:
        if rows is not None:  # None: named by the workbook, missing from the package
            files[part[1:] if part.startswith("/") else "xl/" + part] = \
                f'<worksheet xmlns="{SML}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    if shared is not None:
        files["xl/sharedStrings.xml"] = f'<sst xmlns="{SML}">{shared}</sst>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + text
                       if not text.startswith("<?xml") else text)
    return out.getvalue()


def upload(client, data, **params):
    return client.post("/api/v1/persons/import", params=params, data=data, headers={"Content-Type": XLSX})


HEADER = row(1, inline("A1", "姓名"), inline("B1", "身份证号"), inline("C1", "组织编码"))


def person(n, name, idc):
    return row(n, inline(f"A{n}", name), inline(f"B{n}", idc), inline(f"C{n}", LONGJU))


def test_first_sheet_as_the_workbook_names_it(admin, longju):
    first = [HEADER, person(2, "首表甲", id_with_check("34010419800101501"))]
    decoy = [HEADER, person(2, "诱饵乙", id_with_check("34010419800101502")),
             person(3, "诱饵丙", id_with_check("34010419800101503"))]
    # sheet1.xml exists but is the second sheet; the first lives at another path, named by its relationship.
    data = workbook([("居民", "worksheets/data.xml", first), ("备注", "worksheets/sheet1.xml", decoy)])
    r = upload(admin, data, org=longju, dry_run=1)
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["valid"]) == (1, 1)
    # An absolute target in the package works as well.
    r = upload(admin, workbook([("居民", "/xl/worksheets/abs.xml", first)]), org=longju, dry_run=1)
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text
    # The first sheet missing: unreadable, whatever other sheets there are.
    r = upload(admin, workbook([("居民", "worksheets/missing.xml", None), ("备注", "worksheets/sheet1.xml", decoy)]),
               org=longju, dry_run=1)
    assert r.status_code == 400 and error_of(r)["field"] == "file"


def test_inline_and_rich_strings_are_read_whole(admin, longju):
    idc = id_with_check("34010419800101511")
    rich = (f'<c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>富文</t></r><r><t xml:space="preserve">本 </t></r>'
            f'<r><t>甲</t></r></is></c>')
    shared = ('<si><t>姓名</t></si><si><t>身份证号</t></si>'
              '<si><r><t>共享</t></r><r><t>乙</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>')
    rows = [row(1, '<c r="A1" t="s"><v>0</v></c>', '<c r="B1" t="s"><v>1</v></c>', inline("C1", "组织编码")),
            row(2, rich, inline("B2", idc), inline("C2", LONGJU)),
            row(3, '<c r="A3" t="s"><v>2</v></c>', inline("B3", id_with_check("34010419800101512")),
                f'<c r="C3"><v>{LONGJU}</v></c>')]
    r = upload(admin, workbook([("居民", "worksheets/sheet1.xml", rows)], shared=shared), org=longju)
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["imported"]) == (2, 2)
    names = {p["name"] for p in admin.get("/api/v1/persons", params={"org": longju, "q": "富文"}).json()["items"]}
    assert names == {"富文本 甲"}
    names = {p["name"] for p in admin.get("/api/v1/persons", params={"org": longju, "q": "共享"}).json()["items"]}
    assert names == {"共享乙"}


def test_empty_and_formatting_only_rows_are_skipped(admin, longju):
    rows = [HEADER,
            row(2, attrs=' s="3" customFormat="1" ht="20" customHeight="1"'),
            person(3, "空行后甲", id_with_check("34010419800101521")),
            row(4, '<c r="A4" s="2"/>', '<c r="B4" s="2" t="inlineStr"><is><t></t></is></c>', '<c r="C4" s="2"/>'),
            row(5, '<c r="D5" s="1"><v></v></c>'),
            person(6, "空行后乙", id_with_check("34010419800101522")),
            row(7, '<c r="XFD7" s="1"/>')]
    r = upload(admin, workbook([("居民", "worksheets/sheet1.xml", rows)]), org=longju, dry_run=1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["valid"], body["invalid"], body["errors"]) == (2, 2, 0, [])


def test_a_cell_far_beyond_the_template_is_refused_by_name(admin, longju):
    before = admin.get(f"/api/v1/orgs/{longju}/stats").json()["people"]
    rows = [HEADER, person(2, "远列甲", id_with_check("34010419800101531"))]
    rows += [row(n, inline(f"A{n}", f"远列{n}"), inline(f"B{n}", id_with_check(f"340104198001016{n:02d}")),
                 inline(f"C{n}", LONGJU), inline(f"XFD{n}", "备注")) for n in range(3, 40)]
    r = upload(admin, workbook([("居民", "worksheets/sheet1.xml", rows)]), org=longju)
    assert r.status_code == 400, r.text
    err = error_of(r)
    assert (err["code"], err["field"], err["cell"]) == ("validation_failed", "file", "XFD3")
    # Column 64 (BL) is the last one read; BM, the 65th, is refused.
    ok = [HEADER, row(2, inline("A2", "六十四列"), inline("B2", id_with_check("34010419800101541")),
                      inline("C2", LONGJU), inline("BL2", "备注"))]
    r = upload(admin, workbook([("居民", "worksheets/sheet1.xml", ok)]), org=longju, dry_run=1)
    assert r.status_code == 200 and r.json()["valid"] == 1, r.text
    over = [HEADER, row(2, inline("A2", "六十五列"), inline("BM2", "备注"))]
    r = upload(admin, workbook([("居民", "worksheets/sheet1.xml", over)]), org=longju)
    assert r.status_code == 400 and error_of(r)["cell"] == "BM2"
    # A reference with absurdly many letters is refused too, not overflowed.
    huge = [HEADER, row(2, inline("ZZZZZZZZZZZZZZ2", "x"))]
    r = upload(admin, workbook([("居民", "worksheets/sheet1.xml", huge)]), org=longju)
    assert r.status_code == 400 and error_of(r)["field"] == "file"
    assert admin.get(f"/api/v1/orgs/{longju}/stats").json()["people"] == before
