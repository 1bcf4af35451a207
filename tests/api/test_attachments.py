"""Attachments (docs/attachments.md): one store for the files of duty items, notices and
their replies, 述职 reports and inspections. The type is told by the bytes; empty, unknown
and oversized files are refused with stable codes and change nothing; who sees a record
sees its files, who may write it (the family's own rule, in its present state) adds and
removes them; a download is the bytes sent, with the type and the file's name."""
import datetime
import hashlib
import io
import urllib.parse
import zipfile

import pytest

from conftest import error_of

CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI = "3401", "340104", "340104006", "340104005", "340102"
COMMUNITY = "340104006006"
TODAY = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
YEAR = TODAY.year

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
WEBP = b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 20


def office(part):
    """A minimal OOXML package: the content types and one part (word/ or xl/)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
    return buf.getvalue()


DOCX, XLSX = office("word/document.xml"), office("xl/workbook.xml")
TYPES = [("报告.pdf", PDF, "application/pdf"), ("现场.png", PNG, "image/png"), ("现场.jpg", JPEG, "image/jpeg"),
         ("现场.webp", WEBP, "image/webp"),
         ("台账.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
         ("台账.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]


def id_with_check(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json() if status != 204 else None


def refused(r, status, code, field=None):
    assert r.status_code == status, r.text
    e = error_of(r)
    assert (e["code"], e.get("field")) == (code, field), e


def add(client, owner, owner_id, name, data):
    return client.post("/api/v1/attachments", params={"owner": owner, "owner_id": owner_id, "name": name},
                       data=data, headers={"Content-Type": "application/octet-stream"})


def files(client, owner, owner_id):
    return client.get("/api/v1/attachments", params={"owner": owner, "owner_id": owner_id})


def names(client, owner, owner_id):
    return [f["name"] for f in ok(files(client, owner, owner_id))["items"]]


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (CITY, SHUSHAN, LONGJU, NANGANG, YAOHAI, COMMUNITY)}
    ids["district"] = server.make_user(admin, "att-district", "org_staff", ids[SHUSHAN])
    ids["street"] = server.make_user(admin, "att-street", "org_staff", ids[LONGJU])
    ids["community"] = server.make_user(admin, "att-community", "org_staff", ids[COMMUNITY])
    ids["sibling"] = server.make_user(admin, "att-sibling", "org_staff", ids[YAOHAI])
    ids["resident"] = server.make_user(admin, "att-resident", "resident", ids[LONGJU])
    return ids


def secretary(admin, city, name, id17):
    """A new secretary (书记) of the street: the cadre's id."""
    p = ok(admin.post("/api/v1/persons", json={"org_id": city[LONGJU], "name": name, "id_card": id_with_check(id17)}),
           201)
    return ok(admin.post("/api/v1/cadres", json={"person_id": p["id"], "org_id": city[LONGJU], "post": "书记",
                                                 "term_start": "2021-01-01"}), 201)["id"]


def inspection(client, city, **kw):
    b = {"org_id": city[SHUSHAN], "type": "open", "title": "明查党群服务中心", "held_on": TODAY.isoformat(),
         "team_names": ["督查组"], "nodes": [city[LONGJU]], "items": ["制度上墙"], **kw}
    return ok(client.post("/api/v1/inspections", json=b), 201)


def test_types_from_the_bytes_downloads_and_bad_files(server, admin, city):
    d = city["district"]
    x = inspection(d, city)
    for name, data, mime in TYPES:
        f = ok(add(d, "inspection", x["id"], name, data), 201)
        assert (f["name"], f["mime"], f["size"], f["sha256"], f["owner"], f["owner_id"]) == (
            name, mime, len(data), hashlib.sha256(data).hexdigest(), "inspection", x["id"])
        got = d.get(f"/api/v1/attachments/{f['id']}")
        assert got.status_code == 200 and got.content == data
        assert got.headers["Content-Type"] == mime
        # A Chinese name travels as RFC 6266's filename*, with a plain fallback keeping the extension.
        ext = name.rsplit(".", 1)[1]
        assert got.headers["Content-Disposition"] == (
            f"attachment; filename=\"download.{ext}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}")
    assert names(d, "inspection", x["id"]) == [n for n, _, _ in TYPES]
    plain = ok(add(d, "inspection", x["id"], "scan-01.pdf", PDF), 201)
    assert d.get(f"/api/v1/attachments/{plain['id']}").headers["Content-Disposition"] == \
        'attachment; filename="scan-01.pdf"'
    before = names(d, "inspection", x["id"])
    # The name or the Content-Type never decides the type; a zip that is no Office file is refused.
    refused(add(d, "inspection", x["id"], "a.pdf", b"hello, not a pdf"), 415, "unsupported_media_type", "file")
    refused(add(d, "inspection", x["id"], "a.docx", office("other/part.xml")), 415, "unsupported_media_type", "file")
    refused(add(d, "inspection", x["id"], "a.pdf", b""), 400, "empty_file", "file")
    refused(add(d, "inspection", x["id"], "a/b.pdf", PDF), 400, "validation_failed", "name")
    refused(add(d, "inspection", x["id"], "x" * 101, PDF), 400, "validation_failed", "name")
    refused(d.post("/api/v1/attachments", params={"owner": "inspection", "owner_id": x["id"]}, data=PDF), 400,
            "validation_failed", "name")
    refused(add(d, "case", x["id"], "a.pdf", PDF), 400, "validation_failed", "owner")
    refused(add(d, "inspection", 10**12, "a.pdf", PDF), 404, "not_found")
    big = PDF + b"\x00" * (10 * 1024 * 1024)
    refused(add(d, "inspection", x["id"], "big.pdf", big), 413, "payload_too_large")
    assert names(d, "inspection", x["id"]) == before
    refused(d.get("/api/v1/attachments/999999999"), 404, "not_found")


def test_at_most_twenty_files_a_record(server, admin, city):
    d = city["district"]
    x = inspection(d, city, title="明查台账")
    for i in range(20):
        ok(add(d, "inspection", x["id"], f"p{i}.png", PNG), 201)
    refused(add(d, "inspection", x["id"], "p20.png", PNG), 409, "attachment_limit", "file")
    assert len(names(d, "inspection", x["id"])) == 20
    # Removing one makes room again.
    first = ok(files(d, "inspection", x["id"]))["items"][0]
    ok(d.delete(f"/api/v1/attachments/{first['id']}"), 204)
    ok(add(d, "inspection", x["id"], "p20.png", PNG), 201)


def test_inspection_photos_by_team_scope_and_publication(server, admin, city):
    d, s = city["district"], city["street"]
    x = inspection(d, city)
    f = ok(add(d, "inspection", x["id"], "现场.jpg", JPEG), 201)
    # The inspected street sees an open inspection and its photos, but takes none.
    assert names(s, "inspection", x["id"]) == ["现场.jpg"]
    assert s.get(f"/api/v1/attachments/{f['id']}").content == JPEG
    refused(add(s, "inspection", x["id"], "s.jpg", JPEG), 403, "forbidden")
    refused(s.delete(f"/api/v1/attachments/{f['id']}"), 403, "forbidden")
    for outsider in (city["sibling"], city["resident"]):
        refused(files(outsider, "inspection", x["id"]), 404, "not_found")
        refused(outsider.get(f"/api/v1/attachments/{f['id']}"), 404, "not_found")
        refused(outsider.delete(f"/api/v1/attachments/{f['id']}"), 404, "not_found")
    # A 暗访's photos stay hidden from the inspected street until its 通报.
    covert = inspection(d, city, type="covert", title="暗访")
    g = ok(add(d, "inspection", covert["id"], "暗访.png", PNG), 201)
    refused(files(s, "inspection", covert["id"]), 404, "not_found")
    refused(s.get(f"/api/v1/attachments/{g['id']}"), 404, "not_found")
    covert = ok(d.post(f"/api/v1/inspections/{covert['id']}/publish", json={"version": covert["version"]}))
    assert names(s, "inspection", covert["id"]) == ["暗访.png"]
    # Once published, photos may still be added, none removed.
    ok(add(d, "inspection", covert["id"], "补充.png", PNG), 201)
    refused(d.delete(f"/api/v1/attachments/{g['id']}"), 409, "invalid_transition")
    ok(d.delete(f"/api/v1/attachments/{f['id']}"), 204)
    refused(d.get(f"/api/v1/attachments/{f['id']}"), 404, "not_found")
    assert names(d, "inspection", x["id"]) == []


def test_duty_item_evidence_while_the_list_is_in_force(server, admin, city):
    s, d = city["street"], city["district"]
    lst = ok(s.post("/api/v1/duty-lists", json={"cadre_id": secretary(admin, city, "附件书记", "34010419700101871"),
                                                 "year": YEAR}), 201)
    lst = ok(s.post(f"/api/v1/duty-lists/{lst['id']}/items",
                    json={"what": "抓支部建设", "how": "每季度检查", "deadline": f"{YEAR}-12-31"}), 201)
    item = lst["items"][-1]["id"]
    # Not in force yet (a draft): no evidence.
    refused(add(s, "duty_item", item, "进展.pdf", PDF), 409, "invalid_transition", None)
    lst = ok(s.post(f"/api/v1/duty-lists/{lst['id']}/moves", json={"action": "submit", "version": lst["version"]}))
    lst = ok(d.post(f"/api/v1/duty-lists/{lst['id']}/moves", json={"action": "sign", "version": lst["version"]}))
    f = ok(add(s, "duty_item", item, "进展.pdf", PDF), 201)
    # The level above sees it; a sibling and a resident do not; the community below the street takes none.
    assert names(d, "duty_item", item) == ["进展.pdf"]
    assert d.get(f"/api/v1/attachments/{f['id']}").content == PDF
    refused(files(city["sibling"], "duty_item", item), 404, "not_found")
    refused(files(city["resident"], "duty_item", item), 404, "not_found")
    refused(add(city["community"], "duty_item", item, "x.pdf", PDF), 404, "not_found")
    ok(s.delete(f"/api/v1/attachments/{f['id']}"), 204)
    assert names(s, "duty_item", item) == []


def test_notice_files_and_reply_files(server, admin, city):
    d, s, c = city["district"], city["street"], city["community"]
    n = ok(d.post("/api/v1/notices", json={"org_id": city[SHUSHAN], "kind": "dispatch", "title": "关于报送材料的通知",
                                            "body": "请报送。", "target_org_id": city[SHUSHAN],
                                            "levels": ["street", "community"]}), 201)
    f = ok(add(d, "notice", n["id"], "通知附件.docx", DOCX), 201)
    # Recipients see the issuer's files and take none of their own onto the notice.
    assert names(s, "notice", n["id"]) == ["通知附件.docx"]
    assert c.get(f"/api/v1/attachments/{f['id']}").content == DOCX
    refused(add(s, "notice", n["id"], "x.pdf", PDF), 403, "forbidden")
    refused(files(city["sibling"], "notice", n["id"]), 404, "not_found")
    # The street's reply files: its own receipt only; the community (another recipient) sees none of them.
    mine = ok(s.get(f"/api/v1/notices/{n['id']}"))["my_receipts"]
    street_receipt = next(r["id"] for r in mine if r["org_id"] == city[LONGJU])
    community_receipt = ok(c.get(f"/api/v1/notices/{n['id']}"))["my_receipts"][0]["id"]
    r1 = ok(add(s, "notice_receipt", street_receipt, "回复材料.xlsx", XLSX), 201)
    r2 = ok(add(s, "notice_receipt", street_receipt, "照片.png", PNG), 201)
    refused(add(c, "notice_receipt", street_receipt, "x.pdf", PDF), 404, "not_found")
    refused(c.get(f"/api/v1/attachments/{r1['id']}"), 404, "not_found")
    refused(add(d, "notice_receipt", street_receipt, "x.pdf", PDF), 403, "forbidden")  # the issuer does not reply
    assert names(d, "notice_receipt", street_receipt) == ["回复材料.xlsx", "照片.png"]
    assert names(c, "notice_receipt", community_receipt) == []
    ok(s.delete(f"/api/v1/attachments/{r2['id']}"), 204)
    ok(s.post(f"/api/v1/notices/{n['id']}/reply", json={"text": "已报送", "org_id": city[LONGJU]}))
    # Replied: the reply and its files are fixed.
    refused(add(s, "notice_receipt", street_receipt, "晚了.pdf", PDF), 409, "conflict")
    refused(s.delete(f"/api/v1/attachments/{r1['id']}"), 409, "conflict")
    assert d.get(f"/api/v1/attachments/{r1['id']}").content == XLSX
    # The issuer adds files any time, removes them only until a recipient has read the notice.
    g = ok(add(d, "notice", n["id"], "补充.pdf", PDF), 201)
    refused(d.delete(f"/api/v1/attachments/{g['id']}"), 409, "invalid_transition")
    assert names(d, "notice", n["id"]) == ["通知附件.docx", "补充.pdf"]


def test_report_files_by_the_reporter_and_the_holder(server, admin, city):
    d, s = city["district"], city["street"]
    cadre = secretary(admin, city, "述职书记", "34010419700101872")
    sess = ok(d.post("/api/v1/review-sessions", json={"org_id": city[SHUSHAN], "year": YEAR,
                                                      "held_on": f"{YEAR}-12-20", "title": "述职评议会"}), 201)
    ok(d.post(f"/api/v1/review-sessions/{sess['id']}/reporters", json={"cadre_id": cadre}), 201)
    reporter = ok(d.get(f"/api/v1/review-sessions/{sess['id']}"))["reporter_list"][0]["id"]
    f = ok(add(s, "review_reporter", reporter, "述职报告.pdf", PDF), 201)
    assert names(d, "review_reporter", reporter) == ["述职报告.pdf"]
    ok(add(d, "review_reporter", reporter, "附表.xlsx", XLSX), 201)
    refused(add(city["community"], "review_reporter", reporter, "x.pdf", PDF), 404, "not_found")
    refused(files(city["sibling"], "review_reporter", reporter), 404, "not_found")
    ok(s.delete(f"/api/v1/attachments/{f['id']}"), 204)
    assert names(s, "review_reporter", reporter) == ["附表.xlsx"]
