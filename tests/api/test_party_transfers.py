"""Membership transfers (组织关系转接): applied → out_reviewed → received / returned /
suspended → completed / cancelled; the sending side reviews, issues the letter and closes
the transfer when the receipt is back, the receiving side receives, returns or holds it;
the form follows the member's situation (party_transfer.formal_months); a letter past its
validity (party_transfer.letter_valid_days, on the test clock) is not accepted; only the
completion of a formal transfer moves the member, with the party member figures at both
ends and their ancestors, in one write."""
import concurrent.futures

import pytest

from conftest import PASSWORD, error_of, id_with_check, ok, refused

LONGJU, NANGANG, SHUSHAN = "340104006", "340104005", "340104"


def created(r):
    assert r.status_code == 201, r.text
    return r.json()


def member(admin, org, party_org, name, id17):
    p = created(admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": id_with_check(id17)}))
    created(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": party_org,
                                                      "status": "正式", "joined_on": "2010-07-01"}))
    return p["id"]


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (LONGJU, NANGANG, SHUSHAN)}
    ids["city"] = admin.get("/api/v1/orgs", params={"level": "city"}).json()["items"][0]["id"]
    a = created(admin.post("/api/v1/orgs", json={"parent_id": ids[LONGJU], "level": "community", "name": "转出社区"}))["id"]
    b = created(admin.post("/api/v1/orgs", json={"parent_id": ids[NANGANG], "level": "community", "name": "转入社区"}))["id"]
    c = created(admin.post("/api/v1/orgs", json={"parent_id": ids[NANGANG], "level": "community", "name": "旁观社区"}))["id"]
    po_a = created(admin.post("/api/v1/party-orgs", json={"org_id": a, "kind": "党支部", "name": "转出社区党支部"}))["id"]
    po_b = created(admin.post("/api/v1/party-orgs", json={"org_id": b, "kind": "党支部", "name": "转入社区党支部"}))["id"]
    for key, value in (("party_transfer.formal_months", 6), ("party_transfer.letter_valid_days", 30)):
        created(admin.post("/api/v1/norms", json={"org_id": ids["city"], "key": key, "year_from": 2019, "value": value,
                                                  "basis": "测试"}))
    ids.update(a=a, b=b, c=c, po_a=po_a, po_b=po_b)
    ids["m1"] = member(admin, a, po_a, "转接党员甲", "34010419800101771")
    ids["m2"] = member(admin, a, po_a, "转接党员乙", "34010419800101772")
    ids["m3"] = member(admin, a, po_a, "转接党员丙", "34010419800101773")
    ids["m4"] = member(admin, a, po_a, "转接党员丁", "34010419800101774")
    ids["sender"] = server.make_user(admin, "pt-sender", "org_staff", a)
    ids["receiver"] = server.make_user(admin, "pt-receiver", "org_staff", b)
    ids["outsider"] = server.make_user(admin, "pt-outsider", "org_staff", c)
    u = server.make_user(admin, "pt-member", "party_member", a)
    ok(admin.patch(f"/api/v1/users/{u.user_id}", json={"person_id": ids["m4"]}))
    u.login("pt-member", PASSWORD)
    ids["member"] = u
    return ids


def ask(client, person, to, away=12, fixed=True, **more):
    body = {"to_party_org_id": to, "type": "in_province", "away_months": away, "fixed_place": fixed,
            "purpose": "工作调动", "dues_paid_to": "2026-11"}
    if person:
        body["person_id"] = person
    body.update(more)
    return client.post("/api/v1/party-transfers", json=body)


def move(client, t, action, **more):
    return client.post(f"/api/v1/party-transfers/{t['id']}/moves",
                       json={"action": action, "version": t["version"], **more})


def party_members(admin, org):
    """The kept party member figures of a node's subtree: all of them, and the full members."""
    people = admin.get(f"/api/v1/orgs/{org}/stats").json()["people"]
    return people.get("party_members", 0), people.get("party_members_formal", 0)


def counts(admin, city):
    return {k: party_members(admin, city[k]) for k in ("a", "b", LONGJU, NANGANG, SHUSHAN, "city")}


def shifted(c, k, d):
    return (c[k][0] + d, c[k][1] + d)


def test_the_form_follows_the_situation_and_bad_input_changes_nothing(city, admin):
    s = city["sender"]
    refused(ask(s, city["m2"], city["po_b"], dues_paid_to="2026-13"), 400, "validation_failed", "dues_paid_to")
    refused(ask(s, city["m2"], city["po_a"]), 400, "validation_failed", "to_party_org_id")
    refused(ask(s, city["m2"], 999999), 404, "not_found", "to_party_org_id")
    refused(ask(city["outsider"], city["m2"], city["po_b"]), 404, "not_found", "person_id")
    refused(ask(s, None, city["po_b"]), 403, "forbidden", "person_id")  # staff without a membership of their own
    refused(ask(s, city["m2"], city["po_b"], type="abroad"), 400, "validation_failed", "type")
    assert admin.get("/api/v1/party-transfers", params={"person_id": city["m2"]}).json()["items"] == []
    t = created(ask(s, city["m2"], city["po_b"], away=5))
    assert (t["form"], t["state"], t["dues_paid_to"], t["can"]["moves"]) == ("certificate", "applied", "2026-11",
                                                                               ["approve", "cancel"])
    refused(ask(s, city["m2"], city["po_b"]), 409, "conflict", "person_id")  # one in progress per member
    ok(move(s, t, "cancel"))
    assert created(ask(s, city["m2"], city["po_b"], away=6))["form"] == "formal"  # 6 months or more: formal
    last = admin.get("/api/v1/party-transfers", params={"person_id": city["m2"], "open": 1}).json()["items"][0]
    ok(move(s, last, "cancel"))
    assert created(ask(s, city["m2"], city["po_b"], away=24, fixed=False))["form"] == "mobile_card"


def test_a_formal_transfer_moves_the_member_and_the_figures_only_at_completion(city, admin):
    s, r = city["sender"], city["receiver"]
    before = counts(admin, city)
    t = created(ask(s, city["m1"], city["po_b"]))
    assert t["form"] == "formal" and t["from_party_org_id"] == city["po_a"]
    # The receiving side cannot act before the letter is out; the sending side cannot receive.
    refused(move(r, t, "receive"), 409, "invalid_transition", "action")
    refused(move(r, t, "approve", letter_no="X1"), 403, "forbidden", "action")
    assert r.get(f"/api/v1/party-transfers/{t['id']}").json()["can"]["moves"] == []
    refused(move(s, t, "approve"), 400, "validation_failed", "letter_no")
    t = ok(move(s, t, "approve", letter_no="党组转字〔2026〕0001号"))
    assert t["state"] == "out_reviewed" and t["valid_days"] == 30 and t["expires_on"] > t["issued_on"]
    refused(move(s, t, "receive"), 403, "forbidden", "action")
    assert r.get(f"/api/v1/party-transfers/{t['id']}").json()["can"]["moves"] == ["receive", "return", "suspend"]
    refused(move(r, t, "suspend"), 400, "validation_failed", "reason")
    refused(move(r, {**t, "version": t["version"] - 1}, "suspend", reason="缺材料"), 409, "version_conflict", "version")
    t = ok(move(r, t, "suspend", reason="待补充党费交纳证明"))
    assert t["state"] == "suspended" and t["note"] == "待补充党费交纳证明"
    assert counts(admin, city) == before
    t = ok(move(r, t, "receive"))
    assert t["state"] == "received" and t["received_at"] and t["received_by_name"] == "pt-receiver"
    # Received, the receipt (回执) on its way back: the member has not moved yet.
    assert counts(admin, city) == before
    assert admin.get(f"/api/v1/party-members/{city['m1']}").json()["party_org_id"] == city["po_a"]
    refused(move(r, t, "complete"), 403, "forbidden", "action")
    t = ok(move(s, t, "complete"))
    assert t["state"] == "completed" and [h["action"] for h in t["history"]] == ["apply", "approve", "suspend",
                                                                                 "receive", "complete"]
    assert admin.get(f"/api/v1/party-members/{city['m1']}").json()["party_org_id"] == city["po_b"]
    after = counts(admin, city)
    assert after == {**before, "a": shifted(before, "a", -1), LONGJU: shifted(before, LONGJU, -1),
                     "b": shifted(before, "b", 1), NANGANG: shifted(before, NANGANG, 1)}
    assert after["a"][0] >= 3 and after["b"][0] == 1
    for action in ("cancel", "complete", "receive"):
        refused(move(s, t, action), 409, "invalid_transition", "action")
    # The member is now the receiving side's: the old side no longer sees them in its list.
    assert city["m1"] not in [m["person_id"] for m in s.get("/api/v1/party-members").json()["items"]]


def test_a_certificate_letter_completes_without_moving_the_member(city, admin):
    s, r = city["sender"], city["receiver"]
    open_ = admin.get("/api/v1/party-transfers", params={"person_id": city["m2"], "open": 1}).json()["items"][0]
    ok(move(s, open_, "cancel"))
    before = counts(admin, city)
    t = created(ask(s, city["m2"], city["po_b"], away=2))
    assert t["form"] == "certificate"
    t = ok(move(s, t, "approve", letter_no="证明信0002"))
    t = ok(move(r, t, "receive"))
    t = ok(move(s, t, "complete"))
    assert t["state"] == "completed" and counts(admin, city) == before
    assert admin.get(f"/api/v1/party-members/{city['m2']}").json()["party_org_id"] == city["po_a"]


def test_a_return_goes_back_to_the_sender_and_the_member_withdraws_only_their_own(city, admin):
    s, r, me = city["sender"], city["receiver"], city["member"]
    refused(ask(me, city["m1"], city["po_b"]), 404, "not_found", "person_id")
    t = created(ask(me, None, city["po_b"]))
    assert t["person_id"] == city["m4"] and me.get("/api/v1/my/party-transfer").json()["transfers"][0]["id"] == t["id"]
    assert s.get(f"/api/v1/party-transfers/{t['id']}").json()["can"]["moves"] == ["approve", "cancel"]
    assert city["outsider"].get(f"/api/v1/party-transfers/{t['id']}").status_code == 404
    assert me.get(f"/api/v1/party-transfers/{t['id']}").json()["can"]["moves"] == ["cancel"]
    t = ok(move(s, t, "approve", letter_no="L-4"))
    refused(move(me, t, "cancel"), 403, "forbidden", "action")  # out of the member's hands once approved
    t = ok(move(r, t, "return", reason="介绍信信息有误"))
    assert t["state"] == "returned" and t["can"]["moves"] == []
    refused(move(r, t, "receive"), 409, "invalid_transition", "action")
    t = ok(move(s, t, "reapply"))
    assert t["state"] == "applied"
    t = ok(move(me, t, "cancel"))
    assert t["state"] == "cancelled"
    mine = me.get("/api/v1/my/party-transfer").json()
    assert mine["member"]["party_org_id"] == city["po_a"] and mine["transfers"][0]["state"] == "cancelled"


def test_both_sides_see_it_in_their_inbox_and_lists_and_figures(city, admin):
    s, r = city["sender"], city["receiver"]
    t = created(ask(s, city["m3"], city["po_b"]))
    inbox = lambda c: [i["id"] for i in c.get("/api/v1/inbox").json()["party_transfers"]["items"]]  # noqa: E731
    assert t["id"] in inbox(s) and t["id"] not in inbox(r) and t["id"] not in inbox(city["outsider"])
    t = ok(move(s, t, "approve", letter_no="L-3"))
    assert t["id"] not in inbox(s) and t["id"] in inbox(r)
    assert [i["id"] for i in r.get("/api/v1/party-transfers", params={"box": "in", "open": 1}).json()["items"]] == [t["id"]]
    assert r.get("/api/v1/party-transfers", params={"box": "out"}).json()["items"] == []
    assert t["id"] in [i["id"] for i in s.get("/api/v1/party-transfers", params={"box": "out"}).json()["items"]]
    f = ok(admin.get("/api/v1/party-transfer-figures", params={"org": city[SHUSHAN]}))
    assert (f["pending_out"], f["pending_in"], f["completed_out"], f["completed_in"]) == (1, 1, 2, 2)
    assert {c["org_id"]: c["pending_out"] for c in f["children"]}[city[LONGJU]] == 1
    fa = ok(s.get("/api/v1/party-transfer-figures", params={"org": city["a"]}))
    assert (fa["pending_out"], fa["pending_in"], fa["completed_out"]) == (1, 0, 2)
    assert city["outsider"].get("/api/v1/party-transfer-figures", params={"org": city["a"]}).status_code == 404


def test_one_transfer_in_progress_per_member_under_concurrent_requests(city, admin, server):
    person = member(admin, city["a"], city["po_a"], "转接党员戊", "34010419800101775")
    clients = [server.admin() for _ in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(r.status_code for r in pool.map(lambda c: ask(c, person, city["po_b"]), clients))
    assert codes == [201] + [409] * 7, codes
    assert len(admin.get("/api/v1/party-transfers", params={"person_id": person}).json()["items"]) == 1


def test_the_sender_finds_a_destination_outside_its_scope_by_name(city):
    s = city["sender"]
    found = ok(s.get("/api/v1/party-transfers/destinations", params={"q": "转入社区"}))["items"]
    assert [(d["id"], d["org_id"], d["org_name"]) for d in found] == [(city["po_b"], city["b"], "转入社区")]
    assert s.get("/api/v1/party-orgs", params={"org": city["b"]}).status_code == 404  # outside the sender's scope
    assert ok(s.get("/api/v1/party-transfers/destinations", params={"q": "%"}))["items"] == []
    refused(s.get("/api/v1/party-transfers/destinations"), 400, "validation_failed", "q")
    assert city["member"].get("/api/v1/party-transfers/destinations", params={"q": "转入"}).status_code == 403


def test_an_expired_letter_is_not_accepted(city, admin, server):
    s, r = city["sender"], city["receiver"]
    t = admin.get("/api/v1/party-transfers", params={"person_id": city["m3"], "open": 1}).json()["items"][0]
    assert t["state"] == "out_reviewed" and t["expired"] is False
    ok(admin.post("/api/v1/_test/clock", json={"advance_seconds": 31 * 86400}))
    admin = server.admin()  # sessions expire on the moved clock: sign in again
    s.login("pt-sender", PASSWORD)
    r.login("pt-receiver", PASSWORD)
    t = ok(r.get(f"/api/v1/party-transfers/{t['id']}"))
    assert t["expired"] is True
    before = counts(admin, city)
    refused(move(r, t, "receive"), 409, "letter_expired", "action")
    assert counts(admin, city) == before and ok(r.get(f"/api/v1/party-transfers/{t['id']}"))["state"] == "out_reviewed"
    f = ok(s.get("/api/v1/party-transfer-figures", params={"org": city["a"]}))
    assert f["expired_out"] == 1
    # Returned, re-applied and issued anew (a letter valid 10 days, given explicitly), it is accepted.
    t = ok(move(r, t, "return", reason="介绍信已过期"))
    t = ok(move(s, t, "reapply"))
    t = ok(move(s, t, "approve", letter_no="L-3b", valid_days=10))
    assert t["valid_days"] == 10 and t["expired"] is False
    assert ok(move(r, t, "receive"))["state"] == "received"
    e = error_of(s.post(f"/api/v1/party-transfers/{t['id']}/moves", json={"action": "fly", "version": 1}))
    assert (e["code"], e["field"]) == ("validation_failed", "action")
