"""A case's contact phone (联系电话) is personal data, like a person's phone: given as
contact_phone (POST /api/v1/cases, POST /api/v1/public/cases) or Open311's phone, it
is stored encrypted with its masked form beside it, shown masked to whoever sees the
case, revealed in full only with pii.reveal over the case's node and a reason (audited
without the value), and never shown by Open311. ID and phone numbers typed into a
case's title, description or a note are masked on intake; a report without a contact
phone whose text held exactly one phone number gets that number as its contact phone."""
import pytest
import requests

import backend
from conftest import error_of
from test_open311 import validate

LNG, LAT, D = 117.35, 31.84, 0.01
PLACE = {"lat": LAT + 0.004, "lng": LNG + 0.005}


@pytest.fixture(scope="module")
def world(server, admin):
    comm = server.org_id("340104006006")
    grid = server.square_grid(admin, comm, "联系电话网格", LNG, LAT, D)
    other = server.org_id("340102001001")
    gateway = server.make_user(admin, "contact-gateway", "resident", comm)
    return {"comm": comm, "grid": grid, "other": other,
            "resident": server.make_user(admin, "contact-resident", "resident", comm),
            "worker": server.make_user(admin, "contact-worker", "grid_worker", grid),
            "member": server.make_user(admin, "contact-member", "party_member", comm),
            "elsewhere": server.make_user(admin, "contact-elsewhere", "org_staff", other),
            "key": gateway.post("/api/v1/auth/tokens", json={"name": "open311"}).json()["token"]}


def report(client, title, description=None, **extra):
    r = client.post("/api/v1/cases", json={"category": "sanitation", "title": title,
                                           "description": description or f"{title}，详情", **PLACE, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def stored(server, case_id):
    con = backend.connect(server.db)
    try:
        return con.execute("SELECT title, description, contact_phone_enc, contact_phone_masked FROM casefile"
                           " WHERE id = ?", (case_id,)).fetchone()
    finally:
        con.close()


def reveal(client, case_id, reason="回访核实", **extra):
    return client.post(f"/api/v1/cases/{case_id}/reveal", json={"field": "contact_phone", "reason": reason, **extra})


def test_contact_phone_encrypted_and_masked(server, world):
    phone = "13855556666"
    c = report(world["resident"], "楼道灯坏了", contact_phone=phone)
    assert c["contact_phone"] == "138****6666"
    title, desc, enc, masked = stored(server, c["id"])
    assert enc.startswith("v1:") and phone not in enc and masked == "138****6666"
    assert phone.encode() not in backend.stored_bytes(server.db)
    # The reporter sees their own masked; staff over the case too, in the case, the list and the inbox.
    for client in (world["resident"], world["worker"]):
        got = client.get(f"/api/v1/cases/{c['id']}").json()
        assert got["contact_phone"] == "138****6666"
    assert world["resident"].get(f"/api/v1/cases/{c['id']}").json() == c  # the answer and the case agree
    listed = world["worker"].get("/api/v1/cases", params={"limit": 200}).json()["items"]
    assert [x["contact_phone"] for x in listed if x["id"] == c["id"]] == ["138****6666"]
    assert phone not in world["worker"].get("/api/v1/inbox").text
    # None given, none stored.
    plain = report(world["resident"], "路灯不亮")
    assert plain["contact_phone"] is None and stored(server, plain["id"])[2:] == (None, None)


def test_contact_phone_validated(server, world):
    before = len(world["worker"].get("/api/v1/cases", params={"limit": 200}).json()["items"])
    for bad in ("12345", "1385555666", "138-5555-6666", "电话", 13855556666):
        r = world["resident"].post("/api/v1/cases", json={"category": "sanitation", "title": "x", "description": "y",
                                                          "contact_phone": bad, **PLACE})
        assert r.status_code == 400 and error_of(r)["field"] == "contact_phone", (bad, r.text)
    # The public form too (once: anonymous reports are limited per address and minute).
    r = server.client().post("/api/v1/public/cases", json={"category": "sanitation", "title": "x", "description": "y",
                                                           "contact_phone": "12345", **PLACE})
    assert r.status_code == 400 and error_of(r)["field"] == "contact_phone", r.text
    assert len(world["worker"].get("/api/v1/cases", params={"limit": 200}).json()["items"]) == before


def test_reveal_needs_permission_and_reason_and_is_audited(server, admin, world):
    phone = "0551-62223333"
    c = report(world["resident"], "下水道堵塞", contact_phone=phone)
    assert c["contact_phone"] == "*********3333"
    # Who may not reveal: the reporter, a party member who sees cases; staff elsewhere see no such case.
    for who in ("resident", "member"):
        r = reveal(world[who], c["id"])
        assert r.status_code == 403 and phone not in r.text, (who, r.text)
    r = reveal(world["elsewhere"], c["id"])
    assert r.status_code == 404 and phone not in r.text
    # A reason is required, and must hold no personal number.
    for reason, code in ((None, "validation_failed"), ("", "validation_failed"), ("回电 13912345678", "reason_personal_data")):
        r = world["worker"].post(f"/api/v1/cases/{c['id']}/reveal", json={"field": "contact_phone", "reason": reason})
        assert r.status_code == 400 and error_of(r)["code"] == code and error_of(r)["field"] == "reason", r.text
    r = world["worker"].post(f"/api/v1/cases/{c['id']}/reveal", json={"field": "title", "reason": "回访核实"})
    assert r.status_code == 400 and error_of(r)["field"] == "field"
    assert admin.get("/api/v1/audit", params={"action": "case.revealed", "entity_id": c["id"]}).json()["items"] == []
    r = reveal(world["worker"], c["id"])
    assert r.status_code == 200 and r.json() == {"id": c["id"], "field": "contact_phone", "value": phone}, r.text
    rows = admin.get("/api/v1/audit", params={"action": "case.revealed", "entity_id": c["id"]}).json()["items"]
    assert [(a["entity"], a["summary"]) for a in rows] == [("case", {"field": "contact_phone", "reason": "回访核实"})]
    assert "6222" not in str(rows)
    # A case without a contact phone reveals null (and is audited all the same).
    plain = report(world["resident"], "井盖松动")
    r = reveal(world["worker"], plain["id"])
    assert r.status_code == 200 and r.json()["value"] is None
    # Dispatched to staff elsewhere: they see the case, masked, but may not reveal over its node.
    c = world["worker"].get(f"/api/v1/cases/{c['id']}").json()
    for action, extra in (("accept", {}), ("dispatch", {"org_id": world["other"]})):
        r = admin.post(f"/api/v1/cases/{c['id']}/actions", json={"action": action, "version": c["version"], **extra})
        assert r.status_code == 200, r.text
        c = r.json()
    got = world["elsewhere"].get(f"/api/v1/cases/{c['id']}")
    assert got.status_code == 200 and got.json()["contact_phone"] == "*********3333"
    r = reveal(world["elsewhere"], c["id"])
    assert r.status_code == 403 and phone not in r.text


def test_numbers_typed_in_text_masked_and_kept_to_call_back(server, world):
    idc = "11010519491231002X"
    c = report(world["resident"], "垃圾满了 请回电 13912345678", f"身份证 {idc}，电话 13912345678，速来")
    assert c["title"] == "垃圾满了 请回电 139****5678"
    assert c["description"] == "身份证 1101*************X，电话 139****5678，速来"
    assert c["contact_phone"] == "139****5678"  # the one number typed, kept to call back
    title, desc, enc, masked = stored(server, c["id"])
    assert (title, desc, masked) == (c["title"], c["description"], "139****5678") and enc.startswith("v1:")
    assert reveal(world["worker"], c["id"]).json()["value"] == "13912345678"
    # Two numbers: neither is guessed to be the one to call.
    two = report(world["resident"], "漏水 13912340000 或 0551-6512345")
    assert two["title"] == "漏水 139****0000 或 ****-***2345" and two["contact_phone"] is None
    # A contact phone given stays the one, the typed number masked all the same.
    given = report(world["resident"], "噪音 13900001111", contact_phone="13722223333")
    assert given["title"] == "噪音 139****1111" and given["contact_phone"] == "137****3333"
    assert reveal(world["worker"], given["id"]).json()["value"] == "13722223333"
    # A note typed with a number (a reason for rejecting, a rating's comment) is masked too.
    r = world["worker"].post(f"/api/v1/cases/{given['id']}/actions",
                             json={"action": "reject", "version": given["version"], "note": "已电话 13900001111 联系，非本辖区"})
    assert r.status_code == 200, r.text
    assert r.json()["events"][-1]["note"] == "已电话 139****1111 联系，非本辖区"
    raw = backend.stored_bytes(server.db)
    for number in ("13912345678", idc, "13912340000", "0551-6512345", "13900001111", "13722223333"):
        assert number.encode() not in raw, number
    # The public never sees even the masked number: Open311 shows the category's name.
    one = requests.get(server.base + f"/open311/v2/requests/{c['id']}.json", timeout=30)
    assert one.status_code == 200 and one.json()[0]["description"] == one.json()[0]["service_name"]


def test_public_report_contact_phone(server, world):
    anon = server.client()
    r = anon.post("/api/v1/public/cases", json={"category": "sanitation", "title": "垃圾未清运", "description": "两天了",
                                                "contact_phone": "13633334444", **PLACE})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["contact_phone"] == "136****4444" and "13633334444" not in r.text
    follow = anon.get("/api/v1/public/cases", params={"code": got["tracking_code"]})
    # Following by the code (the reporter's own) shows it masked, as the answer did.
    assert follow.status_code == 200 and follow.json()["contact_phone"] == "136****4444" and "13633334444" not in follow.text
    case = [x for x in world["worker"].get("/api/v1/cases", params={"limit": 200}).json()["items"]
            if x["tracking_code"] == got["tracking_code"]][0]
    assert reveal(world["worker"], case["id"]).json()["value"] == "13633334444"


def test_open311_phone_encrypted_never_shown(server, world):
    form = {"api_key": world["key"], "service_code": "sanitation", "lat": PLACE["lat"], "long": PLACE["lng"],
            "description": "路面塌陷\n请联系", "phone": "13544445555"}
    r = requests.post(server.base + "/open311/v2/requests.json", data=form, timeout=30)
    assert r.status_code == 201, r.text
    rid = r.json()[0]["service_request_id"]
    assert stored(server, int(rid))[3] == "135****5555"
    for fmt in ("json", "xml"):
        one = requests.get(server.base + f"/open311/v2/requests/{rid}.{fmt}", timeout=30)
        assert one.status_code == 200 and "5555" not in one.text and "phone" not in one.text
        listing = requests.get(server.base + f"/open311/v2/requests.{fmt}", timeout=30)
        assert "5555" not in listing.text
    validate(requests.get(server.base + f"/open311/v2/requests/{rid}.json", timeout=30).json(), "requests.json")
    assert reveal(world["worker"], int(rid)).json()["value"] == "13544445555"
    assert b"13544445555" not in backend.stored_bytes(server.db)
    bad = dict(form, phone="12345")
    r = requests.post(server.base + "/open311/v2/requests.json", data=bad, timeout=30)
    assert r.status_code == 400 and "phone" in r.json()[0]["description"] and "12345" not in r.text
