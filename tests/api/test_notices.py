"""Notices (调度通报): issued down the tree to chosen levels, one receipt per recipient org,
first read recorded once, replies, reminders, overdue replies, the printed PDF, and who sees
what (the issuer's subtree; a recipient its own receipt only)."""
import subprocess
import tempfile

import pytest

from conftest import PASSWORD, error_of

CITY, SHUSHAN, STREET, LONGJU, YAOHAI = "3401", "340104", "340104006", "340104006006", "340102"


@pytest.fixture(scope="module")
def ids(server):
    return {code: server.org_id(code) for code in (CITY, SHUSHAN, STREET, LONGJU, YAOHAI)}


@pytest.fixture(scope="module")
def people(server, admin, ids):
    return {
        "district": server.make_user(admin, "ntc_district", "org_staff", ids[SHUSHAN]),
        "district2": server.make_user(admin, "ntc_district2", "org_staff", ids[SHUSHAN]),
        "street": server.make_user(admin, "ntc_street", "org_staff", ids[STREET]),
        "community": server.make_user(admin, "ntc_community", "org_staff", ids[LONGJU]),
        "community2": server.make_user(admin, "ntc_community2", "org_staff", ids[LONGJU]),
        "yaohai": server.make_user(admin, "ntc_yaohai", "org_staff", ids[YAOHAI]),
        "resident": server.make_user(admin, "ntc_resident", "resident", ids[LONGJU]),
        "auditor": server.make_user(admin, "ntc_auditor", "auditor", ids[SHUSHAN]),
    }


def subtree_count(admin, org, levels):
    """How many nodes of these levels lie in org's subtree (org itself left out), through the tree API."""
    n = 0
    for level in levels:
        after = None
        while True:
            params = {"org": org, "level": level, "limit": 200, **({"after": after} if after else {})}
            r = admin.get("/api/v1/orgs", params=params).json()
            n += len([o for o in r["items"] if o["id"] != org])
            after = r["next"]
            if not after:
                break
    return n


def issue(client, org, target, levels, **more):
    body = {"org_id": org, "kind": "dispatch", "title": "关于做好冬季安全生产工作的通知", "body": "各单位：\n请认真落实。",
            "target_org_id": target, "levels": levels, **more}
    return client.post("/api/v1/notices", json=body)


def test_targeting_by_levels_makes_one_receipt_per_node(server, admin, ids, people):
    r = issue(people["district"], ids[SHUSHAN], ids[SHUSHAN], ["street", "community"], doc_no="蜀组〔2026〕1号")
    assert r.status_code == 201, r.text
    n = r.json()
    expected = subtree_count(admin, ids[SHUSHAN], ("street", "community"))
    assert n["recipients"] == expected > 10
    assert n["counts"] == {"recipients": expected, "read": 0, "unread": expected, "replied": 0, "unreplied": 0,
                           "overdue": 0}
    assert n["levels"] == ["street", "community"] and n["issuer_view"] is True
    assert n["issuer_staff"] is True
    # An auditor of the issuing node sees it from the issuer's side but is not its staff:
    # no reminding, no files added (the console hides both by this flag).
    seen = people["auditor"].get(f"/api/v1/notices/{n['id']}").json()
    assert seen["issuer_view"] is True and seen["issuer_staff"] is False
    assert people["auditor"].post(f"/api/v1/notices/{n['id']}/remind").status_code == 403
    receipts, after, totals = [], None, set()
    while True:
        params = {"limit": 7, **({"after": after} if after else {})}
        page = people["district"].get(f"/api/v1/notices/{n['id']}/receipts", params=params).json()
        receipts += page["items"]
        totals.add((page["total"], page["total_capped"]))
        after = page["next"]
        if not after:
            break
    assert totals == {(expected, False)}  # 共 N 条 on every page
    assert len(receipts) == expected == len({x["org_id"] for x in receipts})
    assert {x["org_level"] for x in receipts} == {"street", "community"}
    assert ids[SHUSHAN] not in {x["org_id"] for x in receipts}
    # Only streets: fewer receipts, none at a community.
    r = issue(people["district"], ids[SHUSHAN], ids[SHUSHAN], ["street"])
    assert r.json()["recipients"] == subtree_count(admin, ids[SHUSHAN], ("street",)) < expected
    # The issuer itself receives nothing: a notice to its own level alone has no recipient.
    r = issue(people["district"], ids[SHUSHAN], ids[SHUSHAN], ["district"])
    assert r.status_code == 400 and error_of(r)["field"] == "levels", r.text


def test_bad_input_names_the_field_and_changes_nothing(server, admin, ids, people):
    before = people["district"].get("/api/v1/notices", params={"limit": 200}).json()["items"]
    d = people["district"]
    cases = [
        ({"levels": ["street", "nowhere"]}, "levels"),
        ({"levels": []}, "levels"),
        ({"levels": ["street", "street"]}, "levels"),
        ({"kind": "gossip"}, "kind"),
        ({"title": ""}, "title"),
        ({"reply_due": "2001-01-01"}, "reply_due"),
        ({"reply_due": "tomorrow"}, "reply_due"),
        ({"target_org_id": ids[YAOHAI]}, "target_org_id"),
        ({"body": None}, "body"),
    ]
    for change, field in cases:
        body = {"org_id": ids[SHUSHAN], "kind": "dispatch", "title": "标题", "body": "正文",
                "target_org_id": ids[SHUSHAN], "levels": ["street"], **change}
        r = d.post("/api/v1/notices", json=body)
        assert r.status_code == 400 and error_of(r)["field"] == field, (change, r.text)
    # Issuing for an org outside the caller's grants: 404 naming it.
    r = issue(d, ids[YAOHAI], ids[YAOHAI], ["street"])
    assert r.status_code == 404 and error_of(r)["field"] == "org_id", r.text
    assert d.get("/api/v1/notices", params={"limit": 200}).json()["items"] == before


def test_recipient_reads_once_replies_and_sees_nothing_of_others(server, admin, ids, people):
    due = "2099-01-01T00:00:00Z"
    n = issue(people["district"], ids[SHUSHAN], ids[SHUSHAN], ["street", "community"], reply_due=due,
              title="关于开展“两新”组织党建工作调度的通报", doc_no="蜀组〔2026〕7号").json()
    nid = n["id"]
    com, com2 = people["community"], people["community2"]
    # The recipient sees the notice and its own receipt only.
    g = com.get(f"/api/v1/notices/{nid}")
    assert g.status_code == 200, g.text
    got = g.json()
    assert got["issuer_view"] is False and got["issuer_staff"] is False and got["counts"] is None
    assert [x["org_id"] for x in got["my_receipts"]] == [ids[LONGJU]]
    assert got["my_receipts"][0]["read_at"] is None
    r = com.get(f"/api/v1/notices/{nid}/receipts")
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    # Waiting in its inbox, beside the cases' parts, outside their total.
    inbox = com.get("/api/v1/inbox").json()
    assert nid in [x["notice_id"] for x in inbox["notices"]["items"]]
    assert inbox["total"] == sum(v["count"] for k, v in inbox.items() if k not in ("total", "notices"))
    # The first user of the org who opens it is recorded; a second opening changes nothing.
    r = com.post(f"/api/v1/notices/{nid}/read")
    assert r.status_code == 200, r.text
    first = r.json()["my_receipts"][0]
    assert first["read_by_name"] == "ntc_community" and first["read_at"]
    server_clock(admin, 60)
    again = com2.post(f"/api/v1/notices/{nid}/read").json()["my_receipts"][0]
    assert (again["read_at"], again["read_by_name"]) == (first["read_at"], "ntc_community")
    # Read but not replied: still waiting (a reply is asked for).
    assert nid in [x["notice_id"] for x in com.get("/api/v1/inbox").json()["notices"]["items"]]
    # A district user is not a recipient of its own notice's community receipt: it cannot reply.
    r = people["district"].post(f"/api/v1/notices/{nid}/reply", json={"text": "x"})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    r = com2.post(f"/api/v1/notices/{nid}/reply", json={"text": "已传达到各网格，落实到位。"})
    assert r.status_code == 200, r.text
    mine = r.json()["my_receipts"][0]
    assert (mine["reply"], mine["replied_by_name"], mine["late"], mine["overdue"]) == (
        "已传达到各网格，落实到位。", "ntc_community2", False, False)
    r = com.post(f"/api/v1/notices/{nid}/reply", json={"text": "again"})
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    assert nid not in [x["notice_id"] for x in com.get("/api/v1/inbox").json()["notices"]["items"]]
    # The issuer sees it read and replied; the counts follow.
    c = people["district"].get(f"/api/v1/notices/{nid}").json()["counts"]
    assert (c["read"], c["replied"], c["unreplied"]) == (1, 1, n["recipients"] - 1)
    rows = people["district"].get(f"/api/v1/notices/{nid}/receipts", params={"state": "replied"}).json()["items"]
    assert [(x["org_id"], x["reply"]) for x in rows] == [(ids[LONGJU], "已传达到各网格，落实到位。")]
    unread = people["district"].get(f"/api/v1/notices/{nid}/receipts", params={"state": "unread", "limit": 200})
    assert ids[LONGJU] not in [x["org_id"] for x in unread.json()["items"]]
    # Another district's staff: nothing (404, as for a missing one); a resident: 403.
    assert people["yaohai"].get(f"/api/v1/notices/{nid}").status_code == 404
    assert people["yaohai"].post(f"/api/v1/notices/{nid}/read").status_code == 404
    assert people["resident"].get(f"/api/v1/notices/{nid}").status_code == 403
    assert people["resident"].get("/api/v1/notices").status_code == 403
    assert "notices" in people["resident"].get("/api/v1/inbox").json()
    assert people["resident"].get("/api/v1/inbox").json()["notices"]["count"] == 0
    # The recipient's list of received notices; the issuer's list of issued ones.
    got = com.get("/api/v1/notices", params={"box": "received"}).json()["items"]
    assert [x["notice_id"] for x in got if x["notice_id"] == nid] == [nid]
    assert all(x["org_id"] == ids[LONGJU] for x in got)
    assert nid not in [x["id"] for x in com.get("/api/v1/notices").json()["items"]]
    issued = people["district"].get("/api/v1/notices").json()["items"]
    assert nid in [x["id"] for x in issued]
    # The street above the community sees its own receipt, not the community's.
    st = people["street"].get(f"/api/v1/notices/{nid}").json()
    assert [x["org_id"] for x in st["my_receipts"]] == [ids[STREET]]


def server_clock(admin, seconds):
    r = admin.post("/api/v1/_test/clock", json={"advance_seconds": seconds})
    assert r.status_code == 200, r.text


def test_remind_and_overdue(server, admin, ids, people):
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    due = (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    n = issue(people["street"], ids[STREET], ids[STREET], ["community"], reply_due=due).json()
    nid = n["id"]
    assert n["recipients"] >= 2
    com = people["community"]
    com.post(f"/api/v1/notices/{nid}/read")
    # The recipient may not remind; the issuer reminds those that have not replied.
    r = com.post(f"/api/v1/notices/{nid}/remind")
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    r = people["street"].post(f"/api/v1/notices/{nid}/remind", json={"whom": "unread"})
    assert r.status_code == 200 and r.json()["reminded"] == n["recipients"] - 1, r.text
    r = people["street"].post(f"/api/v1/notices/{nid}/remind")
    assert r.status_code == 200 and r.json()["reminded"] == n["recipients"], r.text
    mine = com.get(f"/api/v1/notices/{nid}").json()["my_receipts"][0]
    assert mine["reminders"] == 1 and mine["reminded_at"]
    item = next(x for x in com.get("/api/v1/inbox").json()["notices"]["items"] if x["notice_id"] == nid)
    assert item["reminded_at"] and item["reminders"] == 1
    rows = admin.get("/api/v1/audit", params={"action": "notice.reminded", "limit": 5}).json()["items"]
    assert any(row["entity_id"] == nid for row in rows), rows
    r = people["street"].post(f"/api/v1/notices/{nid}/remind", json={"whom": "everyone"})
    assert r.status_code == 400 and error_of(r)["field"] == "whom"
    # Past the deadline: unreplied receipts are overdue; a reply then is late.
    server_clock(admin, 3 * 86400)
    for who in people:  # the sessions have lapsed meanwhile
        people[who].login(f"ntc_{who}", PASSWORD)
    c = people["street"].get(f"/api/v1/notices/{nid}").json()["counts"]
    assert c["overdue"] == n["recipients"]
    over = people["street"].get(f"/api/v1/notices/{nid}/receipts", params={"state": "overdue"}).json()["items"]
    assert len(over) == n["recipients"] and all(x["overdue"] for x in over)
    mine = com.post(f"/api/v1/notices/{nid}/reply", json={"text": "迟复"}).json()["my_receipts"][0]
    assert (mine["late"], mine["overdue"]) == (True, False)
    fig = people["street"].get("/api/v1/notice-figures", params={"org": ids[STREET]}).json()
    assert fig["overdue"] >= n["recipients"] - 1 and fig["receipts"] >= n["recipients"]
    # The figures of the community alone count its own receipts only.
    figc = com.get("/api/v1/notice-figures").json()
    total = len(com.get("/api/v1/notices", params={"box": "received", "limit": 200}).json()["items"])
    assert figc["receipts"] == total


def test_pdf_text_is_the_notice(server, admin, ids, people):
    body = "各街道党工委、各社区党委：\n为做好年终调度工作，现将有关事项通报如下。一是压实责任，二是强化督导。\n请于月底前报送落实情况。"
    n = issue(people["district"], ids[SHUSHAN], ids[SHUSHAN], ["street"], title="关于年终工作调度情况的通报",
              doc_no="蜀组通〔2026〕12号", body=body, kind="criticism").json()
    r = people["street"].get(f"/api/v1/notices/{n['id']}/pdf")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/pdf")
    assert r.content.startswith(b"%PDF")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(r.content)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True,
                              text=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True, text=True).stdout
    flat = "".join(text.split())
    for part in ("蜀山区", "关于年终工作调度情况的通报", "蜀组通〔2026〕12号", "一是压实责任，二是强化督导。",
                 "请于月底前报送落实情况。"):
        assert part in flat, (part, text)
    assert "595.276 x 841.89" in info  # A4
    assert people["yaohai"].get(f"/api/v1/notices/{n['id']}/pdf").status_code == 404


def test_a_long_body_flows_onto_more_pages(server, admin, ids, people):
    body = "\n".join(f"第{i}条：各单位要按照要求认真落实各项工作任务，确保取得实效。" for i in range(1, 80))
    n = issue(people["district"], ids[SHUSHAN], ids[SHUSHAN], ["street"], body=body).json()
    r = people["district"].get(f"/api/v1/notices/{n['id']}/pdf")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(r.content)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True, text=True).stdout
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 3
    flat = "".join(text.split())
    assert "第1条" in flat and "第79条" in flat
