"""Meetings of a party organisation (三会一课, docs/party-meetings.md): the roll taken when a meeting is
recorded, the quorum of a voting 支部党员大会 counted against the 正式党员 only, signing in on a phone
by the meeting's token (refused to a non-member and outside the meeting's day), the member's own
meetings, compliance with the norm meetings.per_year by period, and the figures."""
import datetime

import pytest

from conftest import PASSWORD, id_with_check, ok, refused

SHUSHAN, LONGJU, NANGANG = "340104", "340104006", "340104005"
PER_YEAR_CITY = {"branch_assembly": 4, "committee": 12, "group": 12, "lecture": 4, "theme_day": 12,
                 "life_meeting": 1}


def today(admin):
    """The server's day in Asia/Shanghai (its clock: this module never moves it)."""
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {code: server.org_id(code) for code in (SHUSHAN, LONGJU, NANGANG)}
    org = lambda node, name, kind="党支部", parent=None: ok(admin.post("/api/v1/party-orgs", json={
        "org_id": node, "kind": kind, "name": name, **({"parent_id": parent} if parent else {})}), 201)["id"]
    ids["branch"] = org(ids[LONGJU], "龙居社区第一党支部")
    ids["branch_b"] = org(ids[LONGJU], "龙居社区第二党支部")
    ids["group"] = org(ids[LONGJU], "龙居社区第一党小组", "党小组", ids["branch"])
    ids["other"] = org(ids[NANGANG], "南岗社区党支部")
    people = {}
    # Four 正式 and two 预备 in the branch; one 正式 in the other community's branch.
    for i, (name, po, status) in enumerate((("正式甲", "branch", "正式"), ("正式乙", "branch", "正式"),
                                            ("正式丙", "branch", "正式"), ("正式丁", "branch", "正式"),
                                            ("预备戊", "branch", "预备"), ("预备己", "branch", "预备"),
                                            ("外支部庚", "other", "正式"))):
        node = ids[NANGANG] if po == "other" else ids[LONGJU]
        p = ok(admin.post("/api/v1/persons", json={"org_id": node, "name": name,
                                                   "id_card": id_with_check(f"34010419850301{i + 510:03d}")}), 201)
        ok(admin.post("/api/v1/party-members", json={"person_id": p["id"], "party_org_id": ids[po], "status": status,
                                                     "joined_on": "2010-07-01"}), 201)
        people[name] = p["id"]
    ids["people"] = people
    for name, user in (("正式甲", "pm-member"), ("外支部庚", "pm-outsider")):
        c = server.make_user(admin, user, "party_member", ids[NANGANG] if name == "外支部庚" else ids[LONGJU])
        ok(admin.patch(f"/api/v1/users/{c.user_id}", json={"person_id": people[name]}))
        c = server.client()
        c.login(user, PASSWORD)
        ids[name] = c
    ids["sibling"] = server.make_user(admin, "pm-sibling", "org_staff", ids[NANGANG])
    return ids


def meeting(admin, city, **kw):
    body = {"party_org_id": city["branch"], "kind": "branch_assembly", "held_on": str(today(admin)),
            "topic": "讨论发展党员", "place": "党员活动室", "host": "王书记", "recorder": "李委员", **kw}
    return ok(admin.post("/api/v1/party-meetings", json=body), 201)


def test_roll_and_quorum_count_full_members_only(server, admin, city):
    m = meeting(admin, city, votes=True)
    assert m["votes"] is True and m["roll"] == 6 and m["present"] == 0 and "token" not in m
    roll = ok(admin.get(f"/api/v1/party-meetings/{m['id']}/attendance"))
    assert len(roll["items"]) == 6 and roll["can_write"] is True and len(roll["token"]) == 32
    assert sorted(i["full_member"] for i in roll["items"]) == [False, False, True, True, True, True]
    # 4 正式 entitled: more than half is 3. Two 正式 and both 预备 present: 4 of 6 in the room, not met.
    mark = lambda name, status, **kw: ok(admin.post(f"/api/v1/party-meetings/{m['id']}/attendance", json={
        "person_id": city["people"][name], "status": status, **kw}))
    for name in ("正式甲", "正式乙", "预备戊", "预备己"):
        q = mark(name, "present")["quorum"]
    assert q == {"entitled": 4, "present": 2, "needed": 3, "probationary_present": 2, "met": False}
    r = mark("正式丙", "present")
    assert r["quorum"] == {"entitled": 4, "present": 3, "needed": 3, "probationary_present": 2, "met": True}
    r = mark("正式丙", "leave", reason="因公出差")
    assert r["quorum"]["met"] is False and r["counts"] == {"present": 4, "leave": 1, "absent": 1}
    assert [i["reason"] for i in r["items"] if i["status"] == "leave"] == ["因公出差"]
    # Refusals change nothing.
    before = ok(admin.get(f"/api/v1/party-meetings/{m['id']}/attendance"))
    refused(admin.post(f"/api/v1/party-meetings/{m['id']}/attendance",
                       json={"person_id": city["people"]["正式丁"], "status": "leave"}), 400, "validation_failed",
            "reason")
    refused(admin.post(f"/api/v1/party-meetings/{m['id']}/attendance",
                       json={"person_id": city["people"]["外支部庚"], "status": "present"}), 404, "not_found",
            "person_id")
    refused(admin.post(f"/api/v1/party-meetings/{m['id']}/attendance",
                       json={"person_id": city["people"]["正式丁"], "status": "late"}), 400, "validation_failed",
            "status")
    assert ok(admin.get(f"/api/v1/party-meetings/{m['id']}/attendance")) == before
    # Only a 支部党员大会 votes; a meeting that does not vote has no quorum line.
    refused(admin.post("/api/v1/party-meetings", json={"party_org_id": city["branch"], "kind": "committee",
                                                       "held_on": "2025-03-01", "topic": "支委会", "votes": True}),
            400, "validation_failed", "votes")
    refused(admin.patch(f"/api/v1/party-meetings/{m['id']}", json={"kind": "lecture"}), 400, "validation_failed",
            "votes")
    c = meeting(admin, city, kind="committee", minutes="正式丁因病缺席，会后由正式甲传达", resolutions="同意")
    assert ok(admin.get(f"/api/v1/party-meetings/{c['id']}/attendance"))["quorum"] is None
    # The minutes and resolutions (free texts that may name residents) stay out of the audit summary.
    logged = ok(admin.get("/api/v1/audit", params={"action": "party_meeting.created", "limit": 200}))["items"]
    row = next(r for r in logged if r["entity_id"] == c["id"])
    assert row["summary"]["topic"] == "讨论发展党员" and "minutes" not in row["summary"] and "resolutions" not in row["summary"]
    marked = ok(admin.get("/api/v1/audit", params={"action": "party_meeting.attendance_marked", "limit": 200}))["items"]
    assert all(set(r["summary"]) == {"person_id", "status"} for r in marked) and marked
    # Out of the caller's subtree: 404.
    refused(city["sibling"].get(f"/api/v1/party-meetings/{m['id']}/attendance"), 404, "not_found", None)
    refused(city["sibling"].post("/api/v1/party-meetings", json={"party_org_id": city["branch"],
                                                                 "kind": "lecture", "held_on": "2025-03-01",
                                                                 "topic": "党课"}), 404, "not_found", "party_org_id")


def test_sign_in_by_token_on_the_day(server, admin, city):
    m = meeting(admin, city, kind="theme_day", topic="主题党日：学习党章")
    token = ok(admin.get(f"/api/v1/party-meetings/{m['id']}/attendance"))["token"]
    member, outsider = city["正式甲"], city["外支部庚"]
    seen = ok(member.get("/api/v1/meeting-checkin", params={"token": token}))
    assert seen["open"] is True and seen["mine"]["status"] == "absent" and seen["topic"] == "主题党日：学习党章"
    first = ok(member.post("/api/v1/meeting-checkin", json={"token": token}))
    assert first["mine"]["status"] == "present" and first["mine"]["signed_at"]
    again = ok(member.post("/api/v1/meeting-checkin", json={"token": token}))
    assert again["mine"] == first["mine"]
    # A member of another organisation, an unknown token, another day: refused, nothing changes.
    refused(outsider.get("/api/v1/meeting-checkin", params={"token": token}), 403, "forbidden", "token")
    refused(outsider.post("/api/v1/meeting-checkin", json={"token": token}), 403, "forbidden", "token")
    refused(member.post("/api/v1/meeting-checkin", json={"token": "0" * 32}), 404, "not_found", "token")
    yesterday = meeting(admin, city, kind="lecture", held_on=str(today(admin) - datetime.timedelta(days=1)))
    ytoken = ok(admin.get(f"/api/v1/party-meetings/{yesterday['id']}/attendance"))["token"]
    assert ok(member.get("/api/v1/meeting-checkin", params={"token": ytoken}))["open"] is False
    refused(member.post("/api/v1/meeting-checkin", json={"token": ytoken}), 409, "invalid_transition", "token")
    roll = ok(admin.get(f"/api/v1/party-meetings/{m['id']}/attendance"))
    assert roll["counts"] == {"present": 1, "leave": 0, "absent": 5}
    assert ok(admin.get(f"/api/v1/party-meetings/{yesterday['id']}/attendance"))["counts"]["present"] == 0
    # The member's record: this meeting present, yesterday's absent; the outsider sees none of them.
    mine = ok(member.get("/api/v1/my/meetings"))
    assert mine["member"]["party_org_id"] == city["branch"]
    by_id = {i["id"]: i for i in mine["items"]}
    assert by_id[m["id"]]["my_status"] == "present" and by_id[yesterday["id"]]["my_status"] == "absent"
    theirs = ok(outsider.get("/api/v1/my/meetings"))
    assert theirs["member"]["party_org_id"] == city["other"] and theirs["items"] == []
    # The token is the staff's to print: a member reading the meeting does not get it.
    assert "token" not in ok(admin.get(f"/api/v1/party-meetings/{m['id']}"))
    assert ok(member.get(f"/api/v1/party-meetings/{m['id']}/attendance"))["token"] is None
    # Photos are the meeting's attachments; deleting the meeting takes its roll and photos with it.
    photo = lambda c: c.post("/api/v1/attachments", params={"owner": "party_meeting", "owner_id": yesterday["id"],
                                                            "name": "会场.png"},
                             data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                             headers={"Content-Type": "application/octet-stream"})
    assert photo(member).status_code == 403  # party.read at the node, not party.write
    f = ok(photo(admin), 201)
    assert ok(admin.get(f"/api/v1/party-meetings/{yesterday['id']}"))["photos"] == 1
    assert admin.delete(f"/api/v1/party-meetings/{yesterday['id']}").status_code == 204
    assert admin.get(f"/api/v1/party-meetings/{yesterday['id']}").status_code == 404
    assert admin.get(f"/api/v1/attachments/{f['id']}").status_code == 404
    refused(member.post("/api/v1/meeting-checkin", json={"token": ytoken}), 404, "not_found", "token")


def test_compliance_by_period_and_the_figures(server, admin, city):
    norm = lambda node, year, value: ok(admin.post("/api/v1/norms", json={
        "org_id": node, "key": "meetings.per_year", "year_from": year, "value": value,
        "basis": "中国共产党支部工作条例（试行）"}), 201)
    norm(city[SHUSHAN], 2018, PER_YEAR_CITY)
    # The community's own: quarterly assemblies, one 党课 and one 组织生活会 a year, monthly 党小组会.
    norm(city[LONGJU], 2024, {"branch_assembly": 4, "committee": 0, "group": 12, "lecture": 1, "theme_day": 0,
                              "life_meeting": 1})
    held = lambda po, kind, months: [ok(admin.post("/api/v1/party-meetings", json={
        "party_org_id": city[po], "kind": kind, "held_on": f"2024-{mo:02d}-15", "topic": f"{mo}月{kind}"}), 201)
        for mo in months]
    held("branch", "branch_assembly", (2, 5, 8))   # no assembly in Q4: one period missed
    held("branch", "lecture", (6,))
    held("branch", "life_meeting", (1,))
    held("branch_b", "branch_assembly", (1, 4, 7, 10))
    held("branch_b", "lecture", (3,))
    held("branch_b", "life_meeting", (12,))
    held("group", "group", range(1, 12))            # none in December
    page = ok(admin.get("/api/v1/party-meetings/compliance", params={"org": city[LONGJU], "year": 2024}))
    assert page["months_ended"] == 12
    rows = {r["id"]: r for r in page["items"]}
    assert set(rows) == {city["branch"], city["branch_b"], city["group"]}
    assert [rows[city[k]]["missed"] for k in ("branch", "branch_b", "group")] == [1, 0, 1]
    assembly = next(k for k in rows[city["branch"]]["kinds"] if k["kind"] == "branch_assembly")
    assert [(p["first_month"], p["last_month"], p["held"], p["state"]) for p in assembly["periods"]] == [
        (1, 3, 1, "ok"), (4, 6, 1, "ok"), (7, 9, 1, "ok"), (10, 12, 0, "missed")]
    assert [k["kind"] for k in rows[city["group"]]["kinds"]] == ["group"]
    behind = ok(admin.get("/api/v1/party-meetings/compliance",
                          params={"org": city[LONGJU], "year": 2024, "behind": "true"}))
    assert [r["id"] for r in behind["items"]] == sorted([city["branch"], city["group"]])
    first = ok(admin.get("/api/v1/party-meetings/compliance",
                         params={"org": city[LONGJU], "year": 2024, "behind": "true", "limit": 1}))
    assert [r["id"] for r in first["items"]] == [min(city["branch"], city["group"])] and first["next"]
    second = ok(admin.get("/api/v1/party-meetings/compliance", params={
        "org": city[LONGJU], "year": 2024, "behind": "true", "limit": 1, "after": first["next"]}))
    assert [r["id"] for r in second["items"]] == [max(city["branch"], city["group"])]
    # The city's norm where the community has none (南岗: every month missed in a past year), and
    # before any norm: said so, nothing judged.
    other = ok(admin.get("/api/v1/party-meetings/compliance", params={"org": city[NANGANG], "year": 2024}))
    assert [(r["norm"], r["missed"]) for r in other["items"]] == [(True, 4 + 12 + 4 + 12 + 1)]
    none = ok(admin.get("/api/v1/party-meetings/compliance", params={"org": city[LONGJU], "year": 2017}))
    assert {(r["norm"], r["missed"]) for r in none["items"]} == {(False, None)}
    refused(admin.get("/api/v1/party-meetings/compliance", params={"year": 1999}), 400, "validation_failed", "year")
    refused(city["sibling"].get("/api/v1/party-meetings/compliance", params={"org": city[LONGJU]}), 404,
            "not_found", "org")
    # Figures of the street's subtree and each child, 2024.
    f = ok(admin.get("/api/v1/party-meeting-figures", params={"org": city[LONGJU], "year": 2024}))
    assert (f["orgs"], f["orgs_judged"], f["orgs_behind"]) == (3, 3, 2)
    assert (f["held_branch_assembly"], f["missed_branch_assembly"], f["held_group"], f["missed_group"]) == (7, 1, 11, 1)
    assert f["meetings"] == 7 + 2 + 2 + 11
    street = ok(admin.get("/api/v1/party-meeting-figures", params={"org": city[SHUSHAN], "year": 2024}))
    assert street["orgs_behind"] == 3  # 龙居's two and 南岗's branch
    # The list filters by year and kind.
    listed = ok(admin.get("/api/v1/party-meetings", params={"org": city[LONGJU], "year": 2024,
                                                           "kind": "branch_assembly", "sort": "held_on"}))
    assert [i["held_on"] for i in listed["items"]] == ["2024-01-15", "2024-02-15", "2024-04-15", "2024-05-15",
                                                      "2024-07-15", "2024-08-15", "2024-10-15"]
