"""发展党员: the 25 steps of the 2014 细则, refused out of order and too early (dates on
the server's controllable clock), the branch meeting counted against the right
denominators (present against the voting full members; adopted by more than half of
ALL of them), the person a 预备党员 once the higher committee approves the vote (joined
on the vote's day) and a full member a year later, the extension of the probation,
what is due next in a branch, and the figures by stage."""
import datetime

import pytest

from conftest import error_of, id_with_check, ok, refused

LONGJU = "340104006"
CITY = "3401"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERIODS = {"dev_min_age": 18, "dev_talk_months": 1, "dev_activist_months": 12, "dev_assessment_months": 6,
           "dev_training_days": 3, "dev_training_hours": 24, "dev_publicity_workdays": 5, "dev_approval_months": 3,
           "dev_approval_months_max": 6, "dev_probation_months": 12, "dev_extension_months_min": 6,
           "dev_extension_months_max": 12}


def server_today(admin):
    """The server's day in Asia/Shanghai (its clock moves in these tests)."""
    now = admin.post("/api/v1/_test/clock", json={"advance_seconds": 0}).json()["now"]
    return datetime.datetime.fromtimestamp(now + 8 * 3600, datetime.timezone.utc).date()


def d(day):
    return day.isoformat()


_n = [0]


def person(admin, org, name, born):
    _n[0] += 1
    id17 = "340104" + born.strftime("%Y%m%d") + f"{_n[0]:03d}"
    return ok(admin.post("/api/v1/persons", json={"org_id": org, "name": name, "id_card": id_with_check(id17)}),
              201)["id"]


@pytest.fixture(scope="module")
def city(server, admin):
    ids = {"longju": server.org_id(LONGJU), "city": server.org_id(CITY)}
    ids["community"] = ok(admin.post("/api/v1/orgs", json={"parent_id": ids["longju"], "level": "community",
                                                           "name": "发展社区"}), 201)["id"]
    ids["branch"] = ok(admin.post("/api/v1/party-orgs", json={"org_id": ids["community"], "kind": "党支部",
                                                              "name": "发展社区第一党支部"}), 201)["id"]
    ids["committee"] = ok(admin.post("/api/v1/party-orgs", json={"org_id": ids["community"], "kind": "党委",
                                                                 "name": "发展社区党委"}), 201)["id"]
    # Six full members with the right to vote.
    for i in range(6):
        p = person(admin, ids["community"], f"老党员{i}", datetime.date(1960, 3, 1 + i))
        ok(admin.post("/api/v1/party-members", json={"person_id": p, "party_org_id": ids["branch"], "status": "正式",
                                                     "joined_on": "1990-07-01"}), 201)
    ids["today"] = server_today(admin)
    return ids


def step(admin, cid, n, day=None, **kw):
    body = {"step": n, **kw}
    if day:
        body["done_on"] = d(day)
    return admin.post(f"/api/v1/party-candidates/{cid}/steps", json=body)


def walk(admin, cid, frm, to, day, **kw):
    for n in range(frm, to + 1):
        ok(step(admin, cid, n, day, **kw), 201)


def test_no_norm_then_the_underage_applicant(server, admin, city):
    today = city["today"]
    adult = person(admin, city["community"], "申请人甲", datetime.date(1995, 5, 5))
    r = admin.post("/api/v1/party-candidates", json={"person_id": adult, "party_org_id": city["branch"]})
    refused(r, 409, "development_no_norm", "applied_on")
    ok(admin.post("/api/v1/norms", json={"org_id": city["city"], "key": "development.periods", "year_from": 2000,
                                         "value": PERIODS, "basis": "《中国共产党发展党员工作细则》（2014）"}), 201)
    # Seventeen on the day of the application: refused; the message names no birth date.
    young = person(admin, city["community"], "申请人乙", today.replace(year=today.year - 18) + datetime.timedelta(days=1))
    r = admin.post("/api/v1/party-candidates", json={"person_id": young, "party_org_id": city["branch"]})
    refused(r, 409, "development_underage", "person_id")
    assert "18" in error_of(r)["message"]
    # Only a branch develops members.
    refused(admin.post("/api/v1/party-candidates", json={"person_id": adult, "party_org_id": city["committee"]}),
            400, "validation_failed", "party_org_id")
    c = ok(admin.post("/api/v1/party-candidates", json={"person_id": adult, "party_org_id": city["branch"]}), 201)
    assert (c["step"], c["stage"], c["state"], c["applied_on"]) == (1, 1, "active", d(today))
    assert c["next"]["step"] == 2 and c["next"]["due_by"] == d(today + datetime.timedelta(days=31)) or \
        c["next"]["due_by"] > d(today)
    refused(admin.post("/api/v1/party-candidates", json={"person_id": adult, "party_org_id": city["branch"]}),
            409, "conflict", "person_id")
    # Out of order: step 3 before the talk.
    refused(step(admin, c["id"], 3), 409, "development_out_of_order", "step")
    # Not after today (the server's clock).
    refused(step(admin, c["id"], 2, today + datetime.timedelta(days=1)), 400, "validation_failed", "done_on")
    # Not before the application.
    refused(step(admin, c["id"], 2, today - datetime.timedelta(days=1)), 409, "development_too_early", "done_on")
    city["young"] = young


def test_the_whole_way_with_the_meeting_denominators(server, admin, city):
    today = city["today"]
    a = today - datetime.timedelta(days=1000)
    p = person(admin, city["community"], "申请人丙", datetime.date(1998, 1, 1))
    c = ok(admin.post("/api/v1/party-candidates", json={"person_id": p, "party_org_id": city["branch"],
                                                        "applied_on": d(a)}), 201)
    cid = c["id"]
    walk(admin, cid, 2, 5, a + datetime.timedelta(days=10), persons="王老师")
    # 发展对象 needs a year as 入党积极分子 and a half-yearly assessment each half year.
    act = a + datetime.timedelta(days=10)
    ok(step(admin, cid, 6, act + datetime.timedelta(days=180)), 201)
    refused(step(admin, cid, 7, act + datetime.timedelta(days=200)), 409, "development_too_early", "done_on")
    refused(step(admin, cid, 7, act + datetime.timedelta(days=370)), 409, "development_assessments_missing", "step")
    ok(step(admin, cid, 6, act + datetime.timedelta(days=360)), 201)  # a repeatable step, again
    obj = act + datetime.timedelta(days=370)
    walk(admin, cid, 7, 10, obj)
    refused(step(admin, cid, 11, obj, days=2, hours=16), 409, "development_training_short", "hours")
    ok(step(admin, cid, 11, obj, hours=24), 201)
    ok(step(admin, cid, 12, obj), 201)
    # The pre-review's publicity: at least 5 working days, and the result after it.
    mon = obj + datetime.timedelta(days=(7 - obj.weekday()) % 7 or 7)
    refused(step(admin, cid, 13, mon + datetime.timedelta(days=10), publicity_from=d(mon),
                 publicity_to=d(mon + datetime.timedelta(days=3))), 409, "development_publicity_short", "publicity_to")
    refused(step(admin, cid, 13, mon + datetime.timedelta(days=4), publicity_from=d(mon),
                 publicity_to=d(mon + datetime.timedelta(days=4))), 409, "development_too_early", "done_on")
    ok(step(admin, cid, 13, mon + datetime.timedelta(days=7), publicity_from=d(mon),
            publicity_to=d(mon + datetime.timedelta(days=4))), 201)
    vote = mon + datetime.timedelta(days=10)
    ok(step(admin, cid, 14, vote), 201)
    # The branch meeting: 6 voting full members in the branch.
    refused(step(admin, cid, 15, vote), 400, "validation_failed", "voting_members")
    refused(step(admin, cid, 15, vote, voting_members=7, present=7, votes_for=7), 400, "validation_failed",
            "voting_members")
    refused(step(admin, cid, 15, vote, voting_members=6, present=3, votes_for=3), 409, "development_no_quorum",
            "present")
    # 3 of the 4 present is a majority of those present, but not more than half of all 6: not adopted.
    r = ok(step(admin, cid, 15, vote, voting_members=6, present=4, votes_for=3), 201)
    assert r["step"] == 14 and r["steps"][-1]["outcome"] == "not_adopted" and r["next"]["step"] == 15
    assert ok(admin.get("/api/v1/party-members", params={"party_org": city["branch"], "status": "预备"}))["items"] == []
    r = ok(step(admin, cid, 15, vote, voting_members=6, present=4, votes_for=4), 201)
    assert r["step"] == 15 and r["stage"] == 4
    ok(step(admin, cid, 16, vote + datetime.timedelta(days=5)), 201)
    # The higher committee's approval: within 3 months, up to 6 with a reason, never later.
    refused(step(admin, cid, 17, vote + datetime.timedelta(days=200)), 409, "development_too_late", "done_on")
    refused(step(admin, cid, 17, vote + datetime.timedelta(days=100)), 409, "development_late_reason", "reason")
    r = ok(step(admin, cid, 17, vote + datetime.timedelta(days=100), reason="上级党委会议顺延"), 201)
    member = ok(admin.get(f"/api/v1/party-members/{p}"))
    assert (member["status"], member["joined_on"], member["party_org_id"]) == ("预备", d(vote), city["branch"])
    end = r["probation_end"]
    assert end == d(vote.replace(year=vote.year + 1)) or end[5:] == "02-28"
    walk(admin, cid, 18, 22, vote + datetime.timedelta(days=120))
    # The conversion vote once the probation is over.
    refused(step(admin, cid, 23, vote + datetime.timedelta(days=300), voting_members=6, present=5, votes_for=5,
                 decision="convert"), 409, "development_too_early", "done_on")
    conv = datetime.date.fromisoformat(end)
    ok(step(admin, cid, 23, conv, voting_members=6, present=5, votes_for=5, decision="convert"), 201)
    r = ok(step(admin, cid, 24, conv + datetime.timedelta(days=20)), 201)
    assert ok(admin.get(f"/api/v1/party-members/{p}"))["status"] == "正式"
    # The documents of a step: added while the record is open, kept as they are once it is archived.
    sid = r["steps"][-1]["id"]
    up = admin.post("/api/v1/attachments", params={"owner": "party_candidate_step", "owner_id": sid, "name": "转正批复.pdf"},
                    data=PDF, headers={"Content-Type": "application/octet-stream"})
    fid = ok(up, 201)["id"]
    r = ok(step(admin, cid, 25, conv + datetime.timedelta(days=21)), 201)
    assert (r["state"], r["next"]) == ("joined", None)
    assert next(x for x in r["steps"] if x["id"] == sid)["files"] == 1
    refused(admin.delete(f"/api/v1/attachments/{fid}"), 409, "invalid_transition", None)
    outsider = server.make_user(admin, "pd-outsider", "org_staff", server.org_id("340102"))
    assert outsider.get(f"/api/v1/party-candidates/{cid}").status_code == 404
    assert outsider.get("/api/v1/attachments", params={"owner": "party_candidate_step", "owner_id": sid}).status_code == 404
    refused(step(admin, cid, 25), 409, "development_closed", "step")
    # The audit rows name steps and days, never the note or a name.
    log = ok(admin.get("/api/v1/audit", params={"action": "party_candidate.step_recorded", "limit": 200}))["items"]
    assert log and all("上级党委会议顺延" not in str(x) and "王老师" not in str(x) for x in log)


def test_extension_and_the_due_list(server, admin, city):
    today = city["today"]
    vote = today - datetime.timedelta(days=400)
    p = person(admin, city["community"], "申请人丁", datetime.date(1999, 2, 2))
    cid = ok(admin.post("/api/v1/party-candidates", json={"person_id": p, "party_org_id": city["branch"],
                                                          "applied_on": d(vote - datetime.timedelta(days=500))}),
             201)["id"]
    early = vote - datetime.timedelta(days=490)
    walk(admin, cid, 2, 5, early)
    for k in (1, 2):
        ok(step(admin, cid, 6, early + datetime.timedelta(days=182 * k)), 201)
    walk(admin, cid, 7, 10, vote - datetime.timedelta(days=60))
    ok(step(admin, cid, 11, vote - datetime.timedelta(days=60), days=3), 201)
    ok(step(admin, cid, 12, vote - datetime.timedelta(days=60)), 201)
    mon = vote - datetime.timedelta(days=50)
    mon -= datetime.timedelta(days=mon.weekday())
    ok(step(admin, cid, 13, vote - datetime.timedelta(days=20), publicity_from=d(mon),
            publicity_to=d(mon + datetime.timedelta(days=6))), 201)
    ok(step(admin, cid, 14, vote), 201)
    ok(step(admin, cid, 15, vote, voting_members=6, present=6, votes_for=6), 201)
    ok(step(admin, cid, 16, vote), 201)
    ok(step(admin, cid, 17, vote + datetime.timedelta(days=30)), 201)
    walk(admin, cid, 18, 22, vote + datetime.timedelta(days=40))
    end = ok(admin.get(f"/api/v1/party-candidates/{cid}"))["probation_end"]
    refused(step(admin, cid, 23, today, voting_members=6, present=5, votes_for=5, decision="extend",
                 extension_months=3), 409, "development_extension", "extension_months")
    r = ok(step(admin, cid, 23, today, voting_members=6, present=5, votes_for=5, decision="extend",
                extension_months=6), 201)
    assert r["extended_months"] == 6 and r["probation_end"] > end and r["next"]["step"] == 23
    assert r["next"]["earliest"] == r["probation_end"] and ok(admin.get(f"/api/v1/party-members/{p}"))["status"] == "预备"
    refused(step(admin, cid, 23, today, voting_members=6, present=5, votes_for=5, decision="convert"), 409,
            "development_too_early", "done_on")
    due = ok(admin.get("/api/v1/party-candidates/due", params={"party_org": city["branch"]}))
    row = next(x for x in due["items"] if x["id"] == cid)
    assert row["next"]["step"] == 23 and row["next"]["ready"] is False
    assert all(x["state"] == "active" for x in due["items"])
    # Each row's next step is its own (the steps of the branch are read at once): the first applicant talks next.
    first = next(x for x in due["items"] if x["person_name"] == "申请人甲")
    assert (first["step"], first["next"]["step"], first["next"]["ready"]) == (1, 2, True)
    assert [x["next"]["step"] for x in due["items"]] != [23] * len(due["items"])
    # The figures by stage, in the node and its parents.
    f = ok(admin.get("/api/v1/party-development-figures", params={"org": city["longju"]}))
    assert f["stage5"] >= 1 and f["candidates"] >= 2 and f["admitted"] + f["converted"] >= 0
    kid = next(k for k in f["children"] if k["org_id"] == city["community"])
    assert (kid["stage5"], kid["candidates"]) == (f["stage5"], f["candidates"])


def test_too_early_on_the_server_clock(server, admin, city):
    today = city["today"]
    p = person(admin, city["community"], "申请人戊", datetime.date(2000, 6, 6))
    a = today - datetime.timedelta(days=200)
    cid = ok(admin.post("/api/v1/party-candidates", json={"person_id": p, "party_org_id": city["branch"],
                                                          "applied_on": d(a)}), 201)["id"]
    walk(admin, cid, 2, 5, a + datetime.timedelta(days=5))
    ok(step(admin, cid, 6, today), 201)
    # Today is too early for 发展对象: a year from the activist's day is still ahead.
    r = step(admin, cid, 7)
    refused(r, 409, "development_too_early", "done_on")
    earliest = datetime.date.fromisoformat(ok(admin.get(f"/api/v1/party-candidates/{cid}"))["next"]["earliest"])
    assert earliest == (a + datetime.timedelta(days=5)).replace(year=a.year + 1) or earliest > today
    # The clock moves past it (sessions lapse over months: sign in again).
    admin.post("/api/v1/_test/clock", json={"advance_seconds": ((earliest - today).days + 1) * 86400})
    again = server.admin()
    ok(step(again, cid, 6), 201)
    r = ok(step(again, cid, 7), 201)
    assert r["step"] == 7 and r["stage"] == 3
