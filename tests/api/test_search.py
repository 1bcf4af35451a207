"""Search (docs/web.md "Search"): orgs by name or code with the names of their place, exact
lookups of a resident by ID number or phone (audited for who may not reveal), party members by
name, the case list's words, tracking code and dates, and its audited export."""
import datetime

import pytest

from conftest import Server, id_with_check, ok, refused, xlsx_rows

LONGJU, OTHER = "340104006006", "340102001001"


@pytest.fixture(scope="module")
def world():
    s = Server(extra_args=("--export-bulk-rows", "3"))  # a small bulk limit for the full case export
    admin = s.admin()
    comm, other = s.org_id(LONGJU), s.org_id(OTHER)
    ctx = {"s": s, "admin": admin, "comm": comm, "other": other,
           "staff": s.make_user(admin, "se-staff", "org_staff", comm),
           "auditor": s.make_user(admin, "se-auditor", "auditor", comm),
           "worker": s.make_user(admin, "se-worker", "grid_worker", comm)}
    yield ctx
    assert s.close() == 0, s.stderr


def person(admin, org, name, seq, phone=None):
    body = {"org_id": org, "name": name, "id_card": id_with_check(f"34010419850101{seq:03d}")}
    if phone:
        body["phone"] = phone
    return ok(admin.post("/api/v1/persons", json=body), 201) | {"full_id": body["id_card"]}


def test_orgs_by_name_or_code_with_their_place(world):
    admin, staff = world["admin"], world["staff"]
    rows = ok(admin.get("/api/v1/orgs", params={"q": "龙居", "limit": 20}))["items"]
    longju = next(r for r in rows if r["id"] == world["comm"])
    # The place names the node's path, root first, down to the node itself.
    assert [p["name"] for p in longju["place"]] == ["合肥市", "蜀山区", "五里墩街道", "龙居社区"]
    assert [p["level"] for p in longju["place"]] == ["city", "district", "street", "community"]
    assert ok(admin.get("/api/v1/orgs", params={"q": LONGJU}))["items"][0]["id"] == world["comm"]
    # Community staff find nothing of another community, by name or by code.
    other = ok(admin.get(f"/api/v1/orgs/{world['other']}"))
    assert ok(staff.get("/api/v1/orgs", params={"q": other["name"]}))["items"] == []
    assert ok(staff.get("/api/v1/orgs", params={"q": OTHER}))["items"] == []
    assert [r["id"] for r in ok(staff.get("/api/v1/orgs", params={"q": "龙居"}))["items"]] == [world["comm"]]


def test_exact_lookups_by_id_number_and_phone(world):
    admin, staff, auditor = world["admin"], world["staff"], world["auditor"]
    me = person(admin, world["comm"], "王查找", 1, phone="13912345678")
    there = person(admin, world["other"], "王别处", 2, phone="13912345679")

    def audited():
        return ok(admin.get("/api/v1/audit", params={"action": "persons.searched_by_id", "limit": 100}))["items"]

    before = len(audited())
    # Staff who may reveal: found, not audited; another community's resident is not found.
    assert [p["id"] for p in ok(staff.get("/api/v1/persons", params={"id_card": me["full_id"]}))["items"]] == [me["id"]]
    assert [p["id"] for p in ok(staff.get("/api/v1/persons", params={"phone": "13912345678"}))["items"]] == [me["id"]]
    assert ok(staff.get("/api/v1/persons", params={"id_card": there["full_id"]}))["items"] == []
    assert ok(staff.get("/api/v1/persons", params={"phone": "13912345679"}))["items"] == []
    assert len(audited()) == before
    # Who may not reveal: each lookup audited (never the number), masked answers.
    found = ok(auditor.get("/api/v1/persons", params={"phone": "13912345678"}))["items"]
    assert [p["id"] for p in found] == [me["id"]] and "5678" not in found[0]["id_card"]
    ok(auditor.get("/api/v1/persons", params={"id_card": me["full_id"]}))
    # A city-wide list names each resident's place (the street and the community).
    listed = ok(admin.get("/api/v1/persons", params={"q": "王查找"}))["items"]
    assert [p["name"] for p in listed[0]["place"]] == ["合肥市", "蜀山区", "五里墩街道", "龙居社区"]
    hh = ok(admin.post("/api/v1/households", json={"org_id": world["comm"], "address": "检索路1号"}), 201)
    row = next(h for h in ok(admin.get("/api/v1/households", params={"limit": 100}))["items"] if h["id"] == hh["id"])
    assert [p["level"] for p in row["place"]][2:] == ["street", "community"]
    # Community staff never find another community's resident by name either.
    assert ok(staff.get("/api/v1/persons", params={"q": "王别处"}))["items"] == []
    rows = audited()[: 2]
    assert [r["summary"]["by"] for r in rows] == ["id_card", "phone"]
    assert all(r["summary"]["found"] == 1 for r in rows)
    assert "13912345678" not in str(rows) and me["full_id"] not in str(rows)
    # Bad input: 400 naming the field; an export by phone needs pii.reveal as one by ID number.
    refused(staff.get("/api/v1/persons", params={"phone": "1391234"}), 400, "validation_failed", "phone")
    refused(auditor.get("/api/v1/persons/export", params={"phone": "13912345678"}), 403, "forbidden", "phone")


def test_party_members_by_name(world):
    admin, comm = world["admin"], world["comm"]
    po = ok(admin.post("/api/v1/party-orgs", json={"org_id": comm, "name": "龙居搜索支部", "kind": "党支部"}), 201)
    a = person(admin, comm, "李党员", 3)
    b = person(admin, comm, "张党员", 4)
    for p in (a, b):
        ok(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": po["id"],
                                                     "status": "正式", "joined_on": "2001-07-01"}), 201)
    got = ok(world["staff"].get("/api/v1/party-members", params={"org": comm, "q": "李"}))
    assert [m["person_id"] for m in got["items"]] == [a["id"]] and got["total"] == 1
    # From its start, wildcards literal.
    assert ok(admin.get("/api/v1/party-members", params={"q": "党员"}))["items"] == []
    assert ok(admin.get("/api/v1/party-members", params={"q": "%"}))["items"] == []


def test_case_list_words_code_dates_and_export(world):
    admin, staff, worker, comm = world["admin"], world["staff"], world["worker"], world["comm"]
    mk = lambda title, desc: ok(worker.post("/api/v1/cases", json={  # noqa: E731
        "category": "sanitation", "title": title, "description": desc, "org_id": comm}), 201)
    a, b = mk("井盖松动", "人行道上"), mk("路灯不亮", "井边的路灯")
    c = mk("垃圾满溢", "小区门口")
    elsewhere = ok(admin.post("/api/v1/cases", json={"category": "sanitation", "title": "井盖别处",
                                                     "description": "d", "org_id": world["other"]}), 201)

    def ids(client, **q):
        return sorted(x["id"] for x in ok(client.get("/api/v1/cases", params={"limit": 100, **q}))["items"])

    assert ids(staff, q="井") == sorted([a["id"], b["id"]])  # title or description
    assert ids(admin, q="井") == sorted([a["id"], b["id"], elsewhere["id"]])
    assert ids(staff, code=c["tracking_code"].lower()) == [c["id"]]
    assert ids(staff, q=c["tracking_code"][3:12]) == [c["id"]]
    assert ids(staff, code=elsewhere["tracking_code"]) == []  # out of scope: not found
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    day = lambda n: (today + datetime.timedelta(days=n)).isoformat()  # noqa: E731
    assert ids(staff, q="井", **{"from": day(0), "to": day(0)}) == sorted([a["id"], b["id"]])
    assert ids(staff, **{"from": day(1)}) == [] and ids(staff, to=day(-1)) == []
    refused(staff.get("/api/v1/cases", params={"from": day(1), "to": day(0)}), 400, "validation_failed", "to")
    refused(staff.get("/api/v1/cases", params={"from": "2026-02-30"}), 400, "validation_failed", "from")
    refused(staff.get("/api/v1/cases", params={"code": "C12"}), 400, "validation_failed", "code")
    # Each row names its place: the community and street of the case's node.
    row = ok(staff.get("/api/v1/cases", params={"code": a["tracking_code"]}))["items"][0]
    assert [p["name"] for p in row["place"]][1:4] == ["蜀山区", "五里墩街道", "龙居社区"]
    assert [p["name"] for p in ok(staff.get(f"/api/v1/cases/{a['id']}/place"))["place"]][-1] == "龙居社区"
    refused(world["s"].make_user(admin, "se-other", "org_staff", world["other"]).get(
        f"/api/v1/cases/{a['id']}/place"), 404, "not_found", None)
    # The export follows the filter, masks the phone as the list does, and is audited.
    r = staff.get("/api/v1/cases/export", params={"org": comm, "q": "井", "from": day(0)})
    assert r.status_code == 200, r.text
    rows = xlsx_rows(r.content)
    assert rows[0][0] == "查询码" and sorted(x[0] for x in rows[1:]) == sorted([a["tracking_code"], b["tracking_code"]])
    audit = ok(admin.get("/api/v1/audit", params={"action": "cases.exported", "limit": 1}))["items"][0]
    assert audit["summary"]["rows"] == 2 and "井" not in str(audit["summary"])
    refused(staff.get("/api/v1/cases/export", params={"to": "x"}), 400, "validation_failed", "to")
    # A full export: the phone in clear, with a reason, by who may reveal over the node; audited with the reason.
    called = ok(worker.post("/api/v1/cases", json={"category": "sanitation", "title": "回电井盖", "description": "d",
                                                   "org_id": comm, "contact_phone": "13900001111"}), 201)
    masked = xlsx_rows(staff.get("/api/v1/cases/export", params={"org": comm, "q": "回电"}).content)
    assert masked[1][6] == called["contact_phone"] != "13900001111"
    full = {"org": comm, "q": "回电", "reveal": 1, "reason": "回访报告人"}
    r = staff.get("/api/v1/cases/export", params=full)
    assert r.status_code == 200, r.text
    assert xlsx_rows(r.content)[1][6] == "13900001111"
    audit = ok(admin.get("/api/v1/audit", params={"action": "cases.exported", "limit": 1}))["items"][0]
    assert audit["summary"]["revealed"] is True and audit["summary"]["reason"] == "回访报告人"
    assert "13900001111" not in str(audit)
    refused(staff.get("/api/v1/cases/export", params={**full, "reason": ""}), 400, "validation_failed", "reason")
    refused(staff.get("/api/v1/cases/export", params={**full, "org": world["other"]}), 403, "forbidden", "reveal")
    refused(staff.get("/api/v1/cases/export", params={k: v for k, v in full.items() if k != "org"}), 403, "forbidden",
            "reveal")
    refused(world["auditor"].get("/api/v1/cases/export", params=full), 403, "forbidden", "reveal")
    # More full values than --export-bulk-rows at once: pii.export_bulk (admin's), as the residents' export.
    many = {"org": comm, "reveal": 1, "reason": "回访报告人"}
    refused(staff.get("/api/v1/cases/export", params=many), 403, "export_bulk_forbidden", "reveal")
    assert len(xlsx_rows(admin.get("/api/v1/cases/export", params=many).content)) == 1 + 4


def test_grid_names_are_unique_within_their_community(world):
    admin, comm, other = world["admin"], world["comm"], world["other"]
    grid = lambda parent, name: admin.post("/api/v1/orgs", json={  # noqa: E731
        "parent_id": parent, "level": "grid", "name": name})
    a = ok(grid(comm, "检索一网格"), 201)
    b = ok(grid(comm, "检索二网格"), 201)
    there = ok(grid(other, "检索一网格"), 201)  # another community may use the name
    before = len(ok(admin.get("/api/v1/orgs", params={"org": comm, "level": "grid", "limit": 200}))["items"])
    refused(grid(comm, "检索一网格"), 409, "conflict", "name")
    refused(admin.patch(f"/api/v1/orgs/{b['id']}", json={"name": "检索一网格"}), 409, "conflict", "name")
    refused(admin.patch(f"/api/v1/orgs/{there['id']}", json={"parent_id": comm}), 409, "conflict", "parent_id")
    # Nothing changed; renaming a grid to its own name, or another free one, is fine.
    assert len(ok(admin.get("/api/v1/orgs", params={"org": comm, "level": "grid", "limit": 200}))["items"]) == before
    assert ok(admin.get(f"/api/v1/orgs/{b['id']}"))["name"] == "检索二网格"
    ok(admin.patch(f"/api/v1/orgs/{a['id']}", json={"name": "检索一网格"}))
    ok(admin.patch(f"/api/v1/orgs/{b['id']}", json={"name": "检索三网格"}))
